"""The web sandbox's JSON and event-stream API (emulator/web.py), without a browser."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from emulator import BotApiEmulator
from tests.emulator.conftest import fetch

DESK = -1004440000001


async def test_personas_act_through_the_emulator(emu: BotApiEmulator, bot: Bot) -> None:
    emu.sandbox.add_beneficiary(1001, "سارة", "ar")
    desk = emu.group(DESK, "Desk", is_forum=True)
    emu.sandbox.add_staff(7001, "Noura", desk, "Admin", language="en")
    async with aiohttp.ClientSession(emu.url) as http:
        async with http.get("/sandbox/api/personas") as resp:
            body = await resp.json()
        assert [(p["user_id"], p["kind"], p["chat_id"]) for p in body["personas"]] == [
            (1001, "beneficiary", 1001),
            (7001, "staff", DESK),
        ]
        assert body["chats"][str(DESK)]["is_forum"] is True

        async with http.post("/sandbox/api/personas/1001/send", json={"text": "/start"}) as resp:
            assert (await resp.json())["ok"]
        (update,) = await fetch(bot)
        assert update.message.text == "/start" and update.message.chat.id == 1001
        assert update.message.entities[0].type == "bot_command"

        topic = await bot.create_forum_topic(DESK, "Case")
        thread = topic.message_thread_id
        async with http.post(
            "/sandbox/api/personas/7001/send", json={"text": "mine", "thread": thread}
        ) as resp:
            assert (await resp.json())["ok"]
        (update,) = await fetch(bot)
        assert update.message.from_user.id == 7001 and update.message.message_thread_id == thread

        markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
        sent = await bot.send_message(DESK, "press", reply_markup=markup)

        async def press() -> dict[str, Any]:
            body = {"message_id": sent.message_id, "data": "ok"}
            async with http.post("/sandbox/api/personas/7001/press", json=body) as resp:
                answer: dict[str, Any] = (await resp.json())["answer"]
                return answer

        pressing = asyncio.create_task(press())  # answered once the bot answers the query
        (update,) = await bot.get_updates(timeout=5, offset=update.update_id + 1)
        await update.callback_query.answer("Done", show_alert=True)
        answer = await pressing
        assert answer["text"] == "Done" and answer["show_alert"] is True
        assert update.callback_query.from_user.id == 7001

        # The page's stream: everything so far in one event, the topic list with it.
        async with http.get("/sandbox/api/personas/7001/stream") as resp:
            line = await resp.content.readline()
            while not line.startswith(b"data: "):
                line = await resp.content.readline()
        batch = json.loads(line[len(b"data: ") :])
        assert [t["name"] for t in batch["topics"]] == ["Case"]
        assert [e["message"].get("text") for e in batch["events"] if e["kind"] == "user"] == [
            "mine"
        ]


async def test_bad_requests_get_a_plain_answer(emu: BotApiEmulator, bot: Bot) -> None:
    emu.sandbox.add_beneficiary(1001, "Sara", "en")
    emu.sandbox.add_beneficiary(1002, "Omar", "en")
    async with aiohttp.ClientSession(emu.url) as http:
        async with http.post("/sandbox/api/personas/9/send", json={"text": "hi"}) as resp:
            assert resp.status == 404
        async with http.post("/sandbox/api/personas/1001/send", json={"text": "  "}) as resp:
            assert resp.status == 400 and (await resp.json())["description"] == "empty message"
        async with http.post("/sandbox/api/personas/1001/send", data=b"{not json") as resp:
            assert resp.status == 400
        async with http.post(
            "/sandbox/api/personas/1001/press", json={"message_id": 99, "data": "x"}
        ) as resp:
            assert resp.status == 400
        async with http.post("/sandbox/api/personas/1001/press", json={}) as resp:
            assert resp.status == 400
        async with http.post("/sandbox/api/personas/1002/send", json={"text": "Omar's"}) as resp:
            omar = (await resp.json())["message"]
        # Sara cannot edit Omar's message, nor the bot's.
        async with http.post(
            "/sandbox/api/personas/1001/edit", json={"message_id": omar["message_id"], "text": "x"}
        ) as resp:
            assert resp.status == 400
        async with http.get("/sandbox/files/nope") as resp:
            assert resp.status == 404
        # Another site's page open in the same browser cannot act through the sandbox.
        evil = {"Origin": "https://example.org"}
        async with http.post(
            "/sandbox/api/personas/1001/send", json={"text": "hi"}, headers=evil
        ) as resp:
            assert resp.status == 403
        # Nor a site whose name was made to point here (DNS rebinding): its name is the Host.
        rebound = {"Host": f"evil.example:{emu.port}"}
        for method, path in (("POST", "send"), ("GET", "stream")):
            async with http.request(
                method, f"/sandbox/api/personas/1001/{path}", json={"text": "hi"}, headers=rebound
            ) as resp:
                assert resp.status == 403
        async with http.get("/sandbox/api/personas", headers=rebound) as resp:
            assert resp.status == 403
    assert len(await fetch(bot)) == 1  # only Omar's message reached the bot


async def test_an_upload_becomes_a_photo_or_a_document(emu: BotApiEmulator, bot: Bot) -> None:
    emu.sandbox.add_beneficiary(1001, "Sara", "en")
    png = b"\x89PNG\r\n\x1a\n" + bytes(40)
    async with aiohttp.ClientSession(emu.url) as http:
        form = aiohttp.FormData()
        form.add_field("file", png, filename="id.png", content_type="image/png")
        async with http.post("/sandbox/api/personas/1001/upload", data=form) as resp:
            photo = (await resp.json())["message"]["photo"][-1]
        form = aiohttp.FormData({"caption": "my report"})
        form.add_field("file", b"<script>", filename="r.html", content_type="text/html")
        async with http.post("/sandbox/api/personas/1001/upload", data=form) as resp:
            document = (await resp.json())["message"]
        async with http.get(f"/sandbox/files/{photo['file_id']}") as resp:
            assert resp.content_type == "image/png" and await resp.read() == png
        async with http.get(f"/sandbox/files/{document['document']['file_id']}") as resp:
            # A file is downloaded, never shown as a page of this site.
            assert resp.headers["Content-Disposition"].startswith("attachment")
            assert resp.headers["Content-Security-Policy"] == "sandbox"
    first, second = await fetch(bot)
    assert first.message.photo[-1].file_size == len(png)
    assert (
        await (await bot.get_file(first.message.photo[-1].file_id)).download_as_bytearray()
    ) == png
    assert second.message.document.file_name == "r.html" and second.message.caption == "my report"
