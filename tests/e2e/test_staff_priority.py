"""Staff are not kept waiting: their replies go before background traffic in the group's
budget, a card's redraws coalesce, and a redrawn card keeps its attachments line."""

from __future__ import annotations

import asyncio

from bot.context import SERVICES_KEY, Services
from bot.ratelimit import SlidingWindow, StaffGroupRateLimiter
from bot.services import notices
from emulator import BotApiEmulator
from tests.e2e.desk import COMMITTEE_A, OFFICER, STAFF_CHAT, Desk, open_desk, plain, submit
from tests.e2e.driver import Person
from tests.support import DbTarget, FakeClock

# Three calls per two seconds, one of them kept for people: a background call that finds
# two in the window waits about two seconds, far longer than a command takes to answer.
RATE, PERIOD = 3, 2.0
NOTE = "The beneficiary sent the information asked for"


def window_of(desk: Desk) -> SlidingWindow:
    limiter = desk.app.bot.rate_limiter
    assert isinstance(limiter, StaffGroupRateLimiter)
    return limiter.window


async def spend_the_background_budget(desk: Desk, reference: str) -> tuple[int, int]:
    """Queue three notes in the request's topic once the window is empty, and return when
    the third waits (the first two took the background's share); (request id, thread id)."""
    services: Services = desk.app.bot_data[SERVICES_KEY]
    ((request_id, thread_id),) = await desk.rows(
        "SELECT r.id, t.id FROM requests r JOIN staff_threads t ON t.request_id = r.id"
        " WHERE r.reference = ?",
        reference,
    )
    await desk.settle()
    window = window_of(desk)
    await asyncio.sleep(window.period)  # the card's calls leave the window
    async with services.db.transaction() as conn:
        for _ in range(3):
            await notices.to_staff(
                conn,
                STAFF_CHAT,
                notices.STAFF_NOTE,
                services.staff.now(),
                thread_id=thread_id,
                note="info_received",
                request_id=request_id,
            )
    services.wakeup()
    async with asyncio.timeout(10):
        while not window.waiting[1]:  # noqa: ASYNC110 (the window has no event to wait on)
            await asyncio.sleep(0.01)
    return request_id, thread_id


def notes_seen(desk: Desk) -> int:
    return sum(NOTE in m.text for m in desk.group.messages)


async def test_a_staff_command_goes_before_the_notes_that_spent_the_budget(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    emu.enforce_limits(
        per_private_chat_per_sec=1000,
        per_group_per_min=RATE,
        global_per_sec=1000,
        group_period=PERIOD,
    )
    async with open_desk(emu, clock, db_target, rate=RATE, period=PERIOD) as desk:
        sarah = Person(emu.user(1601, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        await spend_the_background_budget(desk, reference)
        assert notes_seen(desk) == 2

        await desk.say(OFFICER, "/queue")
        queue = await desk.group.wait_for_message(
            predicate=lambda m: "Received (1)" in plain(m.text), message_thread_id=1
        )
        assert reference in plain(queue.text)
        assert notes_seen(desk) == 2  # the reply took the slot kept for people

        # The window is full now; a press waits too, but before the third note.
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.settle()
        assert notes_seen(desk) == 3
        calls = [
            r.method
            for r in emu.requests_log
            if r.method in ("editMessageReplyMarkup", "sendMessage")
            and str(r.params.get("chat_id")) == str(STAFF_CHAT)
            and (r.method != "sendMessage" or NOTE in str(r.params.get("text")))
        ]
        assert calls[-2:] == ["editMessageReplyMarkup", "sendMessage"]
        assert emu.limit_violations_in(STAFF_CHAT) == 0


async def test_redraws_of_one_card_waiting_at_once_are_one_edit(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target, rate=RATE, period=PERIOD) as desk:
        sarah = Person(emu.user(1602, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        request_id, _ = await spend_the_background_budget(desk, reference)
        services: Services = desk.app.bot_data[SERVICES_KEY]
        for _ in range(3):  # three changes, each in its own transaction
            async with services.db.transaction() as conn:
                await notices.to_staff(
                    conn,
                    STAFF_CHAT,
                    notices.STAFF_CARD_REFRESH,
                    services.staff.now(),
                    request_id=request_id,
                )
        services.wakeup()
        await desk.settle()
        edits = [
            r
            for r in emu.requests_log
            if r.method == "editMessageText"
            and str(r.params.get("message_id")) == str(card.message_id)
        ]
        assert len(edits) == 1
        rows = await desk.rows(
            "SELECT state FROM outbox WHERE kind = ?", notices.STAFF_CARD_REFRESH
        )
        assert rows == [("sent",)]


async def test_a_card_redrawn_after_a_decision_keeps_its_attachments_line(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1603, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        assert "1 attachment below" in card.text
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.press(COMMITTEE_A, card, "Accept")
        assert "Accepted" in card.text and "1 attachment below" in card.text
        await desk.press(OFFICER, card, "Service delivered")
        await desk.press(OFFICER, card, "Service delivered")
        assert "Service delivered" in card.text and "1 attachment below" in card.text
