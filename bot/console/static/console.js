/*
 * 售后客服工作台: the agent console's front end, served at /webhooks/console/.
 *
 * Hotline agents claim chats the bot escalated, reply in them, hand them back to the bot or close
 * them, file repair tickets from the bot's summary and update ticket statuses. Plain ES5-style
 * JavaScript without a build step. Every API path is relative to this script (api/...), so the
 * mount point can change. Every text is rendered with textContent / createTextNode: no user, bot
 * or agent text ever reaches innerHTML.
 *
 * Polling: one request in flight per poller (the next one is scheduled when the answer is in),
 * exponential back-off on failures, and every poller stopped on sign-out or on any 401.
 * Polls are marked as background requests: the server's idle timeout counts only the agent's
 * own activity (keys, clicks, pointer), reported at most once a minute.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var BASE = new URL(".", script ? script.src : window.location.href).href;
  var QUEUE_INTERVAL = 2000, TRANSCRIPT_INTERVAL = 1500, MAX_BACKOFF = 30000, TOAST_MS = 4000;
  var ACTIVITY_INTERVAL = 60000;
  var TITLE = "售后客服工作台";
  var SHIPPED_BACK = "shipped_back";
  var MSG = {
    badLogin: "用户名或密码不正确", needLogin: "请先登录", network: "网络错误，请重试",
    expired: "登录已过期（长时间未操作），请重新登录",
    locked: "登录失败次数过多，请 {minutes} 分钟后再试",
    taken: "该会话已被其他客服接入", notHeld: "该会话已不在你名下", failed: "操作失败，请稍后重试",
  };
  var CHANNELS = { socketio: "网页", web: "网页", wechat: "微信" };
  var TICKET_FIELDS = [
    "device_model", "serial_number", "purchase_date", "fault_description",
    "fault_category", "service_type", "city", "contact_phone",
  ];
  var STATUS_FIELDS = ["status", "note", "tracking_no", "courier"];
  // Handoff statuses (not in the API contract; these are the ticket store's). Others show as they come.
  var HANDOFF_STATUS = { queued: "排队中", active: "人工处理中", returned: "已转回机器人", closed: "已结束", callback: "待回电" };

  var state = {
    agent: null, troubles: {},
    queued: [], mine: [], listSig: "",
    selectedId: null, // a string, or null
    selected: null, // the last H seen for the selected chat
    convStatus: "", lastIndex: -1, seen: {}, drafts: {}, sending: false,
    summarySig: "", ticketDirty: false,
    ticketNo: null, searchToken: 0, detailToken: 0, lastActivity: 0,
  };

  // ---------------------------------------------------------------- helpers
  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(text, className, onClick, label) {
    var node = el("button", "btn " + className, text);
    node.type = "button";
    if (label) node.setAttribute("aria-label", label);
    node.addEventListener("click", onClick);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function each(nodes, fn) { for (var i = 0; i < nodes.length; i++) fn(nodes[i]); }

  function str(value) {
    if (value === null || value === undefined) return "";
    if (Array.isArray(value)) return value.map(str).join("、");
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function obj(value) { return value && typeof value === "object" && !Array.isArray(value) ? value : {}; }

  function list(value) {
    return Array.isArray(value) ? value.filter(function (item) { return item && typeof item === "object"; }) : [];
  }

  function idOf(h) { return h && h.id !== undefined && h.id !== null ? String(h.id) : null; }

  function findIn(items, id) {
    for (var i = 0; i < items.length; i++) if (idOf(items[i]) === id) return items[i];
    return null;
  }

  function findOption(select, value) {
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return select.options[i];
    return null;
  }

  /** The Chinese name of a fault category or service type, taken from the ticket form's options. */
  function optionName(field, value) {
    var option = value ? findOption($("tf-" + field), value) : null;
    return option ? option.textContent : value;
  }

  /** Set the text of every [data-field] under root to text(name); empty ones show data-empty. */
  function fill(root, text) {
    each(root.querySelectorAll("[data-field]"), function (node) {
      var value = str(text(node.getAttribute("data-field")));
      node.textContent = value || node.getAttribute("data-empty") || "—";
      node.classList.toggle("muted", !value);
    });
  }

  function channelName(channel) { return CHANNELS[channel] || str(channel) || "未知渠道"; }
  function reasonOf(h) { return str(h.reason_label || h.reason) || "转人工"; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function parseTime(iso) {
    var t = typeof iso === "string" ? Date.parse(iso) : NaN;
    return isNaN(t) ? null : t;
  }

  /** "14:05" today, "2024-05-01 14:05" otherwise. */
  function fmtTime(iso) {
    var t = parseTime(iso);
    if (t === null) return str(iso);
    var d = new Date(t);
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (d.toDateString() === new Date().toDateString()) return hm;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
  }

  function fmtWait(iso) {
    var t = parseTime(iso);
    if (t === null) return "—";
    var s = Math.max(0, Math.floor((Date.now() - t) / 1000));
    var m = Math.floor(s / 60);
    if (s < 60) return s + " 秒";
    return m < 60 ? m + " 分 " + pad(s % 60) + " 秒" : Math.floor(m / 60) + " 小时 " + (m % 60) + " 分";
  }

  function timeNode(iso, className) {
    var node = el("time", className, fmtTime(iso));
    if (typeof iso === "string") node.dateTime = iso;
    return node;
  }

  // ---------------------------------------------------------------- feedback
  var toastTimer = null;
  function toast(text, isError) {
    var node = $("toast");
    node.textContent = text;
    node.classList.toggle("toast-error", !!isError);
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { node.hidden = true; }, TOAST_MS);
  }

  /** kind: "error" | "info" | undefined; an empty text hides the message. */
  function setMessage(node, text, kind) {
    node.textContent = text || "";
    node.classList.toggle("form-message-error", kind === "error");
    node.classList.toggle("form-message-info", kind === "info");
    node.hidden = !text;
  }

  function netTrouble(name, on) {
    state.troubles[name] = on;
    $("net-banner").hidden = !Object.keys(state.troubles).some(function (k) { return state.troubles[k]; });
  }

  // ---------------------------------------------------------------- API
  function ApiError(kind, status) {
    this.kind = kind; // network | aborted | unauthorized | http
    this.status = status;
  }

  /** A 401 on these is an answer for the caller, not an expired session. */
  var OWN_401 = { "api/login": true, "api/me": true };

  /**
   * Resolves {status, data} for any HTTP answer but a 401; rejects with an ApiError. A
   * background request (polling) does not keep the session alive.
   */
  function api(method, path, body, signal, background) {
    var headers = { Accept: "application/json", "X-Requested-With": "shouhou-console" };
    if (background) headers["X-Console-Background"] = "1";
    var init = { method: method, credentials: "same-origin", headers: headers, cache: "no-store" };
    if (signal) init.signal = signal;
    if (method === "POST") {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    return fetch(new URL(path, BASE).href, init)
      .then(function (response) {
        return response.text().then(function (text) {
          if (response.status === 401 && !OWN_401[path]) {
            signedOut(MSG.expired, "error");
            throw new ApiError("unauthorized", 401);
          }
          return { status: response.status, data: obj(parseJson(text)) };
        });
      })
      .catch(function (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError(err && err.name === "AbortError" ? "aborted" : "network", 0);
      });
  }

  /** null for an empty or non-JSON body (an HTML error page from a proxy, say). */
  function parseJson(text) {
    try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
  }

  function post(path, body) { return api("POST", path, body); }

  function expect(result, status) {
    if (result.status !== status) throw new ApiError("http", result.status);
    return result.data;
  }

  function handoffPath(id, action) { return "api/handoffs/" + encodeURIComponent(id) + "/" + action; }

  /** Chinese text for a failed request; "" when a 401 has already brought the login view back. */
  function failureText(err, fallback) {
    if (!(err instanceof ApiError)) window.console.error(err);
    if (err && err.kind === "unauthorized") return "";
    return err && err.kind === "network" ? MSG.network : fallback || MSG.failed;
  }

  function actionFailed(err) {
    var text = failureText(err);
    if (text) toast(text, true);
  }

  // ---------------------------------------------------------------- pollers
  /**
   * Runs task(signal) every `interval` ms, never two at once. Each failure doubles the delay (up
   * to MAX_BACKOFF); stop() aborts the request in flight and ignores its answer.
   */
  function makePoller(name, interval, task) {
    var p = { running: false, gen: 0, timer: null, busy: false, again: false, failures: 0, ctrl: null };

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
      if (p.busy) return void (p.again = true);
      var gen = p.gen;
      p.busy = true;
      p.ctrl = window.AbortController ? new AbortController() : null;
      task(p.ctrl ? p.ctrl.signal : null).then(
        function () { settle(gen, null); },
        function (err) { settle(gen, err || new Error("poll failed")); }
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
      start: function () {
        stop();
        p.running = true;
        schedule(0);
      },
      stop: stop,
      /** Poll now, or right after the request in flight. */
      poke: function () {
        if (p.running && p.busy) p.again = true;
        else if (p.running) schedule(0);
      },
    };
  }

  var queuePoller = makePoller("queue", QUEUE_INTERVAL, fetchQueue);
  var transcriptPoller = makePoller("transcript", TRANSCRIPT_INTERVAL, fetchTranscript);
  var waitTicker = null;

  // ---------------------------------------------------------------- sign-in
  function showView(name) {
    $("boot").hidden = true;
    $("login-view").hidden = name !== "login";
    $("app-view").hidden = name !== "app";
  }

  function showLogin(message, kind) {
    showView("login");
    setMessage($("login-message"), message, kind);
    $("login-submit").disabled = false;
    ($("login-username").value ? $("login-password") : $("login-username")).focus();
  }

  function signedIn(agent) {
    state.agent = obj(agent);
    state.lastActivity = Date.now();
    $("agent-name").textContent = str(state.agent.display_name || state.agent.username);
    $("login-password").value = "";
    setMessage($("login-message"), "");
    showView("app");
    setTab("chats");
    queuePoller.start();
    clearInterval(waitTicker);
    waitTicker = setInterval(tickWaits, 1000);
    loadChoices();
  }

  /** The fault categories and service types of the catalogue, for the ticket form. */
  function loadChoices() {
    api("GET", "api/choices").then(function (res) {
      if (res.status !== 200) return;
      fillChoices($("tf-fault_category"), list(obj(res.data).fault_categories));
      fillChoices($("tf-service_type"), list(obj(res.data).service_types));
    }, function () {});
  }

  function fillChoices(select, choices) {
    var current = select.value;
    each(select.querySelectorAll("option:not([value=''])"), function (o) { select.removeChild(o); });
    choices.forEach(function (c) {
      select.appendChild(el("option", null, str(c.name || c.id))).value = str(c.id);
    });
    setSelect(select, current);
  }

  /** Back to the login view, with customer data removed from the page. Safe to call twice. */
  function signedOut(message, kind) {
    queuePoller.stop();
    transcriptPoller.stop();
    clearInterval(waitTicker);
    if ($("confirm-dialog").open) $("confirm-dialog").close("cancel");
    state.agent = null;
    state.queued = [];
    state.mine = [];
    state.drafts = {};
    resetConversation(null, null);
    $("reply").value = "";
    each(["summary-tickets", "summary-messages"], function (id) { clear($(id)); });
    fill($("summary-slots"), function () { return ""; });
    fillTicketForm({});
    renderQueue();
    resetTicketsTab();
    $("agent-name").textContent = "";
    document.title = TITLE;
    showLogin(message, kind);
  }

  function login(event) {
    event.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    if (!username || !password) return setMessage($("login-message"), "请输入用户名和密码", "error");
    $("login-submit").disabled = true;
    post("api/login", { username: username, password: password }).then(
      function (res) {
        if (res.status === 200) return signedIn(res.data.agent);
        $("login-password").value = "";
        if (res.status === 429) return showLogin(lockedText(res.data.retry_after), "error");
        showLogin(res.status === 401 ? MSG.badLogin : "登录失败，请稍后重试", "error");
      },
      function () { showLogin(MSG.network, "error"); }
    );
  }

  /** The lockout message, in whole minutes (at least one). */
  function lockedText(seconds) {
    var minutes = Math.max(1, Math.ceil((typeof seconds === "number" ? seconds : 60) / 60));
    return MSG.locked.replace("{minutes}", String(minutes));
  }

  /** The agent did something: keep the session alive (at most once a minute). */
  function activity() {
    if (!state.agent || Date.now() - state.lastActivity < ACTIVITY_INTERVAL) return;
    state.lastActivity = Date.now();
    api("GET", "api/me").then(function () {}, function () {});
  }

  function logout() {
    var done = function () { signedOut("已退出登录", "info"); };
    $("logout").disabled = true;
    post("api/logout").then(done, done).then(function () { $("logout").disabled = false; });
  }

  function boot() {
    api("GET", "api/me").then(
      function (res) {
        if (res.status === 200 && res.data.agent) signedIn(res.data.agent);
        else showLogin("");
      },
      function () { showLogin(MSG.network, "error"); }
    );
  }

  function setTab(name) {
    each(["chats", "tickets"], function (tab) {
      $("tab-" + tab).setAttribute("aria-selected", tab === name ? "true" : "false");
      $(tab + "-view").hidden = tab !== name;
    });
  }

  // ---------------------------------------------------------------- queue
  function fetchQueue(signal) {
    return api("GET", "api/queue", null, signal, true).then(function (res) {
      var data = expect(res, 200);
      state.queued = list(data.queued);
      state.mine = list(data.mine);
      renderQueue();
    });
  }

  function isMine(id) { return id !== null && !!findIn(state.mine, id); }
  function isQueued(id) { return id !== null && !!findIn(state.queued, id); }

  /** Show a claim (toMine) / return / close in the lists at once, then poll to confirm it. */
  function applyLocally(id, handoff, toMine) {
    var fresh = handoff && idOf(handoff) === id ? handoff : null;
    var known = findIn(state.queued, id) || findIn(state.mine, id) || (state.selectedId === id && state.selected);
    var others = function (h) { return idOf(h) !== id; };
    state.queued = state.queued.filter(others);
    state.mine = state.mine.filter(others);
    if (toMine) state.mine.unshift(fresh || known || { id: id });
    if (fresh && state.selectedId === id) {
      state.selected = fresh;
      if (fresh.status) state.convStatus = str(fresh.status);
    }
    renderQueue();
    queuePoller.poke();
  }

  function renderQueue() {
    var rows = function (items) {
      return items.map(function (h) {
        return [h.id, h.channel, h.reason_label, h.reason, h.position, h.created_at, h.claimed_at, h.user_label];
      });
    };
    var sig = JSON.stringify([rows(state.queued), rows(state.mine), state.selectedId]);
    if (sig !== state.listSig) {
      state.listSig = sig;
      renderList($("queued-list"), $("queued-empty"), state.queued, true);
      renderList($("mine-list"), $("mine-empty"), state.mine, false);
    }
    $("queued-count").textContent = String(state.queued.length);
    $("queued-count").classList.toggle("count-hot", state.queued.length > 0);
    $("mine-count").textContent = String(state.mine.length);
    document.title = (state.queued.length ? "(" + state.queued.length + ") " : "") + TITLE;
    syncSelected();
  }

  /** Rebuild a list, keeping keyboard focus on the same item's button. */
  function renderList(listNode, emptyNode, items, queued) {
    var active = document.activeElement;
    var focusKey = active && listNode.contains(active) ? active.getAttribute("data-key") : null;
    clear(listNode);
    items.forEach(function (h) { listNode.appendChild(chatItem(h, queued)); });
    emptyNode.hidden = items.length > 0;
    if (focusKey) each(listNode.querySelectorAll("[data-key]"), function (node) {
      if (node.getAttribute("data-key") === focusKey) node.focus();
    });
  }

  function chatItem(h, queued) {
    var id = idOf(h);
    var channel = channelName(h.channel);
    var selected = id === state.selectedId;
    var item = el("li", "chat-item" + (selected ? " is-selected" : ""));
    var open = item.appendChild(button("", "chat-open", function () { selectChat(h); }));
    open.setAttribute("data-key", "open:" + id);
    if (selected) open.setAttribute("aria-current", "true");
    open.title = "用户 " + str(h.user_label);
    var top = open.appendChild(el("span", "chat-top"));
    top.appendChild(el("span", "badge badge-" + (h.channel === "wechat" ? "wechat" : "web"), channel));
    top.appendChild(el("span", "chat-reason", reasonOf(h)));
    var meta = open.appendChild(el("span", "chat-meta"));
    if (!queued) {
      meta.appendChild(el("span", null, "接入于 " + fmtTime(h.claimed_at)));
      meta.appendChild(el("span", "sender", "用户 " + str(h.user_label)));
      return item;
    }
    meta.appendChild(el("span", "wait", "已等待 " + fmtWait(h.created_at))).setAttribute("data-since", str(h.created_at));
    if (typeof h.position === "number") meta.appendChild(el("span", "position", "第 " + h.position + " 位"));
    var label = "接入" + channel + "会话：" + reasonOf(h);
    var claimBtn = item.appendChild(button("接入", "btn-primary btn-small", function () { claim(id, claimBtn); }, label));
    claimBtn.setAttribute("data-key", "claim:" + id);
    return item;
  }

  function tickWaits() {
    each(document.querySelectorAll("#queued-list [data-since]"), function (node) {
      node.textContent = "已等待 " + fmtWait(node.getAttribute("data-since"));
    });
  }

  // ---------------------------------------------------------------- chat actions
  function claim(id, claimBtn) {
    if (id === null) return;
    claimBtn.disabled = true;
    post(handoffPath(id, "claim"))
      .then(function (res) {
        if (res.status === 200) {
          toast("已接入会话");
          applyLocally(id, res.data, true);
          selectChat(findIn(state.mine, id));
          $("reply").focus();
        } else if (res.status === 409) {
          toast(MSG.taken, true);
          applyLocally(id, null, false);
        } else {
          toast(MSG.failed, true);
          queuePoller.poke();
        }
      }, actionFailed)
      .then(function () { claimBtn.disabled = false; });
  }

  /** action: "return" or "close". */
  function finish(id, action, doneText) {
    var buttons = [$("conv-return"), $("conv-close")];
    if (id === null) return;
    each(buttons, function (b) { b.disabled = true; });
    post(handoffPath(id, action))
      .then(function (res) {
        if (res.status !== 200) {
          toast(res.status === 409 ? MSG.notHeld : MSG.failed, true);
          return queuePoller.poke();
        }
        toast(doneText);
        if (state.selectedId === id) state.convStatus = action === "close" ? "closed" : "returned";
        applyLocally(id, res.data, false);
        transcriptPoller.poke();
      }, actionFailed)
      .then(function () {
        each(buttons, function (b) { b.disabled = false; });
        renderConvHead();
      });
  }

  /** A modal confirm in Chinese; resolves true when the agent confirms. */
  function confirmDialog(text, okLabel) {
    var dialog = $("confirm-dialog");
    if (typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(text));
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = okLabel;
    return new Promise(function (resolve) {
      dialog.returnValue = "";
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "ok");
      });
      dialog.showModal();
    });
  }

  function closeChat() {
    var id = state.selectedId;
    var text = "结束后该会话将从“我的会话”中移除，无法再回复。确定结束该会话吗？";
    confirmDialog(text, "结束会话").then(function (ok) {
      if (ok && state.agent) finish(id, "close", "会话已结束");
    });
  }

  // ---------------------------------------------------------------- selected chat
  function selectChat(h) {
    var id = idOf(h);
    if (id === null) return;
    setTab("chats");
    if (id === state.selectedId) return;
    if (state.selectedId !== null) state.drafts[state.selectedId] = $("reply").value;
    resetConversation(id, h);
    $("reply").value = state.drafts[id] || "";
    $("transcript").appendChild(el("p", "transcript-note", "正在加载聊天记录…"));
    resetTicketForm();
    renderQueue(); // marks the item; syncSelected() then renders the header and the summary
    transcriptPoller.start();
  }

  function resetConversation(id, h) {
    transcriptPoller.stop();
    state.selectedId = id;
    state.selected = h;
    state.convStatus = h ? str(h.status) : "";
    state.lastIndex = -1;
    state.seen = {};
    state.summarySig = "";
    clear($("transcript"));
    $("conv-empty").hidden = $("details-empty").hidden = !!h;
    $("conv").hidden = $("details").hidden = !h;
  }

  /** Take the selected chat's latest data from the lists (the last seen stays once it leaves). */
  function syncSelected() {
    if (state.selectedId === null) return;
    var h = findIn(state.mine, state.selectedId) || findIn(state.queued, state.selectedId);
    if (h) state.selected = h;
    if (h && h.status) state.convStatus = str(h.status);
    renderConvHead();
    renderSummary();
  }

  function renderConvHead() {
    var h = state.selected;
    if (!h) return;
    var held = isMine(state.selectedId);
    var queued = !held && isQueued(state.selectedId);
    var status = held ? "人工处理中（我）" : queued ? "排队中" : HANDOFF_STATUS[state.convStatus] || state.convStatus || "已结束";
    if (queued && typeof h.position === "number") status += "（第 " + h.position + " 位）";
    var parts = [reasonOf(h), status];
    var agent = obj(h.agent);
    if (!held && agent.display_name) parts.push("接待客服：" + str(agent.display_name));
    if (h.created_at) parts.push("发起于 " + fmtTime(h.created_at));
    $("conv-title").textContent = channelName(h.channel) + "用户 · " + str(h.user_label);
    $("conv-title").title = "";
    $("conv-meta").textContent = parts.join(" · ");
    $("conv-claim").hidden = !queued;
    $("conv-return").hidden = $("conv-close").hidden = !held;
    renderComposer();
  }

  function renderComposer() {
    var held = isMine(state.selectedId);
    $("reply").disabled = !held;
    $("send").disabled = !held || state.sending;
    var why = { closed: "会话已结束", returned: "会话已转回机器人" }[state.convStatus] || "该会话不在你名下";
    $("composer-note").textContent = held ? "" : isQueued(state.selectedId) ? "接入后即可回复" : why + "，仅可查看";
  }

  // ---------------------------------------------------------------- transcript
  function fetchTranscript(signal) {
    var id = state.selectedId;
    if (id === null) return Promise.resolve();
    var path = handoffPath(id, "transcript") + "?after=" + encodeURIComponent(state.lastIndex);
    return api("GET", path, null, signal, true).then(function (res) {
      if (id !== state.selectedId) return;
      var data = expect(res, 200);
      var log = $("transcript");
      var first = state.lastIndex === -1;
      var stick = first || log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      list(data.events).forEach(function (event) { addEvent(event, false); });
      if (first && !log.querySelector("[data-index]")) {
        clear(log);
        log.appendChild(el("p", "transcript-note", "暂无聊天记录"));
      }
      if (stick) log.scrollTop = log.scrollHeight;
      if (data.status && str(data.status) !== state.convStatus) {
        state.convStatus = str(data.status);
        renderConvHead();
        queuePoller.poke();
      }
    });
  }

  /**
   * Insert one event in index order. Polled events move lastIndex on; an event from our own POST
   * does not, so events before it that the poll has not fetched yet are not skipped.
   */
  function addEvent(event, own) {
    var index = typeof event.index === "number" ? event.index : parseInt(event.index, 10);
    if (!isFinite(index) || state.seen[index]) return;
    state.seen[index] = true;
    if (!own && index > state.lastIndex) state.lastIndex = index;
    var log = $("transcript");
    each(log.querySelectorAll(".transcript-note"), function (note) { log.removeChild(note); });
    var node = eventNode(event);
    node.setAttribute("data-index", String(index));
    var after = log.lastElementChild;
    while (after && !(Number(after.getAttribute("data-index")) < index)) after = after.previousElementSibling;
    log.insertBefore(node, after ? after.nextSibling : log.firstChild);
  }

  function eventNode(event) {
    var kind = ["user", "bot", "agent", "system"].indexOf(event.kind) >= 0 ? event.kind : "system";
    var row = el("div", "ev ev-" + kind);
    if (kind === "system") {
      var line = row.appendChild(el("div", "ev-system-line"));
      line.appendChild(el("span", "ev-system-text", str(event.text)));
      line.appendChild(timeNode(event.at, "ev-time"));
      return row;
    }
    var who = { user: "用户", bot: "机器人" }[kind] || "人工·" + (str(event.agent_name) || "客服");
    var head = row.appendChild(el("div", "ev-head"));
    head.appendChild(el("span", "ev-who", who));
    head.appendChild(timeNode(event.at, "ev-time"));
    if (str(event.text)) row.appendChild(el("div", "ev-bubble", str(event.text)));
    if (/^[0-9a-f]{32}\.(jpg|png|webp)$/.test(str(event.photo))) {
      var link = row.appendChild(el("a", "ev-photo"));
      link.href = "api/photos/" + str(event.photo);
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      var image = link.appendChild(el("img"));
      image.src = link.href;
      image.alt = "用户发送的故障照片";
    }
    var buttons = list(event.buttons);
    if (!buttons.length) return row;
    var chips = row.appendChild(el("div", "ev-chips"));
    chips.setAttribute("role", "group");
    chips.setAttribute("aria-label", "机器人提供的按钮（仅展示）");
    buttons.forEach(function (b) {
      chips.appendChild(el("span", "chip", str(b.title))).setAttribute("aria-disabled", "true");
    });
    return row;
  }

  // ---------------------------------------------------------------- reply box
  var composing = false;

  function sendReply() {
    var box = $("reply");
    var text = box.value.trim();
    var id = state.selectedId;
    if (!text || state.sending || !isMine(id)) return;
    state.sending = true;
    renderComposer();
    post(handoffPath(id, "messages"), { text: text })
      .then(function (res) {
        if (res.status !== 201) {
          var why = { 409: MSG.notHeld + "，消息未发送", 400: "请输入回复内容" }[res.status];
          if (res.status === 409) queuePoller.poke();
          return toast(why || "发送失败，请重试", true);
        }
        if (res.data.delivered === false) toast("消息已记录，但未能送达用户", true);
        if (id !== state.selectedId) return void delete state.drafts[id];
        box.value = "";
        // An event without an index shows with the next poll, which is made at once.
        if (res.data.event) addEvent(obj(res.data.event), true);
        $("transcript").scrollTop = $("transcript").scrollHeight;
        transcriptPoller.poke();
      }, actionFailed)
      .then(function () {
        state.sending = false;
        renderComposer();
      });
  }

  function replyKeydown(event) {
    if (event.key !== "Enter" || event.shiftKey) return;
    // While an IME is composing, Enter confirms the candidate: never send then.
    if (event.isComposing || composing || event.keyCode === 229) return;
    event.preventDefault();
    sendReply();
  }

  // ---------------------------------------------------------------- summary
  function renderSummary() {
    var h = state.selected;
    var summary = obj(h && h.summary);
    var slots = obj(summary.slots);
    var sig = JSON.stringify([h && h.reason, h && h.reason_label, summary]);
    if (!h || sig === state.summarySig) return;
    state.summarySig = sig;
    $("summary-reason").textContent = reasonOf(h);
    fill($("summary-slots"), function (name) {
      var value = str(slots[name]);
      return name === "fault_category" || name === "service_type" ? optionName(name, value) : value;
    });
    renderOpenTickets(list(summary.tickets));
    renderLastMessages(list(summary.last_messages));
    if (!state.ticketDirty) fillTicketForm(slots);
  }

  function renderOpenTickets(tickets) {
    var ul = $("summary-tickets");
    clear(ul);
    if (!tickets.length) ul.appendChild(el("li", "muted", "无"));
    tickets.forEach(function (t) {
      var no = str(t.ticket_no);
      var li = ul.appendChild(el("li", "mini-ticket"));
      li.appendChild(button(no, "btn-link", function () { openTicket(no); }, "查看工单 " + no));
      li.appendChild(el("span", "status-pill", str(t.status_name || t.status)));
      var what = [t.device_name, t.fault_name].map(str).filter(Boolean).join(" · ");
      if (what) li.appendChild(el("span", "muted", what));
    });
  }

  function renderLastMessages(messages) {
    var ol = $("summary-messages");
    clear(ol);
    if (!messages.length) ol.appendChild(el("li", "muted", "无"));
    messages.forEach(function (m) {
      var user = m.from === "user";
      var li = ol.appendChild(el("li", user ? "last-user" : "last-bot"));
      li.appendChild(el("span", "last-from", user ? "用户：" : "机器人："));
      li.appendChild(document.createTextNode(str(m.text)));
    });
  }

  // ---------------------------------------------------------------- forms
  function clearErrors(form, messageNode) {
    each(form.querySelectorAll(".field-error"), function (node) {
      node.textContent = "";
      node.hidden = true;
    });
    each(form.querySelectorAll("[aria-invalid]"), function (node) { node.removeAttribute("aria-invalid"); });
    setMessage(messageNode, "");
  }

  /** Each 422 error next to its field; errors for fields the form lacks go to the message. */
  function showErrors(form, errors, messageNode) {
    clearErrors(form, messageNode);
    var rest = [];
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var slot = null;
      each(form.querySelectorAll("[data-error-for]"), function (node) {
        if (node.getAttribute("data-error-for") === name) slot = node;
      });
      var input = slot && form.elements.namedItem(name);
      if (!input) return void rest.push(str(errors[name]));
      slot.textContent = str(errors[name]);
      slot.hidden = false;
      slot.id = form.id + "-error-" + name;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", slot.id);
      first = first || input;
    });
    setMessage(messageNode, rest.length ? rest.join("；") : "请按提示修改标红的字段", "error");
    if (first) first.focus();
  }

  /** Select `value`, adding it as an option first when the list lacks it. */
  function setSelect(select, value) {
    each(select.querySelectorAll("option[data-extra]"), function (option) { select.removeChild(option); });
    if (value && !findOption(select, value)) {
      var option = select.appendChild(el("option", null, value));
      option.value = value;
      option.setAttribute("data-extra", "true");
    }
    select.value = value;
  }

  function formValues(form, names) {
    var values = {};
    names.forEach(function (name) { values[name] = form.elements.namedItem(name).value.trim(); });
    return values;
  }

  /**
   * POST values from a form. 422 errors go next to the fields, other failures to the form's
   * message; on an `ok` status the button stays disabled and done(data) decides. stale() drops an
   * answer that arrives after the agent moved on.
   */
  function sendForm(form, values, path, ok, stale, done) {
    var submit = form.querySelector("[type=submit]");
    var message = $(form.id + "-message");
    clearErrors(form, message);
    submit.disabled = true;
    post(path, values).then(
      function (res) {
        if (stale()) return;
        if (ok.indexOf(res.status) >= 0) return done(res.data);
        submit.disabled = false;
        if (res.status === 422) return showErrors(form, obj(res.data.errors), message);
        var text = { 404: "记录不存在", 409: MSG.notHeld + "，无法提交" }[res.status];
        setMessage(message, text || "提交失败，请稍后重试", "error");
      },
      function (err) {
        if (stale()) return;
        submit.disabled = false;
        setMessage(message, failureText(err), "error");
      }
    );
  }

  // ---------------------------------------------------------------- ticket from a chat
  function fillTicketForm(slots) {
    var form = $("ticket-form");
    TICKET_FIELDS.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input.tagName === "SELECT") setSelect(input, str(slots[name]));
      else input.value = str(slots[name]);
    });
    clearErrors(form, $("ticket-form-message"));
  }

  function resetTicketForm() {
    state.ticketDirty = false;
    $("ticket-result").hidden = true;
    $("ticket-submit").disabled = false;
    $("ticket-submit").textContent = "提交工单";
    fillTicketForm(state.selected ? obj(obj(state.selected.summary).slots) : {});
  }

  /** The agent's edits win over newer summaries; after a ticket was filed, an edit allows another. */
  function ticketEdited() {
    state.ticketDirty = true;
    if (!$("ticket-result").hidden && $("ticket-submit").disabled) {
      $("ticket-submit").disabled = false;
      $("ticket-submit").textContent = "再次提交";
    }
  }

  function submitTicket(event) {
    event.preventDefault();
    var id = state.selectedId;
    if (id === null || $("ticket-submit").disabled) return;
    $("ticket-result").hidden = true;
    state.ticketDirty = true; // a newer summary must not overwrite what is being submitted
    var stale = function () { return id !== state.selectedId; };
    var values = formValues($("ticket-form"), TICKET_FIELDS);
    sendForm($("ticket-form"), values, handoffPath(id, "ticket"), [201, 200], stale, function (data) {
      // 200 {created: false}: the server found this chat's ticket already filed.
      var text = data.created === false ? "该会话已有工单：" : "工单已创建：";
      $("ticket-result-label").textContent = text;
      $("ticket-result-no").textContent = str(data.ticket_no);
      $("ticket-result").hidden = false;
      $("ticket-submit").textContent = "已提交";
      toast(text + str(data.ticket_no));
    });
  }

  // ---------------------------------------------------------------- tickets tab
  function searchTickets(event) {
    if (event) event.preventDefault();
    var q = $("ticket-q").value.trim();
    var status = $("search-status");
    if (!q) return void (status.textContent = "请输入工单号、手机号或 IMEI");
    var token = ++state.searchToken;
    status.textContent = "正在查询…";
    api("GET", "api/tickets?q=" + encodeURIComponent(q))
      .then(function (res) {
        if (token !== state.searchToken) return;
        var tickets = list(expect(res, 200).tickets);
        renderTicketRows(tickets);
        status.textContent = tickets.length ? "共 " + tickets.length + " 条结果" : "未找到匹配的工单";
      })
      .catch(function (err) {
        if (token === state.searchToken) status.textContent = failureText(err, "查询失败，请稍后重试");
      });
  }

  function renderTicketRows(tickets) {
    var body = $("ticket-rows");
    clear(body);
    tickets.forEach(function (t) {
      var no = str(t.ticket_no);
      var row = body.appendChild(el("tr"));
      row.setAttribute("data-ticket", no);
      each([no, t.device_name, t.fault_name, t.status_name || t.status, t.phone_masked, t.serial_masked], function (v) {
        row.appendChild(el("td", null, str(v)));
      });
      row.appendChild(el("td")).appendChild(timeNode(t.created_at));
      var view = function (e) {
        e.stopPropagation();
        openTicket(no);
      };
      row.appendChild(el("td")).appendChild(button("查看", "btn-small", view, "查看工单 " + no));
      row.addEventListener("click", view);
    });
    $("ticket-table").hidden = !tickets.length;
    markSelectedRow();
  }

  function markSelectedRow() {
    each($("ticket-rows").children, function (row) {
      row.classList.toggle("is-selected", row.getAttribute("data-ticket") === state.ticketNo);
    });
  }

  function resetTicketsTab() {
    state.searchToken++;
    state.detailToken++;
    clear($("ticket-rows"));
    $("ticket-table").hidden = true;
    $("ticket-q").value = $("search-status").textContent = "";
    showTicketDetail(null);
  }

  function openTicket(no) {
    if (!no) return;
    setTab("tickets");
    var token = ++state.detailToken;
    if (no !== state.ticketNo || $("td").hidden) showTicketDetail("正在加载工单…");
    state.ticketNo = no;
    markSelectedRow();
    api("GET", "api/tickets/" + encodeURIComponent(no))
      .then(function (res) {
        if (token !== state.detailToken) return;
        if (res.status === 404) return showTicketDetail("工单 " + no + " 不存在");
        var data = expect(res, 200);
        renderTicketDetail(obj(data.ticket), list(data.statuses));
      })
      .catch(function (err) {
        if (token === state.detailToken) showTicketDetail(failureText(err, "工单加载失败，请稍后重试"));
      });
  }

  /** null: the empty state (no ticket selected); a string: that message instead of a detail. */
  function showTicketDetail(message) {
    $("td").hidden = true;
    $("td-empty").hidden = message !== null;
    $("td-message").hidden = message === null;
    $("td-message").textContent = message || "";
    if (message !== null) return;
    state.ticketNo = null;
    fill($("td-fields"), function () { return ""; });
    clear($("td-history"));
    markSelectedRow();
  }

  function renderTicketDetail(t, statuses) {
    var shown = {
      service_type: optionName("service_type", str(t.service_type)),
      contact_phone: t.contact_phone || t.phone_masked,
      serial_number: t.serial_number || t.serial_masked,
      created_at: fmtTime(t.created_at),
    };
    $("td-no").textContent = "工单 " + str(t.ticket_no);
    $("td-status").textContent = str(t.status_name || t.status);
    fill($("td-fields"), function (name) { return name in shown ? shown[name] : t[name]; });
    renderHistory(list(t.history));
    fillStatusForm(t, statuses);
    $("td-empty").hidden = $("td-message").hidden = true;
    $("td").hidden = false;
  }

  function renderHistory(history) {
    var ol = $("td-history");
    clear(ol);
    if (!history.length) ol.appendChild(el("li", "muted", "暂无记录"));
    history.forEach(function (step) {
      var li = ol.appendChild(el("li", "timeline-step"));
      var head = li.appendChild(el("div", "timeline-head"));
      head.appendChild(el("strong", null, str(step.status_name || step.status)));
      head.appendChild(timeNode(step.at, "muted"));
      if (step.changed_by) head.appendChild(el("span", "muted", "操作人：" + str(step.changed_by)));
      if (step.note) li.appendChild(el("p", "timeline-note", str(step.note)));
      var ship = [step.courier && "快递公司：" + str(step.courier), step.tracking_no && "快递单号：" + str(step.tracking_no)];
      if (step.courier || step.tracking_no) li.appendChild(el("p", "timeline-note", ship.filter(Boolean).join("　")));
    });
  }

  function fillStatusForm(t, statuses) {
    var form = $("status-form");
    var select = $("sf-status");
    clear(select);
    statuses.forEach(function (s) {
      select.appendChild(el("option", null, str(s.name || s.id))).value = str(s.id);
    });
    setSelect(select, str(t.status));
    each(["note", "tracking_no", "courier"], function (name) { form.elements.namedItem(name).value = ""; });
    clearErrors(form, $("status-form-message"));
    $("status-submit").disabled = false;
    toggleShipping();
  }

  /** Tracking number and courier only matter for shipped_back (and are sent blank otherwise). */
  function toggleShipping() {
    $("sf-shipping").hidden = $("sf-status").value !== SHIPPED_BACK;
  }

  function submitStatus(event) {
    event.preventDefault();
    var no = state.ticketNo;
    if (!no || $("status-submit").disabled) return;
    var values = formValues($("status-form"), STATUS_FIELDS);
    if (values.status !== SHIPPED_BACK) values.tracking_no = values.courier = "";
    var stale = function () { return no !== state.ticketNo; };
    var path = "api/tickets/" + encodeURIComponent(no) + "/status";
    sendForm($("status-form"), values, path, [200], stale, function () {
      toast("工单状态已更新");
      openTicket(no); // reloads the timeline and re-enables the form
      if (!$("ticket-table").hidden) searchTickets();
    });
  }

  // ---------------------------------------------------------------- wiring
  function wire() {
    var handlers = [
      ["login-form", "submit", login],
      ["logout", "click", logout],
      ["tab-chats", "click", function () { setTab("chats"); }],
      ["tab-tickets", "click", function () { setTab("tickets"); }],
      ["conv-claim", "click", function () { claim(state.selectedId, $("conv-claim")); }],
      ["conv-return", "click", function () { finish(state.selectedId, "return", "已转回机器人"); }],
      ["conv-close", "click", closeChat],
      ["composer", "submit", function (e) { e.preventDefault(); sendReply(); }],
      ["reply", "keydown", replyKeydown],
      ["reply", "compositionstart", function () { composing = true; }],
      // Some browsers deliver the Enter that ends a composition just after compositionend.
      ["reply", "compositionend", function () { setTimeout(function () { composing = false; }, 0); }],
      ["ticket-form", "submit", submitTicket],
      ["ticket-form", "input", ticketEdited],
      ["ticket-form", "change", ticketEdited],
      ["ticket-reset", "click", resetTicketForm],
      ["ticket-result-open", "click", function () { openTicket($("ticket-result-no").textContent); }],
      ["ticket-search", "submit", searchTickets],
      ["sf-status", "change", toggleShipping],
      ["status-form", "submit", submitStatus],
    ];
    handlers.forEach(function (h) { $(h[0]).addEventListener(h[1], h[2]); });
    each(["keydown", "pointerdown", "pointermove", "wheel", "touchstart"], function (name) {
      document.addEventListener(name, activity, { capture: true, passive: true });
    });
  }

  wire();
  boot();
})();
