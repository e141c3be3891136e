"""Ratings, comments and suggestions on a real SQLite database, and what staff see of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import load_profile
from bot.i18n import Catalogs
from bot.services.feedback import (
    RATING_COMMENT,
    SUGGESTION,
    FeedbackService,
    Rated,
    RateResult,
)
from domain.models import RequestStatus
from handlers.beneficiary.feedback import rating_prompt
from handlers.staff.feedback import feedback_lines
from storage.events import Events
from storage.repositories import Beneficiaries, Requests
from storage.sql import Database
from tests.support import FakeClock

SARAH, OMAR = 1101, 1102
DELIVERED = (RequestStatus.ACCEPTED, RequestStatus.DELIVERED)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def feedback(db: Database, clock: FakeClock) -> FeedbackService:
    profile, _ = load_profile("sample")
    return FeedbackService(db, profile, clock)


async def make_request(
    db: Database,
    clock: FakeClock,
    user_id: int,
    steps: tuple[RequestStatus, ...] = DELIVERED,
) -> int:
    """A request of `user_id` taken through `steps`, each with its event."""
    now = clock()
    async with db.transaction() as conn:
        if await Beneficiaries(conn).get(user_id) is None:
            await Beneficiaries(conn).insert(user_id, user_id, f"Person {user_id}", "en", now)
        requests = Requests(conn)
        number = await requests.next_reference_number(2026)
        request_id = await requests.insert(
            reference=f"TWS-2026-{number:06d}",
            user_id=user_id,
            answers={},
            declaration_text="I declare",
            declaration_locale="en",
            declared_at=now,
            decision_due=now.date(),
            now=now,
        )
        for status in steps:
            request = await requests.get(request_id)
            assert request is not None
            await requests.transition(
                request, status, now, holder_id=None, info_request=None, decided=False
            )
            await Events(conn).add(
                request_id,
                status.value,
                actor_id=7001,
                actor_role="relations_officer",
                now=now,
                from_status=request.status,
                to_status=status,
            )
    return request_id


async def count(db: Database, table: str) -> int:
    async with db.reading() as conn:
        rows = await conn.fetchall(f"SELECT COUNT(*) FROM {table}")
    return int(next(iter(rows))[0])


async def test_one_rating_per_request_changeable_within_the_window(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    rid = await make_request(db, clock, SARAH)
    assert await feedback.rate(SARAH, rid, 4) == RateResult(Rated.NEW, 4)
    clock.now += timedelta(hours=23)
    assert await feedback.rate(SARAH, rid, 5) == RateResult(Rated.CHANGED, 5)
    assert await feedback.rate(SARAH, rid, 5) == RateResult(Rated.UNCHANGED, 5)
    assert await count(db, "ratings") == 1
    # The window counts from the first rating, not from the last change.
    clock.now += timedelta(hours=2)
    assert await feedback.rate(SARAH, rid, 2) == RateResult(Rated.TOO_LATE, 5)
    summary = await feedback.summary(identity=False)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}


@pytest.mark.parametrize(
    "steps",
    [
        (),
        (RequestStatus.ACCEPTED,),
        (RequestStatus.REJECTED,),
        (RequestStatus.UNDER_REVIEW, RequestStatus.CLOSED),
    ],
)
async def test_a_request_never_delivered_cannot_be_rated(
    db: Database, clock: FakeClock, feedback: FeedbackService, steps: tuple[RequestStatus, ...]
) -> None:
    rid = await make_request(db, clock, SARAH, steps)
    assert await feedback.rate(SARAH, rid, 5) == RateResult(Rated.NOT_ALLOWED, None)
    assert await count(db, "ratings") == 0
    assert await feedback.prompt(SARAH) is None


async def test_only_the_beneficiary_rates_their_request(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    rid = await make_request(db, clock, SARAH)
    await make_request(db, clock, OMAR)
    assert (await feedback.rate(OMAR, rid, 1)).outcome is Rated.NOT_ALLOWED
    assert (await feedback.rate(OMAR, 999, 1)).outcome is Rated.NOT_ALLOWED
    assert await count(db, "ratings") == 0


async def test_a_closed_request_that_was_delivered_can_be_rated(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    rid = await make_request(db, clock, SARAH, (*DELIVERED, RequestStatus.CLOSED))
    assert (await feedback.rate(SARAH, rid, 3)).outcome is Rated.NEW


async def test_stars_out_of_range_are_a_programming_error(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    rid = await make_request(db, clock, SARAH)
    with pytest.raises(ValueError):
        await feedback.rate(SARAH, rid, 6)


async def test_a_new_rating_asks_for_a_comment_once(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    rid = await make_request(db, clock, SARAH)
    await feedback.rate(SARAH, rid, 4)
    prompt = await feedback.prompt(SARAH)
    assert prompt is not None and (prompt.kind, prompt.request_id) == (RATING_COMMENT, rid)
    assert await feedback.comment(SARAH, "  Quick and kind.  ")
    assert await feedback.prompt(SARAH) is None
    assert not await feedback.comment(SARAH, "again")
    # Changing the stars asks nothing again and keeps the comment.
    await feedback.rate(SARAH, rid, 5)
    assert await feedback.prompt(SARAH) is None
    summary = await feedback.summary(identity=False)
    assert [(r.text, r.stars) for r in summary.comments] == [("Quick and kind.", 5)]


async def test_prompts_expire(db: Database, clock: FakeClock, feedback: FeedbackService) -> None:
    rid = await make_request(db, clock, SARAH)
    await feedback.rate(SARAH, rid, 4)
    clock.now += timedelta(minutes=31)
    assert await feedback.prompt(SARAH) is None
    assert not await feedback.comment(SARAH, "late")
    await feedback.ask_suggestion(SARAH)
    clock.now += timedelta(minutes=29)
    prompt = await feedback.prompt(SARAH)
    assert prompt is not None and prompt.kind == SUGGESTION
    clock.now += timedelta(minutes=2)
    assert await feedback.prompt(SARAH) is None


async def test_skip_and_cancel_forget_only_their_own_question(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    rid = await make_request(db, clock, SARAH)
    await feedback.rate(SARAH, rid, 4)
    assert not await feedback.cancel_prompt(SARAH, SUGGESTION)
    assert not await feedback.cancel_prompt(SARAH, RATING_COMMENT, rid + 1)
    assert await feedback.cancel_prompt(SARAH, RATING_COMMENT, rid)
    await feedback.ask_suggestion(SARAH)
    # An old "Skip" button does not cancel the suggestion asked for since.
    assert not await feedback.cancel_prompt(SARAH, RATING_COMMENT, rid)
    assert await feedback.cancel_prompt(SARAH, SUGGESTION)
    assert await feedback.prompt(SARAH) is None


async def test_suggestions_answer_the_question(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    await make_request(db, clock, SARAH)
    await feedback.ask_suggestion(SARAH)
    await feedback.suggest(SARAH, "Open on Saturdays, please.")
    assert await feedback.prompt(SARAH) is None
    with pytest.raises(ValueError):
        await feedback.suggest(SARAH, "x" * 1001)
    with pytest.raises(ValueError):
        await feedback.suggest(SARAH, "   ")
    summary = await feedback.summary(identity=False)
    assert [s.text for s in summary.suggestions] == ["Open on Saturdays, please."]
    assert summary.suggestion_count == 1


async def test_staff_see_figures_without_identity_by_default(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    assert feedback.profile.feedback.show_identity is False
    first = await make_request(db, clock, SARAH)
    second = await make_request(db, clock, OMAR)
    await feedback.rate(SARAH, first, 5)
    await feedback.comment(SARAH, "Thank you all.")
    await feedback.rate(OMAR, second, 2)
    await feedback.suggest(OMAR, "Answer the phone in the evening.")
    clock.now += timedelta(minutes=1)

    hidden = await feedback.summary(feedback.profile.feedback.show_identity)
    assert hidden.count == 2 and hidden.average == pytest.approx(3.5)
    assert hidden.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert all(r.name is None and r.reference is None for r in hidden.comments)
    assert all(r.name is None and r.reference is None for r in hidden.suggestions)

    shown = await feedback.summary(identity=True)
    assert [(r.text, r.name, r.reference) for r in shown.comments] == [
        ("Thank you all.", f"Person {SARAH}", "TWS-2026-000001")
    ]
    assert [(r.text, r.name) for r in shown.suggestions] == [
        ("Answer the phone in the evening.", f"Person {OMAR}")
    ]


async def test_no_ratings_yet(feedback: FeedbackService) -> None:
    summary = await feedback.summary(identity=False)
    assert summary.count == 0 and summary.average is None
    assert summary.comments == [] and summary.suggestions == []


async def test_the_staff_view_names_writers_only_with_identity(
    db: Database, clock: FakeClock, feedback: FeedbackService
) -> None:
    first = await make_request(db, clock, SARAH)
    second = await make_request(db, clock, OMAR)
    await feedback.rate(SARAH, first, 5)
    await feedback.comment(SARAH, "<3 thanks")
    await feedback.rate(OMAR, second, 4)
    catalogs = Catalogs()

    hidden = "\n".join(
        feedback_lines(catalogs.get("en"), await feedback.summary(identity=False), False)
    )
    assert "⭐5 \u2068&lt;3 thanks\u2069" in hidden
    assert f"Person {SARAH}" not in hidden and "TWS-2026" not in hidden
    shown = "\n".join(
        feedback_lines(catalogs.get("en"), await feedback.summary(identity=True), True)
    )
    assert f"Person {SARAH}" in shown and "TWS-2026-000001" in shown
    arabic = "\n".join(
        feedback_lines(catalogs.get("ar"), await feedback.summary(identity=False), False)
    )
    assert "٤٫٥" in arabic and "4.5" not in arabic  # the Arabic decimal separator


async def test_the_prompt_claims_anonymity_only_when_it_holds(
    db: Database, clock: FakeClock
) -> None:
    rid = await make_request(db, clock, SARAH)
    async with db.reading() as conn:
        request = await Requests(conn).get(rid)
    assert request is not None
    tr = Catalogs().get("en")
    text, markup = rating_prompt(tr, request)
    assert "TWS-2026-000001" in text and "without your name" in text
    assert [b.callback_data for b in markup.inline_keyboard[0]] == [
        f"rate:{rid}:{n}" for n in range(1, 6)
    ]
    named, _ = rating_prompt(tr, request, anonymous=False)
    assert "without your name" not in named
