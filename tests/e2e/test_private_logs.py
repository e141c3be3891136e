"""At TAWASUL_LOG_LEVEL=DEBUG no log line carries a beneficiary's name, id or phone number.

The bot logs as production does (bot.logs.configure_logging, its redacting filter) while
beneficiaries and staff take every path personal data travels: questions, the whole
form with wrong answers and a failure, the staff card and commands, a conversation.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import bot.logs
from bot.logs import PersonalValues, configure_logging
from bot.services.requests import RequestService
from bot.services.textnorm import normalize_digits
from emulator import BotApiEmulator
from tests.e2e.desk import OFFICER, Desk, open_desk, plain, submit
from tests.e2e.driver import ENGLISH_ANSWERS, NATIONAL_ID, Person, open_form
from tests.support import DbTarget, FakeClock

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_NAME = "نورة سالم الشمري"
ARABIC_NAME_TYPED = "نُورَة سـالم\u200b الشَّمري"  # diacritics, a tatweel, a zero-width space
ENGLISH_NAME = "Layla Fahad Alqahtani"
MOBILE_1, MOBILE_2, MOBILE_3 = "0551234567", "0559990000", "0541112233"
# The Telegram accounts: names and a username are personal data too.
ARABIC_ACCOUNT = {"first_name": "نوف", "last_name": "العنزي"}
ENGLISH_ACCOUNT = {"first_name": "Hessa", "last_name": "Aldosari", "username": "hessa_d"}
TALKING_ACCOUNT = {"first_name": "Muneera", "last_name": "Alsubaie"}
NAMES = [
    ARABIC_NAME,
    ENGLISH_NAME,
    *ARABIC_ACCOUNT.values(),
    *ENGLISH_ACCOUNT.values(),
    *TALKING_ACCOUNT.values(),
]
NUMBERS = [NATIONAL_ID, MOBILE_1, MOBILE_2, MOBILE_3]


@contextmanager
def production_logging() -> Iterator[io.StringIO]:
    """Log at DEBUG exactly as `TAWASUL_LOG_LEVEL=DEBUG` does, into a string."""
    root = logging.getLogger()
    manager = logging.Logger.manager
    levels = {n: g.level for n, g in manager.loggerDict.items() if isinstance(g, logging.Logger)}
    handlers, level = root.handlers[:], root.level
    configure_logging("DEBUG")
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, logger in manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(name, logging.NOTSET))


def leaks(log: str) -> list[str]:
    """Return the personal values found in the log, however they are written."""
    found = []
    spelt = bot.logs._spelt(log)
    digits = normalize_digits(log)
    for name in NAMES:
        if bot.logs._spelt(name) in spelt or name in log:
            found.append(name)
    for number in NUMBERS:
        # With or without spaces, dashes or dots between the digits, in either digit set.
        local = number[1:] if number.startswith("05") else number
        if re.search(r"[\s.\-]*".join(local), digits):
            found.append(number)
    return found


async def _staff_command(desk: Desk, text: str) -> str:
    await desk.say(OFFICER, text)
    reply = await desk.group.wait_for_message(message_thread_id=1)
    return plain(reply.text)


async def _fill_form_with_mistakes_and_a_failure(person: Person) -> str:
    """Answer in Arabic digits, with wrong answers and one failing save; return the ref."""
    message = await open_form(person, new_label="New support request", agree_label="I agree")
    wrong = await person.say(f"نورة {MOBILE_1.translate(ARABIC_DIGITS)}")
    assert "letters only" in wrong.text
    apology = await person.say(ARABIC_NAME_TYPED)  # the save fails once (see the test)
    assert "something went wrong" in apology.text
    answers = [
        ARABIC_NAME_TYPED,
        NATIONAL_ID.translate(ARABIC_DIGITS),
        "٠١١٢٣٤٥٦٧٨",  # a landline: refused
        MOBILE_1.translate(ARABIC_DIGITS),
        "1410/05/20",
        "٥",
    ]
    for answer in answers:
        message = await person.say(answer)
    message = await person.press(message, "Medical devices")
    await person.say(f"أحتاج جهاز قياس سكر، اتصلوا على {MOBILE_1}")
    await person.sim.send_photo(size=120_000)
    message = await person.press(await person.next(), "Skip")
    declaration = await person.press(message, "Confirm and continue")
    receipt = await person.press(declaration, "I confirm and sign")
    found = re.search(r"TWS-\d{4}-\d{6}", receipt.text)
    assert found is not None
    return found.group(0)


async def test_no_personal_value_reaches_a_debug_log(
    emu: BotApiEmulator,
    clock: FakeClock,
    db_target: DbTarget,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.logs, "PERSONAL", PersonalValues())
    record_answer = RequestService.record_answer
    failed: list[str] = []

    async def fail_once(self: RequestService, draft: Any, key: str, value: Any, *a: Any) -> Any:
        if key == "full_name" and not failed:
            failed.append(value)
            # The kind of message a real failure quotes: the value, and JSON of the answers.
            record = json.dumps({"name": value, "mobile": MOBILE_1.translate(ARABIC_DIGITS)})
            raise ValueError(f"cannot store {value!r} in {record}")
        return await record_answer(self, draft, key, value, *a)

    monkeypatch.setattr(RequestService, "record_answer", fail_once)
    with production_logging() as stream:
        async with open_desk(emu, clock, db_target) as desk:
            arabic = Person(emu.user(1601, language_code="en", **ARABIC_ACCOUNT))
            english = Person(emu.user(1602, language_code="en", **ENGLISH_ACCOUNT))
            talking = Person(emu.user(1603, language_code="en", **TALKING_ACCOUNT))

            # A question to the guides that gives a name and a phone number.
            await english.command("/start")
            await english.say(
                f"My name is {ENGLISH_NAME}, mobile {MOBILE_2.translate(ARABIC_DIGITS)}."
                " How do I apply?"
            )
            # The whole form, twice: in Arabic with mistakes and a failure, and in English.
            references = [await _fill_form_with_mistakes_and_a_failure(arabic)]
            spaced_id = " ".join([NATIONAL_ID[:1], NATIONAL_ID[1:4], NATIONAL_ID[4:7]])
            answers = {
                **ENGLISH_ANSWERS,
                "full_name": ENGLISH_NAME,
                "national_id": f"{spaced_id} {NATIONAL_ID[7:]}",
                "mobile": f"+966 {MOBILE_2[1:3]} {MOBILE_2[3:6]} {MOBILE_2[6:]}",
            }
            references.append(await submit(english, answers))

            # Staff: the cards, a button, and every command that shows a name or a number.
            cards = [await desk.card(reference) for reference in references]
            await desk.press(OFFICER, cards[0], "Refer to a researcher")
            await _staff_command(desk, "/queue")
            for query, found in (
                ("/find layla", references[1]),
                (f"/find {ARABIC_NAME}", references[0]),
                (f"/find {MOBILE_1.translate(ARABIC_DIGITS)}", references[0]),
                (f"/find 0{MOBILE_2[1:3]} {MOBILE_2[3:6]} {MOBILE_2[6:]}", references[1]),
            ):
                assert found in await _staff_command(desk, query)

            # A conversation: names and numbers both ways.
            menu = await talking.command("/start")
            await talking.press(menu, "Talk to a person")
            topic = await desk.group.wait_for_message(predicate=lambda m: "asked to talk" in m.text)
            await talking.sim.send_text(
                f"I am {TALKING_ACCOUNT['first_name']} {TALKING_ACCOUNT['last_name']}, call me"
                f" on {MOBILE_3.translate(ARABIC_DIGITS)} or {MOBILE_3[:3]} {MOBILE_3[3:]}"
            )
            await desk.group.wait_for_message(predicate=lambda m: "call me" in m.text)
            await desk.say(
                OFFICER,
                f"Dear {TALKING_ACCOUNT['first_name']}, we will call {MOBILE_3}",
                topic.message_thread_id,
            )
            assert MOBILE_3 in (await talking.next()).text
            await desk.settle()
    log = stream.getvalue()

    # Lines at every level were written, the failure's traceback among them (cut).
    assert re.search(r"^\S+ \S+ DEBUG ", log, re.MULTILINE)
    assert failed and "ERROR handlers.errors" in log and "ValueError: cannot store" in log
    assert "<personal>" in log and "<phone>" in log
    assert leaks(log) == []
