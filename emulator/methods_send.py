"""Bot API methods that create messages: sendMessage, sendPhoto, sendDocument..."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import Any

from emulator.formatting import apply_parse_mode
from emulator.params import Params, bad_request
from emulator.records import JSON, BotMessage, FileRecord
from emulator.state import ChatState, State
from emulator.threads import placement

Handler = Callable[[State, Params], Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024


def now() -> int:
    return int(time.time())


def parse_markup(markup: Any) -> tuple[JSON | None, JSON | None]:
    """Split reply_markup into (inline markup kept on the message, reply keyboard)."""
    if not isinstance(markup, dict):
        return None, None
    if "inline_keyboard" in markup:
        for row in markup["inline_keyboard"]:
            for button in row:
                if not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and len(str(data).encode("utf-8")) > 64:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup, None
    return None, markup


def base_message(st: State, chat: ChatState, p: Params) -> JSON:
    """message_id, date, chat, from, thread and reply fields for a new bot message."""
    thread_id = p.integer("message_thread_id")
    chat.check_thread(thread_id)
    reply = p.obj("reply_parameters")
    reply_id = p.integer("reply_to_message_id")
    allow_missing = p.flag("allow_sending_without_reply")
    if isinstance(reply, dict):
        reply_id = int(reply["message_id"]) if "message_id" in reply else None
        allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
    target: JSON | None = None
    if reply_id is not None:
        target = chat.messages.get(reply_id)
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
    msg: JSON = {
        "message_id": chat.new_message_id(),
        "date": now(),
        "chat": chat.chat,
        "from": st.bot_user,
    }
    msg.update(placement(chat, target, thread_id))
    return msg


def record(
    st: State, chat: ChatState, msg: JSON, method: str, keyboard: JSON | None = None
) -> JSON:
    """Store a bot message in the chat's index and wake waiters."""
    chat.messages[msg["message_id"]] = msg
    rec = BotMessage(
        chat.id, msg["message_id"], msg, method, time.perf_counter(), reply_keyboard=keyboard
    )
    chat.bot_messages.append(rec)
    chat.bot_by_id[rec.message_id] = rec
    if keyboard is not None:
        chat.keyboard = None if keyboard.get("remove_keyboard") else keyboard
    chat.add_event("new", dict(msg), keyboard)
    return msg


def text_and_entities(p: Params, field: str, entities_field: str, limit: int) -> tuple[str, Any]:
    raw = p.string(field) or ""
    text, entities = apply_parse_mode(raw, p.string("parse_mode"), p.obj(entities_field))
    if len(text) > limit:
        raise bad_request(
            "message is too long" if field == "text" else "message caption is too long"
        )
    return text, entities


def send_message(st: State, p: Params) -> JSON:
    chat = st.chat(p.chat_id())
    text, entities = text_and_entities(p, "text", "entities", MAX_TEXT)
    if not text.strip():
        raise bad_request("message text is empty")
    inline, keyboard = parse_markup(p.obj("reply_markup"))
    msg = base_message(st, chat, p)
    msg["text"] = text
    if entities:
        msg["entities"] = entities
    if inline:
        msg["reply_markup"] = inline
    return record(st, chat, msg, "sendMessage", keyboard)


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 800, 600


def input_file(
    st: State, p: Params, name: str, kind: str, ext: str, value: Any = None, mime: str | None = None
) -> FileRecord:
    """An uploaded part, an attach:// reference, a known file_id or an HTTP URL."""
    upload = p.files.get(name)
    ref = value if value is not None else p.string(name)
    if isinstance(ref, str) and ref.startswith("attach://"):
        upload = p.files.get(ref[len("attach://") :])
        if upload is None:
            raise bad_request(f"wrong remote file identifier specified: {ref}")
    if upload is not None:
        filename = upload.filename or f"file.{ext}"
        extension = filename.rsplit(".", 1)[-1] if "." in filename else ext
        ctype = upload.content_type
        if ctype in (None, "application/octet-stream") and mime:
            ctype = mime
        return st.add_file(
            kind, upload.data, mime_type=ctype, file_name=filename, extension=extension
        )
    if not isinstance(ref, str) or not ref:
        raise bad_request(f"there is no {name} in the request")
    known = st.files.get(ref)
    if known is not None:
        return known
    if ref.startswith(("http://", "https://")):
        return st.add_file(
            kind, b"", mime_type=mime, file_name=ref.rsplit("/", 1)[-1], extension=ext
        )
    raise bad_request("wrong file identifier/HTTP URL specified")


def photo_sizes(
    st: State, rec: FileRecord, width: int | None = None, height: int | None = None
) -> list[JSON]:
    if width is None or height is None:
        width, height = _png_size(rec.content or b"")
    scale = max(width, height) / 90 or 1
    thumb = st.add_file("thumbnails", rec.content, size=rec.size, extension="jpg")
    return [
        {
            "file_id": thumb.file_id,
            "file_unique_id": thumb.file_unique_id,
            "width": max(1, int(width / scale)),
            "height": max(1, int(height / scale)),
            "file_size": thumb.size,
        },
        {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "width": width,
            "height": height,
            "file_size": rec.size,
        },
    ]


def media_object(st: State, kind: str, rec: FileRecord) -> Any:
    base: JSON = {
        "file_id": rec.file_id,
        "file_unique_id": rec.file_unique_id,
        "file_size": rec.size,
    }
    if kind == "photo":
        return photo_sizes(st, rec)
    if kind == "document":
        base.update(
            file_name=rec.file_name or "file", mime_type=rec.mime_type or "application/octet-stream"
        )
    elif kind == "voice":
        base.update(duration=1, mime_type=rec.mime_type or "audio/ogg")
    elif kind in ("video", "animation"):
        base.update(width=640, height=360, duration=1)
    elif kind == "audio":
        base.update(duration=1, mime_type=rec.mime_type or "audio/mpeg")
    elif kind == "sticker":
        base.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
    return base


KIND_INFO = {  # kind -> (storage folder, default extension, default mime)
    "photo": ("photos", "jpg", "image/jpeg"),
    "document": ("documents", "bin", "application/octet-stream"),
    "voice": ("voice", "oga", "audio/ogg"),
    "audio": ("music", "mp3", "audio/mpeg"),
    "video": ("videos", "mp4", "video/mp4"),
    "animation": ("animations", "mp4", "video/mp4"),
    "sticker": ("stickers", "webp", "image/webp"),
}


def _send_media(kind: str) -> Handler:
    method = "send" + kind.capitalize()

    def handler(st: State, p: Params) -> JSON:
        chat = st.chat(p.chat_id())
        caption, entities = text_and_entities(p, "caption", "caption_entities", MAX_CAPTION)
        inline, keyboard = parse_markup(p.obj("reply_markup"))
        folder, ext, mime = KIND_INFO[kind]
        rec = input_file(st, p, kind, folder, ext, mime=mime)
        msg = base_message(st, chat, p)
        msg[kind] = media_object(st, kind, rec)
        if caption:
            msg["caption"] = caption
            if entities:
                msg["caption_entities"] = entities
        if inline:
            msg["reply_markup"] = inline
        return record(st, chat, msg, method, keyboard)

    return handler


def _point(p: Params) -> JSON:
    latitude, longitude = p.number("latitude"), p.number("longitude")
    if latitude is None or longitude is None:
        raise bad_request("parameter 'latitude' and 'longitude' are required")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude")
    return {"latitude": latitude, "longitude": longitude}


def send_location(st: State, p: Params) -> JSON:
    chat = st.chat(p.chat_id())
    inline, keyboard = parse_markup(p.obj("reply_markup"))
    msg = base_message(st, chat, p)
    msg["location"] = _point(p)
    if inline:
        msg["reply_markup"] = inline
    return record(st, chat, msg, "sendLocation", keyboard)


def send_venue(st: State, p: Params) -> JSON:
    chat = st.chat(p.chat_id())
    point = _point(p)
    title, address = p.string("title"), p.string("address")
    if not title or not address:
        raise bad_request("venue title and address are required")
    inline, keyboard = parse_markup(p.obj("reply_markup"))
    msg = base_message(st, chat, p)
    # As Telegram sends it: the venue, and its point as the message's location too.
    msg["venue"] = {"location": point, "title": title, "address": address}
    msg["location"] = point
    if inline:
        msg["reply_markup"] = inline
    return record(st, chat, msg, "sendVenue", keyboard)


SEND_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendLocation": send_location,
    "sendVenue": send_venue,
    "sendPhoto": _send_media("photo"),
    "sendDocument": _send_media("document"),
    "sendVoice": _send_media("voice"),
    "sendAudio": _send_media("audio"),
    "sendVideo": _send_media("video"),
    "sendAnimation": _send_media("animation"),
    "sendSticker": _send_media("sticker"),
}
