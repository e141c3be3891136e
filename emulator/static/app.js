// The sandbox page: pick a persona, see their chat live from the emulator, act as them.
"use strict";

const $ = (id) => document.getElementById(id);
const GENERAL = 1; // the General topic's thread id

const view = {
  personas: [],
  chats: {},
  bot: null,
  persona: null,
  source: null,
  messages: new Map(), // message_id -> {message, edited}
  topics: [],
  keyboard: null,
  keyboardHidden: false,
  thread: GENERAL,
  seen: new Map(), // thread -> number of messages seen there
  editing: null,
  counts: {}, // chat id -> messages the bot has sent there (the activity stream)
  read: new Map(), // persona id -> the count they have seen
};

async function api(path, options) {
  const response = await fetch(`/sandbox/api${path}`, options);
  const data = await response.json();
  if (!data.ok) throw new Error(data.description || response.statusText);
  return data;
}

function post(path, body) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function words() {
  return chrome(view.persona ? view.persona.language : "en");
}

function isGroup() {
  return Boolean(view.persona && view.persona.kind === "staff");
}

function isForum() {
  const chat = view.persona && view.chats[view.persona.chat_id];
  return Boolean(chat && chat.is_forum);
}

// -- news for the other personas ---------------------------------------------------------
function unseen(persona) {
  const count = view.counts[persona.chat_id] || 0;
  return !(view.persona && view.persona.user_id === persona.user_id) &&
    count > (view.read.get(persona.user_id) || 0);
}

function markRead() {
  if (view.persona) view.read.set(view.persona.user_id, view.counts[view.persona.chat_id] || 0);
}

function follow() {
  const activity = new EventSource("/sandbox/api/activity");
  let first = true;
  activity.onmessage = (event) => {
    view.counts = JSON.parse(event.data);
    if (first) { // what was there before the page opened is not news
      for (const p of view.personas) view.read.set(p.user_id, view.counts[p.chat_id] || 0);
      first = false;
    }
    markRead();
    drawSwitcher();
  };
}

// -- the switcher ------------------------------------------------------------------------
function drawSwitcher() {
  const nav = $("switcher");
  nav.replaceChildren();
  const w = words();
  const groups = [["beneficiary", w.beneficiaries], ["staff", w.staff]];
  for (const [kind, title] of groups) {
    const people = view.personas.filter((p) => p.kind === kind);
    if (!people.length) continue;
    const box = el("div", { class: "persona-group" }, el("span", { class: "muted" }, title));
    for (const p of people) {
      box.append(el("button", {
        type: "button",
        class: `persona${view.persona && view.persona.user_id === p.user_id ? " current" : ""}`,
        "data-persona": p.user_id,
        "aria-pressed": view.persona && view.persona.user_id === p.user_id ? "true" : "false",
        onclick: () => choose(p.user_id),
      }, el("bdi", {}, p.name), p.role ? el("small", {}, ` · ${p.role}`) : "",
      unseen(p) ? el("span", { class: "dot", title: "new" }) : ""));
    }
    nav.append(box);
  }
}

function choose(userId) {
  const persona = view.personas.find((p) => p.user_id === Number(userId));
  if (!persona) return;
  if (view.source) view.source.close();
  Object.assign(view, {
    persona, messages: new Map(), topics: [], keyboard: null, keyboardHidden: false,
    thread: GENERAL, seen: new Map(), editing: null,
  });
  markRead();
  history.replaceState(null, "", `#persona=${persona.user_id}`);
  const root = document.documentElement;
  root.lang = persona.language;
  root.dir = persona.language === "ar" ? "rtl" : "ltr";
  document.body.dataset.kind = persona.kind;
  $("input").placeholder = words().placeholder;
  $("who-label").textContent = words().youAre;
  $("commands").hidden = true;
  $("toast").hidden = true; // the previous persona's
  drawSwitcher();
  drawAll();
  view.source = new EventSource(`/sandbox/api/personas/${persona.user_id}/stream?after=0`);
  view.source.onmessage = (event) => apply(JSON.parse(event.data));
}

// -- the chat's state, from the emulator's events --------------------------------------------
function apply(batch) {
  for (const event of batch.events) {
    const msg = event.message;
    const id = msg.message_id;
    if (event.kind === "delete") view.messages.delete(id);
    else if (event.kind === "edit" || event.kind === "user_edit") {
      view.messages.set(id, { message: msg, edited: true });
    } else view.messages.set(id, { message: msg, edited: false });
  }
  view.topics = batch.topics || [];
  if (view.thread !== GENERAL && !view.topics.some((t) => t.id === view.thread)) {
    view.thread = GENERAL; // the topic was deleted
  }
  view.keyboard = batch.keyboard || null;
  if (batch.events.some((e) => e.reply_keyboard)) view.keyboardHidden = false;
  drawAll();
}

function inThread(msg, thread) {
  if (!isForum()) return true;
  if (thread === GENERAL) return !msg.is_topic_message;
  return msg.message_thread_id === thread || msg.message_id === thread;
}

function drawAll() {
  if (!view.persona) return;
  drawHead();
  drawTopics();
  drawMessages();
  drawKeyboard();
}

function drawHead() {
  const chat = view.chats[view.persona.chat_id] || {};
  const w = words();
  if (isGroup()) {
    const topic = view.topics.find((t) => t.id === view.thread);
    $("chat-title").textContent = topic ? topic.name : chat.title || "";
    $("chat-sub").textContent = topic ? chat.title || "" : (isForum() ? w.general : "");
  } else {
    $("chat-title").textContent = view.bot ? view.bot.first_name : "";
    $("chat-sub").textContent = view.bot ? `${w.bot} · @${view.bot.username}` : w.bot;
  }
}

function drawTopics() {
  const aside = $("topics");
  aside.hidden = !isForum();
  if (aside.hidden) return;
  const w = words();
  const counts = new Map();
  const latest = new Map();
  for (const { message } of view.messages.values()) {
    const thread = message.is_topic_message ? message.message_thread_id : GENERAL;
    counts.set(thread, (counts.get(thread) || 0) + 1);
    latest.set(thread, Math.max(latest.get(thread) || 0, message.message_id));
  }
  view.seen.set(view.thread, counts.get(view.thread) || 0);
  const topics = [...view.topics].sort((a, b) => (latest.get(b.id) || b.id) - (latest.get(a.id) || a.id));
  const items = [{ id: GENERAL, name: w.general }, ...topics];
  aside.replaceChildren(...items.map((t) => {
    const unread = (counts.get(t.id) || 0) - (view.seen.get(t.id) || 0);
    return el("button", {
      type: "button",
      class: `topic${t.id === view.thread ? " current" : ""}`,
      "data-topic": t.id,
      onclick: () => { view.thread = t.id; view.editing = null; drawAll(); },
    },
    el("span", { class: "topic-icon" }, t.id === GENERAL ? "#" : (t.closed ? "🔒" : "💬")),
    el("bdi", { class: "topic-name" }, t.name),
    unread > 0 ? el("span", { class: "badge" }, String(unread)) : "");
  }));
}

function drawMessages() {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const ctx = {
    me: view.persona.user_id, lang: view.persona.language, group: isGroup(), actions,
  };
  const entries = [...view.messages.values()]
    .filter((e) => inThread(e.message, view.thread))
    .sort((a, b) => a.message.message_id - b.message.message_id);
  box.replaceChildren(...entries.map((e) => messageNode(e, ctx)));
  if (nearBottom || entries.length < 3) box.scrollTop = box.scrollHeight;
  const editing = $("editing");
  editing.hidden = !view.editing;
  if (view.editing) editing.querySelector("span").textContent = words().editing;
}

function drawKeyboard() {
  const board = $("reply-keyboard");
  const keyboard = view.keyboard;
  $("keyboard-toggle").hidden = !keyboard;
  board.hidden = !keyboard || view.keyboardHidden;
  if (board.hidden) return;
  board.replaceChildren(...keyboard.keyboard.map((row) => el("div", { class: "row" },
    ...row.map((b) => {
      const button = typeof b === "string" ? { text: b } : b;
      return el("button", { type: "button", class: "kbutton", dir: "auto", onclick: () => tap(button) }, button.text);
    }))));
}

// -- acting as the persona -----------------------------------------------------------------
const actions = {
  sendText(text) { return send({ text }); },
  press,
  startEdit(msg) {
    view.editing = msg.message_id;
    $("input").value = msg.text !== undefined ? msg.text : msg.caption || "";
    $("input").focus();
    drawMessages();
  },
};

function threadField() {
  return isForum() && view.thread !== GENERAL ? view.thread : null;
}

async function send(body) {
  try {
    await post(`/personas/${view.persona.user_id}/send`, { ...body, thread: threadField() });
  } catch (error) {
    toast(error.message);
  }
}

async function press(messageId, data) {
  try {
    const { answer } = await post(`/personas/${view.persona.user_id}/press`, { message_id: messageId, data });
    if (!answer) return;
    if (answer.url) window.open(answer.url, "_blank", "noopener");
    if (answer.text && answer.show_alert) showAlert(answer.text);
    else if (answer.text) toast(answer.text);
  } catch (error) {
    toast(error.message);
  }
}

function tap(button) {
  if (view.keyboard && view.keyboard.one_time_keyboard) view.keyboardHidden = true;
  drawKeyboard();
  if (button.request_contact) return send({ kind: "contact", phone_number: "+966500000000" });
  if (button.request_location) return send({ kind: "location", latitude: 24.7136, longitude: 46.6753 });
  return send({ text: button.text });
}

async function submit(event) {
  event.preventDefault();
  const input = $("input");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  if (view.editing) {
    const messageId = view.editing;
    view.editing = null;
    drawMessages();
    try {
      await post(`/personas/${view.persona.user_id}/edit`, { message_id: messageId, text });
    } catch (error) {
      toast(error.message);
    }
    return;
  }
  await send({ text });
}

async function upload() {
  const file = $("file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  const caption = $("input").value.trim();
  if (caption) form.append("caption", caption);
  const thread = threadField();
  if (thread) form.append("thread", String(thread));
  $("input").value = "";
  $("file").value = "";
  try {
    await api(`/personas/${view.persona.user_id}/upload`, { method: "POST", body: form });
  } catch (error) {
    toast(error.message);
  }
}

async function toggleCommands() {
  const box = $("commands");
  if (!box.hidden) { box.hidden = true; return; }
  const { commands } = await api(`/personas/${view.persona.user_id}/commands`);
  box.replaceChildren(...(commands.length ? commands.map((c) => el("button", {
    type: "button", class: "command-item", "data-command": c.command,
    onclick: () => { box.hidden = true; send({ text: `/${c.command}` }); },
  }, el("bdi", { class: "command-name", dir: "ltr" }, `/${c.command}`), " ", el("span", { dir: "auto" }, c.description)))
    : [el("div", { class: "muted" }, words().noCommands)]));
  box.hidden = false;
}

function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 4000);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
}

async function start() {
  $("composer").addEventListener("submit", submit);
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) submit(event);
  });
  $("file").addEventListener("change", upload);
  $("menu-button").addEventListener("click", toggleCommands);
  $("keyboard-toggle").addEventListener("click", () => { view.keyboardHidden = !view.keyboardHidden; drawKeyboard(); });
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  $("cancel-edit").addEventListener("click", () => { view.editing = null; $("input").value = ""; drawMessages(); });
  const data = await api("/personas");
  Object.assign(view, { personas: data.personas, chats: data.chats, bot: data.bot });
  const wanted = /persona=(-?\d+)/.exec(location.hash);
  const known = wanted && view.personas.some((p) => p.user_id === Number(wanted[1]));
  if (known) choose(wanted[1]);
  else if (view.personas.length) choose(view.personas[0].user_id);
  follow();
}

start();
