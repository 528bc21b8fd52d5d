/*
 * The manager's dashboard (a tab shown to agents whose role is "manager"): the
 * period form, one card per table of GET api/dashboard (a chart, its numbers as a table, a CSV
 * export link), the trainer's inbox link under the missed messages, and the empty and error
 * states. Charts: chart_specs.js and charts.js; tables: dash_tables.js.
 */

import { api, failureText } from "./api.js";
import { $, clear, el, list, obj, setMessage, str } from "./dom.js";
import { channelName } from "./format.js";
import { draw, erase, eraseAll, loadCharts } from "./charts.js";
import { chartConfig, hasChart } from "./chart_specs.js";
import { tableTitle } from "./dash_labels.js";
import { counts, exportHref, inboxHref, renderTable } from "./dash_tables.js";
import { periodQuery, readPeriod, setLastDays } from "./period.js";
import { t } from "./texts.js";

const MANAGER = "manager";
/** The cards, in the order the manager reads them. */
const TABLES = ["containment", "funnel", "escalations", "handling", "csat", "diagnosis", "missed"];
/** What each table counts: a table whose rows count nothing says so (page.dashboard.empty). */
const MEASURES = {
  containment: ["conversations"],
  funnel: ["intakes"],
  escalations: ["count"],
  handling: ["handoffs"],
  csat: ["count"],
  diagnosis: ["offered", "solved", "to_ticket"],
  missed: ["count"],
};
const ERRORS = {
  bad_period: "page.dashboard.errors.bad_period",
  forbidden: "page.dashboard.errors.forbidden",
  store_unavailable: "page.dashboard.errors.store_unavailable",
};

let token = 0;
let cards = null; // name -> {card, title, exportLink, chart, canvas, empty, table, inbox}

/** Show the tab to managers only; anyone else (or nobody: signed out) loses the dashboard. */
export function dashboardFor(agent) {
  const manager = !!agent && str(agent.role) === MANAGER;
  $("tab-dashboard").hidden = !manager;
  if (!manager) resetDashboard();
}

function resetDashboard() {
  token++;
  eraseAll();
  if (cards) clear($("dash-cards"));
  cards = null;
  $("dash-from").value = $("dash-to").value = "";
  ["dash-from", "dash-to"].forEach((id) => $(id).removeAttribute("aria-invalid"));
  fillChannels([], "");
  $("dash-status").textContent = "";
  showMessage("");
}

/** The tab was opened: the last 7 days the first time, else the period in the form. */
export function openDashboard() {
  if (!$("dash-from").value && !$("dash-to").value) setLastDays(7);
  loadDashboard();
}

/** A quick range button (data-days) sets the dates and loads them. */
export function quickPeriod(event) {
  setLastDays(Number(event.currentTarget.getAttribute("data-days")));
  loadDashboard();
}

export function loadDashboard(event) {
  if (event) event.preventDefault();
  const period = readPeriod();
  ["dash-from", "dash-to"].forEach((id) => $(id).setAttribute("aria-invalid", period ? "false" : "true"));
  if (!period) return showMessage(t("page.dashboard.errors.bad_period"), "error");
  const mine = ++token;
  showMessage("");
  $("dash-status").textContent = t("page.dashboard.loading");
  $("dash-cards").setAttribute("aria-busy", "true");
  api("GET", "api/dashboard?" + periodQuery(period))
    .then((res) => {
      if (mine !== token) return;
      if (res.status !== 200) return failed(errorText(res));
      render(res.data, period, mine);
    })
    .catch((err) => {
      if (mine === token) failed(failureText(err, t("page.dashboard.errors.failed")));
    });
}

function errorText(res) {
  const key = ERRORS[str(res.data.error)];
  return t(key || (res.status === 403 ? ERRORS.forbidden : "page.dashboard.errors.failed"));
}

function failed(text) {
  $("dash-cards").removeAttribute("aria-busy");
  $("dash-status").textContent = "";
  if (text) showMessage(text, "error");
}

function showMessage(text, kind) {
  setMessage($("dash-message"), text, kind);
}

function render(data, period, mine) {
  const tables = obj(data.tables);
  const shown = obj(data.period);
  const from = str(shown.from || period.from);
  const range = t("page.dashboard.period.range", { from: from, to: str(shown.to || period.to) });
  const source = data.source ? t("page.dashboard.source." + str(data.source)) : "";
  const status = source ? t("page.dashboard.status", { range: range, source: source }) : range;
  $("dash-status").textContent = status;
  $("dash-cards").removeAttribute("aria-busy");
  fillChannels(Array.isArray(data.channels) ? data.channels : [], period.channel);
  if (!cards) buildCards();
  const charted = [];
  let any = false;
  TABLES.forEach((name) => {
    const parts = cards[name];
    const table = tables[name];
    parts.card.hidden = !table;
    if (!table) return;
    const measures = MEASURES[name];
    const rows = list(table.rows);
    const full = rows.some((row) => counts(row, measures));
    any = any || full;
    const title = tableTitle(name, table);
    parts.title.textContent = title;
    parts.exportLink.href = exportHref(name, period);
    parts.exportLink.setAttribute("aria-label", t("page.dashboard.export_label", { title: title }));
    if (parts.inbox) parts.inbox.href = inboxHref(period);
    renderTable(parts.table, table, title, measures);
    parts.tableWrap.hidden = !full;
    parts.empty.hidden = full;
    if (parts.chart) {
      parts.chart.hidden = !full;
      if (full) charted.push([parts.canvas, chartConfig(name, table, shown.from ? shown : period)]);
      else erase(parts.canvas); // no chart of the period before
    }
  });
  if (!any) showMessage(t("page.dashboard.empty_period"));
  if (!charted.length) return;
  loadCharts().then(
    (Chart) => {
      if (mine === token) charted.forEach(([canvas, config]) => draw(Chart, canvas, config));
    },
    (err) => {
      window.console.error(err);
      if (mine === token) showMessage(t("page.dashboard.errors.chart_library"), "error");
    }
  );
}

/** The channel filter: every channel of the answer, keeping the one chosen. */
function fillChannels(channels, chosen) {
  const select = $("dash-channel");
  while (select.options.length > 1) select.remove(1);
  const values = channels.map(str).filter(Boolean);
  if (chosen && values.indexOf(chosen) < 0) values.push(chosen);
  values.forEach((value) => {
    select.appendChild(el("option", null, channelName(value))).value = value;
  });
  select.value = chosen || "";
}

function buildCards() {
  const root = $("dash-cards");
  clear(root);
  cards = {};
  TABLES.forEach((name) => {
    const card = root.appendChild(el("section", "card dash-card dash-card-" + name));
    card.id = "dash-" + name;
    const head = card.appendChild(el("header", "dash-card-head"));
    const title = head.appendChild(el("h2", "card-title"));
    title.id = "dash-" + name + "-title";
    card.setAttribute("aria-labelledby", title.id);
    const exportLink = head.appendChild(el("a", "btn btn-small dash-export", t("page.dashboard.export")));
    exportLink.setAttribute("download", "");
    card.appendChild(el("p", "dash-hint", t("page.dashboard.hints." + name)));
    const parts = { card: card, title: title, exportLink: exportLink, chart: null, canvas: null };
    if (hasChart(name)) {
      parts.chart = card.appendChild(el("div", "dash-chart"));
      parts.canvas = parts.chart.appendChild(el("canvas"));
      parts.canvas.setAttribute("role", "img");
      const label = t("page.dashboard.chart_label", { title: t("page.dashboard.tables." + name) });
      parts.canvas.setAttribute("aria-label", label);
    }
    parts.empty = card.appendChild(el("p", "dash-empty", t("page.dashboard.empty")));
    parts.tableWrap = card.appendChild(el("div", "table-wrap dash-table-wrap"));
    parts.table = parts.tableWrap.appendChild(el("table", "data-table dash-table"));
    if (name === "missed") {
      const line = card.appendChild(el("p", "dash-inbox"));
      parts.inbox = line.appendChild(el("a", "btn-link", t("page.dashboard.missed.inbox")));
      parts.inbox.setAttribute("download", "");
      card.appendChild(el("p", "dash-hint", t("page.dashboard.missed.import")));
    }
    cards[name] = parts;
  });
}
