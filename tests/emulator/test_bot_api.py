"""A real telegram.Bot against the emulator: messages, edits, files, topics, errors."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden

from emulator import BotApiEmulator

from .conftest import TOKEN

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"
    + b"payload" * 10
)


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def test_get_me_and_token_recorded(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "tawasul_test_bot"
    assert bot.username == "tawasul_test_bot"
    assert TOKEN in emu.state.tokens
    assert emu.requests_log[0].method == "getMe"


async def test_send_text_and_user_reads_it(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Sara", language_code="ar")
    sent = await bot.send_message(
        1001,
        "مرحبا <b>سارة</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("نعم", "yes"), ("لا", "no")),
    )
    assert sent.message_id == 1 and sent.chat.id == 1001 and sent.from_user.is_bot
    assert sent.text == "مرحبا سارة"
    assert sent.entities[0].type == "bold" and sent.entities[0].offset == 6
    msg = await user.wait_for_message(timeout=1)
    assert msg.text == "مرحبا سارة" and msg.button_labels == ["نعم", "لا"]
    assert msg.callback_data("لا") == "no"
    second = await bot.send_message(1001, "two")
    assert second.message_id == 2
    assert [m.text for m in user.messages] == ["مرحبا سارة", "two"]
    assert emu.bot_messages(1001)[1].received_at >= msg.received_at


async def test_updates_via_get_updates_and_offset(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Sara")
    await user.send_text("hello")
    await user.send_command("/start ref42")
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates] == ["hello", "/start ref42"]
    assert updates[1].message.entities[0].type == "bot_command"
    assert updates[0].message.from_user.language_code == "ar"
    again = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert again == ()
    assert emu.update_created_at(updates[0].update_id) is not None


async def test_a_newer_get_updates_ends_a_pending_long_poll_with_409(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """Two instances polling with one token: Telegram ends the older long poll."""
    async with Bot(TOKEN, base_url=emu.base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        for _ in range(500):
            if any(r.method == "getUpdates" for r in emu.requests_log):
                break
            await asyncio.sleep(0.01)
        user = emu.user(1001)
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        await user.send_text("hello")
        (update,) = await second  # the newer poll is served
        assert update.message.text == "hello"
    assert emu.poll_conflicts == 1


async def test_press_and_answer_callback(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    await bot.send_message(1001, "choose", reply_markup=keyboard(("A", "pick:a")))
    msg = await user.wait_for_message()
    qid = await user.press(msg, "pick:a")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query.id == qid and query.data == "pick:a" and query.message.message_id == msg.message_id
    await query.answer("done", show_alert=True)
    answer = await user.wait_for_callback_answer(qid, timeout=1)
    assert answer["text"] == "done" and answer["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("twice")


async def test_edit_text_markup_and_not_modified(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    sent = await bot.send_message(1001, "v1", reply_markup=keyboard(("x", "x")))
    edited = await bot.edit_message_text(
        "v2", 1001, sent.message_id, reply_markup=keyboard(("x", "x"))
    )
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("v2", 1001, sent.message_id, reply_markup=keyboard(("x", "x")))
    await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=None)
    (record,) = user.messages
    assert record.text == "v2" and record.buttons == []
    assert [h.get("text") for h in record.history] == ["v1", "v2"]
    assert await bot.delete_message(1001, sent.message_id)
    assert user.messages == [] and user.all_messages[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("v3", 1001, sent.message_id)


async def test_validation_errors(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hi")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1001, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(1001, "hi", reply_markup=keyboard(("b", "d" * 65)))
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1001, "<name>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(1001, "1.5", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(1001, " ")


async def test_blocked_user_is_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    user.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "hi")
    (update,) = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"
    user.unblock()
    assert (await bot.send_message(1001, "back")).text == "back"


async def test_photo_and_document_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    photo_msg = await bot.send_photo(1001, PNG, caption="صورة")
    assert photo_msg.photo[-1].width == 2 and photo_msg.photo[-1].height == 3
    file = await bot.get_file(photo_msg.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == PNG
    doc_msg = await bot.send_document(1001, b"%PDF-1.4 hello", filename="report.pdf")
    assert doc_msg.document.file_name == "report.pdf"
    doc_file = await doc_msg.document.get_file()
    assert bytes(await doc_file.download_as_bytearray()) == b"%PDF-1.4 hello"
    again = await bot.send_document(1001, doc_msg.document.file_id)
    assert again.document.file_id == doc_msg.document.file_id
    voice = await bot.send_voice(1001, b"OggS....")
    assert voice.voice.mime_type == "audio/ogg"
    assert [m.method for m in user.messages] == [
        "sendPhoto",
        "sendDocument",
        "sendDocument",
        "sendVoice",
    ]
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(1001, "no-such-file-id")


async def test_user_files_downloadable_and_big_file_refused(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001)
    await user.send_document(file_name="a.pdf", content=b"%PDF user bytes")
    await user.send_document(file_name="big.pdf", size=25 * 1024 * 1024)
    await user.send_photo(size=1000, width=640, height=480)
    small, big, photo = await bot.get_updates()
    file = await small.message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF user bytes"
    assert big.message.document.file_size == 25 * 1024 * 1024
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await big.message.document.get_file()
    assert photo.message.photo[-1].width == 640


async def test_media_group(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    msgs = await bot.send_media_group(
        1001, [InputMediaPhoto(PNG, caption="one"), InputMediaPhoto(PNG + b"2")]
    )
    assert len(msgs) == 2 and msgs[0].media_group_id == msgs[1].media_group_id
    assert msgs[0].caption == "one" and msgs[1].caption is None
    file = await msgs[1].photo[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == PNG + b"2"


async def test_forum_topics(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.group(-1001234567890, title="Staff", is_forum=True)
    staff = emu.user(2001, first_name="Huda")
    topic = await bot.create_forum_topic(group.chat_id, "سارة #1001")
    assert group.topics[topic.message_thread_id].name == "سارة #1001"
    msg = await bot.send_message(group.chat_id, "case", message_thread_id=topic.message_thread_id)
    assert msg.is_topic_message and msg.message_thread_id == topic.message_thread_id
    got = await group.wait_for_message(message_thread_id=topic.message_thread_id)
    assert got.text == "case"
    await group.send_text(staff, "reply from staff", message_thread_id=topic.message_thread_id)
    (update,) = await bot.get_updates()
    assert update.message.message_thread_id == topic.message_thread_id
    assert update.message.reply_to_message.forum_topic_created.name == "سارة #1001"
    assert await bot.edit_forum_topic(group.chat_id, topic.message_thread_id, name="renamed")
    assert await bot.delete_forum_topic(group.chat_id, topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(group.chat_id, "x", message_thread_id=topic.message_thread_id)
    plain = emu.group(-100777, title="Plain")
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(plain.chat_id, "t")


async def test_copy_and_forward(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(1001, first_name="Sara")
    group = emu.group(-1001234567890, title="Staff")
    sent = await user.send_photo(caption="my id card")
    copied = await bot.copy_message(group.chat_id, 1001, sent["message_id"])
    copy = group.messages[0]
    assert copy.message_id == copied.message_id and copy["caption"] == "my id card"
    assert copy["photo"] == sent["photo"] and "forward_origin" not in copy.data
    fwd = await bot.forward_message(group.chat_id, 1001, sent["message_id"])
    assert fwd.forward_origin.sender_user.id == 1001
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(group.chat_id, 1001, 999)


async def test_commands_and_misc(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001)
    assert await bot.set_my_commands([("start", "ابدأ"), ("help", "مساعدة")], language_code="ar")
    cmds = await bot.get_my_commands(language_code="ar")
    assert [c.command for c in cmds] == ["start", "help"]
    assert await bot.get_my_commands() == ()
    assert await bot.delete_my_commands(language_code="ar")
    assert await bot.get_my_commands(language_code="ar") == ()
    assert await bot.send_chat_action(1001, "typing")
    assert emu.state.chat_actions == [(1001, "typing")]
    assert await bot.close() and await bot.log_out()


async def test_unknown_method_is_404(emu: BotApiEmulator, bot: Bot) -> None:
    from telegram.error import EndPointNotFound

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert emu.requests_log[-1].method == "noSuchMethod"
