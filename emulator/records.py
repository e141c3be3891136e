"""Records the emulator keeps: the bot's messages, files, forum topics; a wake-up notifier."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

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
        """The forum topic (or, outside topics of supergroups, the reply chain's root)."""
        value = self.data.get("message_thread_id")
        return value if isinstance(value, int) else None

    @property
    def is_topic_message(self) -> bool:
        return bool(self.data.get("is_topic_message"))

    def in_thread(self, thread_id: int) -> bool:
        """In forum topic ``thread_id``; ``1`` means General (not in any topic)."""
        if thread_id == 1:
            return not self.is_topic_message
        return self.message_thread_id == thread_id

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
