"""The terminal console (over the HTTP API), `python -m emulator --help`, wait diagnostics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from emulator import BotApiEmulator, WaitTimeout
from emulator.console import Console


async def test_console_chat(emu: BotApiEmulator, bot: Bot, tmp_path: Path) -> None:
    lines: list[str] = []
    async with Console(emu.url, 1001, "Sara", "ar", output=lines.append) as console:
        assert emu.user(1001).user["language_code"] == "ar"
        assert await console.handle_line("/start")
        (update,) = await bot.get_updates()
        assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"

        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("A", callback_data="a"),
                    InlineKeyboardButton("B", callback_data="b"),
                ]
            ]
        )
        await bot.send_message(1001, "choose", reply_markup=markup)
        await bot.send_message(
            1001,
            "phone?",
            reply_markup=ReplyKeyboardMarkup([[KeyboardButton("share", request_contact=True)]]),
        )
        assert await console.poll_once(timeout=1) == 3  # own /start + 2 bot messages
        assert "bot #2 said: choose" in lines and "   [!1] A  [!2] B" in lines
        assert "   keyboard: [#1] share" in lines

        await console.handle_line("!2")
        await console.handle_line("#1")
        doc = tmp_path / "id.pdf"
        doc.write_bytes(b"%PDF-1.4 console")
        await console.handle_line(f"/doc {doc}")
        await console.handle_line("/photo")
        await console.handle_line("//photo")
        press, contact, document, photo, literal = await bot.get_updates(
            offset=update.update_id + 1
        )
        assert press.callback_query.data == "b"
        assert contact.message.contact.user_id == 1001
        assert document.message.document.file_name == "id.pdf"
        assert photo.message.photo and literal.message.text == "/photo"
        assert not await console.handle_line("/quit")


async def test_wait_timeout_lists_received(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    await bot.send_message(1001, "first")
    await user.wait_for_message()
    with pytest.raises(WaitTimeout, match="first") as info:
        await user.wait_for_message(timeout=0.1)
    assert isinstance(info.value, AssertionError) and isinstance(info.value, TimeoutError)
    await bot.send_message(1001, "second")
    await bot.send_message(1001, "third")
    got = await user.wait_for_message(predicate=lambda m: m.text == "third")
    assert got.text == "third"


def test_cli_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert "--console" in out.stdout and "--port" in out.stdout
