"""The channels of issue 15 as an Arabic-speaking beneficiary and an Arabic staff group meet
them, through the emulator: /contact and /policy, a call-back, an interview, volunteering,
a staff invitation, /mute and an unknown command, with bad input at each step.

Each screen is checked as the person reads it: the Arabic catalog's sentences (so a
missing translation fails), no English sentence, numbers in Arabic-Indic digits, every
Latin run in an Arabic line (a command, a phone number, a reference, a name) inside a
Unicode isolate so that the right-to-left line keeps its order, dates in both calendars,
and buttons in Arabic."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs
from bot.services.interviews import slot_id
from emulator import BotApiEmulator, BotMessage
from handlers.buttons import CallClaim, CallTime, InterviewSlot
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    COMMITTEE_B,
    OFFICER,
    OUTSIDER,
    RESEARCHER,
    Desk,
    open_desk,
    plain,
)
from tests.e2e.driver import ARABIC_ANSWERS, Person, answer_all, open_form
from tests.e2e.test_followups import run_rules
from tests.support import DbTarget, FakeClock

AR = Catalogs().get("ar")
RIYADH = ZoneInfo("Asia/Riyadh")
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
# Three Latin words in a row: an English sentence (or its beginning) left in an Arabic screen.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}")
ISOLATE_OPEN, ISOLATE_CLOSE = "\u2066\u2067\u2068", "\u2069"
GENERAL = 1  # the staff group's messages outside topics
NOT_ALLOWED = AR.gettext("You are not allowed to do this.")
EXPIRED = AR.gettext("This button has expired.")
MENU = [
    "📝 طلب دعم جديد",
    "📂 طلباتي",
    "🙋 التحدّث مع موظف",
    "📞 طلب اتصال",
    "🗓 حجز مقابلة شخصية",
    "🤝 تطوّع معنا",
    "💡 الاقتراحات",
    "📜 سياستنا",
    "🌐 اللغة",
    "☎️ التواصل معنا",
]
# The clock starts on Sunday 22 November 2026, 09:00 in Riyadh (12 Jumada al-Akhirah 1448).
SUNDAY, TUESDAY = date(2026, 11, 22), date(2026, 11, 24)


def unisolated(text: str) -> list[str]:
    """Latin letters and ASCII digits outside any Unicode isolate in a line that holds Arabic:
    there the bidi algorithm moves a command's slash or a number's sign around, or a Latin
    word first on the line turns the whole line left to right; or a number is left in
    Western digits. (A line without Arabic, such as a link on its own, reads as it is.)"""
    found = []
    for line in text.split("\n"):
        if not ARABIC_LETTER.search(line):
            continue
        depth = 0
        for i, char in enumerate(line):
            if char in ISOLATE_OPEN:
                depth += 1
            elif char == ISOLATE_CLOSE:
                depth = max(depth - 1, 0)
            elif depth == 0 and char.isascii() and char.isalnum():
                found.append(line[max(0, i - 10) : i + 10])
    return found


def arabic(message: BotMessage | str) -> str:
    """Check that a screen reads as Arabic; return its text without the isolates."""
    text = message if isinstance(message, str) else message.text
    assert ARABIC_LETTER.search(text), text
    assert unisolated(text) == [], text
    shown = plain(text)
    assert ENGLISH.findall(shown) == [], shown
    return shown


def arabic_buttons(message: BotMessage, *, data: Iterable[str] = ()) -> list[str]:
    """Check that every button's label is Arabic, but those holding `data` (a reference, a
    staff member's name); return the labels without isolates."""
    labels = [plain(label) for label in message.button_labels]
    assert labels, message
    for label in labels:
        if not any(value in label for value in data):
            assert ARABIC_LETTER.search(label) and not ENGLISH.search(label), labels
    return labels


def says(shown: str, msgid: str, **values: str) -> None:
    """The text holds the Arabic catalog's sentence: whole when its values are given, else
    every fixed piece of it around its placeholders."""
    template = AR.gettext(msgid)
    assert ARABIC_LETTER.search(template), f"not translated: {msgid}"
    if values:
        expected = plain(template % values)
        assert expected in shown, (expected, shown)
        return
    for piece in re.split(r"%\([a-z_]+\)s", plain(template)):
        assert piece.strip() in shown, (piece, shown)


def answer_text(answer: dict[str, Any]) -> str:
    return plain(str(answer["text"]))


def both_dates(day: date) -> str:
    return plain(AR.both_dates(day))


async def until(message: BotMessage, check: Callable[[BotMessage], bool]) -> BotMessage:
    """The message once an edit makes `check` true (a card's redraws may be coalesced)."""
    for _ in range(250):
        if check(message):
            return message
        await asyncio.sleep(0.02)
    raise AssertionError(f"not edited as expected: {message.text!r}")


async def audited(desk: Desk, action: str) -> list[tuple[int, str, str]]:
    rows = await desk.rows(
        "SELECT actor_id, action, reason FROM audit_log WHERE action LIKE ? ORDER BY id", action
    )
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


@asynccontextmanager
async def arabic_desk(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> AsyncIterator[Desk]:
    """The staff group in Arabic (TAWASUL_STAFF_LOCALE), its members' apps in Arabic too."""
    names = {OFFICER: "Noura", RESEARCHER: "Huda", COMMITTEE_A: "Khalid", COMMITTEE_B: "Fahad"}
    for uid, name in {**names, ADMIN: "Reem", OUTSIDER: "Visitor"}.items():
        emu.user(uid, first_name=name, language_code="ar")  # open_desk takes these users
    async with open_desk(emu, clock, db_target, locale="ar") as desk:
        yield desk


async def submit_in_arabic(person: Person) -> str:
    """Apply in Arabic from /start to the receipt; return the reference number."""
    first = await open_form(person, new_label="طلب دعم جديد", agree_label="أوافق")
    review = await answer_all(person, first, ARABIC_ANSWERS, skip_label="تخطٍّ")
    declaration = await person.press(review, "تأكيد ومتابعة")
    receipt = await person.press(declaration, "أُقر وأوقّع")
    found = re.search(r"TWS-\d{4}-\d{6}", receipt.text)
    assert found is not None, receipt.text
    return found.group(0)


async def test_contact_the_nearest_branches_and_the_policy_in_arabic(
    emu: BotApiEmulator, bot: object
) -> None:
    nora = Person(emu.user(2501, first_name="نورة", language_code="ar"))
    contact = await nora.command("/contact")
    text = arabic(contact)
    assert text.startswith("جمعية واحة العطاء الأهلية")
    says(text, "License number: %(number)s", number="0000")
    says(text, "Phone: %(phone)s", phone="+966110000000")
    says(text, "When our team answers")
    assert "من الأحد إلى الخميس: من ٨:٠٠ ص إلى ٣:٠٠ م" in text
    assert "الجمعة والسبت: مغلق" in text
    says(text, "Open now, until %(time)s", time="٣:٠٠ م")
    assert "الخميس: من ٨:٠٠ ص إلى ٢:٠٠ م ومن ٥:٠٠ م إلى ٩:٠٠ م" in text  # Al-Kharj
    # Al-Majmaah opens on Sunday afternoon: the day, the time and the date in both calendars.
    assert f"مغلق الآن، ويفتح يوم الأحد الساعة ٤:٠٠ م، {both_dates(SUNDAY)}" in text
    assert both_dates(SUNDAY) == "١٢ جمادى الآخرة ١٤٤٨ هـ (٢٢ نوفمبر ٢٠٢٦)"
    says(text, "Share your location to see the branches nearest to you.")
    assert contact.reply_keyboard is not None
    key = contact.reply_keyboard["keyboard"][0][0]
    assert key == {"request_location": True, "text": "📍 " + AR.gettext("Share my location")}

    # Near Al-Kharj: the branches nearest first, distances in Arabic digits, then the venues.
    await nora.sim.send_location(24.1500, 47.3000)
    listed = await nora.next()
    text = arabic(listed)
    assert listed.reply_keyboard == {"remove_keyboard": True}
    says(text, "Our branches, nearest first:")
    assert "١. فرع الخرج — ٣٫٦ كم" in text  # a decimal with the Arabic separator
    assert text.index("٢. المقر الرئيسي - الرياض — ٨٩ كم") < text.index("٣. فرع المجمعة")
    venues = [(await nora.next())["venue"] for _ in range(3)]
    assert [v["title"] for v in venues] == ["فرع الخرج", "المقر الرئيسي - الرياض", "فرع المجمعة"]
    assert venues[0]["address"] == "الخرج، حي المثال، طريق العينة"

    # From Jeddah: far from every branch, the service area, and no map pins.
    await nora.sim.send_location(21.4858, 39.1925)
    far = arabic(await nora.next())
    says(
        far,
        "You seem to be far from our branches: the nearest is %(distance)s away. The association serves %(area)s.",
    )
    assert "إذ يبعد أقربها ٧٩٦ كم، والجمعية تخدم منطقة الرياض" in far

    summary = await nora.command("/policy")  # the next message: no venue came in between
    assert summary.method == "sendMessage"
    text = arabic(summary)
    says(text, "Our policy with beneficiaries")
    says(text, "Your rights")
    assert "فالتقييم حق لك، وهو للتطوير والتحسين لا للعقاب" in text
    assert "خلال ١٤ يومًا من اكتماله" in text  # the plural form for 11 to 99
    assert "تُصدر لجنة البحث الاجتماعي قرارها في طلبك" in text  # the committee's full name
    approval = "Approved by the association's Board of Directors at its meeting number %(meeting)s on %(date)s."
    says(text, approval, meeting="٣", date=both_dates(date(2025, 5, 4)))
    assert "٦ ذو القعدة ١٤٤٦ هـ (٤ مايو ٢٠٢٥)" in text
    document = await nora.next()
    assert document["document"]["file_name"] == "sample_policy.md"  # the Arabic document
    says(arabic(document), "The full policy, as the Board of Directors approved it.")
    assert arabic_buttons(document) == MENU
    again = await nora.press(document, "سياستنا")  # the menu's button: the same summary
    assert again.text == summary.text


async def test_a_call_back_in_arabic_with_bad_input_at_each_step(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with arabic_desk(emu, clock, db_target) as desk:
        sara = Person(emu.user(2601, first_name="سارة", language_code="ar"))
        reference = await submit_in_arabic(sara)
        topic = (await desk.card(reference)).message_thread_id

        times = await sara.command("/call")  # Sunday 9:00 AM
        says(
            arabic(times),
            "When should the association's team call you? These times are within our working hours.",
        )
        labels = arabic_buttons(times)
        assert labels[0] == "🕘 اليوم، من ٨:٠٠ ص إلى ١٢:٠٠ م"
        assert labels[2] == "🕘 غدًا، من ٨:٠٠ ص إلى ١٢:٠٠ م"
        assert labels[-1] == "⚡ " + AR.gettext("As soon as possible")

        # A forged window on Sunday at 8:00 PM, outside the team's hours.
        evening = int(datetime(2026, 11, 22, 17, 0, tzinfo=UTC).timestamp()) // 60
        query = await sara.sim.press(times, CallTime(evening, evening + 120).encode())
        refused = await sara.sim.wait_for_callback_answer(query)
        unavailable = AR.gettext("This time is not available. Please choose another one.")
        assert refused["text"] == unavailable and refused["show_alert"]
        again = await sara.next()  # the times offered again
        assert unavailable in arabic(again) and arabic_buttons(again) == labels

        confirm = await sara.press(again, "غدًا")
        says(arabic(confirm), "Should we call you on %(mobile)s?", mobile="+966551234567")
        assert arabic_buttons(confirm) == ["✅ نعم، على هذا الرقم", "✏️ رقم آخر"]
        typing = await sara.press(confirm, "رقم آخر")
        says(arabic(typing), "Which mobile number should we call? Type it here.")
        wrong = await sara.say("١٢٣٤٥")
        sentence = (
            "Please send a Saudi mobile number, for example %(example)s or %(international)s."
        )
        says(arabic(wrong), sentence, example="٠٥٥١٢٣٤٥٦٧", international="+966551234567")
        done = await sara.say("٠٥٦ ١١١ ٢٢٣٣")
        tomorrow = "غدًا، من ٨:٠٠ ص إلى ١٢:٠٠ م"
        passed = "Thank you. We passed your request to the association's team: they will call you %(time)s on %(mobile)s. We will tell you when someone takes it."
        says(arabic(done), passed, time=tomorrow, mobile="+966561112233")
        assert arabic_buttons(done) == MENU

        # The card in the request's topic, in the staff group's Arabic.
        card = await desk.group.wait_for_message(
            predicate=lambda m: "طلب اتصال" in m.text, message_thread_id=topic
        )
        text = arabic(card)
        says(text, "Mobile: %(mobile)s", mobile="+966561112233")
        says(text, "When: %(time)s", time=tomorrow)
        says(text, "About request %(reference)s", reference=reference)
        assert f"\u2066{reference}\u2069" in card.text  # left to right inside the Arabic line
        says(text, "Nobody has taken it yet.")
        assert arabic_buttons(card) == ["📞 سأتصل"]
        claim = card.callback_data("سأتصل")

        # Not staff; the beneficiary pressing the staff's button in her own chat; a forged
        # call: each refused in Arabic, nothing taken.
        assert (await desk.press(OUTSIDER, card, "سأتصل"))["text"] == NOT_ALLOWED
        query = await sara.sim.press(times, claim)
        assert (await sara.sim.wait_for_callback_answer(query))["text"] == EXPIRED
        forged = await desk.press_data(COMMITTEE_A, card, CallClaim(999999).encode())
        assert forged["text"] == EXPIRED
        assert await desk.rows("SELECT status FROM callbacks") == [("open",)]

        taken = await desk.press(RESEARCHER, card, "سأتصل")
        assert taken["text"] == AR.gettext("It is yours: the beneficiary was told.")
        await until(card, lambda c: "لم يُرد" in str(c.button_labels))
        says(arabic(card), "%(name)s will call.", name="Huda")
        assert arabic_buttons(card) == ["✅ تم التواصل", "📵 لم يُرد", "❌ رقم خاطئ"]
        second = await desk.press_data(COMMITTEE_A, card, claim)  # someone else's call now
        has_it = plain(AR.gettext("%(name)s has taken this call.") % {"name": "Huda"})
        assert answer_text(second) == has_it
        await desk.settle()
        told = await sara.next()
        claimed = "A member of the association's team will call you %(time)s on %(mobile)s."
        says(arabic(told), claimed, time=tomorrow, mobile="+966561112233")

        # Only the one who took it records a try; two unanswered tries, a note in Arabic.
        assert answer_text(await desk.press(COMMITTEE_A, card, "لم يُرد")) == has_it
        noted = await desk.press(RESEARCHER, card, "لم يُرد")
        assert noted["text"] == AR.gettext("Noted. Type a note here, or press “No note”.")
        await until(card, lambda c: "بلا ملاحظة" in str(c.button_labels))
        assert "المحاولة ١: 📵 لم يُرد" in arabic(card)
        await desk.say(RESEARCHER, "لم يرد، سأعاود بعد الظهر", topic)
        await until(card, lambda c: "سأعاود بعد الظهر" in c.text)
        await desk.press(RESEARCHER, card, "لم يُرد")
        await until(card, lambda c: "المحاولة ٢" in plain(c.text))
        says(arabic(card), "Not reached twice: the beneficiary was asked for another time.")
        await desk.press(RESEARCHER, card, "بلا ملاحظة")
        await until(card, lambda c: not c.buttons)

        await desk.settle()
        retry = await sara.next()
        retry_text = "We tried to call you twice and could not reach you. Please choose another time for the call."
        says(arabic(retry), retry_text)
        assert "سأعاود" not in retry.text  # staff notes stay among staff
        assert arabic_buttons(retry) == ["📞 اختيار وقت آخر"]
        more = await sara.press(retry, "اختيار وقت آخر")
        assert arabic_buttons(more) == labels

        timeline = arabic(await sara.command("/status"))
        for step in (
            "You asked to be called",
            "A team member took your call-back request",
            "The team called you and could not reach you",
            "You were asked to choose another time for the call",
        ):
            says(timeline, step)
        assert both_dates(SUNDAY) in timeline and "سأعاود" not in timeline
        assert await audited(desk, "button:call%") == [
            (2601, "button:call:at", "stale"),
            (OUTSIDER, "button:call:claim", "role"),
            (2601, "button:call:claim", "outside"),
            (COMMITTEE_A, "button:call:claim", "stale"),
            (COMMITTEE_A, "button:call:claim", "not-theirs"),
            (COMMITTEE_A, "button:call:try", "not-theirs"),
        ]


TUE_8, TUE_830 = "الثلاثاء ٢٤/١١ ٨:٠٠ ص", "الثلاثاء ٢٤/١١ ٨:٣٠ ص"


async def interview_card(desk: Desk) -> BotMessage:
    return await desk.group.wait_for_message(
        predicate=lambda m: "طلب مقابلة شخصية" in m.text and bool(m.buttons),
        message_thread_id=GENERAL,
    )


async def test_an_interview_in_arabic_a_slot_taken_the_reminder_and_a_cancellation(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with arabic_desk(emu, clock, db_target) as desk:
        amal = Person(emu.user(2701, first_name="أمل", language_code="ar"))
        badr = Person(emu.user(2702, first_name="بدر", language_code="ar-SA"))
        branches = await amal.press(await amal.command("/start"), "حجز مقابلة شخصية")
        says(arabic(branches), "At which branch?")
        assert arabic_buttons(branches) == [
            "🏢 المقر الرئيسي - الرياض",
            "🏢 فرع الخرج",
            "🏢 فرع المجمعة",
        ]
        asked = await amal.press(branches, "المقر الرئيسي - الرياض")
        sent_to_team = "Your request for an interview at %(branch)s was sent to the association's team. They will offer you times here."
        says(arabic(asked), sent_to_team, branch="المقر الرئيسي - الرياض")
        assert arabic_buttons(asked) == ["✖️ إلغاء المقابلة"]

        card = await interview_card(desk)
        text = arabic(card)
        says(text, "Beneficiary: %(name)s", name="أمل")
        assert "يمكن تحديد ٣ مواعيد على الأكثر" in text  # the plural form for 3 to 10
        labels = arabic_buttons(card)
        assert labels[0] == "▫️ الاثنين ٢٣/١١ ٨:٠٠ ص" and labels[-1] == "📨 إرسال"
        # A forged time at night, and Send with nothing ticked: refused in Arabic.
        interview = int(str(card.buttons[0][0]["callback_data"]).split(":")[2])
        night = slot_id(datetime(2026, 11, 24, 3, 0, tzinfo=RIYADH))
        forged = await desk.press_data(OFFICER, card, InterviewSlot(interview, 1, night).encode())
        assert forged["text"] == AR.gettext("That time is outside the branch's opening hours.")
        empty = await desk.press(OFFICER, card, "إرسال")
        assert empty["text"] == AR.gettext("Tick at least one time first.")

        await badr.press(await badr.command("/interview"), "المقر الرئيسي - الرياض")
        badr_card = await interview_card(desk)
        for each in (card, badr_card):  # the same two times offered to both
            for label in (TUE_8, TUE_830):
                await desk.press(OFFICER, each, label)
                each = await desk.group.wait_for_edit(each)
            assert (await desk.press(OFFICER, each, "إرسال"))["text"] == AR.gettext("Sent.")
        sent = await until(card, lambda c: not c.buttons)
        text = arabic(sent)
        says(text, "Times sent to the beneficiary:")
        assert f"• يوم الثلاثاء الساعة ٨:٣٠ ص، {both_dates(TUESDAY)}" in text

        offer, badr_offer = await amal.next(), await badr.next()
        text = arabic(offer)
        offered = "The association's team offers these times for your interview at %(branch)s:"
        says(text, offered, branch="المقر الرئيسي - الرياض")
        assert f"• يوم الثلاثاء الساعة ٨:٠٠ ص، {both_dates(TUESDAY)}" in text
        assert "١٤ جمادى الآخرة ١٤٤٨ هـ (٢٤ نوفمبر ٢٠٢٦)" in text
        assert arabic_buttons(offer) == [
            "🗓 " + TUE_8,
            "🗓 " + TUE_830,
            "🔁 مواعيد أخرى",
            "✖️ إلغاء المقابلة",
        ]
        booked = await amal.press(offer, TUE_8)
        at_tuesday_8 = f"يوم الثلاثاء الساعة ٨:٠٠ ص، {both_dates(TUESDAY)}"
        is_booked = "Your interview is booked: %(when)s, at %(branch)s."
        says(arabic(booked), is_booked, when=at_tuesday_8, branch="المقر الرئيسي - الرياض")
        says(plain(booked.text), "We will remind you the day before.")
        assert (await amal.next())["venue"]["title"] == "المقر الرئيسي - الرياض"

        # Badr presses the time Amal just booked: refused, the other time still offered.
        query = await badr.sim.press_button(badr_offer, TUE_8)
        taken = await badr.sim.wait_for_callback_answer(query)
        assert taken["text"] == AR.gettext("Sorry, that time was just booked by someone else.")
        still = await badr.next()
        says(arabic(still), "These times are still free; pick one, or ask for other times:")
        assert arabic_buttons(still) == ["🗓 " + TUE_830, "🔁 مواعيد أخرى", "✖️ إلغاء المقابلة"]
        other = await badr.press(still, "مواعيد أخرى")
        says(
            arabic(other),
            "The association's team was asked for other times. They will offer them here.",
        )
        asked_again = await interview_card(desk)
        says(arabic(asked_again), "The beneficiary asked for other times.")
        assert not any(TUE_8 in label for label in asked_again.button_labels)

        # Monday 9:00 AM, the day before: both sides reminded, with both calendars.
        clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
        assert await run_rules(desk) == {"interview_reminder": 1, "interview_reminder_staff": 1}
        reminder = await amal.next()
        tomorrow = "A reminder: your interview is tomorrow, %(when)s, at %(branch)s."
        says(arabic(reminder), tomorrow, when=at_tuesday_8, branch="المقر الرئيسي - الرياض")
        assert "الرياض، حي النموذج، شارع التجربة" in reminder.text
        assert arabic_buttons(reminder) == ["🔁 مواعيد أخرى", "✖️ إلغاء المقابلة"]
        venue = (await amal.next())["venue"]
        assert venue["title"] == "المقر الرئيسي - الرياض"
        for_staff = await desk.group.wait_for_message(
            predicate=lambda m: "غدًا" in m.text, message_thread_id=GENERAL
        )
        says(
            arabic(for_staff),
            "Tomorrow: the interview at %(branch)s, %(when)s.",
            branch="المقر الرئيسي - الرياض",
            when=at_tuesday_8,
        )

        cancelled = await amal.press(reminder, "إلغاء المقابلة")
        says(arabic(cancelled), "Your interview was cancelled. The association's team was told.")
        told = await desk.group.wait_for_message(
            predicate=lambda m: "ألغى" in m.text, message_thread_id=GENERAL
        )
        says(arabic(told), "The beneficiary cancelled the interview at %(branch)s.")
        assert "أمل" in told.text
        assert (2702, "button:iv:pick", "taken") in await audited(desk, "button:iv%")
        assert (OFFICER, "button:iv:tick", "hours") in await audited(desk, "button:iv%")


async def test_volunteering_in_arabic_chosen_with_language(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with arabic_desk(emu, clock, db_target) as desk:
        amal = Person(emu.user(2801, first_name="Amal", language_code="en"))  # English app
        choose = await amal.command("/language")
        switched = await amal.press(choose, "العربية")
        says(arabic(switched), "From now on I will write to you in English.")  # «…العربية»

        first = await amal.command("/volunteer")
        text = arabic(first)
        says(text, "Thank you for wanting to volunteer with %(association)s.")
        assert "في النموذج ٥ أسئلة" in text  # the plural form for 3 to 10
        assert "السؤال ١ من ٥" in text and "ما اسمك الكامل؟" in text
        assert arabic_buttons(first) == ["✖️ إلغاء"]

        # Each wrong answer is explained in Arabic and the same question asked again.
        again = arabic(await amal.say("أمل ٢٠٢٦"))
        says(again, "Please write the name in letters only, without digits, symbols or emoji.")
        assert "السؤال ١ من ٥" in again
        skills = await amal.say("أمل الحربي")
        again_message = await amal.say("البستنة")
        again = arabic(again_message)
        says(again, "Please choose one of the buttons below.")
        assert "السؤال ٢ من ٥" in again
        assert arabic_buttons(again_message) == arabic_buttons(skills)
        availability = await amal.press(again_message, "التعليم والتدريب")
        assert "السؤال ٣ من ٥" in arabic(availability)
        too_short = arabic(await amal.say("لا"))
        assert "٣ أحرف على الأقل" in too_short and "السؤال ٣ من ٥" in too_short
        await amal.say("مساء الخميس")
        wrong = arabic(await amal.say("١٢٣"))
        example = {"example": "٠٥٥١٢٣٤٥٦٧", "international": "+966551234567"}
        says(
            wrong,
            "Please send a Saudi mobile number, for example %(example)s or %(international)s.",
            **example,
        )
        assert "السؤال ٤ من ٥" in wrong
        consent = await amal.say("٠٥٥١٢٣٤٥٦٧")
        assert arabic_buttons(consent) == ["أوافق", "⬅️ رجوع", "✖️ إلغاء"]
        review = await amal.press(consent, "أوافق")
        text = arabic(review)
        says(text, "Please review your answers")
        assert "المهارات: التعليم والتدريب" in text and "رقم الجوال: +966551234567" in text
        assert "✅ تأكيد ومتابعة" in arabic_buttons(review)
        receipt = await amal.press(review, "تأكيد ومتابعة")
        says(arabic(receipt), "Thank you: your offer to volunteer was received.")

        card = await desk.group.wait_for_message(
            predicate=lambda m: "متطوع جديد" in m.text and bool(m.buttons)
        )
        topic = desk.group.topic_by_name("المتطوعون")
        assert topic is not None and card.message_thread_id == topic.message_thread_id
        text = arabic(card)
        says(text, "Signed up on %(date)s", date=both_dates(SUNDAY))
        assert "الاسم: أمل الحربي" in text and "الأوقات المتاحة: مساء الخميس" in text
        assert arabic_buttons(card) == ["✅ قبول وشكر"]
        refused = await desk.press(OUTSIDER, card, "قبول وشكر")
        assert refused["text"] == NOT_ALLOWED
        accepted = await desk.press(OFFICER, card, "قبول وشكر")
        assert accepted["text"] == AR.gettext("Thank-you sent.")
        says(arabic(card), "Accepted and thanked by %(name)s", name="Noura")
        thanks = await amal.next()
        thanked = "Thank you for volunteering with %(association)s. Our team accepted your offer and will contact you about the next steps."
        says(arabic(thanks), thanked, association="جمعية واحة العطاء الأهلية (نموذج تجريبي)")


async def invitation(desk: Desk, role: str) -> tuple[BotMessage, str]:
    await desk.say(ADMIN, f"/invite {role}")
    message = await desk.group.wait_for_message(predicate=lambda m: "?start=" in m.text)
    found = re.search(r"\?start=(join_[A-Za-z0-9_-]{43})\b", message.text)
    assert found is not None, message.text
    return message, found.group(1)


async def test_a_staff_invitation_in_arabic_used_expired_and_forged(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with arabic_desk(emu, clock, db_target) as desk:
        await desk.say(ADMIN, "/invite boss")
        usage = await desk.group.wait_for_message(predicate=lambda m: "/invite officer" in m.text)
        assert "/invite researcher أو /invite committee" in arabic(usage)

        message, token = await invitation(desk, "researcher")
        text = arabic(message)
        says(text, "An invitation to join the staff as %(role)s:", role="باحث اجتماعي")
        assert "خلال ٢٤ ساعة" in text  # the plural form for 11 to 99
        _, late = await invitation(desk, "admin")

        sami = Person(emu.user(7010, first_name="سامي", language_code="ar"))
        welcome = await sami.command(f"/start {token}")
        association = "جمعية واحة العطاء الأهلية (نموذج تجريبي)"
        says(
            arabic(welcome),
            "Welcome to the staff of %(association)s. Your role: %(role)s.",
            association=association,
            role="باحث اجتماعي",
        )
        ask = AR.gettext("Please ask an admin for a new one.")
        muna = Person(emu.user(7011, first_name="منى", language_code="ar"))
        used = arabic(await muna.command(f"/start {token}"))
        assert used == AR.gettext("This invitation has already been used.") + " " + ask
        clock.now += timedelta(hours=24, minutes=1)
        expired = arabic(await muna.command(f"/start {late}"))
        assert expired == AR.gettext("This invitation has expired.") + " " + ask
        forged = arabic(await muna.command("/start join_" + "A" * 43))
        assert forged == AR.gettext("This invitation link is not valid.") + " " + ask

        await desk.say(ADMIN, "/staff")
        listing = await desk.group.wait_for_message(predicate=lambda m: "فريق العمل" in m.text)
        text = arabic(listing)  # the Latin names isolated in their Arabic lines
        assert "• سامي: باحث اجتماعي" in text and "• Reem: مشرف" in text
        assert await audited(desk, "%") == [
            (ADMIN, "staff_invited", "social_researcher (invitation 1)"),
            (ADMIN, "staff_invited", "admin (invitation 2)"),
            (7010, "staff_joined", f"social_researcher (invitation 1 from {ADMIN})"),
            (7011, "invitation", "used"),
            (7011, "invitation", "expired"),
            (7011, "invitation", "unknown"),
        ]


MUTED = "For now, the association's team does not receive the messages you write here. Your questions are still answered from the association's guides, and you will still be told about your requests."


async def test_mute_from_the_topic_and_an_unknown_command_in_arabic(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with arabic_desk(emu, clock, db_target) as desk:
        huda = Person(emu.user(2901, first_name="هدى", language_code="ar"))
        unknown = "I do not know this command. Send /help to see what I can do."
        for command in ("/foo", "/policies", "/mute someone"):  # never a question for the guides
            reply = await huda.command(command)
            says(arabic(reply), unknown)
            assert "\u2066/help\u2069" in reply.text  # the command isolated: never "help/"
            assert arabic_buttons(reply) == MENU
        assert await desk.rows("SELECT COUNT(*) FROM faq_questions") == [(0,)]

        opened = await huda.command("/talk")
        assert arabic_buttons(opened) == ["🔚 إنهاء المحادثة"]
        note = await desk.group.wait_for_message(predicate=lambda m: "طلب المستفيد" in m.text)
        says(arabic(note), "The beneficiary asked to talk to a person. Write here to answer them.")
        topic = note.message_thread_id
        assert topic is not None
        await huda.sim.send_text("أنتم لا تردون أبدًا")
        await desk.group.wait_for_message(
            predicate=lambda m: "تردون" in m.text, message_thread_id=topic
        )

        async def staff_reply(who: int, text: str, where: int | None) -> str:
            await desk.say(who, text, where)
            answer = await desk.group.wait_for_message(message_thread_id=where or GENERAL)
            return arabic(answer)

        says(
            await staff_reply(OFFICER, "/mute", topic),
            "Write the reason after the command, e.g. /mute insults the staff. Staff see it; the beneficiary does not.",
        )
        says(
            await staff_reply(OFFICER, "/mute يسيء إلى الموظفين", None),
            "Send this in the beneficiary's topic (or, without topics, as a reply to their card).",
        )
        assert await staff_reply(RESEARCHER, "/mute يسيء", topic) == NOT_ALLOWED
        done = await staff_reply(OFFICER, "/mute يسيء إلى الموظفين", topic)
        says(done, "Muted by %(name)s: %(reason)s", name="Noura", reason="يسيء إلى الموظفين")
        assert "/unmute" in done

        notice = await huda.next()
        text = arabic(notice)
        says(text, MUTED)
        says(text, "Phone: %(phone)s", phone="+966110000000")
        assert "يسيء" not in text  # the reason stays among staff
        assert arabic_buttons(notice) == ["☎️ التواصل معنا"]
        already = await staff_reply(ADMIN, "/mute again", topic)
        says(
            already,
            "Already muted since %(date)s by %(name)s: %(reason)s",
            date=both_dates(SUNDAY),
            name="Noura",
            reason="يسيء إلى الموظفين",
        )
        says(arabic(await huda.command("/talk")), MUTED)  # no conversation while muted

        lifted = await staff_reply(ADMIN, "/unmute", topic)
        says(
            lifted,
            "Unmuted by %(name)s. Their messages reach this topic again; they were told.",
            name="Reem",
        )
        back = await huda.next()
        says(
            arabic(back),
            "The association's team receives the messages you write here again. To talk to a person, use the menu.",
        )
        audit = await audited(desk, "%mute%")
        assert [(who, action) for who, action, _ in audit] == [
            (OFFICER, "mute"),
            (RESEARCHER, "mute_senders"),
            (OFFICER, "muted"),
            (ADMIN, "unmuted"),
        ]
