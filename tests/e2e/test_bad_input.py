"""Every wrong answer gets a polite explanation in the user's language and the question again."""

from __future__ import annotations

import logging

import pytest

from bot.context import AppType
from emulator import BotApiEmulator
from tests.e2e.desk import plain
from tests.e2e.driver import ENGLISH_ANSWERS, NATIONAL_ID, Person, answer_all, open_form

# (question key, what the beneficiary sends, what the bot must say) in English.
ENGLISH_ERRORS = [
    ("full_name", "Sa", "at least 5 characters"),
    ("full_name", "Sara 123", "letters only"),
    ("full_name", "x" * 101, "at most 100 characters"),
    ("national_id", "12345", "exactly 10 digits"),
    ("national_id", "3" + NATIONAL_ID[1:], "starts with 1"),
    ("national_id", NATIONAL_ID[:-1] + str((int(NATIONAL_ID[-1]) + 1) % 10), "not valid"),
    ("national_id", "12345abcde", "digits only"),
    ("mobile", "0112345678", "Saudi mobile number"),
    ("mobile", "hello", "Saudi mobile number"),
    ("birth_date", "yesterday", "could not read that date"),
    ("birth_date", "1447/13/01", "does not exist"),
    ("birth_date", "2030-01-01", "cannot be after"),
    ("family_size", "many", "whole number"),
    ("family_size", "0", "at least 1"),
    ("family_size", "٣١", "at most 30"),
    ("service_type", "a spaceship", "choose one of the buttons"),
]
ARABIC_ERRORS = [
    ("full_name", "سا", "٥ أحرف على الأقل"),
    ("national_id", "١٢٣", "١٠ أرقام بالضبط"),
    ("mobile", "٠١١٢٣٤٥٦٧٨", "رقم جوال سعودي"),
    ("birth_date", "1447/13/01", "غير موجود"),
    ("family_size", "٥٠", "ألا يزيد الرقم على ٣٠"),
]


async def _reach(person: Person, key: str, *, english: bool) -> None:
    """Answer correctly up to the question `key`."""
    if english:
        message = await open_form(person, new_label="New support request", agree_label="I agree")
    else:
        message = await open_form(person, new_label="طلب دعم جديد", agree_label="أوافق")
    for field, value in ENGLISH_ANSWERS.items():
        if field == key:
            return
        if field == "service_type":
            message = await person.press(message, value)
        else:
            message = await person.say(value)


@pytest.mark.parametrize(("key", "sent", "expected"), ENGLISH_ERRORS)
async def test_english_errors_explain_and_ask_again(
    emu: BotApiEmulator, bot: AppType, key: str, sent: str, expected: str
) -> None:
    person = Person(emu.user(2001, first_name="Sam", language_code="en"))
    await _reach(person, key, english=True)
    reply = await person.say(sent)
    assert "⚠️" in reply.text and expected.lower() in reply.text.lower()
    question_of = {
        "full_name": "Question 1 of 9",
        "national_id": "Question 2 of 9",
        "mobile": "Question 3 of 9",
        "birth_date": "Question 4 of 9",
        "family_size": "Question 5 of 9",
        "service_type": "Question 6 of 9",
    }
    assert question_of[key] in reply.text  # the same question again
    # And the right answer is still accepted afterwards.
    if key == "service_type":
        following = await person.press(reply, ENGLISH_ANSWERS[key])
    else:
        following = await person.say(ENGLISH_ANSWERS[key])
    assert "⚠️" not in following.text


@pytest.mark.parametrize(("key", "sent", "expected"), ARABIC_ERRORS)
async def test_arabic_errors_explain_and_ask_again(
    emu: BotApiEmulator, bot: AppType, key: str, sent: str, expected: str
) -> None:
    person = Person(emu.user(2002, first_name="سالم", language_code="ar"))
    await _reach(person, key, english=False)
    reply = await person.say(sent)
    assert "⚠️" in reply.text and expected in plain(reply.text)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("sticker", "written answer"),
        ("voice", "written answer"),
        ("location", "written answer"),
        ("photo", "written answer"),
    ],
)
async def test_non_text_where_text_is_expected(
    emu: BotApiEmulator, bot: AppType, kind: str, expected: str
) -> None:
    person = Person(emu.user(2003, first_name="Sam", language_code="en"))
    await _reach(person, "full_name", english=True)
    if kind == "sticker":
        await person.sim.send_sticker()
    elif kind == "voice":
        await person.sim.send_voice()
    elif kind == "location":
        await person.sim.send_location(24.7, 46.7)
    else:
        await person.sim.send_photo()
    reply = await person.next()
    assert expected in reply.text and "Question 1 of 9" in reply.text


async def test_empty_and_huge_messages(emu: BotApiEmulator, bot: AppType) -> None:
    person = Person(emu.user(2004, first_name="Sam", language_code="en"))
    await _reach(person, "full_name", english=True)
    empty = await person.say("   ")
    assert "empty" in empty.text and "Question 1 of 9" in empty.text
    huge = await person.say("ا" * 5000)
    assert "at most 100 characters" in huge.text
    assert len(huge.text) < 4096  # the bot never echoes the huge input back


async def test_marks_tatweel_and_diacritics_are_cleaned(emu: BotApiEmulator, bot: AppType) -> None:
    person = Person(emu.user(2005, first_name="سارة", language_code="ar"))
    await _reach(person, "full_name", english=False)
    # Tatweel, harakat and bidi marks around a real name: accepted.
    second = await person.say("\u200fسـارة مُحَمَّد العتيبـي\u200e")
    assert "السؤال ٢ من ٩" in plain(second.text)
    # An id with a bidi mark and a space in the middle, as phones paste it: accepted.
    third = await person.say("\u200e" + NATIONAL_ID[:4] + " " + NATIONAL_ID[4:] + "\u200f")
    assert "السؤال ٣ من ٩" in plain(third.text)
    # Emoji in a name: explained, not crashed on.
    await _back_to_first(person)
    emoji = await person.say("سارة 😀")
    assert "بالحروف فقط" in emoji.text


async def _back_to_first(person: Person) -> None:
    message = person.sim.last_message
    assert message is not None
    while "السؤال ١ من ٩" not in plain(message.text):
        message = await person.press(message, "رجوع")


async def test_files_too_large_or_of_the_wrong_type(emu: BotApiEmulator, bot: AppType) -> None:
    person = Person(emu.user(2006, first_name="Sam", language_code="en"))
    await _reach(person, "id_document", english=True)
    await person.sim.send_text(ENGLISH_ANSWERS["description"])
    question = await person.next()
    assert "Question 8 of 9" in question.text
    await person.sim.send_document("big.pdf", "application/pdf", size=25 * 1024 * 1024)
    too_big = await person.next()
    assert "too large" in too_big.text and "20 MB" in too_big.text
    await person.sim.send_document(
        "notes.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        content=b"PK",
    )
    wrong = await person.next()
    assert "not accepted" in wrong.text and "PDF" in wrong.text
    text = await person.say("here is my id")
    assert "photo or a file" in text.text
    await person.sim.send_document("id.pdf", "application/pdf", content=b"%PDF-1.4 test")
    accepted = await person.next()
    assert "Question 9 of 9" in accepted.text


async def test_errors_are_logged_without_personal_data(
    emu: BotApiEmulator,
    bot: AppType,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A handler that fails on a message with an id and a phone logs neither."""
    from bot.logs import RedactingFilter
    from bot.services.forms import FormEngine

    def explode(*args: object, **kwargs: object) -> object:
        raise ValueError(f"cannot store {NATIONAL_ID} for 0551234567")

    monkeypatch.setattr(FormEngine, "validate", explode)
    caplog.handler.addFilter(RedactingFilter())
    person = Person(emu.user(2007, first_name="Sam", language_code="en"))
    await _reach(person, "national_id", english=True)
    with caplog.at_level(logging.ERROR):
        apology = await person.say(NATIONAL_ID)
    assert "something went wrong" in apology.text
    logged = caplog.text
    assert "ValueError" in logged
    assert NATIONAL_ID not in logged and "0551234567" not in logged
    assert "<national-id>" in logged


async def test_long_answers_are_shortened_on_the_review_screen(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person = Person(emu.user(2008, first_name="Sam", language_code="en"))
    first = await open_form(person, new_label="New support request", agree_label="I agree")
    answers = dict(ENGLISH_ANSWERS, description="word " * 199 + "end")  # 1,000 characters
    review = await answer_all(person, first, answers, skip_label="Skip")
    assert "Please review your answers" in review.text
    assert "…" in review.text and "end" not in review.text
    assert len(review.text) < 4096


async def test_an_edited_message_is_explained(emu: BotApiEmulator, bot: AppType) -> None:
    person = Person(emu.user(2009, first_name="Sam", language_code="en"))
    await _reach(person, "national_id", english=True)
    sent = await person.sim.send_text("Sam Ahmed")  # accepted as the name? no: too short? it is 9
    await person.next()
    await person.sim.edit_text(sent, "Sam Ahmed Ali")
    reply = await person.next()
    assert "do not read edited messages" in reply.text
