"""HTTP user-side API under /_emu/ for other processes (console, subprocess bots, benches)."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.actors import SimUser
from emulator.groups import SimGroup
from emulator.users import WaitTimeout, wait_for_callback_answer

if TYPE_CHECKING:
    from emulator.server import BotApiEmulator

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
_USER_FIELDS = ("first_name", "last_name", "username", "language_code")


def _ok(**payload: Any) -> web.Response:
    return web.json_response(
        {"ok": True, **payload}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def _fail(description: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def _content_kwargs(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Body -> (kind, kwargs). {"text": ..} or {"kind": "document", "content_b64": ..}."""
    body = {
        k: v
        for k, v in body.items()
        if k not in ("from", "message_thread_id", "reply_to_message_id", *_USER_FIELDS)
    }
    if "content_b64" in body:
        body["content"] = base64.b64decode(body.pop("content_b64"))
    kind = str(body.pop("kind", "text"))
    return kind, body


def add_routes(app: web.Application, emu: BotApiEmulator) -> None:
    def user_of(request: web.Request, body: dict[str, Any]) -> SimUser:
        user_id = int(request.match_info["user_id"])
        fields = {k: body[k] for k in _USER_FIELDS if k in body}
        return emu.get_user(user_id) or emu.user(user_id, **fields)

    def group_of(request: web.Request) -> SimGroup:
        chat_id = int(request.match_info["chat_id"])
        group = emu.get_group(chat_id)
        if group is None:
            raise web.HTTPNotFound(text=f"group {chat_id} not created")
        return group

    def sender_of(body: dict[str, Any]) -> SimUser:
        sender = emu.get_user(int(body["from"]))
        return sender or emu.user(int(body["from"]))

    def guarded(route: Route) -> Route:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                return await route(request)
            except (KeyError, ValueError, TypeError) as err:
                return _fail(f"bad request: {err!r}")
            except WaitTimeout as err:
                return _fail(str(err), 408)

        return wrapper

    async def create_user(request: web.Request) -> web.StreamResponse:
        return _ok(user=user_of(request, await _body(request)).user)

    async def user_send(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = user_of(request, body)
        kind, kwargs = _content_kwargs(body)
        if kind == "text" and "reply_to_message_id" in body:
            kwargs["reply_to"] = int(body["reply_to_message_id"])
            return _ok(message=await user.send_text(**kwargs))
        return _ok(message=await user.send(kind, **kwargs))

    async def user_press(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = user_of(request, body)
        if "label" in body:
            return _ok(query_id=await user.press_button(int(body["message_id"]), body["label"]))
        return _ok(query_id=await user.press(int(body["message_id"]), str(body["data"])))

    async def user_edit(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        user = user_of(request, body)
        return _ok(message=await user.edit_text(int(body["message_id"]), str(body["text"])))

    async def user_block(request: web.Request) -> web.StreamResponse:
        user = user_of(request, {})
        if request.match_info["action"] == "block":
            user.block()
        else:
            user.unblock()
        return _ok()

    async def create_group(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        group = emu.group(
            int(request.match_info["chat_id"]),
            str(body.get("title", "Group")),
            bool(body.get("is_forum", False)),
            str(body.get("bot_status", "administrator")),
        )
        return _ok(chat=group.chat.chat)

    async def group_send(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        group = group_of(request)
        kind, kwargs = _content_kwargs(body)
        msg = await group.send(
            sender_of(body),
            kind,
            body.get("message_thread_id"),
            body.get("reply_to_message_id"),
            **kwargs,
        )
        return _ok(message=msg)

    async def group_press(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        group = group_of(request)
        qid = await group.press(sender_of(body), int(body["message_id"]), str(body["data"]))
        return _ok(query_id=qid)

    async def group_edit(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        msg = await group_of(request).edit_text(int(body["message_id"]), str(body["text"]))
        return _ok(message=msg)

    async def group_bot(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        group = group_of(request)
        if request.match_info["action"] == "add_bot":
            group.add_bot(sender_of(body), str(body.get("status", "member")))
        else:
            group.remove_bot(sender_of(body), bool(body.get("kicked", True)))
        return _ok(bot_status=group.chat.bot_status)

    async def group_migrate(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        by = sender_of(body) if "from" in body else None
        new = group_of(request).migrate_to(int(body["new_chat_id"]), by)
        return _ok(chat=new.chat.chat)

    async def group_delete_topic(request: web.Request) -> web.StreamResponse:
        group_of(request).delete_topic(int(request.match_info["thread_id"]))
        return _ok()

    async def chat_events(request: web.Request) -> web.StreamResponse:
        chat = emu.state.chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            return _fail("chat not found", 404)
        after = int(request.query.get("after", 0))
        deadline = time.monotonic() + float(request.query.get("timeout", 0))
        while len(chat.events) <= after and time.monotonic() < deadline:
            await chat.notifier.wait(deadline - time.monotonic())
        return _ok(events=chat.events[after:], last=len(chat.events))

    async def chat_messages(request: web.Request) -> web.StreamResponse:
        chat = emu.state.chats.get(int(request.match_info["chat_id"]))
        if chat is None:
            return _fail("chat not found", 404)
        after = int(request.query.get("after", 0))
        deadline = time.monotonic() + float(request.query.get("timeout", 0))
        while len(chat.bot_messages) <= after and time.monotonic() < deadline:
            await chat.notifier.wait(deadline - time.monotonic())
        return _ok(
            messages=[
                {
                    "message": m.data,
                    "history": m.history,
                    "deleted": m.deleted,
                    "received_at": m.received_at,
                }
                for m in chat.bot_messages[after:]
            ],
            last=len(chat.bot_messages),
        )

    async def callback_answer(request: web.Request) -> web.StreamResponse:
        timeout = float(request.query.get("timeout", 0))
        qid = request.match_info["query_id"]
        if qid not in emu.state.callback_answers:
            return _fail("unknown query id", 404)
        answer = await wait_for_callback_answer(emu.state, qid, timeout)
        return _ok(answer=answer)

    async def requests_log(request: web.Request) -> web.StreamResponse:
        after = int(request.query.get("after", 0))
        rows = [dataclasses.asdict(r) for r in emu.requests_log[after:]]
        return _ok(requests=rows, last=len(emu.requests_log))

    async def faults(request: web.Request) -> web.StreamResponse:
        if request.method == "POST":
            emu.faults.add(**await _body(request))
        elif request.method == "DELETE":
            emu.faults.clear()
        return _ok(rules=[dataclasses.asdict(r) for r in emu.faults.rules])

    async def limits(request: web.Request) -> web.StreamResponse:
        emu.enforce_limits(**await _body(request))
        return _ok()

    async def stats(request: web.Request) -> web.StreamResponse:
        return _ok(
            limit_violations=emu.limit_violations,
            limit_violations_by_chat={
                str(k): v for k, v in (emu.limits.violations_by_chat if emu.limits else {}).items()
            },
            pending_updates=len(emu.state.updates),
            requests=len(emu.requests_log),
            webhook_deliveries=emu.webhook_deliveries,
            bot=emu.state.bot_user,
            tokens=sorted(emu.state.tokens),
        )

    r = app.router
    r.add_post("/_emu/users/{user_id}", guarded(create_user))
    r.add_post("/_emu/users/{user_id}/send", guarded(user_send))
    r.add_post("/_emu/users/{user_id}/press", guarded(user_press))
    r.add_post("/_emu/users/{user_id}/edit", guarded(user_edit))
    r.add_post("/_emu/users/{user_id}/{action:block|unblock}", guarded(user_block))
    r.add_post("/_emu/groups/{chat_id}", guarded(create_group))
    r.add_post("/_emu/groups/{chat_id}/send", guarded(group_send))
    r.add_post("/_emu/groups/{chat_id}/press", guarded(group_press))
    r.add_post("/_emu/groups/{chat_id}/edit", guarded(group_edit))
    r.add_post("/_emu/groups/{chat_id}/{action:add_bot|remove_bot}", guarded(group_bot))
    r.add_post("/_emu/groups/{chat_id}/migrate", guarded(group_migrate))
    r.add_delete("/_emu/groups/{chat_id}/topics/{thread_id}", guarded(group_delete_topic))
    r.add_get("/_emu/chats/{chat_id}/events", guarded(chat_events))
    r.add_get("/_emu/chats/{chat_id}/messages", guarded(chat_messages))
    r.add_get("/_emu/callback_answers/{query_id}", guarded(callback_answer))
    r.add_get("/_emu/requests", guarded(requests_log))
    r.add_route("*", "/_emu/faults", guarded(faults))
    r.add_post("/_emu/limits", guarded(limits))
    r.add_get("/_emu/stats", guarded(stats))
