"""Several associations in one process (`run --associations DIR`), on each backend.

Three associations, each with its own bot (its own emulator: Telegram keeps bots apart),
its own profile and data. One's token is revoked; another's guide cannot be read, and then
Telegram answers it 429 to everything: the third serves its beneficiaries all along, the
broken guide only costs that guide, and the revoked one starts once its token works again.
No association sees another's rows.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psycopg
import pytest

from bot.__main__ import main as bot_main
from bot.associations import (
    load_associations,
    role_url,
    roles_sql,
    serve_polling,
    serve_webhooks,
)
from bot.config import ConfigError
from emulator import BotApiEmulator
from storage.db import database_at
from storage.migrator import latest
from storage.outbox import Outbox
from storage.sql import DatabaseError
from tests.e2e.driver import Person
from tests.e2e.test_monitoring import scrape, value
from tests.postgres import Cluster
from tests.support import (
    DbTarget,
    add_beneficiary,
    eventually,
    free_port,
    healthz,
    healthz_until,
    table_names,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "bot" / "profiles"
NAMES = ("al-amal", "al-birr", "al-khair")


def _write(folder: Path, name: str, emu: BotApiEmulator, token: str, extra: str = "") -> Path:
    sub = folder / name
    sub.mkdir(parents=True)
    (sub / "association.env").write_text(
        f"TAWASUL_BOT_TOKEN={token}\n"
        f"TAWASUL_API_BASE_URL={emu.base_url}\n"
        f"TAWASUL_API_BASE_FILE_URL={emu.base_file_url}\n" + extra,
        encoding="utf-8",
    )
    return sub


def _broken_guide_profile(sub: Path) -> None:
    """The sample profile whose guide is a Word file that is not one."""
    text = (SAMPLE / "sample.yaml").read_text(encoding="utf-8")
    text = text.replace("    - guides/sample_policy.md\n", "    - broken.docx\n")
    (sub / "profile.yaml").write_text(text, encoding="utf-8")
    (sub / "broken.docx").write_bytes(b"this is not a zip file")
    shutil.copy(SAMPLE / "sample_cards.yaml", sub / "sample_cards.yaml")


@contextlib.asynccontextmanager
async def emulators(count: int) -> AsyncIterator[list[BotApiEmulator]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(BotApiEmulator()) for _ in range(count)]


def _deployment(db_target: DbTarget) -> dict[str, str]:
    return {"TAWASUL_DATABASE_URL": db_target} if isinstance(db_target, str) else {}


async def test_one_process_serves_three_associations_and_one_fault_stops_only_its_own(
    db_target: DbTarget, tmp_path: Path
) -> None:
    async with emulators(3) as (amal, birr, khair):
        folder = tmp_path / "associations"
        _write(folder, "al-amal", amal, "1110000001:AMAL-TOKEN-000000000000000000000000000")
        _broken_guide_profile(
            _write(folder, "al-birr", birr, "2220000002:BIRR-TOKEN-000000000000000000000000000")
        )
        _write(folder, "al-khair", khair, "3330000003:KHAIR-TOKEN-00000000000000000000000000")
        associations = load_associations(folder, _deployment(db_target))
        assert [a.name for a in associations] == list(NAMES)
        revoked = amal.faults.add("401", "getMe", times=None)  # al-amal's token is revoked
        stop = asyncio.Event()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        task = asyncio.create_task(
            serve_polling(associations, stop, poll_timeout=1, first_wait=0.5, metrics_port=port)
        )
        try:
            # The other two serve their beneficiaries, each in its own language and data.
            sara = Person(khair.user(5001, first_name="Sara", language_code="en"))
            welcome = await sara.command("/start")
            assert "Welcome to" in welcome.text
            # The side port tells the operator which association is down, and why, while
            # still answering 200: the process serves the others.
            _, body = await healthz_until(
                base,
                lambda status, body: body["associations"]["al-birr"]["status"] == "ready",
                "al-birr ready",
            )
            assert body["status"] == "degraded"
            assert body["associations"]["al-khair"]["status"] == "ready"
            assert body["associations"]["al-amal"]["status"] == "unavailable"
            assert body["associations"]["al-amal"]["problems"]
            assert (await healthz(base, "/healthz/al-amal"))[0] == 503
            assert (await healthz(base, "/healthz/al-khair"))[0] == 200
            assert (await healthz(base, "/healthz/al-nowhere"))[0] == 404
            samples, text = await scrape(base)
            assert value(samples, "tawasul_updates_total", kind="message", association="al-khair")
            assert not value(
                samples, "tawasul_updates_total", kind="message", association="al-amal"
            )
            assert text.count("# TYPE tawasul_updates_total counter") == 1  # one family for all
            huda = Person(birr.user(5002, first_name="Huda", language_code="ar"))
            assert (await huda.command("/start")).buttons  # the menu, in spite of its guide
            # Telegram answers al-birr 429 to everything: al-khair does not notice.
            storm = birr.faults.add("429", times=None, retry_after=3)
            await huda.sim.send_command("/help")
            await eventually(lambda: storm.fired >= 1)
            answer = await sara.say("Where is your office?")
            assert answer.text  # al-khair's guides answer (or say they cannot): no crash
            birr.faults.clear()  # the storm ends
            await eventually(lambda: revoked.fired >= 2)  # al-amal is tried again, refused again
            omar = amal.user(5003, first_name="Omar", language_code="en")
            assert not omar.messages
            # Its token works again: al-amal starts by itself and serves.
            amal.faults.clear()
            await omar.send_command("/start")
            assert "Welcome to" in (await omar.wait_for_message(timeout=30)).text
            await healthz_until(
                base, lambda status, body: status == 200 and body["status"] == "ready", "ready"
            )
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
    # Each association's rows are its own: none of another's beneficiaries is in them.
    seen = {}
    for association in associations:
        settings = association.config.settings
        db = database_at(settings.database_target, settings.database_schema)
        await db.open()
        try:
            async with db.reading() as conn:
                seen[association.name] = {
                    int(r[0]) for r in await conn.fetchall("SELECT user_id FROM beneficiaries")
                }
                tables = await table_names(conn)
        finally:
            await db.close()
        assert "beneficiaries" in tables and "schema_migrations" in tables
    assert seen == {"al-amal": {5003}, "al-birr": {5002}, "al-khair": {5001}}


async def test_a_schema_is_all_an_association_reads(pg_cluster: Cluster) -> None:
    """Two associations in one PostgreSQL database: every table one reads is its own."""
    url = pg_cluster.new_database()
    first, second = database_at(url, "al_amal"), database_at(url, "al_khair")
    await first.open()
    await second.open()
    try:
        async with first.transaction() as conn:
            await conn.execute(
                "INSERT INTO beneficiaries (user_id, chat_id, locale, created_at, updated_at)"
                " VALUES (1, 1, 'ar', 't', 't')"
            )
        async with second.reading() as conn:
            for table in await table_names(conn):
                assert await conn.fetchval(f"SELECT COUNT(*) FROM {table}") == (
                    (await conn.fetchval("SELECT COUNT(*) FROM schema_migrations"))
                    if table == "schema_migrations"
                    else 0
                ), table
            assert await conn.fetchval("SELECT current_schemas(false)::text") == "{al_khair}"
        async with first.reading() as conn:
            assert await conn.fetchval("SELECT COUNT(*) FROM beneficiaries") == 1
    finally:
        await first.close()
        await second.close()


async def test_a_role_per_association_owns_its_schema_and_cannot_read_another(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    """`associations-roles`: al-amal's schema existed under the shared role (its rows stay
    its own), al-khair's is new; each association's own role then works in its schema and
    is refused another's, even by a statement that names it."""
    url = pg_cluster.new_database()
    folder = tmp_path / "associations"
    for name, token in (
        ("al-amal", "1110000001:AMAL-TOKEN-000000000000000000000000000"),
        ("al-khair", "3330000003:KHAIR-TOKEN-00000000000000000000000000"),
    ):
        sub = folder / name
        sub.mkdir(parents=True)
        (sub / "association.env").write_text(f"TAWASUL_BOT_TOKEN={token}\n", encoding="utf-8")
    associations = load_associations(folder, {"TAWASUL_DATABASE_URL": url})
    await add_beneficiary(url, "al_amal", 1)  # under the shared role
    passwords = {"al-amal": "amal-pass", "al-khair": "khair-pass"}
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as owner:
        await owner.execute(roles_sql(associations, passwords).encode())
    amal = database_at(role_url(url, "al_amal", "amal-pass"), "al_amal")
    khair = database_at(role_url(url, "al_khair", "khair-pass"), "al_khair")
    await amal.open()
    await khair.open()  # its migrations run under its own role
    try:
        async with khair.transaction() as conn:
            await conn.execute(
                "INSERT INTO beneficiaries (user_id, chat_id, locale, created_at, updated_at)"
                " VALUES (2, 2, 'en', 't', 't')"
            )
            assert await conn.fetchval("SELECT current_user") == "tawasul_al_khair"
        async with amal.transaction() as conn:
            await conn.execute("UPDATE beneficiaries SET locale = 'ar' WHERE user_id = 1")
            # A table made under the shared role, with its id sequence: handed over too.
            await Outbox(conn).add(1, "notice", {"n": 0}, datetime.now(UTC))
        with pytest.raises(DatabaseError, match="permission denied"):
            async with amal.reading() as conn:
                await conn.fetchval("SELECT COUNT(*) FROM al_khair.beneficiaries")
        with pytest.raises(DatabaseError, match="permission denied"):
            async with khair.transaction() as conn:
                await conn.execute("DELETE FROM al_amal.beneficiaries")
    finally:
        await amal.close()
        await khair.close()


def test_associations_roles_prints_the_sql_and_each_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "associations"
    (folder / "al-amal").mkdir(parents=True)
    (folder / "al-amal" / "association.env").write_text(
        "TAWASUL_BOT_TOKEN=1110000001:AMAL-TOKEN-000000000000000000000000000\n", encoding="utf-8"
    )
    monkeypatch.setenv("TAWASUL_DATABASE_URL", "postgresql://deploy:secret@db.internal:5433/tw")
    assert bot_main(["associations-roles", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "CREATE ROLE tawasul_al_amal LOGIN PASSWORD '" in out
    assert "ALTER SCHEMA al_amal OWNER TO tawasul_al_amal;" in out
    (line,) = [x for x in out.splitlines() if "TAWASUL_DATABASE_URL=" in x]
    assert line.startswith(f"-- {folder / 'al-amal' / 'association.env'}: ")
    assert re.search(r"=postgresql://tawasul_al_amal:[\w-]{20,}@db\.internal:5433/tw$", line)
    assert "deploy" not in out and "secret@" not in out  # the shared role's password stays


async def test_a_command_acts_on_one_association_of_a_deployment(
    db_target: DbTarget, tmp_path: Path
) -> None:
    """`python -m bot --association DIR/<name> migrate`: that association's own database
    (its file, or its schema of the shared one), as `run --associations` would use it."""
    folder = tmp_path / "associations"
    sub = folder / "al-amal"
    sub.mkdir(parents=True)
    (sub / "association.env").write_text(
        "TAWASUL_BOT_TOKEN=1110000001:AMAL-TOKEN-000000000000000000000000000\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAWASUL_")}
    env.update(_deployment(db_target))
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "--association", str(sub), "migrate"],
        cwd=tmp_path,  # no .env of the repository's
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # Read without opening it the bot's way (which would migrate it): the command did.
    if isinstance(db_target, str):
        async with await psycopg.AsyncConnection.connect(db_target) as conn:
            cursor = await conn.execute("SELECT MAX(version) FROM al_amal.schema_migrations")
            row = await cursor.fetchone()
        newest = latest("postgresql")
    else:
        with contextlib.closing(sqlite3.connect(sub / "tawasul.sqlite3")) as lite:
            row = lite.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        newest = latest("sqlite")
    assert row is not None and row[0] == newest


def test_no_statement_names_a_schema() -> None:
    """Statements name bare tables, so each reaches its own association's schema only (a
    table named with its schema would reach past the connection's search path)."""
    root = Path(__file__).resolve().parents[2]
    qualified = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+[a-z_]+\.[a-z_]+")
    strings = [
        (path, node.value)
        for folder in ("storage", "bot", "handlers", "conversations")
        for path in (root / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert sum("FROM" in text for _, text in strings) > 50  # the statements were seen
    found = [
        f"{p.relative_to(root)}: {m.group(0)}" for p, t in strings for m in qualified.finditer(t)
    ]
    assert not found
    assert qualified.search("SELECT 1 FROM al_amal.beneficiaries")  # the check can fail


def test_a_broken_folder_is_refused_with_every_reason(tmp_path: Path) -> None:
    for name, text in (
        ("Bad Name", "TAWASUL_BOT_TOKEN=1:A\n"),
        ("one", "TAWASUL_BOT_TOKEN=9:SAME\nTAWASUL_TIMEZONE=Mars/Olympus\n"),
        ("two", "TAWASUL_BOT_TOKEN=9:SAME\n"),
        ("three", "TAWASUL_BOT_TOKEN=9:SAME\n"),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "association.env").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_associations(tmp_path, {})
    problems = "\n".join(caught.value.problems)
    assert "Bad Name" in problems
    assert "one: TAWASUL_TIMEZONE" in problems
    assert "same TAWASUL_BOT_TOKEN" in problems


async def test_webhooks_of_two_associations_on_one_port_each_with_its_secret(
    tmp_path: Path,
) -> None:
    """Webhook mode: one server, a path for each association, each checking its own secret."""
    port = free_port()
    deployment = {
        "TAWASUL_MODE": "webhook",
        "TAWASUL_WEBHOOK_URL": f"http://127.0.0.1:{port}/hooks",
        "TAWASUL_WEBHOOK_LISTEN": "127.0.0.1",
        "TAWASUL_WEBHOOK_PORT": str(port),
    }
    secrets_ = {
        "al-amal": "amal-secret-of-32-characters-000",
        "al-khair": "khair-secret-32-characters-0000",
    }
    async with contextlib.AsyncExitStack() as stack:
        amal, khair = [
            await stack.enter_async_context(BotApiEmulator(webhook_retry_delay=0.05))
            for _ in range(2)
        ]
        folder = tmp_path / "associations"
        for name, emu, token in (
            ("al-amal", amal, "1110000001:AMAL-TOKEN-000000000000000000000000000"),
            ("al-khair", khair, "3330000003:KHAIR-TOKEN-00000000000000000000000000"),
        ):
            _write(folder, name, emu, token, f"TAWASUL_WEBHOOK_SECRET={secrets_[name]}\n")
        associations = load_associations(folder, deployment)
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve_webhooks(associations, stop, listen="127.0.0.1", port=port)
        )
        try:
            for emu, name, user in ((amal, "al-amal", 6001), (khair, "al-khair", 6002)):
                person = Person(emu.user(user, first_name="Sara", language_code="en"))
                assert "Welcome to" in (await person.command("/start")).text
                assert emu.state.webhook is not None
                assert emu.state.webhook["url"] == f"http://127.0.0.1:{port}/hooks/{name}"
            # A post with the other association's secret is refused, unread.
            async with aiohttp.ClientSession() as http:
                forged = await http.post(
                    f"http://127.0.0.1:{port}/hooks/al-amal",
                    json={"update_id": 1},
                    headers={"X-Telegram-Bot-Api-Secret-Token": secrets_["al-khair"]},
                )
                assert forged.status == 403
            # The webhook server answers /healthz for every association too.
            _, body = await healthz_until(
                f"http://127.0.0.1:{port}",
                lambda status, body: status == 200 and body["status"] == "ready",
                "both ready",
            )
            assert set(body["associations"]) == {"al-amal", "al-khair"}
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
