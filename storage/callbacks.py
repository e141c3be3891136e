"""Call-back requests and their tries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sql import Connection, Row
from storage.values import dt, ts

WAITING = ("open", "claimed")  # asked for and not finished


@dataclass(frozen=True)
class CallBack:
    id: int
    user_id: int
    request_id: int | None
    window_start: datetime
    window_end: datetime
    asap: bool
    mobile: str | None
    status: str
    claimed_by: int | None
    no_answers: int
    card_chat_id: int | None
    card_message_id: int | None
    updated_at: datetime


@dataclass(frozen=True)
class CallTry:
    id: int
    callback_id: int
    outcome: str
    staff_id: int
    note: str | None
    note_state: str
    created_at: datetime


class CallBacks:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def insert(
        self,
        user_id: int,
        request_id: int | None,
        window: tuple[datetime, datetime],
        asap: bool,
        mobile: str | None,
        now: datetime,
    ) -> int:
        # An unfinished earlier one (a number never confirmed) gives way to this one.
        await self.conn.execute(
            "DELETE FROM callbacks WHERE user_id = ? AND status IN ('confirming', 'typing')",
            (user_id,),
        )
        new_id = await self.conn.fetchval(
            "INSERT INTO callbacks (user_id, request_id, window_start, window_end, asap, mobile,"
            " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                request_id,
                ts(window[0]),
                ts(window[1]),
                int(asap),
                mobile,
                "confirming" if mobile else "typing",
                ts(now),
                ts(now),
            ),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, callback_id: int) -> CallBack | None:
        return await self._one("SELECT * FROM callbacks WHERE id = ?", (callback_id,))

    async def latest(self, user_id: int, statuses: tuple[str, ...]) -> CallBack | None:
        marks = ", ".join("?" * len(statuses))
        return await self._one(
            f"SELECT * FROM callbacks WHERE user_id = ? AND status IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            (user_id, *statuses),
        )

    async def move(
        self, callback_id: int, before: tuple[str, ...], after: str, now: datetime, **sets: object
    ) -> bool:
        """Compare-and-set the status (and the given columns); False if it had moved on."""
        columns = "".join(f", {name} = ?" for name in sets)
        marks = ", ".join("?" * len(before))
        changed = await self.conn.execute(
            f"UPDATE callbacks SET status = ?, updated_at = ?{columns}"
            f" WHERE id = ? AND status IN ({marks})",
            (after, ts(now), *sets.values(), callback_id, *before),
        )
        return changed == 1

    async def set_card(self, callback_id: int, chat_id: int, message_id: int) -> None:
        await self.conn.execute(
            "UPDATE callbacks SET card_chat_id = ?, card_message_id = ? WHERE id = ?",
            (chat_id, message_id, callback_id),
        )

    async def unclaimed_past(self, now: datetime) -> list[CallBack]:
        rows = await self.conn.fetchall(
            "SELECT * FROM callbacks WHERE status = 'open' AND window_end <= ? ORDER BY id",
            (ts(now),),
        )
        return [_callback(r) for r in rows]

    async def _one(self, sql: str, args: tuple[object, ...]) -> CallBack | None:
        rows = await self.conn.fetchall(sql, args)
        row = next(iter(rows), None)
        return _callback(row) if row is not None else None


def _callback(row: Row) -> CallBack:
    start, end, updated = dt(row["window_start"]), dt(row["window_end"]), dt(row["updated_at"])
    assert start is not None and end is not None and updated is not None
    return CallBack(
        id=row["id"],
        user_id=row["user_id"],
        request_id=row["request_id"],
        window_start=start,
        window_end=end,
        asap=bool(row["asap"]),
        mobile=row["mobile"],
        status=row["status"],
        claimed_by=row["claimed_by"],
        no_answers=row["no_answers"],
        card_chat_id=row["card_chat_id"],
        card_message_id=row["card_message_id"],
        updated_at=updated,
    )


class CallTries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        callback_id: int,
        outcome: str,
        staff_id: int,
        place: tuple[int, int],
        now: datetime,
    ) -> int:
        # A note still awaited from this caller in this place is no longer awaited.
        await self.conn.execute(
            "UPDATE callback_tries SET note_state = 'none' WHERE staff_id = ? AND chat_id = ?"
            " AND topic_key = ? AND note_state = 'waiting'",
            (staff_id, *place),
        )
        new_id = await self.conn.fetchval(
            "INSERT INTO callback_tries (callback_id, outcome, staff_id, chat_id, topic_key,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (callback_id, outcome, staff_id, *place, ts(now)),
        )
        assert new_id is not None
        return int(new_id)

    async def get(self, try_id: int) -> CallTry | None:
        return await self._one("SELECT * FROM callback_tries WHERE id = ?", (try_id,))

    async def for_callback(self, callback_id: int) -> list[CallTry]:
        rows = await self.conn.fetchall(
            "SELECT * FROM callback_tries WHERE callback_id = ? ORDER BY id", (callback_id,)
        )
        return [_try(r) for r in rows]

    async def awaiting_note(
        self, staff_id: int, place: tuple[int, int], since: datetime
    ) -> CallTry | None:
        return await self._one(
            "SELECT * FROM callback_tries WHERE staff_id = ? AND chat_id = ? AND topic_key = ?"
            " AND note_state = 'waiting' AND created_at >= ? ORDER BY id DESC LIMIT 1",
            (staff_id, *place, ts(since)),
        )

    async def set_note(self, try_id: int, note: str | None) -> bool:
        changed = await self.conn.execute(
            "UPDATE callback_tries SET note = ?, note_state = ? WHERE id = ?"
            " AND note_state = 'waiting'",
            (note, "given" if note else "none", try_id),
        )
        return changed == 1

    async def _one(self, sql: str, args: tuple[object, ...]) -> CallTry | None:
        rows = await self.conn.fetchall(sql, args)
        row = next(iter(rows), None)
        return _try(row) if row is not None else None


def _try(row: Row) -> CallTry:
    created = dt(row["created_at"])
    assert created is not None
    return CallTry(
        id=row["id"],
        callback_id=row["callback_id"],
        outcome=row["outcome"],
        staff_id=row["staff_id"],
        note=row["note"],
        note_state=row["note_state"],
        created_at=created,
    )
