/* The tickets tab: search by ticket number, phone or IMEI; a ticket's details; its status. */

import { api, expect, failureText } from "./api.js";
import { $, button, clear, each, el, fill, list, obj, setSelect, str, toast } from "./dom.js";
import { fmtTime, timeNode } from "./format.js";
import { clearErrors, formValues, sendForm } from "./forms.js";
import { loadTicketNotes } from "./notes.js";
import { loadNotices } from "./notices.js";
import { loadPickups } from "./pickups.js";
import { loadQuotes } from "./quotes.js";
import { setTab } from "./signin.js";
import { state } from "./state.js";
import { t } from "./texts.js";
import { optionName } from "./ticket_form.js";

const SHIPPED_BACK = "shipped_back";
const STATUS_FIELDS = ["status", "note", "tracking_no", "courier"];

export function searchTickets(event) {
  if (event) event.preventDefault();
  const q = $("ticket-q").value.trim();
  const status = $("search-status");
  if (!q) {
    status.textContent = t("page.tickets.query_missing");
    return;
  }
  const token = ++state.searchToken;
  status.textContent = t("page.tickets.searching");
  api("GET", "api/tickets?q=" + encodeURIComponent(q))
    .then((res) => {
      if (token !== state.searchToken) return;
      const tickets = list(expect(res, 200).tickets);
      renderTicketRows(tickets);
      status.textContent = tickets.length
        ? t("page.tickets.count", { count: tickets.length })
        : t("page.tickets.none_found");
    })
    .catch((err) => {
      if (token !== state.searchToken) return;
      status.textContent = failureText(err, t("page.tickets.search_failed"));
    });
}

function renderTicketRows(tickets) {
  const body = $("ticket-rows");
  clear(body);
  tickets.forEach((ticket) => {
    const no = str(ticket.ticket_no);
    const row = body.appendChild(el("tr"));
    row.setAttribute("data-ticket", no);
    const cells = [no, ticket.device_name, ticket.fault_name, ticket.status_name || ticket.status];
    each(cells.concat([ticket.phone_masked, ticket.serial_masked]), (value) => {
      row.appendChild(el("td", null, str(value)));
    });
    row.appendChild(el("td")).appendChild(timeNode(ticket.created_at));
    const view = (e) => {
      e.stopPropagation();
      openTicket(no);
    };
    const label = t("page.ticket_form.open_label", { no: no });
    row.appendChild(el("td")).appendChild(button(t("page.tickets.view"), "btn-small", view, label));
    row.addEventListener("click", view);
  });
  $("ticket-table").hidden = !tickets.length;
  markSelectedRow();
}

function markSelectedRow() {
  each($("ticket-rows").children, (row) => {
    row.classList.toggle("is-selected", row.getAttribute("data-ticket") === state.ticketNo);
  });
}

export function resetTicketsTab() {
  state.searchToken++;
  state.detailToken++;
  clear($("ticket-rows"));
  $("ticket-table").hidden = true;
  $("ticket-q").value = $("search-status").textContent = "";
  showTicketDetail(null);
}

export function openTicket(no) {
  if (!no) return;
  setTab("tickets");
  const token = ++state.detailToken;
  if (no !== state.ticketNo || $("td").hidden) showTicketDetail(t("page.ticket_detail.loading"));
  state.ticketNo = no;
  markSelectedRow();
  api("GET", "api/tickets/" + encodeURIComponent(no))
    .then((res) => {
      if (token !== state.detailToken) return;
      if (res.status === 404) return showTicketDetail(t("page.ticket_detail.not_found", { no: no }));
      const data = expect(res, 200);
      renderTicketDetail(obj(data.ticket), list(data.statuses));
    })
    .catch((err) => {
      if (token === state.detailToken) showTicketDetail(failureText(err, t("page.ticket_detail.failed")));
    });
}

/** null: the empty state (no ticket selected); a string: that message instead of a detail. */
function showTicketDetail(message) {
  $("td").hidden = true;
  $("td-empty").hidden = message !== null;
  $("td-message").hidden = message === null;
  $("td-message").textContent = message || "";
  if (message !== null) return;
  state.ticketNo = null;
  fill($("td-fields"), () => "");
  clear($("td-history"));
  markSelectedRow();
}

function renderTicketDetail(ticket, statuses) {
  const shown = {
    service_type: optionName("service_type", str(ticket.service_type)),
    remedy: ticket.remedy ? optionName("remedy", str(ticket.remedy)) : ticket.remedy,
    contact_phone: ticket.contact_phone || ticket.phone_masked,
    serial_number: ticket.serial_number || ticket.serial_masked,
    created_at: fmtTime(ticket.created_at),
  };
  $("td-no").textContent = t("page.ticket_detail.heading", { no: str(ticket.ticket_no) });
  $("td-status").textContent = str(ticket.status_name || ticket.status);
  fill($("td-fields"), (name) => (name in shown ? shown[name] : ticket[name]));
  renderHistory(list(ticket.history));
  loadNotices(str(ticket.ticket_no));
  loadTicketNotes(str(ticket.ticket_no));
  loadPickups(str(ticket.ticket_no));
  loadQuotes(str(ticket.ticket_no));
  fillStatusForm(ticket, statuses);
  $("td-empty").hidden = $("td-message").hidden = true;
  $("td").hidden = false;
}

function renderHistory(history) {
  const ol = $("td-history");
  clear(ol);
  if (!history.length) ol.appendChild(el("li", "muted", t("page.ticket_detail.no_history")));
  history.forEach((step) => {
    const li = ol.appendChild(el("li", "timeline-step"));
    const head = li.appendChild(el("div", "timeline-head"));
    head.appendChild(el("strong", null, str(step.status_name || step.status)));
    head.appendChild(timeNode(step.at, "muted"));
    if (step.changed_by) {
      const by = t("page.ticket_detail.changed_by", { name: str(step.changed_by) });
      head.appendChild(el("span", "muted", by));
    }
    if (step.note) li.appendChild(el("p", "timeline-note", str(step.note)));
    const ship = [
      step.courier && t("page.ticket_detail.courier", { courier: str(step.courier) }),
      step.tracking_no && t("page.ticket_detail.tracking_no", { tracking_no: str(step.tracking_no) }),
    ];
    if (!step.courier && !step.tracking_no) return;
    const separator = t("page.ticket_detail.shipping_separator");
    li.appendChild(el("p", "timeline-note", ship.filter(Boolean).join(separator)));
  });
}

function fillStatusForm(ticket, statuses) {
  const form = $("status-form");
  const select = $("sf-status");
  clear(select);
  statuses.forEach((s) => {
    select.appendChild(el("option", null, str(s.name || s.id))).value = str(s.id);
  });
  setSelect(select, str(ticket.status));
  each(["note", "tracking_no", "courier"], (name) => {
    form.elements.namedItem(name).value = "";
  });
  clearErrors(form, $("status-form-message"));
  $("status-submit").disabled = false;
  toggleShipping();
}

/** Tracking number and courier only matter for shipped_back (and are sent blank otherwise). */
export function toggleShipping() {
  $("sf-shipping").hidden = $("sf-status").value !== SHIPPED_BACK;
}

export function submitStatus(event) {
  event.preventDefault();
  const no = state.ticketNo;
  if (!no || $("status-submit").disabled) return;
  const values = formValues($("status-form"), STATUS_FIELDS);
  if (values.status !== SHIPPED_BACK) values.tracking_no = values.courier = "";
  const stale = () => no !== state.ticketNo;
  const path = "api/tickets/" + encodeURIComponent(no) + "/status";
  sendForm($("status-form"), values, path, [200], stale, () => {
    toast(t("page.ticket_detail.updated"));
    openTicket(no); // reloads the timeline and re-enables the form
    if (!$("ticket-table").hidden) searchTickets();
  });
}
