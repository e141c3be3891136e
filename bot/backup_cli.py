"""The backup commands: python -m bot backup PATH and python -m bot restore PATH."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser(
        "backup",
        help="copy the database (safe while the bot runs) to a file or a folder"
        " (on PostgreSQL: a checked pg_dump of the association's schema)",
    )
    backup.add_argument(
        "path", type=Path, metavar="PATH", help="a new file, or a folder for a dated name"
    )
    backup.add_argument(
        "--keep",
        type=_positive,
        metavar="N",
        help="with a folder: keep only the N newest dated backups in it",
    )
    restore = sub.add_parser(
        "restore", help="check a backup and put it in place of the database (bot stopped)"
    )
    restore.add_argument("path", type=Path, metavar="PATH", help="the backup file")


def backup(config: Config, args: argparse.Namespace) -> int:
    """Write a checked copy of the database; 1 with the reason when refused. On PostgreSQL,
    a checked pg_dump of the association's schema."""
    from storage.backup import BackupError, take_backup
    from storage.pg_backup import take_pg_backup

    settings = config.settings
    now = datetime.now(UTC)
    try:
        if isinstance(settings.database_target, str):
            copy = take_pg_backup(
                settings.database_target,
                settings.database_schema,
                args.path,
                now=now,
                keep=args.keep,
            )
        else:
            copy = take_backup(settings.database, args.path, now=now, keep=args.keep)
    except BackupError as exc:
        print(f"Backup refused: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written: {copy.path} (migration {copy.version}, {_size(copy.size)}, checked)")
    for old in copy.removed:
        print(f"Removed the older backup {old}")
    return 0


async def restore(config: Config, args: argparse.Namespace) -> int:
    """Put a checked backup in place of the database; 1 with the reason when refused."""
    from storage.backup import BackupError
    from storage.restore import restore_backup

    if isinstance(config.settings.database_target, str):
        return await _restore_pg(config.settings.database_target, config, args)
    database = config.settings.database
    try:
        done = await restore_backup(args.path, database, now=datetime.now(UTC))
    except BackupError as exc:
        print(f"Restore refused: {exc}", file=sys.stderr)
        return 1
    if done.kept is not None:
        print(f"The database it replaces is kept as {done.kept}")
    upgraded = (
        f", brought up to migration {done.migrated_to}" if done.migrated_to > done.version else ""
    )
    print(f"Restored {args.path} to {database} (migration {done.version}{upgraded}).")
    return 0


async def _restore_pg(url: str, config: Config, args: argparse.Namespace) -> int:
    from storage.backup import BackupError
    from storage.pg_backup import restore_pg_backup

    schema = config.settings.database_schema
    try:
        done = await restore_pg_backup(url, schema, args.path, now=datetime.now(UTC))
    except BackupError as exc:
        print(f"Restore refused: {exc}", file=sys.stderr)
        return 1
    if done.kept is not None:
        print(
            f"The schema it replaces is kept as {done.kept}"
            f" (DROP SCHEMA {done.kept} CASCADE when it is no longer needed)"
        )
    upgraded = (
        f", brought up to migration {done.migrated_to}" if done.migrated_to > done.version else ""
    )
    print(
        f"Restored {args.path} to the schema {schema or 'public'}"
        f" (migration {done.version}{upgraded})."
    )
    return 0


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a whole number from 1: {text!r}")
    return number


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"
