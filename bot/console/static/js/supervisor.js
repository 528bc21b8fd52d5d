/*
 * The supervisor view, a tab for agents whose role is supervisor or manager (GET me):
 * the queue's length and longest wait, each agent's presence and chats held, and today's
 * handled / abandoned / callbacks (GET supervisor), refreshed while the tab is shown.
 */

import { api, expect } from "./api.js";
import { $, clear, el, list, obj, str } from "./dom.js";
import { fmtSeconds, fmtTime } from "./format.js";
import { makePoller } from "./poller.js";
import { section, t } from "./texts.js";

const SUPERVISOR_INTERVAL = 5000;
const ROLES = { supervisor: true, manager: true };
const TODAY = ["handled", "abandoned", "callbacks", "queued"];
const PRESENCES = ["online", "away", "offline"];

/** May an agent with this role see the view (the server checks it again)? */
export function maySupervise(agent) {
  return !!ROLES[str(obj(agent).role)];
}

function count(value) {
  return typeof value === "number" && isFinite(value) ? String(value) : "—";
}

function level(seconds, sla) {
  const red = obj(sla).red_seconds;
  const amber = obj(sla).amber_seconds;
  if (typeof red === "number" && seconds >= red) return "red";
  if (typeof amber === "number" && seconds >= amber) return "amber";
  return "ok";
}

function render(data) {
  const queue = obj(data.queue);
  const today = obj(data.today);
  $("sv-queue-length").textContent = count(queue.length);
  const longest = queue.longest_wait_seconds;
  const waited = typeof longest === "number" && queue.length > 0;
  const wait = $("sv-longest-wait");
  wait.textContent = waited ? fmtSeconds(longest) : t("page.supervisor.no_wait");
  const slaLevel = waited ? level(longest, data.sla) : "ok";
  wait.parentNode.setAttribute("data-sla", slaLevel);
  $("sv-longest-flag").textContent = slaLevel === "ok" ? "" : t("page.sla." + slaLevel);
  TODAY.forEach((name) => {
    $("sv-" + name).textContent = count(today[name]);
  });
  renderAgents(list(data.agents));
  const now = fmtTime(new Date().toISOString());
  $("sv-updated").textContent = t("page.supervisor.updated", { time: now });
  $("sv-message").hidden = true;
}

function renderAgents(agents) {
  const body = $("sv-agents");
  const roles = section("page.supervisor.roles");
  const presences = section("page.presence");
  clear(body);
  $("sv-agents-empty").hidden = agents.length > 0;
  agents.forEach((agent) => {
    const row = body.appendChild(el("tr"));
    row.setAttribute("data-agent", str(agent.username));
    const who = row.appendChild(el("td"));
    who.appendChild(el("strong", null, str(agent.display_name) || str(agent.username)));
    who.appendChild(el("span", "muted sv-username", str(agent.username)));
    const role = typeof roles[agent.role] === "string" ? roles[agent.role] : str(agent.role);
    row.appendChild(el("td", null, role));
    const presence = PRESENCES.indexOf(agent.presence) >= 0 ? agent.presence : "offline";
    const cell = row.appendChild(el("td"));
    const pill = cell.appendChild(el("span", "presence-pill", str(presences[presence])));
    pill.setAttribute("data-presence", presence);
    row.appendChild(el("td", "num", count(agent.held)));
  });
}

function fetchSupervisor(signal) {
  return api("GET", "api/supervisor", null, signal, true).then((res) => {
    if (res.status === 403) {
      supervisorPoller.stop();
      return showMessage(t("page.supervisor.forbidden"));
    }
    render(expect(res, 200));
  });
}

function showMessage(text) {
  $("sv-message").textContent = text;
  $("sv-message").hidden = false;
}

export const supervisorPoller = makePoller("supervisor", SUPERVISOR_INTERVAL, fetchSupervisor);

/** The tab shows for supervisors and managers only. */
export function setupSupervisor(agent) {
  $("tab-supervisor").hidden = !maySupervise(agent);
}

/** The tab was shown (poll) or hidden (stop). */
export function supervisorShown(shown) {
  if (shown && !$("tab-supervisor").hidden) supervisorPoller.start();
  else supervisorPoller.stop();
}

export function resetSupervisor() {
  supervisorPoller.stop();
  $("tab-supervisor").hidden = true;
  clear($("sv-agents"));
  $("sv-message").hidden = true;
}
