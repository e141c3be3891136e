"""The web sandbox: a page that shows the emulator's chats as Telegram would, for personas.

The page (emulator/static/) is a view of the emulator's state: it reads a chat's events
(the same list the terminal console polls) over server-sent events and acts through the
same SimUser/SimGroup operations the tests and the console use. Nothing here models
Telegram a second time.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from emulator.records import JSON
from emulator.users import WaitTimeout, wait_for_callback_answer
from emulator.web_events import activity_stream, chat_stream

if TYPE_CHECKING:
    from emulator.groups import SimGroup
    from emulator.server import BotApiEmulator
    from emulator.state import ChatState

STATIC = Path(__file__).with_name("static")
ANSWER_SECONDS = 10.0
MAX_UPLOAD = 20 * 1024 * 1024  # what a bot may download from Telegram
# The page runs no inline code and loads nothing from elsewhere.
PAGE_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"


@dataclass(frozen=True, slots=True)
class Persona:
    """Someone the person at the page can be: a beneficiary, or a staff member in a group."""

    user_id: int
    name: str
    language: str
    chat_id: int  # the chat the persona looks at: their private chat, or the staff group
    kind: str = "beneficiary"  # or "staff"
    role: str = ""  # staff: their roles, as the switcher shows them


class Sandbox:
    """The personas the web page offers; filled by whoever starts the emulator."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self._emu = emu
        self.personas: dict[int, Persona] = {}

    def add_beneficiary(self, user_id: int, name: str, language: str = "ar") -> Persona:
        """A beneficiary with a private chat with the bot."""
        self._emu.user(user_id, first_name=name, language_code=language)
        persona = Persona(user_id, name, language, chat_id=user_id)
        self.personas[user_id] = persona
        return persona

    def add_staff(
        self, user_id: int, name: str, group: SimGroup, role: str, language: str = "ar"
    ) -> Persona:
        """A member of the staff group ``group`` (created beforehand with ``emu.group``)."""
        self._emu.user(user_id, first_name=name, language_code=language)
        persona = Persona(user_id, name, language, group.chat_id, kind="staff", role=role)
        self.personas[user_id] = persona
        return persona


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _local(route: Route) -> Route:
    """Only a page loaded from this machine's own address: a site whose name was made to
    point here (DNS rebinding) sends its own name as Host and is refused (403)."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        host = request.url.host or ""
        if host.strip("[]") not in LOOPBACK:
            return _refused("the sandbox answers on 127.0.0.1 or localhost only", 403)
        return await route(request)

    return wrapper


def _guarded(route: Route) -> Route:
    """Bad input answered 400; an action posted by another site's page refused (403)."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            return _refused("only the sandbox page may act here", 403)
        try:
            return await route(request)
        except (KeyError, ValueError, TypeError) as err:
            return _refused(f"bad request: {err!r}")

    return wrapper


def add_web_routes(app: web.Application, emu: BotApiEmulator) -> None:
    """Serve the page under /sandbox/ and its JSON and event-stream API."""
    api = _Api(emu)
    r = app.router
    r.add_get("/sandbox", _local(api.redirect))
    r.add_get("/sandbox/", _local(api.index))
    r.add_static("/sandbox/static/", STATIC, append_version=False)
    r.add_get("/sandbox/files/{file_id}", _local(api.file))
    r.add_get("/sandbox/api/personas", _local(api.personas))
    r.add_get("/sandbox/api/activity", _local(api.activity))
    r.add_get("/sandbox/api/personas/{user_id}/stream", _local(api.stream))
    r.add_get("/sandbox/api/personas/{user_id}/commands", _local(api.commands))
    r.add_post("/sandbox/api/personas/{user_id}/send", _local(_guarded(api.send)))
    r.add_post("/sandbox/api/personas/{user_id}/upload", _local(_guarded(api.upload)))
    r.add_post("/sandbox/api/personas/{user_id}/press", _local(_guarded(api.press)))
    r.add_post("/sandbox/api/personas/{user_id}/edit", _local(_guarded(api.edit)))


def _ok(**payload: Any) -> web.Response:
    return web.json_response(
        {"ok": True, **payload}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def _refused(description: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)


class _Api:
    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    def _persona(self, request: web.Request) -> Persona:
        try:
            persona = self.emu.sandbox.personas.get(int(request.match_info["user_id"]))
        except ValueError:
            persona = None
        if persona is None:
            raise web.HTTPNotFound(text="no such persona")
        return persona

    def _chat(self, persona: Persona) -> ChatState:
        chat = self.emu.state.chats.get(persona.chat_id)
        if chat is None:
            raise web.HTTPNotFound(text="the persona's chat does not exist")
        return chat

    # -- the page ----------------------------------------------------------------------
    async def redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/sandbox/")

    async def index(self, request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(STATIC / "index.html")
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    async def file(self, request: web.Request) -> web.StreamResponse:
        """A file the bot or a persona sent (photos, charts, documents)."""
        record = self.emu.state.files.get(request.match_info["file_id"])
        if record is None or record.content is None:
            raise web.HTTPNotFound()
        guessed = mimetypes.guess_type(record.file_path)[0]
        mime = record.mime_type or guessed or "application/octet-stream"
        headers = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
        if not mime.startswith("image/"):
            name = (record.file_name or "file").replace('"', "")
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        return web.Response(body=record.content, content_type=mime, headers=headers)

    async def personas(self, request: web.Request) -> web.StreamResponse:
        state = self.emu.state
        chats = {
            p.chat_id: state.chats[p.chat_id].chat
            for p in self.emu.sandbox.personas.values()
            if p.chat_id in state.chats
        }
        return _ok(
            bot=state.bot_user,
            personas=[asdict(p) for p in self.emu.sandbox.personas.values()],
            chats={str(k): v for k, v in chats.items()},
        )

    async def commands(self, request: web.Request) -> web.StreamResponse:
        """The bot's command menu as this persona's app would show it (scope, then language)."""
        persona = self._persona(request)
        private = persona.kind == "beneficiary"
        scopes: list[JSON] = [
            {"type": "chat", "chat_id": persona.chat_id},
            {"type": "all_private_chats" if private else "all_group_chats"},
            {"type": "default"},
        ]
        for scope in scopes:
            key = json.dumps(scope, sort_keys=True)
            for language in (persona.language, ""):
                found = self.emu.state.commands.get((key, language))
                if found:
                    return _ok(commands=found)
        return _ok(commands=[])

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the persona's chat, from ``after`` on (see web_events)."""
        persona = self._persona(request)
        return await chat_stream(request, self.emu, self._chat(persona))

    async def activity(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the bot's messages in each persona's chat (see web_events)."""
        return await activity_stream(request, self.emu)

    # -- acting as the persona ---------------------------------------------------------------
    async def send(self, request: web.Request) -> web.StreamResponse:
        """Text (a command too), or a location or contact from a reply-keyboard button."""
        persona = self._persona(request)
        body = await _json(request)
        kind = str(body.get("kind", "text"))
        fields: JSON
        if kind == "text":
            text = str(body.get("text", "")).strip()
            if not text:
                return _refused("empty message")
            fields = {"text": text}
        elif kind == "location":
            fields = {"latitude": float(body["latitude"]), "longitude": float(body["longitude"])}
        elif kind == "contact":
            fields = {"phone_number": str(body["phone_number"])}
        else:
            return _refused(f"cannot send {kind!r} from the page")
        return _ok(message=await self._post(persona, kind, body.get("thread"), fields))

    async def upload(self, request: web.Request) -> web.StreamResponse:
        """A file from the computer: a photo when it is an image, else a document."""
        persona = self._persona(request)
        form = await request.post()
        part = form.get("file")
        if not isinstance(part, web.FileField):
            return _refused("no file")
        content = part.file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            return _refused("the file is larger than 20 MB")
        caption = str(form.get("caption", "")) or None
        thread = form.get("thread")
        mime = part.content_type or "application/octet-stream"
        fields: JSON = {"caption": caption, "content": content}
        if mime.startswith("image/") and form.get("as") != "document":
            kind = "photo"
        else:
            kind = "document"
            fields.update(file_name=part.filename or "file", mime_type=mime)
        return _ok(message=await self._post(persona, kind, thread, fields))

    async def press(self, request: web.Request) -> web.StreamResponse:
        """Press an inline button; answer with what the bot's callback answer says."""
        persona = self._persona(request)
        body = await _json(request)
        message_id, data = int(body["message_id"]), str(body["data"])
        group = self.emu.get_group(persona.chat_id)
        try:
            if group is not None:
                member = self.emu.user(persona.user_id)
                query = await group.press(member, message_id, data)
            else:
                query = await self._user(persona).press(message_id, data)
        except ValueError as err:
            return _refused(str(err))
        try:
            answer = await wait_for_callback_answer(self.emu.state, query, ANSWER_SECONDS)
        except WaitTimeout:
            return _ok(answer=None)
        return _ok(answer=answer)

    async def edit(self, request: web.Request) -> web.StreamResponse:
        """Edit one of the persona's own messages (text or caption)."""
        persona = self._persona(request)
        body = await _json(request)
        message_id, text = int(body["message_id"]), str(body.get("text", "")).strip()
        chat = self._chat(persona)
        mine = chat.messages.get(message_id, {}).get("from", {}).get("id") == persona.user_id
        if not text or not mine:
            return _refused("only your own messages, with some text")
        group = self.emu.get_group(persona.chat_id)
        view = group if group is not None else self._user(persona)
        try:
            return _ok(message=await view.edit_text(message_id, text))
        except ValueError as err:
            return _refused(str(err))

    def _user(self, persona: Persona) -> Any:
        user = self.emu.get_user(persona.user_id)
        if user is None:
            raise web.HTTPNotFound(text="no such user")
        return user

    async def _post(self, persona: Persona, kind: str, thread: Any, fields: JSON) -> JSON:
        fields = {k: v for k, v in fields.items() if v is not None}
        group = self.emu.get_group(persona.chat_id)
        if group is None:
            return dict(await self._user(persona).send(kind, **fields))
        member = self.emu.user(persona.user_id)
        topic = int(thread) if thread not in (None, "", "1", 1) else None
        return await group.send(member, kind, message_thread_id=topic, **fields)


async def _json(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="not a JSON object")
    return data
