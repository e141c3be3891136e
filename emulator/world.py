"""The user side of the emulator: simulated users and groups, and what the bot sent them."""

from __future__ import annotations

from emulator.actors import SimUser
from emulator.groups import SimGroup
from emulator.records import JSON, BotMessage
from emulator.state import ChatState, State


class SimWorld:
    """Factories and look-ups for SimUser/SimGroup (BotApiEmulator inherits them)."""

    state: State
    _users: dict[int, SimUser]
    _groups: dict[int, SimGroup]

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ar",
    ) -> SimUser:
        """A user and their private chat with the bot (chat.id == user id)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value:
                user[key] = chat[key] = value
        if language_code:
            user["language_code"] = language_code
        state = ChatState(chat)
        self.state.chats[user_id] = state
        self.state.users[user_id] = user
        sim = self._users[user_id] = SimUser(self.state, user, state)
        return sim

    def group(
        self,
        chat_id: int,
        title: str = "Group",
        is_forum: bool = False,
        bot_status: str = "administrator",
    ) -> SimGroup:
        """A group (a supergroup when ``is_forum`` or the id starts with -100); get/create.

        ``bot_status``: the bot's membership when created ("administrator", "member", or
        "left"/"kicked": sends answer 403 until ``group.add_bot(...)``).
        """
        existing = self._groups.get(chat_id)
        if existing is not None:
            return existing
        kind = "supergroup" if is_forum or str(chat_id).startswith("-100") else "group"
        chat: JSON = {"id": chat_id, "type": kind, "title": title}
        if is_forum:
            chat["is_forum"] = True
        state = ChatState(chat, is_forum=is_forum)
        state.bot_status = bot_status
        self.state.chats[chat_id] = state
        sim = self._groups[chat_id] = SimGroup(self.state, state, self._groups)
        return sim

    def get_user(self, user_id: int) -> SimUser | None:
        return self._users.get(user_id)

    def get_group(self, chat_id: int) -> SimGroup | None:
        return self._groups.get(chat_id)

    def bot_messages(self, chat_id: int) -> list[BotMessage]:
        chat = self.state.chats.get(chat_id)
        return [m for m in chat.bot_messages if not m.deleted] if chat else []

    def update_created_at(self, update_id: int) -> float | None:
        """time.perf_counter() when the user-side update was created."""
        return self.state.update_created_at.get(update_id)
