/*
 * The numbers under each dashboard chart: the table as the API gives it (its columns in order,
 * but a code whose label is a column too; per-day rows only for days with something to count),
 * every value written as text, and the link exporting it as CSV for the same period
 * (GET api/dashboard/<name>.csv).
 */

import { clear, el, list, str } from "./dom.js";
import { periodQuery } from "./period.js";
import { t } from "./texts.js";
import { cellText, columnLabel } from "./dash_labels.js";

/** Whether a row counts anything: a positive number in one of `measures`. */
export function counts(row, measures) {
  return measures.some((key) => typeof row[key] === "number" && row[key] > 0);
}

/**
 * Fill `table` (a <table>) with the answer's table; its caption names it for screen readers.
 * Rows of a day that count nothing (no measure above 0) are left out; the CSV has them.
 */
export function renderTable(table, data, title, measures) {
  clear(table);
  table.appendChild(el("caption", "sr-only", t("page.dashboard.table_caption", { title: title })));
  const keys = list(data.columns).map((column) => str(column.key));
  const columns = list(data.columns).filter((column) => {
    const key = str(column.key);
    return key && keys.indexOf(key + "_label") < 0;
  });
  const head = table.appendChild(el("thead")).appendChild(el("tr"));
  columns.forEach((column) => {
    const th = head.appendChild(el("th", null, columnLabel(column)));
    th.scope = "col";
    th.setAttribute("data-col", str(column.key));
  });
  const body = table.appendChild(el("tbody"));
  const daily = keys.indexOf("day") >= 0;
  list(data.rows).forEach((row) => {
    if (daily && !counts(row, measures)) return;
    const tr = body.appendChild(el("tr"));
    columns.forEach((column) => {
      const key = str(column.key);
      const td = tr.appendChild(el("td", null, cellText(key, row, keys)));
      td.setAttribute("data-col", key);
      if (typeof row[key] === "number") td.classList.add("num");
    });
  });
}

/** The CSV export of table `name` for `period` (channel included when one is chosen). */
export function exportHref(name, period) {
  return "api/dashboard/" + encodeURIComponent(name) + ".csv?" + periodQuery(period);
}

/** The trainer's inbox file of the missed messages shown: same period, same channel. */
export function inboxHref(period) {
  return "api/dashboard/inbox.csv?" + periodQuery(period);
}
