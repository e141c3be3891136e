"""The metrics' small parts: a registry per Application, update kinds, the outbox's depth and
its query plan, the 429s the rate limiter sees, the settings of the side port, a deployment
whose associations are all down."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import REGISTRY, generate_latest
from telegram import Chat, Message, Update, User
from telegram.error import RetryAfter

from bot.app import ALLOWED_UPDATES
from bot.config import ConfigError, load_config
from bot.health import NOT_RUNNING, add_deployment_routes
from bot.metrics import UPDATE_KINDS, Metrics, update_kind
from bot.processing import PerChatUpdateProcessor
from bot.ratelimit import NO_RETRIES, StaffGroupRateLimiter, each_call_inside
from domain.models import BULK, NOTICES
from storage.outbox import DEPTH, Outbox
from storage.sql import Database
from storage.sqlite import SqliteDatabase

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def _message_update(update_id: int = 1) -> Update:
    chat = Chat(5, Chat.PRIVATE)
    user = User(5, "U", is_bot=False)
    message = Message(1, date=NOW, chat=chat, from_user=user, text="hi")
    return Update(update_id, message=message)


def test_each_application_counts_in_its_own_registry() -> None:
    first, second = Metrics(), Metrics()  # a second one registers without a clash
    first.update_handled(_message_update(), 0.01)
    assert b'tawasul_updates_total{kind="message"} 1.0' in generate_latest(first.registry)
    assert b'tawasul_updates_total{kind="message"} 0.0' in generate_latest(second.registry)
    assert b"tawasul_" not in generate_latest(REGISTRY)  # never the process-wide registry


def test_update_kinds_are_the_updates_the_bot_asks_for() -> None:
    assert set(UPDATE_KINDS) == set(ALLOWED_UPDATES)
    assert update_kind(_message_update()) == "message"
    assert update_kind(object()) == "other"


async def test_the_processor_times_each_update_even_when_it_fails() -> None:
    seen: list[tuple[object, float]] = []
    processor = PerChatUpdateProcessor(observe=lambda u, s: seen.append((u, s)))
    update = _message_update()

    async def fail() -> None:
        raise ValueError("handler bug")

    async def handle() -> None:
        return None

    await processor.process_update(update, handle())
    with pytest.raises(ValueError, match="handler bug"):
        await processor.process_update(update, fail())
    assert [u for u, _ in seen] == [update, update]
    assert all(seconds >= 0 for _, seconds in seen)


async def test_outbox_depth_by_lane_and_its_oldest_row(db: Database) -> None:
    async with db.transaction() as conn:
        box = Outbox(conn)
        await box.add(10, "notice", {"n": 1}, NOW, lane=NOTICES)
        await box.add(11, "notice", {"n": 2}, NOW + timedelta(minutes=5), lane=NOTICES)
        await box.add(12, "bulk", {"n": 3}, NOW + timedelta(minutes=7), lane=BULK)
        sent = NOW + timedelta(minutes=8)
        await box.add(13, "bulk", {"n": 4}, sent, lane=BULK)
        rows = await box.eligible(sent, False, 10)
        await box.claim([rows[0].id])  # the first notice is being sent: still unsent
        await box.sent(rows[2].id, sent)  # the older bulk row went: the newer is the oldest
        assert await box.depth() == {
            NOTICES: (2, NOW),
            BULK: (1, NOW + timedelta(minutes=8)),
        }


async def test_outbox_depth_reads_the_index_of_unsent_rows_not_the_table(tmp_path: Path) -> None:
    """SQLite's plan (PostgreSQL's planner picks by the table's statistics instead)."""
    db = SqliteDatabase(tmp_path / "plan.sqlite3")
    await db.open()
    async with db.reading() as conn:
        plan = [str(row[3]) for row in await conn.fetchall("EXPLAIN QUERY PLAN " + DEPTH)]
    await db.close()
    assert any("USING INDEX outbox_chat" in step for step in plan), plan
    # The only other read of the table is by primary key (each lane's oldest row).
    assert not [s for s in plan if s.startswith("SCAN outbox") and "INDEX" not in s], plan


async def test_sampling_skips_a_closed_database(tmp_path: Path) -> None:
    metrics = Metrics()
    await metrics.sample(SqliteDatabase(tmp_path / "never-opened.sqlite3"), NOW, None)
    assert b'tawasul_outbox_depth{lane="notices"} 0.0' in generate_latest(metrics.registry)


async def test_the_rate_limiter_tells_every_429_whoever_retries_it() -> None:
    told: list[tuple[str, float]] = []
    limiter = StaffGroupRateLimiter(
        None, 20, 60.0, max_retries=1, on_retry_after=lambda m, s: told.append((m, s))
    )
    answers: list[Any] = [RetryAfter(2), RetryAfter(0), {"ok": True}]

    async def call(*args: Any, **kwargs: Any) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    # The outbox's calls fail fast and reschedule themselves.
    with pytest.raises(RetryAfter):
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, NO_RETRIES)
    # Interactive calls are retried here (after retry_after).
    answer = await limiter.process_request(call, (), {}, "editMessageText", {"chat_id": 5}, None)
    assert answer == {"ok": True}
    assert told == [("sendMessage", 2.0), ("editMessageText", 0.0)]


async def test_each_call_runs_inside_the_wire_and_each_retry_takes_its_own_turn() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def wire(endpoint: str) -> AsyncIterator[None]:
        events.append(f"slot {endpoint}")
        try:
            yield
        finally:
            events.append(f"answered {endpoint}")

    limiter = StaffGroupRateLimiter(None, 20, 60.0, max_retries=1)
    answers: list[Any] = [RetryAfter(0), {"ok": True}, {"ok": True}, {"ok": True}]

    async def call(*args: Any, **kwargs: Any) -> Any:
        events.append("call")
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with each_call_inside(wire):
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, None)
        await limiter.process_request(call, (), {}, "deleteMessage", {"chat_id": 5}, None)
    await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 5}, NO_RETRIES)
    assert events == [
        *("slot sendMessage", "call", "answered sendMessage"),  # a 429, retried:
        *("slot sendMessage", "call", "answered sendMessage"),  # a new turn
        "call",  # deleting posts nothing: no turn
        "call",  # outside each_call_inside
    ]


def test_the_side_port_is_off_by_default_and_apart_from_the_webhook() -> None:
    settings = load_config({}).settings
    assert settings.metrics_port is None and settings.metrics_listen == "127.0.0.1"
    with pytest.raises(ConfigError) as caught:
        load_config(
            {
                "TAWASUL_MODE": "webhook",
                "TAWASUL_WEBHOOK_URL": "https://x.example/hook",
                "TAWASUL_WEBHOOK_SECRET": "a-webhook-secret-of-32-characters",
                "TAWASUL_WEBHOOK_PORT": "8443",
                "TAWASUL_METRICS_PORT": "8443",
            }
        )
    assert "TAWASUL_METRICS_PORT must differ" in "\n".join(caught.value.problems)


async def test_a_deployment_with_no_association_running_is_unavailable_but_still_scraped() -> None:
    server = web.Application()
    add_deployment_routes(server, lambda: {"al-amal": None, "al-khair": None})
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 503
                body = await response.json()
            assert body["status"] == "unavailable"
            assert body["associations"]["al-amal"]["problems"] == [NOT_RUNNING]
            async with http.get(f"http://127.0.0.1:{port}/healthz/al-khair") as response:
                assert response.status == 503
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                assert "tawasul_" not in await response.text()  # nothing running, nothing made up
    finally:
        await runner.cleanup()
