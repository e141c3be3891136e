"""Broadcasts through the emulator enforcing Telegram's limits: preview, confirm, progress,
a restart half-way, Stop, a notice that overtakes, and who may broadcast."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.context import SERVICES_KEY, Services
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import ADMIN, COMMITTEE_A, OFFICER, Desk, open_desk, plain, submit
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock, eventually

FIRST = 50_000
PACE = {"outbox_rate": 25.0, "broadcast_progress_seconds": 0.3}


@pytest.fixture
async def ticking(clock: FakeClock) -> AsyncIterator[FakeClock]:
    """The test clock moving with real time (a broadcast's retries fall due)."""
    loop = asyncio.get_running_loop()
    start, began = clock.now, loop.time()

    async def tick() -> None:
        while True:
            clock.now = start + timedelta(seconds=loop.time() - began)
            await asyncio.sleep(0.02)

    task = asyncio.create_task(tick())
    yield clock
    task.cancel()


def services_of(desk: Desk) -> Services:
    services: Services = desk.app.bot_data[SERVICES_KEY]
    return services


async def enrol(desk: Desk, emu: BotApiEmulator, count: int) -> list[int]:
    """Beneficiaries who wrote to the bot before (the broadcast's audience)."""
    ids = list(range(FIRST, FIRST + count))
    for uid in ids:
        emu.user(uid, first_name=f"B{uid}", language_code="en")
        await services_of(desk).requests.enrol(uid, uid, f"B{uid}", "en")
    return ids


def button(message: BotMessage, starts: str) -> str:
    """The callback data of the button whose label starts with `starts`."""
    for row in message.buttons:
        for b in row:
            if str(b["text"]).startswith(starts):
                return str(b["callback_data"])
    raise AssertionError(f"no button {starts!r} in {message.button_labels}")


async def compose(desk: Desk, who: int, text: str, segment: str) -> BotMessage:
    """/broadcast, a segment, the message; return the preview (with its Send button)."""
    await desk.say(who, "/broadcast")
    ask = await desk.group.wait_for_message(predicate=lambda m: "who should receive" in m.text)
    await desk.press_data(who, ask, button(ask, segment))
    await eventually(lambda: "Now send" in ask.text)  # the question is edited onwards
    await desk.say(who, text)
    return await desk.group.wait_for_message(predicate=lambda m: m.text == text and bool(m.buttons))


def received(emu: BotApiEmulator, ids: list[int], text: str) -> Counter[int]:
    return Counter(uid for uid in ids for m in emu.user(uid).all_messages if m.text == text)


async def test_a_restart_in_the_middle_finishes_the_broadcast_none_lost_none_twice(
    emu: BotApiEmulator, ticking: FakeClock, db_target: DbTarget
) -> None:
    clock = ticking
    limits = emu.enforce_limits(per_group_per_min=1000)  # 30/s in all, 1/s per chat
    text = "The association's office is closed on Thursday."
    async with open_desk(emu, clock, db_target, **PACE) as desk:
        ids = await enrol(desk, emu, 60)
        preview = await compose(desk, ADMIN, text, "all beneficiaries")
        assert "Send to 60 beneficiaries" in preview.button_labels[0]
        assert received(emu, ids, text).total() == 0  # nothing before the confirmation
        await desk.press_data(ADMIN, preview, button(preview, "📣"))
        progress = await desk.group.wait_for_message(predicate=lambda m: "Broadcast to" in m.text)
        await eventually(lambda: received(emu, ids, text).total() >= 20)
    half = received(emu, ids, text).total()
    assert half < 60  # stopped half-way

    async with open_desk(emu, clock, db_target, **PACE) as desk:
        await desk.settle()
        for _ in range(50):  # the progress job redraws from the outbox
            if "Finished" in progress.text:
                break
            await asyncio.sleep(0.1)
        got = received(emu, ids, text)
        assert sorted(got) == ids  # none lost
        assert set(got.values()) == {1}  # none twice
        assert "Sent: 60 · Failed: 0 · Left: 0" in plain(progress.text)
        assert "Finished" in progress.text and not progress.buttons
    assert limits.violations == 0, limits.violations_by_chat


async def test_a_decision_notice_overtakes_a_broadcast_and_stop_cancels_the_rest(
    emu: BotApiEmulator, ticking: FakeClock, db_target: DbTarget
) -> None:
    clock = ticking
    text = "Registration for the winter program is open."
    async with open_desk(
        emu, clock, db_target, outbox_rate=10.0, broadcast_progress_seconds=0.3
    ) as desk:
        sarah = Person(emu.user(1401, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        # From here: her form's quick replies came before, as a fast typist's would.
        limits = emu.enforce_limits(per_group_per_min=1000)
        ids = [sarah.sim.id, *await enrol(desk, emu, 80)]  # she is a beneficiary too
        preview = await compose(desk, ADMIN, text, "all beneficiaries")
        await desk.press_data(ADMIN, preview, button(preview, "📣"))
        progress = await desk.group.wait_for_message(predicate=lambda m: "Broadcast to" in m.text)
        await eventually(lambda: received(emu, ids, text).total() >= 5)

        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.press(COMMITTEE_A, card, "Accept")
        notice = await sarah.sim.wait_for_message(
            timeout=2.0, predicate=lambda m: "accepted your request" in m.text
        )
        assert reference in plain(notice.text)
        assert received(emu, ids, text).total() < 40  # long before the broadcast's end

        await eventually(lambda: "Stop" in " ".join(progress.button_labels))
        await desk.press_data(ADMIN, progress, button(progress, "⏹"))
        await desk.settle()
        await asyncio.sleep(0.5)
        sent = received(emu, ids, text).total()
        assert sent < 81
        rows = await desk.rows(
            "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL GROUP BY state"
        )
        states = dict(rows)
        assert states.get("cancelled", 0) + states.get("sent", 0) == 81
        assert states["sent"] == sent  # what was sent stays sent; the rest never goes
        assert "Stopped" in progress.text and not progress.buttons
    assert limits.violations == 0, limits.violations_by_chat


async def test_only_admins_broadcast_and_an_empty_segment_sends_nothing(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        await enrol(desk, emu, 3)
        await desk.say(OFFICER, "/broadcast")
        refused = await desk.group.wait_for_message()
        assert "not allowed" in refused.text
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log")
        assert audit == [(OFFICER, "broadcast", "role")]

        await desk.say(ADMIN, "/broadcast")
        ask = await desk.group.wait_for_message(predicate=lambda m: "who should receive" in m.text)
        answer = await desk.press_data(OFFICER, ask, button(ask, "all beneficiaries"))
        assert "not allowed" in str(answer.get("text"))
        await desk.press_data(ADMIN, ask, button(ask, "beneficiaries with an open request"))
        await desk.say(ADMIN, "Hello")
        nobody = await desk.group.wait_for_message(predicate=lambda m: "Nobody" in m.text)
        assert "nothing was sent" in nobody.text
        rows = await desk.rows("SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL")
        assert rows == [(0,)]
