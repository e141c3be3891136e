"""SimUser (a private chat with the bot) and SimGroup (a group, optionally a forum)."""

from __future__ import annotations

import time
from typing import Any

from emulator.state import JSON, ChatState, State, Topic
from emulator.users import ChatView, MessageRef, content_from_kwargs, text_content


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
        """Edit one of this user's own messages (an edited_message update)."""
        return self._edit(message, text)

    def block(self, notify: bool = True) -> None:
        self.chat.blocked = True
        if notify:
            self._member_update("member", "kicked")

    def unblock(self, notify: bool = True) -> None:
        self.chat.blocked = False
        if notify:
            self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> None:
        def member(status: str) -> JSON:
            data: JSON = {"status": status, "user": self.state.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.state.push_update(
            "my_chat_member",
            {
                "chat": self.chat.chat,
                "from": self.user,
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.user.get('first_name')!r}>"


def _mid(ref: MessageRef) -> int:
    return ref if isinstance(ref, int) else int(ref["message_id"])


def _sender(who: SimUser | JSON) -> JSON:
    return who.user if isinstance(who, SimUser) else who


class SimGroup(ChatView):
    """A group/supergroup; with ``is_forum`` it has topics the bot can create."""

    @property
    def topics(self) -> dict[int, Topic]:
        """All topics by message_thread_id (deleted ones have ``deleted=True``)."""
        return self.chat.topics

    def topic_by_name(self, name: str) -> Topic | None:
        for topic in self.chat.topics.values():
            if topic.name == name and not topic.deleted:
                return topic
        return None

    async def send_text(
        self,
        sender: SimUser | JSON,
        text: str,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSON:
        return self._post(
            _sender(sender), text_content(text), message_thread_id, reply_to_message_id
        )

    async def send(
        self,
        sender: SimUser | JSON,
        kind: str,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        **kwargs: Any,
    ) -> JSON:
        """Any content kind: text, photo, document, voice, sticker, location, contact."""
        who = _sender(sender)
        content = content_from_kwargs(self, kind, kwargs, who)
        return self._post(who, content, message_thread_id, reply_to_message_id)

    async def press(self, sender: SimUser | JSON, message: MessageRef, data: str) -> str:
        return self._press(_sender(sender), message, data)

    async def edit_text(self, message: MessageRef, text: str) -> JSON:
        return self._edit(message, text)

    def __repr__(self) -> str:
        return f"<SimGroup {self.chat_id} {self.chat.chat.get('title')!r}>"
