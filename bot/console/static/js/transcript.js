/* The selected chat's transcript, polled: the events, in index order, never as markup. */

import { api, expect, handoffPath } from "./api.js";
import { renderConvHead } from "./conversation.js";
import { $, clear, each, el, list, str } from "./dom.js";
import { timeNode } from "./format.js";
import { makePoller } from "./poller.js";
import { queuePoller } from "./queue.js";
import { state } from "./state.js";
import { t } from "./texts.js";

const TRANSCRIPT_INTERVAL = 1500;
const PHOTO = /^[0-9a-f]{32}\.(jpg|png|webp)$/;

function fetchTranscript(signal) {
  const id = state.selectedId;
  if (id === null) return Promise.resolve();
  const path = handoffPath(id, "transcript") + "?after=" + encodeURIComponent(state.lastIndex);
  return api("GET", path, null, signal, true).then((res) => {
    if (id !== state.selectedId) return;
    const data = expect(res, 200);
    const log = $("transcript");
    const first = state.lastIndex === -1;
    const stick = first || log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    list(data.events).forEach((event) => addEvent(event, false));
    if (first && !log.querySelector("[data-index]")) {
      clear(log);
      log.appendChild(el("p", "transcript-note", t("page.conversation.no_events")));
    }
    if (stick) log.scrollTop = log.scrollHeight;
    if (data.status && str(data.status) !== state.convStatus) {
      state.convStatus = str(data.status);
      renderConvHead();
      queuePoller.poke();
    }
  });
}

export const transcriptPoller = makePoller("transcript", TRANSCRIPT_INTERVAL, fetchTranscript);

/**
 * Insert one event in index order. Polled events move lastIndex on; an event from our own POST
 * does not, so events before it that the poll has not fetched yet are not skipped.
 */
export function addEvent(event, own) {
  const index = typeof event.index === "number" ? event.index : parseInt(event.index, 10);
  if (!isFinite(index) || state.seen[index]) return;
  state.seen[index] = true;
  if (!own && index > state.lastIndex) state.lastIndex = index;
  const log = $("transcript");
  each(log.querySelectorAll(".transcript-note"), (note) => log.removeChild(note));
  const node = eventNode(event);
  node.setAttribute("data-index", String(index));
  let after = log.lastElementChild;
  while (after && !(Number(after.getAttribute("data-index")) < index)) {
    after = after.previousElementSibling;
  }
  log.insertBefore(node, after ? after.nextSibling : log.firstChild);
}

function whoSaid(event, kind) {
  if (kind === "user" || kind === "bot") return t("page.transcript." + kind);
  return t("page.transcript.agent", { name: str(event.agent_name) || t("page.transcript.agent_default") });
}

function eventNode(event) {
  const kind = ["user", "bot", "agent", "system"].indexOf(event.kind) >= 0 ? event.kind : "system";
  const row = el("div", "ev ev-" + kind);
  if (kind === "system") {
    const line = row.appendChild(el("div", "ev-system-line"));
    line.appendChild(el("span", "ev-system-text", str(event.text)));
    line.appendChild(timeNode(event.at, "ev-time"));
    return row;
  }
  const head = row.appendChild(el("div", "ev-head"));
  head.appendChild(el("span", "ev-who", whoSaid(event, kind)));
  head.appendChild(timeNode(event.at, "ev-time"));
  if (str(event.text)) row.appendChild(el("div", "ev-bubble", str(event.text)));
  if (PHOTO.test(str(event.photo))) {
    const link = row.appendChild(el("a", "ev-photo"));
    link.href = "api/photos/" + str(event.photo);
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const image = link.appendChild(el("img"));
    image.src = link.href;
    image.alt = t("page.transcript.photo");
  }
  const buttons = list(event.buttons);
  if (!buttons.length) return row;
  const chips = row.appendChild(el("div", "ev-chips"));
  chips.setAttribute("role", "group");
  chips.setAttribute("aria-label", t("page.transcript.buttons"));
  buttons.forEach((b) => {
    chips.appendChild(el("span", "chip", str(b.title))).setAttribute("aria-disabled", "true");
  });
  return row;
}
