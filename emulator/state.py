"""In-memory world of the emulator: chats, messages, files, updates, callback queries."""

from __future__ import annotations

import secrets
import time
from collections import deque

from emulator.params import ApiError, bad_request, chat_migrated
from emulator.records import JSON, BotMessage, FileRecord, Notifier, Topic

# Telegram sends these only to a bot whose allowed_updates names them.
UNLESS_ASKED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


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
        self.bot_status = "member" if chat["type"] == "private" else "administrator"
        self.keyboard: JSON | None = None
        self.cursor = 0  # wait_for_message: bot_messages before this index are consumed
        self.thread_cursors: dict[int, int] = {}  # the same, per message_thread_id
        self.migrated_to: int | None = None  # a group upgraded to this supergroup id
        self.migrated_from: int | None = None  # a supergroup upgraded from this group id

    @property
    def is_private(self) -> bool:
        return bool(self.chat["type"] == "private")

    @property
    def is_supergroup(self) -> bool:
        return bool(self.chat["type"] == "supergroup")

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
        """Bot side: a message_thread_id must name a live forum topic.

        Like Telegram: General (id 1), reply-chain ids of ordinary supergroups, private chats
        and deleted topics all answer ``message thread not found``.
        """
        if thread_id is None:
            return
        topic = self.topics.get(thread_id) if self.is_forum else None
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")

    def delete_message(self, message_id: int) -> bool:
        """Remove a message (the bot's are marked ``deleted``); False if it was not there."""
        msg = self.messages.pop(message_id, None)
        if msg is None:
            return False
        rec = self.bot_by_id.get(message_id)
        if rec is not None:
            rec.deleted = True
        self.add_event("delete", {"message_id": message_id, "chat": self.chat})
        return True

    def delete_topic(self, thread_id: int) -> Topic:
        """Mark a topic deleted and delete every message in it (its creation message too)."""
        topic = self.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        topic.deleted = True
        doomed = [
            mid
            for mid, m in self.messages.items()
            if mid == thread_id
            or (m.get("is_topic_message") and m.get("message_thread_id") == thread_id)
        ]
        for mid in doomed:
            self.delete_message(mid)
        return topic

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
        chat = self.find_chat(chat_id)
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.bot_status in ("left", "kicked"):
            kind = "supergroup" if chat.is_supergroup else "group"
            verb = "was kicked from" if chat.bot_status == "kicked" else "is not a member of"
            raise ApiError(403, f"Forbidden: bot {verb} the {kind} chat")
        return chat

    def find_chat(self, chat_id: int) -> ChatState:
        """The chat, even if the bot is not in it; 400 when unknown or migrated."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise chat_migrated(chat.migrated_to)
        return chat

    def check_migrated(self, chat_id: int | None) -> None:
        """Any method whose ``chat_id`` names a migrated group: the ChatMigrated answer."""
        chat = self.chats.get(chat_id) if chat_id is not None else None
        if chat is not None and chat.migrated_to is not None:
            raise chat_migrated(chat.migrated_to)

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
            if allowed is None and UNLESS_ASKED.intersection(update):
                continue
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
