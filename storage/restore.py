"""Restore: check a backup, bring it up to date, keep the current database aside, swap.

Nothing touches the current database until the backup has been copied beside it,
checked (SQLite, whole, a Tawasul database of a migration this code knows) and migrated;
then the current files are renamed aside and the copy is renamed into place. All of it
happens under the exclusive lock on the database's lock file, so it is refused while the
bot (or another command using the database) runs, and a bot started meanwhile waits.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.backup import BackupError, copy_checked, fsync, is_sqlite_file, sqlite_version_of
from storage.db import lock_path
from storage.sqlite import SqliteDatabase

# The files SQLite keeps beside a database; the -shm is an index rebuilt from the -wal.
KEPT_COMPANIONS = ("-wal", "-journal")


@dataclass(frozen=True, slots=True)
class Restored:
    """A restore done."""

    version: int  # the backup's migration
    migrated_to: int  # the migration the restored database is at now
    kept: Path | None  # the former database, renamed aside (None: there was none)


async def restore_backup(backup: Path, database: Path, *, now: datetime) -> Restored:
    """Put the backup in place of the database, keeping the current one aside."""
    _refuse_source(backup, database)
    database.parent.mkdir(parents=True, exist_ok=True)
    staging = database.with_name(f".{database.name}.restoring")
    with exclusive_lock(database):
        try:
            _remove_files(staging)  # the leftovers of an interrupted restore
            version = _stage(backup, staging)
            migrated_to = await _migrate(staging, backup)
            kept = _swap(staging, database, now)
        except OSError as exc:
            raise BackupError(f"The restore failed: {exc.strerror or exc}") from None
        finally:
            _remove_files(staging)
    return Restored(version, migrated_to, kept)


@contextmanager
def exclusive_lock(database: Path) -> Iterator[None]:
    """Hold the database's lock alone, or refuse: someone is using the database."""
    fd = os.open(lock_path(database), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"{database} is in use: the bot (or migrate, export, import-guides) is "
                "running. Stop it first, then restore."
            ) from None
        yield
    finally:
        os.close(fd)


def _refuse_source(backup: Path, database: Path) -> None:
    if not backup.exists():
        raise BackupError(f"There is no file at {backup}.")
    if not backup.is_file():
        raise BackupError(f"{backup} is not a file.")
    if backup.resolve() == database.resolve():
        raise BackupError(f"{backup} is the database itself (TAWASUL_DATABASE).")
    try:
        sqlite = is_sqlite_file(backup)
    except OSError as exc:
        raise BackupError(f"{backup} cannot be read: {exc.strerror or exc}") from None
    if not sqlite:
        raise BackupError(f"{backup.name} is not a SQLite database.")


def _stage(backup: Path, staging: Path) -> int:
    """Copy the backup beside the database and check the copy; return its migration."""
    try:
        # Read-only: the backup is never changed.
        return copy_checked(backup, staging, "ro", backup.name)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup.name} is damaged or unreadable: {exc}") from None


async def _migrate(staging: Path, backup: Path) -> int:
    """Apply the migrations the backup is older than (the same code as at start-up)."""
    db = SqliteDatabase(staging)
    try:
        await db.open()
    except sqlite3.Error as exc:
        raise BackupError(f"{backup.name} could not be brought up to date: {exc}") from None
    finally:
        await db.close()
        lock_path(staging).unlink(missing_ok=True)
    conn = sqlite3.connect(staging)
    try:
        # Back to one self-contained file (the bot turns WAL on again when it opens it).
        conn.execute("PRAGMA journal_mode=DELETE")
        return sqlite_version_of(conn)
    finally:
        conn.close()


def _swap(staging: Path, database: Path, now: datetime) -> Path | None:
    """Rename the current database aside and the checked copy into its place."""
    if database.exists():  # whoever could read and write the database can do so again
        shutil.copymode(database, staging)
        if os.geteuid() == 0:  # a restore run as root must not leave a root-owned file
            owner = database.stat()
            os.chown(staging, owner.st_uid, owner.st_gid)
    kept = _set_aside(database, now)
    try:
        os.replace(staging, database)
    except OSError:
        if kept is not None:
            _put_back(kept, database)
        raise
    fsync(database.parent)
    return kept


def _set_aside(database: Path, now: datetime) -> Path | None:
    """Rename the current database (with its WAL) to <db>.before-restore-<time>."""
    aside = database.with_name(f"{database.name}.before-restore-{now.strftime('%Y%m%d-%H%M%SZ')}")
    if aside.exists():
        raise BackupError(f"{aside} already exists; wait a second and try again.")
    kept = None
    for tail in ("", *KEPT_COMPANIONS):
        current = Path(f"{database}{tail}")
        if current.exists():
            os.replace(current, f"{aside}{tail}")
            kept = aside
    # A stale index of the WAL would not match the restored file.
    Path(f"{database}-shm").unlink(missing_ok=True)
    return kept


def _put_back(kept: Path, database: Path) -> None:
    for tail in ("", *KEPT_COMPANIONS):
        if Path(f"{kept}{tail}").exists():
            os.replace(f"{kept}{tail}", f"{database}{tail}")


def _remove_files(staging: Path) -> None:
    for tail in ("", "-wal", "-shm", "-journal"):
        Path(f"{staging}{tail}").unlink(missing_ok=True)
    lock_path(staging).unlink(missing_ok=True)
