"""Helpers shared by the tests: a settable clock, valid ids, a config for the emulator."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import Config, Settings, load_profile
from bot.services.validators import national_id_check_digit
from storage.db import database_at
from storage.sql import Connection

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


DbTarget = Path | str  # a SQLite file, or a PostgreSQL database's URL


def database_settings(target: DbTarget) -> dict[str, Any]:
    """The settings that point the bot at a test's database."""
    if isinstance(target, str):
        return {"database_url": target}
    return {"database": target}


def database_env(target: DbTarget) -> dict[str, str]:
    """The same, as the environment of a bot run in another process."""
    if isinstance(target, str):
        return {"TAWASUL_DATABASE_URL": target}
    return {"TAWASUL_DATABASE": str(target)}


@asynccontextmanager
async def peek(
    target: DbTarget, *, write: bool = False, schema: str | None = None
) -> AsyncIterator[Connection]:
    """A connection of the test's own to the database (in an association's `schema` on
    PostgreSQL), to read what the bot stored (or, with `write`, a transaction to set up
    rows the bot reads)."""
    db = database_at(target, schema)
    await db.open()
    try:
        async with db.transaction() if write else db.reading() as conn:
            yield conn
    finally:
        await db.close()


def change(target: DbTarget, schema: str | None = None) -> AbstractAsyncContextManager[Connection]:
    """A transaction of the test's own on the database."""
    return peek(target, write=True, schema=schema)


async def add_beneficiary(
    target: DbTarget, schema: str | None, user_id: int, name: str = ""
) -> None:
    """Store a beneficiary (chat = user id), as the bot would after a /start."""
    async with change(target, schema) as conn:
        await conn.execute(
            "INSERT INTO beneficiaries (user_id, chat_id, first_name, locale, created_at,"
            " updated_at) VALUES (?, ?, ?, 'en', 't', 't')",
            (user_id, user_id, name),
        )


async def table_names(conn: Connection) -> list[str]:
    """The database's tables (each backend lists them its own way)."""
    if conn.dialect == "postgresql":
        sql = (
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return sorted(str(r[0]) for r in await conn.fetchall(sql))


def emulator_config(database: DbTarget, base_url: str, base_file_url: str) -> Config:
    """Settings for a bot that talks to the local emulator, with the sample profile."""
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        **database_settings(database),
        api_base_url=base_url,
        api_base_file_url=base_file_url,
    )
    profile, source = load_profile("sample")
    return Config(settings=settings, profile=profile, profile_source=source)


async def eventually(
    condition: Callable[[], bool],
    timeout: float = 10.0,  # noqa: ASYNC109
    what: str = "the condition",
) -> None:
    """Wait until the condition holds (what the emulator or a process shows changes as the
    bot works); fail after `timeout` seconds."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"waited {timeout:g} s in vain for {what}")


def free_port() -> int:
    """A loopback TCP port no one listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def healthz(base: str, path: str = "/healthz") -> tuple[int, dict[str, Any] | None]:
    """GET a health URL: the status and JSON body ((0, None) while nothing listens)."""
    try:
        async with aiohttp.ClientSession() as http, http.get(base + path) as response:
            return response.status, await response.json()
    except aiohttp.ClientConnectionError:
        return 0, None


async def healthz_until(
    base: str, want: Callable[[int, Any], bool], what: str
) -> tuple[int, dict[str, Any]]:
    """Ask /healthz until `want(status, body)` holds (body None while nothing listens)."""
    status, body = 0, None
    for _ in range(300):
        status, body = await healthz(base)
        if body is not None and want(status, body):
            return status, body
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz never showed {what}: {status} {body}")
