"""PostgreSQL, for a deployment with many writers (psycopg 3, asynchronous).

The same contract as the SQLite backend: one connection a process, one transaction at a
time on it (an asyncio lock), reads outside transactions. Statements are the storage seam's
one SQL with `?` or `:name` placeholders, rewritten once each for psycopg; psycopg prepares
a statement on the server after its fifth run on the connection, so a form step's few
statements are parsed and planned once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import RowMaker

from storage.sql import (
    AdvisoryLock,
    BaseConnection,
    DatabaseError,
    Dialect,
    IntegrityError,
    Params,
    Row,
    TupleRow,
    format_placeholders,
)

SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
MIGRATION_LOCK = int(AdvisoryLock.MIGRATION)
USE_LOCK = int(AdvisoryLock.USE)


def _rows(cursor: Any) -> RowMaker[Any]:
    description = cursor.description
    if description is None:
        return tuple
    index = {column.name: i for i, column in enumerate(description)}

    def make(values: Sequence[Any]) -> TupleRow:
        return TupleRow(values, index)

    return make


def _query(sql: str, params: Params) -> tuple[str, Params | None]:
    if not params:
        return sql, None  # no placeholders: the text goes as written (a '%' included)
    return format_placeholders(sql), params


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    except psycopg.Error as exc:
        raise DatabaseError(str(exc)) from exc


class PostgresConnection(BaseConnection):
    """The storage seam's connection over psycopg."""

    dialect: Dialect = "postgresql"

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        super().__init__()
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        query, args = _query(sql, params)
        with _errors():
            cursor = await self._conn.execute(query, args)
            return max(cursor.rowcount, 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        batch = list(rows)
        if not batch:
            return 0
        with _errors():
            async with self._conn.cursor() as cursor:
                await cursor.executemany(format_placeholders(sql), batch)
                return max(cursor.rowcount, 0)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        query, args = _query(sql, params)
        with _errors():
            cursor = await self._conn.execute(query, args)
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        query, args = _query(sql, params)
        with _errors():
            cursor = await self._conn.execute(query, args)
            row: Row | None = await cursor.fetchone()
            return row

    async def script(self, sql: str) -> None:
        """Run several statements (a migration) in one round trip; no parameters."""
        try:
            await self._conn.execute(sql.encode())
        except BaseException:
            if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                await self._conn.execute(b"ROLLBACK")
            raise


class PostgresDatabase:
    """One psycopg connection shared by the bot's tasks, one transaction at a time."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, schema: str | None = None, *, shared: bool = True) -> None:
        """`schema`: the association's own schema (created if missing); every statement of
        this connection reads and writes there only (its search_path), so that several
        associations share one database and none can read another's rows. `shared`: take
        the schema's use lock (USE_LOCK); only a restore, which holds it alone, opens
        without."""
        if schema is not None and not SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"not a schema name: {schema!r} (lowercase letters, digits, _)")
        self.url = url
        self.schema = schema
        self.shared = shared
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._seam: PostgresConnection | None = None
        self._lock = asyncio.Lock()

    def describe(self) -> str:
        """The server and database, without the user or password."""
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        inside = f" (schema {self.schema})" if self.schema else ""
        return f"PostgreSQL {host}{port}{parts.path}{inside}"

    async def open(self) -> None:
        from storage.migrator import migrate

        if self._conn is not None:
            return
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, row_factory=_rows)
        try:
            await self._enter(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._seam = PostgresConnection(conn)
        try:
            await migrate(self)
        except BaseException:
            await self.close()
            raise

    async def _enter(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Take the schema's use lock, make the schema if missing and search it alone."""
        if self.shared:  # first: a restore may be putting the schema back
            await conn.execute(
                f"SELECT pg_advisory_lock_shared({USE_LOCK}, hashtext(%s))".encode(),
                (self.schema or "public",),
            )
        if self.schema is None:
            return
        # Only when missing: a role of the association's own (associations-roles) owns
        # its schema but may not create one (CREATE on the database is checked first).
        cursor = await conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,))
        if await cursor.fetchone() is None:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}".encode())
        # Only this schema: not even `public` is searched, so no statement can reach a
        # table that is not the association's own.
        await conn.execute(f"SET search_path TO {self.schema}".encode())

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def schema_version(self) -> int:
        from storage.migrator import applied

        async with self.reading() as conn:
            return max(await applied(conn), default=0)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
            self._seam = None

    async def checkpoint(self) -> tuple[int, int]:
        """Nothing to do: the server checkpoints by itself."""
        return 0, 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        conn, seam = self._require()
        async with self._lock:
            await conn.execute(b"BEGIN")
            try:
                yield seam
                with _errors():  # a deferred constraint is checked here
                    await conn.execute(b"COMMIT")
            except BaseException:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    await conn.execute(b"ROLLBACK")
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PostgresConnection]:
        _conn, seam = self._require()
        async with self._lock:
            yield seam

    @asynccontextmanager
    async def migrating(self) -> AsyncIterator[PostgresConnection]:
        conn, seam = self._require()
        async with self._lock:
            await conn.execute(
                f"SELECT pg_advisory_lock({MIGRATION_LOCK}, hashtext(current_schema()))".encode()
            )
            try:
                yield seam
            finally:
                await conn.execute(
                    f"SELECT pg_advisory_unlock({MIGRATION_LOCK}, hashtext(current_schema()))".encode()
                )

    def _require(self) -> tuple[psycopg.AsyncConnection[Any], PostgresConnection]:
        if self._conn is None or self._seam is None:
            raise RuntimeError("the database is not open")
        return self._conn, self._seam
