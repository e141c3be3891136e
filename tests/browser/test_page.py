"""How the sandbox page shows what a bot does, driven here through the Bot API by hand:
formatting (and nothing else) from the bot's HTML, edits, deletions, reply keyboards,
callback answers, photos, documents and forum topics, each live."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page

from emulator import BotApiEmulator
from tests.browser.conftest import PageErrors, Shot
from tests.browser.screen import become, press, see

TOKEN = "123456:PAGE-TEST"
LINA, ALI, HOSTILE, DESK = 2001, 2002, 2003, -1005550000001
TRICK = "<img src=x onerror=alert(1)>"


class BotSide:
    """The bot's half, spoken over HTTP as a bot would."""

    def __init__(self, emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
        self.url = f"{emu.base_url}{TOKEN}/"
        self.http = http
        self.offset = 0

    async def call(self, method: str, **params: Any) -> Any:
        async with self.http.post(self.url + method, json=params) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    async def upload(self, method: str, field: str, name: str, data: bytes, **params: Any) -> Any:
        form = aiohttp.FormData({k: str(v) for k, v in params.items()})
        form.add_field(field, data, filename=name)
        async with self.http.post(self.url + method, data=form) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    async def next_update(self) -> dict[str, Any]:
        updates = await self.call("getUpdates", offset=self.offset, timeout=5)
        assert updates, "no update came"
        self.offset = updates[0]["update_id"] + 1
        update: dict[str, Any] = updates[0]
        return update


@pytest.fixture
async def world() -> AsyncIterator[tuple[BotApiEmulator, BotSide]]:
    async with BotApiEmulator() as emu, aiohttp.ClientSession() as http:
        emu.sandbox.add_beneficiary(LINA, "Lina", "en")
        emu.sandbox.add_beneficiary(HOSTILE, TRICK, "en")
        desk = emu.group(DESK, "Help desk", is_forum=True)
        emu.sandbox.add_staff(ALI, "Ali", desk, "Admin", language="en")
        yield emu, BotSide(emu, http)


def tiny_png() -> bytes:
    width, height = 120, 80
    raw = b"".join(b"\x00" + b"\x20\x90\xe0" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def test_a_private_chat_as_telegram_shows_it(
    world: tuple[BotApiEmulator, BotSide], page: tuple[Page, PageErrors], shot: Shot
) -> None:
    emu, bot = world
    screen, errors = page
    await screen.goto(f"{emu.sandbox_url}#persona={LINA}")
    await screen.wait_for_selector(f'[data-persona="{LINA}"].current')
    assert await screen.get_attribute("html", "dir") == "ltr"
    # A persona's name is text, whatever it contains.
    assert TRICK in await screen.inner_text("#switcher")
    assert await screen.locator("#switcher img").count() == 0

    html = (
        "<b>Bold</b> <i>it</i> <u>under</u> <s>struck</s> <code>x = 1</code> "
        '<a href="javascript:alert(1)">bad link</a> <a href="https://example.org/">good link</a> '
        "&lt;img src=x onerror=alert(1)&gt; <tg-spoiler>secret</tg-spoiler>\n"
        "<blockquote>quoted</blockquote>"
    )
    buttons = {"inline_keyboard": [[{"text": "Alert me", "callback_data": "alert"}]]}
    sent = await bot.call(
        "sendMessage", chat_id=LINA, text=html, parse_mode="HTML", reply_markup=buttons
    )
    await see(screen, "good link")
    bubble = screen.locator(f'#messages [data-id="{sent["message_id"]}"]')
    assert await bubble.locator("b").inner_text() == "Bold"
    assert await bubble.locator("i").inner_text() == "it"
    assert await bubble.locator("u").inner_text() == "under"
    assert await bubble.locator("s").inner_text() == "struck"
    assert await bubble.locator("code").inner_text() == "x = 1"
    assert await bubble.locator("blockquote").inner_text() == "quoted"
    assert await bubble.locator("a", has_text="bad link").get_attribute("href") is None
    good = bubble.locator("a", has_text="good link")
    assert await good.get_attribute("href") == "https://example.org/"
    assert TRICK in await bubble.inner_text()  # shown as typed, never as markup
    assert await screen.locator("#messages img").count() == 0
    spoiler = bubble.locator(".spoiler")
    assert await spoiler.get_attribute("class") == "spoiler"
    await spoiler.click()
    assert await spoiler.get_attribute("class") == "spoiler revealed"
    await shot("formatted")

    # A button whose answer is an alert: a dialog with the bot's text, as text.
    await press(screen, "Alert me")
    query = (await bot.next_update())["callback_query"]
    assert query["data"] == "alert" and query["from"]["id"] == LINA
    await bot.call(
        "answerCallbackQuery", callback_query_id=query["id"], text="Careful <b>", show_alert=True
    )
    await see(screen, "Careful <b>", "#alert")
    await shot("alert")
    await screen.click("#alert-ok")
    assert await screen.locator("#alert").is_hidden()

    # Edited and deleted by the bot, live.
    await bot.call("editMessageText", chat_id=LINA, message_id=sent["message_id"], text="Now plain")
    await see(screen, "Now plain")
    assert "edited" in await bubble.inner_text()
    assert "good link" not in await screen.inner_text("#messages")
    await bot.call("deleteMessage", chat_id=LINA, message_id=sent["message_id"])
    await bubble.wait_for(state="detached")

    # A reply keyboard: the location button shares a place; the keyboard is one-time.
    keyboard = {
        "keyboard": [[{"text": "📍 Share my location", "request_location": True}], ["Plain"]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    await bot.call("sendMessage", chat_id=LINA, text="Where are you?", reply_markup=keyboard)
    await see(screen, "Share my location", "#reply-keyboard")
    await shot("reply-keyboard")
    await screen.locator("#reply-keyboard .kbutton", has_text="Share my location").click()
    shared = (await bot.next_update())["message"]
    assert shared["location"] == {"latitude": 24.7136, "longitude": 46.6753}
    await see(screen, "📍")
    assert await screen.locator("#reply-keyboard").is_hidden()
    await screen.click("#keyboard-toggle")
    await see(screen, "Plain", "#reply-keyboard")

    # Pictures and documents from the bot.
    await bot.upload("sendPhoto", "photo", "chart.png", tiny_png(), chat_id=LINA, caption="Chart")
    await screen.wait_for_function(
        "() => [...document.querySelectorAll('#messages img.photo')]"
        ".some((i) => i.complete && i.naturalWidth === 120)"
    )
    await bot.upload("sendDocument", "document", "policy.pdf", b"%PDF-1.4\n", chat_id=LINA)
    document = screen.locator("#messages a.document", has_text="policy.pdf")
    await document.wait_for()
    assert await document.get_attribute("download") == "policy.pdf"
    await shot("media")

    # Lina edits her own message: an edited_message update for the bot.
    await screen.fill("#input", "helo")
    await screen.press("#input", "Enter")
    typo = (await bot.next_update())["message"]
    await screen.locator("#messages .bubble.out", has_text="helo").locator(".edit-own").click()
    await screen.fill("#input", "hello")
    await screen.press("#input", "Enter")
    edited = (await bot.next_update())["edited_message"]
    assert edited["message_id"] == typo["message_id"] and edited["text"] == "hello"
    await see(screen, "hello")
    assert not errors, errors


async def test_the_staff_group_with_its_topics(
    world: tuple[BotApiEmulator, BotSide], page: tuple[Page, PageErrors], shot: Shot
) -> None:
    emu, bot = world
    screen, errors = page
    await screen.goto(f"{emu.sandbox_url}#persona={LINA}")
    await become(screen, ALI)
    await see(screen, "General", "#topics")
    await see(screen, "Help desk", "#chat-title")

    # The bot opens a topic and writes in it: the list grows live, with an unread count.
    topic = await bot.call("createForumTopic", chat_id=DESK, name="Case 7 · Lina")
    thread = topic["message_thread_id"]
    await bot.call("sendMessage", chat_id=DESK, message_thread_id=thread, text="A new card")
    await bot.call("sendMessage", chat_id=DESK, text="In General")
    await see(screen, "Case 7 · Lina", "#topics")
    await see(screen, "In General")
    assert "A new card" not in await screen.inner_text("#messages")
    assert await screen.locator(f'[data-topic="{thread}"] .badge').inner_text() == "2"
    await screen.click(f'[data-topic="{thread}"]')
    await see(screen, "A new card")
    await see(screen, "Case 7 · Lina", "#chat-title")
    assert "In General" not in await screen.inner_text("#messages")
    await shot("topic")

    # What Ali writes there reaches the bot in that topic, from Ali.
    await screen.fill("#input", "I take this one")
    await screen.press("#input", "Enter")
    said = (await bot.next_update())["message"]
    assert said["from"]["id"] == ALI and said["chat"]["id"] == DESK
    assert said["message_thread_id"] == thread and said["is_topic_message"]
    await see(screen, "I take this one")

    # The commands menu of a group: the bot's default commands.
    await bot.call("setMyCommands", commands=[{"command": "report", "description": "the chart"}])
    await screen.click("#menu-button")
    await see(screen, "/report", "#commands")
    await screen.click('[data-command="report"]')
    command = (await bot.next_update())["message"]
    assert command["text"] == "/report" and command["message_thread_id"] == thread

    # A deleted topic leaves the list.
    await bot.call("deleteForumTopic", chat_id=DESK, message_thread_id=thread)
    await screen.locator(f'[data-topic="{thread}"]').wait_for(state="detached")
    assert not errors, errors
