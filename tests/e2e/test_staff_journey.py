"""The staff journey from a submission to the delivered service, through the emulator."""

from __future__ import annotations

from emulator import BotApiEmulator
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    OFFICER,
    RESEARCHER,
    STAFF_CHAT,
    open_desk,
    plain,
    submit,
)
from tests.e2e.driver import ARABIC_ANSWERS, ENGLISH_ANSWERS, Person, answer_all, open_form
from tests.support import DbTarget, FakeClock


async def test_from_submission_to_delivery(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1101, first_name="Sarah", language_code="en"))
        # /start alone opens nothing in the staff group.
        await sarah.command("/start")
        await desk.settle()
        assert desk.group.topics == {}
        sarah.sim.skip_pending()

        reference = await submit(sarah)
        card = await desk.card(reference)
        topic = desk.group.topic_by_name(f"{reference} · Sarah")
        assert topic is not None and card.message_thread_id == topic.message_thread_id
        assert "Received" in card.text
        assert "Sarah Mohammed Alotaibi" in card.text
        assert "+966551234567" in card.text
        assert "14 days left" in card.text
        assert "1 attachment below" in card.text
        assert card.button_labels == [
            "✅ Accept",
            "❌ Reject",
            "📝 Request information",
            "🔎 Refer to a researcher",
            "🗄 Close",
        ]
        photo = await desk.group.wait_for_message(
            predicate=lambda m: m.get("photo") is not None,
            message_thread_id=topic.message_thread_id,
        )
        assert photo.get("caption") == "Copy of the ID"  # the field's label

        # The officer refers it to a researcher: the beneficiary hears, the card says who.
        await desk.press(OFFICER, card, "Refer to a researcher")
        answer = await desk.press(OFFICER, card, "Huda")
        assert answer["text"] == "Under review"
        assert "Held by: Huda" in card.text and "Under review" in card.text
        notice = await sarah.next()
        assert f"Your request {reference} is under review" in notice.text.replace(
            "\u2066", ""
        ).replace("\u2069", "")
        assert "Huda" not in notice.text  # staff names stay hidden
        referred = await desk.group.wait_for_message(
            predicate=lambda m: "Referred to" in m.text, message_thread_id=topic.message_thread_id
        )
        assert "tg://user?id=7002" in str(referred.get("entities"))

        # The researcher and the beneficiary talk through the bot, both ways.
        await desk.say(RESEARCHER, "Hello Sarah, how old is your mother?", topic.message_thread_id)
        relayed = await sarah.next()
        assert relayed.text == "Hello Sarah, how old is your mother?"
        assert relayed.get("forward_origin") is None
        await sarah.sim.send_text("She is 72.", reply_to=relayed.message_id)
        copy = await desk.group.wait_for_message(
            predicate=lambda m: m.text == "She is 72.", message_thread_id=topic.message_thread_id
        )
        assert copy["reply_to_message"]["text"] == "Hello Sarah, how old is your mother?"
        await desk.say(RESEARCHER, "#note she sounds worried", topic.message_thread_id)

        # More information: the researcher types what is missing; the beneficiary sends it.
        await desk.press(RESEARCHER, card, "Request information")
        prompt = await desk.group.wait_for_message(
            predicate=lambda m: "type what the beneficiary should send" in m.text,
            message_thread_id=topic.message_thread_id,
        )
        assert prompt.message_thread_id == topic.message_thread_id
        await desk.say(RESEARCHER, "A recent medical report, please.", topic.message_thread_id)
        asked = await sarah.next()
        assert "needs more information" in asked.text
        assert "A recent medical report, please." in asked.text
        await desk.settle()
        assert "More information needed" in card.text
        await sarah.sim.send_document(file_name="report.pdf", mime_type="application/pdf")
        received = await sarah.next()
        assert "Received" in received.text
        await desk.group.wait_for_message(
            predicate=lambda m: m.get("document", {}).get("file_name") == "report.pdf",
            message_thread_id=topic.message_thread_id,
        )
        thanks = await sarah.press(received, "Done")
        assert "under review again" in thanks.text
        await desk.settle()
        assert "Under review" in card.text and "report.pdf" in card.text

        # The committee accepts (a second press confirms), then the officer delivers.
        await desk.press(COMMITTEE_A, card, "Accept")
        decided = await desk.press(COMMITTEE_A, card, "Accept")
        assert decided["text"] == "Accepted" and not decided["show_alert"]
        accepted = await sarah.next()
        assert "accepted your request" in accepted.text
        await desk.press(OFFICER, card, "Service delivered")
        await desk.press(OFFICER, card, "Service delivered")
        delivered = await sarah.next()
        assert "was provided" in delivered.text
        assert "Service delivered" in card.text
        assert card.button_labels == ["🗄 Close"]

        # The beneficiary's timeline, dates in Hijri and Gregorian; staff names hidden.
        timeline = await sarah.command("/status")
        lines = plain(timeline.text)
        for step in (
            "Request received",
            "Referred to a social researcher",
            "More information asked for: A recent medical report, please.",
            "You sent the information asked for",
            "Accepted by the research committee",
            "Service provided",
        ):
            assert step in lines
        assert "AH" in lines and "November 2026" in lines
        assert "Huda" not in lines and "Khalid" not in lines

        events = await desk.rows(
            "SELECT kind, actor_id, actor_role, from_status, to_status FROM request_events"
            " ORDER BY id"
        )
        assert events == [
            ("submitted", 1101, "beneficiary", None, "submitted"),
            ("refer", OFFICER, "relations_officer", "submitted", "under_review"),
            ("info", RESEARCHER, "social_researcher", "under_review", "needs_info"),
            ("info_received", 1101, "beneficiary", "needs_info", "under_review"),
            ("accept", COMMITTEE_A, "committee_member", "under_review", "accepted"),
            ("deliver", OFFICER, "relations_officer", "accepted", "delivered"),
        ]
        # The internal note never reached the beneficiary.
        assert all("worried" not in m.text for m in sarah.sim.messages)
        assert ADMIN and STAFF_CHAT  # the desk's other members took no part


async def test_without_topics_the_card_is_a_message_and_replies_are_the_thread(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target, topics=False, forum=False) as desk:
        sarah = Person(emu.user(1102, first_name="Sarah", language_code="en"))
        reference = await submit(sarah, ENGLISH_ANSWERS)
        card = await desk.card(reference)
        assert card.message_thread_id is None
        assert desk.group.topics == {}
        # Staff reply to the card: it reaches the beneficiary; her answer replies to the card.
        await desk.say(OFFICER, "We received your request, Sarah.", reply_to=card.message_id)
        relayed = await sarah.next()
        assert relayed.text == "We received your request, Sarah."
        await sarah.sim.send_text("Thank you!")
        copy = await desk.group.wait_for_message(predicate=lambda m: m.text == "Thank you!")
        assert copy["reply_to_message"]["message_id"] == card.message_id
        # A message that replies to nothing stays among staff.
        await desk.say(OFFICER, "Who is on duty tomorrow?")
        await desk.settle()
        assert all("on duty" not in m.text for m in sarah.sim.messages)


async def test_an_arabic_staff_group_and_an_arabic_beneficiary(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target, locale="ar") as desk:
        sara = Person(emu.user(1103, first_name="سارة", language_code="ar"))
        first = await open_form(sara, new_label="طلب دعم جديد", agree_label="أوافق")
        answers = {**ARABIC_ANSWERS, "description": "أحتاج <جهاز> قياس سكر & شرائط"}
        review = await answer_all(sara, first, answers, skip_label="تخطٍّ")
        declaration = await sara.press(review, "تأكيد ومتابعة")
        await sara.press(declaration, "أُقر وأوقّع")
        card = await desk.card("TWS-2026-000001")
        assert desk.group.topic_by_name("TWS-2026-000001 · سارة") is not None
        assert "بقي ١٤ يومًا" in plain(card.text)  # Arabic plural form for 11..99, Arabic digits
        assert "أحتاج <جهاز> قياس سكر & شرائط" in plain(card.text)  # escaped, not parsed
        assert card.button_labels[0] == "✅ قبول"
        await desk.press(COMMITTEE_A, card, "قبول")
        answer = await desk.press(COMMITTEE_A, card, "قبول")
        assert answer["text"] == "مقبول"
        notice = await sara.next()
        assert "TWS-2026-000001" in plain(notice.text) and "لجنة البحث الاجتماعي" in notice.text
