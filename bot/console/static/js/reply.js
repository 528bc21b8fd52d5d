/*
 * The reply box: Enter sends, Shift+Enter breaks the line, never while an IME is composing.
 * "/" at its start searches the canned replies (canned.js), which then have the keys.
 */

import { actionFailed, handoffPath, post } from "./api.js";
import { cannedInput, cannedKeydown, closeCanned } from "./canned.js";
import { renderComposer } from "./conversation.js";
import { $, obj, toast } from "./dom.js";
import { isMine, queuePoller } from "./queue.js";
import { state } from "./state.js";
import { t } from "./texts.js";
import { addEvent, transcriptPoller } from "./transcript.js";

let composing = false;

function sendReply() {
  const box = $("reply");
  const text = box.value.trim();
  const id = state.selectedId;
  if (!text || state.sending || !isMine(id)) return;
  state.sending = true;
  renderComposer();
  post(handoffPath(id, "messages"), { text: text })
    .then((res) => {
      if (res.status !== 201) {
        const why = { 409: "page.reply.not_sent", 400: "page.reply.empty" }[res.status];
        if (res.status === 409) queuePoller.poke();
        return toast(t(why || "page.reply.failed"), true);
      }
      if (res.data.delivered === false) toast(t("page.reply.undelivered"), true);
      if (id !== state.selectedId) {
        delete state.drafts[id];
        return;
      }
      box.value = "";
      // An event without an index shows with the next poll, which is made at once.
      if (res.data.event) addEvent(obj(res.data.event), true);
      $("transcript").scrollTop = $("transcript").scrollHeight;
      transcriptPoller.poke();
    }, actionFailed)
    .then(() => {
      state.sending = false;
      renderComposer();
    });
}

function replyKeydown(event) {
  if (cannedKeydown(event)) return;
  if (event.key !== "Enter" || event.shiftKey) return;
  // While an IME is composing, Enter confirms the candidate: never send then.
  if (event.isComposing || composing || event.keyCode === 229) return;
  event.preventDefault();
  sendReply();
}

/** The reply box's handlers: [element id, event, handler]. */
export const replyHandlers = [
  [
    "composer",
    "submit",
    (e) => {
      e.preventDefault();
      sendReply();
    },
  ],
  ["reply", "keydown", replyKeydown],
  ["reply", "input", cannedInput],
  ["reply", "blur", closeCanned],
  ["reply", "compositionstart", () => (composing = true)],
  // Some browsers deliver the Enter that ends a composition just after compositionend.
  ["reply", "compositionend", () => setTimeout(() => (composing = false), 0)],
];
