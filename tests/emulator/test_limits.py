"""Rate limits: scaled group windows, what counts as a message, violations per chat."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaDocument
from telegram.error import BadRequest, RetryAfter

from emulator import BotApiEmulator

from .conftest import TOKEN, FakeClock, fetch

FORUM = -1001000
PLAIN = -1002000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[tuple[BotApiEmulator, Bot]]:
    async with (
        BotApiEmulator(clock=clock) as emu,
        Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot,
    ):
        yield emu, bot


def docs(n: int) -> list[InputMediaDocument]:
    return [InputMediaDocument(b"%PDF-1.4 " + bytes([i]), filename=f"d{i}.pdf") for i in range(n)]


async def test_group_window_scales_with_group_period(
    limited: tuple[BotApiEmulator, Bot], clock: FakeClock
) -> None:
    emu, bot = limited
    group = emu.group(PLAIN, "Staff")
    limits = emu.enforce_limits(per_group_per_min=20, group_period=1.0)
    for i in range(20):
        await bot.send_message(group.chat_id, f"m{i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(group.chat_id, "one too many")
    assert info.value.retry_after == dtm.timedelta(seconds=1)
    clock.now += 0.5
    with pytest.raises(RetryAfter):
        await bot.send_message(group.chat_id, "still too early")
    clock.now += 0.5
    await bot.send_message(group.chat_id, "window passed")
    assert len(group.messages) == 21
    assert emu.limit_violations == 2 == emu.limit_violations_in(PLAIN)
    assert limits.violations_by_chat == {PLAIN: 2} and emu.limit_violations_in(1) == 0


async def test_every_posting_method_counts_in_a_forum(
    limited: tuple[BotApiEmulator, Bot], clock: FakeClock
) -> None:
    emu, bot = limited
    user = emu.user(1001)
    group = emu.group(FORUM, "Staff", is_forum=True)
    sent = await user.send_text("hello")
    await fetch(bot)
    emu.enforce_limits(per_group_per_min=10, group_period=60.0)
    topic = await bot.create_forum_topic(FORUM, "case")  # 1
    tid = topic.message_thread_id
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    first = await bot.send_message(FORUM, "text", message_thread_id=tid, reply_markup=markup)  # 2
    await bot.send_photo(FORUM, b"\x89PNG....", message_thread_id=tid)  # 3
    await bot.send_document(FORUM, b"%PDF", filename="a.pdf", message_thread_id=tid)  # 4
    await bot.send_voice(FORUM, b"OggS", message_thread_id=tid)  # 5
    await bot.send_media_group(FORUM, docs(2), message_thread_id=tid)  # 6, 7
    await bot.copy_message(FORUM, 1001, sent["message_id"], message_thread_id=tid)  # 8
    with pytest.raises(RetryAfter):  # a 3-item album does not fit in the 2 slots left
        await bot.send_media_group(FORUM, docs(3), message_thread_id=tid)
    await bot.forward_message(FORUM, 1001, sent["message_id"], message_thread_id=tid)  # 9
    await bot.send_message(FORUM, "last", message_thread_id=tid)  # 10
    for attempt in (
        bot.send_message(FORUM, "x", message_thread_id=tid),
        bot.create_forum_topic(FORUM, "another"),
        bot.copy_message(FORUM, 1001, sent["message_id"]),
        bot.forward_message(FORUM, 1001, sent["message_id"]),
        bot.send_document(FORUM, b"%PDF", filename="b.pdf"),
    ):
        with pytest.raises(RetryAfter):
            await attempt
    assert emu.limit_violations_in(FORUM) == 6
    # edits, callback answers, chat actions and deletes are not messages
    await bot.edit_message_text("text!", FORUM, first.message_id, reply_markup=markup)
    await bot.edit_message_reply_markup(FORUM, first.message_id, reply_markup=None)
    photo = next(m for m in group.messages if m.method == "sendPhoto")
    await bot.edit_message_caption(FORUM, photo.message_id, caption="a caption")
    qid = await group.press(user, first.message_id, "ok")
    (update,) = await fetch(bot)
    assert update.callback_query.id == qid
    await update.callback_query.answer("fine")
    await bot.send_chat_action(FORUM, "typing", message_thread_id=tid)
    await bot.delete_message(FORUM, first.message_id)
    assert emu.limit_violations_in(FORUM) == 6
    clock.now += 60
    msgs = await bot.send_media_group(FORUM, docs(10), message_thread_id=tid)
    assert len(msgs) == 10 and emu.limit_violations == 6


async def test_failed_requests_use_no_quota(
    limited: tuple[BotApiEmulator, Bot], clock: FakeClock
) -> None:
    emu, bot = limited
    user = emu.user(1001)
    group = emu.group(PLAIN, "Staff")
    emu.enforce_limits(per_private_chat_per_sec=1, per_group_per_min=2)
    with pytest.raises(BadRequest):
        await bot.send_message(PLAIN, " ")
    with pytest.raises(BadRequest):
        await bot.send_message(PLAIN, "x", message_thread_id=5)
    await bot.send_message(PLAIN, "one")
    await bot.send_message(PLAIN, "two")
    assert len(group.messages) == 2
    # an album bigger than the private limit goes through an empty window
    msgs = await bot.send_media_group(1001, docs(3))
    assert len(msgs) == 3 and len(user.messages) == 3
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "too soon")
    clock.now += 1
    await bot.send_message(1001, "now fine")
    assert emu.limit_violations_in(1001) == 1 and emu.limit_violations_in(PLAIN) == 0


async def test_violations_by_chat_and_http_limits(limited: tuple[BotApiEmulator, Bot]) -> None:
    emu, bot = limited
    emu.user(1001)
    emu.user(1002)
    emu.group(PLAIN, "Staff")
    async with aiohttp.ClientSession(emu.url) as http:
        body = {"per_group_per_min": 1, "group_period": 0.5, "per_private_chat_per_sec": 1}
        async with http.post("/_emu/limits", json=body) as resp:
            assert (await resp.json())["ok"]
        assert emu.limits is not None and emu.limits.group_period == 0.5
        for chat_id, tries in ((1001, 3), (1002, 2), (PLAIN, 2)):
            await bot.send_message(chat_id, "first")
            for _ in range(tries - 1):
                with pytest.raises(RetryAfter):
                    await bot.send_message(chat_id, "again")
        async with http.get("/_emu/stats") as resp:
            stats = await resp.json()
    assert [emu.limit_violations_in(c) for c in (1001, 1002, PLAIN)] == [2, 1, 1]
    assert stats["limit_violations"] == 4
    assert stats["limit_violations_by_chat"] == {"1001": 2, "1002": 1, str(PLAIN): 1}
