"""Try the bot without a token: the local Bot API emulator and a chat in this terminal."""

from __future__ import annotations

import asyncio
import logging

from bot.app import build_application, running
from bot.config import Config
from emulator import BotApiEmulator
from emulator.console import Console, chat_until, stop_on_signals

# A well-formed token that Telegram would never issue; only the emulator sees it.
DEMO_TOKEN = "1000000000:DEMO-local-emulator-token-000000000000"


def run_demo(config: Config, *, user_id: int, language: str) -> int:
    """Run the emulator, the bot and a terminal chat in one event loop until /quit."""
    logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    asyncio.run(_demo(config, user_id=user_id, language=language))
    return 0


async def _demo(config: Config, *, user_id: int, language: str) -> None:
    async with BotApiEmulator(log_requests=False) as emu:
        settings = config.settings.model_copy(
            update={
                "api_base_url": emu.base_url,
                "api_base_file_url": emu.base_file_url,
                # Kept apart from a real deployment's database.
                "database": config.settings.database.with_name("demo.sqlite3"),
            }
        )
        app = build_application(
            Config(settings=settings, profile=config.profile, profile_source=config.profile_source),
            token=DEMO_TOKEN,
        )
        print(
            "Tawasul demo: you are a beneficiary talking to the bot through the local\n"
            f"Bot API emulator ({emu.url}); the database is {settings.database}.\n"
            "Send /start to begin, !N to press button N, /help for more, /quit to leave.\n",
            flush=True,
        )
        async with running(app):
            stop = stop_on_signals()
            async with Console(emu.url, user_id, "Beneficiary", language) as console:
                await chat_until(console, stop)
