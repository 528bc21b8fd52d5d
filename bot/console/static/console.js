/*
 * The agent console's front end, served at /webhooks/console/: native ES modules in js/, one per
 * concern, without a build step. This entry module loads the page's texts (console.yml, through
 * api/texts), fills them in, wires the handlers and shows the login view or the workspace.
 *
 * Hotline agents claim chats the bot escalated (queue.js, conversation.js), reply in them
 * (transcript.js, reply.js), hand them back to the bot or close them, file repair tickets from the
 * bot's summary (summary.js, ticket_form.js) and update ticket statuses (tickets_tab.js).
 * Agent tools: presence (presence.js), the queue's SLA timers (sla.js), canned replies
 * (canned.js), internal notes (notes.js), transfer (transfer.js), the supervisor view
 * (supervisor.js).
 * Managers also see the dashboard's figures and charts (dashboard.js).
 */

import { BASE } from "./js/api.js";
import { closeChat, claim, finish } from "./js/conversation.js";
import { loadDashboard, openDashboard, quickPeriod } from "./js/dashboard.js";
import { $, each } from "./js/dom.js";
import { submitChatNote, submitTicketNote } from "./js/notes.js";
import { changePresence } from "./js/presence.js";
import { replyHandlers } from "./js/reply.js";
import { activity, boot, login, logout, setTab } from "./js/signin.js";
import { state } from "./js/state.js";
import { applyTexts, loadTexts, t } from "./js/texts.js";
import { resetTicketForm, submitTicket, ticketEdited } from "./js/ticket_form.js";
import { openTicket, searchTickets, submitStatus, toggleShipping } from "./js/tickets_tab.js";
import { cancelTransfer, openTransfer, submitTransfer } from "./js/transfer.js";

const TEXTS_RETRY_MS = 3000;

function wire() {
  const handlers = [
    ["login-form", "submit", login],
    ["logout", "click", logout],
    ["tab-chats", "click", () => setTab("chats")],
    ["tab-tickets", "click", () => setTab("tickets")],
    ["tab-supervisor", "click", () => setTab("supervisor")],
    ["presence", "change", changePresence],
    [
      "tab-dashboard",
      "click",
      () => {
        setTab("dashboard");
        openDashboard();
      },
    ],
    ["dash-period", "submit", loadDashboard],
    ["dash-last-7", "click", quickPeriod],
    ["dash-last-30", "click", quickPeriod],
    ["conv-claim", "click", () => claim(state.selectedId, $("conv-claim"))],
    ["conv-return", "click", () => finish(state.selectedId, "return", t("page.conversation.returned"))],
    ["conv-close", "click", closeChat],
    ["conv-transfer", "click", openTransfer],
    ["transfer-form", "submit", submitTransfer],
    ["transfer-cancel", "click", cancelTransfer],
    ["hn-form", "submit", submitChatNote],
    ["tn-form", "submit", submitTicketNote],
    ...replyHandlers,
    ["ticket-form", "submit", submitTicket],
    ["ticket-form", "input", ticketEdited],
    ["ticket-form", "change", ticketEdited],
    ["ticket-reset", "click", resetTicketForm],
    ["ticket-result-open", "click", () => openTicket($("ticket-result-no").textContent)],
    ["ticket-search", "submit", searchTickets],
    ["sf-status", "change", toggleShipping],
    ["status-form", "submit", submitStatus],
  ];
  handlers.forEach(([id, name, handler]) => $(id).addEventListener(name, handler));
  each(["keydown", "pointerdown", "pointermove", "wheel", "touchstart"], (name) => {
    document.addEventListener(name, activity, { capture: true, passive: true });
  });
}

/** The texts first (every view needs them); retried until the server answers. */
function start() {
  loadTexts(BASE).then(
    () => {
      applyTexts(document.documentElement);
      document.title = t("page.title");
      wire();
      boot();
    },
    (err) => {
      window.console.error(err);
      setTimeout(start, TEXTS_RETRY_MS);
    }
  );
}

start();
