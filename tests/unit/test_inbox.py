"""The inbox keeps an update as Telegram sent it, and a handled one by its id only, long
enough to know Telegram's second copy after a restart (bot/inbox.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from telegram import Bot, Update

from bot.inbox import KEEP_HANDLED, DurableQueue
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


async def test_a_handled_update_keeps_its_id_only_and_is_known_after_a_restart(
    db: Database,
) -> None:
    now = [NOW]
    queue = DurableQueue(db, lambda: now[0])
    update = Update.de_json(SENT, Bot("1:x"))
    await queue.store([update])
    assert queue.first_sight(41)
    queue.mark_handled(41)
    await queue.flush_handled()
    assert await _stored(db) == [""]  # no name, no text kept once handled
    # The next start: nothing to replay, and Telegram's second copy is known.
    restarted = DurableQueue(db, lambda: now[0])
    assert await restarted.replay(Bot("1:x")) == []
    assert not restarted.first_sight(41)
    assert restarted.first_sight(42)
    # Two days on, a write forgets it (Telegram keeps an unconfirmed update for one).
    now[0] = NOW + KEEP_HANDLED + timedelta(minutes=1)
    later = DurableQueue(db, lambda: now[0])
    await later.replay(Bot("1:x"))
    later.mark_handled(42)  # not in its inbox: nothing to record
    await later.store([Update.de_json({**SENT, "update_id": 43}, Bot("1:x"))])
    async with db.reading() as conn:
        ids = [int(r[0]) for r in await conn.fetchall("SELECT update_id FROM inbox")]
    assert ids == [43]
