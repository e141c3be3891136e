"""The outbox: messages the bot sends on its own initiative, delivered in order per chat.

A row is `pending` until the dispatcher claims it (`sending`, committed before the call to
Telegram), then `sent`, `failed` (it can never arrive: the reason is kept) or `cancelled`
(a stopped broadcast). Rows are ordered per chat within a lane (see 0003_followups.sql).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.models import BULK, CONVERSATION, NOTICES, OutboxMessage
from storage.sql import AdvisoryLock, Connection, Row, json_true
from storage.values import dt, to_json, ts

HELD_LANES = (NOTICES, BULK)  # what quiet hours hold for beneficiaries
CLAIM_LOCK = int(AdvisoryLock.CLAIM)  # pg_advisory_xact_lock's key (Outbox.lock_claims)

# A row is eligible when it is due and no earlier row of its chat and lane is unsent.
_ELIGIBLE = (
    "FROM outbox o WHERE o.state = 'pending' AND o.lane BETWEEN :first AND :last"
    " AND o.due_at <= :now"
    " AND NOT (:quiet = 1 AND o.lane >= 1 AND o.chat_id > 0)"
    " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id AND p.lane = o.lane"
    " AND p.state IN ('pending', 'sending') AND p.id < o.id)"
)

# Unsent rows by lane, with the queue time of each lane's oldest (ids grow with time).
DEPTH = (
    "SELECT d.lane, d.n, o.created_at FROM"
    " (SELECT lane, COUNT(*) AS n, MIN(id) AS first FROM outbox"
    "  WHERE state IN ('pending', 'sending') GROUP BY lane) AS d"
    " JOIN outbox o ON o.id = d.first"
)


@dataclass(frozen=True, slots=True)
class NewRow:
    chat_id: int
    payload: dict[str, Any]
    dedupe_key: str | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    """Rows by state; `maybe_duplicates` counts the attempts of unknown outcome (a timeout,
    a crash mid-send) of rows sent since: each may have delivered one extra copy."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    maybe_duplicates: int = 0

    @property
    def left(self) -> int:
        return self.pending + self.sending


def _message(row: Row) -> OutboxMessage:
    due = dt(row["due_at"])
    assert due is not None
    return OutboxMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        locale=row["locale"],
        due_at=due,
        attempts=row["attempts"],
        lane=row["lane"],
        ambiguous=row["ambiguous"],
        broadcast_id=row["broadcast_id"],
    )


class Outbox:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        chat_id: int,
        kind: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        lane: int = CONVERSATION,
        locale: str | None = None,
        due_at: datetime | None = None,
        dedupe_key: str | None = None,
        coalesce: bool = False,
    ) -> bool:
        """Queue a message; False if one with the same dedupe key was queued before.

        coalesce: False instead if the same message (chat, kind, payload) waits unclaimed;
        rows are rendered when sent, so that one will show this change as well.
        """
        if coalesce and await self.conn.fetchall(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND lane = ? AND kind = ?"
            " AND payload = ? AND chat_id ="
            " COALESCE((SELECT new_chat_id FROM chat_moves WHERE old_chat_id = ?), ?) LIMIT 1",
            (lane, kind, to_json(payload), chat_id, chat_id),
        ):
            return False
        changed = await self.conn.execute(
            "INSERT INTO outbox (chat_id, kind, lane, payload, locale, due_at,"
            " dedupe_key, created_at) VALUES"
            " (COALESCE((SELECT new_chat_id FROM chat_moves WHERE old_chat_id = ?), ?),"
            " ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                chat_id,
                chat_id,
                kind,
                lane,
                to_json(payload),
                locale,
                ts(due_at or now),
                dedupe_key,
                ts(now),
            ),
        )
        return changed == 1

    async def add_bulk(
        self, kind: str, rows: Iterable[NewRow], now: datetime, broadcast_id: int
    ) -> int:
        """Queue one message per row in the bulk lane; returns how many were new."""
        return await self.conn.executemany(
            "INSERT INTO outbox (chat_id, kind, lane, payload, locale, due_at,"
            " dedupe_key, broadcast_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                (
                    r.chat_id,
                    kind,
                    BULK,
                    to_json(r.payload),
                    r.locale,
                    ts(now),
                    r.dedupe_key,
                    broadcast_id,
                    ts(now),
                )
                for r in rows
            ),
        )

    async def eligible(
        self,
        now: datetime,
        quiet: bool,
        limit: int,
        lanes: tuple[int, int] = (0, BULK),
        *,
        claiming: bool = False,
        skip_chat: int | None = None,
    ) -> list[OutboxMessage]:
        """Rows that may go now, lane by lane, oldest first (quiet hours hold lanes 1-2).

        `claiming`: inside the transaction that claims them. In PostgreSQL, where several
        processes claim from one outbox, the rows are locked (FOR UPDATE SKIP LOCKED: a
        row another worker is recording is skipped, not waited for), after the claims of
        all processes were put in one order (lock_claims), so that a chat's next row is
        claimed only once its earlier one is seen claimed. `skip_chat`: a chat left to
        another process (the staff group, to the one that serves it).
        """
        lock = (
            " FOR UPDATE OF o SKIP LOCKED" if claiming and self.conn.dialect == "postgresql" else ""
        )
        skip = " AND o.chat_id <> :skip" if skip_chat is not None else ""
        rows = await self.conn.fetchall(
            f"SELECT o.* {_ELIGIBLE}{skip} ORDER BY o.lane, o.id LIMIT :limit{lock}",
            {
                "now": ts(now),
                "quiet": int(quiet),
                "limit": limit,
                "first": lanes[0],
                "last": lanes[1],
                **({"skip": skip_chat} if skip_chat is not None else {}),
            },
        )
        return [_message(r) for r in rows]

    async def lock_claims(self) -> None:
        """Put this transaction's claim in one order with every other process's claims
        (PostgreSQL; SQLite's writers are one at a time already). Held to the commit."""
        if self.conn.dialect == "postgresql":
            await self.conn.execute(
                f"SELECT pg_advisory_xact_lock({CLAIM_LOCK}, hashtext(current_schema()))"
            )

    async def claim(
        self, ids: Collection[int], worker: str = "", until: datetime | None = None
    ) -> None:
        """Mark rows as being sent, before the call: a crash now leaves them ambiguous.
        `worker` names the claiming process; its claim holds until `until`."""
        if ids:
            marks = ",".join("?" * len(ids))
            await self.conn.execute(
                "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_until = ?"
                f" WHERE id IN ({marks})",
                (worker or None, ts(until) if until is not None else None, *ids),
            )

    async def recover(self, now: datetime | None = None) -> int:
        """Rows left `sending` by a crash: maybe delivered, so sent again and counted.

        Without `now`, every such row (one process sends: at its start none is its own);
        with it, only those whose claim expired (another process may be sending the rest).
        """
        if now is None:
            return await self._send_again("", ())
        return await self._send_again(
            " AND (claimed_until IS NULL OR claimed_until < ?)", (ts(now),)
        )

    async def claimers(self) -> list[str]:
        """The workers that hold rows being sent."""
        rows = await self.conn.fetchall(
            "SELECT DISTINCT claimed_by FROM outbox"
            " WHERE state = 'sending' AND claimed_by IS NOT NULL"
        )
        return [str(r[0]) for r in rows]

    async def recover_claims_of(self, workers: Collection[str]) -> int:
        """Rows being sent by these workers, known to be dead: sent again and counted."""
        if not workers:
            return 0
        marks = ",".join("?" * len(workers))
        return await self._send_again(f" AND claimed_by IN ({marks})", tuple(workers))

    async def _send_again(self, which: str, params: tuple[str, ...]) -> int:
        """Put rows being sent (those `which` narrows to) back, counted as of unknown
        outcome: they may have been delivered."""
        return await self.conn.execute(
            "UPDATE outbox SET state = 'pending', ambiguous = ambiguous + 1,"
            f" claimed_by = NULL, claimed_until = NULL WHERE state = 'sending'{which}",
            params,
        )

    async def sent(self, message_id: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            (ts(now), message_id),
        )
        await self._forget(message_id)

    async def _forget(self, message_id: int) -> None:
        """A row marked `forget` (to a person whose data was erased) leaves no trace once
        it is done with."""
        await self.conn.execute(
            "DELETE FROM outbox WHERE id = ? AND "
            + json_true(self.conn.dialect, "payload", "forget"),
            (message_id,),
        )

    async def failed(self, message_id: int, error: str) -> None:
        """Give up on a message that can never be delivered (the reason is kept)."""
        await self.conn.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?"
            " WHERE id = ?",
            (error[:500], message_id),
        )
        await self._forget(message_id)

    async def fail_chat(self, chat_id: int, error: str) -> int:
        """Give up on every unsent row to a chat that cannot be reached (a blocked bot)."""
        changed = await self.conn.execute(
            "UPDATE outbox SET state = 'failed', last_error = ?"
            " WHERE chat_id = ? AND state = 'pending'",
            (error[:500], chat_id),
        )
        # Rows to a person whose data was erased leave no trace (see _forget).
        await self.conn.execute(
            "DELETE FROM outbox WHERE chat_id = ? AND state = 'failed'"
            " AND " + json_true(self.conn.dialect, "payload", "forget"),
            (chat_id,),
        )
        return changed

    async def retry_at(
        self, message_id: int, due_at: datetime, error: str, *, ambiguous: bool = False
    ) -> None:
        """Put a row back for a later attempt; `ambiguous`: it may have arrived already."""
        await self.conn.execute(
            "UPDATE outbox SET state = 'pending', due_at = ?, attempts = attempts + 1,"
            " ambiguous = ambiguous + ?, last_error = ? WHERE id = ?",
            (ts(due_at), int(ambiguous), error[:500], message_id),
        )

    async def release(self, ids: Collection[int]) -> None:
        """Rows claimed but not tried (the dispatcher stopped): pending again, unchanged."""
        if ids:
            marks = ",".join("?" * len(ids))
            await self.conn.execute(
                "UPDATE outbox SET state = 'pending', claimed_by = NULL, claimed_until = NULL"
                f" WHERE state = 'sending' AND id IN ({marks})",
                tuple(ids),
            )

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> None:
        """Follow a chat that changed its id: unsent rows now, later rows when added."""
        await self.conn.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state IN ('pending', 'sending')",
            (new_chat_id, old_chat_id),
        )
        await self.conn.execute(
            "INSERT INTO chat_moves (old_chat_id, new_chat_id, moved_at) VALUES (?, ?, ?)"
            " ON CONFLICT (old_chat_id) DO UPDATE SET new_chat_id = excluded.new_chat_id,"
            " moved_at = excluded.moved_at",
            (old_chat_id, new_chat_id, ts(now)),
        )
        await self.conn.execute(
            "UPDATE chat_moves SET new_chat_id = ? WHERE new_chat_id = ?",
            (new_chat_id, old_chat_id),
        )

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        changed = await self.conn.execute(
            "UPDATE outbox SET state = 'cancelled' WHERE broadcast_id = ? AND state = 'pending'",
            (broadcast_id,),
        )
        return changed

    async def tally(self, broadcast_id: int | None = None) -> Tally:
        """Rows by state: of one broadcast, or of the whole outbox."""
        where, args = ("WHERE broadcast_id = ?", (broadcast_id,)) if broadcast_id else ("", ())
        rows = await self.conn.fetchall(
            "SELECT state, COUNT(*), SUM(CASE WHEN state = 'sent' THEN ambiguous ELSE 0 END)"
            f" FROM outbox {where} GROUP BY state",
            args,
        )
        counts = {str(r[0]): int(r[1]) for r in rows}
        twice = sum(int(r[2] or 0) for r in rows)
        return Tally(**counts, maybe_duplicates=twice)

    async def depth(self) -> dict[int, tuple[int, datetime]]:
        """Unsent rows (pending or being sent) by lane: how many, and when the oldest was
        queued. Read from the partial index of unsent rows, so a scrape costs as little as
        the queue is long, whatever the number of rows ever sent."""
        rows = await self.conn.fetchall(DEPTH)
        found = {}
        for lane, count, created in rows:
            queued = dt(created)
            assert queued is not None
            found[int(lane)] = (int(count), queued)
        return found

    async def count(self, state: str = "pending", kind: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM outbox WHERE state = ?"
        args: tuple[Any, ...] = (state,)
        if kind is not None:
            sql, args = sql + " AND kind = ?", (*args, kind)
        rows = await self.conn.fetchall(sql, args)
        return int(next(iter(rows))[0])

    async def queued(self, dedupe_keys: Collection[str]) -> set[str]:
        """Which of these dedupe keys were ever queued (the follow-up rules ask)."""
        if not dedupe_keys:
            return set()
        marks = ",".join("?" * len(dedupe_keys))
        rows = await self.conn.fetchall(
            f"SELECT dedupe_key FROM outbox WHERE dedupe_key IN ({marks})",
            tuple(dedupe_keys),
        )
        return {str(r[0]) for r in rows}


class SendSlots:
    """Send slots shared by every process of one bot: each limit (the bot's overall rate,
    a chat's pace) is a row holding its next free moment; taking a slot moves it on by the
    limit's interval (a generic cell rate algorithm, kept in the database so that the
    limit holds for all the processes together). Times are seconds since the epoch."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def take(self, key: str, interval: float, now: float) -> float:
        """Take the next slot of `key`; return when it starts (now, or later: wait till then)."""
        ends = await self.conn.fetchval(
            "INSERT INTO send_slots (key, next_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
            " SET next_at = CASE WHEN send_slots.next_at > ? THEN send_slots.next_at ELSE ? END"
            " + ? RETURNING next_at",
            (key, now + interval, now, now, interval),
        )
        return float(ends) - interval

    async def hold(self, key: str, until: float) -> None:
        """Keep `key`'s next slot from starting before `until` (a send just answered)."""
        await self.conn.execute(
            "INSERT INTO send_slots (key, next_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
            " SET next_at = CASE WHEN send_slots.next_at > excluded.next_at"
            " THEN send_slots.next_at ELSE excluded.next_at END",
            (key, until),
        )

    async def drop(self, key: str) -> None:
        await self.conn.execute("DELETE FROM send_slots WHERE key = ?", (key,))

    async def forget(self, before: float) -> int:
        """Drop the slots of chats that have been free since `before` (they were many)."""
        return await self.conn.execute(
            "DELETE FROM send_slots WHERE next_at < ? AND key <> 'bot'", (before,)
        )
