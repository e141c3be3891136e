"""SimUser: a Telegram user and their private chat with the bot."""

from __future__ import annotations

import time
from typing import Any

from emulator.content import content_from_kwargs, text_content
from emulator.records import JSON
from emulator.state import ChatState, State
from emulator.users import ChatView, MessageRef


class SimUser(ChatView):
    """A Telegram user; ``chat`` is their private chat with the bot (chat.id == user id)."""

    def __init__(self, state: State, user: JSON, chat: ChatState) -> None:
        super().__init__(state, chat)
        self.user = user
        self.last_sent_at: float | None = None

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def _send(self, content: JSON, reply_to_message_id: int | None = None) -> JSON:
        self.last_sent_at = time.perf_counter()
        return self._post(self.user, content, reply_to_message_id=reply_to_message_id)

    async def send_text(self, text: str, reply_to: MessageRef | None = None) -> JSON:
        reply = None if reply_to is None else _mid(reply_to)
        return self._send(text_content(text), reply)

    async def send_command(self, command: str) -> JSON:
        """``/start`` or ``/start payload`` with a bot_command entity."""
        if not command.startswith("/"):
            command = "/" + command
        return self._send(text_content(command))

    async def send_photo(
        self, size: int = 50_000, width: int = 1280, height: int = 960, caption: str | None = None
    ) -> JSON:
        return self._send(self.photo_content(size, width, height, caption))

    async def send_document(
        self,
        file_name: str = "file.pdf",
        mime_type: str = "application/pdf",
        content: bytes | None = None,
        size: int | None = None,
        caption: str | None = None,
    ) -> JSON:
        """``size`` overrides the reported file_size (simulate a 25 MB file without bytes)."""
        return self._send(self.document_content(file_name, mime_type, content, size, caption))

    async def send_voice(self, duration: int = 3, size: int = 8000) -> JSON:
        return self._send(self.voice_content(duration, size))

    async def send_sticker(self, emoji: str = "👍") -> JSON:
        return self._send(self.sticker_content(emoji))

    async def send_location(self, latitude: float, longitude: float) -> JSON:
        return self._send({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_contact(
        self, phone_number: str, first_name: str | None = None, own: bool = True
    ) -> JSON:
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or self.user["first_name"],
        }
        if own:
            contact["user_id"] = self.id
        return self._send({"contact": contact})

    async def send(self, kind: str, **kwargs: Any) -> JSON:
        return self._send(content_from_kwargs(self, kind, kwargs, self.user))

    async def press(self, message: MessageRef, data: str) -> str:
        """Press an inline button: a callback_query update; returns the query id."""
        self.last_sent_at = time.perf_counter()
        return self._press(self.user, message, data)

    async def press_button(self, message: MessageRef, label: str) -> str:
        """Press the button whose text contains ``label``."""
        record = self.chat.bot_by_id[_mid(message)]
        return await self.press(record, record.callback_data(label))

    async def edit_text(self, message: MessageRef, text: str) -> JSON:
        """Edit one of this user's own messages (an edited_message update).

        On a media message this edits the caption.
        """
        return self._edit(message, text)

    async def edit_caption(self, message: MessageRef, caption: str) -> JSON:
        """Edit the caption of one of this user's own media messages."""
        return self._edit(message, caption, caption_only=True)

    def block(self, notify: bool = True) -> None:
        """Block the bot: sends/edits to this chat answer 403 (my_chat_member -> kicked)."""
        self.chat.blocked = True
        if notify:
            self._my_chat_member(self.user, "member", "kicked")

    def unblock(self, notify: bool = True) -> None:
        self.chat.blocked = False
        if notify:
            self._my_chat_member(self.user, "kicked", "member")

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.user.get('first_name')!r}>"


def _mid(ref: MessageRef) -> int:
    return ref if isinstance(ref, int) else int(ref["message_id"])
