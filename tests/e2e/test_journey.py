"""A beneficiary applies for support, start to finish, in Arabic and in English."""

from __future__ import annotations

from datetime import date, timedelta

from hijridate import Gregorian

from bot.context import AppType
from emulator import BotApiEmulator
from tests.e2e.desk import plain
from tests.e2e.driver import (
    ARABIC_ANSWERS,
    ENGLISH_ANSWERS,
    NATIONAL_ID,
    Person,
    answer_all,
    open_form,
)
from tests.support import FakeClock, peek

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


async def test_arabic_journey_from_start_to_reference(
    emu: BotApiEmulator, bot: AppType, clock: FakeClock, db_target: object
) -> None:
    person = Person(emu.user(1001, first_name="سارة", language_code="ar"))

    first = await open_form(person, new_label="طلب دعم جديد", agree_label="أوافق")
    assert "السؤال ١ من ٩" in plain(first.text)
    assert "ما اسمك الكامل" in plain(first.text)

    review = await answer_all(person, first, ARABIC_ANSWERS, skip_label="تخطٍّ")
    assert "يُرجى مراجعة إجاباتك" in plain(review.text)
    assert "سارة محمد العتيبي" in plain(review.text)
    assert NATIONAL_ID in plain(review.text)  # stored as ASCII digits, whatever was typed
    assert "+966551234567" in plain(review.text)
    assert "جمادى الأولى" in plain(review.text)  # the Hijri birth date, shown with its month name
    assert "أجهزة طبية" in plain(review.text)
    assert "(لم تُقدَّم)" in plain(review.text)  # the skipped medical report

    declaration = await person.press(review, "تأكيد ومتابعة")
    assert "الإقرار" in plain(declaration.text)
    assert "المسؤول مسؤولية مباشرة" in plain(declaration.text)

    receipt = await person.press(declaration, "أُقر وأوقّع")
    assert "تم استلام طلبك" in plain(receipt.text)
    assert "TWS-2026-000001" in plain(receipt.text)
    due = date(2026, 11, 22) + timedelta(days=14)
    hijri = Gregorian(due.year, due.month, due.day).to_hijri()
    assert "خلال ١٤ يومًا" in plain(receipt.text)  # Arabic plural form for 11..99
    assert f"{due.day} ديسمبر {due.year}".translate(ARABIC_DIGITS) in plain(receipt.text)
    assert f"{hijri.year}".translate(ARABIC_DIGITS) in plain(receipt.text)

    mine = await person.command("/myrequests")
    assert "TWS-2026-000001" in plain(mine.text)
    assert "تم الاستلام" in plain(mine.text)

    async with peek(db_target) as conn:
        row = await conn.fetchone(
            "SELECT declaration_text, declaration_locale, declared_at, answers, status"
            " FROM requests WHERE reference = 'TWS-2026-000001'"
        )
        assert row is not None
        text, locale, declared_at, answers, status = row
        assert "المسؤول مسؤولية مباشرة" in text and locale == "ar" and status == "submitted"
        assert declared_at.startswith("2026-11-22T06:00")
        assert NATIONAL_ID in answers and "+966551234567" in answers
        assert await conn.fetchval("SELECT COUNT(*) FROM drafts") == 0
        files = await conn.fetchall("SELECT kind, request_id IS NOT NULL FROM attachments")
        assert [tuple(r) for r in files] == [("photo", 1)]
        events = await conn.fetchall("SELECT kind, actor_role FROM request_events")
        assert [tuple(r) for r in events] == [("submitted", "beneficiary")]


async def test_english_journey(emu: BotApiEmulator, bot: AppType) -> None:
    person = Person(emu.user(1002, first_name="Sarah", language_code="en-US"))
    first = await open_form(person, new_label="New support request", agree_label="I agree")
    assert "Question 1 of 9" in first.text
    review = await answer_all(person, first, ENGLISH_ANSWERS, skip_label="Skip")
    assert "Please review your answers" in review.text
    assert "+966551234567" in review.text
    assert "15 January 1990" in review.text
    declaration = await person.press(review, "Confirm and continue")
    assert "directly responsible" in declaration.text
    receipt = await person.press(declaration, "I confirm and sign")
    assert "Your request was received." in receipt.text
    assert "within 14 days, by" in receipt.text
    assert "6 December 2026" in receipt.text
    mine = await person.command("/myrequests")
    assert "Received" in mine.text


async def test_language_is_taken_from_telegram_and_changeable(
    emu: BotApiEmulator, bot: AppType
) -> None:
    person = Person(emu.user(1003, first_name="Ali", language_code="fr"))
    welcome = await person.command("/start")
    assert "أهلًا وسهلًا" in welcome.text  # unknown language: Arabic, the default
    chooser = await person.command("/language")
    confirmed = await person.press(chooser, "English")
    assert "English" in confirmed.text
    welcome = await person.command("/start")
    assert "Welcome to" in welcome.text


async def test_a_beneficiary_sees_only_their_own_requests(
    emu: BotApiEmulator, bot: AppType
) -> None:
    first = Person(emu.user(1004, first_name="Noura", language_code="en"))
    question = await open_form(first, new_label="New support request", agree_label="I agree")
    review = await answer_all(first, question, ENGLISH_ANSWERS, skip_label="Skip")
    declaration = await first.press(review, "Confirm and continue")
    receipt = await first.press(declaration, "I confirm and sign")
    assert "TWS-2026-000001" in receipt.text

    other = Person(emu.user(1005, first_name="Fahad", language_code="en"))
    mine = await other.command("/myrequests")
    assert "TWS-2026-000001" not in mine.text
    assert "not submitted any request" in mine.text
    # The other beneficiary's form buttons do nothing for this one.
    stale = await other.command("/start")
    query = await other.sim.press(stale, review.callback_data("Confirm"))
    answer = await other.sim.wait_for_callback_answer(query)
    assert "expired" in str(answer.get("text"))


async def test_another_beneficiarys_open_draft_cannot_be_touched(
    emu: BotApiEmulator, bot: AppType
) -> None:
    owner = Person(emu.user(1006, first_name="Noura", language_code="en"))
    question = await open_form(owner, new_label="New support request", agree_label="I agree")
    second = await owner.say(ENGLISH_ANSWERS["full_name"])
    intruder = Person(emu.user(1007, first_name="Fahad", language_code="en"))
    own = await intruder.command("/start")
    # A crafted client sends the owner's live button data (same draft id and version)
    # from a message in the intruder's own chat.
    for label in ("Back", "Cancel"):
        query = await intruder.sim.press(own, second.callback_data(label))
        answer = await intruder.sim.wait_for_callback_answer(query)
        assert "expired" in str(answer.get("text"))
    # The owner's draft is where it was, and their next answer is taken normally.
    third = await owner.say(ENGLISH_ANSWERS["national_id"])
    assert "Question 3 of 9" in third.text
    assert "Question 1 of 9" in question.text


async def test_the_declaration_signed_is_the_one_shown(
    emu: BotApiEmulator, bot: AppType, db_target: object
) -> None:
    """Switching language after the declaration was shown does not change what was signed."""
    person = Person(emu.user(1008, first_name="سارة", language_code="ar"))
    first = await open_form(person, new_label="طلب دعم جديد", agree_label="أوافق")
    review = await answer_all(person, first, ARABIC_ANSWERS, skip_label="تخطٍّ")
    declaration = await person.press(review, "تأكيد ومتابعة")
    chooser = await person.command("/language")
    await person.press(chooser, "English")
    receipt = await person.press(declaration, "أُقر وأوقّع")
    assert "تم استلام طلبك" in receipt.text  # in the language of the signed text
    async with peek(db_target) as conn:
        row = await conn.fetchone("SELECT declaration_text, declaration_locale FROM requests")
    assert row is not None and row[1] == "ar" and row[0].startswith("أقر")


async def test_consent_is_recorded_once(
    emu: BotApiEmulator, bot: AppType, clock: FakeClock, db_target: object
) -> None:
    person = Person(emu.user(1009, first_name="Sam", language_code="en"))
    welcome = await person.command("/start")
    consent = await person.press(welcome, "New support request")
    await person.press(consent, "I agree")
    clock.now += timedelta(days=3)
    again = await person.press(consent, "I agree")  # an old button, pressed later
    assert "not finished" in again.text  # the draft is offered, not a second one opened
    async with peek(db_target) as conn:
        row = await conn.fetchone("SELECT consent_at FROM beneficiaries")
    assert row is not None and row[0].startswith("2026-11-22")
