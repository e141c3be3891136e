"""The bot writes without being asked: every rule reads the database and queues outbox rows.

Nothing is remembered between runs: each run looks at what the database holds (drafts,
requests, events) and queues what is due under a dedupe key, so a message is queued once
however often the rules run, and a restart or a crash loses none. Quiet hours are the
dispatcher's business: a notice queued at night waits there for the morning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.profile import Profile
from bot.services import notices
from bot.services.callbacks import remind_late
from bot.services.interviews import InterviewService
from bot.services.notices import Wakeup
from bot.services.requests import Clock, utc_now
from storage.followups import FollowUpQueries, IdleDraft
from storage.outbox import Outbox
from storage.sql import Connection, Database
from storage.staff import AuditLog, StaffThreads

# Rating prompts and follow-ups are not sent for services delivered longer ago than this
# (e.g. after an upgrade that brought the rule, or a long outage).
HORIZON = timedelta(days=30)
# A weekly report missed by more than this (the bot was down) is skipped, not sent late.
REPORT_GRACE = timedelta(days=1)
WAITING_FOR_STAFF = ("submitted", "under_review", "needs_info")


@dataclass(frozen=True)
class Run:
    """What one run queued, by rule."""

    queued: Counter[str]
    pruned: int = 0  # audit entries past the retention period, deleted

    @property
    def total(self) -> int:
        return sum(self.queued.values())


class FollowUpService:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        timezone: str = "Asia/Riyadh",
        clock: Clock = utc_now,
        staff_chat_id: int | None = None,
        wakeup: Wakeup | None = None,
        audit_retention_days: int = 730,
        interviews: InterviewService | None = None,
    ) -> None:
        self.db = db
        self.interviews = interviews
        self.audit_retention = timedelta(days=audit_retention_days)
        self.rules = profile.followups
        self.sla_days = profile.association.sla_days
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        self.wakeup = wakeup or Wakeup()

    async def run(self) -> Run:
        """Queue everything that is due now; safe to call as often as wanted."""
        now = self.clock()
        queued: Counter[str] = Counter()
        async with self.db.transaction() as conn:
            q = FollowUpQueries(conn)
            await self._drafts(conn, q, now, queued)
            await self._info(conn, q, now, queued)
            await self._delivered(conn, q, now, queued)
            if self.interviews is not None:
                await self.interviews.remind(conn, now, queued)
            if self.staff_chat_id is not None:
                await self._sla(conn, q, now, queued)
                await remind_late(conn, self.staff_chat_id, now, queued)
                await self._report(conn, now, queued)
            # The audit trail keeps refused actions for the retention period only.
            pruned = await AuditLog(conn).prune(now - self.audit_retention)
        if queued:
            self.wakeup()
        return Run(queued, pruned)

    # Unfinished forms ------------------------------------------------------------------

    async def _drafts(
        self, conn: Connection, q: FollowUpQueries, now: datetime, queued: Counter[str]
    ) -> None:
        hours = self.rules.draft_reminder_hours
        expiry = timedelta(days=self.rules.draft_expiry_days)
        first = timedelta(hours=hours[0]) if hours else expiry
        for draft in await q.idle_drafts(now - first):
            idle = now - draft.updated_at
            if idle >= expiry:
                if await q.delete_draft(draft.id, draft.seq):
                    await self._notify(
                        conn,
                        draft.user_id,
                        "draft_expired",
                        now,
                        f"draft:{draft.id}:expired",
                        queued,
                        days=int(self.rules.draft_expiry_days),
                    )
                continue
            # Only the latest reminder that applies: after a long outage, one message.
            step = max(i for i, h in enumerate(hours) if idle >= timedelta(hours=h))
            await self._remind_draft(conn, draft, step, now, queued)

    async def _remind_draft(
        self,
        conn: Connection,
        draft: IdleDraft,
        step: int,
        now: datetime,
        queued: Counter[str],
    ) -> None:
        expires = draft.updated_at + timedelta(days=self.rules.draft_expiry_days)
        await self._notify(
            conn,
            draft.user_id,
            "draft_reminder",
            now,
            f"draft:{draft.id}:{draft.seq}:{step}",
            queued,
            last=step == len(self.rules.draft_reminder_hours) - 1,
            expires_on=expires.astimezone(self.tz).date().isoformat(),
        )

    # Requests ---------------------------------------------------------------------------

    async def _info(
        self, conn: Connection, q: FollowUpQueries, now: datetime, queued: Counter[str]
    ) -> None:
        """Remind once per round when the information asked for has not come."""
        wait = timedelta(hours=self.rules.info_reminder_hours)
        for request in await q.waiting(("needs_info",)):
            if now - request.updated_at >= wait:
                await self._notify(
                    conn,
                    request.user_id,
                    "info_reminder",
                    now,
                    f"info:{request.id}:{request.version}",
                    queued,
                    request_id=request.id,
                )

    async def _delivered(
        self, conn: Connection, q: FollowUpQueries, now: datetime, queued: Counter[str]
    ) -> None:
        """The rating prompt, then the follow-up message, after a service was delivered."""
        steps = (
            ("rating_prompt", "rate", timedelta(hours=self.rules.rating_after_hours)),
            ("followup", "follow", timedelta(days=self.rules.followup_after_days)),
        )
        for notice, key, after in steps:
            for done in await q.delivered_between(now - after - HORIZON, now - after):
                await self._notify(
                    conn,
                    done.user_id,
                    notice,
                    now,
                    f"{key}:{done.id}",
                    queued,
                    request_id=done.id,
                )

    async def _sla(
        self, conn: Connection, q: FollowUpQueries, now: datetime, queued: Counter[str]
    ) -> None:
        """Nudge staff in the request's thread on the configured days, and when overdue."""
        today = now.astimezone(self.tz).date()
        threads = StaffThreads(conn)
        for request in await q.waiting(WAITING_FOR_STAFF):
            day = (today - request.submitted_at.astimezone(self.tz).date()).days
            if today > request.decision_due:
                if not self.rules.sla_overdue_nudge:
                    continue
                key, extra = f"sla:{request.id}:overdue", {"note": "sla_overdue", "day": day}
            else:
                passed = [d for d in self.rules.sla_nudge_days if d <= day < self.sla_days]
                if not passed:
                    continue
                key = f"sla:{request.id}:{max(passed)}"
                extra = {"note": "sla_nudge", "day": max(passed)}
            if await Outbox(conn).queued([key]):
                continue
            thread = await threads.for_request(request.id)
            if thread is None:
                continue
            if await notices.to_staff(
                conn,
                self.staff_chat_id,
                notices.STAFF_NOTE,
                now,
                key,
                thread_id=thread.id,
                request_id=request.id,
                due=request.decision_due.isoformat(),
                **extra,
            ):
                queued[str(extra["note"])] += 1

    async def _report(self, conn: Connection, now: datetime, queued: Counter[str]) -> None:
        """The weekly report, at its weekday and time where the association is."""
        moment = self.last_report_moment(now)
        if now - moment > REPORT_GRACE or not await FollowUpQueries(conn).in_use_before(moment):
            return  # missed by too long, or a week before the association used the bot
        key = f"report:{moment.date().isoformat()}"
        if await notices.to_staff(conn, self.staff_chat_id, notices.STAFF_REPORT, now, key):
            queued["report"] += 1

    def last_report_moment(self, now: datetime) -> datetime:
        """The latest weekly report time at or before now, in the association's zone."""
        local = now.astimezone(self.tz)
        days_back = (local.isoweekday() - self.rules.weekly_report_weekday) % 7
        day: date = local.date() - timedelta(days=days_back)
        moment = datetime.combine(day, self.rules.weekly_report_time, tzinfo=self.tz)
        return moment if moment <= local else moment - timedelta(days=7)

    async def _notify(
        self,
        conn: Connection,
        user_id: int,
        notice: str,
        now: datetime,
        key: str,
        queued: Counter[str],
        **params: Any,
    ) -> None:
        if await Outbox(conn).queued([key]):
            return
        if await notices.to_beneficiary(conn, user_id, notice, now, key, **params):
            queued[notice] += 1
