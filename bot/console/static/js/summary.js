/* The bot's summary of the selected chat: reason, collected fields, open tickets, last messages. */

import { $, button, clear, el, fill, list, obj, str } from "./dom.js";
import { reasonOf } from "./format.js";
import { state } from "./state.js";
import { t } from "./texts.js";
import { fillTicketForm, optionName } from "./ticket_form.js";
import { openTicket } from "./tickets_tab.js";

/** One <dt>/<dd> per ticket field (the same fields as the ticket form). */
export function buildSummarySlots(fields) {
  const dl = $("summary-slots");
  clear(dl);
  fields.forEach((field) => {
    dl.appendChild(el("dt", null, str(field.label)));
    const value = dl.appendChild(el("dd"));
    value.setAttribute("data-field", str(field.name));
    value.setAttribute("data-empty", t("page.summary.not_collected"));
  });
}

export function renderSummary() {
  const h = state.selected;
  const summary = obj(h && h.summary);
  const slots = obj(summary.slots);
  const sig = JSON.stringify([h && h.reason, h && h.reason_label, summary, !!state.fields]);
  if (!h || sig === state.summarySig) return;
  state.summarySig = sig;
  $("summary-reason").textContent = reasonOf(h);
  fill($("summary-slots"), (name) => optionName(name, str(slots[name])));
  renderOpenTickets(list(summary.tickets));
  renderLastMessages(list(summary.last_messages));
  if (!state.ticketDirty) fillTicketForm(slots);
}

function renderOpenTickets(tickets) {
  const ul = $("summary-tickets");
  clear(ul);
  if (!tickets.length) ul.appendChild(el("li", "muted", t("page.summary.none")));
  tickets.forEach((ticket) => {
    const no = str(ticket.ticket_no);
    const li = ul.appendChild(el("li", "mini-ticket"));
    const label = t("page.ticket_form.open_label", { no: no });
    li.appendChild(button(no, "btn-link", () => openTicket(no), label));
    li.appendChild(el("span", "status-pill", str(ticket.status_name || ticket.status)));
    const what = [ticket.device_name, ticket.fault_name].map(str).filter(Boolean).join(" · ");
    if (what) li.appendChild(el("span", "muted", what));
  });
}

function renderLastMessages(messages) {
  const ol = $("summary-messages");
  clear(ol);
  if (!messages.length) ol.appendChild(el("li", "muted", t("page.summary.none")));
  messages.forEach((m) => {
    const user = m.from === "user";
    const li = ol.appendChild(el("li", user ? "last-user" : "last-bot"));
    li.appendChild(el("span", "last-from", t(user ? "page.summary.from_user" : "page.summary.from_bot")));
    li.appendChild(document.createTextNode(str(m.text)));
  });
}
