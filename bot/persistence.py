"""Conversation states rebuilt from the database, never from a pickle.

PTB's persistence writes in batches (every minute and at shutdown); the form instead
commits every accepted answer itself. This persistence only *reads*: at start-up it maps
each open draft to the state its conversation was in, so a bot killed with SIGKILL
resumes every form exactly where it stood.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from domain.models import Draft
from storage.repositories import Drafts
from storage.sql import Database

StateOf = Callable[[Draft], object | None]
# PTB's own aliases live in a private module; these are the same shapes.
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class DraftStatePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Serve conversation states derived from drafts; store nothing else."""

    def __init__(self, db: Database, conversations: dict[str, StateOf]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=3600,
        )
        self.db = db
        self.conversations = conversations

    async def get_conversations(self, name: str) -> ConversationDict:
        state_of = self.conversations.get(name)
        if state_of is None:
            return {}
        await self.db.open()
        async with self.db.reading() as conn:
            drafts = await Drafts(conn).active()
        states: dict[ConversationKey, object] = {}
        for draft in drafts:
            state = state_of(draft)
            if state is not None:
                # per_chat and per_user: the key of a private chat is (chat id, user id).
                states[(draft.user_id, draft.user_id)] = state
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """The form service already wrote the draft when the answer was accepted."""

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not stored."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not stored."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Not stored."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Not stored."""

    async def flush(self) -> None:
        """Nothing is buffered."""
