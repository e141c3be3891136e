"""The beneficiary's data rights in SQL: what is held on a person, consents, correction and
erasure requests, and the erasure itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.outbox import SendSlots
from storage.sql import Connection, Row, json_equals
from storage.values import dt, to_json, ts

# Kept requests of erased people belong to this row: no chat, never written to.
ERASED = 0


@dataclass(frozen=True)
class DataRequest:
    id: int
    user_id: int | None
    kind: str  # correction, erasure
    status: str  # typing, pending, done, declined
    request_id: int | None
    field_key: str | None
    value: Any
    created_at: datetime


def _data_request(row: Row) -> DataRequest:
    created = dt(row["created_at"])
    assert created is not None
    return DataRequest(
        id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        status=row["status"],
        request_id=row["request_id"],
        field_key=row["field_key"],
        value=json.loads(row["value"]) if row["value"] is not None else None,
        created_at=created,
    )


class Consents:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def accept(
        self, user_id: int, version: int, locale: str, text: str, now: datetime
    ) -> None:
        await self.conn.execute(
            "INSERT INTO consents (user_id, version, locale, text, accepted_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, version, locale, text, ts(now)),
        )
        await self.conn.execute(
            "UPDATE beneficiaries SET consent_at = ?, consent_version = ?, updated_at = ?"
            " WHERE user_id = ?",
            (ts(now), version, ts(now), user_id),
        )

    async def version(self, user_id: int) -> int | None:
        rows = await self.conn.fetchall(
            "SELECT consent_version FROM beneficiaries WHERE user_id = ?", (user_id,)
        )
        row = next(iter(rows), None)
        return row[0] if row else None


class DataRequests:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, data_request_id: int) -> DataRequest | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM data_requests WHERE id = ?", (data_request_id,)
        )
        row = next(iter(rows), None)
        return _data_request(row) if row else None

    async def open_of(self, user_id: int, kind: str, status: str) -> DataRequest | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM data_requests WHERE user_id = ? AND kind = ? AND status = ?"
            " ORDER BY id DESC LIMIT 1",
            (user_id, kind, status),
        )
        row = next(iter(rows), None)
        return _data_request(row) if row else None

    async def add(
        self,
        user_id: int,
        kind: str,
        status: str,
        now: datetime,
        request_id: int | None = None,
        field_key: str | None = None,
    ) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO data_requests (user_id, kind, status, request_id, field_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, kind, status, request_id, field_key, ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def drop_typing(self, user_id: int) -> None:
        await self.conn.execute(
            "DELETE FROM data_requests WHERE user_id = ? AND status = 'typing'", (user_id,)
        )

    async def set_value(self, data_request_id: int, value: Any) -> bool:
        changed = await self.conn.execute(
            "UPDATE data_requests SET value = ?, status = 'pending'"
            " WHERE id = ? AND status = 'typing'",
            (to_json(value), data_request_id),
        )
        return changed == 1

    async def decide(
        self,
        data_request_id: int,
        approved: bool,
        staff_id: int,
        now: datetime,
        summary: dict[str, Any] | None = None,
    ) -> bool:
        """Close a pending request once; an erasure's row forgets whose it was."""
        changed = await self.conn.execute(
            "UPDATE data_requests SET status = ?, decided_by = ?, decided_at = ?, summary = ?,"
            " user_id = CASE WHEN kind = 'erasure' AND ? THEN NULL ELSE user_id END,"
            " value = CASE WHEN kind = 'erasure' AND ? THEN NULL ELSE value END"
            " WHERE id = ? AND status = 'pending'",
            (
                "done" if approved else "declined",
                staff_id,
                ts(now),
                to_json(summary or {}),
                approved,
                approved,
                data_request_id,
            ),
        )
        return changed == 1

    async def of_user(self, user_id: int) -> list[DataRequest]:
        rows = await self.conn.fetchall(
            "SELECT * FROM data_requests WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_data_request(r) for r in rows]


# What /mydata copies: each table's rows about the person, newest last. Staff-side ids
# (message ids in the staff group, outbox rows) are the association's bookkeeping and
# hold nothing of the person's beyond what is listed here.
_HELD: dict[str, str] = {
    "profile": "SELECT user_id, first_name, locale, consent_at, consent_version, created_at,"
    " blocked_at FROM beneficiaries WHERE user_id = :user",
    "consents": "SELECT version, locale, text, accepted_at FROM consents WHERE user_id = :user"
    " ORDER BY id",
    "draft": "SELECT stage, answers, created_at, updated_at FROM drafts WHERE user_id = :user",
    "requests": "SELECT id, reference, status, answers, declaration_text, declared_at,"
    " submitted_at, decision_due, decided_at, info_request FROM requests"
    " WHERE user_id = :user ORDER BY id",
    "timeline": "SELECT r.reference, e.kind, e.from_status, e.to_status, e.actor_role,"
    " e.details, e.created_at FROM request_events e JOIN requests r ON r.id = e.request_id"
    " WHERE r.user_id = :user ORDER BY e.id",
    "files": "SELECT r.reference, a.field_key, a.kind, a.file_name, a.mime_type, a.size,"
    " a.created_at FROM attachments a LEFT JOIN requests r ON r.id = a.request_id"
    " LEFT JOIN drafts d ON d.id = a.draft_id"
    " WHERE r.user_id = :user OR d.user_id = :user ORDER BY a.id",
    "information_sent": "SELECT r.reference, i.kind, i.text, i.file_name, i.created_at"
    " FROM info_items i JOIN requests r ON r.id = i.request_id WHERE r.user_id = :user"
    " ORDER BY i.id",
    "conversations": "SELECT opened_by, opened_at, closed_at, closed_by FROM conversations"
    " WHERE user_id = :user ORDER BY id",
    "messages_relayed": "SELECT direction, COUNT(*) AS count, MIN(created_at) AS first,"
    " MAX(created_at) AS last FROM relay_links WHERE user_id = :user GROUP BY direction",
    "ratings": "SELECT r.reference, g.stars, g.comment, g.created_at, g.updated_at"
    " FROM ratings g JOIN requests r ON r.id = g.request_id WHERE g.user_id = :user"
    " ORDER BY g.id",
    "suggestions": "SELECT text, created_at FROM suggestions WHERE user_id = :user ORDER BY id",
    "questions": "SELECT text, asked_at, outcome, helpful, handed_off FROM faq_questions"
    " WHERE user_id = :user ORDER BY id",
    "data_requests": "SELECT kind, status, field_key, created_at, decided_at FROM data_requests"
    " WHERE user_id = :user ORDER BY id",
    "mutes": "SELECT reason, muted_at, lifted_at FROM mutes WHERE user_id = :user ORDER BY id",
    "calls": "SELECT window_start, window_end, asap, mobile, status, created_at FROM callbacks"
    " WHERE user_id = :user ORDER BY id",
    "interviews": "SELECT branch, status, slot_at, created_at FROM interviews"
    " WHERE user_id = :user ORDER BY id",
}
_JSON_COLUMNS = {"answers", "details"}


def _plain(column: str, value: Any) -> Any:
    return json.loads(value) if column in _JSON_COLUMNS and isinstance(value, str) else value


async def held(conn: Connection, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything held on a person, table by table, as plain values."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, sql in _HELD.items():
        rows = await conn.fetchall(sql, {"user": user_id})
        out[name] = [
            {
                column: _plain(column, row[column])
                for column in row.keys()  # noqa: SIM118 - a row, not a dict
            }
            for row in rows
        ]
    return out


class StaffPosts:
    """Messages the bot posted in the staff group about a person (see migration 0014)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, user_id: int, message_id: int, kind: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO staff_posts (user_id, message_id, kind, posted_at) VALUES (?, ?, ?, ?)",
            (user_id, message_id, kind, ts(now)),
        )

    async def for_user(self, user_id: int) -> tuple[int, ...]:
        rows = await self.conn.fetchall(
            "SELECT message_id FROM staff_posts WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return tuple(r[0] for r in rows)


@dataclass(frozen=True)
class Thread:
    """A place in the staff group that holds a person's card and messages: a forum topic,
    or (without topics) the card and the messages relayed as replies to it."""

    topic_id: int | None
    card_message_id: int | None
    message_ids: tuple[int, ...] = ()


async def erase(
    conn: Connection,
    user_id: int,
    keep: dict[int, dict[str, Any]],
    now: datetime,
    erasure_id: int,
) -> tuple[dict[str, int], list[Thread]]:
    """Delete everything held on a person but the requests in `keep` (id → the answers
    kept), which stay without a name or id, and the erasure request being carried out.
    Returns the counts deleted and the staff group's threads that held the person's
    card and messages (to delete there too)."""
    counts: dict[str, int] = {}

    async def run(name: str, sql: str, args: tuple[Any, ...] = ()) -> None:
        changed = await conn.execute(sql, args)
        counts[name] = counts.get(name, 0) + max(changed, 0)

    rows = await conn.fetchall("SELECT id FROM requests WHERE user_id = ? ORDER BY id", (user_id,))
    gone = [r[0] for r in rows if r[0] not in keep]
    # The pace kept for their chat names it (send slots: forgotten a minute after anyway).
    chat = await conn.fetchval("SELECT chat_id FROM beneficiaries WHERE user_id = ?", (user_id,))
    for chat_id in {user_id, chat} - {None}:
        await SendSlots(conn).drop(f"chat:{chat_id}")
    relayed = tuple(
        r[0]
        for r in await conn.fetchall(
            "SELECT staff_message_id FROM relay_links WHERE user_id = ? ORDER BY id", (user_id,)
        )
    )
    threads = [
        Thread(r[0], r[1], () if r[0] else relayed)
        for r in await conn.fetchall(
            "SELECT topic_id, card_message_id FROM staff_threads WHERE user_id = ?", (user_id,)
        )
    ]
    # A call-back's card (it shows the number to call) may sit in General.
    threads += [
        Thread(None, r[0])
        for r in await conn.fetchall(
            "SELECT card_message_id FROM callbacks WHERE user_id = ?"
            " AND card_message_id IS NOT NULL",
            (user_id,),
        )
    ]
    # The bot's lines about them and their cards elsewhere (volunteers, General).
    posts = await StaffPosts(conn).for_user(user_id)
    if posts:
        threads.append(Thread(None, None, posts))
    await run("staff posts", "DELETE FROM staff_posts WHERE user_id = ?", (user_id,))
    chats = [
        r[0]
        for r in await conn.fetchall(
            "SELECT chat_id FROM beneficiaries WHERE user_id = ?", (user_id,)
        )
    ]
    await conn.execute(
        "INSERT INTO beneficiaries (user_id, chat_id, first_name, locale,"
        " created_at, updated_at, blocked_at) VALUES (?, 0, '', 'ar', ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (ERASED, ts(now), ts(now), ts(now)),
    )
    mine = "SELECT id FROM requests WHERE user_id = ?"
    # Files, information sent, what staff were typing about them, conversations.
    await run("files", f"DELETE FROM attachments WHERE request_id IN ({mine})", (user_id,))
    await run("drafts", "DELETE FROM drafts WHERE user_id = ?", (user_id,))
    await run("information", f"DELETE FROM info_items WHERE request_id IN ({mine})", (user_id,))
    await run("prompts", f"DELETE FROM staff_prompts WHERE request_id IN ({mine})", (user_id,))
    await run("prompts", "DELETE FROM beneficiary_prompts WHERE user_id = ?", (user_id,))
    await run("messages", "DELETE FROM relay_links WHERE user_id = ?", (user_id,))
    await run("conversations", "DELETE FROM conversations WHERE user_id = ?", (user_id,))
    await run("threads", "DELETE FROM staff_threads WHERE user_id = ?", (user_id,))
    await run("suggestions", "DELETE FROM suggestions WHERE user_id = ?", (user_id,))
    await run(
        "questions",
        "DELETE FROM faq_answers WHERE status != 'approved' AND question_id IN"
        " (SELECT id FROM faq_questions WHERE user_id = ?)",
        (user_id,),
    )
    await run("questions", "DELETE FROM faq_questions WHERE user_id = ?", (user_id,))
    await run("consents", "DELETE FROM consents WHERE user_id = ?", (user_id,))
    # Requests not kept go whole; kept ones lose every answer but the kept ones.
    for request_id in gone:
        await run("ratings", "DELETE FROM ratings WHERE request_id = ?", (request_id,))
        await run("timeline", "DELETE FROM request_events WHERE request_id = ?", (request_id,))
        await run("requests", "DELETE FROM requests WHERE id = ?", (request_id,))
    for request_id, answers in keep.items():
        await conn.execute(
            "UPDATE requests SET user_id = ?, answers = ?, info_request = NULL WHERE id = ?",
            (ERASED, to_json(answers), request_id),
        )
        # The steps stay (who of the staff did what, when); what was typed in them goes.
        await conn.execute(
            "UPDATE request_events SET details = '{}',"
            " actor_id = CASE WHEN actor_role = 'beneficiary' THEN NULL ELSE actor_id END"
            " WHERE request_id = ?",
            (request_id,),
        )
        await conn.execute(
            "UPDATE ratings SET user_id = ?, comment = NULL WHERE request_id = ?",
            (ERASED, request_id),
        )
    await run(
        "data_requests",
        "DELETE FROM data_requests WHERE user_id = ? AND id != ?",
        (user_id, erasure_id),
    )
    # Messages queued or sent to them, or about them, and their chat's moves.
    for chat_id in chats:
        await run("messages", "DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
        await conn.execute(
            "DELETE FROM chat_moves WHERE old_chat_id = ? OR new_chat_id = ?", (chat_id, chat_id)
        )
    await run(
        "messages",
        "DELETE FROM outbox WHERE " + json_equals(conn.dialect, "payload", "user_id"),
        (user_id,),
    )
    await conn.execute("UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (user_id,))
    # A mute's entry quotes the reason staff typed about the person: only its number stays
    # (the mutes themselves go with the person's row).
    for (mute_id,) in await conn.fetchall("SELECT id FROM mutes WHERE user_id = ?", (user_id,)):
        await conn.execute(
            "UPDATE audit_log SET reason = ? WHERE action = 'muted' AND reason LIKE ?",
            (f"mute {mute_id}", f"mute {mute_id}:%"),
        )
    await conn.execute("DELETE FROM beneficiaries WHERE user_id = ?", (user_id,))
    return {k: v for k, v in counts.items() if v}, threads
