/*
 * A ticket's repair quotes in the ticket view: each quote, its parts and total, and the owner's
 * decision (taken in chat); and the form an agent sends a new quote with (the owner is told).
 * Part names suggest the price catalogue's parts with their reference price for the device.
 */

import { api, expect, failureText } from "./api.js";
import { $, clear, el, list, str, toast } from "./dom.js";
import { fmtTime, timeNode } from "./format.js";
import { clearErrors, sendForm } from "./forms.js";
import { loadNotices } from "./notices.js";
import { state } from "./state.js";
import { t } from "./texts.js";

let loadToken = 0;
/** The price catalogue's parts with the shown ticket's reference prices ({id, name, price}). */
let catalogue = [];

function show(ol, message) {
  clear(ol);
  ol.appendChild(el("li", "muted", message));
}

function renderQuote(ol, quote) {
  const status = str(quote.status);
  const li = ol.appendChild(el("li", "timeline-step quote quote-" + status));
  li.setAttribute("data-quote", str(quote.id));
  const head = li.appendChild(el("div", "timeline-head"));
  head.appendChild(el("strong", null, t("page.quotes.status." + status)));
  head.appendChild(el("span", null, t("page.quotes.total", { total: str(quote.total) })));
  head.appendChild(timeNode(quote.set_at, "muted"));
  head.appendChild(el("span", "muted", t("page.quotes.set_by", { name: str(quote.set_by) })));
  const lines = list(quote.parts).map((part) =>
    t("page.quotes.part", { name: str(part.name), amount: str(part.amount) })
  );
  lines.push(t("page.quotes.labour", { amount: str(quote.labour) }));
  li.appendChild(el("p", "timeline-note", lines.join(t("page.ticket_detail.shipping_separator"))));
  if (quote.decided_at) {
    const decided = t("page.quotes.decided", {
      time: fmtTime(quote.decided_at),
      via: t("page.quotes.via." + str(quote.decided_via)),
      status: t("page.quotes.decision." + status),
    });
    li.appendChild(el("p", "timeline-note quote-decision", decided));
  }
  if (quote.note) li.appendChild(el("p", "timeline-note muted", t("page.quotes.note", { note: str(quote.note) })));
}

function referenceOf(name) {
  const part = catalogue.find((p) => str(p.name) === name.trim() || str(p.id) === name.trim());
  return part && part.price ? t("page.quotes.reference", { price: str(part.price) }) : "";
}

function addPartRow() {
  const row = $("qf-parts").appendChild(el("div", "form-grid quote-part"));
  const name = row.appendChild(el("div", "field")).appendChild(el("input"));
  name.name = "part_name";
  name.autocomplete = "off";
  name.setAttribute("list", "qf-part-names");
  name.setAttribute("aria-label", t("page.quotes.part_name"));
  name.placeholder = t("page.quotes.part_name");
  const amountField = row.appendChild(el("div", "field"));
  const amount = amountField.appendChild(el("input"));
  amount.name = "part_amount";
  amount.autocomplete = "off";
  amount.inputMode = "decimal";
  amount.setAttribute("aria-label", t("page.quotes.part_amount"));
  amount.placeholder = t("page.quotes.part_amount");
  const hint = amountField.appendChild(el("span", "muted quote-reference"));
  name.addEventListener("input", () => {
    hint.textContent = referenceOf(name.value);
  });
  return name;
}

function resetForm() {
  const form = $("quote-form");
  clear($("qf-parts"));
  addPartRow();
  form.elements.namedItem("labour").value = "";
  form.elements.namedItem("note").value = "";
  clearErrors(form, $("quote-form-message"));
  $("quote-submit").disabled = false;
}

function fillPartNames() {
  const names = $("qf-part-names");
  clear(names);
  catalogue.forEach((part) => {
    names.appendChild(el("option")).value = str(part.name);
  });
}

function render(ol, data) {
  const quotes = list(data.quotes);
  catalogue = list(data.parts);
  fillPartNames();
  if (!quotes.length) show(ol, t("page.quotes.empty"));
  else {
    clear(ol);
    quotes.forEach((quote) => renderQuote(ol, quote));
  }
}

function submitQuote(event) {
  event.preventDefault();
  const form = $("quote-form");
  const no = state.ticketNo;
  if (!no || $("quote-submit").disabled) return;
  const parts = [];
  Array.prototype.forEach.call($("qf-parts").querySelectorAll(".quote-part"), (row) => {
    const name = row.querySelector("[name=part_name]").value.trim();
    const amount = row.querySelector("[name=part_amount]").value.trim();
    if (name || amount) parts.push({ name: name, amount: amount });
  });
  const values = {
    parts: parts,
    labour: form.elements.namedItem("labour").value.trim(),
    note: form.elements.namedItem("note").value.trim(),
  };
  const path = "api/tickets/" + encodeURIComponent(no) + "/quote";
  sendForm(form, values, path, [200], () => no !== state.ticketNo, (data) => {
    toast(t("page.quotes.sent"));
    render($("td-quotes"), data);
    resetForm();
    loadNotices(no); // the owner's quote_ready notice
  });
}

/** Load the quotes of ticket `no` into #td-quotes and reset the quote form. */
export function loadQuotes(no) {
  const ol = $("td-quotes");
  const form = $("quote-form");
  if (!ol || !form) return;
  form.onsubmit = submitQuote;
  $("qf-add").onclick = () => addPartRow().focus();
  const token = ++loadToken;
  show(ol, t("page.quotes.loading"));
  resetForm();
  api("GET", "api/tickets/" + encodeURIComponent(no) + "/quotes")
    .then((res) => {
      if (token === loadToken) render(ol, expect(res, 200));
    })
    .catch((err) => {
      if (token === loadToken) show(ol, failureText(err, t("page.quotes.failed")));
    });
}
