"""End-to-end fixtures: the real Application talking HTTP to the local Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import build_application, running
from bot.context import AppType
from emulator import BotApiEmulator
from tests.support import DbTarget, FakeClock, emulator_config


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def bot(emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget) -> AsyncIterator[AppType]:
    config = emulator_config(db_target, emu.base_url, emu.base_file_url)
    app = build_application(config, clock=clock)
    async with running(app) as started:
        yield started
