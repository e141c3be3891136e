"""copyMessage between a private chat and a forum topic, both ways, and editing copies."""

from __future__ import annotations

import pytest
from telegram import Bot, MessageEntity, MessageId, ReplyParameters
from telegram.error import BadRequest

from emulator import BotApiEmulator

FORUM = -1001234567890


async def test_private_to_topic_and_back(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Sara")
    staff = emu.user(2001, first_name="Huda")
    group = emu.group(FORUM, "Staff", is_forum=True)
    tid = (await bot.create_forum_topic(FORUM, "Sara #1001")).message_thread_id
    header = await bot.send_message(FORUM, "case header", message_thread_id=tid)

    text = await user.send_text("/help I lost my card")
    photo = await user.send_photo(caption="my id card")
    doc = await user.send_document(file_name="report.pdf", caption="report")
    voice = await user.send_voice(duration=4)
    ids: list[MessageId] = []
    for source in (text, photo, doc, voice):
        ids.append(
            await bot.copy_message(
                FORUM,
                1001,
                source["message_id"],
                message_thread_id=tid,
                reply_parameters=ReplyParameters(header.message_id),
            )
        )
    assert all(isinstance(i, MessageId) for i in ids)
    copies = group.topic_messages(tid)[1:]
    assert [c.message_id for c in copies] == [i.message_id for i in ids]
    assert all(c.method == "copyMessage" and c["from"]["is_bot"] for c in copies)
    assert all(c.message_thread_id == tid and c.is_topic_message for c in copies)
    assert all(c["reply_to_message"]["message_id"] == header.message_id for c in copies)
    assert all("forward_origin" not in c.data and "forward_from" not in c.data for c in copies)
    t, p, d, v = copies
    assert t["text"] == "/help I lost my card" and t["entities"] == text["entities"]
    assert p["photo"] == photo["photo"] and p["caption"] == "my id card"
    assert d["document"]["file_name"] == "report.pdf" and d["caption"] == "report"
    assert v["voice"] == voice["voice"]
    got = await group.wait_for_message(message_thread_id=tid, timeout=0.1)
    assert got.text == "case header"
    assert (await group.wait_for_message(message_thread_id=tid, timeout=0.1)) is t

    # copies are the bot's messages: editable
    edited = await bot.edit_message_text("[Sara] /help I lost my card", FORUM, t.message_id)
    assert edited.text.startswith("[Sara]") and t.text.startswith("[Sara]")
    edited = await bot.edit_message_caption(FORUM, p.message_id, caption="id card (seen)")
    assert edited.caption == "id card (seen)" and p.history[0]["caption"] == "my id card"

    # a staff answer in the topic goes back to the user, with a new caption and a reply
    answer = await group.send(
        staff, "document", message_thread_id=tid, file_name="form.pdf", caption="fill this"
    )
    mine = await user.send_text("ok")
    back = await bot.copy_message(
        1001,
        FORUM,
        answer["message_id"],
        caption="<b>form</b> from staff",
        parse_mode="HTML",
        reply_to_message_id=mine["message_id"],
    )
    received = await user.wait_for_message(timeout=0.1)
    assert received.message_id == back.message_id and received.method == "copyMessage"
    assert received["document"]["file_name"] == "form.pdf"
    assert received.text == "form from staff"
    assert received["caption_entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert received.message_thread_id is None and "is_topic_message" not in received.data
    assert received["reply_to_message"]["text"] == "ok"
    assert received["chat"]["id"] == 1001 and "forward_origin" not in received.data
    staff_text = await group.send_text(staff, "we will call you", message_thread_id=tid)
    plain = await bot.copy_message(1001, FORUM, staff_text["message_id"])
    assert user.messages[-1].message_id == plain.message_id
    assert user.messages[-1].text == "we will call you"
    await bot.edit_message_text("we will call you today", 1001, plain.message_id)
    assert user.messages[-1].history[0]["text"] == "we will call you"


async def test_copy_caption_override_and_errors(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    group = emu.group(-100600, "Staff")
    photo = await user.send_photo(caption="keep?")
    no_caption = await bot.copy_message(group.chat_id, 1001, photo["message_id"], caption="")
    assert "caption" not in group.messages[-1].data
    assert group.messages[-1].message_id == no_caption.message_id
    entities = [MessageEntity("italic", 0, 3)]
    await bot.copy_message(
        group.chat_id, 1001, photo["message_id"], caption="new", caption_entities=entities
    )
    assert group.messages[-1]["caption_entities"] == [{"type": "italic", "offset": 0, "length": 3}]
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(group.chat_id, 1001, 999)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.copy_message(group.chat_id, 1001, photo["message_id"], reply_to_message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.copy_message(-100999, 1001, photo["message_id"])
