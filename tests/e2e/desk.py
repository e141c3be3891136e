"""The staff side as a test plays it: a staff group with configured members, and helpers to
submit a request, find its card and press its buttons."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.app import DISPATCHER_KEY, build_application, running
from bot.config import Config
from bot.context import AppType
from bot.delivery.dispatcher import Dispatcher
from bot.profile import Role, Staff, StaffMember
from emulator import BotApiEmulator, BotMessage, SimGroup, SimUser
from tests.e2e.driver import ENGLISH_ANSWERS, Person, answer_all, open_form
from tests.support import DbTarget, FakeClock, emulator_config, peek

STAFF_CHAT = -1001234567890
OFFICER, RESEARCHER, COMMITTEE_A, COMMITTEE_B, ADMIN, OUTSIDER = 7001, 7002, 7003, 7004, 7005, 7999

STAFF = Staff(
    members=(
        StaffMember(id=OFFICER, name="Noura", roles=(Role.RELATIONS_OFFICER,)),
        StaffMember(id=RESEARCHER, name="Huda", roles=(Role.SOCIAL_RESEARCHER,)),
        StaffMember(id=COMMITTEE_A, name="Khalid", roles=(Role.COMMITTEE_MEMBER,)),
        StaffMember(id=COMMITTEE_B, name="Fahad", roles=(Role.COMMITTEE_MEMBER,)),
        StaffMember(id=ADMIN, name="Reem", roles=(Role.ADMIN,)),
    ),
    note_prefix="#note",
    quiet_close_hours=24,
)


def staff_config(
    db_target: DbTarget,
    emu: BotApiEmulator,
    *,
    topics: bool = True,
    rate: int = 1000,
    period: float = 60.0,
    locale: str = "en",
    **overrides: Any,
) -> Config:
    config = emulator_config(db_target, emu.base_url, emu.base_file_url)
    settings = config.settings.model_copy(
        update={
            "staff_chat_id": STAFF_CHAT,
            "staff_topics": topics,
            "staff_group_rate": rate,
            "staff_group_period": period,
            "staff_locale": locale,
            # Tests run the follow-up rules themselves, at the simulated times they choose.
            "followup_check_seconds": 3600.0,
            **overrides,
        }
    )
    profile = config.profile.model_copy(update={"staff": STAFF})
    return Config(settings=settings, profile=profile, profile_source=config.profile_source)


@dataclass
class Desk:
    """The staff group, its members and the running bot."""

    emu: BotApiEmulator
    app: AppType
    group: SimGroup
    members: dict[int, SimUser]
    db_target: DbTarget

    @property
    def dispatcher(self) -> Dispatcher:
        dispatcher = self.app.bot_data[DISPATCHER_KEY]
        assert isinstance(dispatcher, Dispatcher)
        return dispatcher

    async def settle(self) -> None:
        """Wait until the outbox has sent everything that is due."""
        await self.dispatcher.idle()

    async def card(self, reference: str, timeout: float = 10.0) -> BotMessage:  # noqa: ASYNC109
        """The request's card in the staff group (posted by the dispatcher)."""
        return await self.group.wait_for_message(
            timeout=timeout,
            predicate=lambda m: reference in m.text and bool(m.buttons),
        )

    async def press(self, who: int, message: BotMessage, label: str) -> dict[str, Any]:
        """Press a card button as a staff member; return the bot's callback answer."""
        query = await self.group.press(self.members[who], message, message.callback_data(label))
        return await self.group.wait_for_callback_answer(query)

    async def press_data(self, who: int, message: BotMessage, data: str) -> dict[str, Any]:
        query = await self.group.press(self.members[who], message, data)
        return await self.group.wait_for_callback_answer(query)

    async def say(
        self, who: int, text: str, topic: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        return await self.group.send_text(
            self.members[who], text, message_thread_id=topic, reply_to_message_id=reply_to
        )

    async def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        async with peek(self.db_target) as conn:
            return [tuple(r) for r in await conn.fetchall(sql, args)]

    async def status(self, reference: str) -> str:
        rows = await self.rows("SELECT status FROM requests WHERE reference = ?", reference)
        return str(rows[0][0])


@asynccontextmanager
async def open_desk(
    emu: BotApiEmulator, clock: FakeClock, db_target: DbTarget, **options: Any
) -> AsyncIterator[Desk]:
    group = emu.group(STAFF_CHAT, "Association staff", is_forum=options.pop("forum", True))
    names = {
        OFFICER: "Noura",
        RESEARCHER: "Huda",
        COMMITTEE_A: "Khalid",
        COMMITTEE_B: "Fahad",
        ADMIN: "Reem",
        OUTSIDER: "Visitor",
    }
    members = {
        uid: emu.user(uid, first_name=name, language_code="en") for uid, name in names.items()
    }
    app = build_application(staff_config(db_target, emu, **options), clock=clock)
    async with running(app) as started:
        yield Desk(emu, started, group, members, db_target)


async def submit(
    person: Person, answers: dict[str, str] | None = None, *, again: bool = False
) -> str:
    """Apply in English from /start to the receipt; return the reference number.

    again: not the first request (the privacy notice was accepted with the first)."""
    if again:
        first = await person.press(await person.command("/start"), "New support request")
    else:
        first = await open_form(person, new_label="New support request", agree_label="I agree")
    review = await answer_all(person, first, answers or ENGLISH_ANSWERS, skip_label="Skip")
    declaration = await person.press(review, "Confirm and continue")
    receipt = await person.press(declaration, "I confirm and sign")
    assert "Your request was received" in receipt.text
    found = re.search(r"TWS-\d{4}-\d{6}", receipt.text)
    assert found is not None
    return found.group(0)


ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")


def plain(text: str) -> str:
    """The text without the Unicode isolates that keep mixed directions apart."""
    return text.translate(ISOLATES)
