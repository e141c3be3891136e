"""/contact, the branches nearest to a shared location, /policy with its document, and the
one honest reply to a message that reaches staff while they are away (issue 15, 1 and 5).

The sentences are checked in English (the Arabic catalog gains them when it is merged);
in Arabic, what does not depend on it: dates in both calendars, digits, files, venues."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.i18n import Catalogs
from bot.profile import LocalText
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import open_desk
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock

GUIDES = Path(__file__).resolve().parents[2] / "bot" / "profiles" / "guides"
AR, EN = Catalogs().get("ar"), Catalogs().get("en")
KHARJ = (24.1500, 47.3000)  # a few km from the Al-Kharj branch
JEDDAH = (21.4858, 39.1925)  # about 850 km from the nearest branch


def _venues(messages: list[BotMessage]) -> list[str]:
    return [m["venue"]["title"] for m in messages if m.method == "sendVenue"]


async def test_contact_shows_channels_hours_and_branches_and_offers_the_location_key(
    emu: BotApiEmulator, bot: object
) -> None:
    nora = Person(emu.user(1501, first_name="Nora", language_code="en"))
    shown = await nora.command("/contact")
    text = shown.text
    assert "Phone: \u2066+966110000000\u2069" in text
    assert "Letters: P.O. Box 0000, Riyadh 11000" in text
    assert "X: \u2066@wahat_alataa_sample\u2069" in text
    assert "Sunday to Thursday: 8:00 AM to 3:00 PM" in text
    assert "Friday and Saturday: closed" in text
    # DEFAULT_NOW is Sunday 09:00 in Riyadh.
    assert "Open now, until 3:00 PM" in text
    for branch in ("Head office, Riyadh", "Al-Kharj branch", "Al-Majmaah branch"):
        assert branch in text
    assert "Thursday: 8:00 AM to 2:00 PM and 5:00 PM to 9:00 PM" in text
    assert "Thursday: 8:00 PM to 1:00 AM" in text  # over midnight
    assert shown.reply_keyboard is not None
    key = shown.reply_keyboard["keyboard"][0][0]
    assert key["request_location"] is True and "Share my location" in key["text"]

    # The menu's button shows the same.
    menu = await nora.command("/start")
    pressed = await nora.press(menu, "Contact us")
    assert pressed.text == text


async def test_a_shared_location_lists_branches_nearest_first_with_venues(
    emu: BotApiEmulator, bot: object
) -> None:
    nora = Person(emu.user(1502, first_name="Nora", language_code="en"))
    await nora.command("/contact")
    await nora.sim.send_location(*KHARJ)
    listed = await nora.next()
    assert listed.reply_keyboard == {"remove_keyboard": True}
    text = listed.text
    order = [text.index(name) for name in ("Al-Kharj", "Head office", "Al-Majmaah")]
    assert order == sorted(order)
    assert "1. Al-Kharj branch — \u2066" in text and " km\u2069" in text
    assert "far from our branches" not in text
    venues = [await nora.next() for _ in range(3)]
    assert _venues(venues) == ["Al-Kharj branch", "Head office, Riyadh", "Al-Majmaah branch"]
    kharj = venues[0]["venue"]
    assert kharj["location"] == {"latitude": 24.1556, "longitude": 47.3346}
    assert kharj["address"].startswith("Al-Kharj")


async def test_a_location_far_away_gets_the_service_area_and_no_map_pins(
    emu: BotApiEmulator, bot: object
) -> None:
    nora = Person(emu.user(1503, first_name="Nora", language_code="en"))
    await nora.sim.send_location(*JEDDAH)
    listed = await nora.next()
    assert "far from our branches" in listed.text and "Riyadh Region" in listed.text
    assert "km" in listed.text
    # The next thing in the chat is the answer to /help: no venue came in between.
    helped = await nora.command("/help")
    assert "How to use this bot" in helped.text
    assert "our phone numbers, branches and opening hours" in helped.text
    assert "/contact" in helped.text
    assert "/policy" in helped.text
    assert not _venues(nora.sim.messages)


async def test_in_arabic_the_venues_and_distances_are_arabic(
    emu: BotApiEmulator, bot: object
) -> None:
    sara = Person(emu.user(1504, first_name="سارة", language_code="ar"))
    shown = await sara.command("/contact")
    assert "الأحد" in shown.text and "الخميس" in shown.text  # weekday names
    assert "٨:٠٠ ص" in shown.text  # the time, in Arabic-Indic digits
    await sara.sim.send_location(24.70, 46.70)  # in Riyadh
    listed = await sara.next()
    assert "١. <b>" not in listed.text and "١. " in listed.text
    assert "٫" in listed.text  # a decimal distance under 10 km
    venues = [await sara.next() for _ in range(3)]
    assert _venues(venues) == ["المقر الرئيسي - الرياض", "فرع الخرج", "فرع المجمعة"]
    assert venues[0]["venue"]["address"] == "الرياض، حي النموذج، شارع التجربة"


async def test_policy_summary_approval_and_the_document_in_each_language(
    emu: BotApiEmulator, bot: object
) -> None:
    nora = Person(emu.user(1506, first_name="Nora", language_code="en"))
    summary = await nora.command("/policy")
    text = summary.text
    assert "Our policy with beneficiaries" in text
    assert "evaluation is your right, it is for improvement, not punishment" in text
    assert "within 14 days of its completion" in text
    assert "meeting number \u20663\u2069" in text
    assert "6 Dhu al-Qadah 1446 AH (4 May 2025)" in text
    document = await nora.next()
    assert document.method == "sendDocument"
    assert document["document"]["file_name"] == "sample_policy.en.md"
    assert document["document"]["file_size"] == (GUIDES / "sample_policy.en.md").stat().st_size
    assert "The full policy" in document.text
    # The menu's button sends the same.
    pressed = await nora.press(document, "Our policy")
    assert pressed.text == text
    await nora.next()

    sara = Person(emu.user(1507, first_name="سارة", language_code="ar"))
    summary = await sara.command("/policy")
    right = "فالتقييم حق لك، وهو للتطوير والتحسين لا للعقاب"
    assert right in summary.text
    assert AR.both_dates(date(2025, 5, 4)) in summary.text
    assert "١٤" in summary.text and "٣" in summary.text
    document = await sara.next()
    assert document["document"]["file_name"] == "sample_policy.md"
    assert document["document"]["file_size"] == (GUIDES / "sample_policy.md").stat().st_size


def test_the_sample_rights_say_that_evaluation_is_for_improvement() -> None:
    from bot.config import load_profile

    profile, _ = load_profile("sample")
    assert profile.policy is not None
    rights: tuple[LocalText, ...] = profile.policy.rights
    assert any("not punishment" in r.en and "للعقاب" in r.ar for r in rights)
    for path in (profile.policy.document.ar, profile.policy.document.en):
        assert (GUIDES.parent / path).is_file()


# Thursday 26 November 2026, 23:00 in Riyadh; the team is back on Sunday at 08:00.
THURSDAY_NIGHT = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SUNDAY_MORNING = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
SUNDAY_AFTERNOON = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)  # 16:00, after closing


async def test_a_message_after_hours_gets_one_honest_reply_per_closed_period(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(1511, first_name="Omar", language_code="en"))
        opened = await omar.press(await omar.command("/start"), "Talk to a person")
        assert "will answer you here" in opened.text

        clock.now = THURSDAY_NIGHT
        await omar.sim.send_text("My rent is late, can you help?")
        away = await omar.next()
        assert "the team is away now and will not read it before" in away.text
        sunday = EN.both_dates(date(2026, 11, 29))
        assert sunday == "19 Jumada al-Akhirah 1448 AH (29 November 2026)"
        assert f"before Sunday at 8:00 AM, {sunday}." in away.text
        await desk.group.wait_for_message(predicate=lambda m: "rent is late" in m.text)

        # More messages in the same closed period reach staff, with no second reply.
        await omar.sim.send_text("It is two months now.")
        clock.now = SATURDAY_NOON
        await omar.sim.send_text("Anyone there?")
        await desk.group.wait_for_message(predicate=lambda m: "Anyone there?" in m.text)
        await desk.settle()
        later = [m for m in omar.sim.messages if m.message_id > away.message_id]
        assert not any("away now" in m.text for m in later)
        rows = await desk.rows("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'after_hours:%'")
        assert rows == [(1,)]

        # Open on Sunday morning: no reply. Closed again in the afternoon: a new one.
        clock.now = SUNDAY_MORNING
        await omar.sim.send_text("Good morning")
        await desk.group.wait_for_message(predicate=lambda m: "Good morning" in m.text)
        clock.now = SUNDAY_AFTERNOON
        await omar.sim.send_text("Thank you")
        again = await omar.next()
        assert "Monday at 8:00 AM" in again.text and "30 November 2026" in again.text
        await desk.settle()
        rows = await desk.rows("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'after_hours:%'")
        assert rows == [(2,)]


async def test_the_reply_after_hours_in_arabic_has_both_calendars_at_night(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sara = Person(emu.user(1512, first_name="سارة", language_code="ar"))
        await sara.press(await sara.command("/start"), "تحدّث مع موظف")
        clock.now = THURSDAY_NIGHT  # 23:00: quiet hours hold notices, not this reply
        await sara.sim.send_text("السلام عليكم، متى تردون؟")
        away = await sara.next()
        assert AR.both_dates(date(2026, 11, 29)) in away.text
        assert "الأحد" in away.text and "٨:٠٠ ص" in away.text
        await desk.settle()
