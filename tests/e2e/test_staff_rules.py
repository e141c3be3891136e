"""Who may do what: every action by every role, outsiders, races, outdated cards, other groups."""

from __future__ import annotations

import asyncio
import logging

import pytest

from emulator import BotApiEmulator
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    COMMITTEE_B,
    OFFICER,
    OUTSIDER,
    RESEARCHER,
    Desk,
    open_desk,
    submit,
)
from tests.e2e.driver import Person, open_form
from tests.support import DbTarget, FakeClock, peek

NOT_ALLOWED = "You are not allowed to do this."
ACTORS = (OFFICER, RESEARCHER, COMMITTEE_A, ADMIN, OUTSIDER)
# The policy: only the committee decides; officers (and admins) refer, deliver and close;
# officers, researchers and the committee ask for more information.
ALLOWED = {
    "accept": {COMMITTEE_A},
    "reject": {COMMITTEE_A},
    "info": {OFFICER, RESEARCHER, COMMITTEE_A},
    "refer": {OFFICER, ADMIN},
    "close": {OFFICER, ADMIN},
    "deliver": {OFFICER, ADMIN},
}


async def _request_id(desk: Desk, reference: str) -> tuple[int, int]:
    rows = await desk.rows("SELECT id, version FROM requests WHERE reference = ?", reference)
    return int(rows[0][0]), int(rows[0][1])


async def test_every_action_by_every_role_a_beneficiary_and_an_outsider(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        waiting = Person(emu.user(1201, first_name="Sarah", language_code="en"))
        decided = Person(emu.user(1202, first_name="Mona", language_code="en"))
        open_ref = await submit(waiting)
        accepted_ref = await submit(decided)
        open_card = await desk.card(open_ref)
        accepted_card = await desk.card(accepted_ref)
        await desk.press(COMMITTEE_A, accepted_card, "Accept")
        await desk.press(COMMITTEE_A, accepted_card, "Accept")
        assert await desk.status(accepted_ref) == "accepted"

        refused = 0
        for action, allowed in ALLOWED.items():
            ref, card = (
                (accepted_ref, accepted_card) if action == "deliver" else (open_ref, open_card)
            )
            request_id, version = await _request_id(desk, ref)
            for actor in ACTORS:
                answer = await desk.press_data(
                    actor, card, f"staff:{action}:{request_id}:{version}"
                )
                if actor in allowed:
                    assert answer["text"] != NOT_ALLOWED, (action, actor)
                else:
                    assert answer == {**answer, "text": NOT_ALLOWED, "show_alert": True}, (
                        action,
                        actor,
                    )
                    refused += 1
            # A beneficiary forging the final press from their own chat is refused too.
            receipt = waiting.sim.messages[-1]
            query = await waiting.sim.press(receipt, f"staff:{action}:{request_id}:{version}:yes")
            answer = await waiting.sim.wait_for_callback_answer(query)
            assert answer["text"] == NOT_ALLOWED and answer["show_alert"]
            refused += 1

        # Nothing changed, and every refusal is in the audit trail with who and where.
        assert await desk.status(open_ref) == "submitted"
        assert await desk.status(accepted_ref) == "accepted"
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log ORDER BY id")
        assert len(audit) == refused
        assert (OUTSIDER, "accept", "role") in audit
        assert (RESEARCHER, "accept", "role") in audit
        assert (1201, "accept", "outside") in audit
        events = await desk.rows("SELECT kind FROM request_events WHERE kind <> 'submitted'")
        assert events == [("accept",)]


async def test_two_committee_members_decide_at_once(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1211, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        request_id, version = await _request_id(desk, reference)
        # Both see the confirmation and press it in the same instant.
        accept = f"staff:accept:{request_id}:{version}:yes"
        reject = f"staff:reject:{request_id}:{version}:incomplete_documents"
        queries = [
            await desk.group.press(desk.members[COMMITTEE_A], card, accept),
            await desk.group.press(desk.members[COMMITTEE_B], card, reject),
        ]
        answers = await asyncio.gather(*(desk.group.wait_for_callback_answer(q) for q in queries))
        assert answers[0]["text"] == "Accepted" and not answers[0]["show_alert"]
        assert answers[1]["show_alert"]
        assert answers[1]["text"] == "Khalid got there first: the request is now “Accepted”."
        assert await desk.status(reference) == "accepted"
        decisions = await desk.rows(
            "SELECT kind, actor_id FROM request_events WHERE kind IN ('accept', 'reject')"
        )
        assert decisions == [("accept", COMMITTEE_A)]
        notice = await sarah.next()
        assert "accepted your request" in notice.text
        await desk.settle()
        assert all("did not accept" not in m.text for m in sarah.sim.messages)


async def test_a_button_on_an_outdated_card_refuses_and_redraws_the_card(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1221, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        request_id, version = await _request_id(desk, reference)
        # The officer opens the close confirmation; meanwhile the committee rejects.
        await desk.press(OFFICER, card, "Close")
        stale_close = card.callback_data("Close")
        await desk.press_data(COMMITTEE_A, card, f"staff:reject:{request_id}:{version}:duplicate")
        assert await desk.status(reference) == "rejected"
        answer = await desk.press_data(OFFICER, card, stale_close)
        assert answer["show_alert"]
        assert answer["text"] == "Khalid got there first: the request is now “Not accepted”."
        assert "Not accepted" in card.text  # redrawn as it is now
        assert card.button_labels == ["🗄 Close"]
        assert await desk.status(reference) == "rejected"
        notice = await sarah.next()
        assert "The request is a duplicate" in notice.text


async def test_a_typed_rejection_reason_reaches_the_beneficiary(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1231, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        topic = card.message_thread_id
        await desk.press(COMMITTEE_A, card, "Reject")
        await desk.press(COMMITTEE_A, card, "Another reason")
        # Someone else's message in the topic is not taken as the reason.
        await desk.say(OFFICER, "#note checking the file", topic)
        await desk.say(
            COMMITTEE_A,
            "The support you asked for <b>is</b> outside our programmes & funds.",
            topic,
        )
        notice = await sarah.next()
        assert "did not accept your request" in notice.text
        assert "The support you asked for <b>is</b> outside our programmes & funds." in notice.text
        assert await desk.status(reference) == "rejected"


async def test_other_groups_are_ignored_after_saying_so_once(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        stranger = emu.user(1241, first_name="Ali", language_code="en")
        other = emu.group(-1009999, "Family group", is_forum=False)
        other.add_bot(by=stranger)
        notice = await other.wait_for_message()
        assert "works only in its association's staff group" in notice.text
        await other.send_text(stranger, "/queue")
        await other.send_text(stranger, "hello bot")
        other.remove_bot(by=stranger, kicked=False)
        other.add_bot(by=stranger)
        await desk.settle()
        await asyncio.sleep(0.3)
        assert len(other.messages) == 1
    # Ignored updates still count as handled: none is left to replay.
    async with peek(db_target) as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0


async def test_a_beneficiary_button_forged_in_the_staff_group_is_refused_and_audited(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1231, first_name="Sarah", language_code="en"))
        card = await desk.card(await submit(sarah))
        for data in ("menu:talk", "faq:talk:1:1", "rate:skip:1", "menu:new", "lang:set:ar"):
            answer = await desk.press_data(OFFICER, card, data)
            assert answer["text"] == "This button has expired.", data
        # Nothing was opened for the staff member, and each press is in the audit trail.
        assert await desk.rows("SELECT COUNT(*) FROM conversations") == [(0,)]
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log")
        assert sorted(audit) == sorted(
            (OFFICER, f"button:{tag}", "audience")
            for tag in ("menu:talk", "faq:talk", "rate:skip", "menu:new", "lang:set")
        )


async def test_a_card_past_telegrams_limit_is_cut_between_lines_and_still_arrives(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    from handlers.long_text import LIMIT

    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1232, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        topic = card.message_thread_id
        await desk.press(OFFICER, card, "Request information")
        await desk.group.wait_for_message(
            predicate=lambda m: "type what the beneficiary should send" in m.text,
            message_thread_id=topic,
        )
        await desk.say(OFFICER, "Everything about the device, please.", topic)
        await sarah.next()
        # Long texts full of what HTML escapes, emoji and one endless word.
        piece = "Tom & Jerry <b>not bold</b> 😀 " * 30 + "x" * 200
        received = None
        for n in range(12):
            await sarah.sim.send_text(f"{n}: {piece}")
            received = await sarah.next()
        assert received is not None and "Received" in received.text
        await sarah.press(received, "Done")
        await desk.settle()
        shown = card.text  # as Telegram shows it: the markup parsed
        assert len(shown.encode("utf-16-le")) // 2 <= LIMIT and shown.endswith("…")
        assert "Tom & Jerry <b>not bold</b>" in shown  # as typed: it was escaped
        assert reference in shown and "Under review" in shown


async def test_a_card_telegram_refuses_is_reported_to_the_staff_group(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        emu.faults.add("400", "sendMessage", chat_id=desk.group.chat.id, times=1)
        sarah = Person(emu.user(1233, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        report = await desk.group.wait_for_message(
            predicate=lambda m: "Telegram refused a message about request" in m.text
        )
        assert reference in report.text and "can't parse entities" in report.text.lower()
        failed = await desk.rows("SELECT kind, state FROM outbox WHERE state = 'failed'")
        assert failed == [("staff.card", "failed")]


async def test_forged_ids_in_buttons_parse_to_nothing_and_every_press_is_answered(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1234, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        request_id, version = await _request_id(desk, reference)
        huge = str(2**64)
        caplog.set_level(logging.WARNING)
        for data in (
            "staff:accept:١:١:yes",  # Arabic-Indic digits
            f"staff:accept:{request_id}:{version}²:yes",  # a superscript
            f"staff:accept:{huge}:1:yes",
            f"staff:close:{request_id}:{version}:yes:extra",
            f"bc:send:{huge}",
            "bc:send",
            f"relay:close:{huge}",
        ):
            answer = await desk.press_data(ADMIN, card, data)
            assert answer["text"] in ("This button has expired.", "It was already closed."), data
        menu = await sarah.command("/menu")
        for data in ("faq:pick:١:١", "rate:١:5", f"mine:show:{huge}", f"faq:sect:{huge}"):
            query = await sarah.sim.press(menu, data)
            answer = await sarah.sim.wait_for_callback_answer(query)
            assert answer.get("text") == "This button has expired.", data
        # Another person's request: refused as such.
        query = await sarah.sim.press(menu, f"mine:show:{request_id + 1}")
        assert (await sarah.sim.wait_for_callback_answer(query)).get("text") == (
            "This button has expired."
        )
        assert await desk.status(reference) == "submitted"  # nothing was accepted or closed
        # Every press is in the audit trail with who made it; what it carried is not.
        audit = await desk.rows("SELECT actor_id, action, reason FROM audit_log")
        assert audit.count((ADMIN, "button:staff", "unknown")) == 4
        assert (ADMIN, "button:bc", "unknown") in audit
        assert (ADMIN, "button:relay:close", "unknown") in audit
        assert sorted(a for a in audit if a[0] == 1234) == sorted(
            [
                (1234, "button:faq:pick", "unknown"),
                (1234, "button:rate", "unknown"),
                (1234, "button:mine:show", "unknown"),
                (1234, "button:faq:sect", "unknown"),
                (1234, "button:mine:show", "not-theirs"),
            ]
        )
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unexpected_error_is_reported_to_staff_without_personal_data(
    emu: BotApiEmulator,
    clock: FakeClock,
    db_target: DbTarget,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.services.forms import FormEngine

    def explode(*args: object, **kwargs: object) -> None:
        raise ValueError("Sarah Alotaibi 0551234567")  # an error that quotes the answer

    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1235, first_name="Sarah", language_code="en"))
        first = await open_form(sarah, new_label="New support request", agree_label="I agree")
        assert "full name" in first.text.lower()
        monkeypatch.setattr(FormEngine, "validate", explode)
        with caplog.at_level(logging.CRITICAL):  # the error is logged; that is tested elsewhere
            apology = await sarah.say("Sarah Alotaibi")
            assert "Sorry, something went wrong on our side" in apology.text
            assert "ValueError" not in apology.text and "Traceback" not in apology.text
            note = await desk.group.wait_for_message(
                predicate=lambda m: "Something went wrong on the bot's side" in m.text
            )
            assert "ValueError" in note.text and not note.is_topic_message
            for value in ("Sarah", "0551234567", "Alotaibi"):
                assert value not in note.text
            # A second failure of the same kind within the hour is not reported again.
            await sarah.say("Sarah Alotaibi")
            await desk.settle()
        notes = [m for m in desk.group.messages if "Something went wrong" in m.text]
        assert len(notes) == 1


async def test_a_command_the_bot_does_not_know_is_explained_not_answered_from_the_guides(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1236, first_name="Sarah", language_code="en"))
        await sarah.command("/start")
        for command in ("/export", "/queue", "/nonsense 12"):
            answer = await sarah.command(command)
            assert "I do not know this command" in answer.text, command
        assert await desk.rows("SELECT COUNT(*) FROM faq_questions") == [(0,)]
        assert await desk.rows("SELECT COUNT(*) FROM conversations") == [(0,)]
