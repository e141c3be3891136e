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

    async def handle(update: Update) -> None:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if chat_id in running:
            overlap.append(chat_id)
        running.add(chat_id)
        await asyncio.sleep(rng.uniform(0, 0.003))
        seen.setdefault(chat_id, []).append(update.update_id)
        running.discard(chat_id)

    updates = [_update(i, chat_id=i % 5) for i in range(200)]
    # The Application creates one task per update, in arrival order.
    tasks = [asyncio.create_task(processor.process_update(u, handle(u))) for u in updates]
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*tasks)
    elapsed = asyncio.get_running_loop().time() - started
    assert not overlap
    for chat_id, ids in seen.items():
        assert ids == sorted(ids), chat_id
        assert len(ids) == 40
    # Five chats in parallel: far less than 200 sequential sleeps of ~1.5 ms on average.
    assert elapsed < 200 * 0.0015
    assert processor._locks == {}  # idle chats are forgotten
