"""Beneficiaries, their draft and their requests: each method is one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.profile import LOCALES, Profile
from bot.services import notices
from bot.services.forms import FormEngine
from bot.services.notices import Wakeup
from domain.models import REVIEW, Beneficiary, Draft, DraftStage, Request, Step
from storage.events import Events
from storage.repositories import Attachments, Beneficiaries, Drafts, Requests
from storage.sql import Database
from storage.staff import StaffThreads

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StaleDraft(Exception):
    """The draft changed (or is gone) since the screen the beneficiary acted on."""


class IncompleteForm(Exception):
    """Submission was asked for while a required answer is missing."""

    def __init__(self, field_key: str) -> None:
        super().__init__(field_key)
        self.field_key = field_key


@dataclass(frozen=True)
class Submission:
    request: Request
    sla_days: int


class RequestService:
    """The support-request journey as plain operations on the database."""

    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        timezone: str = "Asia/Riyadh",
        clock: Clock = utc_now,
        staff_chat_id: int | None = None,
        wakeup: Wakeup | None = None,
    ) -> None:
        self.db = db
        self.profile = profile
        self.form = FormEngine(profile)
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        self.wakeup = wakeup or Wakeup()

    def today(self) -> date:
        """Return today's date where the association is."""
        return self.clock().astimezone(self.tz).date()

    # Beneficiaries -------------------------------------------------------------------

    async def enrol(
        self, user_id: int, chat_id: int, first_name: str, locale: str
    ) -> tuple[Beneficiary, bool]:
        """Return the beneficiary, creating them with `locale` on first contact."""
        now = self.clock()
        async with self.db.transaction() as conn:
            repo = Beneficiaries(conn)
            found = await repo.get(user_id)
            if found is None:
                await repo.insert(user_id, chat_id, first_name, locale, now)
            elif found.chat_id != chat_id or found.first_name != first_name:
                await repo.touch(user_id, chat_id, first_name, now)
            current = await repo.get(user_id)
        assert current is not None
        return current, found is None

    async def beneficiary(self, user_id: int) -> Beneficiary | None:
        async with self.db.reading() as conn:
            return await Beneficiaries(conn).get(user_id)

    async def set_locale(self, user_id: int, locale: str) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unsupported locale {locale!r}")
        async with self.db.transaction() as conn:
            await Beneficiaries(conn).set_locale(user_id, locale, self.clock())

    # The draft -----------------------------------------------------------------------

    async def draft(self, user_id: int) -> Draft | None:
        async with self.db.reading() as conn:
            draft = await Drafts(conn).get_for_user(user_id)
        if draft is not None and not self._fits_form(draft):
            draft = await self._refit(draft)
        return draft

    def _fits_form(self, draft: Draft) -> bool:
        if draft.field_key is not None and not self.form.has(draft.field_key):
            return False
        return all(self.form.has(key) for key in draft.answers)

    async def _refit(self, draft: Draft) -> Draft:
        """The profile's form changed under an open draft: keep the answers that still
        belong to it and go on from the first required question without an answer."""
        answers = {k: v for k, v in draft.answers.items() if self.form.has(k)}
        missing = self.form.first_unanswered(answers)
        if draft.stage is DraftStage.PAUSED:
            stage = DraftStage.PAUSED
        else:
            stage = DraftStage.ANSWERING if missing else DraftStage.REVIEWING
        async with self.db.transaction() as conn:
            for key in draft.answers.keys() - answers.keys():
                await Attachments(conn).delete_for_draft_field(draft.id, key)
            step = Step(stage, missing, editing=False)
            return await self._write(conn, draft, step, answers=answers, now=self.clock())

    async def start_draft(self, user_id: int, after_message_id: int = 0) -> Draft:
        """Start a new form, discarding an earlier draft (a beneficiary has at most one).

        Messages up to `after_message_id` (the one that started it) are never its answers.
        """
        now = self.clock()
        async with self.db.transaction() as conn:
            drafts = Drafts(conn)
            old = await drafts.get_for_user(user_id)
            if old is not None:
                await drafts.delete(old.id)
            await drafts.insert(user_id, self.form.first_key(), now, after_message_id)
            draft = await drafts.get_for_user(user_id)
        assert draft is not None
        return draft

    async def discard_draft(self, draft: Draft) -> None:
        async with self.db.transaction() as conn:
            current = await Drafts(conn).get_for_user(draft.user_id)
            if current is None or current.id != draft.id or current.seq != draft.seq:
                raise StaleDraft
            await Drafts(conn).delete(draft.id)

    async def record_answer(
        self, draft: Draft, field_key: str, value: Any, message_id: int | None = None
    ) -> Draft:
        """Store an accepted answer and move to the next question (or back to review).

        `message_id` is the beneficiary's message; the draft remembers the newest one
        applied, so a message replayed after a crash is not applied twice.
        """
        answers = dict(draft.answers)
        answers[field_key] = value
        step = self.form.after_answer(draft, field_key)
        return await self._save(draft, answers, field_key, value, step, message_id=message_id)

    async def skip(self, draft: Draft, field_key: str) -> Draft:
        """Leave an optional question unanswered."""
        answers = {k: v for k, v in draft.answers.items() if k != field_key}
        return await self._save(
            draft, answers, field_key, None, self.form.after_answer(draft, field_key)
        )

    async def go_back(self, draft: Draft) -> Draft:
        """Return to the previous question (from review: to the last question)."""
        return await self._move(draft, self.form.back(draft))

    async def edit(self, draft: Draft, field_key: str) -> Draft:
        """Ask one question again from the review screen."""
        return await self._move(draft, self.form.edit(field_key))

    async def review(self, draft: Draft) -> Draft:
        return await self._move(draft, REVIEW)

    async def to_declaration(self, draft: Draft) -> Draft:
        missing = self.form.first_unanswered(draft.answers)
        if missing is not None:
            raise IncompleteForm(missing)
        return await self._move(draft, Step(DraftStage.SIGNING, None, editing=False))

    async def pause(self, draft: Draft) -> Draft:
        """Keep the answers but leave the form (it can be resumed later)."""
        paused = Step(DraftStage.PAUSED, draft.field_key, editing=draft.editing)
        return await self._move(draft, paused)

    async def resume(self, draft: Draft) -> Draft:
        """Take a paused draft back to where it stood."""
        if draft.stage is not DraftStage.PAUSED:
            return draft
        stage = DraftStage.ANSWERING if draft.field_key else DraftStage.REVIEWING
        return await self._move(draft, Step(stage, draft.field_key, editing=draft.editing))

    async def submit(self, draft: Draft, declaration_text: str, locale: str) -> Submission:
        """Sign and submit: the request, its reference, its audit event, in one transaction."""
        missing = self.form.first_unanswered(draft.answers)
        if missing is not None:
            raise IncompleteForm(missing)
        now = self.clock()
        sla = self.profile.association.sla_days
        due = now.astimezone(self.tz).date() + timedelta(days=sla)
        async with self.db.transaction() as conn:
            current = await Drafts(conn).get_for_user(draft.user_id)
            if current is None or current.id != draft.id or current.seq != draft.seq:
                raise StaleDraft
            if current.stage is not DraftStage.SIGNING:
                raise StaleDraft
            requests = Requests(conn)
            year = now.astimezone(self.tz).year
            number = await requests.next_reference_number(year)
            reference = f"{self.profile.association.reference_prefix}-{year}-{number:06d}"
            request_id = await requests.insert(
                reference=reference,
                user_id=draft.user_id,
                answers=draft.answers,
                declaration_text=declaration_text,
                declaration_locale=locale,
                declared_at=now,
                decision_due=due,
                now=now,
            )
            await Attachments(conn).move_to_request(draft.id, request_id)
            await Events(conn).add(
                request_id,
                "submitted",
                actor_id=draft.user_id,
                actor_role="beneficiary",
                now=now,
                to_status="submitted",
                details={"declaration_locale": locale},
            )
            await Drafts(conn).delete(draft.id)
            await self._open_staff_thread(conn, draft, request_id, reference, now)
            request = await requests.get(request_id)
            assert request is not None
            attachments = await Attachments(conn).for_request(request_id)
        self.wakeup()
        return Submission(
            request=Request(**{**request.__dict__, "attachments": attachments}), sla_days=sla
        )

    # Requests ------------------------------------------------------------------------

    async def requests_of(self, user_id: int) -> list[Request]:
        """Return the beneficiary's own requests, newest first."""
        async with self.db.reading() as conn:
            return await Requests(conn).for_user(user_id)

    async def request_of(self, user_id: int, request_id: int) -> Request | None:
        """Return one request only if it belongs to this beneficiary."""
        async with self.db.reading() as conn:
            request = await Requests(conn).get(request_id)
            if request is None or request.user_id != user_id:
                return None
            attachments = await Attachments(conn).for_request(request_id)
        return Request(**{**request.__dict__, "attachments": attachments})

    # Internals -----------------------------------------------------------------------

    async def _open_staff_thread(
        self, conn: Any, draft: Draft, request_id: int, reference: str, now: datetime
    ) -> None:
        """Queue the request's card for the staff group, in the submission's transaction."""
        if self.staff_chat_id is None:
            return
        beneficiary = await Beneficiaries(conn).get(draft.user_id)
        full_name = str(draft.answers.get("full_name") or "").split()
        first = full_name[0] if full_name else (beneficiary.first_name if beneficiary else "")
        name = f"{reference} · {first}".strip(" ·")[:128]
        await StaffThreads(conn).insert(draft.user_id, request_id, self.staff_chat_id, name, now)
        await notices.to_staff(
            conn,
            self.staff_chat_id,
            notices.STAFF_CARD,
            now,
            dedupe_key=f"card:{request_id}",
            request_id=request_id,
        )

    async def _save(
        self,
        draft: Draft,
        answers: dict[str, Any],
        field_key: str,
        value: Any,
        step: Step,
        *,
        message_id: int | None = None,
    ) -> Draft:
        now = self.clock()
        async with self.db.transaction() as conn:
            attachments = Attachments(conn)
            if isinstance(value, dict) and "file_unique_id" in value:
                await attachments.replace_for_draft_field(draft.id, field_key, value, now)
            elif value is None:
                await attachments.delete_for_draft_field(draft.id, field_key)
            return await self._write(
                conn, draft, step, answers=answers, now=now, message_id=message_id
            )

    async def _move(self, draft: Draft, step: Step) -> Draft:
        """Move the draft to step, its answers unchanged."""
        now = self.clock()
        async with self.db.transaction() as conn:
            return await self._write(conn, draft, step, answers=draft.answers, now=now)

    @staticmethod
    async def _write(
        conn: Any,
        draft: Draft,
        step: Step,
        *,
        answers: dict[str, Any],
        now: datetime,
        message_id: int | None = None,
    ) -> Draft:
        ok = await Drafts(conn).save(draft, step, answers=answers, now=now, message_id=message_id)
        if not ok:
            raise StaleDraft
        # The row now holds exactly this; no need to read it back.
        return replace(
            draft,
            stage=step.stage,
            field_key=step.field_key,
            editing=step.editing,
            answers=answers,
            seq=draft.seq + 1,
            last_message_id=max(draft.last_message_id, message_id or 0),
            updated_at=now,
        )
