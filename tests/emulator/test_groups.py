"""Ordinary groups: replies, the bot joining and leaving, members editing their messages."""

from __future__ import annotations

import pytest
from telegram import Bot, ChatMemberAdministrator, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from emulator import BotApiEmulator

from .conftest import fetch

SUPER = -1009876
BASIC = -4321


async def test_reply_in_a_supergroup_carries_the_replied_message(
    emu: BotApiEmulator, bot: Bot
) -> None:
    group = emu.group(SUPER, "Staff")
    staff = emu.user(2001, first_name="Huda")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    case = await bot.send_message(SUPER, "case #7: <b>Sara</b>", "HTML", reply_markup=markup)
    first = await group.send_text(staff, "on it", reply_to_message_id=case.message_id)
    await group.send_text(staff, "done", reply_to_message_id=first["message_id"])
    await group.send_text(staff, "unrelated")
    reply, chained, plain = (u.message for u in await fetch(bot))
    replied = reply.reply_to_message
    assert replied.message_id == case.message_id and replied.from_user.is_bot
    assert replied.text == "case #7: Sara" and replied.entities[0].type == "bold"
    assert replied.reply_markup.inline_keyboard[0][0].callback_data == "ok"
    assert replied.chat.id == SUPER and replied.reply_to_message is None
    # Telegram: a reply chain in a supergroup is a thread named after its first message
    assert reply.message_thread_id == case.message_id and not reply.is_topic_message
    assert chained.message_thread_id == case.message_id
    assert (
        chained.reply_to_message.text == "on it" and chained.reply_to_message.from_user.id == 2001
    )
    assert plain.message_thread_id is None and plain.reply_to_message is None
    # PTB does not pass such a thread id back, so the bot's answer works...
    answer = await reply.reply_text("thanks")
    assert answer.reply_to_message.message_id == reply.message_id
    # ...while passing it explicitly fails, as in Telegram
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(SUPER, "x", message_thread_id=reply.message_thread_id)
    with pytest.raises(ValueError, match="not a forum"):
        await group.send_text(staff, "x", message_thread_id=5)


async def test_reply_in_a_basic_group_and_private_chat(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(BASIC, "Small")
    user = emu.user(1001)
    staff = emu.user(2001)
    sent = await bot.send_message(BASIC, "hello group")
    await group.send_text(staff, "hi bot", reply_to_message_id=sent.message_id)
    private = await bot.send_message(1001, "hello user")
    await user.send_text("hi", reply_to=private.message_id)
    in_group, in_private = (u.message for u in await fetch(bot))
    assert in_group.chat.type == "group" and in_group.message_thread_id is None
    assert in_group.reply_to_message.text == "hello group"
    assert in_private.reply_to_message.text == "hello user"
    assert in_private.message_thread_id is None
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(1001, "x", message_thread_id=3)


async def test_bot_added_to_a_group_and_removed(emu: BotApiEmulator, bot: Bot) -> None:
    staff = emu.user(2001, first_name="Huda")
    group = emu.group(SUPER, "Staff", bot_status="left")
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the supergroup chat"):
        await bot.send_message(SUPER, "too early")
    group.add_bot(by=staff)
    joined, announced = await fetch(bot)
    change = joined.my_chat_member
    assert change.chat.id == SUPER and change.chat.type == "supergroup"
    assert change.chat.title == "Staff" and change.from_user.id == 2001
    assert change.old_chat_member.status == "left"
    assert change.new_chat_member.status == "member" and change.new_chat_member.user.is_bot
    assert announced.message.new_chat_members[0].id == bot.id
    assert announced.message.from_user.id == 2001
    assert (await bot.send_message(SUPER, "hello")).text == "hello"
    group.remove_bot(by=staff)
    (removed,) = await fetch(bot)
    assert removed.my_chat_member.old_chat_member.status == "member"
    assert removed.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the supergroup chat"):
        await bot.send_message(SUPER, "gone")

    forum = emu.group(-100555, "Forum", is_forum=True, bot_status="left")
    forum.add_bot(staff, status="administrator", announce=False)
    (promoted,) = await fetch(bot)
    admin = promoted.my_chat_member.new_chat_member
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_manage_topics
    assert (await bot.create_forum_topic(forum.chat_id, "works")).name == "works"
    basic = emu.group(BASIC, "Small")
    basic.remove_bot(staff, kicked=False)
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await bot.send_message(BASIC, "x")
    with pytest.raises(ValueError, match="status"):
        basic.add_bot(staff, status="creator")


async def test_members_edit_text_and_captions(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(-100321, "Forum", is_forum=True)
    staff = emu.user(2001, first_name="Huda")
    tid = (await bot.create_forum_topic(group.chat_id, "t")).message_thread_id
    msg = await group.send_text(staff, "/note first", message_thread_id=tid)
    photo = await group.send(staff, "photo", message_thread_id=tid, caption="old caption")
    await group.edit_text(msg, "second")  # before the bot fetched the original
    await group.edit_caption(photo, "new caption")
    await group.edit_text(photo["message_id"], "newer caption")
    original, photo_update, edited, cap1, cap2 = await fetch(bot)
    assert original.message.text == "/note first" and original.message.entities
    assert photo_update.message.caption == "old caption"
    e = edited.edited_message
    assert e.text == "second" and e.entities == () and e.edit_date is not None
    assert e.message_thread_id == tid and e.is_topic_message
    assert e.from_user.id == 2001 and e.chat.id == group.chat_id
    assert e.message_id == msg["message_id"]
    assert cap1.edited_message.caption == "new caption" and cap1.edited_message.photo
    assert cap2.edited_message.caption == "newer caption"
    assert cap2.edited_message.message_thread_id == tid
    with pytest.raises(ValueError, match="no caption"):
        await group.edit_caption(msg, "x")
    with pytest.raises(ValueError, match="not modified"):
        await group.edit_text(msg, "second")
    bot_msg = await bot.send_message(group.chat_id, "bot text")
    with pytest.raises(ValueError, match="the bot's"):
        await group.edit_text(bot_msg.message_id, "hijack")


async def test_user_edits_in_private_chat(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Sara")
    text = await user.send_text("typo")
    doc = await user.send_document(caption="my id")
    await user.edit_text(text, "fixed")
    await user.edit_caption(doc, "my national id")
    _, _, edited, caption = await fetch(bot)
    assert edited.edited_message.text == "fixed" and edited.edited_message.chat.id == 1001
    assert edited.edited_message.from_user.first_name == "Sara"
    assert caption.edited_message.caption == "my national id"
    assert caption.edited_message.document.file_name == "file.pdf"


async def test_members_leaving_and_added_back_reach_an_administrator_bot_that_asks(
    emu: BotApiEmulator, bot: Bot
) -> None:
    group = emu.group(SUPER, "Staff")
    reem, huda = emu.user(2001, first_name="Reem"), emu.user(2002, first_name="Huda")
    group.remove_member(huda)
    # Telegram leaves chat_member out unless allowed_updates names it.
    (left,) = await fetch(bot)
    assert left.message.left_chat_member.id == 2002 and left.message.from_user.id == 2002
    group.remove_member(huda, by=reem, kicked=True, announce=False)
    group.add_member(huda, by=reem)
    kicked, added, announced = await bot.get_updates(
        timeout=0, allowed_updates=["message", "chat_member"]
    )
    change = kicked.chat_member
    assert change.chat.id == SUPER and change.from_user.id == 2001
    assert change.old_chat_member.status == "member" and change.old_chat_member.user.id == 2002
    assert change.new_chat_member.status == "kicked"
    assert added.chat_member.old_chat_member.status == "left"
    assert added.chat_member.new_chat_member.status == "member"
    assert announced.message.new_chat_members[0].id == 2002
    # Only an administrator bot hears about other members.
    basic = emu.group(BASIC, "Small", bot_status="member")
    await bot.get_updates(offset=announced.update_id + 1, timeout=0)
    basic.remove_member(huda, announce=False)
    assert await bot.get_updates(timeout=0) == ()
