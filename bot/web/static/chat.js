// SSP Ballerup's web chat. The conversation is held by a random token kept only in this tab
// (sessionStorage: closing the tab ends it); the server knows only a keyed hash of it.
// No cookies, no outside scripts. Messages arrive as server-sent events over fetch (so the
// token travels in a header, never in a URL), each with an id: shown once, never lost.
(function () {
  "use strict";

  var KEY = "ssp-chat";
  var labels = document.getElementById("labels").dataset;
  var log = document.getElementById("log");
  var statusLine = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var exitLink = document.getElementById("exit");
  var state = load();
  var flushing = false;
  var ackTimer = null;
  var stream = null;
  var wakeListener = null;

  function newToken() {
    var bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(KEY));
      if (saved && saved.token) { return saved; }
    } catch (ignored) { /* a fresh start */ }
    return { token: newToken(), seq: 0, lastId: 0, shown: [], pending: [] };
  }

  function save() {
    window.sessionStorage.setItem(KEY, JSON.stringify(state));
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function say(text) {
    statusLine.textContent = text || "";
    statusLine.hidden = !text;
  }

  // --- showing messages: Telegram's small HTML, rebuilt from allowed parts only ------------

  var ALLOWED = { B: "strong", STRONG: "strong", I: "em", EM: "em", U: "u", INS: "u", S: "s",
    DEL: "s", STRIKE: "s", CODE: "code", PRE: "pre", BLOCKQUOTE: "blockquote", A: "a" };

  function rebuild(source, target) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(document.createTextNode(node.textContent));
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) { return; }
      var name = ALLOWED[node.tagName];
      if (!name) { rebuild(node, target); return; }
      var element = document.createElement(name);
      if (name === "a") {
        var href = node.getAttribute("href") || "";
        if (!/^https?:\/\//i.test(href)) { rebuild(node, target); return; }
        element.href = href;
        element.rel = "noopener noreferrer";
        element.target = "_blank";
      }
      rebuild(node, element);
      target.appendChild(element);
    });
  }

  function bubble(kind) {
    var element = document.createElement("div");
    element.className = "msg " + kind;
    log.appendChild(element);
    return element;
  }

  function render(message) {
    if (message.me !== undefined) {
      bubble("me").textContent = message.me;
      return;
    }
    var element = bubble("bot");
    if (message.id) { element.dataset.id = String(message.id); }
    var body = document.createElement("div");
    body.className = "text";
    rebuild(new DOMParser().parseFromString(message.text, "text/html").body, body);
    element.appendChild(body);
    (message.buttons || []).forEach(function (row) {
      var line = document.createElement("div");
      line.className = "buttons";
      row.forEach(function (button) {
        var press = document.createElement("button");
        press.type = "button";
        press.textContent = button.label;
        press.addEventListener("click", function () {
          act("choice", button.choice, message.step, button.label);
        });
        line.appendChild(press);
      });
      element.appendChild(line);
    });
  }

  function onlyLastButtons() {
    var messages = log.querySelectorAll(".msg.bot");
    messages.forEach(function (message, index) {
      message.querySelectorAll("button").forEach(function (button) {
        button.disabled = index !== messages.length - 1;
      });
    });
  }

  function show(message) {
    render(message);
    onlyLastButtons();
    window.scrollTo(0, document.body.scrollHeight);
  }

  // --- what the person does: numbered, kept until the server has it --------------------

  function act(kind, value, step, echo) {
    state.seq += 1;
    state.pending.push({ seq: state.seq, kind: kind, value: value, step: step });
    if (echo) {
      var mine = { me: echo };
      state.shown.push(mine);
      show(mine);
    }
    save();
    flush();
  }

  function headers(json) {
    var result = { "X-Chat-Token": state.token };
    if (json) { result["Content-Type"] = "application/json"; }
    return result;
  }

  async function flush() {
    if (flushing) { return; }
    flushing = true;
    var wait = 500;
    try {
      while (state.pending.length) {
        var action = state.pending[0];
        var response;
        try {
          response = await fetch("/api/action", { method: "POST", headers: headers(true),
            body: JSON.stringify(action), cache: "no-store" });
        } catch (offline) {
          say(labels.reconnecting);
          await sleep(wait);
          wait = Math.min(wait * 2, 10000);
          continue;
        }
        if (response.status === 429) {
          say(labels.tooFast);
          await sleep(2000);
          continue;
        }
        if (!response.ok) { say(response.status === 413 ? labels.tooLong : labels.failed); }
        else { say(""); }
        state.pending.shift();
        save();
      }
    } finally {
      flushing = false;
    }
  }

  // --- what the server sends: a stream of numbered messages ------------------------------

  function handle(block) {
    var id = null;
    var data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("id: ") === 0) { id = parseInt(line.slice(4), 10); }
      else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
    });
    if (id === null || !(id > state.lastId)) { return; }
    var message = JSON.parse(data);
    message.id = id;
    state.lastId = id;
    if (message.kind === "hide") { quickExit(false); return; }
    state.shown.push(message);
    save();
    show(message);
    acknowledge();
  }

  function acknowledge() {
    if (ackTimer) { return; }
    ackTimer = setTimeout(function () {
      ackTimer = null;
      fetch("/api/ack", { method: "POST", headers: headers(true),
        body: JSON.stringify({ upto: state.lastId }) }).catch(function () {});
    }, 300);
  }

  async function listen() {
    var wait = 1000;
    for (;;) {
      stream = new AbortController();
      var quiet = null;
      try {
        var response = await fetch("/api/events?after=" + state.lastId,
          { headers: headers(false), cache: "no-store", signal: stream.signal });
        if (!response.ok || !response.body) { throw new Error("stream " + response.status); }
        if (statusLine.textContent === labels.reconnecting || statusLine.textContent ===
            labels.connecting) { say(""); }
        wait = 1000;
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        var current = stream;
        var watch = function () {  // no word from the server for a while: the line is dead
          clearTimeout(quiet);
          quiet = setTimeout(function () { current.abort(); }, 40000);
        };
        watch();
        for (;;) {
          var part = await reader.read();
          if (part.done) { break; }
          watch();
          buffer += decoder.decode(part.value, { stream: true });
          var end = buffer.indexOf("\n\n");
          while (end >= 0) {
            handle(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf("\n\n");
          }
        }
        clearTimeout(quiet);
        continue;  // the server ends a stream now and then; the next one starts at once
      } catch (lost) {
        clearTimeout(quiet);
        say(labels.reconnecting);
      }
      await new Promise(function (resolve) {
        wakeListener = resolve;
        setTimeout(resolve, wait);
      });
      wakeListener = null;
      wait = Math.min(wait * 2, 10000);
    }
  }

  window.addEventListener("offline", function () {
    say(labels.reconnecting);
    if (stream) { stream.abort(); }
  });
  window.addEventListener("online", function () {
    if (wakeListener) { wakeListener(); }
    flush();
  });

  // --- quick exit: always one tap away -----------------------------------------------------

  function quickExit(tellServer) {
    var token = state.token;
    if (tellServer) {
      try {
        fetch("/api/exit", { method: "POST", keepalive: true,
          headers: { "X-Chat-Token": token } });
      } catch (ignored) { /* the page goes anyway */ }
    }
    window.sessionStorage.clear();
    document.title = "";
    document.body.replaceChildren();
    window.location.replace(labels.exitUrl);
  }

  exitLink.addEventListener("click", function (event) {
    event.preventDefault();
    quickExit(true);
  });

  // --- writing --------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value.trim();
    if (!value) { return; }
    input.value = "";
    act("text", value, null, value);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // --- start ------------------------------------------------------------------------------

  form.hidden = false;
  state.shown.forEach(render);
  onlyLastButtons();
  if (!state.shown.length && !state.pending.length) {
    say(labels.connecting);
    var audience = new URLSearchParams(window.location.search).get("for") || "";
    act("text", /^[A-Za-z0-9_-]{1,32}$/.test(audience) ? "/start " + audience : "/start", null,
      null);
  }
  save();
  flush();
  listen();
}());
