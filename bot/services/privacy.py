"""The beneficiary's data rights: a copy of what is held, corrections, erasure, consent.

Corrections and erasures are requests that staff decide (a correction by a relations
officer or an admin, an erasure by an admin: see policy.Duty). An erasure closes the
person's open requests, keeps each decided request for the profile's retention period
with only the answers the profile names and no name or id, and deletes everything else,
the staff group's copies included (their forum topics or cards are deleted by the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.profile import FILE_KINDS, Profile
from bot.services import notices
from bot.services.notices import Wakeup
from bot.services.requests import Clock
from domain.models import Request, RequestStatus
from storage.events import Events
from storage.privacy import Consents, DataRequest, DataRequests, StaffPosts, erase, held
from storage.repositories import Attachments, Beneficiaries, Requests
from storage.sql import Database
from storage.staff import StaffThreads

# Requests still going: an erasure closes them before anything is deleted.
OPEN = (
    RequestStatus.SUBMITTED,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.NEEDS_INFO,
    RequestStatus.ACCEPTED,
)
DATA_CARD = "data_request"  # the staff note that carries a correction or an erasure
TYPING = timedelta(hours=1)  # how long the next message is taken for the corrected answer


@dataclass(frozen=True)
class Kept:
    reference: str
    until: datetime


@dataclass(frozen=True)
class Decided:
    data_request: DataRequest
    approved: bool
    kept: tuple[Kept, ...] = ()


class PrivacyService:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        clock: Clock,
        staff_chat_id: int | None,
        wakeup: Wakeup,
    ) -> None:
        self.db = db
        self.profile = profile
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        self.wakeup = wakeup

    async def posted(self, user_id: int, message_id: int, kind: str) -> None:
        """Remember a message posted in the staff group about this person, so that an
        erasure deletes it there too."""
        async with self.db.transaction() as conn:
            await StaffPosts(conn).add(user_id, message_id, kind, self.clock())

    # Consent -------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self.profile.privacy.version

    async def consented(self, user_id: int) -> int | None:
        """The version of the notice this person accepted (None: never)."""
        async with self.db.reading() as conn:
            return await Consents(conn).version(user_id)

    async def accept(self, user_id: int, locale: str, text: str) -> None:
        """Record the notice accepted, verbatim, with its version (once: an old button
        pressed again changes nothing)."""
        async with self.db.transaction() as conn:
            consents = Consents(conn)
            if await consents.version(user_id) != self.version:
                await consents.accept(user_id, self.version, locale, text, self.clock())

    # A copy --------------------------------------------------------------------------

    async def held(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        async with self.db.reading() as conn:
            return await held(conn, user_id)

    # Corrections ---------------------------------------------------------------------

    async def start_correction(self, user_id: int, request_id: int, field_key: str) -> bool:
        """The person will type a new answer for a field of their own request."""
        if self.profile.field(field_key) is None:
            return False
        async with self.db.transaction() as conn:
            request = await Requests(conn).get(request_id)
            if request is None or request.user_id != user_id:
                return False
            data = DataRequests(conn)
            await data.drop_typing(user_id)
            await data.add(user_id, "correction", "typing", self.clock(), request_id, field_key)
            return True

    async def typing(self, user_id: int) -> DataRequest | None:
        """The correction this person is typing, if any: asked for less than TYPING ago
        (after that, their next message is no longer taken for it)."""
        async with self.db.reading() as conn:
            found = await DataRequests(conn).open_of(user_id, "correction", "typing")
        if found is not None and self.clock() - found.created_at > TYPING:
            await self.cancel_typing(user_id)
            return None
        return found

    async def cancel_typing(self, user_id: int) -> None:
        async with self.db.transaction() as conn:
            await DataRequests(conn).drop_typing(user_id)

    async def submit_correction(self, data_request: DataRequest, value: Any) -> Request | None:
        """The new answer (validated by the form) goes to staff as a card."""
        now = self.clock()
        async with self.db.transaction() as conn:
            data = DataRequests(conn)
            request = await Requests(conn).get(data_request.request_id or 0)
            if request is None or not await data.set_value(data_request.id, value):
                return None
            thread = await StaffThreads(conn).for_request(request.id)
            await self._card(conn, data_request.id, thread.id if thread else None, now)
        self.wakeup()
        return request

    # Erasure -------------------------------------------------------------------------

    async def ask_erasure(self, user_id: int) -> bool:
        """Ask staff to erase this person's data; False if a request is already waiting."""
        now = self.clock()
        async with self.db.transaction() as conn:
            data = DataRequests(conn)
            if await data.open_of(user_id, "erasure", "pending") is not None:
                return False
            data_request_id = await data.add(user_id, "erasure", "pending", now)
            await self._card(conn, data_request_id, None, now)
        self.wakeup()
        return True

    async def _card(
        self, conn: Any, data_request_id: int, thread_id: int | None, now: datetime
    ) -> None:
        """Queue the staff card of a correction (in its request's thread) or an erasure."""
        await notices.to_staff(
            conn,
            self.staff_chat_id,
            notices.STAFF_NOTE,
            now,
            note=DATA_CARD,
            data_request_id=data_request_id,
            thread_id=thread_id,
        )

    async def card(self, data_request_id: int) -> tuple[DataRequest, list[Request]] | None:
        """A data request and the person's requests, as its card shows them."""
        async with self.db.reading() as conn:
            found = await DataRequests(conn).get(data_request_id)
            if found is None or found.user_id is None:
                return None
            requests = await Requests(conn).for_user(found.user_id)
            return found, requests

    async def decide(self, data_request_id: int, approve: bool, staff_id: int) -> Decided | None:
        """Apply or decline a pending correction or erasure, once."""
        now = self.clock()
        async with self.db.transaction() as conn:
            data = DataRequests(conn)
            found = await data.get(data_request_id)
            if found is None or found.status != "pending" or found.user_id is None:
                return None
            user_id = found.user_id
            kept: tuple[Kept, ...] = ()
            summary: dict[str, Any] = {}
            if not approve:
                notice = f"{found.kind}_declined"
                await notices.to_beneficiary(
                    conn, user_id, notice, now, field=found.field_key, **await _ref(conn, found)
                )
            elif found.kind == "correction":
                await self._correct(conn, found, staff_id, now)
                await notices.to_beneficiary(
                    conn,
                    user_id,
                    "correction_done",
                    now,
                    field=found.field_key,
                    **await _ref(conn, found),
                )
            else:
                kept, summary = await self._erase(conn, found, staff_id, now)
            await data.decide(data_request_id, approve, staff_id, now, summary)
        self.wakeup()
        return Decided(found, approve, kept)

    async def _correct(self, conn: Any, found: DataRequest, staff_id: int, now: datetime) -> None:
        requests = Requests(conn)
        request = await requests.get(found.request_id or 0)
        if request is None or found.field_key is None:
            return
        answers = {**request.answers, found.field_key: found.value}
        await requests.correct(request.id, answers, now)
        form_field = self.profile.field(found.field_key)
        if form_field is not None and form_field.kind in FILE_KINDS:
            await Attachments(conn).replace_for_request_field(
                request.id, found.field_key, found.value, now
            )
        await Events(conn).add(
            request.id,
            "corrected",
            actor_id=staff_id,
            actor_role="staff",
            now=now,
            details={"field": found.field_key},
        )
        thread = await StaffThreads(conn).for_request(request.id)
        if thread is not None:
            await notices.to_staff(
                conn,
                self.staff_chat_id,
                notices.STAFF_CARD_REFRESH,
                now,
                request_id=request.id,
            )

    async def _erase(
        self, conn: Any, found: DataRequest, staff_id: int, now: datetime
    ) -> tuple[tuple[Kept, ...], dict[str, Any]]:
        assert found.user_id is not None
        user_id = found.user_id
        requests = Requests(conn)
        events = Events(conn)
        rule = self.profile.privacy
        keep: dict[int, dict[str, Any]] = {}
        kept: list[Kept] = []
        for request in await requests.for_user(user_id):
            if request.status in OPEN:
                await requests.transition(
                    request,
                    RequestStatus.CLOSED,
                    now,
                    holder_id=request.holder_id,
                    info_request=None,
                    decided=False,
                )
                await events.add(
                    request.id,
                    "close",
                    actor_id=staff_id,
                    actor_role="staff",
                    now=now,
                    from_status=request.status,
                    to_status=RequestStatus.CLOSED,
                    details={"why": "erasure"},
                )
            decided = request.decided_at
            until = decided + timedelta(days=365 * rule.retention_years) if decided else None
            if until is not None and until > now:
                keep[request.id] = {
                    k: v for k, v in request.answers.items() if k in rule.kept_answers
                }
                kept.append(Kept(request.reference, until))
        beneficiary = await Beneficiaries(conn).get(user_id)
        counts, threads = await erase(conn, user_id, keep, now, found.id)
        # What was kept and why, to the chat that asked (queued before the row went).
        if beneficiary is not None:
            await notices.to_chat(
                conn,
                beneficiary.chat_id,
                beneficiary.locale,
                "erasure_done",
                now,
                kept=[
                    {"reference": k.reference, "until": k.until.date().isoformat()} for k in kept
                ],
            )
        for thread in threads:
            await notices.to_staff(
                conn,
                self.staff_chat_id,
                notices.STAFF_FORGET,
                now,
                topic_id=thread.topic_id,
                card_message_id=thread.card_message_id,
                message_ids=list(thread.message_ids),
            )
        return tuple(kept), {"deleted": counts, "kept": len(kept)}


async def _ref(conn: Any, found: DataRequest) -> dict[str, Any]:
    request = await Requests(conn).get(found.request_id or 0)
    return {"reference": request.reference} if request else {}
