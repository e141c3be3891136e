"""A user who blocked the bot: every send or edit to their chat answers 403."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from telegram import Bot, InputMediaDocument, InputMediaPhoto
from telegram.error import Forbidden

from emulator import BotApiEmulator

from .conftest import fetch

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


async def test_every_send_and_edit_to_a_blocked_user_is_forbidden(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.user(1001, first_name="Sara")
    staff = emu.user(2001, first_name="Huda")
    group = emu.group(-100500, "Staff", is_forum=True)
    text = await bot.send_message(1001, "before")
    photo = await bot.send_photo(1001, PNG, caption="c")
    staff_msg = await group.send_text(staff, "a reply for Sara")
    own = await user.send_text("mine")
    user.block()
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: bot.send_message(1001, "hi"),
        lambda: bot.send_photo(1001, PNG),
        lambda: bot.send_document(1001, b"%PDF", filename="a.pdf"),
        lambda: bot.send_voice(1001, b"OggS"),
        lambda: bot.send_media_group(1001, [InputMediaPhoto(PNG), InputMediaPhoto(PNG)]),
        lambda: bot.send_media_group(
            1001, [InputMediaDocument(b"1", filename="1"), InputMediaDocument(b"2", filename="2")]
        ),
        lambda: bot.copy_message(1001, group.chat_id, staff_msg["message_id"]),
        lambda: bot.forward_message(1001, group.chat_id, staff_msg["message_id"]),
        lambda: bot.edit_message_text("after", 1001, text.message_id),
        lambda: bot.edit_message_caption(1001, photo.message_id, caption="after"),
        lambda: bot.edit_message_reply_markup(1001, text.message_id, reply_markup=None),
        lambda: bot.send_chat_action(1001, "typing"),
    ]
    for call in calls:
        with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
            await call()
    assert [m.text for m in user.messages] == ["before", "c"]
    # the blocked user's own messages can still be copied elsewhere
    assert await bot.copy_message(group.chat_id, 1001, own["message_id"])
    updates = await fetch(bot)
    member = updates[-1].my_chat_member
    assert member.old_chat_member.status == "member"
    assert member.new_chat_member.status == "kicked" and member.chat.id == 1001
    user.unblock()
    assert (await bot.send_message(1001, "back")).text == "back"
