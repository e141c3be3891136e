"""Backups on PostgreSQL: `pg_dump` of the association's schema, checked with `pg_restore`.

pg_dump reads one snapshot of the database (a consistent copy while the bot runs). The
dump goes to a file readable by its owner only, under a temporary name, is listed by
`pg_restore --list` to check it is whole and holds the tables, and is then renamed, as the
SQLite backup is. The password never appears on a command line: it goes in PGPASSWORD.
Restoring is left to `pg_restore` itself (it replaces a schema: the operator's act).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg

from storage.backup import BackupCopy, BackupError, check_target, fsync, private_file, prune
from storage.db import with_login

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
