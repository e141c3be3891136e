"""/healthz and /metrics: the webhook server answers both, and so does a side port
(TAWASUL_METRICS_PORT), the only way to reach them in polling mode.

/healthz answers 200 with a small JSON only when the bot can work: Telegram (or the
emulator) answered getMe, the database is open with every migration applied, and the
Application takes updates. Otherwise 503, with the reasons. /metrics is the Application's
own registry (bot.metrics) in Prometheus' text format, the outbox and the scheduler read
at that moment.

The servers start before the bot connects to Telegram, and connect() keeps asking for
getMe while Telegram does not answer: a supervisor probing meanwhile is told why the bot
is not ready, instead of finding nothing listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.aiohttp import make_aiohttp_handler
from prometheus_client.metrics_core import Metric
from telegram.error import BadRequest, NetworkError

from bot.context import SERVICES_KEY, AppType, Services
from storage.migrator import latest
from storage.sql import DatabaseError

__all__ = [
    "Apps",
    "add_deployment_routes",
    "add_routes",
    "connect",
    "deployment_side_server",
    "problems",
    "sender_problems",
    "side_server",
]

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


Check = Callable[[AppType], Awaitable[list[str]]]


async def problems(app: AppType) -> list[str]:
    """Return why the bot is not ready (nothing when it is)."""
    found = await _reachable(app)
    if not app.running:
        found.append("the bot is not taking updates (starting or stopping)")
    return found


async def _reachable(app: AppType) -> list[str]:
    """What any process of the bot needs: Telegram answered, the database up to date."""
    services: Services = app.bot_data[SERVICES_KEY]
    found = []
    try:
        app.bot.bot  # noqa: B018 - set by getMe's answer, raises before it
    except RuntimeError:
        found.append("Telegram has not answered getMe")
    if not services.db.is_open:
        found.append("the database is not open")
    else:
        try:
            version = await services.db.schema_version()
        except DatabaseError as err:
            found.append(f"the database cannot be read ({type(err).__name__})")
        else:
            newest = latest(services.db.dialect)
            if version != newest:
                found.append(f"the database is at migration {version} of {newest}")
    return found


def sender_problems(sending: Callable[[], bool]) -> Check:
    """The check of an outbox worker (`outbox-worker`), which takes no updates: Telegram
    and the database as for the bot, and its sender running (`sending()`)."""

    async def check(app: AppType) -> list[str]:
        found = await _reachable(app)
        if not sending():
            found.append("the outbox is not being sent (starting or stopping)")
        return found

    return check


def add_routes(server: web.Application, app: AppType, check: Check = problems) -> None:
    """Answer GET /healthz and GET /metrics for the application on this server."""
    services: Services = app.bot_data[SERVICES_KEY]
    expose = make_aiohttp_handler(services.metrics.registry)

    async def show_health(request: web.Request) -> web.Response:
        """Says whether the bot is ready, and why not."""
        report = await _report(app, check)
        return web.json_response(report, status=200 if report["status"] == "ready" else 503)

    async def show_metrics(request: web.Request) -> web.StreamResponse:
        """Reads the outbox and the scheduler, then gives every metric."""
        await services.metrics.sample(services.db, services.requests.clock(), app.job_queue)
        return await expose(request)

    server.router.add_get("/healthz", show_health)
    server.router.add_get("/metrics", show_metrics)


# A deployment of several associations (`run --associations`): each association's
# Application as it stands (None while its supervisor waits to start it again).
Apps = Callable[[], Mapping[str, AppType | None]]
NOT_RUNNING = "not running: it stopped and is started again after a wait"


async def _report(app: AppType | None, check: Check = problems) -> dict[str, object]:
    """One bot's /healthz body: ready (its name, the database's migration) or why not."""
    found = [NOT_RUNNING] if app is None else await check(app)
    if found or app is None:
        return {"status": "unavailable", "problems": found}
    services: Services = app.bot_data[SERVICES_KEY]
    return {"status": "ready", "bot": app.bot.username, "migration": latest(services.db.dialect)}


class _Merged:
    """Every association's metrics as one exposition: a family once, each sample with an
    `association` label (Prometheus refuses a family repeated)."""

    def __init__(self, families: list[tuple[str, list[Metric]]]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        for name, families in self._families:
            for family in families:
                into = merged.get(family.name)
                if into is None:
                    into = Metric(family.name, family.documentation, family.type, family.unit)
                    merged[family.name] = into
                for sample in family.samples:
                    into.add_sample(
                        sample.name,
                        {**sample.labels, "association": name},
                        sample.value,
                        sample.timestamp,
                        sample.exemplar,
                    )
        yield from merged.values()


def add_deployment_routes(server: web.Application, apps: Apps) -> None:
    """GET /healthz, /healthz/<name> and /metrics for every association of the process.

    /healthz answers 200 while at least one association is ready ("ready" when all are,
    "degraded" when some are not, each with its reasons) and 503 when none is: one
    association's revoked token must not get the whole process restarted. /healthz/<name>
    is one association's own answer, 200 or 503, for an alert of its own.
    """

    async def show_health(request: web.Request) -> web.Response:
        report = {name: await _report(app) for name, app in apps().items()}
        ready = sum(1 for r in report.values() if r["status"] == "ready")
        status = "ready" if ready == len(report) else "degraded" if ready else "unavailable"
        body = {"status": status, "associations": report}
        return web.json_response(body, status=200 if ready else 503)

    async def show_one(request: web.Request) -> web.Response:
        running = apps()
        name = request.match_info["name"]
        if name not in running:
            return web.json_response({"status": "unknown association"}, status=404)
        report = await _report(running[name])
        return web.json_response(report, status=200 if report["status"] == "ready" else 503)

    async def show_metrics(request: web.Request) -> web.Response:
        families = []
        for name, app in apps().items():
            if app is None:
                continue
            services: Services = app.bot_data[SERVICES_KEY]
            # A database that fails: its counters still count; /healthz says what is wrong.
            with contextlib.suppress(DatabaseError):
                await services.metrics.sample(services.db, services.requests.clock(), app.job_queue)
            families.append((name, list(services.metrics.registry.collect())))
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Merged(families))
        return web.Response(
            body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    server.router.add_get("/healthz", show_health)
    server.router.add_get("/healthz/{name}", show_one)
    server.router.add_get("/metrics", show_metrics)


def deployment_side_server(
    apps: Apps, listen: str, port: int | None
) -> AbstractAsyncContextManager[None]:
    """The side port of a deployment of several associations (polling mode)."""
    return _side_port(lambda server: add_deployment_routes(server, apps), listen, port)


def side_server(
    app: AppType, listen: str, port: int | None, check: Check = problems
) -> AbstractAsyncContextManager[None]:
    """Serve /healthz and /metrics on listen:port while the block runs (no port: nothing)."""
    return _side_port(lambda server: add_routes(server, app, check), listen, port)


@asynccontextmanager
async def _side_port(
    routes: Callable[[web.Application], None], listen: str, port: int | None
) -> AsyncIterator[None]:
    if port is None:
        yield
        return
    server = web.Application()
    routes(server)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, listen, port).start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", listen, port)
        yield
    finally:
        await runner.cleanup()


async def connect(
    app: AppType, stop: asyncio.Event, first_wait: float = FIRST_RETRY_SECONDS
) -> bool:
    """Initialize the application (Telegram's getMe first), asking again while Telegram does
    not answer; False if stop was set before it did. A refused token still raises."""
    wait = first_wait
    try:
        while not stop.is_set():
            try:
                await app.initialize()
                return True
            except BadRequest:
                raise
            except NetworkError as err:  # a 5xx, a timeout, no connection
                log.warning(
                    "Telegram did not answer getMe (%s); asking again in %.0f s",
                    type(err).__name__,
                    wait,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(wait * 2, MAX_RETRY_SECONDS)
    except BaseException:
        await app.bot.shutdown()  # the HTTP sessions getMe opened
        raise
    await app.bot.shutdown()
    return False
