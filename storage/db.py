"""The SQLite connection: pragmas, numbered migrations and transactions."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)


class Database:
    """One aiosqlite connection shared by the bot, used one transaction at a time.

    SQLite serialises writers anyway; a single connection with an asyncio lock keeps
    transactions from interleaving and never sees another task's uncommitted rows.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._maintenance: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._file_lock: int | None = None

    async def open(self) -> None:
        """Connect, set the pragmas and apply pending migrations (idempotent)."""
        if self._conn is not None:
            return
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file_lock = await hold_shared_lock(self.path)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        # WAL keeps readers and the writer apart; synchronous=NORMAL in WAL mode loses no
        # committed transaction when the process is killed (only on power loss).
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        # Checkpoints copy the WAL into the database and fsync it, which takes milliseconds;
        # checkpoint() does it from a second connection, off the path of the handlers,
        # instead of in whichever commit crosses the threshold.
        await conn.execute("PRAGMA wal_autocheckpoint=0")
        self._conn = conn
        await self._migrate()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def schema_version(self) -> int:
        """Return the number of the last migration applied to the open database."""
        async with self.reading() as conn, conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        if self._maintenance is not None:
            await self._maintenance.close()
            self._maintenance = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self._file_lock is not None:
            os.close(self._file_lock)  # releases the lock
            self._file_lock = None

    async def checkpoint(self) -> tuple[int, int]:
        """Copy the WAL into the database without blocking the main connection.

        Return the WAL's frames and how many of them are now in the database.
        """
        if self._maintenance is None:
            self._maintenance = await aiosqlite.connect(self.path, isolation_level=None)
            await self._maintenance.execute("PRAGMA busy_timeout=5000")
        rows = list(await self._maintenance.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        _busy, frames, copied = rows[0]
        return int(frames), int(copied)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one IMMEDIATE transaction; commit on success, roll back on error."""
        conn = self._require()
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (disk full, I/O error): never leave the shared
                # connection inside a transaction.
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """Give the connection for reads, never inside another task's transaction."""
        conn = self._require()
        async with self._lock:
            yield conn

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open")
        return self._conn

    async def _migrate(self) -> None:
        conn = self._require()
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for number, sql in migrations():
            if number <= current:
                continue
            log.info("applying migration %04d", number)
            # One script, one transaction: the schema change and its version land together.
            try:
                await conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version={number:d};\nCOMMIT;"
                )
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise


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


def migrations() -> list[tuple[int, str]]:
    """Return the numbered migrations shipped in storage/migrations, in order."""
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)
