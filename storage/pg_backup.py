"""Backups on PostgreSQL: `pg_dump` of the association's schema, checked with `pg_restore`,
and the restore of such a dump in place of the schema.

pg_dump reads one snapshot of the database (a consistent copy while the bot runs). The
dump goes to a file readable by its owner only, under a temporary name, is listed by
`pg_restore --list` to check it is whole and holds the tables, and is then renamed, as the
SQLite backup is. The password never appears on a command line: it goes in PGPASSWORD.

A restore does what the SQLite one does, with a schema for a file: it is refused while
any process uses the association's schema (they hold its use lock shared; the restore
takes it alone, and a bot started meanwhile waits), the dump is listed and checked first
(a Tawasul dump, of this association's schema, of a migration this code knows), the
current schema is renamed aside (kept, not dropped), `pg_restore` puts the dump's schema
back, and the migrations the dump lacks are applied. If `pg_restore` fails, what it made
is dropped and the current schema renamed back.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg

from storage.backup import BackupCopy, BackupError, check_target, fsync, private_file, prune
from storage.db import with_login
from storage.migrator import latest
from storage.postgres import SCHEMA_NAME, USE_LOCK, PostgresDatabase
from storage.sql import DatabaseError

DUMP_SUFFIX = ".dump"
DEBIAN_BINARIES = Path("/usr/lib/postgresql")


def pg_tool(name: str) -> Path:
    """pg_dump or pg_restore: on the PATH, else the newest of Debian's server packages."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(
        (p for p in DEBIAN_BINARIES.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()),
        key=lambda p: int(p.parent.parent.name),
    )
    if not versions:
        raise BackupError(f"{name} is missing: install PostgreSQL's client (postgresql-client).")
    return versions[-1]


def _without_password(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that gives the password."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = unquote(parts.password)
    user = unquote(parts.username) if parts.username else None
    return with_login(url, user, None), env


def take_pg_backup(
    url: str, schema: str | None, target: Path, *, now: datetime, keep: int | None = None
) -> BackupCopy:
    """Dump the association's schema (the whole database without one) to target (a file,
    or a folder for a dated name) and check the dump."""
    stem = f"tawasul-{schema or (urlsplit(url).path.strip('/') or 'database')}"
    if target.is_dir():
        target = target / f"{stem}-{now.strftime('%Y%m%d-%H%M%SZ')}{DUMP_SUFFIX}"
    elif keep is not None:
        raise BackupError("--keep needs a folder as PATH (the backups in it are counted).")
    check_target(target)
    folder = target.parent
    version = _version(url, schema)
    plain, env = _without_password(url)
    partial = private_file(target.with_name(f".{target.name}.partial"))
    try:
        dump = [str(pg_tool("pg_dump")), "--format=custom", "--no-owner", "--no-privileges"]
        if schema:
            dump.append(f"--schema={schema}")
        _run([*dump, f"--file={partial}", f"--dbname={plain}"], env, "pg_dump")
        listing = _run([str(pg_tool("pg_restore")), "--list", str(partial)], env, "pg_restore")
        if "TABLE" not in listing or "schema_migrations" not in listing:
            raise BackupError("The dump holds no Tawasul tables: nothing was backed up.")
        fsync(partial)
        os.replace(partial, target)
        fsync(folder)
    finally:
        partial.unlink(missing_ok=True)
    removed = prune(folder, stem, keep, DUMP_SUFFIX) if keep is not None else ()
    return BackupCopy(target, version, target.stat().st_size, removed)


def _version(url: str, schema: str | None) -> int:
    table = f"{schema}.schema_migrations" if schema else "schema_migrations"
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute(f"SELECT MAX(version) FROM {table}").fetchone()
    except psycopg.Error as exc:
        raise BackupError(f"The database cannot be read: {exc}".strip()) from None
    if row is None or row[0] is None:
        raise BackupError("The database has no Tawasul tables yet (run the bot or migrate).")
    return int(row[0])


def _run(argv: list[str], env: dict[str, str], name: str) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{name} failed: {reason[-1] if reason else done.returncode}")
    return done.stdout


# «12; 2615 16386 SCHEMA - al_amal tawasul» in pg_restore --list: the dump's schema.
_LISTED_SCHEMA = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+)", re.MULTILINE)


def _schemas_of(dump: Path, target: str, env: dict[str, str]) -> set[str]:
    """Check the dump is a Tawasul dump of the target schema; return the schemas it lists."""
    if not dump.is_file():
        raise BackupError(f"There is no file at {dump}.")
    listing = _run([str(pg_tool("pg_restore")), "--list", str(dump)], env, "pg_restore")
    if "TABLE" not in listing or "schema_migrations" not in listing:
        raise BackupError(f"{dump.name} is not a dump of a Tawasul database.")
    listed = set(_LISTED_SCHEMA.findall(listing))
    dumped = listed or {"public"}  # a whole database's dump may not list `public`
    if dumped != {target}:
        raise BackupError(
            f"{dump.name} is a dump of the schema {', '.join(sorted(dumped))}, not of {target}."
        )
    return listed


@dataclass(frozen=True, slots=True)
class PgRestored:
    """A restore done on PostgreSQL."""

    version: int  # the dump's migration
    migrated_to: int  # the migration the restored schema is at now
    kept: str | None  # the schema it replaced, renamed aside (None: there was none)


async def restore_pg_backup(
    url: str, schema: str | None, dump: Path, *, now: datetime
) -> PgRestored:
    """Put the dump's schema in place of the association's, keeping the current one aside."""
    target = schema or "public"
    if not SCHEMA_NAME.fullmatch(target):
        raise BackupError(f"Not a schema name: {target!r} (lowercase letters, digits, _).")
    plain, env = _without_password(url)
    listed = _schemas_of(dump, target, env)
    try:
        lock = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise BackupError(f"The database cannot be reached: {exc}".strip()) from None
    try:
        with lock:
            return await _swap_schema(lock, (url, plain, env), schema, target, dump, listed, now)
    except (psycopg.Error, DatabaseError) as exc:  # a right missing, the server gone…
        raise BackupError(f"The restore failed: {exc}".strip()) from None


async def _swap_schema(
    lock: psycopg.Connection[Any],
    login: tuple[str, str, dict[str, str]],
    schema: str | None,
    target: str,
    dump: Path,
    listed: set[str],
    now: datetime,
) -> PgRestored:
    """Under the schema's use lock, alone: rename it aside, restore the dump, migrate.
    `login`: the URL, the same without its password, and the environment giving it."""
    url, plain, env = login
    aside = f"{target[:40]}_before_{now.strftime('%Y%m%d_%H%M%S')}"
    held = lock.execute(
        "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (USE_LOCK, target)
    ).fetchone()
    if not held or not held[0]:
        raise BackupError(
            f"The schema {target} is in use: the bot (or migrate, export, import-guides)"
            " is running. Stop it first, then restore."
        )
    exists = lock.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (target,))
    kept = aside if exists.fetchone() else None
    if kept:
        lock.execute(f"ALTER SCHEMA {target} RENAME TO {kept}")
    try:
        if not listed:
            lock.execute(f"CREATE SCHEMA {target}")
        _run(
            [
                str(pg_tool("pg_restore")),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={plain}",
                str(dump),
            ],
            env,
            "pg_restore",
        )
        version = _version(url, target)
        if version > latest("postgresql"):
            raise BackupError(
                f"{dump.name} is at migration {version}, newer than this code knows"
                f" ({latest('postgresql')}): update the bot first."
            )
        migrated = PostgresDatabase(url, schema, shared=False)
        try:
            await migrated.open()
            migrated_to = await migrated.schema_version()
        finally:
            await migrated.close()
    except BaseException:
        lock.execute(f"DROP SCHEMA IF EXISTS {target} CASCADE")
        if kept:
            lock.execute(f"ALTER SCHEMA {kept} RENAME TO {target}")
        raise
    return PgRestored(version, migrated_to, kept)
