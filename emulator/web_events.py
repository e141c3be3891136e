"""What the sandbox page reads live: server-sent event streams of the emulator's chats."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from aiohttp import web

from emulator.records import JSON

if TYPE_CHECKING:
    from emulator.server import BotApiEmulator
    from emulator.state import ChatState

PING_SECONDS = 15.0  # a comment line now and then keeps proxies and the browser patient


def topics_of(chat: ChatState) -> list[JSON]:
    """The chat's forum topics, for the page's list (deleted ones left out)."""
    return [
        {"id": t.message_thread_id, "name": t.name, "closed": t.closed, "color": t.icon_color}
        for t in chat.topics.values()
        if not t.deleted
    ]


async def _open(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    return response


async def chat_stream(
    request: web.Request, emu: BotApiEmulator, chat: ChatState
) -> web.StreamResponse:
    """The chat's events (as /_emu/chats/{id}/events) from ``after`` on, then as they come.

    Each message carries the events, the topic list and the reply keyboard shown now.
    """
    # EventSource reconnects with the last id it saw.
    after = int(request.headers.get("Last-Event-ID") or request.query.get("after", "0"))
    response = await _open(request)
    try:
        while not emu.closing:
            if len(chat.events) > after:
                batch = {
                    "events": chat.events[after:],
                    "last": len(chat.events),
                    "topics": topics_of(chat),
                    "keyboard": chat.keyboard,
                }
                after = len(chat.events)
                data = json.dumps(batch, ensure_ascii=False)
                await response.write(f"id: {after}\ndata: {data}\n\n".encode())
            elif not await chat.notifier.wait(PING_SECONDS):
                await response.write(b": ping\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def activity_stream(request: web.Request, emu: BotApiEmulator) -> web.StreamResponse:
    """How many messages the bot has sent in each persona's chat, whenever that changes.

    The switcher marks a persona who has something new, as a phone's badge would.
    """
    state = emu.state
    chat_ids = {p.chat_id for p in emu.sandbox.personas.values()}
    chats = [state.chats[c] for c in chat_ids if c in state.chats]
    response = await _open(request)
    last: JSON | None = None
    try:
        while not emu.closing:
            counts = {str(c.id): sum(e["kind"] == "new" for e in c.events) for c in chats}
            if counts != last:
                await response.write(f"data: {json.dumps(counts)}\n\n".encode())
                last = counts
            elif not await _any_news(chats):
                await response.write(b": ping\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def _any_news(chats: list[ChatState]) -> bool:
    """Wait until one of the chats changes; False after PING_SECONDS without a change."""
    waits = [asyncio.ensure_future(c.notifier.wait(PING_SECONDS)) for c in chats]
    if not waits:
        await asyncio.sleep(PING_SECONDS)
        return False
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        return any(task.result() for task in done)
    finally:
        for task in waits:
            task.cancel()
