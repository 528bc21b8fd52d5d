/*
 * What each dashboard table looks like as a chart (Chart.js configurations, built from the
 * table's rows): containment per day stacked by channel with the day's rate, the intake funnel
 * as horizontal bars with the drop-off from the stage before, escalations by reason, waits and
 * handling times per day, ratings 1-5 per context, diagnosis outcomes per day.
 */

import { DANGER, DANGER_LIGHT, shade } from "./charts.js";
import { list, str } from "./dom.js";
import { channelName } from "./format.js";
import { daysBetween } from "./period.js";
import { t } from "./texts.js";
import { contextName, minutes, reasonName, stageName } from "./dash_labels.js";

const MAX_AXIS_DAYS = 92;
const SCORES = [1, 2, 3, 4, 5];

function num(value) {
  return typeof value === "number" && isFinite(value) ? value : 0;
}

function series(key) {
  return t("page.dashboard.series." + key);
}

/** The x axis of a per-day chart: every day of the period (short periods), else the rows' days. */
function dayAxis(rows, period) {
  const all = daysBetween(str(period.from), str(period.to));
  if (all.length && all.length <= MAX_AXIS_DAYS) return all;
  return Array.from(new Set(rows.map((row) => str(row.day)))).sort();
}

function sumBy(rows, days, value) {
  const sums = days.map(() => 0);
  rows.forEach((row) => {
    const i = days.indexOf(str(row.day));
    if (i >= 0) sums[i] += value(row);
  });
  return sums;
}

function countAxis(title, position, stacked) {
  const axis = { beginAtZero: true, stacked: !!stacked, ticks: { precision: 0 } };
  axis.position = position || "left";
  if (title) axis.title = { display: true, text: title };
  return axis;
}

function legend() {
  return { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } };
}

function containment(rows, period) {
  const days = dayAxis(rows, period);
  const channels = Array.from(new Set(rows.map((row) => str(row.channel)))).sort();
  const datasets = [];
  channels.forEach((channel, i) => {
    const mine = rows.filter((row) => str(row.channel) === channel);
    const name = channelName(channel);
    const label = (key) => t("page.dashboard.series_channel", { channel: name, series: series(key) });
    const [solid, light] = shade(i);
    const contained = sumBy(mine, days, (row) => num(row.contained));
    const total = sumBy(mine, days, (row) => num(row.conversations));
    datasets.push(
      { type: "bar", label: label("contained"), data: contained, backgroundColor: solid, stack: channel },
      {
        type: "bar",
        label: label("not_contained"),
        data: total.map((n, d) => Math.max(0, n - contained[d])),
        backgroundColor: light,
        stack: channel,
      }
    );
  });
  const contained = sumBy(rows, days, (row) => num(row.contained));
  const total = sumBy(rows, days, (row) => num(row.conversations));
  datasets.push({
    type: "line",
    label: series("rate"),
    data: total.map((n, d) => (n ? Math.round((contained[d] / n) * 1000) / 10 : null)),
    borderColor: "#1f2329",
    backgroundColor: "#1f2329",
    yAxisID: "rate",
    spanGaps: true,
    tension: 0,
  });
  return {
    data: { labels: days, datasets: datasets },
    options: {
      plugins: { legend: legend() },
      scales: {
        x: { stacked: true },
        y: countAxis(t("page.dashboard.axis.count"), "left", true),
        rate: {
          position: "right",
          min: 0,
          max: 100,
          grid: { drawOnChartArea: false },
          title: { display: true, text: t("page.dashboard.axis.rate") },
        },
      },
    },
  };
}

function funnel(rows) {
  const counts = rows.map((row) => num(row.intakes));
  const dropped = counts.map((n, i) => (i ? Math.max(0, counts[i - 1] - n) : 0));
  const labels = rows.map((row, i) =>
    dropped[i] ? t("page.dashboard.dropoff", { stage: stageName(row), count: dropped[i] }) : stageName(row)
  );
  return {
    data: {
      labels: labels,
      datasets: [
        { label: series("intakes"), data: counts, backgroundColor: shade(0)[0] },
        { label: series("dropped"), data: dropped, backgroundColor: DANGER_LIGHT },
      ],
    },
    options: {
      indexAxis: "y",
      plugins: { legend: legend() },
      scales: { x: countAxis("", "bottom", true), y: { stacked: true } },
    },
  };
}

function escalations(rows) {
  const sorted = rows.slice().sort((a, b) => num(b.count) - num(a.count));
  return {
    data: {
      labels: sorted.map(reasonName),
      datasets: [
        { label: series("count"), data: sorted.map((row) => num(row.count)), backgroundColor: DANGER },
      ],
    },
    options: {
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: countAxis("", "bottom") },
    },
  };
}

function handling(rows, period) {
  const days = dayAxis(rows, period);
  const at = (key) => days.map((day) => {
    const row = rows.find((r) => str(r.day) === day);
    return row ? minutes(row[key]) : null;
  });
  const bar = (key, color) => ({
    type: "bar",
    label: series(key),
    data: sumBy(rows, days, (row) => num(row[key])),
    backgroundColor: color,
    stack: "handoffs",
    yAxisID: "count",
    order: 2,
  });
  const line = (key, seriesKey, color) => ({
    type: "line",
    label: series(seriesKey),
    data: at(key),
    borderColor: color,
    backgroundColor: color,
    yAxisID: "minutes",
    spanGaps: true,
    tension: 0,
    order: 1,
  });
  return {
    data: {
      labels: days,
      datasets: [
        line("avg_wait_seconds", "avg_wait", shade(2)[0]),
        line("avg_handling_seconds", "avg_handling", shade(3)[0]),
        bar("answered", shade(0)[1]),
        bar("abandoned", DANGER_LIGHT),
      ],
    },
    options: {
      plugins: { legend: legend() },
      scales: {
        x: { stacked: true },
        minutes: {
          beginAtZero: true,
          position: "left",
          title: { display: true, text: t("page.dashboard.axis.minutes") },
        },
        count: Object.assign(countAxis(t("page.dashboard.axis.count"), "right", true), {
          grid: { drawOnChartArea: false },
        }),
      },
    },
  };
}

function csat(rows) {
  const contexts = Array.from(new Set(rows.map((row) => str(row.context))));
  return {
    data: {
      labels: SCORES.map((score) => t("page.dashboard.axis.score", { score: score })),
      datasets: contexts.map((context, i) => ({
        label: contextName(rows.find((row) => str(row.context) === context)),
        data: SCORES.map((score) =>
          rows
            .filter((row) => str(row.context) === context && Number(row.score) === score)
            .reduce((sum, row) => sum + num(row.count), 0)
        ),
        backgroundColor: shade(i)[0],
      })),
    },
    options: { plugins: { legend: legend() }, scales: { y: countAxis(t("page.dashboard.axis.count")) } },
  };
}

function diagnosis(rows, period) {
  const days = dayAxis(rows, period);
  const bar = (key, color) => ({
    label: series(key),
    data: sumBy(rows, days, (row) => num(row[key])),
    backgroundColor: color,
  });
  const offered = {
    type: "line",
    label: series("offered"),
    data: sumBy(rows, days, (row) => num(row.offered)),
    stack: "offered", // a line of its own, not stacked on the bars
    borderColor: shade(0)[0],
    backgroundColor: shade(0)[0],
    tension: 0,
  };
  return {
    data: { labels: days, datasets: [offered, bar("solved", shade(1)[0]), bar("to_ticket", shade(2)[0])] },
    options: {
      plugins: { legend: legend() },
      scales: { x: { stacked: true }, y: countAxis(t("page.dashboard.axis.count"), "left", true) },
    },
  };
}

const BUILDERS = {
  containment: containment,
  funnel: funnel,
  escalations: escalations,
  handling: handling,
  csat: csat,
  diagnosis: diagnosis,
};

/** Whether a table has a chart (the missed messages have none: their text is the point). */
export function hasChart(name) {
  return name in BUILDERS;
}

/** The Chart.js configuration of a table ({type, data, options}). */
export function chartConfig(name, table, period) {
  const config = BUILDERS[name](list(table.rows), period);
  config.type = "bar";
  return config;
}
