// The sandbox page: the young person's chat on the left, the consultants' group on the right.
// It only talks to the sandbox's control API; the bot itself is a separate process.
"use strict";

let seq = -1;
let state = null;
let topic = null; // message_thread_id shown in the staff pane; null = the general topic

const $ = (id) => document.getElementById(id);

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

function bubble(message, mine, onPress) {
  const div = document.createElement("div");
  div.className = "bubble" + (mine ? " mine" : "") + (message.service ? " service" : "");
  div.dataset.messageId = message.message_id;
  if (!mine && !message.from_bot) {
    const sender = document.createElement("div");
    sender.className = "sender";
    sender.textContent = message.sender;
    div.append(sender);
  }
  const body = document.createElement("div");
  if (message.service) body.textContent = message.service;
  else if (message.media) body.textContent = "[" + message.media + "] " + message.text;
  else body.innerHTML = message.html; // made safe by the sandbox: text escaped, known tags only
  div.append(body);
  if (message.edited) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = " redigeret";
    div.append(edited);
  }
  if (message.buttons.length && onPress) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "row";
      for (const button of row) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = button.text;
        b.addEventListener("click", () => onPress(message, button));
        line.append(b);
      }
      keyboard.append(line);
    }
    div.append(keyboard);
  }
  return div;
}

function fill(container, messages, isMine, onPress, emptyText) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  container.replaceChildren();
  for (const m of messages) container.append(bubble(m, isMine(m), onPress));
  if (!messages.length && emptyText) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = emptyText;
    container.append(p);
  }
  if (atBottom || seq < 3) container.scrollTop = container.scrollHeight;
}

function renderChat() {
  $("user-name").textContent = state.user.first_name;
  fill($("chat"), state.chat, (m) => !m.from_bot,
    (message, button) => post("/sandbox/press", {
      user_id: state.user.id, message_id: message.message_id, data: button.data }),
    "Skriv /start for at begynde.");
  const commands = $("commands");
  commands.replaceChildren();
  for (const c of state.commands) {
    const b = document.createElement("button");
    b.type = "button";
    const code = document.createElement("code");
    code.textContent = "/" + c.command;
    b.append(code, " " + c.description);
    b.addEventListener("click", () => { commands.hidden = true; sendText("/" + c.command); });
    commands.append(b);
  }
}

function renderStaff() {
  const staff = state.staff;
  $("staff-title").textContent = staff.title;
  const topics = $("topics");
  topics.replaceChildren();
  const entries = [{ message_thread_id: null, name: "Generelt", closed: false }, ...staff.topics];
  for (const t of entries) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = t.name + (t.closed ? " (lukket)" : "");
    if (t.closed) b.classList.add("closed");
    if (t.message_thread_id === topic) b.classList.add("active");
    b.addEventListener("click", () => { topic = t.message_thread_id; renderStaff(); });
    topics.append(b);
  }
  const select = $("consultant");
  if (!select.options.length) {
    for (const c of staff.consultants) {
      const o = document.createElement("option");
      o.value = c.id;
      o.textContent = "som " + c.first_name;
      select.append(o);
    }
  }
  const shown = staff.messages.filter((m) => (m.thread ?? null) === topic);
  fill($("staff-messages"), shown, (m) => !m.from_bot && String(m.sender) === select.selectedOptions[0]?.textContent.slice(4),
    (message, button) => post("/sandbox/press", {
      user_id: Number(select.value), chat_id: staff.id, message_id: message.message_id,
      data: button.data }),
    "Ingen beskeder i dette emne endnu.");
}

function sendText(text) {
  if (!text.trim()) return;
  post("/sandbox/send", { user_id: state.user.id, text });
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  sendText($("text").value);
  $("text").value = "";
});
$("menu-button").addEventListener("click", () => { $("commands").hidden = !$("commands").hidden; });
$("attach-button").addEventListener("click", () => {
  post("/sandbox/send", { user_id: state.user.id, media: "photo" });
});
$("staff-composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("staff-text").value;
  if (!text.trim()) return;
  const body = { user_id: Number($("consultant").value), chat_id: state.staff.id, text };
  if (topic !== null) body.thread = topic;
  post("/sandbox/send", body);
  $("staff-text").value = "";
});

async function poll() {
  for (;;) {
    try {
      const response = await fetch("/sandbox/state?after=" + seq);
      state = await response.json();
      seq = state.seq;
      renderChat();
      renderStaff();
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

poll();
