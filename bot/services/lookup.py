"""Staff views of the requests: the queue, search, and figures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.profile import FieldKind, Profile
from bot.services.faq import arabic
from bot.services.requests import Clock
from bot.services.textnorm import clean_text
from bot.services.validators import ValidationError, parse_mobile
from domain.models import OPEN_STATUSES, Request, RequestStatus
from storage.repositories import Beneficiaries, Requests
from storage.sql import Database

# The queue's sections, in the order staff work through them.
QUEUE_ORDER = (
    RequestStatus.SUBMITTED,
    RequestStatus.NEEDS_INFO,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.ACCEPTED,
)
FIND_LIMIT = 10


@dataclass(frozen=True)
class QueueItem:
    request: Request
    days_waiting: int
    days_left: int  # until the decision is due; negative: overdue

    @property
    def overdue(self) -> bool:
        # Only requests still waiting for a decision can be late for it.
        return self.days_left < 0 and self.request.status is not RequestStatus.ACCEPTED


@dataclass(frozen=True)
class Stats:
    by_status: dict[RequestStatus, int]
    decided: int
    median_days_to_decision: float | None
    within_sla: float | None  # share of decided requests decided by their due date
    overdue: int


def fold(text: str) -> str:
    """Fold Arabic and Latin text for matching names: the FAQ's folding, ة as ه, spaces."""
    return arabic.fold(clean_text(text)).replace("ة", "ه")


class LookupService:
    def __init__(self, db: Database, profile: Profile, *, timezone: str, clock: Clock) -> None:
        self.db = db
        self.profile = profile
        self.tz = ZoneInfo(timezone)
        self.clock = clock

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def local_date(self, request: Request) -> date:
        return request.submitted_at.astimezone(self.tz).date()

    async def queue(self) -> list[QueueItem]:
        """Open requests by status, oldest first."""
        async with self.db.reading() as conn:
            requests = await Requests(conn).all()
        today = self.today()
        items = [
            QueueItem(r, (today - self.local_date(r)).days, (r.decision_due - today).days)
            for r in requests
            if r.status in OPEN_STATUSES
        ]
        order = {status: i for i, status in enumerate(QUEUE_ORDER)}
        return sorted(items, key=lambda item: (order[item.request.status], item.request.id))

    async def find(self, query: str) -> list[Request]:
        """Requests whose reference, applicant name or mobile number matches, newest first."""
        wanted = fold(query).strip()
        if not wanted:
            return []
        phone = _as_mobile(query)
        async with self.db.reading() as conn:
            requests = await Requests(conn).all()
            names = {}
            for r in requests:
                if r.user_id not in names:
                    b = await Beneficiaries(conn).get(r.user_id)
                    names[r.user_id] = b.first_name if b else ""
        text_keys = [f.key for f in self.profile.form.fields if f.kind is FieldKind.TEXT]
        # The applicant's name: the field called full_name, else the form's first text field.
        name_keys = ["full_name"] if self.profile.field("full_name") else text_keys[:1]
        mobile_keys = [f.key for f in self.profile.form.fields if f.kind is FieldKind.MOBILE]
        found = []
        for r in reversed(requests):
            if (
                wanted.upper() in r.reference.upper()
                or (phone and any(r.answers.get(k) == phone for k in mobile_keys))
                or (
                    len(wanted) >= 2
                    and any(wanted in fold(str(r.answers.get(k, ""))) for k in name_keys)
                )
                or (len(wanted) >= 2 and wanted in fold(names[r.user_id]))
            ):
                found.append(r)
            if len(found) >= FIND_LIMIT:
                break
        return found

    async def stats(self) -> Stats:
        async with self.db.reading() as conn:
            requests = await Requests(conn).all()
        by_status = {status: 0 for status in RequestStatus}
        for r in requests:
            by_status[r.status] += 1
        decided = [r for r in requests if r.decided_at is not None]
        days = [
            (r.decided_at - r.submitted_at).total_seconds() / 86400 for r in decided if r.decided_at
        ]
        on_time = [
            r
            for r in decided
            if r.decided_at and r.decided_at.astimezone(self.tz).date() <= r.decision_due
        ]
        today = self.today()
        overdue = sum(
            1
            for r in requests
            if r.status
            in (RequestStatus.SUBMITTED, RequestStatus.UNDER_REVIEW, RequestStatus.NEEDS_INFO)
            and r.decision_due < today
        )
        return Stats(
            by_status=by_status,
            decided=len(decided),
            median_days_to_decision=statistics.median(days) if days else None,
            within_sla=len(on_time) / len(decided) if decided else None,
            overdue=overdue,
        )


def _as_mobile(query: str) -> str | None:
    try:
        return parse_mobile(query)
    except ValidationError:
        return None
