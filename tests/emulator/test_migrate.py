"""A basic group upgraded to a supergroup: the old chat id answers ChatMigrated, as Telegram."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import ChatMigrated

from emulator import BotApiEmulator

from .conftest import TOKEN, fetch

OLD = -4321
NEW = -1004321
MIGRATED: dict[str, Any] = {
    "ok": False,
    "error_code": 400,
    "description": "Bad Request: group chat was upgraded to a supergroup chat",
    "parameters": {"migrate_to_chat_id": NEW},
}


async def _call(
    http: aiohttp.ClientSession, emu: BotApiEmulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emu.base_url}{TOKEN}/{method}", json=params) as resp:
        return resp.status, await resp.json()


async def test_every_call_to_the_old_id_answers_migrated_over_http(emu: BotApiEmulator) -> None:
    group = emu.group(OLD, "Staff")
    staff = emu.user(2001, first_name="Huda")
    emu.user(1001)
    async with aiohttp.ClientSession() as http:
        status, body = await _call(http, emu, "sendMessage", chat_id=OLD, text="before")
        assert status == 200
        before = body["result"]["message_id"]
        _, body = await _call(http, emu, "sendMessage", chat_id=1001, text="to copy")
        private_mid = body["result"]["message_id"]

        new = group.migrate_to(NEW, by=staff)

        calls: list[tuple[str, dict[str, Any]]] = [
            ("sendMessage", {"chat_id": OLD, "text": "lost"}),
            ("sendMessage", {"chat_id": str(OLD), "text": "lost"}),
            ("copyMessage", {"chat_id": OLD, "from_chat_id": 1001, "message_id": private_mid}),
            ("forwardMessage", {"chat_id": NEW, "from_chat_id": OLD, "message_id": before}),
            ("sendPhoto", {"chat_id": OLD, "photo": "no-such-file-id"}),
            ("editMessageText", {"chat_id": OLD, "message_id": before, "text": "edited"}),
            ("deleteMessage", {"chat_id": OLD, "message_id": before}),
            ("createForumTopic", {"chat_id": OLD, "name": "topic"}),
            ("sendChatAction", {"chat_id": OLD, "action": "typing"}),
        ]
        for method, params in calls:
            assert await _call(http, emu, method, **params) == (400, MIGRATED), method

        # nothing was done in the old chat
        (kept,) = group.all_messages
        assert kept.text == "before" and not kept.deleted and kept.history == []
        assert emu.bot_messages(NEW) == [] and emu.state.chat_actions == []

        # the new id is an ordinary supergroup where the bot is still an administrator
        status, body = await _call(http, emu, "sendMessage", chat_id=NEW, text="after")
        assert status == 200
        result = body["result"]
        assert result["chat"] == {"id": NEW, "type": "supergroup", "title": "Staff"}
        assert result["message_id"] == 2  # 1 is the migrate_from_chat_id service message
        assert [m.text for m in new.messages] == ["after"]
        assert emu.group(NEW) is new and group.migrated_to is new
        assert new.chat.bot_status == "administrator" and not new.chat.is_forum

        # the service messages, in Telegram's order and shape
        _, body = await _call(http, emu, "getUpdates")
        to_msg, from_msg = (u["message"] for u in body["result"])
        assert to_msg["chat"]["id"] == OLD and to_msg["migrate_to_chat_id"] == NEW
        assert to_msg["from"]["id"] == 2001 and "sender_chat" not in to_msg
        assert from_msg["chat"]["id"] == NEW and from_msg["migrate_from_chat_id"] == OLD
        assert from_msg["message_id"] == 1 and from_msg["sender_chat"]["id"] == NEW
        assert from_msg["from"]["username"] == "GroupAnonymousBot"


async def test_ptb_send_message_to_the_old_id_raises_chat_migrated(
    emu: BotApiEmulator, bot: Bot
) -> None:
    group = emu.group(OLD, "Staff", bot_status="member")
    staff = emu.user(2001, first_name="Huda")
    await bot.send_message(OLD, "case #1")
    new = group.migrate_to(NEW)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(OLD, "case #2")
    assert caught.value.new_chat_id == NEW
    assert [m.text for m in group.messages] == ["case #1"]

    sent = await bot.send_message(caught.value.new_chat_id, "case #2")
    assert sent.chat.id == NEW and sent.chat.type == "supergroup"
    assert (await new.wait_for_message(timeout=1)).text == "case #2"

    old_service, new_service = (u.message for u in await fetch(bot))
    assert old_service.migrate_to_chat_id == NEW and old_service.from_user.id == 777000
    assert new_service.migrate_from_chat_id == OLD and new_service.sender_chat.id == NEW

    # members carry over: they talk in the new chat, the old one is closed to them
    await new.send_text(staff, "hi")
    (update,) = await fetch(bot)
    assert update.message.chat.id == NEW and update.message.from_user.id == 2001
    with pytest.raises(ValueError, match="upgraded"):
        await group.send_text(staff, "hi")
    assert new.chat.bot_status == "member"


async def test_migrate_rules_and_a_bot_outside_the_group(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(ValueError, match="not a basic group"):
        emu.group(-1009876, "Super").migrate_to(-1009877)
    group = emu.group(OLD, "Small", bot_status="left")
    with pytest.raises(ValueError, match="starts with -100"):
        group.migrate_to(-4322)
    with pytest.raises(ValueError, match="already exists"):
        group.migrate_to(-1009876)
    group.migrate_to(NEW)
    with pytest.raises(ValueError, match="upgraded"):
        group.migrate_to(-1009999)
    assert await fetch(bot) == ()  # the bot was not in the group: it hears nothing
    with pytest.raises(ChatMigrated):  # ...yet Telegram names the new chat first
        await bot.send_message(OLD, "x")


async def test_migrate_over_the_user_side_http_api(emu: BotApiEmulator, bot: Bot) -> None:
    async with aiohttp.ClientSession(emu.url) as http:
        async with http.post("/_emu/groups/-4321", json={"title": "Small"}) as resp:
            assert resp.status == 200
        async with http.post(
            "/_emu/groups/-4321/migrate", json={"new_chat_id": NEW, "from": 2001}
        ) as resp:
            body = await resp.json()
        assert body["chat"] == {"id": NEW, "type": "supergroup", "title": "Small"}
        async with http.post("/_emu/groups/-4321/migrate", json={"new_chat_id": -1001}) as resp:
            assert resp.status == 400
    with pytest.raises(ChatMigrated):
        await bot.send_message(OLD, "x")
    assert (await bot.send_message(NEW, "y")).chat.id == NEW
