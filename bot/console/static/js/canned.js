/*
 * Canned replies in the reply box: "/" at its start opens the chat's canned replies
 * (GET handoffs/<id>/canned-replies, placeholders filled by the server), the words after it
 * filter them, ↑/↓ and Enter (or a click) insert one, Escape closes the list. A reply whose
 * placeholders this chat cannot fill is marked, and once inserted its first gap is selected.
 */

import { api, expect, failureText, handoffPath } from "./api.js";
import { $, clear, el, list, str, toast } from "./dom.js";
import { isMine } from "./queue.js";
import { state } from "./state.js";
import { section, t } from "./texts.js";

/** The replies of one chat, fetched once per chat: {id, replies, error, loading}. */
let cache = { id: null, replies: [], error: "", loading: false };
let shown = [];
let active = 0;
let dismissed = false;

function box() {
  return $("reply");
}

function isOpen() {
  return !$("canned-list").hidden;
}

/** The query after "/" (one line), or null when the box does not start a search. */
function query() {
  const value = box().value;
  if (value.charAt(0) !== "/" || value.indexOf("\n") >= 0) return null;
  return value.slice(1).trim().toLowerCase();
}

function matches(reply, words) {
  const hay = [reply.title, reply.key, reply.text].map(str).join(" ").toLowerCase();
  return words.every((word) => hay.indexOf(word) >= 0);
}

function load(id) {
  cache = { id: id, replies: [], error: "", loading: true };
  api("GET", handoffPath(id, "canned-replies"))
    .then((res) => {
      if (cache.id !== id) return;
      cache.replies = list(expect(res, 200).replies);
    })
    .catch((err) => {
      if (cache.id === id) cache.error = failureText(err, t("page.canned.failed"));
    })
    .then(() => {
      if (cache.id !== id) return;
      cache.loading = false;
      cannedInput();
    });
}

/** The placeholders' names as the agent reads them (page.canned.placeholders). */
function placeholderNames(names) {
  const labels = section("page.canned.placeholders");
  return names
    .map((name) => (typeof labels[name] === "string" ? labels[name] : name))
    .join(t("page.lists.value_separator"));
}

function missingOf(reply) {
  return Array.isArray(reply.missing) ? reply.missing.map(str).filter(Boolean) : [];
}

/** The box changed: open, filter or close the list. */
export function cannedInput() {
  const q = query();
  const id = state.selectedId;
  if (q === null || !isMine(id)) {
    dismissed = false;
    return closeCanned();
  }
  if (dismissed) return;
  if (!isOpen() || cache.id !== id) load(id); // afresh each time: a ticket may fill {ticket_no}
  const words = q.split(/\s+/).filter(Boolean);
  shown = cache.replies.filter((reply) => matches(reply, words));
  active = Math.min(active, Math.max(0, shown.length - 1));
  render();
}

function render() {
  const ul = $("canned-list");
  clear(ul);
  const note = cache.loading
    ? t("page.canned.loading")
    : cache.error || (shown.length ? "" : t("page.canned.empty"));
  if (note) ul.appendChild(el("li", "canned-note", note)).setAttribute("role", "presentation");
  shown.forEach((reply, i) => ul.appendChild(option(reply, i)));
  ul.hidden = false;
  markActive();
}

function option(reply, i) {
  const missing = missingOf(reply);
  const li = el("li", "canned-option" + (missing.length ? " canned-missing" : ""));
  li.id = "canned-opt-" + i;
  li.setAttribute("role", "option");
  li.setAttribute("data-key", str(reply.key));
  const head = li.appendChild(el("span", "canned-head"));
  head.appendChild(el("strong", "canned-title", str(reply.title)));
  head.appendChild(el("span", "canned-key", "/" + str(reply.key)));
  if (missing.length) {
    const names = placeholderNames(missing);
    head.appendChild(el("span", "canned-flag", t("page.canned.missing", { names: names })));
  }
  li.appendChild(el("span", "canned-text", str(reply.text)));
  // mousedown, not click: the reply box keeps the focus (and the list stays open until then)
  li.addEventListener("mousedown", (event) => {
    event.preventDefault();
    insert(i);
  });
  return li;
}

function markActive() {
  const ul = $("canned-list");
  Array.from(ul.querySelectorAll("[role=option]")).forEach((li, i) => {
    li.setAttribute("aria-selected", i === active ? "true" : "false");
    if (i === active) li.scrollIntoView({ block: "nearest" });
  });
  if (shown.length) box().setAttribute("aria-activedescendant", "canned-opt-" + active);
  else box().removeAttribute("aria-activedescendant");
}

function insert(i) {
  const reply = shown[i];
  if (!reply) return;
  const input = box();
  const text = str(reply.text);
  input.value = text;
  closeCanned();
  input.focus();
  const missing = missingOf(reply);
  if (!missing.length) {
    input.setSelectionRange(text.length, text.length);
    return;
  }
  const gap = text.indexOf("{" + missing[0] + "}");
  if (gap >= 0) input.setSelectionRange(gap, gap + missing[0].length + 2);
  toast(t("page.canned.fill_in", { names: placeholderNames(missing) }), true);
}

/** The reply box's keys while the list is open; true when the key was the list's. */
export function cannedKeydown(event) {
  if (!isOpen() || event.isComposing || event.keyCode === 229) return false;
  const moves = { ArrowDown: 1, ArrowUp: -1 };
  if (event.key in moves) {
    if (shown.length) active = (active + moves[event.key] + shown.length) % shown.length;
    markActive();
  } else if (event.key === "Enter" || (event.key === "Tab" && shown.length)) {
    if (event.shiftKey) return false;
    insert(active); // no match: Enter does nothing (a "/..." line is never sent by accident)
  } else if (event.key === "Escape") {
    dismissed = true;
    closeCanned();
  } else {
    return false;
  }
  event.preventDefault();
  return true;
}

export function closeCanned() {
  $("canned-list").hidden = true;
  clear($("canned-list"));
  box().removeAttribute("aria-activedescendant");
  shown = [];
  active = 0;
}

/** Another chat, or signed out: the next "/" fetches afresh. */
export function resetCanned() {
  cache = { id: null, replies: [], error: "", loading: false };
  dismissed = false;
  closeCanned();
}
