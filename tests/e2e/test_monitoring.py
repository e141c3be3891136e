"""/healthz and /metrics: on the webhook server and on the polling mode's side port.

The real Application runs as `python -m bot run` runs it (bot.polling.serve and
bot.webhook.serve), against the emulator; /metrics is read with prometheus_client's own
parser. Telegram's getMe fails (an injected 502) until the test lets it through: /healthz
says why the bot is not ready, then that it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import polling, webhook
from bot.app import ALLOWED_UPDATES, DISPATCHER_KEY, build_application
from bot.context import SERVICES_KEY, AppType, Services
from bot.delivery.dispatcher import Dispatcher
from bot.webhook import SECRET_HEADER
from emulator import BotApiEmulator, SimGroup
from tests.e2e.desk import STAFF_CHAT, Desk, staff_config, submit
from tests.e2e.driver import Person, open_form
from tests.e2e.test_crash import BotProcess, killed_at_exit
from tests.e2e.test_outbox import items_seen, queue_notices, tick_until
from tests.support import DbTarget, FakeClock, free_port

SECRET = "a-webhook-secret-of-32-characters"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def health(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(base + "/healthz") as response:
        return response.status, await response.json()


async def scrape(base: str) -> tuple[Samples, str]:
    """Every sample of /metrics, parsed by prometheus_client, and the text itself."""
    status, text = await _get(base + "/metrics")
    assert status == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, text


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str) -> float:
    """The sum of a metric over all its labels."""
    return sum(v for (n, _), v in samples.items() if n == name)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, limit: int = 1200) -> None:
    for _ in range(limit):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def wait_not_ready_for_getme(emu: BotApiEmulator, base: str) -> dict[str, Any]:
    """Wait for the server, and for a failed getMe; return the 503's body."""

    async def answered() -> bool:
        try:
            await health(base)
        except aiohttp.ClientConnectionError:
            return False
        return any(r.method.lower() == "getme" for r in emu.requests_log)

    await eventually(answered, "the health server answers after a getMe")
    status, body = await health(base)
    assert status == 503
    return body


async def wait_ready(base: str) -> dict[str, Any]:
    async def ready() -> bool:
        return (await health(base))[0] == 200

    await eventually(ready, "ready")
    return (await health(base))[1]


def _services(app: AppType) -> Services:
    services: Services = app.bot_data[SERVICES_KEY]
    return services


async def play(
    app: AppType, emu: BotApiEmulator, clock: FakeClock, group: SimGroup, base: str
) -> None:
    """A request, a question, a send that meets a 429, a notice held overnight, a reminder:
    each moves its metrics, and no label names a person."""
    dispatcher = app.bot_data[DISPATCHER_KEY]
    assert isinstance(dispatcher, Dispatcher)
    desk = Desk(emu, app, group, {}, _services(app).settings.database_target)
    before, _ = await scrape(base)

    # The form: answers typed and pressed; the staff card goes out through the outbox.
    sarah = Person(emu.user(1601, first_name="Sarah", language_code="en"))
    reference = await submit(sarah)
    await group.wait_for_message(predicate=lambda m: reference in m.text and bool(m.buttons))
    await dispatcher.idle()
    formed, _ = await scrape(base)
    typed = value(formed, "tawasul_updates_total", kind="message")
    typed -= value(before, "tawasul_updates_total", kind="message")
    assert typed >= 8  # /start, seven typed answers, the photo
    pressed = value(formed, "tawasul_updates_total", kind="callback_query")
    assert pressed - value(before, "tawasul_updates_total", kind="callback_query") >= 5
    timed = value(formed, "tawasul_update_handling_seconds_count", kind="message")
    assert timed - value(before, "tawasul_update_handling_seconds_count", kind="message") == typed
    assert value(formed, "tawasul_outbox_sends_total", lane="conversation", result="sent") >= 1

    # A question answered from the guides.
    answer = await sarah.say("Where is your office exactly?")
    assert "Was this helpful?" in answer.text
    asked, _ = await scrape(base)
    assert (
        value(asked, "tawasul_faq_questions_total", outcome="answered")
        - value(formed, "tawasul_faq_questions_total", outcome="answered")
        == 1
    )
    assert (
        value(asked, "tawasul_faq_answer_seconds_count")
        - value(formed, "tawasul_faq_answer_seconds_count")
        == 1
    )
    assert value(asked, "tawasul_faq_answer_seconds_sum") > 0

    # A notice meets a 429: the outbox waits the retry_after (simulated) and sends it.
    emu.faults.add("429", "sendMessage", chat_id=sarah.sim.chat_id, times=1, retry_after=3)
    await queue_notices(desk, sarah, reference, range(1))
    await tick_until(clock, lambda: "item 0" in items_seen(sarah))
    await dispatcher.idle()  # the send is counted once Telegram's answer is back
    limited, _ = await scrape(base)
    assert value(limited, "tawasul_outbox_sends_total", lane="notices", result="rate_limited") == 1
    assert value(limited, "tawasul_outbox_sends_total", lane="notices", result="sent") == 1
    assert value(limited, "tawasul_telegram_429_total", method="sendMessage") == 1
    assert value(limited, "tawasul_telegram_retry_after_seconds_total", method="sendMessage") == 3

    # At night the notice waits in the outbox: its depth and the age of the oldest.
    clock.now = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)  # 23:30 in Riyadh
    await queue_notices(desk, sarah, reference, range(1, 2))
    clock.now += timedelta(minutes=10)
    night, _ = await scrape(base)
    assert value(night, "tawasul_outbox_depth", lane="notices") == 1
    assert value(night, "tawasul_outbox_oldest_age_seconds", lane="notices") == 600
    assert value(night, "tawasul_outbox_depth", lane="conversation") == 0
    assert value(night, "tawasul_outbox_oldest_age_seconds", lane="conversation") == 0
    clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 09:00: it goes
    await tick_until(clock, lambda: "item 1" in items_seen(sarah))
    await dispatcher.idle()
    morning, _ = await scrape(base)
    assert value(morning, "tawasul_outbox_depth", lane="notices") == 0

    # A form left unfinished for a day: the follow-up job finds its reminder due.
    omar = Person(emu.user(1602, first_name="Omar", language_code="en"))
    await open_form(omar, new_label="New support request", agree_label="I agree")
    clock.now += timedelta(hours=25)
    assert app.job_queue is not None
    (job,) = app.job_queue.get_jobs_by_name("_run_followups")
    await job.run(app)
    reminded, text = await scrape(base)
    rules = total(reminded, "tawasul_followups_queued_total")
    assert rules - total(morning, "tawasul_followups_queued_total") >= 1
    assert value(reminded, "tawasul_jobs_scheduled") >= 5
    assert ("tawasul_jobs_due", frozenset()) in reminded
    assert total(reminded, "tawasul_handler_errors_total") == 0

    # Labels are kinds, lanes, results, methods and rules: no id, no name, no text. (The
    # samples' values are left out: a timestamp's digits may hold any number.)
    names = "\n".join(
        line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )
    assert "tawasul_outbox_sends_total" in names
    for forbidden in ("1601", "1602", "Sarah", "Omar", "office", reference):
        assert forbidden not in names


@asynccontextmanager
async def serving(
    run: Callable[[asyncio.Event], Awaitable[None]],
) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_polling_serves_health_and_metrics_on_the_side_port(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    group = emu.group(STAFF_CHAT, "Association staff", is_forum=True)
    app = build_application(staff_config(db_target, emu, metrics_port=port), clock=clock)
    getme = emu.faults.add("5xx", "getMe", times=None)  # Telegram is down at start-up

    async def run(stop: asyncio.Event) -> None:
        await polling.serve(app, stop=stop, metrics_port=port, poll_timeout=1)

    async with serving(run) as task:
        body = await wait_not_ready_for_getme(emu, base)
        assert body["status"] == "unavailable"
        assert "Telegram has not answered getMe" in body["problems"]
        assert "the database is not open" in body["problems"]
        assert getme.fired >= 1
        emu.faults.clear()  # Telegram is back: the bot asks again and gets ready
        ready = await wait_ready(base)
        assert ready["status"] == "ready" and ready["migration"] >= 13
        await play(app, emu, clock, group, base)
        assert not task.done()
    with pytest.raises(aiohttp.ClientConnectionError):  # the side port closed with the bot
        await health(base)


@pytest.fixture
async def webhook_emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(webhook_retry_delay=0.05) as emulator:
        yield emulator


async def test_the_webhook_server_serves_health_and_metrics(
    webhook_emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget
) -> None:
    emu = webhook_emu
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/telegram-hook"
    group = emu.group(STAFF_CHAT, "Association staff", is_forum=True)
    config = staff_config(
        db_target,
        emu,
        mode="webhook",
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )
    app = build_application(config, clock=clock)
    emu.faults.add("5xx", "getMe", times=None)

    async def run(stop: asyncio.Event) -> None:
        await webhook.serve(
            app,
            url=url,
            listen="127.0.0.1",
            port=port,
            secret=SECRET,
            allowed_updates=ALLOWED_UPDATES,
            stop=stop,
        )

    async with serving(run):
        body = await wait_not_ready_for_getme(emu, base)
        assert "Telegram has not answered getMe" in body["problems"]
        # Not ready, not taking updates: Telegram is told to come again.
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "hi"}}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers={SECRET_HEADER: SECRET}) as refused,
        ):
            assert refused.status == 503
        emu.faults.clear()
        await wait_ready(base)
        await play(app, emu, clock, group, base)
    assert emu.webhook_deliveries > 0  # the updates came through the webhook


async def test_python_m_bot_run_serves_the_side_port_and_stops_cleanly(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = BotProcess(emu, tmp_path / "run.sqlite3", {"TAWASUL_METRICS_PORT": str(port)})
    process.ready_method = "getupdates"  # polling mode, with an extra setting
    with killed_at_exit(process) as bot:
        await bot.start()
        assert (await wait_ready(base))["status"] == "ready"
        person = Person(emu.user(1603, first_name="Sam", language_code="en"))
        await person.command("/start")

        async def counted() -> bool:
            # The reply comes before the update's last handler group is done with it.
            samples, _ = await scrape(base)
            return value(samples, "tawasul_updates_total", kind="message") == 1

        await eventually(counted, "the /start update is counted")
        proc = bot.proc
        assert proc is not None
        assert await bot.stop() == 0
