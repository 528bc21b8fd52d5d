/*
 * Chart.js (its UMD build from the npm registry, served beside the page as chart.umd.min.js) and
 * the charts drawn with it. The library is loaded once, the first time a chart is drawn, by a
 * script element from the page's own origin (the CSP allows nothing else); it sets window.Chart.
 */

import { BASE } from "./api.js";

const SCRIPT = "chart.umd.min.js";
/** Solid and light shades, one pair per series (channel, context...), in order. */
export const PALETTE = [
  ["#1f5fd1", "#b9cdf3"],
  ["#1e8e4f", "#b5e0c7"],
  ["#c26a00", "#f5d3a6"],
  ["#7a4cc2", "#d6c6ef"],
  ["#0f8a9d", "#b0dde4"],
  ["#c0392b", "#f0bcb5"],
];
export const DANGER = "#d03a2f";
export const DANGER_LIGHT = "#f6c9c4";

let loading = null;
const drawn = new Map(); // canvas -> Chart

/** window.Chart, loading the script first; rejects when it cannot be loaded. */
export function loadCharts() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL(SCRIPT, BASE).href;
    script.onload = () => (window.Chart ? resolve(window.Chart) : reject(new Error("no Chart")));
    script.onerror = () => reject(new Error(SCRIPT + " did not load"));
    document.head.appendChild(script);
  }).then(
    (Chart) => {
      const css = window.getComputedStyle(document.body);
      Chart.defaults.font.family = css.fontFamily;
      Chart.defaults.font.size = 12;
      Chart.defaults.color = "#4a525c";
      Chart.defaults.animation = false; // figures, not a show; and stable screenshots
      Chart.defaults.maintainAspectRatio = false;
      Chart.defaults.datasets.bar.maxBarThickness = 36;
      return Chart;
    },
    (err) => {
      loading = null; // try again next time
      throw err;
    }
  );
  return loading;
}

/** Draw `config` on `canvas`, replacing the chart drawn there before. */
export function draw(Chart, canvas, config) {
  erase(canvas);
  drawn.set(canvas, new Chart(canvas, config));
}

/** Remove the chart on `canvas` (none: nothing to do). */
export function erase(canvas) {
  const chart = drawn.get(canvas);
  if (chart) chart.destroy();
  drawn.delete(canvas);
}

/** Remove every chart (signing out, leaving the dashboard's data behind). */
export function eraseAll() {
  drawn.forEach((chart) => chart.destroy());
  drawn.clear();
}

/** Shades for the i-th series: [solid, light]. */
export function shade(i) {
  return PALETTE[i % PALETTE.length];
}
