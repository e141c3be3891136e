"""Staff commands in the group: /queue, /find and /stats, and who may use them."""

from __future__ import annotations

from datetime import timedelta

from emulator import BotApiEmulator
from tests.e2e.desk import COMMITTEE_A, OFFICER, OUTSIDER, Desk, open_desk, plain, submit
from tests.e2e.driver import ENGLISH_ANSWERS, Person
from tests.support import DbTarget, FakeClock


async def _command(desk: Desk, who: int, text: str) -> str:
    await desk.say(who, text)
    reply = await desk.group.wait_for_message(message_thread_id=1)
    return plain(reply.text)


async def test_queue_find_and_stats(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        applicants = [
            ("Sarah", "Sarah Mohammed Alotaibi", "0551234567"),
            ("Mona", "Mona Saleh Alharbi", "0557654321"),
            ("Layla", "Layla Fahad Alqahtani", "0559990000"),
        ]
        refs = []
        for i, (first, full, mobile) in enumerate(applicants):
            person = Person(emu.user(1401 + i, first_name=first, language_code="en"))
            answers = {**ENGLISH_ANSWERS, "full_name": full, "mobile": mobile}
            refs.append(await submit(person, answers))
            clock.now += timedelta(days=1)
        cards = [await desk.card(ref) for ref in refs]
        await desk.press(COMMITTEE_A, cards[0], "Accept")
        await desk.press(COMMITTEE_A, cards[0], "Accept")  # decided after 3 days
        await desk.press(OFFICER, cards[1], "Refer to a researcher")
        await desk.press(OFFICER, cards[1], "Huda")
        clock.now += timedelta(days=14)  # the third is now overdue (submitted 15 days ago)
        await desk.settle()

        queue = await _command(desk, OFFICER, "/queue")
        assert (
            queue.index("Received (1)")
            < queue.index("Under review (1)")
            < queue.index("Accepted (1)")
        )
        received = queue[queue.index("Received (1)") :].splitlines()[1]
        assert refs[2] in received and "15 days waiting" in received
        assert "⚠️" in received and "overdue by 1 day" in received
        review = queue[queue.index("Under review (1)") :].splitlines()[1]
        assert refs[1] in review and "held by Huda" in review and "overdue by 2 days" in review
        assert "t.me/c/1234567890/" in str(desk.group.messages[-1].get("entities"))

        by_name = await _command(desk, OFFICER, "/find mona")
        assert refs[1] in by_name and refs[0] not in by_name and refs[2] not in by_name
        by_phone = await _command(desk, OFFICER, "/find ٠٥٥٩٩٩٠٠٠٠")
        assert refs[2] in by_phone and refs[0] not in by_phone
        by_ref = await _command(desk, OFFICER, f"/find {refs[0]}")
        assert refs[0] in by_ref and "Accepted" in by_ref
        nothing = await _command(desk, OFFICER, "/find <nobody>")
        assert "No request matches <nobody>" in nothing

        stats = await _command(desk, COMMITTEE_A, "/stats")
        assert "Received: 1" in stats and "Under review: 1" in stats and "Accepted: 1" in stats
        assert "Median time to a decision: 3.0 days" in stats
        assert "Decided within the SLA: 100% of 1" in stats
        assert "2 requests are overdue" in stats

        refused = await _command(desk, OUTSIDER, "/queue")
        assert refused == "You are not allowed to do this."
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log")
        assert audit == [(OUTSIDER, "queue", "role")]
