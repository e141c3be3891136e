"""Reading a message for its question, the figures' intervals, grouping gaps, answer cards."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.faq import semantic
from bot.services.faq.answers import FaqAnswers
from bot.services.faq.figures import wilson
from bot.services.faq.gaps import group_gaps
from bot.services.faq.lexicon import load_lexicon
from bot.services.faq.message import read_message
from bot.services.guides.cards import read_cards
from storage.db import database_at
from storage.questions import Gap, Questions
from tests.support import FakeClock

LEXICON = load_lexicon()


def test_greetings_story_and_prayers_are_set_aside_from_the_question() -> None:
    reading = read_message(
        "السلام عليكم ورحمة الله، انا ام لثلاث ايتام وزوجي متوفى من سنتين، ابي اعرف وش"
        " الاوراق المطلوبة للتسجيل؟ الله يجزاكم خير",
        LEXICON,
    )
    kinds = [c.kind for c in reading.clauses]
    assert kinds == ["social", "story", "asking", "social"]
    assert reading.query == "ابي اعرف وش الاوراق المطلوبة للتسجيل"
    assert "ايتام" in reading.around and "السلام" not in reading.around
    assert reading.chatty


def test_a_run_on_without_punctuation_is_cut_at_its_turns() -> None:
    reading = read_message(
        "هلا والله انا قدمت طلب من اسبوع وللحين ما جاني رد بس ابي اعرف متى يردون علي"
        " وكمان هل لازم اوقع على شي",
        LEXICON,
    )
    # «بس ابي اعرف» asks nothing by itself: it joins the clause it introduces.
    assert reading.questions == ["بس ابي اعرف متى يردون علي", "وكمان هل لازم اوقع على شي"]


def test_a_question_word_behind_wa_or_fa_still_asks() -> None:
    # «فهل» and «وكم» are «هل» and «كم»: three letters, but a question word behind ف/و.
    reading = read_message(
        "قدمت الطلب وجتني رسالة ان فيه ورق ناقص وكنت مسافرة وما شفتها الا بعد اسبوعين"
        " فهل الطلب لسه موجود",
        LEXICON,
    )
    assert reading.query == "فهل الطلب لسه موجود"


def test_a_question_tag_is_read_with_the_clause_it_confirms() -> None:
    # «صدق؟» and "right?" ask whether what was just said is so: alone they ask nothing,
    # and the report before them would count as a story.
    for text, words in (
        ("اختي تقول ان الدعم يوقف بعد سنة، صدق؟", ("الدعم", "يوقف", "صدق")),
        ("My sister says the aid stops after a year, right?", ("aid", "stops", "right")),
    ):
        reading = read_message(text, LEXICON)
        assert [c.kind for c in reading.clauses] == ["asking"], text
        assert all(w in reading.query for w in words)
        assert reading.questions == []  # one question, not the tag on its own
    # At the end of a message, «ينفع؟» looks back too.
    reading = read_message("البيت مكتوب باسم ولدي. ينفع؟", LEXICON)
    assert reading.query == "البيت مكتوب باسم ولدي ينفع"


def test_two_questions_in_english_are_two_questions() -> None:
    reading = read_message(
        "Hello, I am a widow with two kids. Can I apply for rent help? Also how long does"
        " the decision take? Thanks",
        LEXICON,
    )
    assert reading.questions == [
        "Can I apply for rent help",
        "Also how long does the decision take",
    ]
    assert "widow" in reading.around


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_any_text_is_read_without_error(text: str) -> None:
    reading = read_message(text, LEXICON)
    assert isinstance(reading.query, str)
    assert all(c.kind in {"asking", "story", "social", "other"} for c in reading.clauses)


def test_the_wilson_interval_holds_the_share_and_narrows_with_more_questions() -> None:
    low, high = wilson(8, 10)
    assert low < 0.8 < high
    assert wilson(80, 100)[1] - wilson(80, 100)[0] < high - low
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(10, 10)[1] == 1.0 and wilson(0, 10)[0] == 0.0


@given(st.integers(0, 500), st.integers(1, 500))
def test_the_wilson_interval_stays_within_zero_and_one(successes: int, total: int) -> None:
    low, high = wilson(min(successes, total), total)
    assert 0.0 <= low <= min(successes, total) / total <= high <= 1.0


def _gap(text: str, times: int, reason: str = "unanswered") -> Gap:
    return Gap(text, times, datetime(2026, 12, 1, tzinfo=UTC), reason)


def test_gaps_that_ask_the_same_thing_are_one_group_largest_first() -> None:
    gaps = [
        _gap("هل عندكم رحلات عمرة", 2),
        _gap("عندكم رحلة عمرة للاسر؟", 3),
        _gap("كم سعر تذكرة الطيران", 1),
        _gap("هل تعطون رحلات عمره", 1, "unsure"),
    ]
    groups = group_gaps(gaps, LEXICON, semantic.load())
    assert groups[0].times == 6 and groups[0].wordings == 3
    assert groups[0].text == "عندكم رحلة عمرة للاسر؟"
    assert groups[1].text == "كم سعر تذكرة الطيران" and groups[1].wordings == 1


async def test_approved_answers_export_as_a_card_file_that_imports_back(
    db_target: Path | str, tmp_path: Path
) -> None:
    db = database_at(db_target)
    await db.open()
    clock = FakeClock()
    try:
        async with db.transaction() as conn:
            question_id = await Questions(conn).add(
                5, 9, "رقمي 1023456789 هل عندكم عمرة", "unanswered", None, 0.0, clock()
            )
            other_id = await Questions(conn).add(
                5, 10, "هل عندكم مخيم صيفي", "unanswered", None, 0.0, clock()
            )
        answers = FaqAnswers(db, clock)
        assert await answers.offer(5) is None  # nothing was passed to a person yet
        async with db.transaction() as conn:
            await Questions(conn).hand_off(question_id, 5)
        # The button goes under three staff replies at most, then no more.
        assert [await answers.offer(5) for _ in range(4)] == [question_id] * 3 + [None]
        async with db.transaction() as conn:
            await Questions(conn).hand_off(other_id, 5)
        assert await answers.offer(5) == other_id  # the latest question passed on
        saved = await answers.propose(question_id, "نعم، مرة في السنة.", 7001)
        assert saved is not None and "1023456789" not in saved.question
        assert await answers.propose(question_id, "مرة ثانية", 7001) is None  # one per question
        assert await answers.decide(saved.id, True, 7005) is not None
        assert await answers.decide(saved.id, False, 7005) is None  # decided already
        title, sections = read_cards((await answers.export()).encode("utf-8"), "faq-answers.yaml")
        assert title == "Answered by the association"
        assert [s.passages[0].text for s in sections] == ["نعم، مرة في السنة."]
    finally:
        await db.close()


def test_a_question_word_says_what_kind_of_answer_is_wanted() -> None:
    from bot.services.faq.answer_type import Want, has, wanted

    assert wanted("كم المبلغ الشهري؟") == {Want.NUMBER}
    assert wanted("ومتى يردون علي") == {Want.TIME}
    assert wanted("How long does it take?") == {Want.TIME}
    assert wanted("وين مقركم") == {Want.PLACE}
    assert wanted("ابي اسجل") == set()
    assert has("يصرف مبلغ (400) ريال خلال أسبوعين") == {Want.NUMBER, Want.TIME}
    assert has("المقر الرئيس في حي الريان") == {Want.PLACE}
    assert has("يحق للمستفيد التظلم") == set()
