"""Volunteers: the profile's volunteer form through the form engine, and staff thanking them.

The open sign-up is a Draft of the volunteer form (its own table, see storage.volunteers),
moved with the same steps as the request form's draft; each method is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.profile import Profile
from bot.services import notices
from bot.services.forms import FormEngine
from bot.services.notices import Wakeup
from bot.services.requests import IncompleteForm, StaleDraft
from domain.models import REVIEW, Draft, Step
from storage.sql import Database
from storage.volunteers import StaffTopics, Volunteer, Volunteers

STAFF_VOLUNTEER = "staff.volunteer"  # outbox: post a volunteer's card in the staff group
THANKS = "volunteer_thanks"  # the notice a volunteer gets when staff accept them
TOPIC = "volunteers"  # the staff group's topic for their cards


class VolunteerService:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        clock: Callable[[], datetime],
        staff_chat_id: int | None = None,
        wakeup: Wakeup | None = None,
    ) -> None:
        self.db = db
        self.form = FormEngine(profile, profile.volunteer_form) if profile.volunteer_form else None
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        self.wakeup = wakeup or Wakeup()

    def engine(self) -> FormEngine:
        assert self.form is not None, "the profile has no volunteer form"
        return self.form

    async def open(self, user_id: int) -> Draft | None:
        async with self.db.reading() as conn:
            return await Volunteers(conn).open_for_user(user_id)

    async def start(self, user_id: int, after_message_id: int = 0) -> Draft:
        """Open a sign-up at the first question (an unfinished one is discarded)."""
        async with self.db.transaction() as conn:
            repo = Volunteers(conn)
            await repo.start(user_id, self.engine().first_key(), self.clock(), after_message_id)
            draft = await repo.open_for_user(user_id)
        assert draft is not None
        return draft

    async def discard(self, draft: Draft) -> None:
        async with self.db.transaction() as conn:
            if not await Volunteers(conn).discard(draft):
                raise StaleDraft

    async def record_answer(
        self, draft: Draft, field_key: str, value: Any, message_id: int | None = None
    ) -> Draft:
        answers = {**draft.answers, field_key: value}
        step = self.engine().after_answer(draft, field_key)
        return await self._write(draft, step, answers, message_id)

    async def skip(self, draft: Draft, field_key: str) -> Draft:
        answers = {k: v for k, v in draft.answers.items() if k != field_key}
        return await self._write(draft, self.engine().after_answer(draft, field_key), answers)

    async def go_back(self, draft: Draft) -> Draft:
        return await self._write(draft, self.engine().back(draft), draft.answers)

    async def edit(self, draft: Draft, field_key: str) -> Draft:
        return await self._write(draft, self.engine().edit(field_key), draft.answers)

    async def review(self, draft: Draft) -> Draft:
        return await self._write(draft, REVIEW, draft.answers)

    async def submit(self, draft: Draft, locale: str) -> int:
        """Submit the reviewed sign-up and queue its card for the staff group."""
        missing = self.engine().first_unanswered(draft.answers)
        if missing is not None:
            raise IncompleteForm(missing)
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await Volunteers(conn).submit(draft, locale, now):
                raise StaleDraft
            await notices.to_staff(
                conn, self.staff_chat_id, STAFF_VOLUNTEER, now, volunteer_id=draft.id
            )
        self.wakeup()
        return draft.id

    async def accept(self, volunteer_id: int, staff_id: int) -> bool:
        """Accept a volunteer and queue their thank-you (False: unknown or done already)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            repo = Volunteers(conn)
            volunteer = await repo.get(volunteer_id)
            if volunteer is None or not await repo.accept(volunteer_id, staff_id, now):
                return False
            await notices.to_beneficiary(
                conn, volunteer.user_id, THANKS, now, dedupe_key=f"volunteer:{volunteer_id}"
            )
        self.wakeup()
        return True

    async def volunteer(self, volunteer_id: int) -> Volunteer | None:
        async with self.db.reading() as conn:
            return await Volunteers(conn).get(volunteer_id)

    async def between(self, start: datetime, stop: datetime) -> list[Volunteer]:
        async with self.db.reading() as conn:
            return await Volunteers(conn).submitted_between(start, stop)

    async def topic(self) -> int | None:
        async with self.db.reading() as conn:
            return await StaffTopics(conn).get(TOPIC)

    async def set_topic(self, topic_id: int | None) -> None:
        async with self.db.transaction() as conn:
            await StaffTopics(conn).set(TOPIC, topic_id)

    async def _write(
        self, draft: Draft, step: Step, answers: dict[str, Any], message_id: int | None = None
    ) -> Draft:
        async with self.db.transaction() as conn:
            repo = Volunteers(conn)
            saved = await repo.save(
                draft, step, answers=answers, now=self.clock(), message_id=message_id
            )
            current = await repo.open_for_user(draft.user_id)
        if not saved or current is None:
            raise StaleDraft
        return current
