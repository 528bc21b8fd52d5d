/*
 * 售后助手 web chat widget. A brand embeds it with one tag:
 *
 *   <script src="https://RASA_HOST/webhooks/socketio/widget.js" data-title="一加 售后服务" defer></script>
 *
 * Optional attributes: data-title, data-subtitle, data-color (accent), data-open="true" (start
 * open), data-storage-key (localStorage prefix), data-photo-message (text sent with a photo),
 * data-transports (socket.io transports in order of preference, default "websocket,polling").
 *
 * Transport: socket.io's official client (npm socket.io-client, served by the channel from
 * node_modules) talking to Rasa's socket.io channel with session persistence. The server answers
 * session_request with a session token it signed ("<session id>.<issued>.<signature>"): the widget
 * keeps it and a transcript of the conversation in localStorage, sends it back to resume the same
 * Rasa conversation after a reload, with every message, and in the form of photo uploads. Photos
 * are shown through short-lived signed links the server gives the session (the token itself never
 * sits in a URL). Cross-origin requests are "simple" (form bodies, no custom header): Rasa's CORS
 * layer answers preflights before the widget's routes could. Every text is rendered with
 * textContent / createTextNode: no user or bot text ever reaches innerHTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__shouhouChatWidget) return;
  window.__shouhouChatWidget = true;

  var base = new URL(".", script.src).href; // .../webhooks/socketio/
  var data = script.dataset;
  var cfg = {
    server: new URL(script.src).origin,
    socketPath: data.socketPath || "/socket.io",
    title: data.title || "售后服务",
    subtitle: data.subtitle || "智能客服 · 7×24 小时在线",
    color: data.color || "",
    open: data.open === "true",
    storageKey: data.storageKey || "shouhou-chat",
    photoMessage: data.photoMessage || "/send_photo",
    // A websocket first: one connection stays with one of the server's worker processes, which
    // keep Engine.IO sessions in memory. Long-polling (a series of requests) is the fallback for
    // networks that block websockets; it is reliable only with a single Rasa worker (docs/operations.md).
    transports: (data.transports || "websocket,polling").split(","),
  };
  var MAX_INPUT = 500;
  var MAX_PHOTO_BYTES = 8 * 1024 * 1024;
  var MAX_TRANSCRIPT = 300;
  var PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  var PHOTO_ID_RE = /^[0-9a-f]{32}$/;
  var URL_RE = /(https?:\/\/[^\s<>"'，。！？；、（）]+)/g;

  // ---------------------------------------------------------------- storage
  var store = {
    get: function (name, fallback) {
      try {
        var raw = window.localStorage.getItem(cfg.storageKey + ":" + name);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback;
      }
    },
    set: function (name, value) {
      try {
        window.localStorage.setItem(cfg.storageKey + ":" + name, JSON.stringify(value));
      } catch (e) {
        /* private mode or quota: the widget still works, without history */
      }
    },
  };
  var sessionToken = store.get("token", null);
  if (typeof sessionToken !== "string") sessionToken = null;
  // an older widget kept an unsigned id under "session": its history goes with it
  var sessionId = sessionToken ? sessionOf(sessionToken) : store.get("session", null);
  var transcript = store.get("transcript", []);
  if (!Array.isArray(transcript)) transcript = [];

  /** The session id inside a signed token "<session id>.<issued>.<signature>". */
  function sessionOf(token) {
    var parts = String(token).split(".");
    return parts.length >= 3 ? parts.slice(0, -2).join(".") : null;
  }

  function saveTranscript() {
    if (transcript.length > MAX_TRANSCRIPT) transcript = transcript.slice(-MAX_TRANSCRIPT);
    store.set("transcript", transcript);
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value), base);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Text with http(s) links made clickable; only text nodes and <a> elements are created. */
  function richText(text) {
    var frag = document.createDocumentFragment();
    var parts = String(text).split(URL_RE);
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      var href = i % 2 === 1 ? safeUrl(parts[i]) : null;
      if (href) {
        var a = el("a", "sh-link", parts[i]);
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        frag.appendChild(a);
      } else {
        frag.appendChild(document.createTextNode(parts[i]));
      }
    }
    return frag;
  }

  // ---------------------------------------------------------------- layout (shadow DOM)
  var host = el("div");
  host.id = "shouhou-chat-widget";
  if (cfg.color) host.style.setProperty("--sh-accent", cfg.color);
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  root.appendChild(css);
  // The history is rendered before the stylesheet applies: scroll to the end once it has.
  css.addEventListener("load", function () {
    scrollDown();
  });

  var launcher = el("button", "sh-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "打开在线客服");
  launcher.appendChild(el("span", "sh-launcher-icon", "💬"));
  launcher.appendChild(el("span", "sh-launcher-text", "在线客服"));

  var panel = el("section", "sh-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", cfg.title);
  panel.hidden = true;

  var header = el("header", "sh-header");
  var heading = el("div", "sh-heading");
  heading.appendChild(el("div", "sh-title", cfg.title));
  var sub = el("div", "sh-subtitle");
  var dot = el("span", "sh-dot");
  var statusText = el("span", "sh-status", "连接中…");
  sub.appendChild(dot);
  sub.appendChild(statusText);
  sub.appendChild(document.createTextNode(" · " + cfg.subtitle));
  heading.appendChild(sub);
  var resetBtn = el("button", "sh-icon-btn sh-reset", "新对话");
  resetBtn.type = "button";
  resetBtn.title = "清空记录，开始新的对话";
  var closeBtn = el("button", "sh-icon-btn sh-close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "收起");
  header.appendChild(heading);
  header.appendChild(resetBtn);
  header.appendChild(closeBtn);

  var log = el("div", "sh-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");

  var typing = el("div", "sh-typing");
  typing.hidden = true;
  typing.setAttribute("aria-label", "客服正在输入");
  typing.appendChild(el("span", "sh-typing-dot"));
  typing.appendChild(el("span", "sh-typing-dot"));
  typing.appendChild(el("span", "sh-typing-dot"));
  typing.appendChild(el("span", "sh-typing-text", "正在输入…"));

  var form = el("form", "sh-composer");
  var photoBtn = el("button", "sh-photo", "📷");
  photoBtn.type = "button";
  photoBtn.title = "上传故障照片";
  photoBtn.setAttribute("aria-label", "上传故障照片");
  var fileInput = el("input", "sh-file");
  fileInput.type = "file";
  fileInput.accept = PHOTO_TYPES.join(",");
  fileInput.hidden = true;
  var input = el("textarea", "sh-input");
  input.rows = 1;
  input.maxLength = MAX_INPUT;
  input.placeholder = "请输入您的问题，如：我要报修";
  input.setAttribute("aria-label", "输入消息");
  var sendBtn = el("button", "sh-send", "发送");
  sendBtn.type = "submit";
  form.appendChild(photoBtn);
  form.appendChild(fileInput);
  form.appendChild(input);
  form.appendChild(sendBtn);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ---------------------------------------------------------------- rendering
  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function renderEntry(entry, index) {
    var row = el("div", "sh-row sh-row-" + (entry.from === "user" ? "user" : entry.from));
    var bubble = el("div", "sh-msg sh-" + entry.from);
    if (entry.text) bubble.appendChild(richText(entry.text));
    var src = entry.image ? safeUrl(entry.image) : null;
    if (entry.photo && PHOTO_ID_RE.test(entry.photo)) {
      bubble.appendChild(ownPhoto(entry.photo));
    } else if (src) {
      var link = el("a", "sh-image-link");
      link.href = src;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      var img = el("img", "sh-image");
      img.src = src;
      img.alt = entry.from === "user" ? "您上传的照片" : "图片";
      img.loading = "lazy";
      img.addEventListener("load", scrollDown);
      link.appendChild(img);
      bubble.appendChild(link);
    }
    row.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", "sh-buttons");
      group.setAttribute("role", "group");
      entry.buttons.forEach(function (button) {
        var b = el("button", "sh-button", button.title);
        b.type = "button";
        b.disabled = !!entry.used;
        b.addEventListener("click", function () {
          choose(index, button, group);
        });
        group.appendChild(b);
      });
      row.appendChild(group);
    }
    return row;
  }

  // The user's own photos, through signed links that expire: a fresh one on each rendering.
  var photoLinks = {};
  function ownPhoto(photoId) {
    var link = el("a", "sh-image-link");
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    var img = el("img", "sh-image");
    img.alt = "您上传的照片";
    img.setAttribute("data-photo-id", photoId);
    img.addEventListener("load", scrollDown);
    link.appendChild(img);
    function show(url) {
      var src = safeUrl(url);
      if (!src) return;
      img.src = src;
      link.href = src;
    }
    if (photoLinks[photoId]) {
      show(photoLinks[photoId]);
      delete photoLinks[photoId]; // used once: the next rendering asks again
      return link;
    }
    var body = new URLSearchParams();
    body.append("session_id", sessionToken || "");
    fetch(base + "uploads/" + photoId + "/link", { method: "POST", body: body })
      .then(function (response) {
        if (!response.ok) throw new Error("photo " + response.status);
        return response.json();
      })
      .then(function (json) {
        show(json.url);
      })
      .catch(function () {
        link.replaceWith(el("span", "sh-image-missing", "（照片已无法显示）"));
      });
    return link;
  }

  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    if (!transcript.length) {
      log.appendChild(
        renderEntry({ from: "system", text: "您好，这里是" + cfg.title + "。可以直接描述手机的问题，例如“我要报修”“查询维修进度”。" }, -1)
      );
    }
    transcript.forEach(function (entry, i) {
      log.appendChild(renderEntry(entry, i));
    });
    scrollDown();
  }

  function add(entry) {
    transcript.push(entry);
    saveTranscript();
    if (transcript.length === 1) {
      renderAll();
    } else {
      log.appendChild(renderEntry(entry, transcript.length - 1));
      scrollDown();
    }
  }

  function notice(text) {
    log.appendChild(renderEntry({ from: "system", text: text }, -1));
    scrollDown();
  }

  var typingTimer = null;
  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) {
      typingTimer = setTimeout(function () {
        typing.hidden = true;
      }, 30000);
    }
    scrollDown();
  }

  // ---------------------------------------------------------------- conversation
  var socket = null;
  var connected = false;

  function setStatus(state) {
    connected = state === "online";
    dot.className = "sh-dot sh-dot-" + state;
    statusText.textContent = { online: "在线", connecting: "连接中…", offline: "已断开，正在重连…" }[state];
    sendBtn.disabled = !connected;
    photoBtn.disabled = !connected;
  }

  function newMessageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function emit(text, metadata) {
    if (!socket || !sessionToken) return false;
    // A fresh id per message: the server processes a replayed message only once.
    var payload = { message: text, session_id: sessionToken, message_id: newMessageId() };
    if (metadata) payload.metadata = metadata;
    socket.emit("user_uttered", payload);
    setTyping(true);
    return true;
  }

  function sendText(text) {
    text = String(text || "").trim().slice(0, MAX_INPUT);
    if (!text || !connected) return;
    add({ from: "user", text: text });
    emit(text);
  }

  function choose(index, button, group) {
    if (!connected || index < 0 || transcript[index].used) return;
    transcript[index].used = true;
    saveTranscript();
    group.querySelectorAll(".sh-button").forEach(function (b) {
      b.disabled = true;
    });
    add({ from: "user", text: button.title });
    emit(button.payload);
  }

  function onBotMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    setTyping(false);
    var entry = { from: "bot" };
    if (typeof msg.text === "string") entry.text = msg.text;
    var buttons = msg.quick_replies || msg.buttons;
    if (Array.isArray(buttons)) {
      entry.buttons = buttons
        .filter(function (b) {
          return b && typeof b.title === "string" && typeof b.payload === "string";
        })
        .map(function (b) {
          return { title: b.title, payload: b.payload };
        });
    }
    var att = msg.attachment;
    if (att && att.type === "image" && att.payload && att.payload.src) entry.image = att.payload.src;
    if (typeof msg.image === "string") entry.image = msg.image;
    if (entry.text || entry.image || (entry.buttons && entry.buttons.length)) add(entry);
  }

  function uploadPhoto(file) {
    if (!file) return;
    if (PHOTO_TYPES.indexOf(file.type) < 0) {
      notice("仅支持 JPG、PNG、WebP 格式的照片。");
      return;
    }
    if (file.size > MAX_PHOTO_BYTES) {
      notice("照片不能超过 8 MB，请压缩后再试。");
      return;
    }
    var body = new FormData();
    body.append("session_id", sessionToken || ""); // before the photo: checked first
    body.append("photo", file);
    photoBtn.disabled = true;
    fetch(base + "upload", { method: "POST", body: body })
      .then(function (response) {
        return response.json().then(function (json) {
          if (response.status !== 201) throw new Error(json.error || "upload failed");
          return json;
        });
      })
      .then(function (json) {
        if (!PHOTO_ID_RE.test(String(json.id))) throw new Error("bad answer");
        photoLinks[json.id] = base + json.url;
        add({ from: "user", text: "[故障照片]", photo: json.id });
        emit(cfg.photoMessage, { photo_id: json.id });
      })
      .catch(function () {
        notice("照片上传失败，请稍后再试。");
      })
      .then(function () {
        photoBtn.disabled = !connected;
        fileInput.value = "";
      });
  }

  function connect() {
    setStatus("connecting");
    socket = window.io(cfg.server, {
      path: cfg.socketPath,
      transports: cfg.transports,
      tryAllTransports: true, // fall back to the next transport when one cannot connect
    });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: sessionToken });
    });
    socket.on("session_confirm", function (token) {
      var id = typeof token === "string" ? sessionOf(token) : null;
      if (!id) return;
      if (sessionId && id !== sessionId) {
        transcript = []; // the server started a new conversation
        saveTranscript();
        renderAll();
      }
      sessionId = id;
      sessionToken = token; // signed anew at every connection
      store.set("token", token);
      store.set("session", id);
      setStatus("online");
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      setStatus("offline");
      setTyping(false);
    });
    socket.on("connect_error", function () {
      setStatus("offline");
    });
  }

  // ---------------------------------------------------------------- events
  function openPanel(open) {
    panel.hidden = !open;
    launcher.hidden = open;
    store.set("open", open);
    if (open) {
      scrollDown();
      input.focus();
    }
  }

  launcher.addEventListener("click", function () {
    openPanel(true);
  });
  closeBtn.addEventListener("click", function () {
    openPanel(false);
  });
  resetBtn.addEventListener("click", function () {
    transcript = [];
    saveTranscript();
    sessionId = null;
    sessionToken = null;
    store.set("session", null);
    store.set("token", null);
    renderAll();
    // A new socket leaves the old session's room, then asks for a fresh session id.
    if (socket) {
      socket.disconnect();
      setStatus("connecting");
      socket.connect();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendText(input.value);
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : sendBtn.click();
    }
  });
  photoBtn.addEventListener("click", function () {
    fileInput.click();
  });
  fileInput.addEventListener("change", function () {
    uploadPhoto(fileInput.files && fileInput.files[0]);
  });

  renderAll();
  setStatus("connecting");
  openPanel(cfg.open || store.get("open", false) === true);

  function start() {
    if (typeof window.io !== "function") {
      setStatus("offline");
      notice("客服暂时无法连接，请稍后再试。");
      return;
    }
    connect();
  }
  if (typeof window.io === "function") {
    start();
  } else {
    var client = document.createElement("script");
    client.src = base + "vendor/socket.io.min.js";
    client.async = true;
    client.onload = start;
    client.onerror = start;
    document.head.appendChild(client);
  }
})();
