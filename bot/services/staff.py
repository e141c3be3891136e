"""What staff do to requests: transitions as compare-and-set, typed prompts, more information."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.profile import Profile, Role, StaffMember
from bot.services import notices
from bot.services.notices import Wakeup
from bot.services.policy import RULES, Action, Duty, may, role_names
from bot.services.relay import open_conversation
from bot.services.requests import Clock
from bot.services.roster import Roster
from domain.models import InfoItem, Request, RequestEvent, RequestStatus, StaffPrompt
from storage.events import Events
from storage.repositories import Attachments, Requests
from storage.sql import Database
from storage.staff import (
    AuditLog,
    ForeignChats,
    InfoItems,
    StaffDepartures,
    StaffPrompts,
    StaffThreads,
)

# A typed answer (a rejection reason, what is missing) is awaited for this long.
PROMPT_MINUTES = 15


@dataclass(frozen=True)
class Done:
    request: Request


@dataclass(frozen=True)
class Outdated:
    """The request moved on since the card was drawn (or it cannot take this action)."""

    request: Request
    last_event: RequestEvent | None


@dataclass(frozen=True)
class Refused:
    reason: str  # "role": not allowed; "outside": not in the staff group; "departed": left it


Outcome = Done | Outdated | Refused


class StaffService:
    def __init__(
        self,
        db: Database,
        profile: Profile,
        *,
        staff_chat_id: int | None,
        clock: Clock,
        wakeup: Wakeup,
    ) -> None:
        self.db = db
        self.profile = profile
        self.staff_chat_id = staff_chat_id
        self.clock = clock
        self.wakeup = wakeup
        self.roster = Roster(db, profile, staff_chat_id=staff_chat_id, clock=clock)

    def member(self, user_id: int | None) -> StaffMember | None:
        """The staff member with their current roles: the profile's, unless given, changed or
        taken back through the bot (for names; `check` also refuses one who left)."""
        return self.roster.member(user_id) if user_id is not None else None

    def with_role(self, role: Role) -> tuple[StaffMember, ...]:
        return self.roster.with_role(role)

    async def departed(self, user_id: int) -> bool:
        """Whether they left the staff group (or were removed) and were not added back."""
        if self.staff_chat_id is None:
            return False
        async with self.db.reading() as conn:
            return await StaffDepartures(conn).departed(self.staff_chat_id, user_id)

    async def left_group(self, user_id: int, removed_by: int | None) -> bool:
        """Record and audit a departure from the staff group (False: recorded already)."""
        assert self.staff_chat_id is not None
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await StaffDepartures(conn).depart(self.staff_chat_id, user_id, removed_by, now):
                return False
            reason = "left" if removed_by is None else f"removed by {removed_by}"
            await AuditLog(conn).membership(user_id, self.staff_chat_id, "staff_left", reason, now)
        return True

    async def rejoined_group(self, user_id: int, added_by: int | None) -> bool:
        """A departed member is in the staff group again: the profile's roles count again."""
        assert self.staff_chat_id is not None
        now = self.clock()
        async with self.db.transaction() as conn:
            if not await StaffDepartures(conn).come_back(self.staff_chat_id, user_id, now):
                return False
            reason = "joined" if added_by is None else f"added by {added_by}"
            await AuditLog(conn).membership(
                user_id, self.staff_chat_id, "staff_returned", reason, now
            )
        return True

    async def refuse(
        self,
        actor_id: int | None,
        chat_id: int | None,
        action: str,
        reason: str,
        request_id: int | None = None,
    ) -> Refused:
        """Write a refused attempt to the audit trail; nothing else changes."""
        async with self.db.transaction() as conn:
            await AuditLog(conn).refused(
                actor_id, chat_id, action, reason, self.clock(), request_id
            )
        return Refused(reason)

    async def report_error(self, error: str, update: str) -> None:
        """Tell the staff group that handling an update failed: the error's type and the
        update's id only (the log has the rest), at most once an hour for each type."""
        now = self.clock()
        async with self.db.transaction() as conn:
            await notices.to_staff(
                conn,
                self.staff_chat_id,
                notices.STAFF_NOTE,
                now,
                dedupe_key=f"error:{error}:{now:%Y-%m-%dT%H}",
                note="error",
                error=error,
                update=update,
            )
        self.wakeup()

    async def first_notice(self, chat_id: int) -> bool:
        """True the first time a foreign group is seen (the bot says it does not work there)."""
        async with self.db.transaction() as conn:
            return await ForeignChats(conn).first_notice(chat_id, self.clock())

    async def check(
        self,
        actor_id: int,
        chat_id: int | None,
        action: Action | Duty | str,
        request_id: int | None = None,
    ) -> Refused | None:
        """Refuse (and audit) anything outside the staff group or without the right.

        An `Action` or a `Duty` needs a role the policy gives it; anything else (a command, a "back"
        button, closing a conversation) needs only to be a configured staff member. A member who
        left the staff group has no role until they are in it again.
        """
        reason = await self.refusal(actor_id, chat_id, action)
        if reason is not None:
            return await self.refuse(actor_id, chat_id, action, reason, request_id)
        return None

    async def refusal(
        self, actor_id: int, chat_id: int | None, action: Action | Duty | str
    ) -> str | None:
        """Why `check` refuses ("outside", "departed", "role"), without auditing: for a
        caller that audits the refusal its own way."""
        if chat_id is None or chat_id != self.staff_chat_id:
            return "outside"
        member = self.member(actor_id)
        if member is not None and await self.departed(actor_id):
            return "departed"
        allowed = may(member, action) if isinstance(action, Action | Duty) else member is not None
        return None if allowed else "role"

    async def request(self, request_id: int) -> Request | None:
        async with self.db.reading() as conn:
            request = await Requests(conn).get(request_id)
            if request is None:
                return None
            attachments = await Attachments(conn).for_request(request_id)
        return Request(**{**request.__dict__, "attachments": attachments})

    async def events(self, request_id: int) -> list[RequestEvent]:
        async with self.db.reading() as conn:
            return await Events(conn).for_request(request_id)

    async def info_items(self, request_id: int) -> list[InfoItem]:
        async with self.db.reading() as conn:
            return await InfoItems(conn).latest_round(request_id)

    async def act(
        self,
        request_id: int,
        version: int,
        action: Action,
        actor_id: int,
        *,
        details: dict[str, Any] | None = None,
    ) -> Done | Outdated:
        """Apply the action if the request is still the version the card showed.

        `details`: {"reason_key"} or {"reason"} to reject, {"info"} to ask for more,
        {"researcher_id"} to refer.
        """
        rule = RULES[action]
        details = dict(details or {})
        now = self.clock()
        async with self.db.transaction() as conn:
            requests = Requests(conn)
            request = await requests.get(request_id)
            assert request is not None
            if request.version != version or request.status not in rule.from_statuses:
                events = await Events(conn).for_request(request_id)
                return Outdated(request, events[-1] if events else None)
            holder = details.get("researcher_id") if action is Action.REFER else request.holder_id
            info = details.get("info") if action is Action.REQUEST_INFO else None
            decided = rule.to_status in (RequestStatus.ACCEPTED, RequestStatus.REJECTED)
            changed = await requests.transition(
                request, rule.to_status, now, holder_id=holder, info_request=info, decided=decided
            )
            assert changed, "the version was checked in this transaction"
            await Events(conn).add(
                request_id,
                action.value,
                actor_id=actor_id,
                actor_role=role_names(self.member(actor_id)),
                now=now,
                from_status=request.status,
                to_status=rule.to_status,
                details=details,
            )
            await notices.to_beneficiary(
                conn,
                request.user_id,
                action.value,
                now,
                dedupe_key=f"notice:{request_id}:{request.version + 1}",
                request_id=request_id,
                **details,
            )
            if action is Action.REFER:
                thread = await StaffThreads(conn).for_request(request_id)
                # A referral opens a conversation: the researcher talks with the beneficiary.
                await open_conversation(
                    conn, self.staff_chat_id, request.user_id, "referral", now, thread
                )
                await notices.to_staff(
                    conn,
                    self.staff_chat_id,
                    notices.STAFF_NOTE,
                    now,
                    thread_id=thread.id if thread else None,
                    note="referred",
                    researcher_id=holder,
                )
            updated = await requests.get(request_id)
            assert updated is not None
        self.wakeup()
        return Done(updated)

    # Typed answers -------------------------------------------------------------------

    async def await_text(
        self, staff_id: int, chat_id: int, topic_key: int, request: Request, action: Action
    ) -> None:
        """Remember that this staff member's next message in this topic is typed input."""
        prompt = StaffPrompt(
            staff_id, chat_id, topic_key, request.id, action.value, request.version, self.clock()
        )
        async with self.db.transaction() as conn:
            await StaffPrompts(conn).put(prompt)

    async def take_prompt(self, staff_id: int, chat_id: int, topic_key: int) -> StaffPrompt | None:
        """Return the pending prompt (if still fresh) and forget it."""
        async with self.db.transaction() as conn:
            prompt = await StaffPrompts(conn).take(staff_id, chat_id, topic_key)
        if prompt is None:
            return None
        age = (self.clock() - prompt.created_at).total_seconds()
        return prompt if age <= PROMPT_MINUTES * 60 else None

    # More information from the beneficiary -------------------------------------------

    async def open_info_request(self, user_id: int) -> Request | None:
        """The beneficiary's request that waits for more information, if any."""
        async with self.db.reading() as conn:
            mine = await Requests(conn).for_user(user_id)
        return next((r for r in mine if r.status is RequestStatus.NEEDS_INFO), None)

    async def add_info(self, request: Request, item: InfoItem) -> bool:
        """Keep one piece of the requested information (False: this message was kept before)."""
        async with self.db.transaction() as conn:
            return await InfoItems(conn).add(request.id, request.version, item)

    async def finish_info(self, user_id: int, request_id: int, version: int) -> Done | Outdated:
        """The beneficiary sent what was asked: the request returns to review."""
        now = self.clock()
        async with self.db.transaction() as conn:
            requests = Requests(conn)
            request = await requests.get(request_id)
            if request is None or request.user_id != user_id:
                raise LookupError(request_id)
            if request.version != version or request.status is not RequestStatus.NEEDS_INFO:
                return Outdated(request, None)
            items = await InfoItems(conn).for_round(request_id, request.version)
            await requests.transition(
                request,
                RequestStatus.UNDER_REVIEW,
                now,
                holder_id=request.holder_id,
                info_request=None,
                decided=False,
            )
            await Events(conn).add(
                request_id,
                "info_received",
                actor_id=user_id,
                actor_role="beneficiary",
                now=now,
                from_status=request.status,
                to_status=RequestStatus.UNDER_REVIEW,
                details={"items": len(items), "asked": request.info_request or ""},
            )
            thread = await StaffThreads(conn).for_request(request_id)
            await notices.to_staff(
                conn,
                self.staff_chat_id,
                notices.STAFF_NOTE,
                now,
                thread_id=thread.id if thread else None,
                note="info_received",
                request_id=request_id,
            )
            await notices.to_staff(
                conn, self.staff_chat_id, notices.STAFF_CARD_REFRESH, now, request_id=request_id
            )
            updated = await requests.get(request_id)
            assert updated is not None
        self.wakeup()
        return Done(updated)

    def now(self) -> datetime:
        return self.clock()
