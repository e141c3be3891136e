"""Parameterised SQL for each table. Repositories never commit: the service owns the transaction."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from domain.models import (
    Attachment,
    Beneficiary,
    Draft,
    DraftStage,
    Request,
    RequestStatus,
    Step,
)
from storage.sql import Connection, Row
from storage.values import dt, to_json, ts


class Beneficiaries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, user_id: int) -> Beneficiary | None:
        rows = await self.conn.fetchall("SELECT * FROM beneficiaries WHERE user_id = ?", (user_id,))
        row = next(iter(rows), None)
        return _beneficiary(row) if row else None

    async def insert(
        self, user_id: int, chat_id: int, first_name: str, locale: str, now: datetime
    ) -> None:
        await self.conn.execute(
            "INSERT INTO beneficiaries (user_id, chat_id, first_name, locale, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, chat_id, first_name, locale, ts(now), ts(now)),
        )

    async def set_locale(self, user_id: int, locale: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE beneficiaries SET locale = ?, updated_at = ? WHERE user_id = ?",
            (locale, ts(now), user_id),
        )

    async def set_blocked(self, user_id: int, blocked: bool, now: datetime) -> bool:
        """Record that the beneficiary blocked (or unblocked) the bot; True if it changed."""
        changed = await self.conn.execute(
            "UPDATE beneficiaries SET blocked_at = ?, updated_at = ?"
            " WHERE user_id = ? AND CASE WHEN blocked_at IS NULL THEN 1 ELSE 0 END = ?",
            (ts(now) if blocked else None, ts(now), user_id, int(blocked)),
        )
        return changed == 1

    async def touch(self, user_id: int, chat_id: int, first_name: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE beneficiaries SET chat_id = ?, first_name = ?, updated_at = ?"
            " WHERE user_id = ?",
            (chat_id, first_name, ts(now), user_id),
        )


def _beneficiary(row: Row) -> Beneficiary:
    created = dt(row["created_at"])
    assert created is not None
    return Beneficiary(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        first_name=row["first_name"],
        locale=row["locale"],
        consent_at=dt(row["consent_at"]),
        created_at=created,
        blocked_at=dt(row["blocked_at"]),
    )


class Drafts:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get_for_user(self, user_id: int) -> Draft | None:
        rows = await self.conn.fetchall("SELECT * FROM drafts WHERE user_id = ?", (user_id,))
        row = next(iter(rows), None)
        return draft_from_row(row) if row else None

    async def active(self) -> list[Draft]:
        """Return every draft that is not paused (the open form conversations)."""
        rows = await self.conn.fetchall("SELECT * FROM drafts WHERE stage <> 'paused' ORDER BY id")
        return [draft_from_row(r) for r in rows]

    async def insert(
        self, user_id: int, field_key: str | None, now: datetime, last_message_id: int = 0
    ) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO drafts (user_id, stage, field_key, last_message_id, created_at,"
            " updated_at) VALUES (?, 'answering', ?, ?, ?, ?) RETURNING id",
            (user_id, field_key, last_message_id, ts(now), ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def delete(self, draft_id: int) -> None:
        await self.conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    async def save(
        self,
        draft: Draft,
        step: Step,
        *,
        answers: dict[str, Any],
        now: datetime,
        message_id: int | None = None,
    ) -> bool:
        """Write the draft's new state if nobody changed it since it was read (seq check)."""
        return await write_draft(
            self.conn,
            "drafts",
            draft,
            step,
            answers=answers,
            now=now,
            message_id=message_id,
        )


# The tables that keep a form's draft: the request form's, and the volunteer form's open
# sign-ups (storage.volunteers). Both have the columns below.
DRAFT_TABLES = ("drafts", "volunteers")


async def write_draft(
    conn: Connection,
    table: str,
    draft: Draft,
    step: Step,
    *,
    answers: dict[str, Any],
    now: datetime,
    message_id: int | None = None,
    while_in: tuple[str, ...] = (),
) -> bool:
    """Write a draft's new state if nobody changed it since it was read (seq check) and,
    given `while_in`, only while its stage is one of those."""
    assert table in DRAFT_TABLES
    stages = f" AND stage IN ({', '.join('?' * len(while_in))})" if while_in else ""
    changed = await conn.execute(
        f"UPDATE {table} SET stage = ?, field_key = ?, editing = ?, answers = ?,"
        " seq = seq + 1, last_message_id = CASE WHEN last_message_id > ? THEN last_message_id ELSE ? END, updated_at = ?"
        f" WHERE id = ? AND seq = ?{stages}",
        (
            step.stage.value,
            step.field_key,
            int(step.editing),
            to_json(answers),
            message_id or 0,
            message_id or 0,
            ts(now),
            draft.id,
            draft.seq,
            *while_in,
        ),
    )
    return changed == 1


def draft_from_row(row: Row) -> Draft:
    created, updated = dt(row["created_at"]), dt(row["updated_at"])
    assert created is not None and updated is not None
    return Draft(
        id=row["id"],
        user_id=row["user_id"],
        stage=DraftStage(row["stage"]),
        field_key=row["field_key"],
        editing=bool(row["editing"]),
        answers=json.loads(row["answers"]),
        seq=row["seq"],
        last_message_id=row["last_message_id"],
        created_at=created,
        updated_at=updated,
    )


class Attachments:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def replace_for_draft_field(
        self, draft_id: int, field_key: str, file: dict[str, Any], now: datetime
    ) -> int:
        """Store the file given for a draft's field, dropping an earlier one for that field."""
        return await self._replace("draft_id", draft_id, field_key, file, now)

    async def replace_for_request_field(
        self, request_id: int, field_key: str, file: dict[str, Any], now: datetime
    ) -> int:
        """A corrected file of a submitted request replaces the one it had for the field."""
        return await self._replace("request_id", request_id, field_key, file, now)

    async def _replace(
        self, owner: str, owner_id: int, field_key: str, file: dict[str, Any], now: datetime
    ) -> int:
        assert owner in ("draft_id", "request_id")
        await self.conn.execute(
            f"DELETE FROM attachments WHERE {owner} = ? AND field_key = ?", (owner_id, field_key)
        )
        new_id = await self.conn.fetchval(
            f"INSERT INTO attachments ({owner}, field_key, kind, file_id, file_unique_id,"
            " file_name, mime_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                owner_id,
                field_key,
                file["kind"],
                file["file_id"],
                file["file_unique_id"],
                file.get("file_name"),
                file.get("mime_type"),
                file.get("size"),
                ts(now),
            ),
        )
        assert new_id is not None
        return int(new_id)

    async def delete_for_draft_field(self, draft_id: int, field_key: str) -> None:
        await self.conn.execute(
            "DELETE FROM attachments WHERE draft_id = ? AND field_key = ?", (draft_id, field_key)
        )

    async def move_to_request(self, draft_id: int, request_id: int) -> None:
        await self.conn.execute(
            "UPDATE attachments SET request_id = ?, draft_id = NULL WHERE draft_id = ?",
            (request_id, draft_id),
        )

    async def for_request(self, request_id: int) -> tuple[Attachment, ...]:
        rows = await self.conn.fetchall(
            "SELECT * FROM attachments WHERE request_id = ? ORDER BY id", (request_id,)
        )
        return tuple(
            Attachment(
                id=r["id"],
                field_key=r["field_key"],
                kind=r["kind"],
                file_id=r["file_id"],
                file_unique_id=r["file_unique_id"],
                file_name=r["file_name"],
                mime_type=r["mime_type"],
                size=r["size"],
            )
            for r in rows
        )


class Requests:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def next_reference_number(self, year: int) -> int:
        """Take the next sequence number of the year (inside the caller's transaction)."""
        await self.conn.execute(
            "INSERT INTO reference_counters (year, last) VALUES (?, 1)"
            " ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1",
            (year,),
        )
        rows = await self.conn.fetchall(
            "SELECT last FROM reference_counters WHERE year = ?", (year,)
        )
        row = next(iter(rows), None)
        assert row is not None
        return int(row[0])

    async def insert(
        self,
        *,
        reference: str,
        user_id: int,
        answers: dict[str, Any],
        declaration_text: str,
        declaration_locale: str,
        declared_at: datetime,
        decision_due: date,
        now: datetime,
    ) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO requests (reference, user_id, status, answers, declaration_text,"
            " declaration_locale, declared_at, submitted_at, decision_due, updated_at)"
            " VALUES (?, ?, 'submitted', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                reference,
                user_id,
                to_json(answers),
                declaration_text,
                declaration_locale,
                ts(declared_at),
                ts(now),
                decision_due.isoformat(),
                ts(now),
            ),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, request_id: int) -> Request | None:
        rows = await self.conn.fetchall("SELECT * FROM requests WHERE id = ?", (request_id,))
        row = next(iter(rows), None)
        return _request(row) if row else None

    async def for_user(self, user_id: int) -> list[Request]:
        rows = await self.conn.fetchall(
            "SELECT * FROM requests WHERE user_id = ? ORDER BY id DESC", (user_id,)
        )
        return [_request(r) for r in rows]

    async def all(self) -> list[Request]:
        """Every request, oldest first (an association has thousands, not millions)."""
        rows = await self.conn.fetchall("SELECT * FROM requests ORDER BY id")
        return [_request(r) for r in rows]

    async def by_reference(self, reference: str) -> Request | None:
        rows = await self.conn.fetchall("SELECT * FROM requests WHERE reference = ?", (reference,))
        row = next(iter(rows), None)
        return _request(row) if row else None

    async def correct(self, request_id: int, answers: dict[str, Any], now: datetime) -> None:
        """Store corrected answers; the version moves on, so open cards are outdated."""
        await self.conn.execute(
            "UPDATE requests SET answers = ?, version = version + 1, updated_at = ? WHERE id = ?",
            (to_json(answers), ts(now), request_id),
        )

    async def transition(
        self,
        request: Request,
        status: RequestStatus,
        now: datetime,
        *,
        holder_id: int | None,
        info_request: str | None,
        decided: bool,
    ) -> bool:
        """Move the request to `status` only if nobody moved it since it was read."""
        changed = await self.conn.execute(
            "UPDATE requests SET status = ?, version = version + 1, holder_id = ?,"
            " info_request = ?, decided_at = CASE WHEN ? = 1 THEN ? ELSE decided_at END,"
            " updated_at = ? WHERE id = ? AND status = ? AND version = ?",
            (
                status.value,
                holder_id,
                info_request,
                int(decided),
                ts(now),
                ts(now),
                request.id,
                request.status.value,
                request.version,
            ),
        )
        return changed == 1


def _request(row: Row) -> Request:
    declared, submitted = dt(row["declared_at"]), dt(row["submitted_at"])
    assert declared is not None and submitted is not None
    return Request(
        id=row["id"],
        reference=row["reference"],
        user_id=row["user_id"],
        status=RequestStatus(row["status"]),
        answers=json.loads(row["answers"]),
        declaration_text=row["declaration_text"],
        declaration_locale=row["declaration_locale"],
        declared_at=declared,
        submitted_at=submitted,
        decision_due=date.fromisoformat(row["decision_due"]),
        version=row["version"],
        holder_id=row["holder_id"],
        decided_at=dt(row["decided_at"]),
        info_request=row["info_request"],
        updated_at=dt(row["updated_at"]),
    )
