"""A terminal chat: a person types as a beneficiary; the bot's messages print with buttons.

Talks to a running emulator over its /_emu HTTP API, so it works in a separate process.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

HELP = """\
Type a line to send it as a message. Commands:
  !N              press inline button N of the latest message with buttons
  #N              tap reply-keyboard button N (shares contact/location if it asks)
  /photo          send a photo            /doc PATH    send a file as a document
  /voice          send a voice note       /sticker     send a sticker
  /loc LAT LON    send a location         /contact PHONE  share a contact
  /edit TEXT      edit your last message  /block /unblock  block or unblock the bot
  //cmd args      send "/cmd args" literally (for bot commands named like these)
  /help           this help               /quit        leave
Any other /command (e.g. /start) is sent to the bot as a command."""


class Console:
    def __init__(
        self,
        base_url: str,
        user_id: int,
        first_name: str = "Beneficiary",
        language_code: str = "ar",
        output: Callable[[str], None] = print,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.output = output
        self.after = 0
        self.buttons: list[tuple[int, dict[str, Any]]] = []
        self.keyboard: list[dict[str, Any]] = []
        self.last_sent: int | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Console:
        self._http = aiohttp.ClientSession(self.base_url)
        await self._call(
            "POST",
            f"/_emu/users/{self.user_id}",
            {"first_name": self.first_name, "language_code": self.language_code},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _call(
        self,
        verb: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        assert self._http is not None, "use `async with Console(...)`"
        async with self._http.request(verb, path, json=body, params=params) as resp:
            data: dict[str, Any] = await resp.json()
        if not data.get("ok"):
            self.output(f"! emulator: {data.get('description')}")
        return data

    # -- bot -> screen ---------------------------------------------------------------
    async def poll_once(self, timeout: float = 25.0) -> int:  # noqa: ASYNC109
        data = await self._call(
            "GET",
            f"/_emu/chats/{self.user_id}/events",
            params={"after": str(self.after), "timeout": str(timeout)},
        )
        events = data.get("events", [])
        for event in events:
            self.render(event)
        self.after = int(data.get("last", self.after))
        return len(events)

    def render(self, event: dict[str, Any]) -> None:
        kind = event["kind"]
        msg = event["message"]
        mid = msg.get("message_id")
        if kind in ("user", "user_edit"):
            return
        if kind == "delete":
            self.output(f"bot #{mid} (deleted)")
            return
        body = msg.get("text") or msg.get("caption") or ""
        for media in ("photo", "document", "voice", "audio", "video", "sticker"):
            if media in msg:
                name = msg[media].get("file_name", "") if isinstance(msg[media], dict) else ""
                body = f"[{media} {name}] {body}".strip()
        label = "edited" if kind == "edit" else "said"
        self.output(f"bot #{mid} {label}: {body}")
        rows = (msg.get("reply_markup") or {}).get("inline_keyboard") or []
        if rows:
            self.buttons = [(mid, b) for row in rows for b in row]
            self.output(
                "   "
                + "  ".join(f"[!{i}] {b.get('text')}" for i, (_, b) in enumerate(self.buttons, 1))
            )
        keyboard = event.get("reply_keyboard")
        if keyboard is not None:
            if keyboard.get("remove_keyboard"):
                self.keyboard = []
            else:
                self.keyboard = [
                    b if isinstance(b, dict) else {"text": b}
                    for row in keyboard.get("keyboard", [])
                    for b in row
                ]
                self.output(
                    "   keyboard: "
                    + "  ".join(f"[#{i}] {b.get('text')}" for i, b in enumerate(self.keyboard, 1))
                )

    # -- keyboard -> bot ---------------------------------------------------------------
    async def send(self, **body: Any) -> None:
        data = await self._call("POST", f"/_emu/users/{self.user_id}/send", body)
        if data.get("ok"):
            self.last_sent = int(data["message"]["message_id"])

    async def handle_line(self, line: str) -> bool:
        """Act on one typed line; False means quit."""
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        if line.startswith("//"):
            await self.send(text=line[1:])
        elif line.startswith("!") and line[1:].isdigit():
            await self._press(int(line[1:]))
        elif line.startswith("#") and line[1:].isdigit():
            await self._tap(int(line[1:]))
        elif word in ("/quit", "/exit"):
            return False
        elif word == "/help":
            self.output(HELP)
        elif word == "/photo":
            await self.send(kind="photo")
        elif word == "/doc":
            await self._send_file(rest)
        elif word == "/voice":
            await self.send(kind="voice")
        elif word == "/sticker":
            await self.send(kind="sticker")
        elif word == "/loc":
            lat, _, lon = rest.partition(" ")
            await self.send(
                kind="location", latitude=float(lat or 24.7136), longitude=float(lon or 46.6753)
            )
        elif word == "/contact":
            await self.send(kind="contact", phone_number=rest or "+966500000000")
        elif word == "/edit" and self.last_sent is not None:
            await self._call(
                "POST",
                f"/_emu/users/{self.user_id}/edit",
                {"message_id": self.last_sent, "text": rest},
            )
        elif word in ("/block", "/unblock"):
            await self._call("POST", f"/_emu/users/{self.user_id}{word}")
        else:
            await self.send(text=line)
        return True

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.output(f"! no button {number}")
            return
        mid, button = self.buttons[number - 1]
        if "callback_data" not in button:
            self.output(f"(link) {button.get('url') or button}")
            return
        await self._call(
            "POST",
            f"/_emu/users/{self.user_id}/press",
            {"message_id": mid, "data": button["callback_data"]},
        )

    async def _tap(self, number: int) -> None:
        if not 1 <= number <= len(self.keyboard):
            self.output(f"! no keyboard button {number}")
            return
        button = self.keyboard[number - 1]
        if button.get("request_contact"):
            await self.send(kind="contact", phone_number="+966500000000")
        elif button.get("request_location"):
            await self.send(kind="location", latitude=24.7136, longitude=46.6753)
        else:
            await self.send(text=str(button.get("text", "")))

    async def _send_file(self, path_text: str) -> None:
        path = Path(path_text.strip())
        try:
            data = await asyncio.to_thread(_read_file, path)
        except OSError as err:
            self.output(f"! cannot read {path}: {err}")
            return
        content = base64.b64encode(data).decode()
        await self.send(
            kind="document", file_name=path.name, content_b64=content, mime_type=_mime(path.suffix)
        )

    # -- main loop ----------------------------------------------------------------------
    async def run(self) -> None:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read_stdin() -> None:
            for raw in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, raw)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read_stdin, daemon=True).start()
        self.output(
            f"Chatting as user {self.user_id} ({self.first_name}, "
            f"{self.language_code}). /help for commands."
        )
        poller = asyncio.create_task(self._poll_forever())
        try:
            while (line := await lines.get()) is not None:
                if not await self.handle_line(line):
                    break
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    async def _poll_forever(self) -> None:
        while True:
            try:
                await self.poll_once()
            except aiohttp.ClientError as err:
                self.output(f"! emulator unreachable: {err}")
                await asyncio.sleep(1)


def _read_file(path: Path) -> bytes:
    return path.expanduser().read_bytes()


def _mime(suffix: str) -> str:
    return {
        ".pdf": "application/pdf",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".png": "image/png",
        ".txt": "text/plain",
        ".doc": "application/msword",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }.get(suffix.lower(), "application/octet-stream")


def stop_on_signals() -> asyncio.Event:
    """Return an event that SIGINT or SIGTERM sets (where the loop supports signals)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def chat_until(console: Console, stop: asyncio.Event) -> None:
    """Run the terminal chat until the person quits or `stop` is set."""
    chat = asyncio.create_task(console.run())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({chat, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (chat, stopper):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
