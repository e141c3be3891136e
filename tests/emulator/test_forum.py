"""Forum supergroups: topic messages, General, member-side topic actions, waits per topic."""

from __future__ import annotations

import pytest
from telegram import Bot, InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest

from emulator import BotApiEmulator, WaitTimeout

from .conftest import fetch

FORUM = -1001234567890


async def test_member_messages_in_topics_and_general(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(FORUM, "Staff", is_forum=True)
    staff = emu.user(2001, first_name="Huda")
    topic = await bot.create_forum_topic(FORUM, "Sara #1001")
    tid = topic.message_thread_id
    case = await bot.send_message(FORUM, "new case", message_thread_id=tid)
    await group.send_text(staff, "in the topic", message_thread_id=tid)
    await group.send_text(staff, "in General")
    await group.send_text(staff, "also General", message_thread_id=1)
    await group.send_text(staff, "reply to the case", reply_to_message_id=case.message_id)
    in_topic, general, general_1, reply = (u.message for u in await fetch(bot))
    assert in_topic.message_thread_id == tid and in_topic.is_topic_message
    assert in_topic.reply_to_message.forum_topic_created.name == "Sara #1001"
    assert in_topic.reply_to_message.message_id == tid
    assert in_topic.from_user.id == 2001 and in_topic.chat.is_forum
    for msg in (general, general_1):
        assert msg.message_thread_id is None and not msg.is_topic_message
        assert msg.reply_to_message is None
    # a reply to a message in a topic lands in that topic
    assert reply.message_thread_id == tid and reply.is_topic_message
    assert reply.reply_to_message.message_id == case.message_id
    assert reply.reply_to_message.text == "new case" and reply.reply_to_message.from_user.is_bot
    # PTB's reply_text answers in the topic
    answer = await reply.reply_text("got it")
    assert answer.message_thread_id == tid and answer.is_topic_message
    with pytest.raises(ValueError, match="no live topic"):
        await group.send_text(staff, "x", message_thread_id=999)


async def test_bot_messages_in_topics(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(FORUM, "Staff", is_forum=True)
    staff = emu.user(2001)
    topic = await bot.create_forum_topic(FORUM, "t")
    tid = topic.message_thread_id
    sent = await bot.send_message(FORUM, "hello", message_thread_id=tid)
    assert sent.message_thread_id == tid and sent.is_topic_message
    assert sent.reply_to_message.forum_topic_created.name == "t"
    record = group.last_message
    assert record is not None and record.message_thread_id == tid and record.is_topic_message
    general = await bot.send_message(FORUM, "to everyone")
    assert general.message_thread_id is None
    assert group.messages[-1].message_thread_id is None
    with pytest.raises(BadRequest, match=r"^Message thread not found$"):
        await bot.send_message(FORUM, "General by id", message_thread_id=1)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(FORUM, "no such topic", message_thread_id=12345)
    # a bot reply to a topic message without message_thread_id lands in the topic
    member = await group.send_text(staff, "question", message_thread_id=tid)
    reply = await bot.send_message(
        FORUM, "answer", reply_parameters={"message_id": member["message_id"]}
    )
    assert reply.message_thread_id == tid and reply.reply_to_message.text == "question"
    assert [m.text for m in group.topic_messages(tid)] == ["hello", "answer"]
    assert [m.text for m in group.topic_messages(1)] == ["to everyone"]


async def test_member_deletes_topic(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(FORUM, "Staff", is_forum=True)
    topic = await bot.create_forum_topic(FORUM, "to delete")
    tid = topic.message_thread_id
    sent = await bot.send_message(FORUM, "inside", message_thread_id=tid)
    kept = await bot.send_message(FORUM, "General")
    group.delete_topic(tid)
    assert group.topics[tid].deleted and group.topic_by_name("to delete") is None
    assert [m.text for m in group.messages] == ["General"]
    assert group.all_messages[0].deleted
    assert await fetch(bot) == ()  # Telegram does not tell the bot
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(FORUM, "x", message_thread_id=tid)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_document(FORUM, b"%PDF", filename="a.pdf", message_thread_id=tid)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.copy_message(FORUM, FORUM, kept.message_id, message_thread_id=tid)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("y", FORUM, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.delete_forum_topic(FORUM, tid)
    with pytest.raises(ValueError, match="no live topic"):
        group.delete_topic(tid)


async def test_topic_rights_and_non_forum(emu: BotApiEmulator, bot: Bot) -> None:
    plain = emu.group(-100777, "Plain")
    with pytest.raises(BadRequest, match=r"^The chat is not a forum$"):
        await bot.create_forum_topic(plain.chat_id, "t")
    member_only = emu.group(-100888, "Forum", is_forum=True, bot_status="member")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to create a topic"):
        await bot.create_forum_topic(member_only.chat_id, "t")
    with pytest.raises(ValueError, match="not a forum"):
        plain.delete_topic(5)


async def test_member_creates_and_closes_topics(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(FORUM, "Staff", is_forum=True)
    staff = emu.user(2001)
    topic = await group.create_topic(staff, "by a member")
    assert group.topic_by_name("by a member") is topic
    await group.close_topic(staff, topic.message_thread_id)
    await group.reopen_topic(staff, topic.message_thread_id)
    created, closed, reopened = (u.message for u in await fetch(bot))
    assert created.forum_topic_created.name == "by a member"
    assert created.message_id == topic.message_thread_id == created.message_thread_id
    assert created.from_user.id == 2001 and created.is_topic_message
    assert closed.forum_topic_closed is not None and reopened.forum_topic_reopened is not None
    sent = await bot.send_message(FORUM, "bot here", message_thread_id=topic.message_thread_id)
    assert sent.reply_to_message.forum_topic_created.name == "by a member"


async def test_media_group_of_documents_in_a_topic(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(FORUM, "Staff", is_forum=True)
    tid = (await bot.create_forum_topic(FORUM, "files")).message_thread_id
    media = [
        InputMediaDocument(f"%PDF-{i}".encode(), filename=f"doc{i}.pdf", caption=f"c{i}")
        for i in range(4)
    ]
    msgs = await bot.send_media_group(FORUM, media, message_thread_id=tid)
    assert len(msgs) == 4 and len({m.media_group_id for m in msgs}) == 1
    assert all(m.message_thread_id == tid and m.is_topic_message for m in msgs)
    assert [m.document.file_name for m in msgs] == [f"doc{i}.pdf" for i in range(4)]
    assert [m.text for m in group.topic_messages(tid)] == ["c0", "c1", "c2", "c3"]
    file = await msgs[2].document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF-2"
    photos = await bot.send_media_group(
        FORUM, [InputMediaPhoto(b"\x89PNG1"), InputMediaPhoto(b"\x89PNG2")], message_thread_id=tid
    )
    assert photos[0].media_group_id == photos[1].media_group_id != msgs[0].media_group_id
    with pytest.raises(BadRequest, match=r"(?i)documents can be grouped"):
        await bot.send_media_group(
            FORUM, [InputMediaDocument(b"1", filename="a"), InputMediaPhoto(b"\x89PNG")]
        )
    with pytest.raises(BadRequest, match=r"(?i)wrong number of media"):
        await bot.send_media_group(FORUM, [InputMediaDocument(b"1", filename="a")] * 11)


async def test_waits_per_topic_are_independent(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(FORUM, "Staff", is_forum=True)
    a = (await bot.create_forum_topic(FORUM, "A")).message_thread_id
    b = (await bot.create_forum_topic(FORUM, "B")).message_thread_id
    await bot.send_message(FORUM, "a1", message_thread_id=a)
    await bot.send_message(FORUM, "b1", message_thread_id=b)
    await bot.send_message(FORUM, "general")
    await bot.send_message(FORUM, "a2", message_thread_id=a)
    assert (await group.wait_for_message(message_thread_id=b, timeout=0.1)).text == "b1"
    assert (await group.wait_for_message(message_thread_id=a, timeout=0.1)).text == "a1"
    assert (await group.wait_for_message(message_thread_id=1, timeout=0.1)).text == "general"
    # the unfiltered stream skips what thread waits consumed
    assert (await group.wait_for_message(timeout=0.1)).text == "a2"
    with pytest.raises(WaitTimeout, match=f"thread {a}"):
        await group.wait_for_message(message_thread_id=a, timeout=0.05)
    await bot.send_message(FORUM, "b2", message_thread_id=b)
    got = await group.wait_for_message(
        message_thread_id=b, predicate=lambda m: m.text.startswith("b"), timeout=1
    )
    assert got.text == "b2" and got.message_thread_id == b
