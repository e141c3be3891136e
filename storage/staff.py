"""Staff threads, relayed conversations and their message links, prompts, the audit log and
departures from the staff group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.models import Conversation, InfoItem, RelayLink, StaffPrompt, StaffThread
from storage.sql import Connection, Row
from storage.values import dt, ts


class StaffThreads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def insert(
        self, user_id: int, request_id: int | None, chat_id: int, name: str, now: datetime
    ) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO staff_threads (user_id, request_id, chat_id, name, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, request_id, chat_id, name, ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, thread_id: int) -> StaffThread | None:
        return await self._one("SELECT * FROM staff_threads WHERE id = ?", (thread_id,))

    async def for_request(self, request_id: int) -> StaffThread | None:
        return await self._one("SELECT * FROM staff_threads WHERE request_id = ?", (request_id,))

    async def latest_for_user(self, user_id: int) -> StaffThread | None:
        """The thread of the beneficiary's newest request, else their request-less one."""
        return await self._one(
            "SELECT * FROM staff_threads WHERE user_id = ?"
            " ORDER BY request_id IS NULL, request_id DESC, id DESC LIMIT 1",
            (user_id,),
        )

    async def by_topic(self, chat_id: int, topic_id: int) -> StaffThread | None:
        return await self._one(
            "SELECT * FROM staff_threads WHERE chat_id = ? AND topic_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (chat_id, topic_id),
        )

    async def by_card(self, chat_id: int, message_id: int) -> StaffThread | None:
        return await self._one(
            "SELECT * FROM staff_threads WHERE chat_id = ? AND card_message_id = ?",
            (chat_id, message_id),
        )

    async def set_topic(self, thread_id: int, topic_id: int | None) -> None:
        await self.conn.execute(
            "UPDATE staff_threads SET topic_id = ? WHERE id = ?", (topic_id, thread_id)
        )

    async def set_card(self, thread_id: int, message_id: int | None) -> None:
        await self.conn.execute(
            "UPDATE staff_threads SET card_message_id = ? WHERE id = ?", (message_id, thread_id)
        )

    async def _one(self, sql: str, args: tuple[object, ...]) -> StaffThread | None:
        rows = await self.conn.fetchall(sql, args)
        row = next(iter(rows), None)
        if row is None:
            return None
        return StaffThread(
            id=row["id"],
            user_id=row["user_id"],
            request_id=row["request_id"],
            chat_id=row["chat_id"],
            name=row["name"],
            topic_id=row["topic_id"],
            card_message_id=row["card_message_id"],
        )


class Conversations:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def open_for_user(self, user_id: int) -> Conversation | None:
        rows = await self.conn.fetchall(
            "SELECT * FROM conversations WHERE user_id = ? AND closed_at IS NULL", (user_id,)
        )
        row = next(iter(rows), None)
        return _conversation(row) if row else None

    async def insert(self, user_id: int, thread_id: int, opened_by: str, now: datetime) -> int:
        new_id = await self.conn.fetchval(
            "INSERT INTO conversations (user_id, thread_id, opened_by, opened_at,"
            " last_activity_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, thread_id, opened_by, ts(now), ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def touch(self, conversation_id: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE conversations SET last_activity_at = ? WHERE id = ?",
            (ts(now), conversation_id),
        )

    async def close(self, conversation_id: int, closed_by: str, now: datetime) -> bool:
        changed = await self.conn.execute(
            "UPDATE conversations SET closed_at = ?, closed_by = ?"
            " WHERE id = ? AND closed_at IS NULL",
            (ts(now), closed_by, conversation_id),
        )
        return changed == 1

    async def quiet_since(self, before: datetime) -> list[Conversation]:
        rows = await self.conn.fetchall(
            "SELECT * FROM conversations WHERE closed_at IS NULL AND last_activity_at < ?"
            " ORDER BY id",
            (ts(before),),
        )
        return [_conversation(r) for r in rows]


def _conversation(row: Row) -> Conversation:
    opened, last = dt(row["opened_at"]), dt(row["last_activity_at"])
    assert opened is not None and last is not None
    return Conversation(
        id=row["id"],
        user_id=row["user_id"],
        thread_id=row["thread_id"],
        opened_by=row["opened_by"],
        opened_at=opened,
        last_activity_at=last,
        closed_at=dt(row["closed_at"]),
        closed_by=row["closed_by"],
    )


class RelayLinks:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, link: RelayLink, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO relay_links (user_id, private_chat_id, private_message_id,"
            " staff_chat_id, staff_message_id, direction, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                link.user_id,
                link.private_chat_id,
                link.private_message_id,
                link.staff_chat_id,
                link.staff_message_id,
                link.direction,
                ts(now),
            ),
        )

    async def by_private(self, chat_id: int, message_id: int) -> RelayLink | None:
        return await self._one(
            "SELECT * FROM relay_links WHERE private_chat_id = ? AND private_message_id = ?",
            (chat_id, message_id),
        )

    async def by_staff(self, chat_id: int, message_id: int) -> RelayLink | None:
        return await self._one(
            "SELECT * FROM relay_links WHERE staff_chat_id = ? AND staff_message_id = ?",
            (chat_id, message_id),
        )

    async def _one(self, sql: str, args: tuple[object, ...]) -> RelayLink | None:
        rows = await self.conn.fetchall(sql, args)
        row = next(iter(rows), None)
        if row is None:
            return None
        return RelayLink(
            user_id=row["user_id"],
            private_chat_id=row["private_chat_id"],
            private_message_id=row["private_message_id"],
            staff_chat_id=row["staff_chat_id"],
            staff_message_id=row["staff_message_id"],
            direction=row["direction"],
        )


class InfoItems:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, request_id: int, round_: int, item: InfoItem) -> bool:
        changed = await self.conn.execute(
            "INSERT INTO info_items (request_id, round, kind, text, file_id,"
            " file_name, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                request_id,
                round_,
                item.kind,
                item.text,
                item.file_id,
                item.file_name,
                item.message_id,
                ts(item.created_at),
            ),
        )
        return changed == 1

    async def for_round(self, request_id: int, round_: int) -> list[InfoItem]:
        rows = await self.conn.fetchall(
            "SELECT * FROM info_items WHERE request_id = ? AND round = ? ORDER BY id",
            (request_id, round_),
        )
        return [_info(r) for r in rows]

    async def latest_round(self, request_id: int) -> list[InfoItem]:
        rows = await self.conn.fetchall(
            "SELECT * FROM info_items WHERE request_id = ? AND round ="
            " (SELECT MAX(round) FROM info_items WHERE request_id = ?) ORDER BY id",
            (request_id, request_id),
        )
        return [_info(r) for r in rows]


def _info(row: Row) -> InfoItem:
    created = dt(row["created_at"])
    assert created is not None
    return InfoItem(
        kind=row["kind"],
        text=row["text"],
        file_id=row["file_id"],
        file_name=row["file_name"],
        message_id=row["message_id"],
        created_at=created,
    )


class StaffPrompts:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def put(self, prompt: StaffPrompt) -> None:
        await self.conn.execute(
            "INSERT INTO staff_prompts (staff_id, chat_id, topic_key, request_id,"
            " action, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (staff_id, chat_id, topic_key) DO UPDATE SET"
            " request_id = excluded.request_id, action = excluded.action,"
            " version = excluded.version, created_at = excluded.created_at",
            (
                prompt.staff_id,
                prompt.chat_id,
                prompt.topic_key,
                prompt.request_id,
                prompt.action,
                prompt.version,
                ts(prompt.created_at),
            ),
        )

    async def take(self, staff_id: int, chat_id: int, topic_key: int) -> StaffPrompt | None:
        """Return and delete the prompt this staff member is answering."""
        rows = await self.conn.fetchall(
            "SELECT * FROM staff_prompts WHERE staff_id = ? AND chat_id = ? AND topic_key = ?",
            (staff_id, chat_id, topic_key),
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        await self.conn.execute(
            "DELETE FROM staff_prompts WHERE staff_id = ? AND chat_id = ? AND topic_key = ?",
            (staff_id, chat_id, topic_key),
        )
        created = dt(row["created_at"])
        assert created is not None
        return StaffPrompt(
            staff_id=row["staff_id"],
            chat_id=row["chat_id"],
            topic_key=row["topic_key"],
            request_id=row["request_id"],
            action=row["action"],
            version=row["version"],
            created_at=created,
        )


@dataclass(frozen=True)
class AuditEntry:
    """A refused action, a staff member leaving or rejoining the staff group, or a role given,
    changed or taken back."""

    id: int
    actor_id: int | None
    chat_id: int | None
    action: str
    request_id: int | None
    reason: str
    created_at: datetime


class AuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def refused(
        self,
        actor_id: int | None,
        chat_id: int | None,
        action: str,
        reason: str,
        now: datetime,
        request_id: int | None = None,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO audit_log (actor_id, chat_id, action, request_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (actor_id, chat_id, action, request_id, reason, ts(now)),
        )

    async def membership(
        self, user_id: int, chat_id: int, action: str, reason: str, now: datetime
    ) -> None:
        """Write a departure ("staff_left") or a return ("staff_returned") of a member."""
        await self.conn.execute(
            "INSERT INTO audit_log (actor_id, chat_id, action, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, chat_id, action, reason, ts(now)),
        )

    async def staff_change(
        self, actor_id: int, chat_id: int | None, action: str, reason: str, now: datetime
    ) -> None:
        """Write an invitation made or used, or a member's roles changed (bot.services.roster)."""
        await self.conn.execute(
            "INSERT INTO audit_log (actor_id, chat_id, action, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (actor_id, chat_id, action, reason, ts(now)),
        )

    async def prune(self, before: datetime) -> int:
        """Delete the entries older than before (the retention period); return how many."""
        changed = await self.conn.execute(
            "DELETE FROM audit_log WHERE created_at < ?", (ts(before),)
        )
        return changed

    async def between(self, start: datetime, stop: datetime) -> list[AuditEntry]:
        """Return the entries written in [start, stop), oldest first (for an export)."""
        rows = await self.conn.fetchall(
            "SELECT id, actor_id, chat_id, action, request_id, reason, created_at FROM audit_log"
            " WHERE created_at >= ? AND created_at < ? ORDER BY id",
            (ts(start), ts(stop)),
        )
        out = []
        for row in rows:
            written = dt(row["created_at"])
            assert written is not None
            out.append(
                AuditEntry(
                    row["id"],
                    row["actor_id"],
                    row["chat_id"],
                    row["action"],
                    row["request_id"],
                    row["reason"],
                    written,
                )
            )
        return out

    async def count(self, action: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM audit_log"
        args: tuple[object, ...] = ()
        if action is not None:
            sql, args = sql + " WHERE action = ?", (action,)
        rows = await self.conn.fetchall(sql, args)
        return int(next(iter(rows))[0])


class StaffDepartures:
    """Who left the staff group (or was removed) and has not been added back."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def depart(
        self, chat_id: int, user_id: int, removed_by: int | None, now: datetime
    ) -> bool:
        """Record a departure; False if one is already open (nothing written)."""
        if await self.departed(chat_id, user_id):
            return False
        await self.conn.execute(
            "INSERT INTO staff_departures (chat_id, user_id, removed_by, departed_at)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, user_id, removed_by, ts(now)),
        )
        return True

    async def come_back(self, chat_id: int, user_id: int, now: datetime) -> bool:
        """Close the open departure; False if there was none."""
        changed = await self.conn.execute(
            "UPDATE staff_departures SET returned_at = ?"
            " WHERE chat_id = ? AND user_id = ? AND returned_at IS NULL",
            (ts(now), chat_id, user_id),
        )
        return changed > 0

    async def departed(self, chat_id: int, user_id: int) -> bool:
        rows = await self.conn.fetchall(
            "SELECT 1 FROM staff_departures"
            " WHERE chat_id = ? AND user_id = ? AND returned_at IS NULL LIMIT 1",
            (chat_id, user_id),
        )
        return bool(list(rows))


class ForeignChats:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def first_notice(self, chat_id: int, now: datetime) -> bool:
        """Remember the chat; True only the first time (the bot says so once)."""
        changed = await self.conn.execute(
            "INSERT INTO foreign_chats (chat_id, noticed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (chat_id, ts(now)),
        )
        return changed == 1
