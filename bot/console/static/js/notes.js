/*
 * Internal notes, never shown to the owner: on the selected chat (a card beside the
 * transcript, GET/POST handoffs/<id>/notes) and on a ticket (in its detail, tickets/<no>/notes).
 * A transfer leaves a note too ("transfer": who handed the chat to whom, and why).
 */

import { api, expect, failureText, handoffPath, post } from "./api.js";
import { $, clear, el, list, obj, setMessage, str } from "./dom.js";
import { timeNode } from "./format.js";
import { isMine, isQueued } from "./queue.js";
import { state } from "./state.js";
import { t } from "./texts.js";

const MAX_NOTE_CHARS = 2000;
const CHAT_REFRESH_MS = 15000;

function agentName(agent) {
  const a = obj(agent);
  return str(a.display_name || a.username) || t("page.transcript.agent_default");
}

function noteNode(note) {
  const transfer = note.kind === "transfer";
  const li = el("li", "timeline-step note note-" + (transfer ? "transfer" : "note"));
  li.setAttribute("data-note", str(note.id));
  const head = li.appendChild(el("div", "timeline-head"));
  const who = transfer
    ? t("page.notes.transfer", { from: agentName(note.agent), to: agentName(note.to_agent) })
    : agentName(note.agent);
  head.appendChild(el("strong", null, who));
  head.appendChild(timeNode(note.created_at, "muted"));
  if (str(note.text)) li.appendChild(el("p", "timeline-note", str(note.text)));
  return li;
}

/**
 * A notes panel: its list, its form (input + submit) and message, for the record `key`
 * (a handoff id or a ticket number) whose notes are at path(key).
 */
function notesPanel(ids, path) {
  const panel = { key: null, token: 0, loadedAt: 0 };

  function show(message) {
    const ol = $(ids.list);
    clear(ol);
    ol.appendChild(el("li", "muted", message));
  }

  function render(notes) {
    if (!notes.length) return show(t("page.notes.empty"));
    const ol = $(ids.list);
    clear(ol);
    notes.forEach((note) => ol.appendChild(noteNode(note)));
  }

  panel.load = function (key) {
    const token = ++panel.token;
    const fresh = key !== panel.key;
    panel.key = key;
    panel.loadedAt = Date.now();
    if (fresh) {
      show(t("page.notes.loading"));
      $(ids.input).value = "";
      setMessage($(ids.message), "");
    }
    api("GET", path(key), null, null, true)
      .then((res) => {
        if (token !== panel.token) return;
        const usable = res.status === 200;
        $(ids.form).hidden = !usable;
        const why = res.status === 404 ? "page.notes.unavailable" : "page.notes.failed";
        if (!usable) return show(t(why));
        render(list(expect(res, 200).notes));
      })
      .catch((err) => {
        if (token === panel.token) show(failureText(err, t("page.notes.failed")));
      });
  };

  panel.submit = function (event) {
    event.preventDefault();
    const key = panel.key;
    const input = $(ids.input);
    const text = input.value.trim();
    const message = $(ids.message);
    if (key === null) return;
    if (!text) return setMessage(message, t("page.notes.errors.empty"), "error");
    if (text.length > MAX_NOTE_CHARS) {
      return setMessage(message, t("page.notes.errors.too_long"), "error");
    }
    const submit = $(ids.form).querySelector("[type=submit]");
    submit.disabled = true;
    setMessage(message, "");
    post(path(key), { text: text })
      .then(
        (res) => {
          if (key !== panel.key) return;
          if (res.status !== 201) {
            const code = { empty: "empty", too_long: "too_long" }[str(res.data.error)];
            let why = res.status === 404 ? "page.notes.unavailable" : "page.notes.failed_add";
            if (code) why = "page.notes.errors." + code;
            return setMessage(message, t(why), "error");
          }
          input.value = "";
          setMessage(message, t("page.notes.added"), "info");
          panel.load(key);
        },
        (err) => {
          if (key === panel.key) setMessage(message, failureText(err), "error");
        }
      )
      .then(() => {
        submit.disabled = false;
      });
  };

  /** Not a chat or ticket this agent may annotate now: say so, without asking the server. */
  panel.unavailable = function (key) {
    panel.token++;
    panel.key = key;
    panel.loadedAt = Date.now();
    $(ids.form).hidden = true;
    show(t("page.notes.unavailable"));
  };

  panel.reset = function () {
    panel.token++;
    panel.key = null;
    clear($(ids.list));
    $(ids.input).value = "";
    setMessage($(ids.message), "");
  };

  return panel;
}

const chatNotes = notesPanel(
  { list: "hn-list", form: "hn-form", input: "hn-text", message: "hn-form-message" },
  (id) => handoffPath(id, "notes")
);
const ticketNotes = notesPanel(
  { list: "tn-list", form: "tn-form", input: "tn-text", message: "tn-form-message" },
  (no) => "api/tickets/" + encodeURIComponent(no) + "/notes"
);

let chatSig = "";

/**
 * The selected chat's notes: loaded when another chat is selected, when its holder or status
 * changes (a transfer), and every CHAT_REFRESH_MS while it stays selected (called on each
 * queue answer).
 */
export function syncChatNotes() {
  const h = obj(state.selected);
  const id = state.selectedId;
  if (id === null) {
    chatSig = "";
    return chatNotes.reset();
  }
  const open = isMine(id) || isQueued(id);
  const sig = JSON.stringify([id, open, state.convStatus, obj(h.agent).username || null]);
  const stale = Date.now() - chatNotes.loadedAt > CHAT_REFRESH_MS;
  if (sig === chatSig && !stale) return;
  chatSig = sig;
  if (open) chatNotes.load(id);
  else chatNotes.unavailable(id);
}

export const submitChatNote = chatNotes.submit;
export const submitTicketNote = ticketNotes.submit;

export function loadTicketNotes(no) {
  ticketNotes.load(no);
}

export function resetNotes() {
  chatSig = "";
  chatNotes.reset();
  ticketNotes.reset();
}
