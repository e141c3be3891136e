"""User-side API: simulated beneficiaries, staff and groups acting on the emulator."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from emulator.content import ContentMixin, caption_content, text_content
from emulator.records import JSON, BotMessage
from emulator.state import ChatState, State
from emulator.threads import placement, user_topic

MessageRef = BotMessage | JSON | int
Predicate = Callable[[BotMessage], bool]


class WaitTimeout(TimeoutError, AssertionError):
    """Nothing matching arrived in time; the message lists what did arrive."""


def _now() -> int:
    return int(time.time())


MEDIA_KINDS = ("photo", "document", "voice", "audio", "video", "animation")
ADMIN_RIGHTS: JSON = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": True,
}


def _message_id(ref: MessageRef) -> int:
    if isinstance(ref, int):
        return ref
    return int(ref["message_id"])


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


class ChatView(ContentMixin):
    """What a chat sees: the bot's messages, with wait cursors (per chat and per thread)."""

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

    def _take(self, predicate: Predicate | None, thread_id: int | None) -> BotMessage | None:
        chat = self.chat
        msgs = chat.bot_messages
        if thread_id is not None:
            start = max(chat.cursor, chat.thread_cursors.get(thread_id, 0))
            for index in range(start, len(msgs)):
                msg = msgs[index]
                if msg.in_thread(thread_id) and (predicate is None or predicate(msg)):
                    chat.thread_cursors[thread_id] = index + 1
                    return msg
            return None
        for index in range(chat.cursor, len(msgs)):
            msg = msgs[index]
            taken = any(index < c and msg.in_thread(t) for t, c in chat.thread_cursors.items())
            if not taken and (predicate is None or predicate(msg)):
                chat.cursor = index + 1
                return msg
        return None

    async def wait_for_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Predicate | None = None,
        message_thread_id: int | None = None,
    ) -> BotMessage:
        """The next bot message not consumed by a previous wait (optionally filtered).

        Without ``message_thread_id`` the wait consumes the chat in order: the returned
        message and every one before it (predicate misses included). With it, only that
        thread is considered and consumed, so topics are independent streams; ``1`` means
        General (messages outside topics).
        """
        deadline = time.monotonic() + timeout
        chat = self.chat
        while True:
            msg = self._take(predicate, message_thread_id)
            if msg is not None:
                return msg
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = "\n  ".join(repr(m) for m in chat.bot_messages) or "(nothing)"
                where = "" if message_thread_id is None else f" thread {message_thread_id}"
                raise WaitTimeout(
                    f"no matching bot message in chat {chat.id}{where} within {timeout}s "
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
        """A member's new message: stored, and pushed as a ``message`` update."""
        chat = self.chat
        topic_id = user_topic(chat, message_thread_id)
        target = None
        if reply_to_message_id is not None:
            target = chat.messages.get(reply_to_message_id)
            if target is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat.id}")
        msg: JSON = {
            "message_id": chat.new_message_id(),
            "date": _now(),
            "chat": chat.chat,
            "from": sender,
        }
        msg.update(placement(chat, target, topic_id))
        msg.update(content)
        chat.messages[msg["message_id"]] = msg
        chat.add_event("user", dict(msg))
        self.state.push_update("message", dict(msg))
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

    def _edit(self, message: MessageRef, text: str, caption_only: bool = False) -> JSON:
        """A member edits their message's text (or a media message's caption)."""
        mid = _message_id(message)
        msg = self.chat.messages.get(mid)
        if msg is None:
            raise ValueError(f"no message {mid} in chat {self.chat.id}")
        if msg.get("from", {}).get("is_bot"):
            raise ValueError(f"message {mid} is the bot's; users edit only their own")
        if "text" in msg and not caption_only:
            drop, content = ("text", "entities"), text_content(text)
        elif any(kind in msg for kind in MEDIA_KINDS):
            drop, content = ("caption", "caption_entities"), caption_content(text)
        else:
            what = "caption" if caption_only else "text or caption"
            raise ValueError(f"message {mid} has no {what} to edit")
        if all(msg.get(k) == content.get(k) for k in drop):
            raise ValueError(f"message {mid} is not modified")
        for key in drop:
            msg.pop(key, None)
        msg.update(content)
        msg["edit_date"] = _now()
        self.chat.add_event("user_edit", dict(msg))
        self.state.push_update("edited_message", dict(msg))
        return msg

    def _my_chat_member(self, sender: JSON, old: str, new: str) -> int:
        """Push a ``my_chat_member`` update: the bot's status here went ``old`` -> ``new``."""
        return self.state.push_update(
            "my_chat_member",
            {
                "chat": self.chat.chat,
                "from": sender,
                "date": _now(),
                "old_chat_member": self._bot_member(old),
                "new_chat_member": self._bot_member(new),
            },
        )

    def _bot_member(self, status: str) -> JSON:
        data: JSON = {"status": status, "user": self.state.bot_user}
        if status == "kicked":
            data["until_date"] = 0
        elif status == "administrator":
            data.update(ADMIN_RIGHTS)
            if not self.chat.is_forum:
                data.pop("can_manage_topics")
        return data
