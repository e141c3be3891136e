"""The embedded default: one SQLite file, through aiosqlite."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from storage.sql import BaseConnection, DatabaseError, Dialect, IntegrityError, Params, Row

# Each call below is one hop to aiosqlite's thread: the statement and the reading of its
# result happen there together. A transaction's BEGIN rides on its first statement's hop,
# and its COMMIT is queued behind it without holding the lock (see `transaction`), so a
# one-statement transaction holds the connection for one hop instead of three.


def _hop(conn: sqlite3.Connection, begin: str | None, fn: Any, *args: Any) -> Any:
    if begin is not None:
        conn.execute(begin)
    return fn(conn, *args)


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


def _fetchall(conn: sqlite3.Connection, sql: str, params: Params) -> list[Any]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _end(conn: sqlite3.Connection, commit: bool) -> None:
    """COMMIT or ROLLBACK; whatever happens, the connection leaves the hop outside any
    transaction (a failed COMMIT is rolled back here), ready for the next one queued."""
    try:
        if commit:
            conn.execute("COMMIT")
    finally:
        # SQLite may have rolled back already (after SQLITE_FULL, for one).
        if conn.in_transaction:
            conn.execute("ROLLBACK")


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
        # The BEGIN that the next statement's hop runs first (a transaction just opened).
        self._begin: str | None = None

    async def _run(self, fn: Any, *args: Any) -> Any:
        begin, self._begin = self._begin, None
        with _errors():
            return await self._conn._execute(_hop, self._conn._conn, begin, fn, *args)  # type: ignore[no-untyped-call]

    def _end(self, *, commit: bool) -> asyncio.Future[None]:
        """Queue COMMIT or ROLLBACK on the connection's thread and return its future
        without waiting: what is queued after it runs after it (aiosqlite's queue is
        first in, first out), so the lock can be let go at once."""
        if not self._conn._running or self._conn._connection is None:
            # As aiosqlite's own calls do: a closed connection's thread takes no more work
            # (queued, this would never be answered).
            raise DatabaseError("the database connection is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._conn._tx.put_nowait((future, partial(_end, self._conn._conn, commit)))
        return future

    async def execute(self, sql: str, params: Params = ()) -> int:
        return int(await self._run(_execute, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        return int(await self._run(_executemany, sql, list(rows)))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._run(_fetchall, sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._run(_fetchone, sql, params)
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
        """Run the block in one IMMEDIATE transaction; commit on success, roll back on error.

        The BEGIN goes with the block's first statement (a block that runs none opens no
        transaction); the COMMIT is queued before the lock is let go and awaited after, so
        the next transaction's statements queue up behind it instead of behind this task's
        turn of the event loop.
        """
        _conn, seam = self._require()
        async with self._lock:
            seam._begin = "BEGIN IMMEDIATE"
            try:
                yield seam
            except BaseException:
                begun = seam._begin is None
                seam._begin = None
                if begun:
                    # Also after a failed statement: never leave the shared connection
                    # inside a transaction.
                    await seam._end(commit=False)
                raise
            if seam._begin is not None:  # no statement ran: nothing to commit
                seam._begin = None
                return
            committed = seam._end(commit=True)
        with _errors():
            await committed

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
