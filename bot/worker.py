"""`python -m bot outbox-worker`: a process that only sends what the outbox holds.

Beside the bot (which takes the updates and sends from the outbox too), one or more
workers share the sending of a PostgreSQL outbox: a broadcast to thousands goes out of
several processes while the limits hold for all together (see bot.delivery.dispatcher).
The staff group's rows are left to the bot's own process. SQLite is refused: its outbox
has one sender, the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import build_application, stop_on_signals
from bot.config import Config
from bot.context import SERVICES_KEY, AppType, Services
from bot.delivery.dispatcher import POLL_SECONDS, Dispatcher
from bot.health import connect, sender_problems, side_server

log = logging.getLogger(__name__)


class WorkerRefused(Exception):
    """The settings do not allow a separate outbox worker."""


async def work(
    app: AppType,
    stop: asyncio.Event,
    poll: float = POLL_SECONDS,
    *,
    metrics_listen: str = "127.0.0.1",
    metrics_port: int | None = None,
) -> None:
    """Send from the outbox until stop is set; the sends under way finish first. With a
    metrics port, /healthz says whether this worker sends, and /metrics what it sent."""
    services: Services = app.bot_data[SERVICES_KEY]
    if services.db.dialect != "postgresql":
        raise WorkerRefused(
            "an outbox worker needs PostgreSQL (TAWASUL_DATABASE_URL): SQLite's outbox has"
            " one sender, the bot itself"
        )
    dispatcher = Dispatcher(app.bot, services, serves_group=False)

    def sending() -> bool:
        task = dispatcher.task
        return task is not None and not task.done() and not dispatcher.stopping

    async with side_server(app, metrics_listen, metrics_port, sender_problems(sending)):
        await _work(app, services, dispatcher, stop, poll)


async def _work(
    app: AppType, services: Services, dispatcher: Dispatcher, stop: asyncio.Event, poll: float
) -> None:
    if not await connect(app, stop):
        return
    try:
        await services.db.open()
        dispatcher.start()
        log.info("outbox worker %s sending", dispatcher.worker)
        try:
            # Nothing commits in this process to wake it: it looks for due rows each poll.
            while not stop.is_set():
                dispatcher.poke()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll)
        finally:
            await dispatcher.stop()
            log.info(
                "outbox worker stopped: %d sent, %d answered late (counted again)",
                dispatcher.delivered,
                dispatcher.late_answers,
            )
    finally:
        await services.db.close()
        await app.shutdown()


def run_worker(config: Config) -> int:
    """Run an outbox worker until SIGINT or SIGTERM."""
    app = build_application(config)

    async def main() -> None:
        settings = config.settings
        await work(
            app,
            stop_on_signals(),
            metrics_listen=settings.metrics_listen,
            metrics_port=settings.metrics_port,
        )

    try:
        asyncio.run(main())
    except WorkerRefused as exc:
        log.error("%s", exc)
        return 2
    return 0
