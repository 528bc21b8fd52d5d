/*
 * Transfer of a held chat to another online agent, with a note for them (an internal
 * note, never shown to the owner). The agents to choose from are the queue answer's
 * agents_online; the server refuses one who went offline meanwhile (target_offline).
 */

import { failureText, handoffPath, post } from "./api.js";
import { $, clear, el, list, obj, setMessage, str, toast } from "./dom.js";
import { applyLocally, isMine, queuePoller } from "./queue.js";
import { state } from "./state.js";
import { section, t } from "./texts.js";

const MAX_NOTE_CHARS = 2000;
let online = [];
let sending = false;

/** The other agents online, from a GET queue answer. */
export function noteAgentsOnline(agents) {
  online = list(agents).filter((a) => str(a.username));
  const dialog = $("transfer-dialog");
  if (dialog.open && !sending) fillAgents();
}

function nameOf(agent) {
  return str(agent.display_name) || str(agent.username);
}

/**
 * The select's options: the agents online. One chosen who went offline meanwhile stays chosen,
 * marked offline (the server would refuse them: the agent sees why before sending).
 */
function fillAgents() {
  const select = $("transfer-to");
  const chosen = select.value;
  const chosenLabel = chosen ? select.options[select.selectedIndex].getAttribute("data-name") : "";
  clear(select);
  const prompt = select.appendChild(el("option", null, t("page.transfer.choose")));
  prompt.value = "";
  const add = (username, name, key) => {
    const label = t(key, { name: name, username: username });
    const option = select.appendChild(el("option", null, label));
    option.value = username;
    option.setAttribute("data-name", name);
  };
  online.forEach((agent) => add(str(agent.username), nameOf(agent), "page.transfer.agent_option"));
  const gone = chosen && !online.some((a) => str(a.username) === chosen);
  if (gone) add(chosen, chosenLabel || chosen, "page.transfer.agent_offline");
  select.value = chosen;
  select.disabled = !online.length && !gone;
  $("transfer-nobody").hidden = online.length > 0;
}

export function openTransfer() {
  const dialog = $("transfer-dialog");
  if (!isMine(state.selectedId) || typeof dialog.showModal !== "function") return;
  $("transfer-note").value = "";
  setMessage($("transfer-form-message"), "");
  $("transfer-submit").disabled = false;
  clear($("transfer-to")); // a new choice each time
  fillAgents();
  dialog.showModal();
  $("transfer-to").focus();
}

function errorText(res) {
  const errors = section("page.transfer.errors");
  const code = str(obj(res.data).error);
  return typeof errors[code] === "string" ? errors[code] : t("page.transfer.errors.failed");
}

export function submitTransfer(event) {
  event.preventDefault();
  const id = state.selectedId;
  const to = $("transfer-to").value;
  const note = $("transfer-note").value.trim();
  const message = $("transfer-form-message");
  if (!to) return setMessage(message, t("page.transfer.errors.no_target"), "error");
  if (note.length > MAX_NOTE_CHARS) {
    return setMessage(message, t("page.transfer.errors.too_long"), "error");
  }
  if (sending || !isMine(id)) return;
  sending = true;
  $("transfer-submit").disabled = true;
  const target = online.find((a) => str(a.username) === to) || { username: to };
  post(handoffPath(id, "transfer"), { to: to, note: note })
    .then(
      (res) => {
        if (res.status !== 200) {
          queuePoller.poke(); // who is online, and whether the chat is still ours
          return setMessage(message, errorText(res), "error");
        }
        $("transfer-dialog").close("done");
        toast(t("page.transfer.done", { name: nameOf(target) }));
        applyLocally(id, res.data, false);
      },
      (err) => setMessage(message, failureText(err), "error")
    )
    .then(() => {
      sending = false;
      $("transfer-submit").disabled = false;
    });
}

export function cancelTransfer() {
  $("transfer-dialog").close("cancel");
}

/** Signed out: close the dialog and forget the agents. */
export function resetTransfer() {
  online = [];
  if ($("transfer-dialog").open) $("transfer-dialog").close("cancel");
}
