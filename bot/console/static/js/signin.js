/*
 * Signing in and out, the session's liveness, and the two tabs. The server's idle timeout counts
 * only the agent's own activity (keys, clicks, pointer), reported at most once a minute.
 */

import { api, post, whenExpired } from "./api.js";
import { resetCanned } from "./canned.js";
import { resetConversation } from "./conversation.js";
import { dashboardFor } from "./dashboard.js";
import { $, clear, each, fill, obj, setMessage, str } from "./dom.js";
import { resetNotes } from "./notes.js";
import { resetPresence } from "./presence.js";
import { queuePoller, renderQueue } from "./queue.js";
import { resetSla, tickWaits } from "./sla.js";
import { state } from "./state.js";
import { resetSupervisor, setupSupervisor, supervisorShown } from "./supervisor.js";
import { t } from "./texts.js";
import { fillTicketForm, loadTicketFields } from "./ticket_form.js";
import { transcriptPoller } from "./transcript.js";
import { resetTicketsTab } from "./tickets_tab.js";
import { resetTransfer } from "./transfer.js";

const ACTIVITY_INTERVAL = 60000;
let waitTicker = null;

function showView(name) {
  $("boot").hidden = true;
  $("login-view").hidden = name !== "login";
  $("app-view").hidden = name !== "app";
}

function showLogin(message, kind) {
  showView("login");
  setMessage($("login-message"), message, kind);
  $("login-submit").disabled = false;
  ($("login-username").value ? $("login-password") : $("login-username")).focus();
}

/** Show tab `name`: every tab button "tab-<name>" shows the panel it controls. */
export function setTab(name) {
  each(document.querySelectorAll(".tabs [role=tab]"), (tab) => {
    const on = tab.id === "tab-" + name;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    $(tab.getAttribute("aria-controls")).hidden = !on;
  });
  supervisorShown(name === "supervisor");
}

function signedIn(agent) {
  state.agent = obj(agent);
  state.lastActivity = Date.now();
  $("agent-name").textContent = str(state.agent.display_name || state.agent.username);
  $("login-password").value = "";
  setMessage($("login-message"), "");
  setupSupervisor(state.agent);
  dashboardFor(state.agent);
  showView("app");
  setTab("chats");
  queuePoller.start();
  clearInterval(waitTicker);
  waitTicker = setInterval(tickWaits, 1000);
  loadTicketFields();
}

/** Back to the login view, with customer data removed from the page. Safe to call twice. */
function signedOut(message, kind) {
  queuePoller.stop();
  transcriptPoller.stop();
  clearInterval(waitTicker);
  if ($("confirm-dialog").open) $("confirm-dialog").close("cancel");
  state.agent = null;
  state.queued = [];
  state.mine = [];
  state.drafts = {};
  resetConversation(null, null);
  resetCanned();
  resetNotes();
  resetPresence();
  resetSla();
  resetSupervisor();
  resetTransfer();
  dashboardFor(null);
  $("reply").value = "";
  each(["summary-tickets", "summary-messages"], (id) => clear($(id)));
  fill($("summary-slots"), () => "");
  fillTicketForm({});
  renderQueue();
  resetTicketsTab();
  $("agent-name").textContent = "";
  document.title = t("page.title");
  showLogin(message, kind);
}

whenExpired(() => signedOut(t("page.signin.expired"), "error"));

export function login(event) {
  event.preventDefault();
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  if (!username || !password) return setMessage($("login-message"), t("page.signin.missing"), "error");
  $("login-submit").disabled = true;
  post("api/login", { username: username, password: password }).then(
    (res) => {
      if (res.status === 200) return signedIn(res.data.agent);
      $("login-password").value = "";
      if (res.status === 429) return showLogin(lockedText(res.data.retry_after), "error");
      showLogin(t(res.status === 401 ? "page.signin.bad_credentials" : "page.signin.failed"), "error");
    },
    () => showLogin(t("page.errors.network"), "error")
  );
}

/** The lockout message, in whole minutes (at least one). */
function lockedText(seconds) {
  const minutes = Math.max(1, Math.ceil((typeof seconds === "number" ? seconds : 60) / 60));
  return t("page.signin.locked", { minutes: minutes });
}

/** The agent did something: keep the session alive (at most once a minute). */
export function activity() {
  if (!state.agent || Date.now() - state.lastActivity < ACTIVITY_INTERVAL) return;
  state.lastActivity = Date.now();
  api("GET", "api/me").then(
    () => {},
    () => {}
  );
}

export function logout() {
  const done = () => signedOut(t("page.signin.signed_out"), "info");
  $("logout").disabled = true;
  post("api/logout")
    .then(done, done)
    .then(() => {
      $("logout").disabled = false;
    });
}

/** Signed in already (a session cookie)? Then the workspace, else the login view. */
export function boot() {
  api("GET", "api/me").then(
    (res) => {
      if (res.status === 200 && res.data.agent) signedIn(res.data.agent);
      else showLogin("");
    },
    () => showLogin(t("page.errors.network"), "error")
  );
}
