"""Volunteering through the emulator: the profile's second form, the card, the thank-you."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from emulator import BotApiEmulator
from tests.e2e.desk import ADMIN, OFFICER, OUTSIDER, open_desk, plain
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock

GENERAL = 1  # the emulator's cursor for the forum's General topic


async def test_sign_up_card_thanks_and_export(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        amal = Person(emu.user(1301, first_name="Amal", language_code="en"))
        welcome = await amal.command("/start")
        assert "🤝 Volunteer with us" in welcome.button_labels
        first = await amal.press(welcome, "Volunteer with us")
        assert "Thank you for wanting to volunteer" in first.text
        assert "The form has 5 questions." in first.text
        assert "Question 1 of 5" in first.text and "What is your full name?" in first.text

        # Each wrong answer is explained and the same question is asked again.
        again = await amal.say("A1")
        assert "⚠️" in again.text and "Question 1 of 5" in again.text
        skills = await amal.say("Amal Alharbi")
        assert "Question 2 of 5" in skills.text
        again = await amal.say("gardening")
        assert "Please choose one of the buttons below." in again.text
        assert "Question 2 of 5" in again.text
        availability = await amal.press(again, "Teaching and training")
        assert "When can you volunteer?" in availability.text
        again = await amal.say("no")
        assert "at least 3 characters" in again.text and "Question 3 of 5" in again.text
        mobile = await amal.say("Thursday evenings")
        assert "Question 4 of 5" in mobile.text
        again = await amal.say("12345")
        assert "Please send a Saudi mobile number" in again.text
        assert "Question 4 of 5" in again.text
        consent = await amal.say("0551234567")
        assert "Question 5 of 5" in consent.text
        # Back goes to the previous question, as in the request form.
        back = await amal.press(consent, "Back")
        assert "Question 4 of 5" in back.text
        consent = await amal.say("0551234567")
        review = await amal.press(consent, "I agree")
        assert "Please review your answers" in review.text
        assert "Teaching and training" in review.text and "Thursday evenings" in review.text
        receipt = await amal.press(review, "Confirm and continue")
        assert "your offer to volunteer was received" in receipt.text

        # The card lands in the Volunteers topic, opened once.
        card = await desk.group.wait_for_message(
            predicate=lambda m: "New volunteer" in m.text and bool(m.buttons)
        )
        topic = desk.group.topic_by_name("Volunteers")
        assert topic is not None and card.message_thread_id == topic.message_thread_id
        text = plain(card.text)
        assert "Amal Alharbi" in text and "+966551234567" in text
        assert "Teaching and training" in text and "Thursday evenings" in text
        assert card.button_labels == ["✅ Accept and thank"]
        data = card.callback_data("Accept and thank")

        # A forged press (no such volunteer) and one from outside the staff are refused.
        forged = await desk.press_data(OFFICER, card, "vol:ok:999")
        assert forged["text"] == "This button has expired."
        outsider = await desk.press(OUTSIDER, card, "Accept and thank")
        assert outsider["text"] == "You are not allowed to do this."
        audit = await desk.rows(
            "SELECT actor_id, action, reason FROM audit_log WHERE action LIKE '%vol%' ORDER BY id"
        )
        assert (OFFICER, "button:vol:ok", "stale") in audit
        assert (OUTSIDER, "volunteer", "role") in audit
        assert await desk.rows("SELECT stage FROM volunteers") == [("submitted",)]

        # One press accepts and thanks; the card says who, and has no button left.
        answer = await desk.press(OFFICER, card, "Accept and thank")
        assert answer["text"] == "Thank-you sent."
        assert "Accepted and thanked by Noura" in card.text and not card.buttons
        thanks = await amal.next()
        assert "Thank you for volunteering with" in thanks.text
        # Pressed again (an old copy of the button): refused, nobody thanked twice.
        twice = await desk.press_data(OFFICER, card, data)
        assert twice["text"] == "This button has expired."

        # A second sign-up goes to the same topic.
        huda = Person(emu.user(1302, first_name="Huda", language_code="en"))
        question = await huda.command("/volunteer")
        question = await huda.say("Huda Alqahtani")
        question = await huda.press(question, "Office work")
        question = await huda.say("Sunday mornings")
        question = await huda.say("0561234567")
        review = await huda.press(question, "I agree")
        await huda.press(review, "Confirm and continue")
        second = await desk.group.wait_for_message(
            predicate=lambda m: "Huda Alqahtani" in m.text and bool(m.buttons)
        )
        assert second.message_thread_id == topic.message_thread_id
        assert [t.name for t in desk.group.chat.topics.values()].count("Volunteers") == 1

        # The export has a volunteers sheet with their answers.
        day = clock.now.astimezone(ZoneInfo("Asia/Riyadh")).date().isoformat()
        await desk.say(ADMIN, f"/export {day} {day}")
        name = f"tawasul-{day}_{day}-volunteers.csv"
        found = None
        for _ in range(7):
            message = await desk.group.wait_for_message(
                predicate=lambda m: m.get("document") is not None, message_thread_id=GENERAL
            )
            if message["document"]["file_name"] == name:
                found = desk.emu.state.files[message["document"]["file_id"]].content
        assert found is not None
        rows = list(csv.DictReader(io.StringIO(found.decode("utf-8-sig"))))
        assert [(r["name"], r["status"], r["skills"]) for r in rows] == [
            ("Amal Alharbi", "accepted", "teaching"),
            ("Huda Alqahtani", "submitted", "office"),
        ]
        assert rows[0]["accepted_by"] == str(OFFICER) and rows[0]["mobile"] == "+966551234567"


async def test_volunteering_waits_for_an_open_request_form(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1303, first_name="Sarah", language_code="en"))
        welcome = await sarah.command("/start")
        consent = await sarah.press(welcome, "New support request")
        question = await sarah.press(consent, "I agree")
        assert "Question 1 of" in question.text
        told = await sarah.command("/volunteer")
        assert "Please finish your support request first" in told.text
        # The request form still owns her messages.
        answered = await sarah.say("Sarah Mohammed Alotaibi")
        assert "Question 2 of" in answered.text
        assert await desk.rows("SELECT COUNT(*) FROM volunteers") == [(0,)]
