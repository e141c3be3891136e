"""Updates of one chat are handled in order; different chats run side by side."""

from __future__ import annotations

import asyncio
import random

from telegram import Chat, Message, Update, User

from bot.processing import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    user = User(chat_id, "U", is_bot=False)
    message = Message(update_id, date=None, chat=chat, from_user=user, text=str(update_id))  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_per_chat_order_with_random_delays() -> None:
    processor = PerChatUpdateProcessor(64)
    rng = random.Random(7)
    seen: dict[int, list[int]] = {}
    running: set[int] = set()
    overlap = []
    most_chats_at_once = 0

    async def handle(update: Update) -> None:
        nonlocal most_chats_at_once
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if chat_id in running:
            overlap.append(chat_id)
        running.add(chat_id)
        most_chats_at_once = max(most_chats_at_once, len(running))
        await asyncio.sleep(rng.uniform(0, 0.003))
        seen.setdefault(chat_id, []).append(update.update_id)
        running.discard(chat_id)

    updates = [_update(i, chat_id=i % 5) for i in range(200)]
    # The Application creates one task per update, in arrival order.
    tasks = [asyncio.create_task(processor.process_update(u, handle(u))) for u in updates]
    await asyncio.gather(*tasks)
    assert not overlap  # never two updates of one chat at once
    for chat_id, ids in seen.items():
        assert ids == sorted(ids), chat_id
        assert len(ids) == 40
    assert most_chats_at_once == 5  # but the five chats ran side by side
    assert processor._locks == {}  # idle chats are forgotten


async def test_a_flood_from_one_chat_does_not_hold_up_another() -> None:
    processor = PerChatUpdateProcessor()
    gate = asyncio.Event()
    done: list[int] = []

    async def slow(update: Update) -> None:
        await gate.wait()
        done.append(update.update_id)

    async def quick(update: Update) -> None:
        done.append(update.update_id)

    flood = [_update(i, chat_id=1) for i in range(1000)]
    tasks = [asyncio.create_task(processor.process_update(u, slow(u))) for u in flood]
    other = _update(5000, chat_id=2)
    await asyncio.wait_for(processor.process_update(other, quick(other)), timeout=5)
    assert done == [5000]  # served while chat 1 still has 1,000 updates waiting
    gate.set()
    await asyncio.gather(*tasks)
    assert done[1:] == list(range(1000))
