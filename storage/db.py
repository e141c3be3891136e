"""Which database a setting names, and the lock file every process using a SQLite file holds."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from storage.sql import Database
from storage.sqlite import SqliteDatabase

__all__ = [
    "Database",
    "SqliteDatabase",
    "database_at",
    "hold_shared_lock",
    "lock_path",
    "with_login",
]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

log = logging.getLogger(__name__)


def database_at(target: Path | str, schema: str | None = None) -> Database:
    """Return the database at `target`, not yet opened: a PostgreSQL URL
    (`postgresql://…`, in `schema` when given) or the path of a SQLite file."""
    text = str(target)
    if text.startswith(POSTGRES_SCHEMES):
        from storage.postgres import PostgresDatabase

        return PostgresDatabase(text, schema)
    return SqliteDatabase(Path(target))


def with_login(url: str, user: str | None, password: str | None) -> str:
    """A PostgreSQL URL with this user and password in place of its own (None: none)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    login = quote(user, safe="") if user else ""
    if login and password is not None:
        login += ":" + quote(password, safe="")
    netloc = f"{login}@{host}" if login else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def is_postgres(target: Path | str) -> bool:
    return str(target).startswith(POSTGRES_SCHEMES)


def lock_path(database: Path) -> Path:
    """Return the lock file beside the database: every process using it holds a lock on it."""
    return database.with_name(database.name + ".lock")


async def hold_shared_lock(database: Path) -> int:
    """Take a shared lock on the database's lock file and return its descriptor.

    Every process that opens the database (the bot, migrate, export, import-guides) holds
    one while it runs; a restore takes the lock exclusively, so it refuses while any of
    them runs, and one of them started during a restore waits for it. flock() locks end
    with the process, also when it is killed.
    """
    # Read-only, readable by all: flock() needs no write access, and a lock file made by
    # a command run as root must not lock the bot's own user out.
    fd = os.open(lock_path(database), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        log.info("a restore holds the database; waiting for it to finish")
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
    return fd
