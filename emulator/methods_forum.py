"""Bot API forum topic methods: create/edit/close/reopen/deleteForumTopic."""

from __future__ import annotations

from emulator.methods_send import Handler, now
from emulator.params import Params, bad_request
from emulator.records import JSON, TOPIC_ICON_COLOR, Topic
from emulator.state import ChatState, State


def service_message(chat: ChatState, sender: JSON, thread_id: int, key: str, value: JSON) -> JSON:
    """Store a topic service message (forum_topic_created/edited/closed/reopened)."""
    msg: JSON = {
        "message_id": chat.new_message_id(),
        "date": now(),
        "chat": chat.chat,
        "from": sender,
        "message_thread_id": thread_id,
        "is_topic_message": True,
        key: value,
    }
    chat.messages[msg["message_id"]] = msg
    chat.add_event("service", dict(msg))
    return msg


def new_topic(
    chat: ChatState,
    sender: JSON,
    name: str,
    icon_color: int | None = None,
    icon_custom_emoji_id: str | None = None,
) -> tuple[Topic, JSON]:
    """Create a topic; its id is the id of its ``forum_topic_created`` service message."""
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    thread_id = chat.next_message_id
    topic = Topic(thread_id, name, icon_color or TOPIC_ICON_COLOR, icon_custom_emoji_id)
    chat.topics[thread_id] = topic
    created: JSON = {"name": name, "icon_color": topic.icon_color}
    if icon_custom_emoji_id:
        created["icon_custom_emoji_id"] = icon_custom_emoji_id
    msg = service_message(chat, sender, thread_id, "forum_topic_created", created)
    return topic, msg


def _forum(st: State, p: Params) -> ChatState:
    chat = st.chat(p.chat_id())
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic(chat: ChatState, p: Params) -> Topic:
    topic = chat.topics.get(p.req_integer("message_thread_id"))
    if topic is None or topic.deleted:
        raise bad_request("message thread not found")
    return topic


def create_forum_topic(st: State, p: Params) -> JSON:
    """Needs the bot to be an administrator (``can_manage_topics``), like Telegram."""
    chat = _forum(st, p)
    if chat.bot_status not in ("administrator", "creator"):
        raise bad_request("not enough rights to create a topic")
    topic, _ = new_topic(
        chat,
        st.bot_user,
        p.string("name") or "",
        p.integer("icon_color"),
        p.string("icon_custom_emoji_id"),
    )
    return topic.to_json()


def edit_forum_topic(st: State, p: Params) -> bool:
    chat = _forum(st, p)
    topic = _topic(chat, p)
    name = p.string("name")
    emoji = p.string("icon_custom_emoji_id")
    same_emoji = emoji is None or emoji == topic.icon_custom_emoji_id
    if (name is None or name == topic.name) and same_emoji:
        raise bad_request("TOPIC_NOT_MODIFIED")
    change: JSON = {}
    if name is not None:
        topic.name = change["name"] = name
    if emoji is not None:
        topic.icon_custom_emoji_id = change["icon_custom_emoji_id"] = emoji
    service_message(chat, st.bot_user, topic.message_thread_id, "forum_topic_edited", change)
    return True


def _close_topic(closed: bool) -> Handler:
    def handler(st: State, p: Params) -> bool:
        chat = _forum(st, p)
        topic = _topic(chat, p)
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        key = "forum_topic_closed" if closed else "forum_topic_reopened"
        service_message(chat, st.bot_user, topic.message_thread_id, key, {})
        return True

    return handler


def delete_forum_topic(st: State, p: Params) -> bool:
    chat = _forum(st, p)
    chat.delete_topic(_topic(chat, p).message_thread_id)
    return True


FORUM_METHODS: dict[str, Handler] = {
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": _close_topic(True),
    "reopenForumTopic": _close_topic(False),
    "deleteForumTopic": delete_forum_topic,
}
