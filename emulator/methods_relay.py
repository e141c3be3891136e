"""Bot API methods that post several messages or reuse one: sendMediaGroup, copy, forward."""

from __future__ import annotations

from typing import Any

from emulator.formatting import apply_parse_mode
from emulator.methods_send import (
    KIND_INFO,
    MAX_CAPTION,
    Handler,
    base_message,
    input_file,
    media_object,
    parse_markup,
    record,
    text_and_entities,
)
from emulator.params import Params, bad_request
from emulator.records import JSON, FileRecord
from emulator.state import State

CONTENT_KEYS = (
    "text",
    "entities",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "sticker",
    "location",
    "contact",
    "caption",
    "caption_entities",
    "animation",
    "video_note",
)
_ALBUM_KINDS = ("photo", "video", "document", "audio")


def _check_album_kinds(kinds: list[str]) -> None:
    """Photos and videos mix; documents and audio only group with their own kind."""
    for only in ("document", "audio"):
        if only in kinds and any(k != only for k in kinds):
            raise bad_request(f"{only}s can be grouped in an album only with {only}s")


def send_media_group(st: State, p: Params) -> list[JSON]:
    """2-10 photos/videos, documents or audio sharing one ``media_group_id``."""
    chat = st.chat(p.chat_id())
    media = p.obj("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the group: must be 2-10 items")
    group_id = str(st.next_update_id * 1000 + chat.next_message_id)
    prepared: list[tuple[str, FileRecord, str, Any]] = []
    for item in media:
        kind = str(item.get("type", ""))
        if kind not in _ALBUM_KINDS:
            raise bad_request(f"unsupported media type {kind!r} in the media group")
        folder, ext, mime = KIND_INFO[kind]
        rec = input_file(st, p, f"media_{kind}", folder, ext, value=item.get("media"), mime=mime)
        caption, entities = apply_parse_mode(
            str(item.get("caption") or ""), item.get("parse_mode"), item.get("caption_entities")
        )
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        prepared.append((kind, rec, caption, entities))
    _check_album_kinds([kind for kind, *_ in prepared])
    out: list[JSON] = []
    for kind, rec, caption, entities in prepared:
        msg = base_message(st, chat, p)
        msg["media_group_id"] = group_id
        msg[kind] = media_object(st, kind, rec)
        if caption:
            msg["caption"] = caption
            if entities:
                msg["caption_entities"] = entities
        out.append(record(st, chat, msg, "sendMediaGroup"))
    return out


def _source(st: State, p: Params, action: str) -> JSON:
    from_chat = st.find_chat(p.chat_id("from_chat_id"))
    source = from_chat.messages.get(p.req_integer("message_id"))
    if source is None:
        raise bad_request(f"message to {action} not found")
    if not any(k in source for k in CONTENT_KEYS):
        raise bad_request(
            "message can't be copied" if action == "copy" else "message can't be forwarded"
        )
    return source


def copy_message(st: State, p: Params) -> JSON:
    """A new bot message with the source's content and no link to it: ``{"message_id"}``."""
    source = _source(st, p, "copy")
    chat = st.chat(p.chat_id())
    inline, keyboard = parse_markup(p.obj("reply_markup"))
    caption: str | None = None
    entities = None
    if "caption" in p and "text" not in source:
        caption, entities = text_and_entities(p, "caption", "caption_entities", MAX_CAPTION)
    msg = base_message(st, chat, p)
    msg.update({k: source[k] for k in CONTENT_KEYS if k in source})
    if caption is not None:
        msg.pop("caption", None)
        msg.pop("caption_entities", None)
        if caption:
            msg["caption"] = caption
            if entities:
                msg["caption_entities"] = entities
    if inline:
        msg["reply_markup"] = inline
    record(st, chat, msg, "copyMessage", keyboard)
    return {"message_id": msg["message_id"]}


def forward_message(st: State, p: Params) -> JSON:
    """A copy with ``forward_origin`` naming the original sender."""
    source = _source(st, p, "forward")
    chat = st.chat(p.chat_id())
    msg = base_message(st, chat, p)
    msg.update({k: source[k] for k in CONTENT_KEYS if k in source})
    msg["forward_origin"] = {
        "type": "user",
        "date": source["date"],
        "sender_user": source.get("from", st.bot_user),
    }
    return record(st, chat, msg, "forwardMessage")


RELAY_METHODS: dict[str, Handler] = {
    "sendMediaGroup": send_media_group,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
}
