"""Questions answered from the guides, as beneficiaries and staff meet them in the chat.

The sample association's default guides are its own policy (bot/profiles/guides) and its
question cards; the bot imports them at its first start.
"""

from __future__ import annotations

from pathlib import Path

from bot.context import SERVICES_KEY, Services
from emulator import BotApiEmulator
from emulator.records import BotMessage
from tests.e2e.desk import ADMIN, OFFICER, open_desk, plain
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock


def _first_shown(message: BotMessage) -> str:
    """Return the passage shown first: the answer, or the first "Did you mean…" choice."""
    if message.text.startswith("🤔"):
        return message.button_labels[0]
    return message.text.removeprefix("📖 ")


def _services(app: object) -> Services:
    services = app.bot_data[SERVICES_KEY]  # type: ignore[attr-defined]
    assert isinstance(services, Services)
    return services


async def test_a_confident_answer_quotes_the_guide_and_asks_if_it_helped(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sara = Person(emu.user(5101, first_name="Sara", language_code="en"))
        answer = await sara.say("خلال كم يوم تبت اللجنة في الطلب؟")
        assert "أربعة عشر يومًا (أسبوعان)" in answer.text
        assert "دراسة الطلب والبت فيه" in answer.text  # the section
        assert "سياسة تنظيم العلاقة مع المستفيدين لجمعية واحة العطاء" in answer.text  # the guide
        assert "Was this helpful?" in answer.text
        assert {"👍 Yes, it helped", "👎 No", "📖 Show the whole section"} <= set(
            answer.button_labels
        )
        section = await sara.press(answer, "Show the whole section")
        assert "مُقدَّم، ثم قيد الدراسة" in section.text and "الطلب مكرر" in section.text
        query = await sara.sim.press_button(answer, "Yes, it helped")
        thanks = await sara.sim.wait_for_callback_answer(query)
        assert thanks["text"] == "Thank you!"
        rows = await desk.rows("SELECT outcome, helpful FROM faq_questions WHERE user_id = 5101")
        assert rows == [("answered", 1)]


async def test_an_unhelpful_answer_hands_the_question_to_a_person(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(5102, first_name="Omar", language_code="en"))
        answer = await omar.say("Where is your office exactly?")
        assert "Riyadh" in answer.text and "Was this helpful?" in answer.text
        sorry = await omar.press(answer, "No")
        assert "did not help" in sorry.text
        passed = await omar.press(sorry, "Talk to a person")
        assert "passed your question to the association's team" in passed.text
        await desk.group.wait_for_message(predicate=lambda m: "Where is your office" in m.text)
        gaps = await _staff_command(desk, "/faq_gaps")
        assert "Where is your office" in gaps and "answer not helpful" in gaps


async def test_a_question_the_guides_do_not_answer_goes_to_a_person_with_its_words(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        huda = Person(emu.user(5103, first_name="Huda", language_code="ar"))
        refused = await huda.say("هل تنظمون رحلات سياحية للأيتام في الصيف؟")
        assert "أسبوعين" not in refused.text
        assert refused.callback_data("🙋").startswith("faq:talk:")
        passed = await huda.press(refused, "🙋")
        assert passed.text.startswith("🙋")
        # The question itself reaches the staff topic: nobody has to ask it twice.
        copy = await desk.group.wait_for_message(predicate=lambda m: "رحلات" in m.text)
        assert copy.message_thread_id is not None
        await desk.say(OFFICER, "لا ننظم رحلات حاليا", copy.message_thread_id)
        assert (await huda.next()).text == "لا ننظم رحلات حاليا"
        rows = await desk.rows("SELECT outcome, handed_off FROM faq_questions")
        assert rows == [("unanswered", 1)]
        gaps = await _staff_command(desk, "/faq_gaps")
        assert "رحلات" in gaps and "not in the guides" in gaps


async def test_unsure_offers_three_choices_and_a_person(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sam = Person(emu.user(5104, first_name="Sam", language_code="en"))
        unsure = await sam.say("الخدمة")
        assert "Did you mean" in unsure.text
        choices = [b for b in unsure.button_labels if not b.startswith("🙋")]
        assert len(choices) == 3 and len(set(choices)) == 3
        assert "🙋 Talk to a person" in unsure.button_labels
        picked = await sam.press(unsure, choices[1])
        assert "Was this helpful?" in picked.text
        rows = await desk.rows("SELECT outcome, passage_id IS NOT NULL FROM faq_questions")
        assert rows == [("answered", 1)]


async def test_cards_answer_what_the_guides_lack_in_the_users_language(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target):
        arabic = Person(emu.user(5105, first_name="Nora", language_code="ar"))
        english = Person(emu.user(5106, first_name="Ann", language_code="en"))
        hours = await arabic.say("وش اوقات الدوام عندكم")
        assert "من الأحد إلى الخميس" in hours.text
        location = await english.say("where is your office?")
        assert "Riyadh, Al-Namudhaj district" in location.text


async def test_bad_input_gets_a_clear_answer(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        ali = Person(emu.user(5107, first_name="Ali", language_code="en"))
        emoji = await ali.say("🙂🙂👍")
        assert "Ask me a question" in emoji.text
        long = await ali.say("طلب " * 1000)
        assert "long message" in long.text and "🙋 Talk to a person" in long.button_labels
        # Arabic and English in one message: the words of both count.
        mixed = await ali.say("ابي اعرف about the committee decision مدة")
        assert "أسبوعان" in mixed.text
        # Arabizi is spelt back into the Arabic words the guides (here a card) use.
        arabizi = await ali.say("wain maqarkom")
        assert "Riyadh, Al-Namudhaj district" in arabizi.text
        unknown = await ali.say("3ndkom qroodh bdoon fawa2id?")
        assert "Arabic letters" in unknown.text and "🙋 Talk to a person" in unknown.button_labels
        invisible = await ali.say("\u200b\u200f")
        assert "Ask me a question" in invisible.text
        # Emoji, blanks and the long message are not questions; the other three are kept.
        assert await desk.rows("SELECT COUNT(*) FROM faq_questions") == [(3,)]


async def test_an_open_conversation_takes_text_before_the_guides(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        reem = Person(emu.user(5108, first_name="Reem", language_code="en"))
        menu = await reem.command("/start")
        await reem.press(menu, "Talk to a person")
        await reem.sim.send_text("كم ياخذ وقت الرد على طلبي؟")
        await desk.group.wait_for_message(predicate=lambda m: "كم ياخذ" in m.text)
        assert await desk.rows("SELECT COUNT(*) FROM faq_questions") == [(0,)]


async def test_a_guide_imported_while_the_bot_runs_answers_the_next_question(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget, tmp_path: Path
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        services = _services(desk.app)
        guide = tmp_path / "zakat.md"
        guide.write_text(
            "# دليل الزكاة\n\n## صرف الزكاة\n\nتصرف الزكاة للأسر المستحقة في شهر رمضان من كل عام.\n",
            encoding="utf-8",
        )
        results = await services.faq.importer.import_paths([guide])
        assert results[0].error is None
        lina = Person(emu.user(5109, first_name="Lina", language_code="ar"))
        answer = await lina.say("متى تصرفون الزكاة؟")
        assert "شهر رمضان" in answer.text and "دليل الزكاة" in answer.text


def _bold(message: BotMessage) -> list[str]:
    """Return the message's bold runs (Telegram counts entity offsets in UTF-16 units)."""
    units = message.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.data.get("entities", [])
        if e["type"] == "bold"
    ]


async def test_an_answer_shows_the_passage_found_among_its_neighbours(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget, tmp_path: Path
) -> None:
    # The passage that matches the question is the first paragraph; the rule the asker
    # also needs (a holiday moves the day) is the next one: the answer shows both, the
    # passage found in bold, and the section needs no "whole section" button.
    async with open_desk(emu, clock, db_target) as desk:
        guide = tmp_path / "payments.md"
        guide.write_text(
            "# دليل الإعانات\n\n## مواعيد الصرف\n\n"
            "تصرف الإعانة الشهرية في اليوم الخامس من كل شهر ميلادي.\n\n"
            "إذا وافق ذلك اليوم عطلة رسمية، يكون الصرف في أول يوم عمل بعده.\n\n"
            "## التحديث\n\nيحدث المستفيد بياناته مرة كل سنة.\n",
            encoding="utf-8",
        )
        results = await _services(desk.app).faq.importer.import_paths([guide])
        assert results[0].error is None
        lina = Person(emu.user(5110, first_name="Lina", language_code="ar"))
        answer = await lina.say("متى تصرف الإعانة الشهرية؟")
        assert "اليوم الخامس من كل شهر" in answer.text and "أول يوم عمل بعده" in answer.text
        assert _bold(answer) == ["تصرف الإعانة الشهرية في اليوم الخامس من كل شهر ميلادي."]
        assert "يحدث المستفيد بياناته" not in answer.text  # another section
        assert not any("📖" in label for label in answer.button_labels)


async def _staff_command(desk: object, text: str) -> str:
    from tests.e2e.desk import Desk

    assert isinstance(desk, Desk)
    await desk.say(OFFICER, text)
    reply = await desk.group.wait_for_message(
        predicate=lambda m: "Questions the guides" in m.text or "No unanswered" in m.text
    )
    return plain(reply.text)


async def test_a_staff_reply_saved_and_approved_answers_the_next_beneficiary(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        huda = Person(emu.user(5111, first_name="Huda", language_code="ar"))
        refused = await huda.say("هل عندكم رحلات عمرة للاسر المحتاجة؟")
        await huda.press(refused, "🙋")
        copy = await desk.group.wait_for_message(predicate=lambda m: "عمرة" in m.text)
        topic = copy.message_thread_id
        reply = "نعم، ننظم رحلة عمرة للأسر المسجلة مرة في السنة خلال شهر شعبان."
        sent = await desk.say(OFFICER, reply, topic)
        assert (await huda.next()).text == reply
        offer = await desk.group.wait_for_message(
            predicate=lambda m: bool(m.buttons) and "faq:save:" in str(m.buttons),
            message_thread_id=topic,
        )
        assert offer.data["reply_to_message"]["message_id"] == sent["message_id"]
        await desk.press(OFFICER, offer, "💾 Save as FAQ answer")
        card = await desk.group.wait_for_edit(offer)
        assert "waiting for an admin" in card.text and "شعبان" in card.text
        # Only an admin publishes what the bot will say to everyone.
        approve = card.callback_data("✅ Approve")
        refusal = await desk.press(OFFICER, card, "✅ Approve")
        assert refusal["text"] == "You are not allowed to do this."
        await desk.press(ADMIN, card, "✅ Approve")
        approved = await desk.group.wait_for_edit(card)
        assert "Approved" in approved.text and not approved.buttons
        again = await desk.press_data(ADMIN, card, approve)
        assert again["text"] == "This button has expired."
        # The next beneficiary who asks it in other words is answered by the association.
        nora = Person(emu.user(5112, first_name="Nora", language_code="en"))
        answer = await nora.say("تسوون رحلات عمره؟")
        assert "شعبان" in answer.text and "Answered by the association's team." in answer.text
        rows = await desk.rows("SELECT status, decided_by FROM faq_answers")
        assert rows == [("approved", ADMIN)]


async def test_two_questions_in_one_message_get_two_answers(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target):
        amal = Person(emu.user(5113, first_name="Amal", language_code="ar"))
        first = await amal.say("خلال كم يوم تبت اللجنة في الطلب؟ ووين مقر الجمعية؟")
        assert _first_shown(first).startswith("يوضح الموظف للمستفيد أن طلبه سيُرفع إلى لجنة البحث")
        other = await amal.next()
        assert other.text.startswith("❓") and "حي النموذج" in other.text


async def test_a_long_chatty_message_is_answered_by_its_question(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target):
        umm = Person(emu.user(5114, first_name="Umm Ali", language_code="ar"))
        answer = await umm.say(
            "السلام عليكم ورحمة الله وبركاته، الله يعطيكم العافية. انا ام علي عندي اربعة عيال"
            " وزوجي تعبان وما يشتغل من سنة، وقدمت عندكم طلب دعم الاسبوع اللي فات والحمدلله"
            " كملت الاوراق كلها. بس ودي اعرف خلال كم يوم تبت اللجنة في طلبي؟ الله يجزاكم خير"
        )
        assert _first_shown(answer).startswith("يوضح الموظف للمستفيد أن طلبه سيُرفع إلى لجنة")
