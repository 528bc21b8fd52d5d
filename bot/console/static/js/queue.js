/* The two chat lists: chats waiting in the queue, and the agent's own. */

import { api, expect } from "./api.js";
import { claim, selectChat, syncSelected } from "./conversation.js";
import { $, button, clear, each, el, findIn, idOf, list, str } from "./dom.js";
import { channelName, fmtTime, reasonOf } from "./format.js";
import { makePoller } from "./poller.js";
import { showPresence } from "./presence.js";
import { noteQueue, renderWait } from "./sla.js";
import { state } from "./state.js";
import { t } from "./texts.js";
import { noteAgentsOnline } from "./transfer.js";

const QUEUE_INTERVAL = 2000;
/** What the lists show of a handoff: the lists are redrawn when one of these changes. */
const SHOWN = [
  "id",
  "channel",
  "reason_label",
  "reason",
  "position",
  "created_at",
  "claimed_at",
  "user_label",
];

function fetchQueue(signal) {
  return api("GET", "api/queue", null, signal, true).then((res) => {
    const data = expect(res, 200);
    state.queued = list(data.queued);
    state.mine = list(data.mine);
    noteQueue(data, state.queued);
    showPresence(data.presence);
    noteAgentsOnline(data.agents_online);
    renderQueue();
  });
}

export const queuePoller = makePoller("queue", QUEUE_INTERVAL, fetchQueue);

export function isMine(id) {
  return id !== null && !!findIn(state.mine, id);
}

export function isQueued(id) {
  return id !== null && !!findIn(state.queued, id);
}

/** Show a claim (toMine) / return / close in the lists at once, then poll to confirm it. */
export function applyLocally(id, handoff, toMine) {
  const fresh = handoff && idOf(handoff) === id ? handoff : null;
  const known =
    findIn(state.queued, id) || findIn(state.mine, id) || (state.selectedId === id && state.selected);
  const others = (h) => idOf(h) !== id;
  state.queued = state.queued.filter(others);
  state.mine = state.mine.filter(others);
  if (toMine) state.mine.unshift(fresh || known || { id: id });
  if (fresh && state.selectedId === id) {
    state.selected = fresh;
    if (fresh.status) state.convStatus = str(fresh.status);
  }
  renderQueue();
  queuePoller.poke();
}

export function renderQueue() {
  const rows = (items) => items.map((h) => SHOWN.map((key) => h[key]));
  const sig = JSON.stringify([rows(state.queued), rows(state.mine), state.selectedId]);
  if (sig !== state.listSig) {
    state.listSig = sig;
    renderList($("queued-list"), $("queued-empty"), state.queued, true);
    renderList($("mine-list"), $("mine-empty"), state.mine, false);
  }
  $("queued-count").textContent = String(state.queued.length);
  $("queued-count").classList.toggle("count-hot", state.queued.length > 0);
  $("mine-count").textContent = String(state.mine.length);
  document.title = (state.queued.length ? "(" + state.queued.length + ") " : "") + t("page.title");
  syncSelected();
}

/** Rebuild a list, keeping keyboard focus on the same item's button. */
function renderList(listNode, emptyNode, items, queued) {
  const active = document.activeElement;
  const focusKey = active && listNode.contains(active) ? active.getAttribute("data-key") : null;
  clear(listNode);
  items.forEach((h) => listNode.appendChild(chatItem(h, queued)));
  emptyNode.hidden = items.length > 0;
  if (!focusKey) return;
  each(listNode.querySelectorAll("[data-key]"), (node) => {
    if (node.getAttribute("data-key") === focusKey) node.focus();
  });
}

function chatItem(h, queued) {
  const id = idOf(h);
  const channel = channelName(h.channel);
  const selected = id === state.selectedId;
  const user = t("page.lists.user", { label: str(h.user_label) });
  const item = el("li", "chat-item" + (selected ? " is-selected" : ""));
  const open = item.appendChild(button("", "chat-open", () => selectChat(h)));
  open.setAttribute("data-key", "open:" + id);
  if (selected) open.setAttribute("aria-current", "true");
  open.title = user;
  const top = open.appendChild(el("span", "chat-top"));
  top.appendChild(el("span", "badge badge-" + (h.channel === "wechat" ? "wechat" : "web"), channel));
  top.appendChild(el("span", "chat-reason", reasonOf(h)));
  const meta = open.appendChild(el("span", "chat-meta"));
  if (!queued) {
    meta.appendChild(el("span", null, t("page.lists.claimed_at", { time: fmtTime(h.claimed_at) })));
    meta.appendChild(el("span", "sender", user));
    return item;
  }
  const wait = meta.appendChild(el("span", "wait"));
  wait.setAttribute("data-wait-id", id);
  wait.setAttribute("data-since", str(h.created_at));
  renderWait(wait);
  if (typeof h.position === "number") {
    meta.appendChild(el("span", "position", t("page.lists.position", { position: h.position })));
  }
  const label = t("page.lists.claim_label", { channel: channel, reason: reasonOf(h) });
  const claimBtn = item.appendChild(
    button(t("page.lists.claim"), "btn-primary btn-small", () => claim(id, claimBtn), label)
  );
  claimBtn.setAttribute("data-key", "claim:" + id);
  return item;
}
