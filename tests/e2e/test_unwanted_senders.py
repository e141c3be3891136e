"""Unwanted senders: staff mute a beneficiary from their topic, a flood is slowed, and a
beneficiary who blocked the bot gets nothing more queued."""

from __future__ import annotations

from datetime import timedelta

from bot.context import SERVICES_KEY, Services
from bot.services import notices
from bot.services.policy import Action
from emulator import BotApiEmulator, BotMessage
from tests.e2e.desk import (
    ADMIN,
    COMMITTEE_A,
    OFFICER,
    OUTSIDER,
    RESEARCHER,
    Desk,
    open_desk,
    plain,
    submit,
)
from tests.e2e.driver import Person, open_form
from tests.support import DbTarget, FakeClock

MUTED = "does not receive the messages you write here"
WAIT = "Please wait a moment"


def services_of(desk: Desk) -> Services:
    services: Services = desk.app.bot_data[SERVICES_KEY]
    return services


async def topic_reply(desk: Desk, who: int, text: str, topic: int | None) -> str:
    """What the bot answers a staff member's message in a topic (None: General)."""
    await desk.settle()
    where = topic or 1
    seen = {m.message_id for m in desk.group.topic_messages(where)}
    await desk.say(who, text, topic)
    answer = await desk.group.wait_for_message(
        predicate=lambda m: m.message_id not in seen, message_thread_id=where
    )
    return plain(answer.text)


async def all_handled(person: Person) -> None:
    """Wait until everything the person sent so far was handled: a chat's updates are
    handled in order, so the answer to /help comes after theirs."""
    await person.sim.send_command("/help")
    await person.sim.wait_for_message(predicate=lambda m: "How to use this bot" in m.text)


async def talk(person: Person) -> BotMessage:
    """/talk from a muted beneficiary: the explanation of the mute."""
    await person.sim.send_command("/talk")
    return await person.sim.wait_for_message(predicate=lambda m: MUTED in m.text)


def relayed_to(desk: Desk, topic: int, text: str) -> list[BotMessage]:
    return [m for m in desk.group.topic_messages(topic) if text in m.text]


async def test_staff_mute_and_unmute_a_beneficiary_from_the_topic(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1501, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        topic = card.message_thread_id
        assert topic is not None
        await sarah.command("/talk")
        insult = await sarah.sim.send_text("You are all useless")
        copy = await desk.group.wait_for_message(
            predicate=lambda m: "useless" in m.text, message_thread_id=topic
        )

        answer = await topic_reply(desk, OFFICER, "/mute insults the staff", topic)
        assert "Muted by Noura: insults the staff" in answer
        notice = await sarah.sim.wait_for_message(predicate=lambda m: MUTED in m.text)
        assert "Phone:" in notice.text and "insults" not in notice.text  # the reason stays
        assert notice.buttons  # Contact us
        again = await topic_reply(desk, ADMIN, "/mute spam", topic)
        assert "Already muted" in again and "by Noura: insults the staff" in again

        # Muted: nothing reaches the topic; a question is still answered from the guides,
        # and she was told already today, so there is no reminder.
        await sarah.sim.send_text("Why do you not answer me?")
        await sarah.sim.send_photo(caption="look")
        await sarah.sim.send_text("What are your opening hours?")
        await sarah.sim.wait_for_message(predicate=lambda m: "8 am to 3 pm" in m.text)
        # Talking to a person explains the mute instead of opening a conversation (her
        # messages are handled in order: all the above were before this answer).
        explained = await talk(sarah)
        assert "Phone:" in explained.text
        await all_handled(sarah)
        assert sum(MUTED in m.text for m in sarah.sim.messages) == 2  # the notice, /talk
        await desk.settle()
        assert not relayed_to(desk, topic, "answer me") and not relayed_to(desk, topic, "hours")
        assert not [m for m in desk.group.topic_messages(topic) if m.get("caption") == "look"]
        assert not await desk.rows(
            "SELECT 1 FROM conversations WHERE user_id = ? AND closed_at IS NULL", sarah.sim.id
        )
        # Nor does an edit of what was relayed before the mute.
        await sarah.sim.edit_text(insult, "You are all useless idiots")
        await sarah.sim.wait_for_message(predicate=lambda m: "edited messages" in m.text)
        await desk.settle()
        assert copy.text == "You are all useless"

        # Her request goes on, and she is told of it.
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.press(COMMITTEE_A, card, "Accept")
        await sarah.sim.wait_for_message(predicate=lambda m: "accepted your request" in m.text)

        # A day later, one reminder for the first message, none for the next.
        clock.now += timedelta(hours=25)
        await sarah.sim.send_voice()
        await sarah.sim.send_voice()
        await sarah.sim.send_text("hello?")
        await all_handled(sarah)
        assert sum(MUTED in m.text for m in sarah.sim.messages) == 3  # + one reminder
        await desk.settle()
        assert not [m for m in desk.group.topic_messages(topic) if m.get("voice")]

        lifted = await topic_reply(desk, ADMIN, "/unmute", topic)
        assert "Unmuted by Reem" in lifted
        await sarah.sim.wait_for_message(predicate=lambda m: "receives the messages" in m.text)
        assert "not muted" in await topic_reply(desk, ADMIN, "/unmute", topic)
        await sarah.command("/talk")
        await sarah.sim.send_text("Sorry for earlier")
        await desk.group.wait_for_message(
            predicate=lambda m: "Sorry for earlier" in m.text, message_thread_id=topic
        )

        audit = await desk.rows(
            "SELECT actor_id, action, request_id IS NOT NULL, reason FROM audit_log"
            " WHERE action IN ('muted', 'unmuted') ORDER BY id"
        )
        assert [row[:3] for row in audit] == [(OFFICER, "muted", 1), (ADMIN, "unmuted", 1)]
        assert audit[0][3].endswith(": insults the staff")
        mutes = await desk.rows("SELECT muted_by, lifted_by FROM mutes")
        assert mutes == [(OFFICER, ADMIN)]


async def test_only_relations_officers_and_admins_mute_and_only_in_a_topic(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1502, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        topic = (await desk.card(reference)).message_thread_id
        refused = "You are not allowed to do this."
        # A visitor in the group and a researcher are refused; the group's chatter is not
        # relayed either way.
        assert await topic_reply(desk, OUTSIDER, "/mute annoying", topic) == refused
        assert await topic_reply(desk, RESEARCHER, "/mute annoying", topic) == refused
        assert await topic_reply(desk, RESEARCHER, "/unmute", topic) == refused
        # Outside a beneficiary's topic: in General.
        general = await topic_reply(desk, OFFICER, "/mute annoying", None)
        assert "in the beneficiary's topic" in general
        # Without a reason.
        asked = await topic_reply(desk, OFFICER, "/mute", topic)
        assert "Write the reason" in asked
        # In a private chat /mute is no command of the bot's.
        unknown = await sarah.command("/mute someone")
        assert "I do not know this command" in unknown.text

        assert not await desk.rows("SELECT 1 FROM mutes")
        audit = await desk.rows(
            "SELECT actor_id, action, reason FROM audit_log"
            " WHERE action IN ('mute_senders', 'mute') ORDER BY id"
        )
        assert audit == [
            (OUTSIDER, "mute_senders", "role"),
            (RESEARCHER, "mute_senders", "role"),
            (RESEARCHER, "mute_senders", "role"),
            (OFFICER, "mute", "no_thread"),
        ]
        await desk.settle()
        assert not [m for m in sarah.sim.messages if MUTED in m.text]


async def test_a_flood_is_slowed_with_one_message_and_the_form_is_not(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(1503, first_name="Omar", language_code="en"))
        await omar.command("/start")
        for i in range(30):  # all at the same (test) time
            await omar.sim.send_text(f"What are your opening hours? {i}")
        await all_handled(omar)
        asked = await desk.rows("SELECT text FROM faq_questions WHERE user_id = ?", omar.sim.id)
        assert len(asked) == 10  # the first ten were read; the other twenty were not
        assert sum(WAIT in m.text for m in omar.sim.messages) == 1
        # Once they slow down they are read again.
        clock.now += timedelta(seconds=31)
        omar.sim.skip_pending()
        await omar.sim.send_text("What are your opening hours? again")
        await omar.sim.wait_for_message(predicate=lambda m: "Was this helpful" in m.text)
        asked = await desk.rows("SELECT text FROM faq_questions WHERE user_id = ?", omar.sim.id)
        assert len(asked) == 11 and asked[-1][0].endswith("again")

        # In a conversation with staff: at most ten reach the topic.
        await omar.command("/talk")
        note = await desk.group.wait_for_message(predicate=lambda m: "asked to talk" in m.text)
        topic = note.message_thread_id
        assert topic is not None
        clock.now += timedelta(seconds=31)
        for i in range(30):
            await omar.sim.send_text(f"help {i}")
        await all_handled(omar)
        await desk.settle()
        assert sum(WAIT in m.text for m in omar.sim.messages) == 2  # once for each flood
        assert len(relayed_to(desk, topic, "help ")) == 10

        # Inside the form every message is read: thirty wrong answers, thirty explanations.
        nadia = Person(emu.user(1504, first_name="Nadia", language_code="en"))
        await open_form(nadia, new_label="New support request", agree_label="I agree")
        nadia.sim.skip_pending()
        for _ in range(30):
            await nadia.sim.send_text("x")
        for _ in range(30):
            await nadia.next()
        assert not [m for m in nadia.sim.messages if WAIT in m.text]
        assert (await nadia.say("Nadia Ahmed Alharbi")).text  # the form goes on


async def test_an_album_counts_as_one_message(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        huda = Person(emu.user(1505, first_name="Huda", language_code="en"))
        await huda.command("/talk")
        note = await desk.group.wait_for_message(predicate=lambda m: "asked to talk" in m.text)
        topic = note.message_thread_id
        assert topic is not None
        for _ in range(10):  # ten photos sent as one album (the emulator's users have no
            # album method: the content carries the album's id as Telegram's does)
            huda.sim._send({**huda.sim.photo_content(), "media_group_id": "album-1"})
        await huda.sim.send_text("these are my documents")
        await desk.group.wait_for_message(
            predicate=lambda m: "my documents" in m.text, message_thread_id=topic
        )
        await all_handled(huda)
        await desk.settle()
        assert len([m for m in desk.group.topic_messages(topic) if m.get("photo")]) == 10
        assert not [m for m in huda.sim.messages if WAIT in m.text]


async def test_a_blocked_beneficiary_gets_nothing_more_queued_and_staff_see_it(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1506, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        services = services_of(desk)
        request_id = (await desk.rows("SELECT id FROM requests WHERE reference = ?", reference))[0][
            0
        ]
        # Telegram does not say she blocked the bot: the first send finds out.
        sarah.sim.block(notify=False)
        async with services.db.transaction() as conn:
            for i in range(3):
                await notices.to_beneficiary(
                    conn,
                    sarah.sim.id,
                    Action.REQUEST_INFO,
                    services.staff.now(),
                    dedupe_key=f"test:{i}",
                    request_id=request_id,
                    info=f"item {i}",
                )
        services.wakeup()
        note = await desk.group.wait_for_message(
            predicate=lambda m: "Unreachable" in m.text, message_thread_id=card.message_thread_id
        )
        assert "blocked the bot" in note.text
        await desk.settle()
        rows = await desk.rows(
            "SELECT state, attempts, last_error FROM outbox WHERE chat_id = ? ORDER BY id",
            sarah.sim.chat_id,
        )
        ended = rows[-3:]
        assert [state for state, _, _ in ended] == ["failed"] * 3
        assert ended[0][1] == 1 and "blocked" in ended[0][2]  # tried once, refused
        assert [a for _, a, _ in ended[1:]] == [0, 0]  # never tried: ended at once
        assert all("unreachable" in e for _, _, e in ended[1:])

        # New notices are not queued while she blocks the bot.
        before = len(rows)
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.press(COMMITTEE_A, card, "Accept")
        await desk.settle()
        assert "Accepted" in card.text
        after = await desk.rows("SELECT 1 FROM outbox WHERE chat_id = ?", sarah.sim.chat_id)
        assert len(after) == before

        # She unblocks: staff are told, and notices reach her again.
        sarah.sim.unblock()
        await desk.group.wait_for_message(
            predicate=lambda m: "unblocked the bot" in m.text,
            message_thread_id=card.message_thread_id,
        )
        await desk.press(OFFICER, card, "Service delivered")
        await desk.press(OFFICER, card, "Service delivered")
        await sarah.sim.wait_for_message(predicate=lambda m: reference in plain(m.text))
