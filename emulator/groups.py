"""SimGroup: a group or supergroup, optionally a forum with topics, and its members' actions."""

from __future__ import annotations

from typing import Any

from emulator.actors import SimUser
from emulator.content import content_from_kwargs, text_content
from emulator.methods_forum import new_topic, service_message
from emulator.params import ApiError
from emulator.records import JSON, BotMessage, Topic
from emulator.users import ChatView, MessageRef

Member = SimUser | JSON  # a SimUser, or a Telegram User dict


def _sender(who: Member) -> JSON:
    return who.user if isinstance(who, SimUser) else who


class SimGroup(ChatView):
    """A group/supergroup; with ``is_forum`` it has topics (bot- or member-created).

    Members act through ``send_text``/``send``/``press``/``edit_text``; membership of the bot
    changes through ``add_bot``/``remove_bot``; topics through ``create_topic``,
    ``close_topic``/``reopen_topic`` and ``delete_topic``.
    """

    @property
    def topics(self) -> dict[int, Topic]:
        """All topics by message_thread_id (deleted ones have ``deleted=True``)."""
        return self.chat.topics

    def topic_by_name(self, name: str) -> Topic | None:
        for topic in self.chat.topics.values():
            if topic.name == name and not topic.deleted:
                return topic
        return None

    def topic_messages(self, message_thread_id: int) -> list[BotMessage]:
        """The bot's live messages in one topic (``1``: General), in order."""
        return [m for m in self.messages if m.in_thread(message_thread_id)]

    # -- members' messages -----------------------------------------------------
    async def send_text(
        self,
        sender: Member,
        text: str,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSON:
        """A member's text message (in a topic when ``message_thread_id`` is given)."""
        return self._post(
            _sender(sender), text_content(text), message_thread_id, reply_to_message_id
        )

    async def send(
        self,
        sender: Member,
        kind: str,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        **kwargs: Any,
    ) -> JSON:
        """Any content kind: text, photo, document, voice, sticker, location, contact."""
        who = _sender(sender)
        content = content_from_kwargs(self, kind, kwargs, who)
        return self._post(who, content, message_thread_id, reply_to_message_id)

    async def press(self, sender: Member, message: MessageRef, data: str) -> str:
        """A member presses an inline button: a callback_query update; returns its id."""
        return self._press(_sender(sender), message, data)

    async def edit_text(self, message: MessageRef, text: str) -> JSON:
        """Its sender edits a member's message (caption for media): an edited_message update."""
        return self._edit(message, text)

    async def edit_caption(self, message: MessageRef, caption: str) -> JSON:
        """Its sender edits the caption of a member's media message."""
        return self._edit(message, caption, caption_only=True)

    # -- the bot's membership ----------------------------------------------------
    def add_bot(self, by: Member, status: str = "member", announce: bool = True) -> None:
        """``by`` adds the bot: my_chat_member "left" -> ``status`` ("member"/"administrator").

        With ``announce`` a ``new_chat_members`` service message follows, as in Telegram.
        Only an "administrator" bot may create forum topics.
        """
        if status not in ("member", "administrator"):
            raise ValueError(f"status must be 'member' or 'administrator', not {status!r}")
        old = self.chat.bot_status if self.chat.bot_status in ("left", "kicked") else "left"
        who = _sender(by)
        self.chat.bot_status = status
        self._my_chat_member(who, old, status)
        if announce:
            self._post(who, {"new_chat_members": [self.state.bot_user]})

    def remove_bot(self, by: Member, kicked: bool = True) -> None:
        """``by`` removes the bot (status "kicked", or "left"): later sends answer 403."""
        old = self.chat.bot_status
        new = "kicked" if kicked else "left"
        self.chat.bot_status = new
        self._my_chat_member(_sender(by), old, new)

    # -- topics ----------------------------------------------------------------
    def _forum_topic(self, thread_id: int) -> Topic:
        if not self.chat.is_forum:
            raise ValueError(f"chat {self.chat_id} is not a forum")
        topic = self.chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise ValueError(f"no live topic {thread_id} in chat {self.chat_id}")
        return topic

    async def create_topic(self, sender: Member, name: str, icon_color: int | None = None) -> Topic:
        """A member creates a topic: a forum_topic_created service message update."""
        if not self.chat.is_forum:
            raise ValueError(f"chat {self.chat_id} is not a forum")
        try:
            topic, msg = new_topic(self.chat, _sender(sender), name, icon_color)
        except ApiError as err:
            raise ValueError(err.description) from None
        self.state.push_update("message", dict(msg))
        return topic

    async def close_topic(self, sender: Member, thread_id: int) -> JSON:
        """A member closes a topic: a forum_topic_closed service message update."""
        return self._topic_service(sender, thread_id, closed=True)

    async def reopen_topic(self, sender: Member, thread_id: int) -> JSON:
        """A member reopens a topic: a forum_topic_reopened service message update."""
        return self._topic_service(sender, thread_id, closed=False)

    def _topic_service(self, sender: Member, thread_id: int, closed: bool) -> JSON:
        topic = self._forum_topic(thread_id)
        topic.closed = closed
        key = "forum_topic_closed" if closed else "forum_topic_reopened"
        msg = service_message(self.chat, _sender(sender), thread_id, key, {})
        self.state.push_update("message", dict(msg))
        return msg

    def delete_topic(self, thread_id: int) -> None:
        """A member deletes a topic and its messages. Telegram tells the bot nothing; its
        later sends with this message_thread_id answer 400 "message thread not found"."""
        self._forum_topic(thread_id)
        self.chat.delete_topic(thread_id)

    def __repr__(self) -> str:
        return f"<SimGroup {self.chat_id} {self.chat.chat.get('title')!r}>"
