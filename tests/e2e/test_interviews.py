"""Interviews at a branch: asked by the beneficiary, times proposed by staff from the
branch's hours, one picked; no slot booked twice; reminders the day before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.interviews import slot_id
from emulator import BotApiEmulator, BotMessage
from handlers.buttons import InterviewSlot
from tests.e2e.desk import OFFICER, OUTSIDER, Desk, open_desk, plain, submit
from tests.e2e.driver import Person
from tests.e2e.test_followups import run_rules
from tests.support import DbTarget, FakeClock

RIYADH = ZoneInfo("Asia/Riyadh")
GENERAL = 1  # the staff group's messages outside topics
# The clock starts on Sunday 22 November 2026, 09:00 in Riyadh; slots start tomorrow.
TUE_8, TUE_830, WED_8 = "Tuesday 24/11 8:00 AM", "Tuesday 24/11 8:30 AM", "Wednesday 25/11 8:00 AM"


async def answer(person: Person, message: BotMessage, label: str) -> dict[str, Any]:
    """Press as the beneficiary and return the bot's callback answer."""
    query = await person.sim.press_button(message, label)
    return await person.sim.wait_for_callback_answer(query)


async def interview_card(desk: Desk, thread: int) -> BotMessage:
    return await desk.group.wait_for_message(
        predicate=lambda m: "Interview asked for" in m.text and bool(m.buttons),
        message_thread_id=thread,
    )


async def test_a_beneficiary_books_an_interview_about_a_request_and_both_are_reminded(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1801, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        topic = (await desk.card(reference)).message_thread_id
        assert topic is not None

        about = await sarah.command("/interview")
        assert "about one of your requests" in about.text
        branches = await sarah.press(about, reference)
        assert branches.button_labels == [
            "🏢 Head office, Riyadh",
            "🏢 Al-Kharj branch",
            "🏢 Al-Majmaah branch",
        ]
        await sarah.press(branches, "Head office, Riyadh")
        card = await interview_card(desk, topic)  # in the request's topic
        assert "Sarah" in card.text and reference in plain(card.text)
        assert "Monday 23/11 8:00 AM" in card.button_labels[0]  # tomorrow, from opening

        # Not staff: refused and audited, nothing ticked.
        refused = await desk.press(OUTSIDER, card, TUE_8)
        assert refused["text"] == "You are not allowed to do this."
        # A forged time outside the branch's hours (Tuesday 3:00 AM): refused and audited.
        night = datetime(2026, 11, 24, 3, 0, tzinfo=RIYADH)
        forged = InterviewSlot(_id(card), 1, slot_id(night)).encode()
        outside = await desk.press_data(OFFICER, card, forged)
        assert "outside the branch's opening hours" in outside["text"]
        empty = await desk.press(OFFICER, card, "Send")
        assert empty["text"] == "Tick at least one time first."
        for label in (TUE_8, TUE_830, WED_8):
            await desk.press(OFFICER, card, label)
            card = await desk.group.wait_for_edit(card)
        full = await desk.press(OFFICER, card, "Monday 23/11 8:00 AM")
        assert full["text"] == "Up to three times can be sent."
        await desk.press(OFFICER, card, "Send")
        sent = await desk.group.wait_for_edit(card)
        assert "Times sent to the beneficiary" in sent.text and not sent.buttons

        offer = await sarah.next()
        assert "offers these times for your interview at Head office, Riyadh" in plain(offer.text)
        assert "24 November 2026" in plain(offer.text) and "AH" in plain(offer.text)
        assert offer.button_labels == [
            "🗓 " + TUE_8,
            "🗓 " + TUE_830,
            "🗓 " + WED_8,
            "🔁 Other times",
            "✖️ Cancel the interview",
        ]
        booked = await sarah.press(offer, TUE_830)
        assert "Your interview is booked" in booked.text and "8:30 AM" in plain(booked.text)
        venue = await sarah.next()
        assert venue.get("venue", {}).get("title") == "Head office, Riyadh"
        told = await desk.group.wait_for_message(
            predicate=lambda m: "booked the interview" in m.text, message_thread_id=topic
        )
        assert "8:30 AM" in plain(told.text)

        assert await run_rules(desk) == {}  # two days before: not yet
        clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 09:00, the day before
        assert await run_rules(desk) == {"interview_reminder": 1, "interview_reminder_staff": 1}
        reminder = await sarah.next()
        assert "your interview is tomorrow" in reminder.text
        assert "Tuesday at 8:30 AM" in plain(reminder.text)
        assert "24 November 2026" in plain(reminder.text) and "AH" in reminder.text
        assert "Head office, Riyadh" in plain(reminder.text) and "Tajriba street" in reminder.text
        assert (await sarah.next()).get("venue", {}).get("title") == "Head office, Riyadh"
        staff_reminder = await desk.group.wait_for_message(
            predicate=lambda m: "Tomorrow: the interview" in m.text, message_thread_id=topic
        )
        assert "Sarah" in staff_reminder.text
        assert await run_rules(desk) == {}  # once

        timeline = await sarah.command("/status")
        assert "Interview asked for at Head office, Riyadh" in plain(timeline.text)
        assert "Times offered for the interview" in plain(timeline.text)
        assert "Interview booked at Head office, Riyadh" in plain(timeline.text)

        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log ORDER BY id")
        assert (OUTSIDER, "button:iv:tick", "role") in audit
        assert (OFFICER, "button:iv:tick", "hours") in audit


def _id(card: BotMessage) -> int:
    """The interview's id, from the card's first slot button."""
    return int(str(card.buttons[0][0]["callback_data"]).split(":")[2])


async def test_a_slot_taken_meanwhile_other_times_and_a_cancellation(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        amal = Person(emu.user(1811, first_name="Amal", language_code="en"))
        badr = Person(emu.user(1812, first_name="Badr", language_code="en"))
        menu = await amal.command("/start")
        branches = await amal.press(menu, "Book an interview")  # no requests: the branch
        assert "At which branch?" in branches.text
        await amal.press(branches, "Head office, Riyadh")
        amal_card = await interview_card(desk, GENERAL)  # no request: in General
        branches = await badr.command("/interview")
        await badr.press(branches, "Head office, Riyadh")
        badr_card = await interview_card(desk, GENERAL)

        for card in (amal_card, badr_card):  # the same two times offered to both
            for label in (TUE_8, TUE_830):
                await desk.press(OFFICER, card, label)
                card = await desk.group.wait_for_edit(card)
            await desk.press(OFFICER, card, "Send")
        amal_offer, badr_offer = await amal.next(), await badr.next()

        await amal.press(amal_offer, TUE_8)
        await amal.next()  # the venue
        taken = await answer(badr, badr_offer, TUE_8)
        assert taken["text"] == "Sorry, that time was just booked by someone else."
        still = await badr.next()
        assert "still free" in still.text
        assert still.button_labels[0] == "🗓 " + TUE_830
        assert len(still.button_labels) == 3  # that one time, other times, cancel
        assert await desk.rows(
            "SELECT COUNT(*) FROM interviews WHERE status = 'booked' AND user_id = 1812"
        ) == [(0,)]
        # Staff cannot offer the booked time to anyone else either.
        asked = await badr.press(still, "Other times")
        assert "asked for other times" in asked.text
        again = await desk.group.wait_for_message(
            predicate=lambda m: "asked for other times" in m.text, message_thread_id=GENERAL
        )
        assert "Badr" in again.text
        assert not any(TUE_8 in label for label in again.button_labels)
        expired = await answer(badr, still, TUE_830)  # the older offer
        assert expired["text"] == "This button has expired."

        cancelled = await amal.press(amal_offer, "Cancel the interview")
        assert "Your interview was cancelled" in cancelled.text
        await desk.group.wait_for_message(
            predicate=lambda m: "cancelled the interview" in m.text and "Amal" in m.text,
            message_thread_id=GENERAL,
        )
        # The time is free again: staff can offer it to Badr.
        *_tag, interview, version, _slot = str(again.buttons[0][0]["callback_data"]).split(":")
        tuesday = slot_id(datetime(2026, 11, 24, 8, 0, tzinfo=RIYADH))
        tick = InterviewSlot(int(interview), int(version), tuesday).encode()
        assert (await desk.press_data(OFFICER, again, tick))["text"] is None
        again = await desk.group.wait_for_edit(again)
        assert "☑️ " + TUE_8 in again.button_labels

        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log ORDER BY id")
        assert (1812, "button:iv:pick", "taken") in audit
        assert (1812, "button:iv:pick", "stale") in audit
