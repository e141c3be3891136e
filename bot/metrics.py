"""The bot's Prometheus metrics, one registry per Application.

Each Application owns its CollectorRegistry (never prometheus_client's global one), so two
bots in one process (the tests, several associations) keep their numbers apart. Labels
take only a few fixed values (an update's kind, a lane, a result, an API method, a rule):
never a chat, a person or a text.

Counters move where things happen: the update processor (updates and their handling
time), the rate limiter (every 429 of every call), the dispatcher (each send's result),
the FAQ handler, the follow-up job and the error handler. What the database and the
scheduler hold (the outbox's depth and the age of its oldest message, the jobs due) is
read when Prometheus scrapes (sample()).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from telegram import Update
from telegram.ext import JobQueue

from domain.models import BULK, CONVERSATION, NOTICES
from storage.outbox import Outbox
from storage.sql import Database

__all__ = ["LANES", "UPDATE_KINDS", "Metrics", "update_kind"]

# The update kinds the bot asks Telegram for (bot.app.ALLOWED_UPDATES); anything else
# (none is expected) is counted as "other".
UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")
LANES = {CONVERSATION: "conversation", NOTICES: "notices", BULK: "bulk"}
# Handling an update is mostly a few milliseconds; a form's last step renders a card and
# a report draws a chart (hundreds of ms).
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Ranking a question takes milliseconds; the sentence encoder, tens of them.
FAQ_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def update_kind(update: object) -> str:
    """Return the kind of an update as its metrics label."""
    if isinstance(update, Update):
        for kind in UPDATE_KINDS:
            if getattr(update, kind) is not None:
                return kind
    return "other"


class Metrics:
    """The instruments, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("tawasul_updates", "Updates handled, by kind.", ["kind"], registry=r)
        self.update_seconds = Histogram(
            "tawasul_update_handling_seconds",
            "Time every handler group together took on one update (after its chat's turn came).",
            ["kind"],
            buckets=HANDLER_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "tawasul_handler_errors",
            "Errors the error handler reported, in an update's handlers or in a job.",
            ["source"],
            registry=r,
        )
        self.sends = Counter(
            "tawasul_outbox_sends",
            "The outbox's send attempts, by lane and result: sent; rate_limited (429, retried"
            " after retry_after); retried (5xx or network error); ambiguous (timed out, may"
            " have arrived; retried); blocked (the chat refuses the bot); moved (the chat got"
            " a new id); failed (refused, or given up).",
            ["lane", "result"],
            registry=r,
        )
        self.rate_limited = Counter(
            "tawasul_telegram_429",
            "429 Too Many Requests answers from Telegram, by API method (every call but"
            " getUpdates, whether the rate limiter or the outbox retries it).",
            ["method"],
            registry=r,
        )
        self.retry_after = Counter(
            "tawasul_telegram_retry_after_seconds",
            "Seconds Telegram asked to wait in its 429 answers, by API method.",
            ["method"],
            registry=r,
        )
        self.faq_seconds = Histogram(
            "tawasul_faq_answer_seconds",
            "Time to find the answer to a question in the guides and store the question.",
            buckets=FAQ_BUCKETS,
            registry=r,
        )
        self.faq_questions = Counter(
            "tawasul_faq_questions",
            "Questions asked, by outcome: answered, unsure (did you mean), unanswered (not in"
            " the guides), empty (no question: a greeting, an emoji), too_long (pointed to a"
            " person unread).",
            ["outcome"],
            registry=r,
        )
        self.followups = Counter(
            "tawasul_followups_queued",
            "Messages the follow-up rules found due and queued (reminders, expiries, rating"
            " prompts, SLA nudges, reports), by rule.",
            ["rule"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "tawasul_outbox_depth",
            "Outbox messages not sent yet (waiting, being sent, or waiting for a retry), by lane.",
            ["lane"],
            registry=r,
        )
        self.outbox_age = Gauge(
            "tawasul_outbox_oldest_age_seconds",
            "How long ago the oldest unsent outbox message of the lane was queued (0 when"
            " none). Quiet hours hold the notices and bulk lanes overnight.",
            ["lane"],
            registry=r,
        )
        self.jobs = Gauge(
            "tawasul_jobs_scheduled", "Jobs in the scheduler (repeating checks).", registry=r
        )
        self.jobs_due = Gauge(
            "tawasul_jobs_due",
            "Scheduled jobs whose time has come and that have not run yet (more than zero for"
            " long: the event loop is blocked or the scheduler stopped).",
            registry=r,
        )
        for lane in LANES.values():  # every lane shows, even before its first message
            self.outbox_depth.labels(lane)
            self.outbox_age.labels(lane)
        # Resolved once: every update passes here.
        self._by_kind = {
            kind: (self.updates.labels(kind), self.update_seconds.labels(kind))
            for kind in (*UPDATE_KINDS, "other")
        }

    def update_handled(self, update: object, seconds: float) -> None:
        count, timing = self._by_kind[update_kind(update)]
        count.inc()
        timing.observe(seconds)

    def told_to_wait(self, method: str, seconds: float) -> None:
        """Count a 429 answer and the wait it asked for."""
        self.rate_limited.labels(method).inc()
        self.retry_after.labels(method).inc(max(seconds, 0.0))

    def sent(self, lane: int, result: str) -> None:
        self.sends.labels(LANES.get(lane, str(lane)), result).inc()

    def question(self, outcome: str, seconds: float | None = None) -> None:
        self.faq_questions.labels(outcome).inc()
        if seconds is not None:
            self.faq_seconds.observe(seconds)

    def queued(self, rules: dict[str, int]) -> None:
        for rule, count in rules.items():
            self.followups.labels(rule).inc(count)

    async def sample(self, db: Database, now: datetime, jobs: JobQueue[Any] | None) -> None:
        """Read the outbox's depth and the scheduler's jobs (before a scrape)."""
        if db.is_open:
            async with db.reading() as conn:
                depth = await Outbox(conn).depth()
            for lane, name in LANES.items():
                count, oldest = depth.get(lane, (0, now))
                self.outbox_depth.labels(name).set(count)
                self.outbox_age.labels(name).set(max((now - oldest).total_seconds(), 0.0))
        if jobs is not None:
            scheduled = jobs.jobs()
            wall = datetime.now(UTC)  # the scheduler runs on the real clock
            self.jobs.set(len(scheduled))
            self.jobs_due.set(
                sum(1 for j in scheduled if j.next_t is not None and j.next_t <= wall)
            )
