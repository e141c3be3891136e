"""SimGroup: a group or supergroup, optionally a forum with topics, and its members' actions."""

from __future__ import annotations

from typing import Any

from emulator.actors import SimUser
from emulator.content import content_from_kwargs, text_content
from emulator.methods_forum import new_topic, service_message
from emulator.methods_send import now
from emulator.params import ApiError
from emulator.records import JSON, BotMessage, Topic
from emulator.state import ChatState, State
from emulator.users import ChatView, MessageRef

Member = SimUser | JSON  # a SimUser, or a Telegram User dict
TELEGRAM: JSON = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


def _sender(who: Member) -> JSON:
    return who.user if isinstance(who, SimUser) else who


class SimGroup(ChatView):
    """A group/supergroup; with ``is_forum`` it has topics (bot- or member-created).

    Members act through ``send_text``/``send``/``press``/``edit_text``; membership of the bot
    changes through ``add_bot``/``remove_bot``, other members' through
    ``add_member``/``remove_member``; topics through ``create_topic``,
    ``close_topic``/``reopen_topic`` and ``delete_topic``; a basic group becomes a
    supergroup through ``migrate_to``.
    """

    def __init__(
        self, state: State, chat: ChatState, registry: dict[int, SimGroup] | None = None
    ) -> None:
        super().__init__(state, chat)
        self._registry = registry if registry is not None else {}  # the world's groups
        self.migrated_to: SimGroup | None = None

    def _check_live(self) -> None:
        if self.chat.migrated_to is not None:
            raise ValueError(
                f"group {self.chat_id} was upgraded to supergroup {self.chat.migrated_to}"
            )

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
        self._check_live()
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
        self._check_live()
        who = _sender(sender)
        content = content_from_kwargs(self, kind, kwargs, who)
        return self._post(who, content, message_thread_id, reply_to_message_id)

    async def press(self, sender: Member, message: MessageRef, data: str) -> str:
        """A member presses an inline button: a callback_query update; returns its id."""
        self._check_live()
        return self._press(_sender(sender), message, data)

    async def edit_text(self, message: MessageRef, text: str) -> JSON:
        """Its sender edits a member's message (caption for media): an edited_message update."""
        self._check_live()
        return self._edit(message, text)

    async def edit_caption(self, message: MessageRef, caption: str) -> JSON:
        """Its sender edits the caption of a member's media message."""
        self._check_live()
        return self._edit(message, caption, caption_only=True)

    # -- the bot's membership ----------------------------------------------------
    def add_bot(self, by: Member, status: str = "member", announce: bool = True) -> None:
        """``by`` adds the bot: my_chat_member "left" -> ``status`` ("member"/"administrator").

        With ``announce`` a ``new_chat_members`` service message follows, as in Telegram.
        Only an "administrator" bot may create forum topics.
        """
        if status not in ("member", "administrator"):
            raise ValueError(f"status must be 'member' or 'administrator', not {status!r}")
        self._check_live()
        old = self.chat.bot_status if self.chat.bot_status in ("left", "kicked") else "left"
        who = _sender(by)
        self.chat.bot_status = status
        self._my_chat_member(who, old, status)
        if announce:
            self._post(who, {"new_chat_members": [self.state.bot_user]})

    def remove_bot(self, by: Member, kicked: bool = True) -> None:
        """``by`` removes the bot (status "kicked", or "left"): later sends answer 403."""
        self._check_live()
        old = self.chat.bot_status
        new = "kicked" if kicked else "left"
        self.chat.bot_status = new
        self._my_chat_member(_sender(by), old, new)

    # -- other members ------------------------------------------------------------
    def add_member(self, member: Member, by: Member | None = None, announce: bool = True) -> None:
        """``by`` adds ``member`` (without ``by``: they join by link): "left" -> "member".

        As in Telegram, the ``chat_member`` update reaches the bot only where it is an
        administrator and only if ``allowed_updates`` names it; with ``announce`` a
        ``new_chat_members`` service message follows.
        """
        self._check_live()
        who = _sender(member)
        actor = who if by is None else _sender(by)
        self._chat_member(actor, who, "left", "member")
        if announce:
            self._post(actor, {"new_chat_members": [who]})

    def remove_member(
        self, member: Member, by: Member | None = None, kicked: bool = False, announce: bool = True
    ) -> None:
        """``member`` leaves (no ``by``) or ``by`` removes them ("kicked": banned, else "left").

        A ``chat_member`` update as for ``add_member``; ``announce`` posts ``left_chat_member``.
        """
        self._check_live()
        who = _sender(member)
        actor = who if by is None else _sender(by)
        self._chat_member(actor, who, "member", "kicked" if kicked else "left")
        if announce:
            self._post(actor, {"left_chat_member": who})

    def _chat_member(self, sender: JSON, user: JSON, old: str, new: str) -> None:
        if self.chat.bot_status != "administrator":
            return  # Telegram tells only administrator bots about other members
        change: JSON = {"chat": self.chat.chat, "from": sender, "date": now()}
        change["old_chat_member"] = {"status": old, "user": user}
        change["new_chat_member"] = {"status": new, "user": user}
        if new == "kicked":
            change["new_chat_member"]["until_date"] = 0
        self.state.push_update("chat_member", change)

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

    # -- upgrade to a supergroup ---------------------------------------------------
    def migrate_to(self, new_chat_id: int, by: Member | None = None) -> SimGroup:
        """``by`` upgrades this basic group to the supergroup ``new_chat_id``, as Telegram does.

        A ``migrate_to_chat_id`` message (from ``by``; default the Telegram service user)
        lands here and a ``migrate_from_chat_id`` message (from GroupAnonymousBot, with
        ``sender_chat``) as message 1 of the new chat: two message updates, unless the bot
        is not in the group. From then on every bot call whose chat_id (or from_chat_id)
        is this id answers 400 "group chat was upgraded to a supergroup chat" with
        ``parameters.migrate_to_chat_id`` and does nothing. The supergroup keeps the title
        and the bot's status, with a fresh history; returns its SimGroup.
        """
        old = self.chat
        self._check_live()
        if old.chat["type"] != "group":
            raise ValueError(f"chat {self.chat_id} is not a basic group")
        if not str(new_chat_id).startswith("-100"):
            raise ValueError(f"a supergroup id starts with -100, not {new_chat_id}")
        if new_chat_id in self.state.chats:
            raise ValueError(f"chat {new_chat_id} already exists")
        chat: JSON = {"id": new_chat_id, "type": "supergroup", "title": old.chat["title"]}
        new_state = ChatState(chat)
        new_state.bot_status = old.bot_status
        new_state.migrated_from = old.id
        self.state.chats[new_chat_id] = new_state
        new = self._registry[new_chat_id] = SimGroup(self.state, new_state, self._registry)
        by_user = TELEGRAM if by is None else _sender(by)
        self._announce({"from": by_user, "migrate_to_chat_id": new_chat_id})
        old.migrated_to = new_chat_id
        self.migrated_to = new
        origin: JSON = {"from": GROUP_ANONYMOUS_BOT, "sender_chat": chat}
        new._announce({**origin, "migrate_from_chat_id": old.id})
        return new

    def _announce(self, fields: JSON) -> JSON:
        """A migrate_to/migrate_from_chat_id service message (+ update if the bot is in)."""
        chat = self.chat
        msg: JSON = {"message_id": chat.new_message_id(), "date": now(), "chat": chat.chat}
        msg.update(fields)
        chat.messages[msg["message_id"]] = msg
        chat.add_event("service", dict(msg))
        if chat.bot_status not in ("left", "kicked"):
            self.state.push_update("message", dict(msg))
        return msg

    def __repr__(self) -> str:
        return f"<SimGroup {self.chat_id} {self.chat.chat.get('title')!r}>"
