"""Messages that always arrive: Telegram's faults, quiet hours and a blocked beneficiary."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.context import SERVICES_KEY, Services
from bot.services import notices
from bot.services.policy import Action
from emulator import BotApiEmulator
from storage.outbox import Outbox
from tests.e2e.desk import COMMITTEE_A, OFFICER, Desk, open_desk, plain, submit
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock


def services_of(desk: Desk) -> Services:
    services: Services = desk.app.bot_data[SERVICES_KEY]
    return services


async def queue_notices(desk: Desk, person: Person, reference: str, items: range) -> None:
    """Queue numbered notices for the beneficiary, each in its own transaction."""
    services = services_of(desk)
    rows = await desk.rows("SELECT id FROM requests WHERE reference = ?", reference)
    for i in items:
        async with services.db.transaction() as conn:
            await notices.to_beneficiary(
                conn,
                person.sim.id,
                Action.REQUEST_INFO,
                services.staff.now(),
                dedupe_key=f"test:{i}",
                request_id=rows[0][0],
                info=f"item {i}",
            )
    services.wakeup()


def items_seen(person: Person) -> list[str]:
    return [
        line
        for m in person.sim.messages
        for line in plain(m.text).splitlines()
        if line.startswith("item ")
    ]


async def tick_until(
    clock: FakeClock, done: Callable[[], bool], step: float = 1.0, limit: float = 600
) -> float:
    """Move the clock `step` seconds every few milliseconds until `done`; the time it took."""
    start = clock.now
    while not done():
        if (clock.now - start).total_seconds() > limit:
            raise TimeoutError("not done within the simulated time")
        clock.now += timedelta(seconds=step)
        await asyncio.sleep(0.03)
    return (clock.now - start).total_seconds()


async def test_429s_5xx_timeouts_and_a_minute_long_outage_leave_every_notice_delivered(
    clock: FakeClock, db_target: DbTarget
) -> None:
    # The emulator's faults run on the test's clock: the outage lasts 60 simulated seconds.
    emu = BotApiEmulator(clock=lambda: clock.now.timestamp())
    async with emu, open_desk(emu, clock, db_target, outbox_timeout=0.3) as desk:
        sarah = Person(emu.user(1301, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        await desk.card(reference)
        chat = sarah.sim.chat_id
        emu.faults.add("429", "sendMessage", chat_id=chat, times=2, retry_after=3)
        emu.faults.add("5xx", "sendMessage", chat_id=chat, times=2)
        # Performed, then answered too late: the ambiguous case, sent again.
        emu.faults.add("timeout", "sendMessage", chat_id=chat, times=2, seconds=1.0)
        await queue_notices(desk, sarah, reference, range(6))
        await tick_until(clock, lambda: len(set(items_seen(sarah))) == 6)

        emu.faults.outage(60)
        await queue_notices(desk, sarah, reference, range(6, 10))
        took = await tick_until(clock, lambda: len(set(items_seen(sarah))) == 10)
        assert took >= 60  # nothing got through the outage
        await desk.settle()

        seen = items_seen(sarah)
        in_order = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
        assert in_order == [f"item {i}" for i in range(10)]  # every one, in order
        twice = len(seen) - len(set(seen))
        assert twice == 2  # exactly the two timeouts whose message had gone out
        async with services_of(desk).db.reading() as conn:
            tally = await Outbox(conn).tally()
        assert tally.maybe_duplicates == twice  # ...and the outbox counted them
        assert tally.left == 0 and tally.failed == 0


async def test_quiet_hours_hold_notices_until_morning_but_not_a_conversation(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1302, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        clock.now = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.settle()
        assert "Accepted" in card.text  # staff see it at once
        assert not any("accepted your request" in m.text for m in sarah.sim.messages)

        # A conversation goes on at night: a staff reply is not a notice.
        await sarah.sim.send_command("/talk")
        await desk.settle()
        topic = card.message_thread_id
        await desk.say(OFFICER, "We are here", topic=topic)
        reply = await sarah.sim.wait_for_message(predicate=lambda m: "We are here" in m.text)
        assert reply.text == "We are here"
        assert not any("accepted your request" in m.text for m in sarah.sim.messages)

        clock.now = datetime(2026, 11, 23, 4, 59, tzinfo=UTC)  # 07:59: still quiet
        await asyncio.sleep(1.5)  # the dispatcher looks every second
        assert not any("accepted your request" in m.text for m in sarah.sim.messages)
        clock.now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 08:00 in Riyadh
        notice = await sarah.sim.wait_for_message(
            predicate=lambda m: "accepted your request" in m.text
        )
        assert reference in plain(notice.text)


async def test_a_blocked_beneficiary_is_marked_unreachable_and_staff_are_told(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1303, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        sarah.sim.block(notify=False)  # Telegram does not always tell the bot
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.press(COMMITTEE_A, card, "Accept")
        note = await desk.group.wait_for_message(
            predicate=lambda m: "blocked the bot" in m.text,
            message_thread_id=card.message_thread_id,
        )
        assert note.message_thread_id == card.message_thread_id
        await desk.settle()
        rows = await desk.rows(
            "SELECT blocked_at IS NOT NULL FROM beneficiaries WHERE user_id = ?", sarah.sim.id
        )
        assert rows == [(1,)]
        failed = await desk.rows("SELECT kind, last_error FROM outbox WHERE state = 'failed'")
        assert len(failed) == 1 and failed[0][0] == notices.NOTICE
        assert "blocked" in failed[0][1]
        # Left out of broadcasts from now on.
        everyone = await services_of(desk).broadcasts.recipients("everyone")
        assert sarah.sim.id not in [r.user_id for r in everyone]
