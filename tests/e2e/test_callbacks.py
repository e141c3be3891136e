"""Call-back requests end to end: the beneficiary picks a time in the team's hours and
confirms a number; staff claim the call, record each try and its note; an unclaimed call
past its time reminds staff once; two unanswered tries ask the beneficiary for another."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.context import SERVICES_KEY, Services
from emulator import BotApiEmulator, BotMessage
from handlers.buttons import CallClaim, CallTime
from tests.e2e.desk import (
    COMMITTEE_A,
    OFFICER,
    OUTSIDER,
    RESEARCHER,
    Desk,
    open_desk,
    plain,
    submit,
)
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock


async def run_rules(desk: Desk) -> dict[str, int]:
    """What the JobQueue job does every minute (the weekly report left out)."""
    services: Services = desk.app.bot_data[SERVICES_KEY]
    run = await services.followups.run()
    await desk.settle()
    return {k: v for k, v in run.queued.items() if k != "report"}


async def until(message: BotMessage, check: Callable[[str], bool]) -> str:
    """The message's text once an edit makes `check` true (edits land in place)."""
    for _ in range(250):
        if check(plain(message.text)):
            return plain(message.text)
        await asyncio.sleep(0.02)
    raise AssertionError(f"not edited as expected: {message.text!r}")


async def refusals(desk: Desk) -> list[tuple[int, str, str]]:
    rows = await desk.rows(
        "SELECT actor_id, action, reason FROM audit_log WHERE action LIKE 'button:call%' ORDER BY id"
    )
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


async def test_a_call_back_is_asked_claimed_tried_twice_and_asked_again(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1601, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        topic = (await desk.card(reference)).message_thread_id

        times = await sarah.command("/call")  # Sunday 9:00 AM in Riyadh
        assert "When should the association's team call you?" in times.text
        assert any("today" in label for label in times.button_labels)
        assert "As soon as possible" in times.button_labels[-1]

        # A forged window on Sunday evening, outside the team's hours, is refused.
        evening = int(datetime(2026, 11, 22, 17, 0, tzinfo=UTC).timestamp()) // 60
        query = await sarah.sim.press(times, CallTime(evening, evening + 120).encode())
        answer = await sarah.sim.wait_for_callback_answer(query)
        assert "not available" in answer["text"]
        again = await sarah.next()  # and the times offered again
        assert "not available" in again.text and "tomorrow" in str(again.button_labels)

        confirm = await sarah.press(again, "tomorrow")
        assert "+966551234567" in plain(confirm.text)  # the number of her latest request
        typing = await sarah.press(confirm, "Another number")
        assert "Type it here" in typing.text
        wrong = await sarah.say("12345")
        assert "Please send a Saudi mobile number" in wrong.text
        done = await sarah.say("056 111 2233")
        assert "+966561112233" in plain(done.text) and "tomorrow" in done.text

        card = await desk.group.wait_for_message(
            predicate=lambda m: "Call-back request" in m.text, message_thread_id=topic
        )
        text = plain(card.text)
        assert "+966561112233" in text and reference in text and "Nobody has taken" in text

        # Someone who is not staff cannot take it; a staff member can, once.
        assert "not allowed" in (await desk.press(OUTSIDER, card, "I'll call"))["text"]
        claim = card.callback_data("I'll call")
        await desk.press(RESEARCHER, card, "I'll call")
        await until(card, lambda t: "Huda will call" in t and "No answer" in str(card.buttons))
        second = await desk.press_data(COMMITTEE_A, card, claim)
        assert "Huda has taken this call" in second["text"]
        forged = await desk.press_data(COMMITTEE_A, card, CallClaim(999999).encode())
        assert "expired" in forged["text"]
        await desk.settle()
        told = await sarah.next()
        assert "will call you tomorrow" in told.text and "+966561112233" in plain(told.text)

        # Only the one who claimed it records a try.
        other = await desk.press(COMMITTEE_A, card, "No answer")
        assert "Huda has taken this call" in other["text"]
        noted = await desk.press(RESEARCHER, card, "No answer")
        assert "Type a note" in noted["text"]
        await until(card, lambda t: "Try 1: 📵 No answer" in t and "No note" in str(card.buttons))
        await desk.say(RESEARCHER, "Voicemail; will try after lunch", topic)
        await until(card, lambda t: "Voicemail; will try after lunch" in t)

        await desk.press(RESEARCHER, card, "No answer")
        await until(
            card, lambda t: "asked for another time" in t and "No note" in str(card.buttons)
        )
        await desk.press(RESEARCHER, card, "No note")
        await until(card, lambda t: not card.buttons)
        await desk.settle()
        retry = await sarah.next()
        assert "could not reach you" in retry.text  # the note never reached her
        more = await sarah.press(retry, "Choose another time")
        assert "When should" in more.text

        events = await desk.rows(
            "SELECT kind FROM request_events WHERE kind LIKE 'call%' ORDER BY id"
        )
        assert [e[0] for e in events] == [
            "call_requested",
            "call_claimed",
            "call_no_answer",
            "call_note",
            "call_no_answer",
            "call_retry",
        ]
        timeline = await sarah.command("/status")
        assert "You asked to be called" in timeline.text and "Voicemail" not in timeline.text
        assert await refusals(desk) == [
            (1601, "button:call:at", "stale"),
            (OUTSIDER, "button:call:claim", "role"),
            (COMMITTEE_A, "button:call:claim", "not-theirs"),
            (COMMITTEE_A, "button:call:claim", "stale"),
            (COMMITTEE_A, "button:call:try", "not-theirs"),
        ]


async def test_an_unclaimed_call_past_its_time_reminds_staff_once(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(1602, first_name="Omar", language_code="en"))
        times = await omar.press(await omar.command("/start"), "Request a call")
        asked = await omar.press(times, "today")  # no request: no number on record
        assert "Which mobile number" in asked.text
        await omar.say("0551234567")
        card = await desk.group.wait_for_message(
            predicate=lambda m: "Call-back request" in m.text, message_thread_id=1
        )
        assert await run_rules(desk) == {}  # its time has not passed

        clock.now += timedelta(hours=4)  # 1:00 PM: the morning is over
        assert await run_rules(desk) == {"call_late": 1}
        late = await desk.group.wait_for_message(
            predicate=lambda m: "Nobody has taken this call-back" in m.text, message_thread_id=1
        )
        assert await run_rules(desk) == {}  # once

        await desk.press(OFFICER, late, "I'll call")
        await until(card, lambda t: "Noura will call" in t)
        stale = await desk.press(RESEARCHER, late, "I'll call")
        assert "Noura has taken this call" in stale["text"]
        await desk.press(OFFICER, card, "Reached")
        await until(card, lambda t: "No note" in str(card.buttons))
        await desk.press(OFFICER, card, "No note")
        await until(card, lambda t: "Try 1: ✅ Reached" in t and not card.buttons)
        assert await desk.rows("SELECT status FROM callbacks") == [("done",)]
        assert await run_rules(desk) == {}
