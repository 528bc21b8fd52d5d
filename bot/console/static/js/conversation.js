/* The selected chat: its header, claiming it, handing it back or closing it, the reply box's state. */

import { actionFailed, handoffPath, post } from "./api.js";
import { closeCanned } from "./canned.js";
import { $, clear, each, el, findIn, idOf, obj, str, toast } from "./dom.js";
import { channelName, fmtTime, reasonOf } from "./format.js";
import { syncChatNotes } from "./notes.js";
import { applyLocally, isMine, isQueued, queuePoller, renderQueue } from "./queue.js";
import { setTab } from "./signin.js";
import { state } from "./state.js";
import { renderSummary } from "./summary.js";
import { section, t } from "./texts.js";
import { resetTicketForm } from "./ticket_form.js";
import { transcriptPoller } from "./transcript.js";

export function claim(id, claimBtn) {
  if (id === null) return;
  claimBtn.disabled = true;
  post(handoffPath(id, "claim"))
    .then((res) => {
      if (res.status === 200) {
        toast(t("page.conversation.claimed"));
        applyLocally(id, res.data, true);
        selectChat(findIn(state.mine, id));
        $("reply").focus();
      } else if (res.status === 409) {
        toast(t("page.errors.taken"), true);
        applyLocally(id, null, false);
      } else {
        toast(t("page.errors.failed"), true);
        queuePoller.poke();
      }
    }, actionFailed)
    .then(() => {
      claimBtn.disabled = false;
    });
}

/** action: "return" or "close". */
export function finish(id, action, doneText) {
  const buttons = [$("conv-return"), $("conv-close")];
  if (id === null) return;
  each(buttons, (b) => (b.disabled = true));
  post(handoffPath(id, action))
    .then((res) => {
      if (res.status !== 200) {
        toast(t(res.status === 409 ? "page.errors.not_held" : "page.errors.failed"), true);
        return queuePoller.poke();
      }
      toast(doneText);
      if (state.selectedId === id) state.convStatus = action === "close" ? "closed" : "returned";
      applyLocally(id, res.data, false);
      transcriptPoller.poke();
    }, actionFailed)
    .then(() => {
      each(buttons, (b) => (b.disabled = false));
      renderConvHead();
    });
}

/** A modal confirm; resolves true when the agent confirms. */
function confirmDialog(text, okLabel) {
  const dialog = $("confirm-dialog");
  if (typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(text));
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      resolve(dialog.returnValue === "ok");
    });
    dialog.showModal();
  });
}

export function closeChat() {
  const id = state.selectedId;
  confirmDialog(t("page.conversation.close_confirm"), t("page.conversation.close")).then((ok) => {
    if (ok && state.agent) finish(id, "close", t("page.conversation.closed"));
  });
}

export function selectChat(h) {
  const id = idOf(h);
  if (id === null) return;
  setTab("chats");
  if (id === state.selectedId) return;
  if (state.selectedId !== null) state.drafts[state.selectedId] = $("reply").value;
  resetConversation(id, h);
  $("reply").value = state.drafts[id] || "";
  $("transcript").appendChild(el("p", "transcript-note", t("page.conversation.loading")));
  resetTicketForm();
  renderQueue(); // marks the item; syncSelected() then renders the header and the summary
  transcriptPoller.start();
}

export function resetConversation(id, h) {
  transcriptPoller.stop();
  state.selectedId = id;
  state.selected = h;
  state.convStatus = h ? str(h.status) : "";
  state.lastIndex = -1;
  state.seen = {};
  state.summarySig = "";
  closeCanned();
  clear($("transcript"));
  $("conv-empty").hidden = $("details-empty").hidden = !!h;
  $("conv").hidden = $("details").hidden = !h;
}

/** Take the selected chat's latest data from the lists (the last seen stays once it leaves). */
export function syncSelected() {
  if (state.selectedId === null) return;
  const h = findIn(state.mine, state.selectedId) || findIn(state.queued, state.selectedId);
  if (h) state.selected = h;
  if (h && h.status) state.convStatus = str(h.status);
  renderConvHead();
  renderSummary();
  syncChatNotes();
}

export function renderConvHead() {
  const h = state.selected;
  if (!h) return;
  const held = isMine(state.selectedId);
  const queued = !held && isQueued(state.selectedId);
  const statuses = section("page.handoff_status");
  let status = held
    ? statuses.mine
    : queued
      ? statuses.queued
      : statuses[state.convStatus] || state.convStatus || statuses.closed;
  if (queued && typeof h.position === "number") {
    status += t("page.conversation.position", { position: h.position });
  }
  const parts = [reasonOf(h), status];
  const agent = obj(h.agent);
  if (!held && agent.display_name) {
    parts.push(t("page.conversation.agent", { name: str(agent.display_name) }));
  }
  if (h.created_at) parts.push(t("page.conversation.started_at", { time: fmtTime(h.created_at) }));
  $("conv-title").textContent = t("page.conversation.title", {
    channel: channelName(h.channel),
    label: str(h.user_label),
  });
  $("conv-title").title = "";
  $("conv-meta").textContent = parts.join(" · ");
  $("conv-claim").hidden = !queued;
  $("conv-return").hidden = $("conv-close").hidden = $("conv-transfer").hidden = !held;
  renderComposer();
}

export function renderComposer() {
  const held = isMine(state.selectedId);
  $("reply").disabled = !held;
  $("send").disabled = !held || state.sending;
  const why = {
    closed: "page.reply.closed",
    returned: "page.reply.returned",
    abandoned: "page.reply.abandoned",
  }[state.convStatus];
  let note = "";
  if (!held && isQueued(state.selectedId)) note = t("page.reply.claim_first");
  else if (!held) note = t("page.reply.read_only", { why: t(why || "page.reply.not_mine") });
  $("composer-note").textContent = note;
}
