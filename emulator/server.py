"""BotApiEmulator: the aiohttp server speaking the Telegram Bot API on loopback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from emulator.faults import Faults, RateLimits
from emulator.methods_other import OTHER_METHODS
from emulator.methods_relay import RELAY_METHODS
from emulator.methods_send import SEND_METHODS, Handler
from emulator.params import ApiError, Params, parse_request, too_many
from emulator.records import JSON
from emulator.state import State
from emulator.web import Sandbox, add_web_routes
from emulator.webhook import WebhookDeliverer, dumps
from emulator.world import SimWorld

log = logging.getLogger(__name__)

# Methods that post a message into a chat: each counts against the rate limits.
LIMITED_METHODS = frozenset(m.lower() for m in (*SEND_METHODS, *RELAY_METHODS, "createForumTopic"))
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
# What Telegram answers a long poll that a newer getUpdates of the same bot cut short (a
# second instance polling with the same token).
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(slots=True)
class RequestRecord:
    method: str
    params: dict[str, Any]
    time: float  # time.perf_counter() on arrival


def _answer(payload: JSON, status: int = 200) -> web.Response:
    return web.Response(text=dumps(payload), status=status, content_type="application/json")


class BotApiEmulator(SimWorld):
    """A local Telegram Bot API. See emulator/README.md."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "tawasul_test_bot",
        bot_first_name: str = "Tawasul",
        bot_id: int = 7000000001,
        clock: Callable[[], float] = time.monotonic,
        log_requests: bool = True,
        webhook_retry_delay: float = 0.1,
    ) -> None:
        self.host = host
        self.port = port
        self.clock = clock
        self.state = State(bot_username, bot_id, bot_first_name)
        self.faults = Faults(clock)
        self.limits: RateLimits | None = None
        self.requests_log: list[RequestRecord] = []
        self.log_requests = log_requests
        self.webhook = WebhookDeliverer(self.state, webhook_retry_delay)
        self._users = {}
        self._groups = {}
        self._methods: dict[str, Handler] = {
            k.lower(): v for k, v in {**SEND_METHODS, **RELAY_METHODS, **OTHER_METHODS}.items()
        }
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._polls = 0  # getUpdates calls so far: the newest is the one served
        self.poll_conflicts = 0  # long polls ended with 409 by a newer one
        self.sandbox = Sandbox(self)  # the web page's personas (emulator/web.py)

    # -- lifecycle -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def sandbox_url(self) -> str:
        """The web page that shows the chats as Telegram would (emulator/web.py)."""
        return f"{self.url}/sandbox/"

    @property
    def closing(self) -> bool:
        return self._closing

    async def start(self) -> BotApiEmulator:
        from emulator.http_api import add_routes

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        add_routes(app, self)
        add_web_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        self.webhook.start()
        return self

    async def stop(self) -> None:
        self._closing = True
        self.state.updates_notifier.notify()
        for chat in self.state.chats.values():
            chat.notifier.notify()  # the web page's event streams end
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def enforce_limits(
        self,
        per_private_chat_per_sec: float = 1,
        per_group_per_min: int = 20,
        global_per_sec: int = 30,
        group_period: float = 60.0,
    ) -> RateLimits:
        """Answer 429 like Telegram past these rates (see RateLimits); replaces any limits.

        The group limit is ``per_group_per_min`` messages per ``group_period`` seconds.
        """
        self.limits = RateLimits(
            per_private_chat_per_sec,
            per_group_per_min,
            global_per_sec,
            clock=self.clock,
            group_period=group_period,
        )
        return self.limits

    @property
    def webhook_deliveries(self) -> int:
        return self.webhook.deliveries

    @property
    def limit_violations(self) -> int:
        """429s the rate limits gave so far."""
        return self.limits.violations if self.limits else 0

    def limit_violations_in(self, chat_id: int) -> int:
        """429s the rate limits gave for requests to ``chat_id``."""
        return self.limits.violations_by_chat.get(chat_id, 0) if self.limits else 0

    # -- bot side --------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        self.state.tokens.add(token)
        try:
            params = await parse_request(request)
        except ApiError as err:
            return _answer(err.payload(), err.code)
        if self.log_requests:
            self.requests_log.append(RequestRecord(method, params.values, time.perf_counter()))
        chat_id = _chat_id(params)
        rule = self.faults.match(method, chat_id)
        if rule is not None:
            if rule.kind == "400":
                refused = ApiError(400, "Bad Request: can't parse entities: can't find end tag")
                return _answer(refused.payload(), 400)
            if rule.kind == "401":
                return _answer(ApiError(401, "Unauthorized").payload(), 401)
            if rule.kind == "429":
                return _answer(too_many(rule.retry_after).payload(), 429)
            if rule.kind in ("5xx", "outage") and not rule.drop:
                return _answer(ApiError(502, "Bad Gateway").payload(), 502)
            if rule.kind in ("drop", "outage"):
                if rule.perform:
                    await self._call(method, params)
                return self._drop(request)
            if rule.kind == "slow":
                await asyncio.sleep(rule.seconds)
            elif rule.kind == "timeout":
                response = await self._call(method, params)
                await asyncio.sleep(rule.seconds)
                return response
        return await self._call(method, params)

    async def _call(self, method: str, params: Params) -> web.Response:
        try:
            result = await self._dispatch(method, params)
        except ApiError as err:
            return _answer(err.payload(), err.code)
        except (KeyError, ValueError, TypeError, AttributeError) as err:
            log.warning("emulator: malformed %s request: %r", method, err)
            return _answer(ApiError(400, f"Bad Request: {err}").payload(), 400)
        return _answer({"ok": True, "result": result})

    async def _dispatch(self, method: str, params: Params) -> Any:
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params)
        handler = self._methods.get(name)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        self.state.check_migrated(_chat_id(params))  # before anything is done
        if self.limits is None or name not in LIMITED_METHODS:
            return handler(self.state, params)
        target = self._limited_chat(name, params)
        if target is not None:
            wait = self.limits.wait(*target)
            if wait:
                raise too_many(wait)
        result = handler(self.state, params)
        if target is not None:
            self.limits.hit(*target)  # only performed sends use quota
        return result

    def _limited_chat(self, name: str, params: Params) -> tuple[int, bool, int] | None:
        """(chat id, is private, messages posted) for a rate-limited method, if known."""
        chat = self.state.chats.get(_chat_id(params) or 0)
        if chat is None:
            return None
        media = params.obj("media") if name == "sendmediagroup" else None
        cost = len(media) if isinstance(media, list) and media else 1
        return chat.id, chat.is_private, cost

    async def _get_updates(self, params: Params) -> list[JSON]:
        st = self.state
        if st.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        if offset is not None:
            st.confirm_updates(offset)
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            st.allowed_updates = set(allowed) if allowed else None
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        deadline = time.monotonic() + (params.number("timeout", 0) or 0)
        # One getUpdates at a time: a newer call ends a pending long poll with 409.
        self._polls += 1
        mine = self._polls
        st.updates_notifier.notify()
        while True:
            if mine != self._polls:
                self.poll_conflicts += 1
                raise ApiError(409, POLL_CONFLICT)
            updates = st.pending_updates(limit)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or self._closing:
                return updates
            await st.updates_notifier.wait(remaining)

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=502)

    async def _download(self, request: web.Request) -> web.Response:
        record = self.state.files_by_path.get(request.match_info["path"])
        if record is None:
            return _answer({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        body = record.content if record.content is not None else bytes(record.size)
        return web.Response(body=body, content_type=record.mime_type or "application/octet-stream")


def _chat_id(params: Params) -> int | None:
    value = params.raw("chat_id")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
