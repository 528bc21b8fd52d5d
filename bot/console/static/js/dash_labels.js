/*
 * The dashboard's names and numbers as the manager reads them: table titles, column headings,
 * funnel stages, rating contexts, rates as percentages and seconds as minutes. Texts come from
 * console.yml's page.dashboard (the answer names them: title_key, label_key); a row's
 * "<key>_label" is the server's label of its value for column <key>, as in the CSV file.
 */

import { str } from "./dom.js";
import { channelName } from "./format.js";
import { section, t } from "./texts.js";
import { fieldLabel } from "./ticket_form.js";

/** A table's title: its answer's title_key when that is a page text, else the catalogue's. */
export function tableTitle(name, table) {
  const key = str(table && table.title_key);
  const own = key.startsWith("page.") ? t(key) : "";
  return own && own !== key ? own : textIn("page.dashboard.tables", name);
}

function textIn(sectionKey, name) {
  const text = section(sectionKey)[name];
  return typeof text === "string" ? text : str(name);
}

/** A column's heading: its label_key's text, else the catalogue's heading of its key. */
export function columnLabel(column) {
  const key = str(column.label_key);
  const own = key.startsWith("page.") ? t(key) : "";
  return own && own !== key ? own : textIn("page.dashboard.columns", str(column.key));
}

/** A funnel stage: its label in the answer, the catalogue's, or the ticket field's label. */
export function stageName(row) {
  if (row.stage_label) return str(row.stage_label);
  const stage = str(row.stage);
  const own = section("page.dashboard.stages")[stage];
  return typeof own === "string" ? own : fieldLabel(stage);
}

/** A rating context (ticket, handoff): the row's label, else the catalogue's. */
export function contextName(row) {
  return row.context_label ? str(row.context_label) : textIn("page.dashboard.csat_context", str(row.context));
}

export function reasonName(row) {
  return str(row.reason_label || row.reason);
}

/** A share (0 to 1) as "66.7%"; "—" when there is none. */
export function percent(ratio) {
  if (typeof ratio !== "number" || !isFinite(ratio)) return "—";
  return t("page.dashboard.percent", { value: String(Math.round(ratio * 1000) / 10) });
}

/** Seconds as minutes and seconds, or seconds (page.dashboard.minutes, .seconds); "—" for none. */
export function duration(seconds) {
  if (typeof seconds !== "number" || !isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return t("page.dashboard.seconds", { s: s });
  const rest = s % 60;
  return t("page.dashboard.minutes", { m: Math.floor(s / 60), s: (rest < 10 ? "0" : "") + rest });
}

/** Seconds as minutes with one decimal, for a chart's axis; null stays null (a gap). */
export function minutes(seconds) {
  return typeof seconds === "number" && isFinite(seconds) ? Math.round(seconds / 6) / 10 : null;
}

/**
 * The text of one cell: the row's label of the value ("<key>_label", unless that is a column of
 * its own), else the value, named (channels) or formatted (rates, seconds).
 */
export function cellText(key, row, columns) {
  const label = key + "_label";
  if (row[label] && columns.indexOf(label) < 0) return str(row[label]);
  const value = row[key];
  if (key === "channel") return channelName(value);
  if (key === "rate" || key === "share") return percent(value);
  if (key.endsWith("_seconds")) return duration(value);
  if (key === "stage") return stageName(row);
  return value === null || value === undefined || value === "" ? "—" : str(value);
}
