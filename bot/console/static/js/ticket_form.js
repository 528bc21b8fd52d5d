/*
 * The ticket form of the selected chat, built from the ticket's field definitions
 * (GET api/ticket-fields: name, label, required, input, options, max_length, in display order),
 * filled from the bot's summary until the agent edits it.
 */

import { api, handoffPath } from "./api.js";
import { $, each, el, list, obj, setSelect, str, toast } from "./dom.js";
import { clearErrors, formValues, sendForm } from "./forms.js";
import { state } from "./state.js";
import { buildSummarySlots, renderSummary } from "./summary.js";
import { t } from "./texts.js";

const RETRY_MS = 5000;

/** The fields' definitions, once per page (after sign-in: the route needs a signed-in agent). */
export function loadTicketFields() {
  if (state.fields) return;
  const retry = () => {
    if (state.agent) setTimeout(loadTicketFields, RETRY_MS);
  };
  api("GET", "api/ticket-fields").then((res) => {
    if (res.status !== 200 || state.fields) return retry();
    const data = obj(res.data);
    state.fields = list(data.fields);
    buildTicketForm(state.fields, str(data.choose));
    buildSummarySlots(state.fields);
    each(document.querySelectorAll("[data-field-label]"), (node) => {
      node.textContent = fieldLabel(node.getAttribute("data-field-label"));
    });
    resetTicketForm();
    state.summarySig = "";
    renderSummary();
  }, retry);
}

function fieldSpec(name) {
  return (state.fields || []).find((field) => field.name === name) || null;
}

export function fieldLabel(name) {
  const field = fieldSpec(name);
  return field ? str(field.label) : name;
}

/** The label of a select's value (a fault category's or service type's name), else the value. */
export function optionName(name, value) {
  const field = fieldSpec(name);
  const option = field && value ? list(field.options).find((o) => str(o.value) === value) : null;
  return option ? str(option.label) : value;
}

function fieldInput(field, choose) {
  let input;
  if (field.input === "select") {
    input = el("select");
    input.appendChild(el("option", null, choose)).value = "";
    list(field.options).forEach((o) => {
      input.appendChild(el("option", null, str(o.label || o.value))).value = str(o.value);
    });
    return input;
  }
  if (field.input === "textarea") {
    input = el("textarea");
    input.rows = 3;
  } else {
    input = el("input");
    input.type = field.input === "tel" ? "tel" : "text"; // dates too: the server reads free text
    input.autocomplete = "off";
    input.spellcheck = false;
    if (field.input === "date") input.placeholder = t("page.ticket_form.date_placeholder");
  }
  if (typeof field.max_length === "number") input.maxLength = field.max_length;
  return input;
}

function buildTicketForm(fields, choose) {
  const form = $("ticket-form");
  each(form.querySelectorAll(".field"), (node) => form.removeChild(node));
  fields.forEach((field) => {
    const name = str(field.name);
    const wrap = el("div", field.input === "textarea" ? "field field-wide" : "field");
    const label = wrap.appendChild(el("label", null, str(field.label)));
    label.htmlFor = "tf-" + name;
    const input = wrap.appendChild(fieldInput(field, choose));
    input.id = "tf-" + name;
    input.name = name;
    if (field.required) input.setAttribute("aria-required", "true");
    const error = wrap.appendChild(el("p", "field-error"));
    error.setAttribute("data-error-for", name);
    error.hidden = true;
    form.insertBefore(wrap, $("ticket-form-message"));
  });
}

function fieldNames() {
  return (state.fields || []).map((field) => str(field.name));
}

export function fillTicketForm(slots) {
  const form = $("ticket-form");
  fieldNames().forEach((name) => {
    const input = form.elements.namedItem(name);
    if (input.tagName === "SELECT") setSelect(input, str(slots[name]));
    else input.value = str(slots[name]);
  });
  clearErrors(form, $("ticket-form-message"));
}

export function resetTicketForm() {
  state.ticketDirty = false;
  $("ticket-result").hidden = true;
  $("ticket-submit").disabled = false;
  $("ticket-submit").textContent = t("page.ticket_form.submit");
  fillTicketForm(state.selected ? obj(obj(state.selected.summary).slots) : {});
}

/** The agent's edits win over newer summaries; after a ticket was filed, an edit allows another. */
export function ticketEdited() {
  state.ticketDirty = true;
  if (!$("ticket-result").hidden && $("ticket-submit").disabled) {
    $("ticket-submit").disabled = false;
    $("ticket-submit").textContent = t("page.ticket_form.submit_again");
  }
}

export function submitTicket(event) {
  event.preventDefault();
  const id = state.selectedId;
  if (id === null || $("ticket-submit").disabled || !state.fields) return;
  $("ticket-result").hidden = true;
  state.ticketDirty = true; // a newer summary must not overwrite what is being submitted
  const stale = () => id !== state.selectedId;
  const values = formValues($("ticket-form"), fieldNames());
  sendForm($("ticket-form"), values, handoffPath(id, "ticket"), [201, 200], stale, (data) => {
    // 200 {created: false}: the server found this chat's ticket already filed.
    const text = t(data.created === false ? "page.ticket_form.exists" : "page.ticket_form.created");
    $("ticket-result-label").textContent = text;
    $("ticket-result-no").textContent = str(data.ticket_no);
    $("ticket-result").hidden = false;
    $("ticket-submit").textContent = t("page.ticket_form.submitted");
    toast(text + str(data.ticket_no));
  });
}
