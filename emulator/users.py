"""User-side API: simulated beneficiaries, staff and groups acting on the emulator."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from emulator.formatting import command_entities
from emulator.state import JSON, BotMessage, ChatState, State

MessageRef = BotMessage | JSON | int
Predicate = Callable[[BotMessage], bool]


class WaitTimeout(TimeoutError, AssertionError):
    """Nothing matching arrived in time; the message lists what did arrive."""


def _now() -> int:
    return int(time.time())


def _message_id(ref: MessageRef) -> int:
    if isinstance(ref, int):
        return ref
    return int(ref["message_id"])


def text_content(text: str) -> JSON:
    content: JSON = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content


def _fake_bytes(size: int, head: bytes) -> bytes | None:
    if size > 2 * 1024 * 1024:
        return None  # reported size only; downloads are refused (> 20 MB) or zero-filled
    return (head + b"\0" * size)[:size] if size >= len(head) else head[:size]


async def wait_for_callback_answer(
    state: State,
    query_id: str,
    timeout: float = 5.0,  # noqa: ASYNC109
) -> JSON:
    deadline = time.monotonic() + timeout
    while True:
        answer = state.callback_answers.get(query_id)
        if answer is not None:
            return answer
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(f"callback query {query_id} not answered within {timeout}s")
        await state.callback_notifier.wait(remaining)


class ChatView:
    """What a chat sees: the bot's messages, with a wait cursor per chat."""

    def __init__(self, state: State, chat: ChatState) -> None:
        self.state = state
        self.chat = chat

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, in order, edits applied, deleted ones left out."""
        return [m for m in self.chat.bot_messages if not m.deleted]

    @property
    def all_messages(self) -> list[BotMessage]:
        """Every bot message including deleted ones (``.deleted``) and ``.history`` of edits."""
        return list(self.chat.bot_messages)

    @property
    def last_message(self) -> BotMessage | None:
        msgs = self.messages
        return msgs[-1] if msgs else None

    @property
    def keyboard(self) -> JSON | None:
        """The reply keyboard currently shown (ReplyKeyboardMarkup), if any."""
        return self.chat.keyboard

    def skip_pending(self) -> None:
        """Mark every message received so far as consumed by wait_for_message."""
        self.chat.cursor = len(self.chat.bot_messages)

    async def wait_for_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Predicate | None = None,
        message_thread_id: int | None = None,
    ) -> BotMessage:
        """The next bot message not yet consumed by a previous wait (optionally filtered)."""
        deadline = time.monotonic() + timeout
        chat = self.chat
        while True:
            msgs = chat.bot_messages
            for index in range(chat.cursor, len(msgs)):
                msg = msgs[index]
                if message_thread_id is not None and msg.message_thread_id != message_thread_id:
                    continue
                if predicate is None or predicate(msg):
                    chat.cursor = index + 1
                    return msg
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = "\n  ".join(repr(m) for m in msgs) or "(nothing)"
                raise WaitTimeout(
                    f"no matching bot message in chat {chat.id} within {timeout}s "
                    f"(cursor at {chat.cursor}); received:\n  {got}"
                )
            await chat.notifier.wait(remaining)

    async def wait_for_edit(
        self,
        message: MessageRef,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> BotMessage:
        """Wait until the bot edits ``message`` once more than it had when called."""
        record = self.chat.bot_by_id[_message_id(message)]
        seen = len(record.history)
        deadline = time.monotonic() + timeout
        while len(record.history) == seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(f"message {record!r} was not edited within {timeout}s")
            await self.chat.notifier.wait(remaining)
        return record

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        """The bot's answerCallbackQuery for ``query_id``: {text, show_alert, url, cache_time}."""
        return await wait_for_callback_answer(self.state, query_id, timeout)

    # -- acting ----------------------------------------------------------------
    def _post(
        self,
        sender: JSON,
        content: JSON,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSON:
        chat = self.chat
        msg: JSON = {
            "message_id": chat.new_message_id(),
            "date": _now(),
            "chat": chat.chat,
            "from": sender,
        }
        target = None
        if reply_to_message_id is not None:
            target = chat.messages.get(reply_to_message_id)
            if target is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat.id}")
        if message_thread_id is not None and chat.is_forum:
            chat.check_thread(message_thread_id)
            msg["message_thread_id"] = message_thread_id
            msg["is_topic_message"] = True
            target = target or chat.messages.get(message_thread_id)
        if target is not None:
            msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        msg.update(content)
        chat.messages[msg["message_id"]] = msg
        chat.add_event("user", dict(msg))
        self.state.push_update("message", msg)
        return msg

    def _press(self, sender: JSON, message: MessageRef, data: str) -> str:
        msg = self.chat.messages.get(_message_id(message))
        if msg is None:
            raise ValueError(f"message {_message_id(message)} is not in chat {self.chat.id}")
        query_id = str(secrets.randbits(63))
        self.state.callback_answers[query_id] = None
        self.state.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": sender,
                "message": dict(msg),
                "chat_instance": str(abs(hash(self.chat.id))),
                "data": data,
            },
        )
        return query_id

    def _edit(self, message: MessageRef, text: str) -> JSON:
        msg = self.chat.messages[_message_id(message)]
        msg.update(text_content(text))
        msg["edit_date"] = _now()
        self.state.push_update("edited_message", dict(msg))
        return msg

    def photo_content(
        self, size: int = 50_000, width: int = 1280, height: int = 960, caption: str | None = None
    ) -> JSON:
        data = _fake_bytes(size, b"\xff\xd8\xff\xe0")
        full = self.state.add_file("photos", data, size=size, extension="jpg")
        thumb = self.state.add_file("thumbnails", data, size=min(size, 2000), extension="jpg")
        content: JSON = {
            "photo": [
                {
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.file_unique_id,
                    "width": 90,
                    "height": max(1, 90 * height // max(width, 1)),
                    "file_size": thumb.size,
                },
                {
                    "file_id": full.file_id,
                    "file_unique_id": full.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": size,
                },
            ]
        }
        if caption:
            content["caption"] = caption
        return content

    def document_content(
        self,
        file_name: str = "file.pdf",
        mime_type: str = "application/pdf",
        content: bytes | None = None,
        size: int | None = None,
        caption: str | None = None,
    ) -> JSON:
        if content is None:
            content = _fake_bytes(size or 1000, b"%PDF-1.4\n")
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        rec = self.state.add_file(
            "documents", content, size=size, mime_type=mime_type, file_name=file_name, extension=ext
        )
        out: JSON = {
            "document": {
                "file_id": rec.file_id,
                "file_unique_id": rec.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": rec.size,
            }
        }
        if caption:
            out["caption"] = caption
        return out

    def voice_content(self, duration: int = 3, size: int = 8000) -> JSON:
        rec = self.state.add_file(
            "voice", _fake_bytes(size, b"OggS"), size=size, mime_type="audio/ogg", extension="oga"
        )
        return {
            "voice": {
                "file_id": rec.file_id,
                "file_unique_id": rec.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": size,
            }
        }

    def sticker_content(self, emoji: str = "👍") -> JSON:
        rec = self.state.add_file("stickers", _fake_bytes(3000, b"RIFF"), extension="webp")
        return {
            "sticker": {
                "file_id": rec.file_id,
                "file_unique_id": rec.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": rec.size,
            }
        }


def content_from_kwargs(view: ChatView, kind: str, args: dict[str, Any], sender: JSON) -> JSON:
    """Build message content by kind name (used by the HTTP API)."""
    if kind == "text":
        return text_content(str(args["text"]))
    if kind == "photo":
        return view.photo_content(**args)
    if kind == "document":
        return view.document_content(**args)
    if kind == "voice":
        return view.voice_content(**args)
    if kind == "sticker":
        return view.sticker_content(**args)
    if kind == "location":
        return {
            "location": {"latitude": float(args["latitude"]), "longitude": float(args["longitude"])}
        }
    if kind == "contact":
        return {
            "contact": {
                "phone_number": str(args["phone_number"]),
                "first_name": str(args.get("first_name") or sender["first_name"]),
                "user_id": int(args.get("user_id") or sender["id"]),
            }
        }
    raise ValueError(f"unknown content kind {kind!r}")
