"""Talking through the bot: media and edits both ways, a deleted topic, a blocked bot,
conversations that end, and the staff group's limit under a burst of submissions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from emulator import BotApiEmulator
from tests.e2e.desk import OFFICER, RESEARCHER, STAFF_CHAT, open_desk, submit
from tests.e2e.driver import ENGLISH_ANSWERS, Person
from tests.support import DbTarget, FakeClock


async def test_talk_to_a_person_relays_media_and_edits_both_ways(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(1301, first_name="Omar", language_code="en"))
        menu = await omar.command("/start")
        opened = await omar.press(menu, "Talk to a person")
        assert "A member of the association's team will answer you here" in opened.text
        # No request yet: the beneficiary gets a topic of their own.
        note = await desk.group.wait_for_message(predicate=lambda m: "asked to talk" in m.text)
        topic = desk.group.topic_by_name("💬 Omar")
        assert topic is not None and note.message_thread_id == topic.message_thread_id
        thread = topic.message_thread_id

        sent = await omar.sim.send_text("My rent is late, can you help?")
        copy = await desk.group.wait_for_message(
            predicate=lambda m: "rent is late" in m.text, message_thread_id=thread
        )
        await omar.sim.send_photo(caption="the notice")
        photo = await desk.group.wait_for_message(
            predicate=lambda m: m.get("photo") is not None, message_thread_id=thread
        )
        assert photo.get("caption") == "the notice"

        # The beneficiary corrects a message: the copy staff see changes too.
        await omar.sim.edit_text(sent, "My rent is two months late, can you help?")
        await desk.settle()
        assert copy.text == "My rent is two months late, can you help?"

        # Staff answer with text and a voice note; an edit follows to the beneficiary.
        answer = await desk.say(OFFICER, "Yes, please come on Sunday.", thread)
        relayed = await omar.next()
        assert relayed.text == "Yes, please come on Sunday."
        await desk.group.send(desk.members[OFFICER], "voice", message_thread_id=thread)
        voice = await omar.next()
        assert voice.get("voice") is not None
        await desk.group.edit_text(answer, "Yes, please come on Sunday at 10.")
        await desk.settle()
        assert relayed.text == "Yes, please come on Sunday at 10."

        # The beneficiary ends the conversation; later text is no longer relayed.
        ended = await omar.press(opened, "End the conversation")
        assert "The conversation has ended" in ended.text
        await desk.group.wait_for_message(
            predicate=lambda m: "ended the conversation" in m.text, message_thread_id=thread
        )
        offer = await omar.say("hello again")
        assert "Ask me a question" in offer.text  # a greeting, not a question for the guides
        assert any("Talk to a person" in label for label in offer.button_labels)
        await desk.settle()
        assert all("hello again" not in m.text for m in desk.group.topic_messages(thread))
        links = await desk.rows("SELECT direction, COUNT(*) FROM relay_links GROUP BY direction")
        assert dict(links) == {"to_staff": 2, "to_user": 2}


async def test_a_deleted_topic_is_opened_again_on_the_next_message(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1311, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        old = card.message_thread_id
        assert old is not None
        await desk.press(OFFICER, card, "Refer to a researcher")
        await desk.press(OFFICER, card, "Huda")
        await sarah.next()  # under review
        await desk.settle()
        desk.group.delete_topic(old)

        await sarah.sim.send_text("Is there any news?")
        message = await desk.group.wait_for_message(
            predicate=lambda m: m.text == "Is there any news?"
        )
        topic = desk.group.topic_by_name(f"{reference} · Sarah")
        assert topic is not None and topic.message_thread_id != old
        assert message.message_thread_id == topic.message_thread_id
        # The new topic starts with a fresh card, so staff keep the context.
        fresh = desk.group.topic_messages(topic.message_thread_id)
        assert reference in fresh[0].text and fresh[0].buttons
        # Staff answer in the new topic and it reaches her.
        await desk.say(RESEARCHER, "Not yet, next week.", topic.message_thread_id)
        assert (await sarah.next()).text == "Not yet, next week."


async def test_staff_see_when_the_beneficiary_blocked_the_bot(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        sarah = Person(emu.user(1321, first_name="Sarah", language_code="en"))
        reference = await submit(sarah)
        card = await desk.card(reference)
        thread = card.message_thread_id
        assert thread is not None
        sarah.sim.block()
        blocked = await desk.group.wait_for_message(
            predicate=lambda m: "blocked the bot" in m.text, message_thread_id=thread
        )
        assert blocked
        rows = await desk.rows(
            "SELECT blocked_at IS NOT NULL FROM beneficiaries WHERE user_id = 1321"
        )
        assert rows == [(1,)]
        # A reply that cannot arrive says so again, and nothing is retried for ever.
        await desk.say(OFFICER, "Hello Sarah?", thread)
        await desk.group.wait_for_message(
            predicate=lambda m: "blocked the bot" in m.text, message_thread_id=thread
        )
        await desk.settle()
        failed = await desk.rows("SELECT kind, last_error FROM outbox WHERE state = 'failed'")
        assert [kind for kind, _ in failed] == ["relay.to_user"]
        assert "blocked" in failed[0][1]


async def test_a_quiet_conversation_closes_by_itself(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    async with open_desk(emu, clock, db_target) as desk:
        omar = Person(emu.user(1331, first_name="Omar", language_code="en"))
        await omar.command("/talk")
        await omar.sim.send_text("Hello?")  # relayed: no answer from the bot itself
        # Handled (copied to his topic) before the clock moves: otherwise the quiet
        # conversation could close first and "Hello?" be read as a question.
        await desk.group.wait_for_message(predicate=lambda m: m.text == "Hello?")
        await desk.settle()
        omar.sim.skip_pending()
        clock.now += timedelta(hours=25)
        job = next(j for j in desk.app.job_queue.jobs() if "quiet" in j.name)
        await job.run(desk.app)
        closed = await omar.next()
        assert "closed because there were no new messages" in closed.text
        rows = await desk.rows("SELECT closed_by FROM conversations")
        assert rows == [("quiet",)]


async def test_a_burst_of_fifty_submissions_reaches_the_group_complete_and_in_order(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    # Telegram's 20 messages a minute per group, with time scaled down 60 times: 20 a
    # second. Topic creation counts; private chats are not limited here.
    emu.enforce_limits(
        per_private_chat_per_sec=1000, per_group_per_min=20, global_per_sec=1000, group_period=1.0
    )
    async with open_desk(emu, clock, db_target, rate=20, period=1.0) as desk:
        people = [
            Person(emu.user(2000 + i, first_name=f"User{i}", language_code="en")) for i in range(50)
        ]
        names = [f"Applicant {chr(65 + i % 26)}{chr(65 + i // 26)} Test" for i in range(50)]
        answers = [{**ENGLISH_ANSWERS, "full_name": name} for name in names]
        references = await asyncio.gather(
            *(submit(p, a) for p, a in zip(people, answers, strict=True))
        )
        await desk.dispatcher.idle(timeout=60)
        cards = [m for m in desk.group.messages if m.buttons and "TWS-" in m.text]
        shown = [next(r for r in references if r in card.text) for card in cards]
        assert shown == sorted(references)  # every card, once, in the order submitted
        assert len(set(shown)) == 50
        assert len([t for t in desk.group.topics.values() if not t.deleted]) == 50
        assert emu.limit_violations_in(STAFF_CHAT) == 0
        pending = await desk.rows("SELECT COUNT(*) FROM outbox WHERE state <> 'sent'")
        assert pending == [(0,)]
