/* A ticket's courier pickups in the ticket view: window, address, courier state. */

import { api, expect, failureText } from "./api.js";
import { $, clear, el, list, str } from "./dom.js";
import { fmtTime, timeNode } from "./format.js";
import { t } from "./texts.js";

let loadToken = 0;

function show(ol, message) {
  clear(ol);
  ol.appendChild(el("li", "muted", message));
}

function renderPickup(ol, pickup) {
  const li = ol.appendChild(el("li", "timeline-step pickup pickup-" + str(pickup.status)));
  li.setAttribute("data-pickup", str(pickup.id));
  const head = li.appendChild(el("div", "timeline-head"));
  head.appendChild(el("strong", null, str(pickup.status_name || pickup.status)));
  head.appendChild(el("span", null, str(pickup.window)));
  head.appendChild(timeNode(pickup.updated_at, "muted"));
  li.appendChild(el("p", "timeline-note", str(pickup.address)));
  const facts = [t("page.pickups.courier", { courier: str(pickup.courier) })];
  if (pickup.courier_order_id) {
    facts.push(t("page.pickups.order", { order: str(pickup.courier_order_id) }));
  }
  if (pickup.courier_action) {
    facts.push(t("page.pickups.to_send." + str(pickup.courier_action)));
    facts.push(t("page.pickups.attempts", { count: Number(pickup.attempts) || 0 }));
    if (pickup.next_attempt_at) {
      facts.push(t("page.pickups.next_attempt", { time: fmtTime(pickup.next_attempt_at) }));
    }
  }
  if (pickup.last_error) facts.push(t("page.pickups.error", { error: str(pickup.last_error) }));
  li.appendChild(el("p", "timeline-note muted", facts.join(t("page.ticket_detail.shipping_separator"))));
}

/** Load the pickups of ticket `no` into #td-pickups (a later call wins over an earlier one). */
export function loadPickups(no) {
  const ol = $("td-pickups");
  if (!ol) return;
  const token = ++loadToken;
  show(ol, t("page.pickups.loading"));
  api("GET", "api/tickets/" + encodeURIComponent(no) + "/pickups")
    .then((res) => {
      if (token !== loadToken) return;
      const pickups = list(expect(res, 200).pickups);
      if (!pickups.length) return show(ol, t("page.pickups.empty"));
      clear(ol);
      pickups.forEach((pickup) => renderPickup(ol, pickup));
    })
    .catch((err) => {
      if (token === loadToken) show(ol, failureText(err, t("page.pickups.failed")));
    });
}
