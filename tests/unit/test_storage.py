"""The database on each backend: migrations recorded in a table, transactions, savepoints,
the one SQL's placeholders and rows, and the service's guards; SQLite's pragmas."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import load_profile
from bot.services.requests import IncompleteForm, RequestService, StaleDraft
from domain.models import DraftStage
from storage.db import with_login
from storage.migrator import latest, migrations
from storage.sql import Database, DatabaseError, IntegrityError, format_placeholders
from storage.sqlite import SqliteDatabase
from tests.support import FakeClock


@pytest.fixture
def service(db: Database) -> RequestService:
    profile, _ = load_profile("sample")
    return RequestService(db, profile, clock=FakeClock())


async def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "unit.sqlite3")
    await db.open()
    try:
        async with db.reading() as conn:
            assert await conn.fetchval("PRAGMA journal_mode") == "wal"
            assert await conn.fetchval("PRAGMA foreign_keys") == 1
    finally:
        await db.close()


async def test_migrations_are_recorded_in_a_table_once_each(db: Database) -> None:
    version = await db.schema_version()
    assert version == latest(db.dialect)
    async with db.reading() as conn:
        recorded = [
            tuple(r)
            for r in await conn.fetchall(
                "SELECT version, name FROM schema_migrations ORDER BY version"
            )
        ]
    assert recorded == [(m.number, m.name) for m in migrations(db.dialect)]
    # Opening again applies nothing new and keeps the data.
    await db.close()
    await db.open()
    async with db.reading() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM schema_migrations") == len(recorded)


async def test_a_migration_missing_from_the_table_is_applied_though_later_ones_are_there(
    tmp_path: Path,
) -> None:
    """A migration merged after a higher-numbered one is not skipped (no user_version)."""
    path = tmp_path / "gap.sqlite3"
    db = SqliteDatabase(path)
    await db.open()
    async with db.transaction() as conn:
        await conn.execute("DROP TABLE staff_posts")
        await conn.execute("DELETE FROM schema_migrations WHERE version = 14")
        assert await conn.fetchval("SELECT MAX(version) FROM schema_migrations") > 14
    await db.close()
    await db.open()
    try:
        async with db.reading() as conn:
            assert await conn.fetchval("SELECT COUNT(*) FROM staff_posts") == 0
        assert await db.schema_version() == latest("sqlite")
    finally:
        await db.close()


async def test_a_database_from_before_the_table_keeps_its_user_version(tmp_path: Path) -> None:
    """An existing SQLite file at user_version 5 gets 1-5 recorded and 6 onwards applied."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for migration in migrations("sqlite"):
        if migration.number <= 5:
            conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version=5")
    conn.commit()
    conn.close()
    db = SqliteDatabase(path)
    await db.open()
    try:
        async with db.reading() as seam:
            rows = await seam.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r[0] for r in rows] == [m.number for m in migrations("sqlite")]
    finally:
        await db.close()


def test_placeholders_become_psycopg_ones_outside_quotes() -> None:
    sql = "SELECT '?%:x', x::bigint FROM t WHERE a = ? AND b LIKE '%a' AND c = :name AND d % 2 = 0"
    assert format_placeholders(sql) == (
        "SELECT '?%%:x', x::bigint FROM t WHERE a = %s AND b LIKE '%%a'"
        " AND c = %(name)s AND d %% 2 = 0"
    )


async def test_rows_by_name_and_position_and_new_ids_returned(db: Database) -> None:
    async with db.transaction() as conn:
        first = await conn.fetchval(
            "INSERT INTO audit_log (actor_id, action, reason, created_at)"
            " VALUES (?, 'x', ?, 't') RETURNING id",
            (2**40, "صباح ١"),
        )
        second = await conn.fetchval(
            "INSERT INTO audit_log (actor_id, action, reason, created_at)"
            " VALUES (:actor, 'y', :reason, 't') RETURNING id",
            {"actor": -5, "reason": "100%"},
        )
        assert second == first + 1
        rows = await conn.fetchall("SELECT id, actor_id, reason FROM audit_log ORDER BY id")
        changed = await conn.execute("UPDATE audit_log SET reason = ? WHERE id > ?", ("r", 0))
        many = await conn.executemany(
            "INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(1, "t"), (2, "t"), (1, "t")],
        )
    assert [(r["id"], r["actor_id"], r[2]) for r in rows] == [
        (first, 2**40, "صباح ١"),
        (second, -5, "100%"),
    ]
    assert list(rows[0].keys()) == ["id", "actor_id", "reason"]
    assert changed == 2 and many == 2
    async with db.reading() as conn:
        assert await conn.fetchone("SELECT * FROM audit_log WHERE id = ?", (-1,)) is None
        assert await conn.fetchval("SELECT COUNT(*) FROM foreign_chats") == 2


async def test_a_refused_statement_in_a_savepoint_leaves_the_transaction_usable(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (1, 't')")
        with pytest.raises(IntegrityError):
            async with conn.savepoint():
                await conn.execute(
                    "INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (2, 't')"
                )
                await conn.execute(
                    "INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (1, 't')"
                )
        await conn.execute("INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (3, 't')")
    async with db.reading() as conn:
        rows = await conn.fetchall("SELECT chat_id FROM foreign_chats ORDER BY chat_id")
    assert [r[0] for r in rows] == [1, 3]


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO beneficiaries (user_id, chat_id, locale, created_at, updated_at)"
                " VALUES (1, 1, 'ar', 'x', 'x')"
            )
            raise RuntimeError("boom")
    async with db.reading() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM beneficiaries") == 0


async def test_a_commit_refused_at_the_end_leaves_nothing_and_the_next_one_runs(
    db: Database,
) -> None:
    """A deferred foreign key is checked at COMMIT: the refused transaction is rolled back
    and the one waiting behind it (queued while that COMMIT ran) still commits."""
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t_parent (id INTEGER PRIMARY KEY)")
        await conn.execute(
            "CREATE TABLE t_child (id INTEGER PRIMARY KEY, parent INTEGER"
            " REFERENCES t_parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )

    async def orphan() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t_child (id, parent) VALUES (1, 404)")

    async def parent() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t_parent (id) VALUES (7)")

    refused, committed = await asyncio.gather(orphan(), parent(), return_exceptions=True)
    assert isinstance(refused, IntegrityError)
    assert committed is None
    async with db.reading() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM t_child") == 0
        assert await conn.fetchval("SELECT id FROM t_parent") == 7


async def test_a_transaction_that_runs_nothing_or_fails_first_leaves_the_database_usable(
    db: Database,
) -> None:
    async with db.transaction():
        pass
    with pytest.raises(RuntimeError):
        async with db.transaction():
            raise RuntimeError("before any statement")
    with pytest.raises(IntegrityError):
        async with db.transaction() as conn:  # the first statement (and its BEGIN) refused
            await conn.execute(
                "INSERT INTO drafts (user_id, stage, created_at, updated_at)"
                " VALUES (404, 'answering', 'x', 'x')"
            )
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (5, 't')")
    async with db.reading() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM foreign_chats") == 1


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO drafts (user_id, stage, created_at, updated_at)"
                " VALUES (404, 'answering', 'x', 'x')"
            )


async def test_one_draft_per_beneficiary_and_stale_versions_are_refused(
    service: RequestService,
) -> None:
    await service.enrol(7, 7, "Sam", "en")
    first = await service.start_draft(7)
    moved = await service.record_answer(first, "full_name", "Sam Ahmed", message_id=10)
    assert moved.field_key == "national_id" and moved.seq == first.seq + 1
    assert moved.last_message_id == 10
    with pytest.raises(StaleDraft):
        await service.record_answer(first, "full_name", "Other")  # an older version
    second = await service.start_draft(7)
    assert second.id != first.id and second.answers == {}
    assert (await service.draft(7)) == second


async def test_submission_needs_every_required_answer(service: RequestService) -> None:
    await service.enrol(8, 8, "Sam", "en")
    draft = await service.start_draft(8)
    with pytest.raises(IncompleteForm) as caught:
        await service.to_declaration(draft)
    assert caught.value.field_key == "full_name"


async def test_reference_numbers_are_unique_and_sequential(service: RequestService) -> None:
    references = []
    for user in (21, 22, 23):
        await service.enrol(user, user, "Sam", "en")
        draft = await service.start_draft(user)
        answers = {
            "full_name": "Sam Ahmed",
            "national_id": "1000000008",
            "mobile": "+966551234567",
            "birth_date": {
                "gregorian": "1990-01-01",
                "hijri": "1410-06-04",
                "calendar": "gregorian",
            },
            "family_size": 3,
            "service_type": "food_basket",
            "description": "a description",
            "id_document": {
                "kind": "photo",
                "file_id": f"f{user}",
                "file_unique_id": f"u{user}",
                "file_name": None,
                "mime_type": "image/jpeg",
                "size": 10,
            },
        }
        for key, value in answers.items():
            draft = await service.record_answer(draft, key, value)
        draft = await service.skip(draft, "medical_report")
        assert draft.stage is DraftStage.REVIEWING
        draft = await service.to_declaration(draft)
        submission = await service.submit(draft, "I declare.", "en")
        references.append(submission.request.reference)
        assert len(submission.request.attachments) == 1
        with pytest.raises(StaleDraft):  # signing twice does not submit twice
            await service.submit(draft, "I declare.", "en")
    assert references == ["TWS-2026-000001", "TWS-2026-000002", "TWS-2026-000003"]
    assert await service.request_of(21, 2) is None  # someone else's request
    assert (await service.request_of(22, 2)) is not None


async def test_checkpoints_run_off_the_main_connection(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "wal.sqlite3")
    await db.open()
    async with db.reading() as conn:
        assert await conn.fetchval("PRAGMA wal_autocheckpoint") == 0
    for user in range(50):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO beneficiaries (user_id, chat_id, locale, created_at, updated_at)"
                " VALUES (?, ?, 'ar', 'x', 'x')",
                (user, user),
            )
    wal = db.path.with_name(db.path.name + "-wal")
    assert wal.stat().st_size > 0
    frames, copied = await db.checkpoint()
    assert frames > 0 and copied == frames  # the whole WAL is in the database now
    await db.close()


async def test_a_transaction_that_outlives_its_connection_fails_instead_of_hanging(
    tmp_path: Path,
) -> None:
    """The COMMIT is queued on aiosqlite's thread directly (not through its calls, which
    check the connection): once the connection is closed it is refused with the storage
    seam's own error, never queued where no one would answer it."""
    db = SqliteDatabase(tmp_path / "closing.sqlite3")
    await db.open()
    with pytest.raises(DatabaseError, match="closed"):
        async with asyncio.timeout(10), db.transaction() as conn:
            await conn.execute("INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (9, 't')")
            await db.close()  # a shutdown while a handler's transaction is open


def test_a_url_takes_another_login_and_keeps_the_rest() -> None:
    url = "postgresql://deploy:s%40cret@[::1]:5433/tw?sslmode=require"
    assert with_login(url, "tawasul_al_amal", "p@ss/1") == (
        "postgresql://tawasul_al_amal:p%40ss%2F1@[::1]:5433/tw?sslmode=require"
    )
    assert with_login(url, "deploy", None) == "postgresql://deploy@[::1]:5433/tw?sslmode=require"
    assert with_login("postgresql://db.internal/tw", None, None) == "postgresql://db.internal/tw"
