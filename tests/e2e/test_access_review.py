"""Access review: every staff command and staff button, pressed by every kind of person.

The pressers are the four roles in the staff group, a beneficiary in private, an outsider in
the staff group, an outsider in private and an admin in private. What the policy does not allow
(bot/services/policy.py) must change nothing in the database and leave an audit entry naming
who tried and where; what it allows must act. Then: a staff member who leaves the staff group
loses their role at once, and regains it when added back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.services.policy import RULES, Action, Duty, may
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    OFFICER,
    OUTSIDER,
    RESEARCHER,
    STAFF,
    STAFF_CHAT,
    Desk,
    open_desk,
    submit,
)
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock, peek

NOT_ALLOWED = "You are not allowed to do this."
BENEFICIARY = 1301


@dataclass(frozen=True)
class Presser:
    name: str
    user_id: int
    private: bool  # presses in their private chat with the bot, not in the staff group

    def may(self, need: Action | Duty | None) -> bool:
        """The policy: staff, in the staff group, with the role the action needs (None: any)."""
        member = STAFF.member(self.user_id)
        return not self.private and member is not None and (need is None or may(member, need))

    @property
    def chat_id(self) -> int:
        return self.user_id if self.private else STAFF_CHAT


PRESSERS = (
    Presser("officer", OFFICER, False),
    Presser("researcher", RESEARCHER, False),
    Presser("committee", COMMITTEE_A, False),
    Presser("admin", ADMIN, False),
    Presser("beneficiary", BENEFICIARY, True),
    Presser("outsider in the group", OUTSIDER, False),
    Presser("outsider in private", OUTSIDER, True),
    Presser("admin in private", ADMIN, True),
)
STAFF_PRESSERS = [p for p in PRESSERS if p.may(None)]

# What the access review watches: a refusal changes none of it.
WATCHED = (
    "SELECT id, status, version, holder_id FROM requests ORDER BY id",
    "SELECT COUNT(*) FROM request_events",
    "SELECT staff_id, request_id, action FROM staff_prompts ORDER BY staff_id",
    "SELECT id, state, segment, from_message_id FROM broadcasts ORDER BY id",
    "SELECT id, status, decided_by FROM faq_answers ORDER BY id",
    "SELECT id, closed_at FROM conversations ORDER BY id",
)


async def watched(desk: Desk) -> list[list[tuple[Any, ...]]]:
    async with peek(desk.db_target) as conn:
        return [[tuple(r) for r in await conn.fetchall(sql)] for sql in WATCHED]


async def last_audit(desk: Desk) -> int:
    rows = await desk.rows("SELECT COALESCE(MAX(id), 0) FROM audit_log")
    return int(rows[0][0])


async def audited_since(desk: Desk, after: int) -> list[tuple[Any, ...]]:
    return await desk.rows(
        "SELECT actor_id, chat_id, reason, action FROM audit_log WHERE id > ? ORDER BY id", after
    )


class Review:
    """The desk plus a message to press in each presser's private chat; counts the cells."""

    def __init__(self, desk: Desk, anchors: dict[int, BotMessage]) -> None:
        self.desk = desk
        self.anchors = anchors
        self.cells = 0

    @classmethod
    async def open(cls, desk: Desk) -> Review:
        anchors = {}
        for p in PRESSERS:
            if p.private and p.user_id not in anchors:
                person = Person(desk.emu.user(p.user_id, first_name=p.name, language_code="en"))
                anchors[p.user_id] = await person.command("/menu")
        return cls(desk, anchors)

    async def press(self, p: Presser, in_group: BotMessage, data: str) -> dict[str, Any]:
        """Press data as p: on in_group in the staff group, else on a message in private."""
        if p.private:
            user = self.desk.emu.user(p.user_id)
            query = await user.press(self.anchors[p.user_id], data)
            return await user.wait_for_callback_answer(query)
        return await self.desk.press_data(p.user_id, in_group, data)

    async def refused(self, p: Presser, in_group: BotMessage, data: str) -> None:
        """The press is refused: nothing watched changes and the audit names who and where."""
        self.cells += 1
        before, mark = await watched(self.desk), await last_audit(self.desk)
        answer = await self.press(p, in_group, data)
        assert answer.get("text") == NOT_ALLOWED and answer.get("show_alert"), (p.name, data)
        assert await watched(self.desk) == before, (p.name, data)
        entries = await audited_since(self.desk, mark)
        reason = "outside" if p.private else "role"
        assert [e[:3] for e in entries] == [(p.user_id, p.chat_id, reason)], (p.name, data)

    async def allowed(self, p: Presser, in_group: BotMessage, data: str) -> dict[str, Any]:
        """The press is not refused and nothing is audited (what it did is checked after)."""
        self.cells += 1
        mark = await last_audit(self.desk)
        answer = await self.press(p, in_group, data)
        assert answer.get("text") != NOT_ALLOWED, (p.name, data)
        assert await audited_since(self.desk, mark) == [], (p.name, data)
        return answer


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    for _ in range(int(timeout / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition did not come true in time")


class Requests:
    """Requests submitted by a new beneficiary each, with their cards."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.next_user = 1400

    async def new(self, accepted: bool = False) -> tuple[int, BotMessage]:
        self.next_user += 1
        person = Person(self.desk.emu.user(self.next_user, first_name="Sarah", language_code="en"))
        reference = await submit(person)
        card = await self.desk.card(reference)
        request_id = await self.id_of(reference)
        if accepted:
            await self.desk.press_data(COMMITTEE_A, card, f"staff:accept:{request_id}:1:yes")
            assert await self.status(request_id) == ("accepted", 2)
        return request_id, card

    async def id_of(self, reference: str) -> int:
        rows = await self.desk.rows("SELECT id FROM requests WHERE reference = ?", reference)
        return int(rows[0][0])

    async def status(self, request_id: int) -> tuple[str, int]:
        rows = await self.desk.rows("SELECT status, version FROM requests WHERE id = ?", request_id)
        return str(rows[0][0]), int(rows[0][1])


# Each card button as pressed: its verb, what follows the version, and whether that press
# acts (the others open a sub-menu). "card" is the "Back" button: any staff member.
CARD_PRESSES: tuple[tuple[str, str, bool], ...] = (
    ("accept", "", False),
    ("accept", ":yes", True),
    ("reject", "", False),
    ("reject", ":outside_criteria", True),
    ("reject", ":*", True),  # the reason is typed next
    ("info", "", True),  # what is missing is typed next
    ("refer", "", False),
    ("refer", f":{RESEARCHER}", True),
    ("deliver", "", False),
    ("deliver", ":yes", True),
    ("close", "", False),
    ("close", ":yes", True),
    ("card", "", False),
)


async def test_every_card_button_by_every_presser(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        review = await Review.open(desk)
        requests = Requests(desk)
        target = await requests.new()
        accepted = await requests.new(accepted=True)
        for verb, tail, acts in CARD_PRESSES:
            action = Action(verb) if verb != "card" else None
            request_id, card = accepted if action is Action.DELIVER else target
            _, version = await requests.status(request_id)
            data = f"staff:{verb}:{request_id}:{version}{tail}"
            for p in PRESSERS:
                if not p.may(action):
                    await review.refused(p, card, data)
                elif not acts:
                    before = await watched(desk)
                    await review.allowed(p, card, data)
                    assert await watched(desk) == before, (p.name, data)
                else:
                    assert action is not None
                    await _act(review, requests, p, action, tail)
        assert await requests.status(target[0]) == ("submitted", 1)
        assert await requests.status(accepted[0]) == ("accepted", 2)
        assert review.cells == len(CARD_PRESSES) * len(PRESSERS) == 104


async def _act(review: Review, requests: Requests, p: Presser, action: Action, tail: str) -> None:
    """p presses the action on a request of its own, which moves on as the policy says."""
    desk = review.desk
    request_id, card = await requests.new(accepted=action is Action.DELIVER)
    _, version = await requests.status(request_id)
    await review.allowed(p, card, f"staff:{action.value}:{request_id}:{version}{tail}")
    if action is Action.REQUEST_INFO or tail == ":*":
        # The press asks for a text; the presser's next message in the topic is it.
        prompts = await desk.rows("SELECT staff_id, request_id FROM staff_prompts")
        assert (p.user_id, request_id) in prompts
        await desk.say(p.user_id, "Please send the device's price quote.", card.message_thread_id)
    to_status = RULES[action].to_status.value

    async def moved() -> bool:
        return await requests.status(request_id) == (to_status, version + 1)

    await eventually(moved)
    events = await desk.rows(
        "SELECT kind, actor_id FROM request_events WHERE request_id = ? ORDER BY id DESC LIMIT 1",
        request_id,
    )
    assert events == [(action.value, p.user_id)]


# Each staff command: the duty it needs (None: any staff member) and what its answer holds.
COMMANDS: tuple[tuple[str, Duty | None, tuple[str, ...]], ...] = (
    ("/queue", None, ("Open requests",)),
    ("/find TWS", None, ("Requests found",)),
    ("/stats", None, ("Requests in figures",)),
    ("/report", None, ("Requests and satisfaction",)),
    ("/export", Duty.EXPORT, ("submitted from",)),
    ("/feedback", None, ("Ratings and suggestions",)),
    ("/broadcast", Duty.BROADCAST, ("who should receive it",)),
    ("/faq_gaps", None, ("Questions the guides", "No unanswered questions")),
)


async def test_every_staff_command_by_every_presser(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        await Requests(desk).new()
        private = {p.user_id: Person(emu.user(p.user_id)) for p in PRESSERS if p.private}
        cells = 0
        for command, duty, answers in COMMANDS:
            for p in PRESSERS:
                cells += 1
                before, mark = await watched(desk), await last_audit(desk)
                if p.private:
                    # Staff commands exist only in the staff group: in private they are words
                    # like any other, and nothing from the staff's side is answered.
                    reply = await private[p.user_id].say(command)
                    assert not any(a in reply.text for a in answers), (p.name, command)
                    assert await watched(desk) == before
                    assert await audited_since(desk, mark) == []
                    continue
                await desk.say(p.user_id, command)
                if not p.may(duty):
                    reply = await desk.group.wait_for_message(
                        predicate=lambda m: m.text == NOT_ALLOWED
                    )
                    assert await watched(desk) == before, (p.name, command)
                    entries = await audited_since(desk, mark)
                    assert [e[:3] for e in entries] == [(p.user_id, STAFF_CHAT, "role")]
                    continue
                await desk.group.wait_for_message(
                    predicate=lambda m, answers=answers: any(a in m.text for a in answers)
                )
                assert await audited_since(desk, mark) == [], (p.name, command)
                if duty is Duty.BROADCAST:
                    drafts = await desk.rows("SELECT created_by, state FROM broadcasts")
                    assert drafts == [(p.user_id, "composing")]
                else:
                    assert await watched(desk) == before, (p.name, command)
        assert cells == len(COMMANDS) * len(PRESSERS) == 64


async def test_conversation_broadcast_and_answer_buttons_by_every_presser(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    # The progress job stays still, so a broadcast under way is not marked done meanwhile.
    async with open_desk(emu, clock, db_target, broadcast_progress_seconds=3600.0) as desk:
        review = await Review.open(desk)
        await Requests(desk).new()  # someone to broadcast to
        await _close_conversation(review, Person(emu.user(1501, language_code="en")))
        await _broadcast(review)
        await _save_and_decide_answers(review)
        # Closing: everyone once; a broadcast: four buttons by everyone but the admin at three
        # steps, then the admin's four; saving: everyone once; deciding: everyone twice.
        everyone, others = len(PRESSERS), len(PRESSERS) - 1
        assert review.cells == everyone + (3 * 4 * others + 4) + everyone + 2 * everyone == 120


async def _close_conversation(review: Review, talker: Person) -> None:
    """relay:close:<user id>: any staff member, in the staff group."""
    desk, data = review.desk, f"relay:close:{talker.sim.id}"

    async def open_conversation() -> BotMessage:
        await talker.command("/talk")
        return await desk.group.wait_for_message(predicate=lambda m: data in str(m.buttons))

    notice = await open_conversation()
    for p in PRESSERS:
        if not p.may(None):
            await review.refused(p, notice, data)
            continue
        answer = await review.allowed(p, notice, data)
        assert answer["text"] == "The conversation is closed.", p.name
        notice = await open_conversation()


async def _broadcast(review: Review) -> None:
    """bc:seg, bc:send, bc:cancel and bc:stop: admins only, at each step of a broadcast."""
    desk = review.desk
    admin = next(p for p in PRESSERS if p.may(Duty.BROADCAST))
    await desk.say(admin.user_id, "/broadcast")
    ask = await desk.group.wait_for_message(predicate=lambda m: "who should receive" in m.text)
    bid = int((await desk.rows("SELECT MAX(id) FROM broadcasts"))[0][0])
    steps = (f"bc:seg:{bid}:everyone", f"bc:send:{bid}", f"bc:cancel:{bid}", f"bc:stop:{bid}")

    async def state() -> str:
        return str((await desk.rows("SELECT state FROM broadcasts WHERE id = ?", bid))[0][0])

    async def others_refused(message: BotMessage, expected: str) -> None:
        assert await state() == expected
        for p in PRESSERS:
            if not p.may(Duty.BROADCAST):
                for data in steps:
                    await review.refused(p, message, data)

    await others_refused(ask, "composing")
    await review.allowed(admin, ask, steps[0])
    text = "The office is closed on Thursday."
    await desk.say(admin.user_id, text)
    preview = await desk.group.wait_for_message(predicate=lambda m: m.text == text)
    await others_refused(preview, "previewed")
    await review.allowed(admin, preview, steps[1])

    async def sending() -> bool:
        return await state() == "sending"

    await eventually(sending)  # the press is answered first, then the broadcast starts
    await others_refused(preview, "sending")
    answer = await review.allowed(admin, preview, steps[3])
    assert answer["text"] == "Stopped." and await state() == "cancelled"
    # A second draft, cancelled before it is written.
    await desk.say(admin.user_id, "/broadcast")
    ask = await desk.group.wait_for_message(predicate=lambda m: "who should receive" in m.text)
    answer = await review.allowed(admin, ask, f"bc:cancel:{bid + 1}")
    assert answer["text"] == "Stopped."
    assert await desk.rows("SELECT state FROM broadcasts WHERE id = ?", bid + 1) == [("cancelled",)]


async def _save_and_decide_answers(review: Review) -> None:
    """faq:save: any staff member; faq:approve and faq:discard: admins only."""
    desk = review.desk
    offers = []
    for n, _ in enumerate(STAFF_PRESSERS):
        asker = Person(desk.emu.user(1601 + n, first_name="Huda", language_code="ar"))
        refused = await asker.say("هل عندكم رحلات عمرة للاسر المحتاجة؟")
        await asker.press(refused, "🙋")
        copy = await desk.group.wait_for_message(predicate=lambda m: "عمرة" in m.text)
        topic = copy.message_thread_id
        await desk.say(OFFICER, "نعم، ننظم رحلة عمرة للأسر المسجلة مرة في السنة.", topic)
        offers.append(
            await desk.group.wait_for_message(
                predicate=lambda m: "faq:save:" in str(m.buttons), message_thread_id=topic
            )
        )
    saves = [str(o.buttons[0][0]["callback_data"]) for o in offers]
    for p in PRESSERS:
        if not p.may(None):
            await review.refused(p, offers[0], saves[0])
    for p, offer, data in zip(STAFF_PRESSERS, offers, saves, strict=True):
        await review.allowed(p, offer, data)
    saved = await desk.rows("SELECT id, proposed_by, status FROM faq_answers ORDER BY id")
    assert [(by, status) for _, by, status in saved] == [
        (p.user_id, "pending") for p in STAFF_PRESSERS
    ]
    first, second = saved[0][0], saved[1][0]
    for p in PRESSERS:
        if p.may(Duty.APPROVE_ANSWERS):
            await review.allowed(p, offers[0], f"faq:approve:{first}")
            await review.allowed(p, offers[1], f"faq:discard:{second}")
            decided = await desk.rows("SELECT status, decided_by FROM faq_answers ORDER BY id")
            assert decided[:2] == [("approved", p.user_id), ("discarded", p.user_id)]
        else:
            await review.refused(p, offers[2], f"faq:approve:{saved[2][0]}")
            await review.refused(p, offers[2], f"faq:discard:{saved[2][0]}")


async def test_a_staff_member_who_leaves_loses_the_role_at_once_and_regains_it(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with open_desk(emu, clock, db_target) as desk:
        requests = Requests(desk)
        request_id, card = await requests.new()
        info, accept = f"staff:info:{request_id}:1", f"staff:accept:{request_id}:1:yes"
        officer, admin = desk.members[OFFICER], desk.members[ADMIN]
        desk.group.remove_member(officer)
        # Telegram would not let them press or write there now: a late or forged update.
        answer = await desk.press_data(OFFICER, card, info)
        assert answer["text"] == NOT_ALLOWED and answer["show_alert"]
        await desk.say(OFFICER, "/queue")
        await desk.group.wait_for_message(predicate=lambda m: m.text == NOT_ALLOWED)
        # Removed (banned) by an admin: the same.
        desk.group.remove_member(desk.members[COMMITTEE_A], by=admin, kicked=True)
        answer = await desk.press_data(COMMITTEE_A, card, accept)
        assert answer["text"] == NOT_ALLOWED
        assert await requests.status(request_id) == ("submitted", 1)
        assert await desk.rows("SELECT COUNT(*) FROM staff_prompts") == [(0,)]
        audit = await desk.rows("SELECT actor_id, chat_id, action, reason FROM audit_log")
        assert audit == [
            (OFFICER, STAFF_CHAT, "staff_left", "left"),
            (OFFICER, STAFF_CHAT, "info", "departed"),
            (OFFICER, STAFF_CHAT, "queue", "departed"),
            (COMMITTEE_A, STAFF_CHAT, "staff_left", f"removed by {ADMIN}"),
            (COMMITTEE_A, STAFF_CHAT, "accept", "departed"),
        ]
        # Whoever stayed keeps their role.
        answer = await desk.press_data(RESEARCHER, card, f"staff:card:{request_id}:1")
        assert answer["text"] != NOT_ALLOWED

        # Added back by an admin: the profile's role counts again.
        desk.group.add_member(officer, by=admin)
        await desk.say(OFFICER, "/queue")
        await desk.group.wait_for_message(predicate=lambda m: "Open requests" in m.text)
        answer = await desk.press_data(OFFICER, card, info)
        assert answer["text"] != NOT_ALLOWED
        assert await desk.rows("SELECT staff_id FROM staff_prompts") == [(OFFICER,)]
        assert (await desk.rows("SELECT action, reason FROM audit_log ORDER BY id DESC"))[0] == (
            "staff_returned",
            f"added by {ADMIN}",
        )
        departures = await desk.rows(
            "SELECT user_id, removed_by, CASE WHEN returned_at IS NULL THEN 0 ELSE 1 END"
            " FROM staff_departures ORDER BY id"
        )
        assert departures == [(OFFICER, None, 1), (COMMITTEE_A, ADMIN, 0)]

    # The departure outlives a restart: the committee member is still refused.
    async with open_desk(emu, clock, db_target) as desk:
        answer = await desk.press_data(COMMITTEE_A, card, accept)
        assert answer["text"] == NOT_ALLOWED
        assert await Requests(desk).status(request_id) == ("submitted", 1)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
