"""The staff group's budget: people before background calls; a card's redraws coalesce."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.ratelimit import SlidingWindow
from storage.outbox import Outbox
from storage.sql import Database

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
REFRESH = "staff.card_refresh"


async def test_people_take_the_reserved_slot_and_go_before_waiting_background_calls() -> None:
    window = SlidingWindow(limit=3, period=0.3, margin=0.0, reserve=1)
    order: list[str] = []

    async def take(name: str, background: bool) -> None:
        await window.acquire(background)
        order.append(name)

    background = [asyncio.create_task(take(f"b{i}", True)) for i in range(1, 4)]
    await asyncio.sleep(0)
    await take("i1", False)  # b3 waits: the last slot is kept for people
    assert order == ["b1", "b2", "i1"]
    await take("i2", False)  # the window is full: i2 waits, then goes before b3
    await asyncio.gather(*background)
    assert order == ["b1", "b2", "i1", "i2", "b3"]


async def test_a_cancelled_waiter_leaves_its_turn_to_the_next() -> None:
    window = SlidingWindow(limit=1, period=0.2, margin=0.0)
    await window.acquire()
    gone = asyncio.create_task(window.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    await window.acquire()
    assert len(window.hits) == 1  # the cancelled waiter took no slot


async def test_a_redraw_waiting_unclaimed_takes_the_next_ones_with_it(db: Database) -> None:
    async with db.transaction() as conn:
        box = Outbox(conn)
        assert await box.add(-100, REFRESH, {"request_id": 1}, NOW, coalesce=True)
        assert not await box.add(-100, REFRESH, {"request_id": 1}, NOW, coalesce=True)
        assert await box.add(-100, REFRESH, {"request_id": 2}, NOW, coalesce=True)
        first = await box.eligible(NOW, quiet=False, limit=10)
        assert [r.payload["request_id"] for r in first] == [1]  # one chat: one at a time
        await box.claim([first[0].id])
        # Claimed, it may already have read the request: a later change needs its own.
        assert await box.add(-100, REFRESH, {"request_id": 1}, NOW, coalesce=True)
        assert await box.count(kind=REFRESH) == 2
