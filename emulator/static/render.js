// Drawing Telegram messages as DOM nodes. Text is never parsed as HTML: the emulator has
// already turned the bot's HTML into text + entities (as Telegram does), and each entity
// becomes one of the few elements Telegram itself shows (b, i, u, s, code, pre, a,
// spoiler, blockquote). Every piece of text goes in as a text node.
"use strict";

const CHROME = {
  ar: {
    placeholder: "رسالة", edited: "مُعدّلة", general: "عام", topicCreated: "أُنشئ الموضوع",
    topicClosed: "أُغلق الموضوع", topicReopened: "أُعيد فتح الموضوع", joined: "انضم",
    left: "غادر", beneficiaries: "المستفيدون", staff: "فريق العمل", youAre: "أنت الآن:",
    bot: "بوت", editing: "تعديل الرسالة", menu: "الأوامر", photo: "صورة", location: "موقع",
    contact: "جهة اتصال", voice: "رسالة صوتية", sticker: "ملصق", service: "رسالة خدمة",
    members: "أعضاء", private: "محادثة خاصة", noCommands: "لا أوامر",
  },
  en: {
    placeholder: "Message", edited: "edited", general: "General", topicCreated: "Topic created",
    topicClosed: "Topic closed", topicReopened: "Topic reopened", joined: "joined",
    left: "left", beneficiaries: "Beneficiaries", staff: "Staff", youAre: "You are:",
    bot: "bot", editing: "Editing message", menu: "Commands", photo: "Photo",
    location: "Location", contact: "Contact", voice: "Voice message", sticker: "Sticker",
    service: "Service message", members: "members", private: "private chat",
    noCommands: "No commands",
  },
};

function chrome(lang) {
  return CHROME[lang] || CHROME.en;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

const SAFE_LINK = /^(https?:|tg:|mailto:|tel:)/i;

function entityNode(entity, slice, actions) {
  switch (entity.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre", { "data-language": entity.language });
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "spoiler":
      return el("span", {
        class: "spoiler",
        onclick: (event) => event.currentTarget.classList.add("revealed"),
      });
    case "text_link":
    case "url": {
      const href = entity.type === "url" ? slice : entity.url || "";
      const safe = SAFE_LINK.test(href) ? href : null;
      return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" });
    }
    case "bot_command":
      return el("span", { class: "command", onclick: () => actions.sendText(slice) });
    default:
      return el("span", { class: `entity-${entity.type}` });
  }
}

// Append `text` with its entities (UTF-16 offsets, which are JavaScript string indexes).
function appendFormatted(parent, text, entities, actions) {
  const sorted = (entities || [])
    .filter((e) => e.length > 0)
    .map((e) => ({ ...e }))
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(parent, text, sorted, 0, text.length, actions);
}

function build(parent, text, entities, start, end, actions) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const outer = entities[i];
    const from = Math.max(outer.offset, pos);
    const to = Math.min(outer.offset + outer.length, end);
    i += 1;
    if (from >= to) continue;
    if (from > pos) parent.append(text.slice(pos, from));
    const inner = [];
    while (i < entities.length && entities[i].offset < to) {
      inner.push(entities[i]);
      i += 1;
    }
    const node = entityNode(outer, text.slice(from, to), actions);
    build(node, text, inner, from, to, actions);
    parent.append(node);
    pos = to;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

function fileUrl(fileId) {
  return `/sandbox/files/${encodeURIComponent(fileId)}`;
}

function sizeText(bytes) {
  if (!bytes) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function mediaNode(msg, words) {
  if (msg.photo) {
    const best = msg.photo[msg.photo.length - 1];
    return el("img", { class: "photo", src: fileUrl(best.file_id), alt: words.photo, loading: "lazy" });
  }
  if (msg.document) {
    const doc = msg.document;
    return el("a", { class: "document", href: fileUrl(doc.file_id), download: doc.file_name || "file" },
      el("span", { class: "doc-icon" }, "📄"),
      el("span", { class: "doc-name", dir: "auto" }, doc.file_name || "file"),
      el("span", { class: "muted" }, sizeText(doc.file_size)));
  }
  if (msg.venue) {
    return el("div", { class: "place" }, "📍 ",
      el("b", { dir: "auto" }, msg.venue.title || ""), el("br"),
      el("span", { dir: "auto" }, msg.venue.address || ""));
  }
  if (msg.location) {
    const { latitude, longitude } = msg.location;
    return el("div", { class: "place" }, `📍 ${words.location} ${latitude.toFixed(4)}, ${longitude.toFixed(4)}`);
  }
  if (msg.contact) {
    return el("div", { class: "contact" }, `👤 ${words.contact}: `, el("bdi", {}, msg.contact.phone_number));
  }
  if (msg.voice || msg.audio) return el("div", { class: "voice" }, `🎤 ${words.voice}`);
  if (msg.sticker) return el("div", { class: "sticker" }, msg.sticker.emoji || words.sticker);
  if (msg.video || msg.animation) return el("div", { class: "video" }, "🎬");
  return null;
}

function serviceText(msg, words) {
  if (msg.forum_topic_created) return `${words.topicCreated}: ${msg.forum_topic_created.name}`;
  if (msg.forum_topic_edited) return `${words.topicCreated}: ${msg.forum_topic_edited.name || ""}`;
  if (msg.forum_topic_closed) return words.topicClosed;
  if (msg.forum_topic_reopened) return words.topicReopened;
  if (msg.new_chat_members) {
    return `${msg.new_chat_members.map((u) => u.first_name).join("، ")} ${words.joined}`;
  }
  if (msg.left_chat_member) return `${msg.left_chat_member.first_name} ${words.left}`;
  return null;
}

function isService(msg) {
  return Boolean(
    msg.forum_topic_created || msg.forum_topic_edited || msg.forum_topic_closed ||
    msg.forum_topic_reopened || msg.new_chat_members || msg.left_chat_member ||
    msg.migrate_to_chat_id || msg.migrate_from_chat_id || msg.pinned_message,
  );
}

// One message: a bubble with sender, media, text, time, "edited", and its inline keyboard.
function messageNode(entry, ctx) {
  const msg = entry.message;
  const words = chrome(ctx.lang);
  if (isService(msg)) {
    return el("div", { class: "service", "data-id": msg.message_id }, serviceText(msg, words) || words.service);
  }
  const mine = msg.from && msg.from.id === ctx.me;
  const fromBot = msg.from && msg.from.is_bot;
  const bubble = el("div", {
    class: `bubble ${mine ? "out" : "in"}${fromBot ? " bot" : ""}`,
    "data-id": msg.message_id,
  });
  if (ctx.group && !mine) {
    bubble.append(el("div", { class: "sender", dir: "auto" }, msg.from ? msg.from.first_name : ""));
  }
  const media = mediaNode(msg, words);
  if (media) bubble.append(media);
  const text = msg.text !== undefined ? msg.text : msg.caption;
  if (text) {
    const body = el("div", { class: "text", dir: "auto" });
    appendFormatted(body, text, msg.text !== undefined ? msg.entities : msg.caption_entities, ctx.actions);
    bubble.append(body);
  }
  const time = new Date((msg.edit_date || msg.date) * 1000);
  const meta = el("div", { class: "meta" });
  if (entry.edited) meta.append(el("span", { class: "edited" }, words.edited), " ");
  meta.append(time.toLocaleTimeString(ctx.lang === "ar" ? "ar-SA" : "en-GB", { hour: "2-digit", minute: "2-digit" }));
  if (mine && (msg.text !== undefined || msg.caption !== undefined)) {
    meta.append(" ", el("button", {
      type: "button", class: "edit-own", title: words.editing,
      onclick: () => ctx.actions.startEdit(msg),
    }, "✎"));
  }
  bubble.append(meta);
  const rows = msg.reply_markup && msg.reply_markup.inline_keyboard;
  if (rows && rows.length) {
    const board = el("div", { class: "inline-keyboard" });
    for (const row of rows) {
      const line = el("div", { class: "row" });
      for (const button of row) line.append(inlineButton(button, msg, ctx));
      board.append(line);
    }
    bubble.append(board);
  }
  return bubble;
}

function inlineButton(button, msg, ctx) {
  if (button.url) {
    const href = SAFE_LINK.test(button.url) ? button.url : null;
    return el("a", { class: "ibutton link", href, target: "_blank", rel: "noopener noreferrer", dir: "auto" }, button.text, " ↗");
  }
  return el("button", {
    type: "button", class: "ibutton", dir: "auto",
    onclick: () => ctx.actions.press(msg.message_id, button.callback_data),
  }, button.text);
}
