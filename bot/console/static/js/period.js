/*
 * The dashboard's period: two dates (YYYY-MM-DD, the browser's days, which for the hotline are the
 * business's) and a channel. Quick ranges end today; a period is valid when both dates are set
 * and the first is not after the second (the server checks again and answers bad_period).
 */

import { $ } from "./dom.js";

const DAY_MS = 86400000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function pad(n) {
  return (n < 10 ? "0" : "") + n;
}

/** A Date as YYYY-MM-DD, in the browser's time zone. */
export function isoDay(date) {
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
}

/** The days from `from` to `to` (YYYY-MM-DD, inclusive); [] for a bad or reversed range. */
export function daysBetween(from, to) {
  const days = [];
  if (!DATE.test(from) || !DATE.test(to)) return days;
  const end = Date.parse(to + "T00:00:00Z");
  for (let time = Date.parse(from + "T00:00:00Z"); time <= end; time += DAY_MS) {
    days.push(new Date(time).toISOString().slice(0, 10));
  }
  return days;
}

/** Set the form to the last `days` days, today included. */
export function setLastDays(days) {
  const today = new Date();
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  $("dash-from").value = isoDay(first);
  $("dash-to").value = isoDay(today);
}

/** The period in the form, or null when it is incomplete or reversed. */
export function readPeriod() {
  const from = $("dash-from").value;
  const to = $("dash-to").value;
  if (!DATE.test(from) || !DATE.test(to) || from > to) return null;
  return { from: from, to: to, channel: $("dash-channel").value };
}

/** The query string of a period: from, to and, when one is chosen, the channel. */
export function periodQuery(period) {
  const query = "from=" + encodeURIComponent(period.from) + "&to=" + encodeURIComponent(period.to);
  return period.channel ? query + "&channel=" + encodeURIComponent(period.channel) : query;
}
