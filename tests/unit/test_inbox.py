"""The inbox keeps an update as Telegram sent it (bot/inbox.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from telegram import Bot, Update

from bot.inbox import DurableQueue
from storage.sql import Database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SENT = {
    "update_id": 41,
    "message": {
        "message_id": 3,
        "date": 1765108800,
        "chat": {"id": 77, "type": "private", "first_name": "سارة"},
        "from": {"id": 77, "is_bot": False, "first_name": "سارة", "language_code": "ar"},
        "text": "محمد عبدالله",
    },
}


async def _stored(db: Database) -> list[str]:
    async with db.reading() as conn:
        return [str(r[0]) for r in await conn.fetchall("SELECT payload FROM inbox")]


async def test_an_update_is_stored_as_it_came_without_serialising_it_again(db: Database) -> None:
    queue = DurableQueue(db, lambda: NOW)
    raw = json.dumps(SENT, ensure_ascii=False, separators=(",", ":"))
    queue.received(41, raw)
    update = Update.de_json(SENT, Bot("1:x"))
    await queue.store([update])
    assert await _stored(db) == [raw]  # byte for byte what came, not PTB's to_dict
    # Replayed after a crash, it is the same update.
    (again,) = await queue.replay(Bot("1:x"))
    assert again.message is not None and again.message.text == "محمد عبدالله"


async def test_an_update_that_came_without_its_json_is_serialised(db: Database) -> None:
    queue = DurableQueue(db, lambda: NOW)
    await queue.store([Update.de_json(SENT, Bot("1:x"))])
    (payload,) = await _stored(db)
    assert json.loads(payload)["message"]["text"] == "محمد عبدالله"
