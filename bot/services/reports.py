"""The figures staff see in the report, and the rows of the export, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.profile import FILE_KINDS, FieldKind, FormField, Profile
from bot.services.requests import Clock
from domain.models import RequestStatus
from storage.reports import EventRow, MonthSpan, RatingRow, Reports, RequestRow
from storage.sql import Database
from storage.staff import AuditEntry, AuditLog
from storage.volunteers import Volunteer, Volunteers

Cell = str | int | float | date | datetime | None

REQUEST_COLUMNS = ("reference", "user_id", "status", "submitted_at", "decision_due", "decided_at")
AUDIT_COLUMNS = ("id", "actor_id", "chat_id", "action", "request_id", "reason", "written_at")
EVENT_COLUMNS = (
    "reference",
    "kind",
    "from_status",
    "to_status",
    "actor_id",
    "actor_role",
    "details",
    "created_at",
)
RATING_COLUMNS = ("reference", "user_id", "stars", "comment", "created_at", "updated_at")
SUGGESTION_COLUMNS = ("id", "user_id", "text", "created_at")
VOLUNTEER_COLUMNS = ("id", "user_id", "status", "submitted_at", "accepted_at", "accepted_by")


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    ratings: int
    average: float | None
    stars: tuple[int, int, int, int, int]  # how many gave 1, 2, 3, 4 and 5 stars
    decided: int
    within_sla: int

    @property
    def sla_share(self) -> float | None:
        return self.within_sla / self.decided if self.decided else None


@dataclass(frozen=True)
class Report:
    today: date
    months: tuple[MonthFigures, ...]  # oldest first, the current month last
    by_status: dict[RequestStatus, int]


@dataclass(frozen=True)
class Sheet:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Export:
    """Requests submitted from `first` to `last` (local dates), with what belongs to them.

    Times are the association's local times; no file ids and no file contents.
    """

    first: date
    last: date
    requests: Sheet
    events: Sheet
    ratings: Sheet
    suggestions: Sheet
    audit: Sheet  # refused actions, archived here before the retention period ends
    volunteers: Sheet  # sign-ups submitted in the period, with their answers

    @property
    def sheets(self) -> tuple[Sheet, ...]:
        return (
            self.requests,
            self.events,
            self.ratings,
            self.suggestions,
            self.audit,
            self.volunteers,
        )

    @property
    def stem(self) -> str:
        """The file name without extension, e.g. tawasul-2026-10-01_2026-10-31."""
        return f"tawasul-{self.first.isoformat()}_{self.last.isoformat()}"


class ReportService:
    def __init__(self, db: Database, profile: Profile, *, timezone: str, clock: Clock) -> None:
        self.db = db
        self.profile = profile
        self.tz = ZoneInfo(timezone)
        self.clock = clock

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    async def snapshot(self, months: int = 6) -> Report:
        """Figures of the last `months` months (the current one included) and today's counts."""
        spans = self._spans(months)
        async with self.db.reading() as conn:
            reports = Reports(conn)
            by_status = await reports.counts_by_status()
            ratings = await reports.ratings_by_month(spans)
            decisions = await reports.decisions_by_month(spans)
        figures = tuple(
            MonthFigures(
                month=date.fromisoformat(f"{r.key}-01"),
                ratings=r.count,
                average=r.average,
                stars=r.stars,
                decided=d.decided,
                within_sla=d.within_sla,
            )
            for r, d in zip(ratings, decisions, strict=True)
        )
        return Report(today=self.today(), months=figures, by_status=by_status)

    async def export(self, first: date, last: date) -> Export:
        """Rows of the requests submitted from `first` to `last`, both included."""
        start, stop = self._midnight(first), self._midnight(last + timedelta(days=1))
        async with self.db.reading() as conn:
            reports = Reports(conn)
            requests = await reports.requests_between(start, stop)
            events = await reports.events_between(start, stop)
            audit = await AuditLog(conn).between(start, stop)
            ratings = await reports.ratings_between(start, stop)
            suggestions = await reports.suggestions_between(start, stop)
            volunteers = await Volunteers(conn).submitted_between(start, stop)
        fields = self.profile.form.fields
        form = self.profile.volunteer_form
        volunteer_fields = form.fields if form else ()
        return Export(
            first=first,
            last=last,
            requests=Sheet(
                "requests",
                (*REQUEST_COLUMNS, *(f.key for f in fields)),
                tuple(self._request_row(r, fields) for r in requests),
            ),
            events=Sheet(
                "events",
                EVENT_COLUMNS,
                tuple(self._event_row(e) for e in events),
            ),
            ratings=Sheet(
                "ratings",
                RATING_COLUMNS,
                tuple(self._rating_row(r) for r in ratings),
            ),
            suggestions=Sheet(
                "suggestions",
                SUGGESTION_COLUMNS,
                tuple((s.id, s.user_id, s.text, self._local(s.created_at)) for s in suggestions),
            ),
            audit=Sheet("audit", AUDIT_COLUMNS, tuple(self._audit_row(a) for a in audit)),
            volunteers=Sheet(
                "volunteers",
                (*VOLUNTEER_COLUMNS, *(f.key for f in volunteer_fields)),
                tuple(self._volunteer_row(v, volunteer_fields) for v in volunteers),
            ),
        )

    def _request_row(self, r: RequestRow, fields: tuple[FormField, ...]) -> tuple[Cell, ...]:
        decided = self._local(r.decided_at) if r.decided_at else None
        head: tuple[Cell, ...] = (
            r.reference,
            r.user_id,
            r.status.value,
            self._local(r.submitted_at),
            r.decision_due,
            decided,
        )
        return head + tuple(answer_cell(f, r.answers.get(f.key)) for f in fields)

    def _event_row(self, e: EventRow) -> tuple[Cell, ...]:
        return (
            e.reference,
            e.kind,
            e.from_status,
            e.to_status,
            e.actor_id,
            e.actor_role,
            e.details,
            self._local(e.created_at),
        )

    def _audit_row(self, a: AuditEntry) -> tuple[Cell, ...]:
        return (
            a.id,
            a.actor_id,
            a.chat_id,
            a.action,
            a.request_id,
            a.reason,
            self._local(a.created_at),
        )

    def _volunteer_row(self, v: Volunteer, fields: tuple[FormField, ...]) -> tuple[Cell, ...]:
        accepted = self._local(v.accepted_at) if v.accepted_at else None
        status = "accepted" if v.accepted_at else "submitted"
        head: tuple[Cell, ...] = (
            v.id,
            v.user_id,
            status,
            self._local(v.submitted_at),
            accepted,
            v.accepted_by,
        )
        return head + tuple(answer_cell(f, v.answers.get(f.key)) for f in fields)

    def _rating_row(self, r: RatingRow) -> tuple[Cell, ...]:
        return (
            r.reference,
            r.user_id,
            r.stars,
            r.comment,
            self._local(r.created_at),
            self._local(r.updated_at),
        )

    def _local(self, moment: datetime) -> datetime:
        """The association's wall-clock time, without a zone (spreadsheets hold no zones)."""
        return moment.astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.tz).astimezone(UTC)

    def _spans(self, count: int) -> list[MonthSpan]:
        today = self.today()
        spans = []
        year, month = today.year, today.month
        for _ in range(count):
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            start = datetime.combine(first, time(), self.tz)
            offset = start.utcoffset() or timedelta()
            spans.append(
                MonthSpan(f"{year:04d}-{month:02d}", start, self._midnight(following), offset)
            )
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return spans[::-1]


def answer_cell(form_field: FormField, value: Any) -> Cell:
    """One answer as a spreadsheet value: a file gives only its name, never its id."""
    if value is None:
        return None
    if form_field.kind in FILE_KINDS and isinstance(value, dict):
        return str(value.get("file_name") or value.get("kind") or "")
    if form_field.kind is FieldKind.DATE and isinstance(value, dict):
        return date.fromisoformat(value["gregorian"])
    if isinstance(value, int | float | str):
        return value
    return str(value)
