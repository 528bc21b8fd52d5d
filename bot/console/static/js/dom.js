/*
 * DOM and value helpers. Every text reaches the page with textContent / createTextNode: no user,
 * bot or agent text ever reaches innerHTML.
 */

import { t } from "./texts.js";

const TOAST_MS = 4000;

export function $(id) {
  return document.getElementById(id);
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function button(text, className, onClick, label) {
  const node = el("button", "btn " + className, text);
  node.type = "button";
  if (label) node.setAttribute("aria-label", label);
  node.addEventListener("click", onClick);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function each(nodes, fn) {
  for (let i = 0; i < nodes.length; i++) fn(nodes[i]);
}

/** Any value as display text ("" for null; arrays joined). */
export function str(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(str).join(t("page.lists.value_separator"));
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function obj(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

export function list(value) {
  return Array.isArray(value) ? value.filter((item) => item && typeof item === "object") : [];
}

export function idOf(h) {
  return h && h.id !== undefined && h.id !== null ? String(h.id) : null;
}

export function findIn(items, id) {
  return items.find((item) => idOf(item) === id) || null;
}

export function findOption(select, value) {
  return Array.from(select.options).find((option) => option.value === value) || null;
}

/** Select `value`, adding it as an option first when the list lacks it. */
export function setSelect(select, value) {
  each(select.querySelectorAll("option[data-extra]"), (option) => select.removeChild(option));
  if (value && !findOption(select, value)) {
    const option = select.appendChild(el("option", null, value));
    option.value = value;
    option.setAttribute("data-extra", "true");
  }
  select.value = value;
}

/** Set the text of every [data-field] under root to text(name); empty ones show data-empty. */
export function fill(root, text) {
  each(root.querySelectorAll("[data-field]"), (node) => {
    const value = str(text(node.getAttribute("data-field")));
    node.textContent = value || node.getAttribute("data-empty") || "—";
    node.classList.toggle("muted", !value);
  });
}

let toastTimer = null;

export function toast(text, isError) {
  const node = $("toast");
  node.textContent = text;
  node.classList.toggle("toast-error", !!isError);
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, TOAST_MS);
}

/** kind: "error" | "info" | undefined; an empty text hides the message. */
export function setMessage(node, text, kind) {
  node.textContent = text || "";
  node.classList.toggle("form-message-error", kind === "error");
  node.classList.toggle("form-message-info", kind === "info");
  node.hidden = !text;
}
