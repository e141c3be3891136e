"""The database: pragmas, numbered migrations, transactions and the service's guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_profile
from bot.services.requests import IncompleteForm, RequestService, StaleDraft
from storage.db import Database, migrations
from storage.models import DraftStage
from tests.support import FakeClock


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "unit.sqlite3")
    await database.open()
    yield database  # type: ignore[misc]
    await database.close()


@pytest.fixture
def service(db: Database) -> RequestService:
    profile, _ = load_profile("sample")
    return RequestService(db, profile, clock=FakeClock())


async def test_pragmas_and_migrations(db: Database) -> None:
    async with db.reading() as conn:
        assert (await (await conn.execute("PRAGMA journal_mode")).fetchone())[0] == "wal"
        assert (await (await conn.execute("PRAGMA foreign_keys")).fetchone())[0] == 1
        version = (await (await conn.execute("PRAGMA user_version")).fetchone())[0]
    assert version == migrations()[-1][0]
    # Opening again applies nothing new and keeps the data.
    await db.close()
    await db.open()
    async with db.reading() as conn:
        assert (await (await conn.execute("PRAGMA user_version")).fetchone())[0] == version


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO beneficiaries (user_id, chat_id, locale, created_at, updated_at)"
                " VALUES (1, 1, 'ar', 'x', 'x')"
            )
            raise RuntimeError("boom")
    async with db.reading() as conn:
        row = await (await conn.execute("SELECT COUNT(*) FROM beneficiaries")).fetchone()
    assert row[0] == 0


async def test_foreign_keys_are_enforced(db: Database) -> None:
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
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


async def test_checkpoints_run_off_the_main_connection(db: Database) -> None:
    async with db.reading() as conn:
        assert (await (await conn.execute("PRAGMA wal_autocheckpoint")).fetchone())[0] == 0
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
