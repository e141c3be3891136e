"""The embedded default: one SQLite file, through aiosqlite."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.sql import BaseConnection, DatabaseError, Dialect, IntegrityError, Params, Row

# Each call below is one hop to aiosqlite's thread: the statement and the reading of its
# result happen there together.


def _execute(conn: sqlite3.Connection, sql: str, params: Params) -> int:
    return conn.execute(sql, params).rowcount


def _executemany(conn: sqlite3.Connection, sql: str, rows: list[Params]) -> int:
    before = conn.total_changes
    conn.executemany(sql, rows)
    return conn.total_changes - before


def _fetchone(conn: sqlite3.Connection, sql: str, params: Params) -> Any:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise DatabaseError(str(exc)) from exc


class SqliteConnection(BaseConnection):
    """The storage seam's connection over aiosqlite."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__()
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        with _errors():
            changed = await self._conn._execute(_execute, self._conn._conn, sql, params)  # type: ignore[no-untyped-call]
        return int(changed)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        with _errors():
            changed = await self._conn._execute(_executemany, self._conn._conn, sql, list(rows))  # type: ignore[no-untyped-call]
        return int(changed)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with _errors():
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        with _errors():
            row: Row | None = await self._conn._execute(_fetchone, self._conn._conn, sql, params)  # type: ignore[no-untyped-call]
        return row

    async def script(self, sql: str) -> None:
        """Run several statements (a migration); no parameters."""
        try:
            await self._conn.executescript(sql)
        except BaseException:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            raise


class SqliteDatabase:
    """One aiosqlite connection shared by the bot, used one transaction at a time.

    SQLite serialises writers anyway; a single connection with an asyncio lock keeps
    transactions from interleaving and never sees another task's uncommitted rows.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._seam: SqliteConnection | None = None
        self._maintenance: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._file_lock: int | None = None

    async def open(self) -> None:
        """Connect, set the pragmas and apply pending migrations (idempotent)."""
        from storage.db import hold_shared_lock
        from storage.migrator import migrate

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
        self._seam = SqliteConnection(conn)
        await migrate(self)

    def describe(self) -> str:
        return str(self.path)

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def schema_version(self) -> int:
        """Return the number of the last migration applied to the open database."""
        from storage.migrator import applied

        async with self.reading() as conn:
            return max(await applied(conn), default=0)

    async def close(self) -> None:
        if self._maintenance is not None:
            await self._maintenance.close()
            self._maintenance = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
            self._seam = None
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
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """Run the block in one IMMEDIATE transaction; commit on success, roll back on error."""
        conn, seam = self._require()
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield seam
                await conn.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (disk full, I/O error): never leave the shared
                # connection inside a transaction.
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteConnection]:
        """Give the connection for reads, never inside another task's transaction."""
        _conn, seam = self._require()
        async with self._lock:
            yield seam

    @asynccontextmanager
    async def migrating(self) -> AsyncIterator[SqliteConnection]:
        """The connection for the migrator, outside any transaction (it runs scripts)."""
        _conn, seam = self._require()
        async with self._lock:
            yield seam

    def _require(self) -> tuple[aiosqlite.Connection, SqliteConnection]:
        if self._conn is None or self._seam is None:
            raise RuntimeError("the database is not open")
        return self._conn, self._seam
