"""Numbered migrations for each backend, applied by one migrator that records them in a table.

`storage/migrations/<dialect>/NNNN_name.sql`: a file is applied once, in its own
transaction together with its row in `schema_migrations`, in the order of its number. A
number missing from the table is applied even when higher ones are there (a migration
merged after a later one is not skipped). A SQLite database made before the table existed
kept its version in `PRAGMA user_version`; its migrations up to that number are recorded as
applied the first time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Protocol

from storage.sql import Dialect

log = logging.getLogger(__name__)

DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")
TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


class ScriptConnection(Protocol):
    dialect: Dialect

    async def script(self, sql: str) -> None: ...

    async def fetchall(self, sql: str, params: Any = ()) -> list[Any]: ...

    async def fetchval(self, sql: str, params: Any = ()) -> Any: ...


class Migrating(Protocol):
    def migrating(self) -> Any: ...


@cache
def migrations(dialect: Dialect = "sqlite") -> tuple[Migration, ...]:
    """Return the backend's numbered migrations, in order."""
    folder = resources.files("storage") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append(Migration(int(name[:4]), name[:-4], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(set(numbers)) != len(numbers):
        raise RuntimeError(f"two {dialect} migrations share a number: {numbers}")
    return tuple(found)


def latest(dialect: Dialect = "sqlite") -> int:
    return migrations(dialect)[-1].number


async def applied(conn: ScriptConnection) -> set[int]:
    """Return the numbers of the migrations recorded as applied."""
    rows = await conn.fetchall("SELECT version FROM schema_migrations")
    return {int(row[0]) for row in rows}


async def migrate(db: Migrating) -> list[int]:
    """Apply the migrations the database lacks; return their numbers."""
    done: list[int] = []
    async with db.migrating() as conn:
        await conn.script(TABLE)
        have = await applied(conn)
        if not have and conn.dialect == "sqlite":
            have = await _adopt_user_version(conn)
        for migration in migrations(conn.dialect):
            if migration.number in have:
                continue
            log.info("applying migration %04d", migration.number)
            begin = "BEGIN IMMEDIATE" if conn.dialect == "sqlite" else "BEGIN"
            # One script, one transaction: the schema change and its record land together.
            await conn.script(
                f"{begin};\n{migration.sql}\n;{_record(migration.number, migration.name)};\nCOMMIT;"
            )
            done.append(migration.number)
    return done


async def _adopt_user_version(conn: ScriptConnection) -> set[int]:
    legacy = int(await conn.fetchval("PRAGMA user_version") or 0)
    if not legacy:
        return set()
    known = [m for m in migrations("sqlite") if m.number <= legacy]
    await conn.script(
        "BEGIN IMMEDIATE;\n" + "".join(f"{_record(m.number, m.name)};\n" for m in known) + "COMMIT;"
    )
    return {m.number for m in known}


def _record(number: int, name: str) -> str:
    # Both values are ours (a file name of digits, letters and underscores), never input.
    assert name.replace("_", "").isalnum()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return (
        "INSERT INTO schema_migrations (version, name, applied_at)"
        f" VALUES ({number:d}, '{name}', '{now}')"
    )
