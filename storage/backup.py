"""Backups: a consistent copy of the live database, and the checks a copy must pass.

SQLite's online backup API copies the database as one read transaction sees it: in WAL
mode that includes every transaction committed before the copy began (also those still
in the WAL file) and none committed after, and the bot's writers are not held up. The
copy is written under a temporary name and renamed, so a backup file is always whole.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.db import lock_path
from storage.migrator import latest, migrations

# A file that is not SQLite at all is told apart from a damaged one by its first bytes.
SQLITE_HEADER = b"SQLite format 3\x00"
BACKUP_SUFFIX = ".sqlite3"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, for the operator."""


@dataclass(frozen=True, slots=True)
class BackupCopy:
    """A backup file written and checked."""

    path: Path
    version: int  # the newest migration the copy has
    size: int  # bytes
    removed: tuple[Path, ...] = ()  # older backups removed by --keep


def latest_version() -> int:
    """Return the newest SQLite migration this code knows."""
    return latest("sqlite")


def take_backup(
    database: Path, target: Path, *, now: datetime, keep: int | None = None
) -> BackupCopy:
    """Copy the database to target (a file, or a folder for a dated name) and check the copy."""
    if not database.is_file():
        raise BackupError(f"There is no database at {database} (TAWASUL_DATABASE).")
    if target.is_dir():
        target = target / f"{database.stem}-{now.strftime('%Y%m%d-%H%M%SZ')}{BACKUP_SUFFIX}"
    elif keep is not None:
        raise BackupError("--keep needs a folder as PATH (the backups in it are counted).")
    _refuse_target(database, target)
    partial = target.with_name(f".{target.name}.partial")
    try:
        version = _copy(database, partial)
        fsync(partial)
        os.replace(partial, target)
        fsync(target.parent)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup could not be written to {target}: {_reason(exc)}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    removed = prune(target.parent, database.stem, keep) if keep is not None else ()
    return BackupCopy(target, version, target.stat().st_size, removed)


def _refuse_target(database: Path, target: Path) -> None:
    live = database.resolve()
    companions = {live.with_name(live.name + tail) for tail in ("-wal", "-shm", "-journal")}
    if target.resolve() == live or target.resolve() in companions | {lock_path(live)}:
        raise BackupError("The backup cannot be written over the database itself.")
    check_target(target)


def check_target(target: Path) -> None:
    """A backup goes to a new file in a folder that exists and may be written."""
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"The folder {folder} does not exist; create it first.")
    if target.exists():
        raise BackupError(
            f"{target} already exists; give a new name, or a folder for a dated name."
        )
    if not os.access(folder, os.W_OK):
        raise BackupError(f"The folder {folder} is not writable.")


def _copy(database: Path, partial: Path) -> int:
    """Copy with the online backup API, as one self-contained file; return its version."""
    # mode=rw: never create a database that is not there; the timeout rides out the
    # moment a checkpoint or the bot's start-up holds the WAL's index.
    return copy_checked(database, partial, "rw", database.name)


def copy_checked(source_path: Path, target: Path, mode: str, name: str) -> int:
    """Copy a database through SQLite's backup API into a new private file, as one file
    (no WAL beside it to lose when it is moved), check the copy and return its version.

    Through SQLite rather than as bytes, so a database with its -wal beside it comes whole;
    `mode` is how the source is opened ("rw" for the live database, "ro" for a backup).
    """
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(private_file(target))
        try:
            # pages=-1 (the default): the whole copy in one step, so one read transaction,
            # one snapshot. A copy in several steps would restart at every write of the bot.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            return check_copy(copy, name)
        finally:
            copy.close()
    finally:
        source.close()


def check_copy(conn: sqlite3.Connection, name: str) -> int:
    """Check that a copy is whole and is a database this code can use; return its version."""
    problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(5)")]
    if problems != ["ok"]:
        raise BackupError(f"{name} is damaged: {'; '.join(problems)}")
    version = sqlite_version_of(conn)
    newest = latest_version()
    if version == 0:
        raise BackupError(f"{name} is not a Tawasul database (no migration applied).")
    if version > newest:
        raise BackupError(
            f"{name} is at migration {version}, newer than this version of Tawasul "
            f"knows (up to {newest}); install the newer version first."
        )
    tables = {str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master")}
    missing = sorted(expected_tables(version) - tables)
    if missing:
        raise BackupError(
            f"{name} is not a Tawasul database: migration {version} has no "
            f"{', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}."
        )
    return version


def expected_tables(version: int) -> set[str]:
    """Return the tables and indexes migrations up to version create (run in memory)."""
    conn = sqlite3.connect(":memory:")
    try:
        for migration in migrations("sqlite"):
            if migration.number <= version:
                conn.executescript(migration.sql)
        return {
            str(row[0])
            for row in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        }
    finally:
        conn.close()


def sqlite_version_of(conn: sqlite3.Connection) -> int:
    """Return the newest migration a SQLite file has: from its `schema_migrations`, or for a
    file older than that table, its `PRAGMA user_version`."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if has_table:
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        if row[0] is not None:
            return int(row[0])
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def prune(folder: Path, stem: str, keep: int, suffix: str = BACKUP_SUFFIX) -> tuple[Path, ...]:
    """Remove all but the keep newest dated backups of this database in folder."""
    dated = sorted(folder.glob(f"{stem}-[0-9]*-[0-9]*Z{suffix}"))  # names sort by time
    old = dated[: max(len(dated) - keep, 0)]
    for path in old:
        path.unlink()
    return tuple(old)


def private_file(path: Path) -> Path:
    """Create path empty, readable by its owner only (it holds personal data); return it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    return path


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries (a rename), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)
