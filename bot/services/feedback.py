"""Ratings after delivery, the suggestions box, and what staff see of them.

Evaluation is a tool for improvement, not punishment: staff see figures and words, and who
wrote them only when the association's profile says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.profile import Profile
from bot.services.requests import Clock
from domain.models import Request, RequestStatus
from storage.events import Events
from storage.feedback import BeneficiaryPrompt, BeneficiaryPrompts, Ratings, Remark, Suggestions
from storage.repositories import Requests
from storage.sql import Database

# A question ("add a comment?", "write your suggestion") waits this long for the answer.
PROMPT_MINUTES = 30
# A comment or a suggestion fits one Telegram message to staff with room to spare.
MAX_TEXT = 1000
RECENT = 10
RATING_COMMENT = "rating_comment"
SUGGESTION = "suggestion"


class Rated(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    TOO_LATE = "too_late"  # the time to change it is over; the first rating stands
    NOT_ALLOWED = "not_allowed"  # not theirs, or the service was never delivered


@dataclass(frozen=True)
class RateResult:
    outcome: Rated
    stars: int | None  # the stars on record after the press (None when not allowed)


@dataclass(frozen=True)
class FeedbackSummary:
    distribution: dict[int, int]  # stars → ratings
    comments: list[Remark]  # newest first
    suggestions: list[Remark]  # newest first
    suggestion_count: int

    @property
    def count(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        return sum(s * n for s, n in self.distribution.items()) / self.count


class FeedbackService:
    def __init__(self, db: Database, profile: Profile, clock: Clock) -> None:
        self.db = db
        self.profile = profile
        self.clock = clock

    async def rate(self, user_id: int, request_id: int, stars: int) -> RateResult:
        """Record or change the beneficiary's rating of their delivered request."""
        if not 1 <= stars <= 5:
            raise ValueError(f"stars out of range: {stars}")
        now = self.clock()
        window = timedelta(hours=self.profile.followups.rating_change_hours)
        async with self.db.transaction() as conn:
            request = await Requests(conn).get(request_id)
            if request is None or request.user_id != user_id:
                return RateResult(Rated.NOT_ALLOWED, None)
            if not await _was_delivered(Events(conn), request):
                return RateResult(Rated.NOT_ALLOWED, None)
            ratings = Ratings(conn)
            found = await ratings.get(request_id)
            if found is None:
                await ratings.insert(request_id, user_id, stars, now)
                await BeneficiaryPrompts(conn).put(user_id, RATING_COMMENT, request_id, now)
                return RateResult(Rated.NEW, stars)
            if found.stars == stars:
                return RateResult(Rated.UNCHANGED, stars)
            if now - found.created_at > window:
                return RateResult(Rated.TOO_LATE, found.stars)
            await ratings.set_stars(request_id, stars, now)
            return RateResult(Rated.CHANGED, stars)

    async def comment(self, user_id: int, text: str) -> bool:
        """Keep the comment on the rating the beneficiary was asked about."""
        text = _checked(text)
        now = self.clock()
        async with self.db.transaction() as conn:
            prompts = BeneficiaryPrompts(conn)
            prompt = await prompts.get(user_id)
            if prompt is None or prompt.request_id is None:
                return False
            if not self._fresh(prompt, RATING_COMMENT):
                return False
            await prompts.delete(user_id)
            return await Ratings(conn).set_comment(prompt.request_id, text, now)

    async def ask_suggestion(self, user_id: int) -> None:
        """Remember that the beneficiary's next text message is a suggestion."""
        async with self.db.transaction() as conn:
            await BeneficiaryPrompts(conn).put(user_id, SUGGESTION, None, self.clock())

    async def suggest(self, user_id: int, text: str) -> None:
        """Keep a suggestion; the question that asked for it is answered."""
        text = _checked(text)
        now = self.clock()
        async with self.db.transaction() as conn:
            prompts = BeneficiaryPrompts(conn)
            prompt = await prompts.get(user_id)
            if prompt is not None and prompt.kind == SUGGESTION:
                await prompts.delete(user_id)
            await Suggestions(conn).add(user_id, text, now)

    async def prompt(self, user_id: int) -> BeneficiaryPrompt | None:
        """The question the beneficiary was asked and has not answered, if still fresh."""
        async with self.db.reading() as conn:
            prompt = await BeneficiaryPrompts(conn).get(user_id)
        return prompt if self._fresh(prompt) else None

    async def cancel_prompt(
        self, user_id: int, kind: str | None = None, request_id: int | None = None
    ) -> bool:
        """Forget the open question (only this kind, about this request, when given)."""
        async with self.db.transaction() as conn:
            prompts = BeneficiaryPrompts(conn)
            prompt = await prompts.get(user_id)
            if prompt is None or kind not in (None, prompt.kind):
                return False
            if request_id is not None and prompt.request_id != request_id:
                return False
            return await prompts.delete(user_id)

    async def summary(self, identity: bool) -> FeedbackSummary:
        """The figures, the latest comments and suggestions; who wrote them only with `identity`."""
        async with self.db.reading() as conn:
            ratings, suggestions = Ratings(conn), Suggestions(conn)
            return FeedbackSummary(
                distribution=await ratings.distribution(),
                comments=await ratings.recent_comments(RECENT, identity=identity),
                suggestions=await suggestions.recent(RECENT, identity=identity),
                suggestion_count=await suggestions.count(),
            )

    def _fresh(self, prompt: BeneficiaryPrompt | None, kind: str | None = None) -> bool:
        if prompt is None or kind not in (None, prompt.kind):
            return False
        return self.clock() - prompt.created_at <= timedelta(minutes=PROMPT_MINUTES)


async def _was_delivered(events: Events, request: Request) -> bool:
    """Only a service that was provided can be rated (also after the request was closed)."""
    if request.status not in (RequestStatus.DELIVERED, RequestStatus.CLOSED):
        return False
    history = await events.for_request(request.id)
    return any(e.to_status == RequestStatus.DELIVERED for e in history)


def _checked(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise ValueError(f"a comment or suggestion has 1 to {MAX_TEXT} characters")
    return text
