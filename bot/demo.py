"""Try the bot without a token: the local Bot API emulator, its web sandbox and a terminal chat.

The web page (emulator/web.py) shows the emulator's chats as Telegram would and lets one
person play every side: several beneficiaries and a staff member of each role in the
staff group, whose topics, cards and buttons are the real bot's.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import time

from bot.app import build_application, running
from bot.config import Config
from bot.i18n import Catalogs
from bot.profile import QuietHours, Role, StaffMember
from emulator import BotApiEmulator
from emulator.console import Console, chat_until, stop_on_signals
from handlers.staff.roster import role_label

# A well-formed token that Telegram would never issue; only the emulator sees it.
DEMO_TOKEN = "1000000000:DEMO-local-emulator-token-000000000000"
# The emulator's staff supergroup (a forum: one topic per request).
SANDBOX_STAFF_CHAT = -1009000000001
# Where the page is served when the port is free (else any free port; the address is printed).
SANDBOX_PORT = 8765
# Fictional people the page lets you be: (id, name, Telegram language).
BENEFICIARIES = ((1001, "سارة", "ar"), (1002, "Omar", "en"), (1003, "فهد", "ar"))
# Used when the profile lists no staff: one member for each role.
DEMO_STAFF = (
    StaffMember(id=7001, name="نورة", roles=(Role.RELATIONS_OFFICER,)),
    StaffMember(id=7002, name="هدى", roles=(Role.SOCIAL_RESEARCHER,)),
    StaffMember(id=7003, name="خالد", roles=(Role.COMMITTEE_MEMBER,)),
    StaffMember(id=7004, name="ريم", roles=(Role.ADMIN,)),
)


def sandbox_config(config: Config, emu: BotApiEmulator) -> Config:
    """The configuration for a bot that plays against the emulator's sandbox.

    The staff group is the emulator's; the profile's staff are its members (the demo's four
    when it has none). So that one person can play the whole story in minutes, the rating
    prompt comes as soon as a service is delivered, nothing waits for quiet hours, and the
    follow-up rules run every few seconds.
    """
    profile = config.profile
    staff = profile.staff
    if not staff.members:
        staff = staff.model_copy(update={"members": DEMO_STAFF})
    followups = profile.followups.model_copy(
        update={"rating_after_hours": 0, "quiet_hours": QuietHours(start=time(0), end=time(0))}
    )
    settings = config.settings.model_copy(
        update={
            "api_base_url": emu.base_url,
            "api_base_file_url": emu.base_file_url,
            # Kept apart from a real deployment's database.
            "database": config.settings.database.with_name("demo.sqlite3"),
            "staff_chat_id": SANDBOX_STAFF_CHAT,
            "staff_topics": True,
            "followup_check_seconds": 3.0,
        }
    )
    return Config(
        settings=settings,
        profile=profile.model_copy(update={"staff": staff, "followups": followups}),
        profile_source=config.profile_source,
    )


def add_personas(emu: BotApiEmulator, config: Config, catalogs: Catalogs) -> None:
    """The staff group and the people the web page offers: beneficiaries, then staff."""
    settings = config.settings
    locale = settings.staff_locale or settings.default_locale
    assert settings.staff_chat_id is not None
    group = emu.group(
        settings.staff_chat_id, config.profile.association.name.get(locale), is_forum=True
    )
    for user_id, name, language in BENEFICIARIES:
        emu.sandbox.add_beneficiary(user_id, name, language)
    tr = catalogs.get(locale)
    for member in config.profile.staff.members:
        roles = tr.join([role_label(tr, role) for role in member.roles])
        emu.sandbox.add_staff(member.id, member.name, group, roles, language=locale)


def run_demo(config: Config, *, user_id: int, language: str) -> int:
    """Run the emulator, the bot, the web sandbox and a terminal chat until /quit."""
    logging.getLogger().setLevel(logging.WARNING)  # keep the chat readable
    asyncio.run(_demo(config, user_id=user_id, language=language))
    return 0


async def _start_emulator() -> BotApiEmulator:
    emu = BotApiEmulator(port=SANDBOX_PORT, log_requests=False)
    try:
        return await emu.start()
    except OSError:  # the port is taken: any free one
        await emu.stop()
        return await BotApiEmulator(log_requests=False).start()


async def _demo(config: Config, *, user_id: int, language: str) -> None:
    emu = await _start_emulator()
    try:
        demo = sandbox_config(config, emu)
        app = build_application(demo, token=DEMO_TOKEN)
        add_personas(emu, demo, Catalogs())
        print(
            f"Tawasul demo: open {emu.sandbox_url} in a browser to play every side (a\n"
            "beneficiary, each staff role in the staff group); the bot runs against the local\n"
            f"Bot API emulator ({emu.url}); the database is {demo.settings.database}.",
            flush=True,
        )
        async with running(app):
            stop = stop_on_signals()
            if not sys.stdin.isatty():  # no terminal to chat in: serve the page until stopped
                print("Press Ctrl+C to stop.", flush=True)
                await stop.wait()
                return
            print(
                "Here in the terminal you are a beneficiary too: send /start to begin, !N to\n"
                "press button N, /help for more, /quit to leave.\n",
                flush=True,
            )
            async with Console(emu.url, user_id, "Beneficiary", language) as console:
                await chat_until(console, stop)
    finally:
        await emu.stop()
