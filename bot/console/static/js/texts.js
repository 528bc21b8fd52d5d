/*
 * The page's texts: bot/data/catalog/console.yml, served at api/texts as {"page": {...}}.
 * t("page.signin.title") gives one; t("page.lists.user", {label: "3FA2C1"}) fills {label}.
 * In the HTML, data-text="page.…" sets an element's text and data-text-<attribute>="page.…"
 * sets that attribute (applyTexts).
 */

let texts = {};

/** Fetch the texts once, before anything is shown. */
export async function loadTexts(base) {
  const response = await fetch(new URL("api/texts", base).href, {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error("api/texts answered " + response.status);
  texts = await response.json();
}

function lookup(key) {
  let node = texts;
  for (const part of key.split(".")) node = node && typeof node === "object" ? node[part] : undefined;
  return node;
}

/** The text at a dotted key, {placeholders} filled from params; the key itself when missing. */
export function t(key, params) {
  const text = lookup(key);
  if (typeof text !== "string") {
    window.console.error("console.yml has no text " + key);
    return key;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

/** A section of texts (e.g. "page.channels") as a plain object; {} when missing. */
export function section(key) {
  const node = lookup(key);
  return node && typeof node === "object" ? node : {};
}

/** Fill data-text and data-text-<attribute> under root. */
export function applyTexts(root) {
  for (const node of root.querySelectorAll("*")) {
    for (const attribute of Array.from(node.attributes)) {
      if (attribute.name === "data-text") node.textContent = t(attribute.value);
      else if (attribute.name.startsWith("data-text-")) {
        node.setAttribute(attribute.name.slice("data-text-".length), t(attribute.value));
      }
    }
  }
}
