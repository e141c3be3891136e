"""Where a new message lands: forum topic, reply chain, and its ``reply_to_message``.

Shared by the bot side (send methods) and the user side (SimUser/SimGroup), so both follow
Telegram's rules:

* in a forum topic a message carries ``message_thread_id`` (the topic) and
  ``is_topic_message: true``, and replies to the topic's creation message unless it replies
  to another message; a reply to a message in a topic lands in that topic;
* messages in General carry no thread id;
* in supergroups (forum General included) a reply outside topics carries
  ``message_thread_id`` = the id of the reply chain's first message, without
  ``is_topic_message``; this id is not a topic and sending to it fails;
* ``reply_to_message`` is the replied message without its own ``reply_to_message``.
"""

from __future__ import annotations

from emulator.records import JSON
from emulator.state import ChatState


def snapshot(message: JSON) -> JSON:
    """A message as it appears inside ``reply_to_message``."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def placement(chat: ChatState, target: JSON | None, topic_id: int | None) -> JSON:
    """``message_thread_id`` / ``is_topic_message`` / ``reply_to_message`` for a new message.

    ``topic_id`` is a live forum topic already checked (None: General or no topic);
    ``target`` the message replied to, if any.
    """
    out: JSON = {}
    if topic_id is None and target is not None and target.get("is_topic_message"):
        topic_id = int(target["message_thread_id"])
    if topic_id is not None:
        out["message_thread_id"] = topic_id
        out["is_topic_message"] = True
        if target is None:
            target = chat.messages.get(topic_id)
    elif target is not None and chat.is_supergroup:
        root = target.get("message_thread_id") or target["message_id"]
        out["message_thread_id"] = int(root)
    if target is not None:
        out["reply_to_message"] = snapshot(target)
    return out


def user_topic(chat: ChatState, thread_id: int | None) -> int | None:
    """User side: the topic a member posts in (None for General); ValueError if impossible."""
    if thread_id is None or thread_id == 1:
        return None
    if not chat.is_forum:
        raise ValueError(f"chat {chat.id} is not a forum; it has no topic {thread_id}")
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise ValueError(f"no live topic {thread_id} in chat {chat.id}")
    return thread_id
