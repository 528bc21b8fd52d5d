/* Times, waits, channel names and handoff reasons as the agent reads them. */

import { el, str } from "./dom.js";
import { section, t } from "./texts.js";

function pad(n) {
  return (n < 10 ? "0" : "") + n;
}

function parseTime(iso) {
  const time = typeof iso === "string" ? Date.parse(iso) : NaN;
  return isNaN(time) ? null : time;
}

/** "14:05" today, "2024-05-01 14:05" otherwise. */
export function fmtTime(iso) {
  const time = parseTime(iso);
  if (time === null) return str(iso);
  const d = new Date(time);
  const hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
  if (d.toDateString() === new Date().toDateString()) return hm;
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
}

/** A duration in seconds as seconds, minutes and seconds, or hours and minutes. */
export function fmtSeconds(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const m = Math.floor(s / 60);
  if (s < 60) return t("page.time.seconds", { s: s });
  if (m < 60) return t("page.time.minutes", { m: m, s: pad(s % 60) });
  return t("page.time.hours", { h: Math.floor(m / 60), m: m % 60 });
}

export function timeNode(iso, className) {
  const node = el("time", className, fmtTime(iso));
  if (typeof iso === "string") node.dateTime = iso;
  return node;
}

export function channelName(channel) {
  const name = section("page.channels")[channel];
  return typeof name === "string" ? name : str(channel) || t("page.channels.unknown");
}

export function reasonOf(h) {
  return str(h.reason_label || h.reason) || t("page.conversation.default_reason");
}
