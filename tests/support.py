"""Helpers shared by the tests: a settable clock, valid ids, a config for the emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config, Settings, load_profile
from bot.services.validators import national_id_check_digit

# 09:00 in Riyadh on 20 Jumada al-Ula 1448 (30 October 2026? see tests): a Sunday morning.
DEFAULT_NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
TOKEN = "123456:TEST-TOKEN-FOR-THE-EMULATOR-0000000000"


class FakeClock:
    """A clock the test sets and moves."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def valid_national_id(first9: str = "104567890") -> str:
    """Return a 10-digit id with a correct check digit (first9 starts with 1 or 2)."""
    return first9 + str(national_id_check_digit(first9))


def emulator_config(database: Path, base_url: str, base_file_url: str) -> Config:
    """Settings for a bot that talks to the local emulator, with the sample profile."""
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        database=database,
        api_base_url=base_url,
        api_base_file_url=base_file_url,
    )
    profile, source = load_profile("sample")
    return Config(settings=settings, profile=profile, profile_source=source)
