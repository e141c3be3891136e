"""python -m bot backup and restore: what a copy holds, and every refusal, on real files."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import main
from storage.backup import latest_version, sqlite_version_of
from storage.migrator import migrations
from storage.restore import exclusive_lock
from storage.sqlite import SqliteDatabase

PAGE = 4096  # SQLite's default page size
SUGGESTED_AT = b"2026-11-22T06:00:00"
NOW_STAMP = "[0-9]" * 8 + "-" + "[0-9]" * 6 + "Z"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The command line's environment: the database at tmp_path/data/t.sqlite3."""
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("TAWASUL_DATABASE", str(tmp_path / "data" / "t.sqlite3"))
    monkeypatch.delenv("TAWASUL_BOT_TOKEN", raising=False)
    root = logging.getLogger()  # the command line configures logging: put it back after
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    return tmp_path / "data" / "t.sqlite3"


@pytest.fixture
async def live(cli: Path) -> AsyncIterator[SqliteDatabase]:
    """The database open as the bot holds it, with rows still in its WAL only."""
    db = SqliteDatabase(cli)
    await db.open()
    await _add_beneficiary(db, 1, "in the WAL")
    yield db
    await db.close()


async def _add_beneficiary(db: SqliteDatabase, user_id: int, name: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO beneficiaries (user_id, chat_id, first_name, locale, created_at, updated_at)"
            " VALUES (?, ?, ?, 'ar', '2026-11-22', '2026-11-22')",
            (user_id, user_id, name),
        )


def _names(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT first_name FROM beneficiaries")]


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the command, expect exit status 1, and return what it said (no traceback)."""
    assert main(list(args)) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


async def test_a_backup_of_the_open_database_holds_what_is_in_its_wal(
    live: SqliteDatabase, cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _wal_size(cli) > 0  # the row is not checkpointed yet
    folder = tmp_path / "backups"
    folder.mkdir()
    assert main(["backup", str(folder)]) == 0
    [copy] = folder.iterdir()  # a dated name, and no temporary file left behind
    assert copy.match(f"t-{NOW_STAMP}.sqlite3")
    assert f"Backup written: {copy} (migration {latest_version()}," in capsys.readouterr().out
    assert _names(copy) == ["in the WAL"]
    assert _mode(copy) == 0o600  # personal data: for the bot's user only
    with closing(sqlite3.connect(copy)) as conn:
        assert sqlite_version_of(conn) == latest_version()
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def test_keep_leaves_the_newest_dated_backups_and_nothing_else_is_touched(
    live: SqliteDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"t-2026010{day}-020000Z.sqlite3" for day in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"an older backup")
    other = folder / "notes.sqlite3"
    other.write_bytes(b"not ours")
    assert main(["backup", str(folder), "--keep", "2"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [old[2].name, next(folder.glob(f"t-2026120*-{'[0-9]' * 6}Z.sqlite3")).name, other.name]
    )
    out = capsys.readouterr().out
    assert f"Removed the older backup {old[0]}" in out and str(old[2]) not in out


async def test_backup_refusals_say_why(
    live: SqliteDatabase, cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder" / "b.sqlite3"
    assert "no-such-folder does not exist" in _refused(capsys, "backup", str(missing))
    existing = tmp_path / "b.sqlite3"
    existing.write_bytes(b"keep me")
    assert "already exists" in _refused(capsys, "backup", str(existing))
    assert existing.read_bytes() == b"keep me"
    assert "over the database itself" in _refused(capsys, "backup", str(cli))
    assert "needs a folder" in _refused(
        capsys, "backup", str(tmp_path / "c.sqlite3"), "--keep", "3"
    )
    assert _names(cli) == ["in the WAL"]


def test_no_backup_of_a_database_that_is_not_there(
    cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(capsys, "backup", str(tmp_path / "b.sqlite3"))
    assert "There is no database at" in err
    assert not cli.exists()  # and none was created


def test_on_postgresql_a_server_not_there_or_a_missing_dump_is_said(
    cli: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """backup and restore work on PostgreSQL (tests/e2e/test_backup.py): neither looks for a
    SQLite file no one uses."""
    monkeypatch.setenv("TAWASUL_DATABASE_URL", "postgresql://tawasul:secret@127.0.0.1:1/tw")
    monkeypatch.setenv("TAWASUL_DATABASE_SCHEMA", "al_amal")
    err = _refused(capsys, "backup", str(tmp_path))
    assert "Backup refused: The database cannot be read" in err and "secret" not in err
    err = _refused(capsys, "restore", str(tmp_path / "b.dump"))
    assert "Restore refused: There is no file at" in err and "secret" not in err
    assert not cli.exists() and list(tmp_path.glob("*.dump")) == []


async def test_restore_keeps_the_current_database_aside_and_migrates_an_old_backup(
    cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.sqlite3"
    _database_at_migration(old, 5, name="from the backup")
    db = SqliteDatabase(cli)
    await db.open()
    await _add_beneficiary(db, 2, "current")
    await db.close()
    _leave_as_if_killed(cli)
    os.chmod(cli, 0o640)

    assert await asyncio.to_thread(main, ["restore", str(old)]) == 0  # (it runs its own loop)
    out = capsys.readouterr().out
    assert f"(migration 5, brought up to migration {latest_version()})" in out
    [kept] = cli.parent.glob(f"t.sqlite3.before-restore-{NOW_STAMP}")
    assert f"kept as {kept}" in out
    assert _names(cli) == ["from the backup"]
    assert _mode(cli) == 0o640  # as the database it replaces
    with closing(sqlite3.connect(cli)) as conn:
        assert sqlite_version_of(conn) == latest_version()
    assert sorted(p.name for p in cli.parent.iterdir()) == sorted(
        ["t.sqlite3", "t.sqlite3.lock", kept.name, f"{kept.name}-wal"]
    )
    assert _names(kept) == ["current", "only in the WAL"]  # its WAL was kept with it
    assert old.exists()  # the backup itself is left as it was
    reopened = SqliteDatabase(cli)  # and the bot opens the result
    await reopened.open()
    await reopened.close()


async def test_restore_is_refused_while_the_database_is_open(
    live: SqliteDatabase, cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.sqlite3"
    assert main(["backup", str(backup)]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["restore", str(backup)]) == 1
    assert "Stop it first" in capsys.readouterr().err
    await live.close()
    assert await asyncio.to_thread(main, ["restore", str(backup)]) == 0


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _wal_size(database: Path) -> int:
    return Path(f"{database}-wal").stat().st_size


def _leave_as_if_killed(database: Path) -> None:
    """Leave a committed row in the WAL only, with a stale index beside it, as SIGKILL does."""
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(
            "INSERT INTO beneficiaries (user_id, chat_id, first_name, locale, created_at,"
            " updated_at) VALUES (3, 3, 'only in the WAL', 'ar', '2026-11-22', '2026-11-22')"
        )
        conn.commit()
        crashed = {tail: Path(f"{database}{tail}").read_bytes() for tail in ("", "-wal")}
    for tail, data in crashed.items():  # as they were before the clean close checkpointed
        Path(f"{database}{tail}").write_bytes(data)
    Path(f"{database}-shm").write_bytes(b"stale")


def _database_at_migration(path: Path, version: int, *, name: str) -> None:
    """Write a database as an older version of the bot left it (migrations 1..version)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA synchronous=OFF")  # a test file: no need to wait for the disk
        for migration in migrations("sqlite"):
            if migration.number <= version:
                conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version={version:d}")
        conn.execute(
            "INSERT INTO beneficiaries (user_id, chat_id, first_name, locale, created_at, updated_at)"
            " VALUES (1, 1, ?, 'ar', '2026-01-01', '2026-01-01')",
            (name,),
        )
        conn.commit()


@pytest.fixture
def current(cli: Path) -> bytes:
    """A current database whose bytes a refused restore must leave as they were."""
    cli.parent.mkdir()
    _database_at_migration(cli, latest_version(), name="current")
    return cli.read_bytes()


def _assert_untouched(cli: Path, before: bytes) -> None:
    assert cli.read_bytes() == before
    left = sorted(p.name for p in cli.parent.iterdir())
    assert left in (["t.sqlite3"], ["t.sqlite3", "t.sqlite3.lock"])  # no staging file left


def test_restore_refuses_a_file_that_is_not_a_database(
    cli: Path, current: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.sqlite3"
    text.write_text("SQLite is not in here\n", "utf-8")
    assert "notes.sqlite3 is not a SQLite database" in _refused(capsys, "restore", str(text))
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    assert "is not a SQLite database" in _refused(capsys, "restore", str(empty))
    assert "There is no file at" in _refused(capsys, "restore", str(tmp_path / "gone"))
    assert "is not a file" in _refused(capsys, "restore", str(tmp_path))
    _assert_untouched(cli, current)


def _broken_pages(data: bytes) -> bytes:
    """Overwrite the start of every third page; the SQLite header is kept."""
    broken = bytearray(data)
    for number in range(2, len(data) // PAGE, 3):
        broken[number * PAGE : number * PAGE + 64] = b"\xa5" * 64
    return bytes(broken)


def _index_disagrees(data: bytes) -> bytes:
    """Change a row's date in its table but not in its index (integrity_check finds it)."""
    assert data.count(SUGGESTED_AT) == 2  # the table's row and the index's entry
    return data.replace(SUGGESTED_AT, b"2026-11-23T06:00:00", 1)


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (_broken_pages, "is damaged or unreadable: database disk image is malformed"),
        (_index_disagrees, "is damaged: row 1 missing from index suggestions_by_time"),
    ],
)
def test_restore_refuses_a_damaged_backup(
    damage: Callable[[bytes], bytes],
    said: str,
    cli: Path,
    current: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    _database_at_migration(damaged, latest_version(), name="x")
    with closing(sqlite3.connect(damaged)) as conn:
        conn.execute(
            "INSERT INTO suggestions (user_id, text, created_at) VALUES (1, 'more hours', ?)",
            (SUGGESTED_AT.decode(),),
        )
        conn.commit()
    damaged.write_bytes(damage(damaged.read_bytes()))
    assert f"damaged.sqlite3 {said}" in _refused(capsys, "restore", str(damaged))
    _assert_untouched(cli, current)


def test_restore_refuses_a_backup_newer_than_the_code(
    cli: Path, current: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newer = tmp_path / "newer.sqlite3"
    _database_at_migration(newer, latest_version(), name="x")
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version={latest_version() + 1:d}")
    err = _refused(capsys, "restore", str(newer))
    assert f"newer.sqlite3 is at migration {latest_version() + 1}, newer than" in err
    assert "install the newer version first" in err
    _assert_untouched(cli, current)


def test_restore_refuses_a_database_of_something_else(
    cli: Path, current: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("PRAGMA user_version=3")
    err = _refused(capsys, "restore", str(other))
    assert "other.sqlite3 is not a Tawasul database: migration 3 has no" in err
    assert "beneficiaries" in err
    unversioned = tmp_path / "unversioned.sqlite3"
    with closing(sqlite3.connect(unversioned)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    assert "no migration applied" in _refused(capsys, "restore", str(unversioned))
    _assert_untouched(cli, current)


async def test_a_bot_started_during_a_restore_waits_for_it(cli: Path) -> None:
    await asyncio.to_thread(cli.parent.mkdir)
    db = SqliteDatabase(cli)
    with exclusive_lock(cli):  # as restore holds it
        opening = asyncio.create_task(db.open())
        done, _ = await asyncio.wait({opening}, timeout=0.5)
        assert not done  # it waits for the lock, and opens nothing meanwhile
        assert not await asyncio.to_thread(cli.exists)
    await opening  # the restore is over: it opens the database in place
    await db.close()
