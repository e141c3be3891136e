"""What a broadcast run needs before it starts: the pace, the bot's settings and profile,
the seeded beneficiaries, and the admin's /broadcast up to the preview."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bench.broadcast_stats import TELEGRAM_RATE
from bench.process import ROOT, BotProcess
from emulator import BotApiEmulator, BotMessage, RateLimits, SimGroup, SimUser
from storage.repositories import Beneficiaries
from storage.sqlite import SqliteDatabase

STAFF_CHAT = -1001234567890
ADMIN_ID = 7005
FIRST_RECIPIENT = 200_000
NOTICE_USER = 199_999  # not a beneficiary: only the injected notice goes there
TEXT = "Tawasul benchmark: the association's office is closed on Thursday."
OUTBOX_RATE = 28.0  # the shipped default (TAWASUL_OUTBOX_RATE), before scaling
PROGRESS_SECONDS = 10.0  # the shipped default (TAWASUL_BROADCAST_PROGRESS_SECONDS)
STEP_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Pace:
    """Telegram's limits and the bot's settings, with time running `scale` times faster."""

    scale: float

    @property
    def outbox_rate(self) -> float:
        return OUTBOX_RATE * self.scale

    @property
    def telegram_rate(self) -> float:
        return TELEGRAM_RATE * self.scale

    @property
    def progress_seconds(self) -> float:
        return PROGRESS_SECONDS / self.scale

    def enforce(self, emu: BotApiEmulator) -> RateLimits:
        return emu.enforce_limits(
            per_private_chat_per_sec=self.scale,
            per_group_per_min=20,
            global_per_sec=round(self.telegram_rate),
            group_period=60.0 / self.scale,
        )

    def bot_env(self, database: Path, profile: Path) -> dict[str, str]:
        return {
            "TAWASUL_DATABASE": str(database),
            "TAWASUL_PROFILE": str(profile),
            "TAWASUL_STAFF_CHAT_ID": str(STAFF_CHAT),
            "TAWASUL_STAFF_TOPICS": "true",
            "TAWASUL_STAFF_LOCALE": "en",
            "TAWASUL_STAFF_GROUP_PERIOD": f"{60.0 / self.scale:g}",
            "TAWASUL_OUTBOX_RATE": f"{self.outbox_rate:g}",
            "TAWASUL_OUTBOX_CHAT_INTERVAL": f"{1.0 / self.scale:g}",
            "TAWASUL_BROADCAST_PROGRESS_SECONDS": f"{self.progress_seconds:g}",
        }


def recipients(count: int) -> range:
    return range(FIRST_RECIPIENT, FIRST_RECIPIENT + count)


def write_profile(folder: Path) -> Path:
    """The sample profile with one admin and no quiet hours.

    Quiet hours (22:00-08:00 in Riyadh) would hold the broadcast until morning: without
    them the run does not depend on the time of day it is started at.
    """
    data = yaml.safe_load((ROOT / "bot" / "profiles" / "sample.yaml").read_text("utf-8"))
    data["staff"]["members"] = [{"id": ADMIN_ID, "name": "Reem", "roles": ["admin"]}]
    data["followups"]["quiet_hours"] = {"start": "00:00", "end": "00:00"}
    path = folder / "broadcast-profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


async def seed(database: Path, chats: range) -> None:
    """Create the database and the beneficiaries, as if each had written to the bot once."""
    db = SqliteDatabase(database)
    await db.open()
    try:
        now = datetime.now(UTC)
        async with db.transaction() as conn:
            repo = Beneficiaries(conn)
            for chat in chats:
                await repo.insert(chat, chat, f"B{chat}", "en", now)
    finally:
        await db.close()


def populate(emu: BotApiEmulator, chats: range) -> tuple[SimGroup, SimUser]:
    """The staff forum with its admin, and a private chat for every recipient."""
    group = emu.group(STAFF_CHAT, "Tawasul staff", is_forum=True)
    admin = emu.user(ADMIN_ID, first_name="Reem", language_code="en")
    for chat in chats:
        emu.user(chat, first_name=f"B{chat}", language_code="en")
    return group, admin


def button(message: BotMessage, starts: str) -> str:
    """The callback data of the button whose label starts with `starts`."""
    for row in message.buttons:
        for b in row:
            if str(b["text"]).startswith(starts):
                return str(b["callback_data"])
    raise RuntimeError(f"no button {starts!r} in {message.button_labels}")


async def until(check: Callable[[], bool], what: str, timeout: float = STEP_TIMEOUT) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def compose(group: SimGroup, admin: SimUser) -> BotMessage:
    """/broadcast, everyone, the message; return the preview with its Send button."""
    await group.send_text(admin, "/broadcast")
    ask = await group.wait_for_message(
        timeout=STEP_TIMEOUT, predicate=lambda m: "who should receive" in m.text
    )
    await group.press(admin, ask, button(ask, "all beneficiaries"))
    await until(lambda: "Now send" in ask.text, "the question for the message")
    await group.send_text(admin, TEXT)
    return await group.wait_for_message(
        timeout=STEP_TIMEOUT, predicate=lambda m: m.text == TEXT and bool(m.buttons)
    )


class SenderProcess(BotProcess):
    """The bare sender: it does not poll, so it is ready as soon as it is started."""

    async def start(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        self.proc = self._spawn()
