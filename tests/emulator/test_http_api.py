"""The /_emu HTTP user-side API, as a separate process (console, subprocess bot) uses it."""

from __future__ import annotations

import base64

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from emulator import BotApiEmulator


async def test_http_user_side_api(emu: BotApiEmulator, bot: Bot) -> None:
    async with aiohttp.ClientSession(emu.url) as http:
        async with http.post(
            "/_emu/users/1001/send", json={"text": "hi", "first_name": "Sara"}
        ) as resp:
            body = await resp.json()
        assert body["ok"] and body["message"]["from"]["first_name"] == "Sara"
        (update,) = await bot.get_updates()
        assert update.message.text == "hi"

        markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        sent = await bot.send_message(1001, "press", reply_markup=markup)
        async with http.get("/_emu/chats/1001/messages", params={"after": 0}) as resp:
            body = await resp.json()
        assert [m["message"]["text"] for m in body["messages"]] == ["press"]
        async with http.get("/_emu/chats/1001/events", params={"after": 1}) as resp:
            events = (await resp.json())["events"]
        assert events[0]["kind"] == "new" and events[0]["message"]["text"] == "press"

        async with http.post(
            "/_emu/users/1001/press", json={"message_id": sent.message_id, "data": "ok"}
        ) as resp:
            query_id = (await resp.json())["query_id"]
        (update,) = await bot.get_updates(offset=update.update_id + 1)
        await update.callback_query.answer("thanks")
        async with http.get(f"/_emu/callback_answers/{query_id}", params={"timeout": 1}) as resp:
            assert (await resp.json())["answer"]["text"] == "thanks"

        content = base64.b64encode(b"%PDF-1.4 over http").decode()
        async with http.post(
            "/_emu/users/1001/send",
            json={
                "kind": "document",
                "file_name": "x.pdf",
                "content_b64": content,
            },
        ) as resp:
            assert (await resp.json())["ok"]
        (update,) = await bot.get_updates(offset=update.update_id + 1)
        file = await update.message.document.get_file()
        assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 over http"

        async with http.post(
            "/_emu/groups/-100555", json={"title": "Staff", "is_forum": True}
        ) as resp:
            assert (await resp.json())["chat"]["is_forum"] is True
        topic = await bot.create_forum_topic(-100555, "case 1")
        async with http.post(
            "/_emu/groups/-100555/send",
            json={
                "from": 2001,
                "text": "staff reply",
                "message_thread_id": topic.message_thread_id,
            },
        ) as resp:
            assert (await resp.json())["ok"]
        (update,) = await bot.get_updates(offset=update.update_id + 1)
        assert update.message.message_thread_id == topic.message_thread_id

        async with http.post("/_emu/faults", json={"kind": "5xx", "method": "getMe"}) as resp:
            assert len((await resp.json())["rules"]) == 1
        async with http.post("/_emu/users/1001/block") as resp:
            assert (await resp.json())["ok"]
        assert emu.get_user(1001) is not None and emu.user(1001).chat.blocked
        async with http.post("/_emu/users/1001/press", json={"message_id": 999}) as resp:
            assert resp.status == 400
        async with http.get("/_emu/stats") as resp:
            stats = await resp.json()
        assert stats["requests"] == len(emu.requests_log) and stats["limit_violations"] == 0


async def test_http_group_membership_edits_and_topics(emu: BotApiEmulator, bot: Bot) -> None:
    async with aiohttp.ClientSession(emu.url) as http:
        async with http.post(
            "/_emu/groups/-100444", json={"title": "Staff", "is_forum": True, "bot_status": "left"}
        ) as resp:
            assert (await resp.json())["ok"]
        async with http.post(
            "/_emu/groups/-100444/add_bot", json={"from": 2001, "status": "administrator"}
        ) as resp:
            assert (await resp.json())["bot_status"] == "administrator"
        joined, _announced = await bot.get_updates()
        assert joined.my_chat_member.new_chat_member.status == "administrator"
        topic = await bot.create_forum_topic(-100444, "case")
        async with http.post(
            "/_emu/groups/-100444/send",
            json={"from": 2001, "text": "v1", "message_thread_id": topic.message_thread_id},
        ) as resp:
            sent = (await resp.json())["message"]
        async with http.post(
            "/_emu/groups/-100444/edit", json={"message_id": sent["message_id"], "text": "v2"}
        ) as resp:
            assert (await resp.json())["message"]["text"] == "v2"
        async with http.delete(f"/_emu/groups/-100444/topics/{topic.message_thread_id}") as resp:
            assert (await resp.json())["ok"]
        async with http.delete(f"/_emu/groups/-100444/topics/{topic.message_thread_id}") as resp:
            assert resp.status == 400
        async with http.post("/_emu/groups/-100444/remove_bot", json={"from": 2001}) as resp:
            assert (await resp.json())["bot_status"] == "kicked"
