/* A ticket's notices to its owner in the ticket view: sent, waiting (and when next), failed. */

import { api, expect, failureText } from "./api.js";
import { $, clear, el, list, str } from "./dom.js";
import { fmtTime, timeNode } from "./format.js";
import { t } from "./texts.js";

let loadToken = 0;

function show(ol, message) {
  clear(ol);
  ol.appendChild(el("li", "muted", message));
}

function renderNotice(ol, notice) {
  const li = ol.appendChild(el("li", "timeline-step notice notice-" + str(notice.status)));
  li.setAttribute("data-notice", str(notice.id));
  const head = li.appendChild(el("div", "timeline-head"));
  head.appendChild(el("strong", null, t("page.notices.status." + str(notice.status))));
  head.appendChild(el("span", "muted", t("page.notices.channel." + str(notice.channel))));
  if (notice.recipient) head.appendChild(el("span", "muted", str(notice.recipient)));
  head.appendChild(timeNode(notice.sent_at || notice.created_at, "muted"));
  li.appendChild(el("p", "timeline-note", str(notice.text)));
  const facts = [t("page.notices.attempts", { count: Number(notice.attempts) || 0 })];
  if (notice.next_attempt_at) {
    facts.push(t("page.notices.next_attempt", { time: fmtTime(notice.next_attempt_at) }));
  }
  if (notice.last_error) facts.push(t("page.notices.error", { error: str(notice.last_error) }));
  li.appendChild(el("p", "timeline-note muted", facts.join(t("page.ticket_detail.shipping_separator"))));
}

/** Load the notices of ticket `no` into #td-notices (a later call wins over an earlier one). */
export function loadNotices(no) {
  const ol = $("td-notices");
  if (!ol) return;
  const token = ++loadToken;
  show(ol, t("page.notices.loading"));
  api("GET", "api/tickets/" + encodeURIComponent(no) + "/notices")
    .then((res) => {
      if (token !== loadToken) return;
      const notices = list(expect(res, 200).notices);
      if (!notices.length) return show(ol, t("page.notices.empty"));
      clear(ol);
      notices.forEach((notice) => renderNotice(ol, notice));
    })
    .catch((err) => {
      if (token === loadToken) show(ol, failureText(err, t("page.notices.failed")));
    });
}
