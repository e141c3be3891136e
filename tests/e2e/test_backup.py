"""A backup taken while beneficiaries fill the form holds every answer committed before it.

The real bot (the Application over HTTP to the emulator) serves several beneficiaries at
once, each filling the form again and again; `python -m bot backup` runs in a separate
process in the middle of it. The bot is stopped, the backup is restored with
`python -m bot restore` into a fresh location, and the restored database must hold every
answer the bot had confirmed before the backup began, and none sent after it ended.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bot.app import build_application, running
from emulator import BotApiEmulator, BotMessage
from storage.db import database_at, with_login
from storage.pg_backup import pg_tool
from storage.postgres import USE_LOCK
from tests.e2e.driver import ENGLISH_ANSWERS, NATIONAL_ID, Person, open_form
from tests.postgres import Cluster
from tests.support import FakeClock, add_beneficiary, emulator_config

ROOT = Path(__file__).resolve().parents[2]
FIRST_NAMES = ("Sarah", "Noura", "Fahad", "Khalid", "Reem", "Omar")
# Each round's full name is new (the form takes letters only), so rounds are told apart.
SECOND_NAMES = ("Ahmed", "Saleh", "Nasser", "Ibrahim", "Yousef", "Hamad", "Turki", "Majed")
FAMILY_NAMES = ("Alotaibi", "Alqahtani", "Alharbi", "Alshehri", "Alghamdi", "Aldosari")
# What each typed answer is stored as (the form normalises some of them).
STORED: dict[str, object] = {
    **ENGLISH_ANSWERS,
    "national_id": NATIONAL_ID,
    "mobile": "+966551234567",
    "birth_date": {"calendar": "gregorian", "gregorian": "1990-01-15", "hijri": "1410-06-18"},
    "family_size": 5,
    "service_type": "medical_devices",
}
ROUNDS_BEFORE = 2  # forms each beneficiary submits before the backup starts
STEPS_AFTER_BACKUP = 4  # each beneficiary goes on this many steps once the backup is done


@dataclass
class Round:
    """One form a beneficiary fills: the answers the bot confirmed, by when they were sent."""

    full_name: str
    confirmed: dict[str, object] = field(default_factory=dict)
    submitted: bool = False
    sent_after_backup: set[str] = field(default_factory=set)  # keys, and "submitted"


@dataclass
class Traffic:
    """When to back up, and whether the backup has ended, as the beneficiaries see it."""

    people: int
    warmed_up: int = 0  # beneficiaries who have submitted ROUNDS_BEFORE forms
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    backup_ended: asyncio.Event = field(default_factory=asyncio.Event)


class Applicant:
    """A beneficiary who fills and submits the form until told to stop."""

    def __init__(self, person: Person, first_name: str, traffic: Traffic) -> None:
        self.person = person
        self.first_name = first_name
        self.traffic = traffic
        self.rounds: list[Round] = []
        self.steps_after = 0

    def snapshot(self) -> list[Round]:
        """Return what the bot has confirmed so far (a copy)."""
        return [Round(r.full_name, dict(r.confirmed), r.submitted) for r in self.rounds]

    async def run(self) -> None:
        while self.steps_after < STEPS_AFTER_BACKUP:
            await self._one_round(len(self.rounds))

    async def _one_round(self, number: int) -> None:
        person = self.person
        second, family = SECOND_NAMES[number % 8], FAMILY_NAMES[number // 8]
        full_name = f"{self.first_name} {second} {family}"
        current = Round(full_name)
        self.rounds.append(current)
        if number == ROUNDS_BEFORE:
            self.traffic.warmed_up += 1
            if self.traffic.warmed_up == self.traffic.people:
                self.traffic.ready.set()
        if number == 0:
            message = await open_form(
                person, new_label="New support request", agree_label="I agree"
            )
        else:
            welcome = await person.command("/start")
            message = await person.press(welcome, "New support request")
        assert "Question 1 of 9" in message.text, message.text
        answers = {**ENGLISH_ANSWERS, "full_name": full_name}
        for key, value in answers.items():
            message = await self._step(current, key, value, message)
            if self.steps_after >= STEPS_AFTER_BACKUP:
                return
        message = await self._step(current, "id_document", "photo", message)
        if self.steps_after >= STEPS_AFTER_BACKUP:
            return
        review = await person.press(message, "Skip")
        declaration = await person.press(review, "Confirm and continue")
        self._mark_sent(current, "submitted")
        receipt = await person.press(declaration, "I confirm and sign")
        assert "Your request was received." in receipt.text
        current.submitted = True

    async def _step(self, current: Round, key: str, value: str, message: BotMessage) -> BotMessage:
        """Answer one question; the bot's reply means the answer is committed."""
        self._mark_sent(current, key)
        if key == "service_type":
            reply = await self.person.press(message, value)
        elif key == "id_document":
            await self.person.sim.send_photo(size=50_000)
            reply = await self.person.next()
        else:
            reply = await self.person.say(value)
        assert f"Question {len(current.confirmed) + 2} of 9" in reply.text, reply.text  # taken
        current.confirmed[key] = STORED.get(key, value) if key != "full_name" else value
        return reply

    def _mark_sent(self, current: Round, key: str) -> None:
        if self.traffic.backup_ended.is_set():
            current.sent_after_backup.add(key)
            self.steps_after += 1


async def test_a_backup_taken_mid_traffic_restores_every_confirmed_answer(
    emu: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    live = tmp_path / "live" / "tawasul.sqlite3"
    backup = tmp_path / "backups" / "mid-traffic.sqlite3"
    backup.parent.mkdir()
    traffic = Traffic(people=len(FIRST_NAMES))
    applicants = [
        Applicant(Person(emu.user(8001 + i, first_name=name, language_code="en")), name, traffic)
        for i, name in enumerate(FIRST_NAMES)
    ]
    app = build_application(emulator_config(live, emu.base_url, emu.base_file_url), clock=clock)
    async with running(app):
        tasks = [asyncio.create_task(a.run()) for a in applicants]
        # Let the traffic get going: every beneficiary has submitted two forms before it.
        await traffic.ready.wait()
        before = {a.first_name: a.snapshot() for a in applicants}
        code, out = await _cli(live, "backup", str(backup))
        traffic.backup_ended.set()
        assert code == 0, out
        assert f"Backup written: {backup} (migration" in out
        # While the bot runs, a restore over its database is refused.
        code, out = await _cli(live, "restore", str(backup))
        assert code == 1 and "Stop it first" in out and "Traceback" not in out
        await asyncio.gather(*tasks)
    # The traffic went on after the backup, so the checks of what it must not hold bite.
    assert any(r.sent_after_backup for a in applicants for r in a.rounds)

    fresh = tmp_path / "elsewhere" / "restored.sqlite3"
    code, out = await _cli(fresh, "restore", str(backup))
    assert code == 0, out
    assert "kept as" not in out  # there was nothing at the fresh location to keep aside
    with closing(sqlite3.connect(fresh)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        restored = _forms(conn)
    with closing(sqlite3.connect(live)) as conn:
        at_the_end = _forms(conn)

    confirmed = 0
    for applicant in applicants:
        for known in before[applicant.first_name]:
            if not known.confirmed:
                continue
            form, submitted = restored[known.full_name]
            for key, value in known.confirmed.items():
                assert form.get(key) == value or (key == "id_document" and form.get(key)), key
                confirmed += 1
            assert submitted or not known.submitted
        # One moment's copy: the forms it holds are the first ones, all submitted but the
        # last, which may be a draft.
        held = [restored.get(r.full_name) for r in applicant.rounds]
        count = len([form for form in held if form is not None])
        assert all(form is not None for form in held[:count]), applicant.first_name
        assert all(form[1] for form in held[: count - 1] if form is not None)
        for done in applicant.rounds:
            # What was sent once the backup had ended is in the live database only.
            form, submitted = restored.get(done.full_name, ({}, False))
            live_form, live_submitted = at_the_end[done.full_name]
            for key in done.sent_after_backup - {"submitted"}:
                assert key not in form and key in live_form, key
            if "submitted" in done.sent_after_backup:
                assert not submitted and live_submitted
    assert confirmed >= ROUNDS_BEFORE * 8 * len(applicants)

    # The bot runs on the restored database: a beneficiary finds their requests there.
    with closing(sqlite3.connect(fresh)) as conn:
        references = [
            ref for (ref,) in conn.execute("SELECT reference FROM requests WHERE user_id = 8001")
        ]
    assert len(references) >= ROUNDS_BEFORE
    config = emulator_config(fresh, emu.base_url, emu.base_file_url)
    async with running(build_application(config, clock=clock)):
        sim = applicants[0].person.sim
        await sim.send_command("/myrequests")
        # (An answer the backup caught in the inbox, not yet handled, is replayed first.)
        await sim.wait_for_message(predicate=lambda m: all(r in m.text for r in references))


def _forms(conn: sqlite3.Connection) -> dict[str, tuple[dict[str, object], bool]]:
    """Return each form's answers (drafts and requests) by full name, and if it was submitted."""
    forms: dict[str, tuple[dict[str, object], bool]] = {}
    for table, submitted in (("drafts", False), ("requests", True)):
        for (text,) in conn.execute(f"SELECT answers FROM {table}"):
            answers = json.loads(text)
            if "full_name" in answers:
                forms[answers["full_name"]] = (answers, submitted)
    return forms


async def _cli(database: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run python -m bot in a separate process, as an operator (or cron) would."""
    env = {
        **os.environ,
        "TAWASUL_DATABASE": str(database),
        "TAWASUL_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    env.pop("TAWASUL_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return await process.wait(), output.decode()


async def test_on_postgresql_backup_dumps_the_association_s_schema_that_pg_restore_reads(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.new_database()
    await add_beneficiary(url, "al_amal", 1, "Sara")
    folder = tmp_path / "backups"
    folder.mkdir()
    env = {"TAWASUL_DATABASE_URL": url, "TAWASUL_DATABASE_SCHEMA": "al_amal"}
    for _ in range(2):  # a second later: --keep 1 leaves the newer one
        status, output = await _cli(
            tmp_path / "unused.sqlite3", "backup", str(folder), "--keep", "1", env=env
        )
        assert status == 0, output
        assert "Backup written:" in output and "(migration" in output and "checked" in output
        await asyncio.sleep(1.1)
    (dump,) = folder.glob("tawasul-al_amal-*.dump")
    assert "Removed the older backup" in output
    assert dump.stat().st_mode & 0o777 == 0o600  # personal data: its owner's only
    # The dump is what pg_restore puts back, in another database.
    with psycopg.connect(pg_cluster.url("postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE restored")
    restored = pg_cluster.url("restored")
    done = await asyncio.to_thread(
        subprocess.run,
        [str(pg_tool("pg_restore")), "--no-owner", f"--dbname={restored}", str(dump)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with psycopg.connect(restored) as conn:
        rows = conn.execute("SELECT first_name FROM al_amal.beneficiaries").fetchall()
    assert rows == [("Sara",)]


def _dumps(folder: Path) -> list[Path]:
    return list(folder.glob("tawasul-*.dump"))


async def _names(url: str, schema: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(f"SELECT first_name FROM {schema}.beneficiaries ORDER BY user_id")
        return [r[0] for r in rows.fetchall()]


async def _backed_up(pg_cluster: Cluster, folder: Path, schema: str | None) -> tuple[str, Path]:
    """A new database whose association has Sara, and the `backup` command's dump of it."""
    url = pg_cluster.new_database()
    await add_beneficiary(url, schema, 1, "Sara")
    env = {"TAWASUL_DATABASE_URL": url, **({"TAWASUL_DATABASE_SCHEMA": schema} if schema else {})}
    status, output = await _cli(folder / "unused.sqlite3", "backup", str(folder), env=env)
    assert status == 0, output
    (dump,) = _dumps(folder)
    return url, dump


async def test_on_postgresql_restore_puts_the_dump_back_and_keeps_the_schema_it_replaced(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url, dump = await _backed_up(pg_cluster, tmp_path, "al_amal")
    env = {"TAWASUL_DATABASE_URL": url, "TAWASUL_DATABASE_SCHEMA": "al_amal"}
    unused = tmp_path / "unused.sqlite3"
    await add_beneficiary(url, "al_amal", 2, "Omar")  # after the backup

    # Refused while a process uses the association's schema (the bot, an export…).
    running_bot = database_at(url, "al_amal")
    await running_bot.open()
    try:
        status, output = await _cli(unused, "restore", str(dump), env=env)
    finally:
        await running_bot.close()
    assert status == 1 and "is in use" in output, output
    assert await _names(url, "al_amal") == ["Sara", "Omar"]

    # Another association's dump, or a damaged one, is refused before anything changes.
    other = {**env, "TAWASUL_DATABASE_SCHEMA": "al_noor"}
    status, output = await _cli(unused, "restore", str(dump), env=other)
    assert status == 1 and "a dump of the schema al_amal, not of al_noor" in output, output
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    status, output = await _cli(unused, "restore", str(damaged), env=env)
    assert status == 1 and "Restore refused" in output, output
    assert await _names(url, "al_amal") == ["Sara", "Omar"]

    status, output = await _cli(unused, "restore", str(dump), env=env)
    assert status == 0, output
    assert "Restored" in output and "kept as al_amal_before_" in output
    assert await _names(url, "al_amal") == ["Sara"]
    kept = output.split("kept as ", 1)[1].split()[0]
    assert await _names(url, kept) == ["Sara", "Omar"]  # nothing is dropped
    # The restored schema is the association's: the bot opens and writes it.
    await add_beneficiary(url, "al_amal", 3, "Huda")
    assert await _names(url, "al_amal") == ["Sara", "Huda"]


async def test_on_postgresql_a_whole_database_dump_restores_into_public(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url, dump = await _backed_up(pg_cluster, tmp_path, None)
    await add_beneficiary(url, None, 2, "Omar")
    env = {"TAWASUL_DATABASE_URL": url}
    status, output = await _cli(tmp_path / "unused.sqlite3", "restore", str(dump), env=env)
    assert status == 0, output
    assert await _names(url, "public") == ["Sara"]


async def test_a_bot_started_during_a_postgresql_restore_waits_for_it(
    pg_cluster: Cluster,
) -> None:
    url = pg_cluster.new_database()
    await add_beneficiary(url, "al_amal", 1, "Sara")
    with psycopg.connect(url, autocommit=True) as restoring:  # what a restore holds
        restoring.execute("SELECT pg_advisory_lock(%s, hashtext('al_amal'))", (USE_LOCK,))
        bot = database_at(url, "al_amal")
        opening = asyncio.create_task(bot.open())
        await asyncio.sleep(0.5)
        assert not opening.done()
        # Another association is not held up.
        other = database_at(url, "al_noor")
        await asyncio.wait_for(other.open(), 10)
        await other.close()
        restoring.execute("SELECT pg_advisory_unlock(%s, hashtext('al_amal'))", (USE_LOCK,))
        await asyncio.wait_for(opening, 10)
    await bot.close()


async def test_on_postgresql_a_role_that_may_not_create_schemas_is_refused_and_changes_nothing(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url, dump = await _backed_up(pg_cluster, tmp_path, "al_amal")
    with psycopg.connect(url, autocommit=True) as admin:  # as associations-roles makes it
        admin.execute("CREATE ROLE amal_role LOGIN PASSWORD 'pw-amal'")
        admin.execute("ALTER SCHEMA al_amal OWNER TO amal_role")
    own = with_login(url, "amal_role", "pw-amal")
    env = {"TAWASUL_DATABASE_URL": own, "TAWASUL_DATABASE_SCHEMA": "al_amal"}
    status, output = await _cli(tmp_path / "unused.sqlite3", "restore", str(dump), env=env)
    assert status == 1 and "Restore refused: The restore failed" in output, output
    assert "pw-amal" not in output
    assert await _names(url, "al_amal") == ["Sara"]
    with psycopg.connect(url) as conn:
        schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'al_amal%'")
        assert [r[0] for r in schemas.fetchall()] == ["al_amal"]
