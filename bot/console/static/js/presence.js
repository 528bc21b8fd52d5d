/*
 * The agent's presence in the top bar: online (chats may be offered to a person), away or
 * offline. GET queue (polled) says the state the server holds; the select changes it.
 */

import { actionFailed, post } from "./api.js";
import { $, toast } from "./dom.js";
import { t } from "./texts.js";

const PRESENCES = ["online", "away", "offline"];
let shown = "";
let changing = false;

function render(value) {
  shown = PRESENCES.indexOf(value) >= 0 ? value : "";
  $("presence").value = shown;
  $("presence-box").setAttribute("data-presence", shown || "unknown");
}

/** The presence from a GET queue answer (ignored while a change is on its way). */
export function showPresence(value) {
  if (!changing && value !== shown) render(value);
}

export function changePresence() {
  const value = $("presence").value;
  const before = shown;
  if (PRESENCES.indexOf(value) < 0 || changing) return;
  changing = true;
  $("presence").disabled = true;
  post("api/presence", { presence: value })
    .then(
      (res) => {
        if (res.status !== 200) {
          render(before);
          return toast(t("page.presence.failed"), true);
        }
        render(PRESENCES.indexOf(res.data.presence) >= 0 ? res.data.presence : value);
        toast(t("page.presence.changed", { state: t("page.presence." + shown) }));
      },
      (err) => {
        render(before);
        actionFailed(err);
      }
    )
    .then(() => {
      changing = false;
      $("presence").disabled = false;
    });
}

/** Signed out: nothing is known. */
export function resetPresence() {
  changing = false;
  $("presence").disabled = false;
  render("");
}
