"""The beneficiary's data rights as they meet them: /mydata, a copy, a correction, an
erasure, and the privacy notice's versions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.app import build_application, running
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    OFFICER,
    RESEARCHER,
    Desk,
    open_desk,
    plain,
    staff_config,
    submit,
)
from tests.e2e.driver import ENGLISH_ANSWERS, NATIONAL_ID, Person, open_form
from tests.support import DbTarget, FakeClock, peek, table_names

SARAH = 918_273_645  # distinctive: the erasure test finds no trace of it


async def _documents(person: Person, desk: Desk, count: int) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for _ in range(count):
        message = await person.sim.wait_for_message(predicate=lambda m: bool(m.get("document")))
        document = message.data["document"]
        found[document["file_name"]] = desk.emu.state.files[document["file_id"]].content
    return found


async def _press_group(desk: Desk, who: int, card: BotMessage, label: str) -> dict[str, Any]:
    return await desk.press(who, card, label)


async def test_a_copy_holds_everything_and_only_the_persons_own(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        other = Person(emu.user(1241, first_name="Omar", language_code="en"))
        await submit(other, {**ENGLISH_ANSWERS, "full_name": "Omar Saleh Alharbi"})
        await sarah.say("How long does a decision take?")  # a question, kept as asked
        screen = await sarah.command("/mydata")
        assert "Your data" in screen.text and "requests: 1" in screen.text
        await sarah.sim.press_button(screen, "📄 Send me a copy")
        files = await _documents(sarah, desk, 2)
        names = sorted(files)
        assert names[0].endswith(".html") and names[1].endswith(".json")
        data = json.loads(files[names[1]])
        (request,) = data["requests"]
        assert request["reference"] == reference
        assert request["answers"]["national_id"] == NATIONAL_ID
        assert [q["text"] for q in data["questions"]] == ["How long does a decision take?"]
        assert (
            data["consents"][0]["version"] == 1 and "Before we start" in data["consents"][0]["text"]
        )
        assert next(e["kind"] for e in data["timeline"]) == "submitted"
        assert {f["field_key"] for f in data["files"]} == {"id_document"}
        page = files[names[0]].decode()
        assert 'dir="ltr"' in page and "Sarah Mohammed Alotaibi" in page and reference in page
        # Labels and statuses as the person reads them, not the database's codes.
        assert "<b>Reference number</b>" in page and "<b>Status</b>: Received" in page
        # Nothing of Omar's in Sarah's copy.
        both = files[names[0]] + files[names[1]]
        assert b"Omar" not in both
        # Someone who only said hello is held as just that: their name and language.
        stranger = Person(emu.user(1242, first_name="Ali", language_code="en"))
        held = await stranger.command("/mydata")
        assert "requests: 0" in held.text and "Correct an answer" not in str(held.button_labels)


async def test_an_arabic_copy_reads_right_to_left(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        huda = Person(emu.user(1243, first_name="هدى", language_code="ar"))
        await huda.command("/start")
        screen = await huda.command("/mydata")
        assert "بياناتك" in screen.text
        await huda.sim.press_button(screen, "📄 أرسل لي نسخة")
        files = await _documents(huda, desk, 2)
        page = next(v for k, v in files.items() if k.endswith(".html")).decode()
        assert 'lang="ar" dir="rtl"' in page and "طلباتك" in page and "الاسم في تيليجرام" in page


async def test_a_correction_goes_to_staff_and_only_an_officer_or_admin_applies_it(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        screen = await sarah.command("/mydata")
        fields = await sarah.press(screen, "✏️ Correct an answer")
        assert reference in plain(fields.text)
        mobile = next(label for label in fields.button_labels if label.startswith("Mobile"))
        ask = await sarah.press(fields, mobile)
        assert "Write the correct answer" in ask.text
        wrong = await sarah.say("12345")
        assert "Saudi mobile number" in wrong.text  # the form's own check, the form's words
        sent = await sarah.say("0559876543")
        assert "sent to the association's team" in sent.text
        correction = await desk.group.wait_for_message(
            predicate=lambda m: "asks to correct an answer" in m.text,
            message_thread_id=card.message_thread_id,
        )
        assert "+966559876543" in plain(correction.text)
        apply = correction.callback_data("Apply the correction")
        answer = await _press_group(desk, RESEARCHER, correction, "✅ Apply the correction")
        assert answer["text"] == "You are not allowed to do this."
        answer = await _press_group(desk, OFFICER, correction, "✅ Apply the correction")
        notice = await sarah.next()
        assert "was corrected" in notice.text and reference in plain(notice.text)
        assert "559876543" not in correction.text  # the card now says only what was done
        rows = await desk.rows("SELECT answers FROM requests WHERE reference = ?", reference)
        assert json.loads(rows[0][0])["mobile"] == "+966559876543"
        events = await desk.rows("SELECT kind, actor_id, details FROM request_events")
        assert ("corrected", OFFICER, '{"field": "mobile"}') in events
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log")
        assert (RESEARCHER, "correct_data", "role") in audit
        # The button a second time: already decided.
        again = await desk.press_data(ADMIN, correction, apply)
        assert again["text"] == "This button has expired."


async def _deliver(desk: Desk, person: Person, reference: str) -> None:
    """Accept and deliver a request from its card (a second press confirms each)."""
    card = await desk.card(reference)
    await desk.press(COMMITTEE_A, card, "Accept")
    await desk.press(COMMITTEE_A, card, "Accept")
    assert "accepted your request" in (await person.next()).text
    await desk.press(OFFICER, card, "Service delivered")
    await desk.press(OFFICER, card, "Service delivered")
    assert "was provided" in (await person.next()).text


async def test_an_erasure_keeps_only_what_the_retention_rule_requires_and_deletes_the_rest(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        decided = await submit(sarah)
        await _deliver(desk, sarah, decided)
        still_open = await submit(sarah, again=True)
        card = await desk.card(still_open)
        await sarah.say("Can I apply twice?")
        # Staff muted her once, with a reason that names her.
        await desk.say(OFFICER, "/mute Sarah shouted at the staff", card.message_thread_id)
        await sarah.sim.wait_for_message(predicate=lambda m: "does not receive" in m.text)
        screen = await sarah.command("/mydata")
        explained = await sarah.press(screen, "🗑 Delete my data")
        assert "cannot be undone" in explained.text and "5 years" in explained.text
        asked = await sarah.press(explained, "🗑 Yes, delete my data")
        assert "sent to the association" in asked.text
        card = await desk.group.wait_for_message(
            predicate=lambda m: "asks for all their data to be deleted" in m.text
        )
        assert decided in card.text and still_open in card.text and not card.is_topic_message
        refused = await _press_group(desk, OFFICER, card, "🗑 Approve the deletion")
        assert refused["text"] == "You are not allowed to do this."
        await _press_group(desk, ADMIN, card, "🗑 Approve the deletion")
        notice = await sarah.sim.wait_for_message(predicate=lambda m: "was deleted" in m.text)
        assert decided in plain(notice.text) and still_open not in plain(notice.text)
        await desk.settle()
        # The decided request stays, without a name or id, with only the kept answers.
        rows = await desk.rows("SELECT reference, user_id, answers FROM requests")
        assert [(r[0], r[1]) for r in rows] == [(decided, 0)]
        assert set(json.loads(rows[0][2])) == {"service_type", "family_size"}
        # Nothing else of hers anywhere in the database.
        async with peek(db_target) as conn:
            dump = []
            for table in await table_names(conn):
                for row in await conn.fetchall(f"SELECT * FROM {table}"):
                    dump.append(json.dumps(list(row), ensure_ascii=False, default=str))
        text = "\n".join(dump)
        for value in (NATIONAL_ID, "Sarah", "551234567", "Can I apply twice?", str(SARAH)):
            assert value not in text, value
        # Her topics in the staff group are gone.
        assert all(
            t.deleted
            for t in desk.group.topics.values()
            if decided in t.name or still_open in t.name
        )
        # She can come back as someone new.
        welcome = await sarah.command("/start")
        assert any("New support request" in label for label in welcome.button_labels)


async def test_a_new_privacy_notice_is_accepted_again_before_the_next_form(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
    config = staff_config(db_target, emu)
    async with running(build_application(config, clock=clock)):
        first = await open_form(sarah, new_label="New support request", agree_label="I agree")
        assert "question" in first.text.lower()
        prompt = await sarah.command("/cancel")
        await sarah.press(prompt, "Discard my answers")
    privacy = config.profile.privacy.model_copy(update={"version": 2})
    changed = replace(config, profile=config.profile.model_copy(update={"privacy": privacy}))
    async with running(build_application(changed, clock=clock)):
        welcome = await sarah.command("/start")
        notice = await sarah.press(welcome, "New support request")
        assert "privacy notice has changed" in notice.text
        # The old notice's button (version 1) does not count for version 2.
        query = await sarah.sim.press(notice, "consent:agree:1")
        again = await sarah.next()
        assert (await sarah.sim.wait_for_callback_answer(query)).get("text") == (
            "This button has expired."
        )
        assert "privacy notice has changed" in again.text
        await sarah.press(again, "✅ I agree")
    async with peek(db_target) as conn:
        rows = [tuple(r) for r in await conn.fetchall("SELECT version FROM consents ORDER BY id")]
        assert rows == [(1,), (2,)]
        assert await conn.fetchval("SELECT consent_version FROM beneficiaries") == 2


async def test_without_topics_an_erasure_deletes_the_card_and_the_messages_relayed_under_it(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target, forum=False, topics=False) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        opened = await sarah.command("/talk")
        assert "write your message" in opened.text.lower()
        await sarah.sim.send_text("My name is Sarah, my phone is 0551234567")
        relayed = await desk.group.wait_for_message(predicate=lambda m: "My name is" in m.text)
        screen = await sarah.command("/mydata")
        explained = await sarah.press(screen, "Delete my data")
        await sarah.press(explained, "Yes, delete my data")
        erasure = await desk.group.wait_for_message(
            predicate=lambda m: "asks for all their data to be deleted" in m.text
        )
        await desk.press(ADMIN, erasure, "Approve the deletion")
        await sarah.sim.wait_for_message(predicate=lambda m: "was deleted" in m.text)
        await desk.settle()
        assert card.deleted and relayed.deleted
        left = [m.text for m in desk.group.messages]
        assert not [t for t in left if "Sarah" in t or "0551234567" in t], left


async def test_a_file_answer_is_corrected_with_a_new_file_that_staff_see(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        fields = await sarah.press(await sarah.command("/mydata"), "Correct an answer")
        label = next(b for b in fields.button_labels if b.startswith("Copy of the ID"))
        ask = await sarah.press(fields, label)
        assert "Send the new file" in ask.text
        wrong = await sarah.say("here it is")
        assert "photo" in wrong.text.lower()  # the form's own words: a file is expected
        sent = await sarah.sim.send_document(file_name="new-id.pdf", size=40_000)
        file_id = sent["document"]["file_id"]
        assert "sent to the association's team" in (await sarah.next()).text
        topic = card.message_thread_id
        correction = await desk.group.wait_for_message(
            predicate=lambda m: "asks to correct an answer" in m.text, message_thread_id=topic
        )
        shown = await desk.group.wait_for_message(
            predicate=lambda m: bool(m.data.get("document")), message_thread_id=topic
        )
        assert shown.data["document"]["file_name"] == "new-id.pdf"
        await desk.press(OFFICER, correction, "Apply the correction")
        assert "was corrected" in (await sarah.next()).text
        rows = await desk.rows(
            "SELECT a.file_id FROM attachments a JOIN requests r ON r.id = a.request_id"
            " WHERE r.reference = ? AND a.field_key = 'id_document'",
            reference,
        )
        assert rows == [(file_id,)]


async def test_a_correction_left_unanswered_stops_taking_messages_after_an_hour(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        await submit(sarah)
        fields = await sarah.press(await sarah.command("/mydata"), "Correct an answer")
        mobile = next(label for label in fields.button_labels if label.startswith("Mobile"))
        await sarah.press(fields, mobile)
        clock.now += timedelta(hours=2)
        answer = await sarah.say("What documents do I need?")
        assert "Saudi mobile number" not in answer.text  # a question now, not the answer
        assert await desk.rows("SELECT COUNT(*) FROM data_requests") == [(0,)]
        assert await desk.rows("SELECT COUNT(*) FROM faq_questions") == [(1,)]


async def _volunteer(person: Person, name: str) -> None:
    screen = await person.command("/volunteer")
    screen = await person.say(name)
    screen = await person.press(screen, "Teaching and training")
    screen = await person.say("Thursday evenings")
    screen = await person.say("0551234567")
    screen = await person.press(screen, "I agree")
    receipt = await person.press(screen, "Confirm and continue")
    assert "your offer to volunteer was received" in receipt.text


@pytest.mark.parametrize("topics", [True, False], ids=["topics", "no-topics"])
async def test_an_erasure_also_deletes_the_volunteer_card_and_the_bots_lines_about_them(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget, topics: bool
) -> None:
    """Posts outside the person's own topic (the volunteer card, in its topic or in General;
    without topics, the bot's lines under the request's card) go with the rest."""
    async with open_desk(emu, clock, db_target, forum=topics, topics=topics) as desk:
        sarah = Person(emu.user(SARAH, first_name="Sarah", language_code="en"))
        await _volunteer(sarah, "Sarah Alqahtani")
        volunteer_card = await desk.group.wait_for_message(
            predicate=lambda m: "New volunteer" in m.text and "Sarah Alqahtani" in plain(m.text)
        )
        decided = await submit(sarah)
        await _deliver(desk, sarah, decided)
        await desk.settle()
        lines = await desk.rows("SELECT kind FROM staff_posts ORDER BY id")
        assert ("volunteer",) in lines
        screen = await sarah.command("/mydata")
        explained = await sarah.press(screen, "Delete my data")
        await sarah.press(explained, "Yes, delete my data")
        erasure = await desk.group.wait_for_message(
            predicate=lambda m: "asks for all their data to be deleted" in m.text
        )
        await desk.press(ADMIN, erasure, "Approve the deletion")
        await sarah.sim.wait_for_message(predicate=lambda m: "was deleted" in m.text)
        await desk.settle()
        assert volunteer_card.deleted
        assert await desk.rows("SELECT COUNT(*) FROM staff_posts") == [(0,)]
        left = [plain(m.text) for m in desk.group.messages if not m.deleted]
        assert not [t for t in left if "Sarah" in t or "551234567" in t], left
