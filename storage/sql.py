"""The storage seam: what repositories and services see of a database, whichever it is.

A repository is given a `Connection` inside a transaction the service opened
(`Database.transaction()` or `.reading()`), and speaks one SQL that SQLite and PostgreSQL
both run: `?` placeholders, `ON CONFLICT … DO`, `RETURNING`, `COALESCE`, `CASE`. The
backends (`storage.sqlite`, `storage.postgres`) adapt placeholders and rows; nothing above
them names a driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import IntEnum, unique
from functools import lru_cache
from typing import Any, Literal, Protocol


@unique
class AdvisoryLock(IntEnum):
    """The first key of each PostgreSQL advisory lock Tawasul takes (the second is the
    schema's hash). One list, unique by construction: two uses sharing a key would wait
    on each other (a shared use lock once blocked the outbox's claims)."""

    MIGRATION = 0x7A5C_0001  # processes starting together migrate a schema in turn
    CLAIM = 0x7A5C_0002  # outbox workers claim rows in turn (Outbox.lock_claims)
    USE = 0x7A5C_0003  # held shared while a process uses a schema; a restore takes it alone


Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]  # `?` in order, or `:name` by name


class DatabaseError(Exception):
    """The database refused or failed a statement (whichever driver)."""


class IntegrityError(DatabaseError):
    """A constraint refused a write: a unique key taken, a foreign key missing."""


class Row(Protocol):
    """A result row, read by column name (`row["id"]`) or by position (`row[0]`)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """One connection inside a transaction (or a read) that a `Database` gave out."""

    dialect: Dialect

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run a statement once for each row of parameters; return the rows changed in all."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row (None when there is no row)."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested transaction: a statement refused inside it (an IntegrityError caught
        by the caller) leaves the outer transaction usable, in PostgreSQL too."""
        ...


class Database(Protocol):
    """A database the bot opens once: transactions and reads, one at a time per process."""

    dialect: Dialect

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def is_open(self) -> bool: ...

    def describe(self) -> str:
        """Where the data is, for a person to read (never a password)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Connection]: ...

    def reading(self) -> AbstractAsyncContextManager[Connection]: ...

    async def schema_version(self) -> int: ...

    async def checkpoint(self) -> tuple[int, int]: ...


class BaseConnection:
    """What both backends' connections do the same way, on top of their own `execute` and
    `fetchone`: a value, and savepoints (the same SQL in SQLite and PostgreSQL)."""

    def __init__(self) -> None:
        self._savepoints = 0

    async def execute(self, sql: str, params: Params = ()) -> int:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        raise NotImplementedError

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        self._savepoints += 1
        name = f"s{self._savepoints}"
        await self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await self.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            await self.execute(f"RELEASE SAVEPOINT {name}")


class TupleRow:
    """A row of a driver that gives tuples: by position and by column name."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TupleRow):
            return tuple(self._values) == tuple(other._values)
        if isinstance(other, tuple):
            return tuple(self._values) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


@lru_cache(maxsize=4096)
def format_placeholders(sql: str) -> str:
    """Rewrite `?` as `%s`, `:name` as `%(name)s` and a literal `%` as `%%`, outside quotes
    (psycopg's placeholders); a `::` cast is left alone."""
    out: list[str] = []
    quote: str | None = None
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if quote is not None:
            if char == quote:
                quote = None
            out.append("%%" if char == "%" else char)
        elif char in ("'", '"'):
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        elif char == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 1
        elif char == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1 : j]})s")
            i = j
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def shifted_date(dialect: Dialect, column: str, shift: str) -> str:
    """SQL for the date (YYYY-MM-DD text) of a stored UTC time column moved by `shift`, an
    SQL expression such as a parameter '+180 minutes'."""
    if dialect == "postgresql":
        return (
            f"CAST(CAST(CAST({column} AS timestamp) + CAST({shift} AS interval) AS date) AS text)"
        )
    return f"date({column}, {shift})"


def json_field(dialect: Dialect, column: str, key: str) -> str:
    """SQL for a JSON text column's top-level number or string `key` (as SQL text in
    PostgreSQL, as the JSON value in SQLite): compare it with a parameter of that type
    through `json_equals`."""
    assert column.isidentifier() and key.isidentifier()
    if dialect == "postgresql":
        return f"({column}::jsonb ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def json_equals(dialect: Dialect, column: str, key: str) -> str:
    """SQL that a JSON text column's `key` equals the next parameter (a number)."""
    field = json_field(dialect, column, key)
    return f"{field}::bigint = ?" if dialect == "postgresql" else f"{field} = ?"


def json_true(dialect: Dialect, column: str, key: str) -> str:
    """SQL that a JSON text column's `key` is true."""
    field = json_field(dialect, column, key)
    return f"{field} = 'true'" if dialect == "postgresql" else f"{field} = 1"


def placeholders(count: int) -> str:
    """Return `?, ?, …` for an IN list of `count` values (at least one)."""
    return ", ".join("?" * max(count, 1))
