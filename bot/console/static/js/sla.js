/*
 * The queue's SLA timers: how long each waiting chat has waited, ticking once a second from the
 * server's waited_seconds (no clock skew), amber and red at the thresholds GET queue sends
 * (handoff.yml queue_sla). The level shows as a colour, an icon and a word.
 */

import { clear, each, el, idOf, obj } from "./dom.js";
import { fmtSeconds } from "./format.js";
import { t } from "./texts.js";

const LEVELS = ["ok", "amber", "red"];
let thresholds = { amber: null, red: null };
/** By handoff id: {seconds, at, level}: the wait the server saw and when the answer came. */
let waits = {};

function seconds(value) {
  return typeof value === "number" && isFinite(value) && value >= 0 ? value : null;
}

/** Remember the thresholds and each queued chat's wait from a GET queue answer. */
export function noteQueue(data, queued) {
  const sla = obj(data.sla);
  thresholds = { amber: seconds(sla.amber_seconds), red: seconds(sla.red_seconds) };
  const now = performance.now();
  waits = {};
  queued.forEach((h) => {
    const id = idOf(h);
    const waited = seconds(h.waited_seconds);
    if (id !== null && waited !== null) waits[id] = { seconds: waited, at: now, level: h.sla };
  });
}

/** Seconds chat `id` has waited now; from created_at when the server sent no wait. */
function waitedNow(id, createdAt) {
  const known = waits[id];
  if (known) return known.seconds + (performance.now() - known.at) / 1000;
  const since = Date.parse(createdAt);
  return isNaN(since) ? null : Math.max(0, (Date.now() - since) / 1000);
}

/** "ok" | "amber" | "red" for a wait; never below the level the server gave. */
export function slaLevel(waited, serverLevel) {
  let level = 0;
  if (thresholds.red !== null && waited >= thresholds.red) level = 2;
  else if (thresholds.amber !== null && waited >= thresholds.amber) level = 1;
  return LEVELS[Math.max(level, LEVELS.indexOf(serverLevel))];
}

/** Fill a wait node of the queue (data-wait-id, data-since): the time, its level, the flag. */
export function renderWait(node) {
  const id = node.getAttribute("data-wait-id");
  const waited = waitedNow(id, node.getAttribute("data-since"));
  const level = waited === null ? "ok" : slaLevel(waited, (waits[id] || {}).level);
  const text = t("page.lists.waiting", { wait: waited === null ? "—" : fmtSeconds(waited) });
  if (node.getAttribute("data-shown") === text && node.getAttribute("data-sla") === level) return;
  node.setAttribute("data-shown", text);
  node.setAttribute("data-sla", level);
  clear(node);
  node.appendChild(el("span", "wait-time", text));
  if (level !== "ok") node.appendChild(el("span", "sla-flag", t("page.sla." + level)));
  node.className = "wait sla-" + level;
  const item = node.closest(".chat-item");
  if (!item) return;
  each(LEVELS, (name) => item.classList.toggle("sla-" + name, name === level));
}

/** Once a second: every wait in the queue. */
export function tickWaits() {
  each(document.querySelectorAll("#queued-list [data-wait-id]"), renderWait);
}

export function resetSla() {
  thresholds = { amber: null, red: null };
  waits = {};
}
