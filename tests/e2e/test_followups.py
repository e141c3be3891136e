"""The bot writes without being asked, as the database says, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.context import SERVICES_KEY, Services
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import COMMITTEE_A, OFFICER, RESEARCHER, Desk, open_desk, plain, submit
from tests.e2e.driver import Person, open_form
from tests.support import DbTarget, FakeClock


def services_of(desk: Desk) -> Services:
    services: Services = desk.app.bot_data[SERVICES_KEY]
    return services


async def run_rules(desk: Desk, report: bool = False) -> dict[str, int]:
    """What the JobQueue job does every minute: read the database, queue what is due.

    The weekly report falls due whenever the clock passes a Sunday morning; only its own
    test looks at it.
    """
    run = await services_of(desk).followups.run()
    await desk.settle()
    return {k: v for k, v in run.queued.items() if report or k != "report"}


async def test_an_unfinished_form_is_reminded_twice_then_expires_across_a_restart(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    sarah = Person(emu.user(1501, first_name="Sarah", language_code="en"))
    async with open_desk(emu, clock, db_target) as desk:
        await open_form(sarah, new_label="New support request", agree_label="I agree")
        await sarah.say("Sarah Mohammed Alotaibi")
        assert await run_rules(desk) == {}  # nothing is due yet
        clock.now += timedelta(hours=24, minutes=1)
        assert await run_rules(desk) == {"draft_reminder": 1}
        first = await sarah.next()
        assert "have not finished it" in first.text
        assert "is deleted on" not in first.text  # only the last reminder says when
        assert await run_rules(desk) == {}  # once, however often the rules run

    async with open_desk(emu, clock, db_target) as desk:  # a restart: nothing is remembered
        assert await run_rules(desk) == {}  # ...but the database knows it was sent
        clock.now += timedelta(hours=48)
        assert await run_rules(desk) == {"draft_reminder": 1}
        second = await sarah.next()
        assert "is deleted on" in second.text and "29 November 2026" in second.text
        resume = await sarah.press(second, "Continue my request")
        assert "not finished" in resume.text and "Continue" in resume.button_labels[0]

        clock.now += timedelta(days=7)
        assert await run_rules(desk) == {"draft_expired": 1}
        expired = await sarah.next()
        assert "deleted after 7 days" in expired.text
        assert await desk.rows("SELECT COUNT(*) FROM drafts") == [(0,)]
        answer = await sarah.say("Sarah")  # the form is gone: a polite pointer to the menu
        assert "menu" in answer.text.lower() or "start" in answer.text.lower()


async def ask_for_information(desk: Desk, card: BotMessage, what: str) -> None:
    await desk.press(RESEARCHER, card, "Request information")
    await desk.group.wait_for_message(
        predicate=lambda m: "type what the beneficiary should send" in m.text,
        message_thread_id=card.message_thread_id,
    )
    await desk.say(RESEARCHER, what, card.message_thread_id)


async def test_missing_information_reminds_the_beneficiary_and_the_sla_nudges_staff(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1502, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        topic = card.message_thread_id
        await ask_for_information(desk, card, "A salary certificate, please.")
        assert "needs more information" in (await sarah.next()).text

        clock.now += timedelta(hours=47)
        assert await run_rules(desk) == {}
        clock.now += timedelta(hours=2)
        assert await run_rules(desk) == {"info_reminder": 1}
        reminder = await sarah.next()
        assert "still waiting" in reminder.text and "A salary certificate" in reminder.text
        assert reminder.button_labels == ["✅ Done, send it to the committee"]

        clock.now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # day 10 of 14
        assert await run_rules(desk) == {"sla_nudge": 1}
        nudge = await desk.group.wait_for_message(
            predicate=lambda m: "Day 10 of 14" in m.text, message_thread_id=topic
        )
        assert "6 December 2026" in plain(nudge.text)
        clock.now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # the day after the due date
        assert await run_rules(desk) == {"sla_overdue": 1}
        await desk.group.wait_for_message(
            predicate=lambda m: "Overdue" in m.text, message_thread_id=topic
        )
        assert await run_rules(desk) == {}


async def test_after_delivery_the_rating_prompt_then_a_follow_up(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1503, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        for who, label in ((COMMITTEE_A, "Accept"), (OFFICER, "Service delivered")):
            await desk.press(who, card, label)
            await desk.press(who, card, label)
        assert "accepted your request" in (await sarah.next()).text
        assert "was provided" in (await sarah.next()).text

        clock.now += timedelta(hours=23)
        assert await run_rules(desk) == {}
        clock.now += timedelta(hours=2)
        assert await run_rules(desk) == {"rating_prompt": 1}
        prompt = await sarah.next()
        assert reference in plain(prompt.text)
        assert all(str(b["callback_data"]).startswith("rate:") for b in prompt.buttons[0])
        assert len(prompt.buttons[0]) == 5

        clock.now += timedelta(days=7)
        assert await run_rules(desk) == {"followup": 1}
        followup = await sarah.next()
        assert "We hope all is well" in followup.text
        assert followup.button_labels == ["🙋 Talk to a person"]


async def test_the_weekly_report_reaches_the_staff_group_once(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1504, first_name="Sarah", language_code="en"))
        await submit(sarah)
        clock.now = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)  # Sunday 09:30 in Riyadh
        assert await run_rules(desk, report=True) == {"report": 1}
        report = await desk.group.wait_for_message(predicate=lambda m: "Weekly report" in m.text)
        assert report.get("photo")
        clock.now += timedelta(hours=3)
        assert await run_rules(desk, report=True) == {}


async def test_the_job_queue_runs_the_rules_by_itself(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    sarah = Person(emu.user(1505, first_name="Sarah", language_code="en"))
    async with open_desk(emu, clock, db_target, followup_check_seconds=0.2) as desk:
        await open_form(sarah, new_label="New support request", agree_label="I agree")
        await sarah.say("Sarah Mohammed Alotaibi")
        clock.now += timedelta(hours=25)
        reminder = await sarah.sim.wait_for_message(
            timeout=10.0, predicate=lambda m: "have not finished it" in m.text
        )
        assert reminder.button_labels == ["▶️ Continue my request"]
        await desk.settle()
