"""Fault injection and rate-limit enforcement, seen through a real telegram.Bot."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from emulator import BotApiEmulator

from .conftest import TOKEN, FakeClock


async def test_429_fault_then_success(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    rule = emu.faults.add(method="sendMessage", kind="429", retry_after=2, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(1001, "hi")
        assert info.value.retry_after == dtm.timedelta(seconds=2)
    assert user.messages == []
    await bot.send_message(1001, "hi")
    assert rule.fired == 2 and len(user.messages) == 1


async def test_fault_filters_by_method_and_chat(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    emu.user(1002)
    rule = emu.faults.add("5xx", "sendMessage", chat_id=1002, times=None)
    await bot.send_message(1001, "fine")
    await bot.get_me()
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1002, "broken")
    assert rule.fired == 1


async def test_timeout_fault_still_performs_action(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    emu.faults.add("timeout", "sendMessage", seconds=0.4)
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "ambiguous", read_timeout=0.1)
    assert [m.text for m in user.messages] == ["ambiguous"]


async def test_drop_and_slow(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    emu.faults.add("drop", "sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "lost")
    assert user.messages == []
    emu.faults.add("slow", "sendMessage", seconds=0.2)
    loop_time = __import__("time").monotonic
    started = loop_time()
    await bot.send_message(1001, "late")
    assert loop_time() - started >= 0.2
    assert [m.text for m in user.messages] == ["late"]


async def test_outage_window() -> None:
    clock = FakeClock()
    async with BotApiEmulator(clock=clock) as emu:
        emu.user(1001)
        async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
            rule = emu.faults.outage(5)
            with pytest.raises(NetworkError):
                await bot.get_me()
            with pytest.raises(NetworkError):
                await bot.send_message(1001, "x")
            clock.now += 5
            assert (await bot.send_message(1001, "x")).text == "x"
            assert rule.fired == 2


async def test_rate_limits_private_group_and_topics() -> None:
    clock = FakeClock()
    async with BotApiEmulator(clock=clock) as emu:
        emu.user(1001)
        group = emu.group(-1001, title="Staff", is_forum=True)
        limits = emu.enforce_limits(
            per_private_chat_per_sec=1, per_group_per_min=3, global_per_sec=30
        )
        async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
            await bot.send_message(1001, "one")
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(1001, "two")
            assert info.value.retry_after == dtm.timedelta(seconds=1)
            clock.now += 1
            await bot.send_message(1001, "two")
            await bot.create_forum_topic(group.chat_id, "t1")
            await bot.send_message(group.chat_id, "g1")
            clock.now += 30
            await bot.send_message(group.chat_id, "g2")
            with pytest.raises(RetryAfter) as info:
                await bot.create_forum_topic(group.chat_id, "t2")
            assert info.value.retry_after == dtm.timedelta(seconds=30)
            clock.now += 30
            await bot.send_message(group.chat_id, "g3")
            # editing is not a send and is never limited
            await bot.edit_message_text("one!", 1001, 1)
        assert emu.limit_violations == 2 == limits.violations


async def test_global_limit() -> None:
    clock = FakeClock()
    async with BotApiEmulator(clock=clock) as emu:
        for uid in range(5):
            emu.user(uid + 1)
        emu.enforce_limits(per_private_chat_per_sec=1, global_per_sec=3)
        async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
            for uid in range(3):
                await bot.send_message(uid + 1, "x")
            with pytest.raises(RetryAfter):
                await bot.send_message(4, "x")
            clock.now += 1
            await bot.send_message(4, "x")
        assert emu.limit_violations == 1
