"""In-memory world of the emulator: chats, messages, files, updates, callback queries."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from emulator.params import ApiError, bad_request

JSON = dict[str, Any]
TOPIC_ICON_COLOR = 7322096


class Notifier:
    """Wake every waiter on notify(); waiters re-check their condition."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass(slots=True)
class FileRecord:
    file_id: str
    file_unique_id: str
    file_path: str
    size: int
    content: bytes | None
    mime_type: str | None = None
    file_name: str | None = None


@dataclass(slots=True)
class Topic:
    message_thread_id: int
    name: str
    icon_color: int = TOPIC_ICON_COLOR
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_json(self) -> JSON:
        data: JSON = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass(slots=True)
class BotMessage:
    """A message the bot sent, as the emulator recorded it (edits applied in ``data``)."""

    chat_id: int
    message_id: int
    data: JSON
    method: str
    received_at: float
    history: list[JSON] = field(default_factory=list)
    deleted: bool = False
    reply_keyboard: JSON | None = None

    @property
    def text(self) -> str:
        value = self.data.get("text", self.data.get("caption", ""))
        return value if isinstance(value, str) else ""

    @property
    def message_thread_id(self) -> int | None:
        value = self.data.get("message_thread_id")
        return value if isinstance(value, int) else None

    @property
    def buttons(self) -> list[list[JSON]]:
        markup = self.data.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        return [list(row) for row in rows]

    @property
    def button_labels(self) -> list[str]:
        return [b.get("text", "") for row in self.buttons for b in row]

    def callback_data(self, label: str) -> str:
        """Callback data of the inline button whose text contains ``label``."""
        for row in self.buttons:
            for button in row:
                if label in button.get("text", "") and "callback_data" in button:
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in {self.button_labels}")

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __repr__(self) -> str:
        extra = f" buttons={self.button_labels}" if self.buttons else ""
        flag = " (deleted)" if self.deleted else ""
        return f"<BotMessage #{self.message_id} {self.text[:80]!r}{extra}{flag}>"


class ChatState:
    """One chat: its live messages, the bot's messages, topics and wait cursors."""

    def __init__(self, chat: JSON, is_forum: bool = False) -> None:
        self.chat = chat
        self.id: int = chat["id"]
        self.is_forum = is_forum
        self.next_message_id = 2 if is_forum else 1  # thread id 1 is the General topic
        self.messages: dict[int, JSON] = {}
        self.bot_messages: list[BotMessage] = []
        self.bot_by_id: dict[int, BotMessage] = {}
        self.events: list[JSON] = []
        self.notifier = Notifier()
        self.topics: dict[int, Topic] = {}
        self.blocked = False
        self.keyboard: JSON | None = None
        self.cursor = 0

    @property
    def is_private(self) -> bool:
        return bool(self.chat["type"] == "private")

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def add_event(self, kind: str, message: JSON, keyboard: JSON | None = None) -> None:
        event: JSON = {"seq": len(self.events) + 1, "kind": kind, "message": message}
        if keyboard is not None:
            event["reply_keyboard"] = keyboard
        self.events.append(event)
        self.notifier.notify()

    def check_thread(self, thread_id: int | None) -> None:
        if thread_id is None or not self.is_forum:
            return
        if thread_id == 1:
            return  # the General topic
        topic = self.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")

    def get_bot_message(self, message_id: int, action: str) -> BotMessage:
        record = self.bot_by_id.get(message_id)
        if record is None or record.deleted:
            raise bad_request(f"message to {action} not found")
        return record


class State:
    """Everything the bot-side methods and the user-side API share."""

    def __init__(self, bot_username: str, bot_id: int, bot_first_name: str) -> None:
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, JSON] = {}
        self.updates: deque[tuple[int, JSON]] = deque()
        self.update_created_at: dict[int, float] = {}
        self.next_update_id = 1
        self.updates_notifier = Notifier()
        self.allowed_updates: set[str] | None = None
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.callback_answers: dict[str, JSON | None] = {}
        self.callback_notifier = Notifier()
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.tokens: set[str] = set()
        self.webhook: JSON | None = None
        self.webhook_notifier = Notifier()
        self._file_counter = 0

    # -- chats ---------------------------------------------------------------
    def chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def find_chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    # -- updates -------------------------------------------------------------
    def push_update(self, kind: str, payload: JSON) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append((update_id, {"update_id": update_id, kind: payload}))
        self.update_created_at[update_id] = time.perf_counter()
        self.updates_notifier.notify()
        self.webhook_notifier.notify()
        return update_id

    def confirm_updates(self, offset: int) -> None:
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0][0] < offset:
            self.updates.popleft()

    def pending_updates(self, limit: int) -> list[JSON]:
        out: list[JSON] = []
        allowed = self.allowed_updates
        for _, update in self.updates:
            if allowed is not None and not allowed.intersection(update):
                continue
            out.append(update)
            if len(out) >= limit:
                break
        return out

    # -- files ---------------------------------------------------------------
    def add_file(
        self,
        kind: str,
        content: bytes | None,
        size: int | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
        extension: str = "bin",
    ) -> FileRecord:
        self._file_counter += 1
        n = self._file_counter
        file_id = f"EMU{kind[:3].upper()}{n:06d}{secrets.token_hex(6)}"
        record = FileRecord(
            file_id=file_id,
            file_unique_id=f"U{n:06d}{secrets.token_hex(3)}",
            file_path=f"{kind}/file_{n}.{extension}",
            size=size if size is not None else len(content or b""),
            content=content,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[file_id] = record
        self.files_by_path[record.file_path] = record
        return record
