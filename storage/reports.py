"""Parameterised SQL for the report and the export: figures by month and rows by date range."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.models import RequestStatus
from storage.sql import Connection, shifted_date
from storage.values import dt, ts


@dataclass(frozen=True)
class MonthSpan:
    """A calendar month of the association: its UTC bounds and its offset from UTC."""

    key: str  # YYYY-MM
    start: datetime
    stop: datetime
    utc_offset: timedelta


@dataclass(frozen=True)
class MonthRatings:
    key: str
    count: int
    average: float | None
    stars: tuple[int, int, int, int, int]  # how many gave 1, 2, 3, 4 and 5 stars


@dataclass(frozen=True)
class MonthDecisions:
    key: str
    decided: int
    within_sla: int


@dataclass(frozen=True)
class RequestRow:
    id: int
    reference: str
    user_id: int
    status: RequestStatus
    answers: dict[str, Any]
    submitted_at: datetime
    decision_due: date
    decided_at: datetime | None


@dataclass(frozen=True)
class EventRow:
    reference: str
    kind: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    actor_role: str
    details: str  # JSON, as stored
    created_at: datetime


@dataclass(frozen=True)
class RatingRow:
    reference: str
    user_id: int
    stars: int
    comment: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SuggestionRow:
    id: int
    user_id: int
    text: str
    created_at: datetime


def _months(spans: Sequence[MonthSpan]) -> tuple[str, list[str]]:
    """A CTE with one row per month, so that months without rows still come out."""
    values = ", ".join("(?, ?, ?, ?)" for _ in spans)
    params = []
    for span in spans:
        minutes = int(span.utc_offset.total_seconds() // 60)
        params += [span.key, _utc(span.start), _utc(span.stop), f"{minutes:+d} minutes"]
    return f"WITH months (month, first_at, stop_at, shift) AS (VALUES {values})", params


def _utc(value: datetime) -> str:
    """Write a bound as the stored times are written (UTC), so strings compare as times."""
    return ts(value.astimezone(UTC))


def _time(value: str) -> datetime:
    parsed = dt(value)
    assert parsed is not None
    return parsed


class Reports:
    """Read-only queries; times are compared as the ISO UTC strings they are stored as."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def counts_by_status(self) -> dict[RequestStatus, int]:
        rows = await self.conn.fetchall("SELECT status, COUNT(*) FROM requests GROUP BY status")
        counts = dict.fromkeys(RequestStatus, 0)
        for status, count in rows:
            counts[RequestStatus(status)] = int(count)
        return counts

    async def ratings_by_month(self, spans: Sequence[MonthSpan]) -> list[MonthRatings]:
        """The ratings first given in each month: how many, their average, each star's count."""
        if not spans:
            return []
        cte, params = _months(spans)
        rows = await self.conn.fetchall(
            cte + " SELECT m.month, COUNT(r.id), AVG(r.stars),"
            " COUNT(CASE WHEN r.stars = 1 THEN 1 END), COUNT(CASE WHEN r.stars = 2 THEN 1 END),"
            " COUNT(CASE WHEN r.stars = 3 THEN 1 END), COUNT(CASE WHEN r.stars = 4 THEN 1 END),"
            " COUNT(CASE WHEN r.stars = 5 THEN 1 END)"
            " FROM months m LEFT JOIN ratings r"
            " ON r.created_at >= m.first_at AND r.created_at < m.stop_at"
            " GROUP BY m.month ORDER BY m.month",
            params,
        )
        return [
            MonthRatings(
                key=r[0],
                count=int(r[1]),
                average=float(r[2]) if r[2] is not None else None,
                stars=(int(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7])),
            )
            for r in rows
        ]

    async def decisions_by_month(self, spans: Sequence[MonthSpan]) -> list[MonthDecisions]:
        """Requests decided in each month, and how many of them by their due date."""
        if not spans:
            return []
        cte, params = _months(spans)
        # decision_due is a local date: the month's UTC offset gives the decision's local
        # date (at most an hour off across a daylight-saving change; Saudi time has none).
        rows = await self.conn.fetchall(
            cte + " SELECT m.month, COUNT(q.id),"
            " COUNT(CASE WHEN "
            + shifted_date(self.conn.dialect, "q.decided_at", "m.shift")
            + " <= q.decision_due THEN 1 END)"
            " FROM months m LEFT JOIN requests q"
            " ON q.decided_at >= m.first_at AND q.decided_at < m.stop_at"
            " GROUP BY m.month ORDER BY m.month",
            params,
        )
        return [MonthDecisions(key=r[0], decided=int(r[1]), within_sla=int(r[2])) for r in rows]

    async def requests_between(self, start: datetime, stop: datetime) -> list[RequestRow]:
        rows = await self.conn.fetchall(
            "SELECT id, reference, user_id, status, answers, submitted_at, decision_due,"
            " decided_at FROM requests WHERE submitted_at >= ? AND submitted_at < ?"
            " ORDER BY id",
            (_utc(start), _utc(stop)),
        )
        return [
            RequestRow(
                id=r["id"],
                reference=r["reference"],
                user_id=r["user_id"],
                status=RequestStatus(r["status"]),
                answers=json.loads(r["answers"]),
                submitted_at=_time(r["submitted_at"]),
                decision_due=date.fromisoformat(r["decision_due"]),
                decided_at=dt(r["decided_at"]),
            )
            for r in rows
        ]

    async def events_between(self, start: datetime, stop: datetime) -> list[EventRow]:
        """The events of the requests submitted in the range."""
        rows = await self.conn.fetchall(
            "SELECT q.reference, e.kind, e.from_status, e.to_status, e.actor_id, e.actor_role,"
            " e.details, e.created_at FROM request_events e JOIN requests q ON q.id = e.request_id"
            " WHERE q.submitted_at >= ? AND q.submitted_at < ? ORDER BY e.id",
            (_utc(start), _utc(stop)),
        )
        return [
            EventRow(
                reference=r[0],
                kind=r[1],
                from_status=r[2],
                to_status=r[3],
                actor_id=r[4],
                actor_role=r[5],
                details=r[6],
                created_at=_time(r[7]),
            )
            for r in rows
        ]

    async def ratings_between(self, start: datetime, stop: datetime) -> list[RatingRow]:
        """The ratings of the requests submitted in the range."""
        rows = await self.conn.fetchall(
            "SELECT q.reference, r.user_id, r.stars, r.comment, r.created_at, r.updated_at"
            " FROM ratings r JOIN requests q ON q.id = r.request_id"
            " WHERE q.submitted_at >= ? AND q.submitted_at < ? ORDER BY q.id",
            (_utc(start), _utc(stop)),
        )
        return [
            RatingRow(
                reference=r[0],
                user_id=r[1],
                stars=r[2],
                comment=r[3],
                created_at=_time(r[4]),
                updated_at=_time(r[5]),
            )
            for r in rows
        ]

    async def suggestions_between(self, start: datetime, stop: datetime) -> list[SuggestionRow]:
        rows = await self.conn.fetchall(
            "SELECT id, user_id, text, created_at FROM suggestions"
            " WHERE created_at >= ? AND created_at < ? ORDER BY id",
            (_utc(start), _utc(stop)),
        )
        return [
            SuggestionRow(id=r[0], user_id=r[1], text=r[2], created_at=_time(r[3])) for r in rows
        ]
