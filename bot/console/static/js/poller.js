/*
 * Polling: one request in flight per poller (the next one is scheduled when the answer is in),
 * exponential back-off on failures, and every poller stopped on sign-out or on any 401.
 */

import { ApiError } from "./api.js";
import { $ } from "./dom.js";
import { state } from "./state.js";

const MAX_BACKOFF = 30000;

/** Show the network banner while any poller is in trouble. */
function netTrouble(name, on) {
  state.troubles[name] = on;
  $("net-banner").hidden = !Object.keys(state.troubles).some((k) => state.troubles[k]);
}

/**
 * Runs task(signal) every `interval` ms, never two at once. Each failure doubles the delay (up
 * to MAX_BACKOFF); stop() aborts the request in flight and ignores its answer.
 */
export function makePoller(name, interval, task) {
  const p = { running: false, gen: 0, timer: null, busy: false, again: false, failures: 0, ctrl: null };

  function schedule(ms) {
    clearTimeout(p.timer);
    p.timer = setTimeout(run, ms);
  }

  function settle(gen, err) {
    if (gen !== p.gen) return; // stopped (and maybe restarted) meanwhile: not ours any more
    if (err && !(err instanceof ApiError)) window.console.error(err);
    p.failures = err ? Math.min(p.failures + 1, 5) : 0;
    netTrouble(name, !!err && (err.kind === "network" || err.status >= 500));
    p.busy = false;
    p.ctrl = null;
    schedule(p.again ? 0 : Math.min(MAX_BACKOFF, interval * Math.pow(2, p.failures)));
    p.again = false;
  }

  function run() {
    if (!p.running) return;
    if (p.busy) {
      p.again = true;
      return;
    }
    const gen = p.gen;
    p.busy = true;
    p.ctrl = new AbortController();
    task(p.ctrl.signal).then(
      () => settle(gen, null),
      (err) => settle(gen, err || new Error("poll failed"))
    );
  }

  function stop() {
    p.running = p.busy = p.again = false;
    p.gen++;
    clearTimeout(p.timer);
    if (p.ctrl) p.ctrl.abort();
    p.ctrl = null;
    p.failures = 0;
    netTrouble(name, false);
  }

  return {
    start() {
      stop();
      p.running = true;
      schedule(0);
    },
    stop: stop,
    /** Poll now, or right after the request in flight. */
    poke() {
      if (p.running && p.busy) p.again = true;
      else if (p.running) schedule(0);
    },
  };
}
