"""The aiohttp transport speaks the Bot API like PTB's own: forms, uploads, errors, timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.transport import AiohttpRequest
from emulator import BotApiEmulator
from tests.support import TOKEN


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    request = AiohttpRequest(8, read_timeout=1.0, write_timeout=1.0, connect_timeout=1.0)
    async with Bot(
        TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url, request=request
    ) as b:
        yield b


async def test_messages_markup_and_entities(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1, first_name="Sara")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("نعم", callback_data="x:yes")]])
    sent = await bot.send_message(
        1, "<b>مرحبا</b> & welcome", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "مرحبا & welcome"
    received = await user.wait_for_message()
    assert received.button_labels == ["نعم"]
    assert received.data["entities"][0]["type"] == "bold"


async def test_upload_and_download_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(2, first_name="Sara")
    content = bytes(range(256)) * 40
    sent = await bot.send_document(2, content, filename="تقرير.pdf", caption="ملف")
    assert sent.document is not None and sent.document.file_name == "تقرير.pdf"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_errors_map_to_ptb_exceptions(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(3, first_name="Sara")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "x")
    user.block(notify=False)
    with pytest.raises(Forbidden):
        await bot.send_message(3, "x")
    user.unblock(notify=False)
    emu.faults.add("429", method="sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(3, "x")
    assert caught.value.retry_after.total_seconds() == 3  # type: ignore[union-attr]


async def test_timeouts_and_dropped_connections(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(4, first_name="Sara")
    emu.faults.add("timeout", method="sendMessage", seconds=3)
    with pytest.raises(TimedOut):
        await bot.send_message(4, "slow")
    emu.faults.add("drop", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(4, "dropped")
    assert (await bot.send_message(4, "fine")).text == "fine"
