"""Rating a delivered service, the suggestions box and /feedback, through the emulator."""

from __future__ import annotations

from datetime import timedelta

from bot.context import SERVICES_KEY, Services
from bot.services import notices
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import COMMITTEE_A, OFFICER, OUTSIDER, Desk, open_desk, plain, submit
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock


async def deliver(desk: Desk, person: Person, reference: str) -> int:
    """Accept and deliver the request as staff; return its id."""
    card = await desk.card(reference)
    for who, label in ((COMMITTEE_A, "Accept"), (OFFICER, "Service delivered")):
        await desk.press(who, card, label)
        await desk.press(who, card, label)  # the second press confirms
    assert "accepted your request" in (await person.next()).text
    assert "was provided" in (await person.next()).text
    rows = await desk.rows("SELECT id FROM requests WHERE reference = ?", reference)
    return int(rows[0][0])


async def send_rating_prompt(desk: Desk, person: Person, request_id: int) -> BotMessage:
    """Queue the prompt as the follow-up scheduler does; the dispatcher renders it."""
    services: Services = desk.app.bot_data[SERVICES_KEY]
    async with services.db.transaction() as conn:
        await notices.to_beneficiary(
            conn,
            person.sim.id,
            "rating_prompt",
            services.staff.now(),
            dedupe_key=f"rate:{request_id}",  # the scheduler's key: it will not send another
            request_id=request_id,
        )
    services.wakeup()
    await desk.settle()
    return await person.next()


async def staff_command(desk: Desk, who: int, text: str) -> str:
    await desk.say(who, text)
    reply = await desk.group.wait_for_message(message_thread_id=1)
    return plain(reply.text)


async def test_rating_comment_suggestion_and_staff_view(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1201, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        request_id = await deliver(desk, sarah, reference)

        prompt = await send_rating_prompt(desk, sarah, request_id)
        assert reference in plain(prompt.text) and "without your name" in prompt.text
        assert prompt.button_labels == ["⭐1", "⭐2", "⭐3", "⭐4", "⭐5"]

        # ⭐4: thanked, asked for a comment; the prompt shows the choice.
        ask = await sarah.press(prompt, "⭐4")
        assert "Would you like to add a comment?" in ask.text
        assert ask.button_labels == ["⏭ Skip"]
        assert "⭐4 ✓" in prompt.button_labels
        # A photo is not a comment, and a comment too long is refused; nothing is lost.
        await sarah.sim.send_photo()
        assert "as a text message" in (await sarah.next()).text
        too_long = await sarah.say("x" * 1001)
        assert "too long" in too_long.text and "1000" in too_long.text
        thanks = await sarah.say("The team was kind & quick.")
        assert "Thank you for your comment" in thanks.text

        # Changed within 24 hours; after 25 hours it stays.
        clock.now += timedelta(hours=2)
        updated = await sarah.press(prompt, "⭐5")
        assert "updated to 5 of 5" in updated.text
        assert "⭐5 ✓" in prompt.button_labels and "⭐4" in prompt.button_labels
        clock.now += timedelta(hours=23)
        late = await sarah.press(prompt, "⭐2")
        assert "time to change this rating is over" in late.text and "5 of 5" in late.text
        assert await desk.rows("SELECT stars, comment FROM ratings") == [
            (5, "The team was kind & quick.")
        ]

        # A suggestion through the menu button.
        menu = await sarah.command("/menu")
        ask = await sarah.press(menu, "Suggestions")
        assert "Write your suggestion" in ask.text and "without your name" in ask.text
        thanks = await sarah.say("Please open <b>on</b> Saturdays.")
        assert "Thank you for your suggestion" in thanks.text

        # Someone else cannot rate Sarah's request, even with a forged button.
        omar = Person(emu.user(1202, first_name="Omar", language_code="en"))
        welcome = await omar.command("/start")
        query = await omar.sim.press(welcome, f"rate:{request_id}:1")
        refused = await omar.sim.wait_for_callback_answer(query)
        assert refused["show_alert"] and "Only your own requests" in refused["text"]
        assert await desk.rows("SELECT stars FROM ratings") == [(5,)]

        # Staff see the figures and the words, not who wrote them.
        await desk.settle()
        report = await staff_command(desk, OFFICER, "/feedback")
        assert "1 rating · average 5.0 of 5" in report
        assert "⭐5 The team was kind & quick." in report
        assert "Please open <b>on</b> Saturdays." in report  # escaped, shown as typed
        assert "Sarah" not in report and reference not in report
        assert "Alotaibi" not in report
        refused_staff = await staff_command(desk, OUTSIDER, "/feedback")
        assert "not allowed" in refused_staff


async def test_the_comment_can_be_skipped_and_the_suggestion_cancelled(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(1203, first_name="Omar", language_code="en"))
        request_id = await deliver(desk, omar, await submit(omar))
        prompt = await send_rating_prompt(desk, omar, request_id)
        ask = await omar.press(prompt, "⭐3")
        skip = ask.callback_data("Skip")
        # Someone else pressing the same data is neither thanked nor able to close it.
        lina = Person(emu.user(1204, first_name="Lina", language_code="en"))
        lina_menu = await lina.command("/menu")
        query = await lina.sim.press(lina_menu, skip)
        answer = await lina.sim.wait_for_callback_answer(query)
        assert answer.get("text") == "This button has expired."
        skipped = await omar.press(ask, "Skip")
        assert "Thank you for your rating" in skipped.text
        assert ask.buttons == []
        # Pressed again (a double tap, an old copy): expired, not thanked twice.
        query = await omar.sim.press(ask, skip)
        answer = await omar.sim.wait_for_callback_answer(query)
        assert answer.get("text") == "This button has expired."

        ask = await omar.command("/suggest")
        assert "Write your suggestion" in ask.text
        cancelled = await omar.press(ask, "Cancel")
        assert "no suggestion was sent" in cancelled.text
        assert ask.buttons == []
        # What they write next is an ordinary message again.
        other = await omar.say("Hello")
        assert "Thank you for your suggestion" not in other.text
        assert await desk.rows("SELECT COUNT(*) FROM suggestions") == [(0,)]
        assert await desk.rows("SELECT stars, comment FROM ratings") == [(3, None)]
