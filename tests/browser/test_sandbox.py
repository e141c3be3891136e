"""The whole story in the web sandbox, in Chromium: apply in Arabic, decide, be told, rate.

The bot is the real Application against the emulator, set up as `make run` does without a
token (bot.demo); the page is what a person sees and clicks.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page

from bot.app import build_application, running
from bot.config import Config
from bot.demo import add_personas, sandbox_config
from bot.i18n import Catalogs, Translator
from emulator import BotApiEmulator
from tests.browser.conftest import PageErrors, Shot
from tests.browser.screen import (
    become,
    bot_messages,
    press,
    say,
    screen_text,
    see,
    upload,
    wait_for_more,
)
from tests.e2e.driver import ARABIC_ANSWERS
from tests.support import FakeClock, emulator_config

SARA, KHALID_COMMITTEE, NOURA_OFFICER, REEM_ADMIN = 1001, 7003, 7001, 7004


@dataclass
class Sandbox:
    emu: BotApiEmulator
    config: Config
    tr: Translator


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with BotApiEmulator() as emu:
        base = emulator_config(tmp_path / "tawasul.sqlite3", emu.base_url, emu.base_file_url)
        config = sandbox_config(base, emu)
        # The follow-up rules (the rating prompt) run every second here.
        settings = config.settings.model_copy(update={"followup_check_seconds": 1.0})
        config = Config(settings=settings, profile=config.profile, profile_source="sample")
        catalogs = Catalogs()
        add_personas(emu, config, catalogs)
        app = build_application(config, clock=FakeClock())
        async with running(app):
            yield Sandbox(emu, config, catalogs.get("ar"))


def png_file(path: Path) -> Path:
    """A small real PNG (a 16x12 grey picture), as if taken with a phone."""
    width, height = 16, 12
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


async def apply_in_arabic(page: Page, box: Sandbox, tmp_path: Path, shot: Shot) -> str:
    """From the commands menu to the receipt; return the reference number."""
    tr, profile = box.tr, box.config.profile
    await page.click("#menu-button")
    await see(page, "/start", "#commands")
    await shot("commands-menu")
    await page.click('[data-command="start"]')
    await see(page, profile.association.name.ar)
    await press(page, tr.gettext("New support request"))
    await see(page, tr.gettext("I agree"))
    await press(page, tr.gettext("I agree"))
    for field in profile.form.fields:
        await see(page, field.question.ar)
        before = await bot_messages(page)
        if field.kind == "choice":
            await press(page, ARABIC_ANSWERS[field.key])
        elif field.key == "id_document":  # a photo from the computer
            await upload(page, png_file(tmp_path / "id.png"))
            await page.wait_for_selector("#messages .bubble.out img.photo")
        elif field.kind == "document":  # the medical report: a PDF document
            pdf = tmp_path / "تقرير.pdf"
            pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
            await upload(page, pdf)
            await see(page, "تقرير.pdf")
        else:
            await say(page, ARABIC_ANSWERS[field.key])
        await wait_for_more(page, before)
    await shot("form-answered")
    # The review screen lists the answers as stored (the mobile normalised); then the
    # declaration is signed.
    await see(page, "+966551234567")
    await see(page, tr.gettext("Confirm and continue"))
    await press(page, tr.gettext("Confirm and continue"))
    await see(page, tr.gettext("I confirm and sign"))
    await press(page, tr.gettext("I confirm and sign"))
    await see(page, tr.gettext("Your request was received."))
    found = re.search(r"TWS-\d{4}-\d{6}", await screen_text(page))
    assert found is not None
    await shot("receipt")
    return found.group(0)


async def decide_as_staff(page: Page, box: Sandbox, reference: str, shot: Shot) -> None:
    """The committee accepts in the request's topic; the officer delivers the service."""
    tr = box.tr
    await become(page, KHALID_COMMITTEE)
    assert await page.get_attribute("html", "dir") == "rtl"
    await see(page, reference, "#topics")
    await page.locator("#topics .topic", has_text=reference).click()
    await see(page, reference, "#chat-title")
    accept = tr.pgettext("staff action", "Accept")
    await see(page, accept)  # the card, with its buttons
    await see(page, ARABIC_ANSWERS["full_name"])
    await page.wait_for_selector("#messages .bubble.bot img.photo")  # the ID, below the card
    await shot("card-in-topic")
    await press(page, accept)
    await see(page, accept + " ✔︎")  # the card asks to confirm with a second press
    await press(page, accept)
    await see(page, tr.pgettext("request status", "Accepted"), "#toast")
    await see(page, tr.pgettext("request status", "Accepted"))  # the card is redrawn
    # The switcher marks Sara: the bot has told her something she has not seen.
    await page.locator(f'[data-persona="{SARA}"] .dot').wait_for()
    await shot("accepted")

    await become(page, NOURA_OFFICER)
    await page.locator("#topics .topic", has_text=reference).click()
    delivered = tr.pgettext("staff action", "Service delivered")
    await press(page, delivered)
    await see(page, delivered + " ✔︎")
    await press(page, delivered)
    await see(page, tr.pgettext("request status", "Service delivered"))
    await shot("delivered")


async def test_a_beneficiary_applies_staff_decide_and_she_rates(
    sandbox: Sandbox, page: tuple[Page, PageErrors], shot: Shot, tmp_path: Path
) -> None:
    screen, errors = page
    tr = sandbox.tr
    await screen.goto(f"{sandbox.emu.sandbox_url}#persona={SARA}")
    await screen.wait_for_selector(f'[data-persona="{SARA}"].current')
    assert await screen.get_attribute("html", "dir") == "rtl"
    assert await screen.get_attribute("html", "lang") == "ar"
    await shot("sara-empty-chat")

    reference = await apply_in_arabic(screen, sandbox, tmp_path, shot)

    # An edited answer is not read again, and the bot says so; the bubble says "edited".
    mine = screen.locator("#messages .bubble.out", has_text=ARABIC_ANSWERS["description"])
    await mine.locator(".edit-own").click()
    await say(screen, "أحتاج جهاز قياس ضغط لوالدتي")
    await see(screen, "أحتاج جهاز قياس ضغط لوالدتي")
    await see(screen, "مُعدّلة")
    no_edits = "I do not read edited messages. To change an answer, send it again, or use the review screen before you sign."
    await see(screen, tr.gettext(no_edits))
    await shot("edited-answer")

    await decide_as_staff(screen, sandbox, reference, shot)

    # Back to Sara: both notices, then the rating prompt (the follow-up rule) and a rating.
    await become(screen, SARA)
    assert await screen.get_attribute("html", "dir") == "rtl"
    assert await screen.locator(f'[data-persona="{SARA}"] .dot').count() == 0
    accepted = tr.gettext(
        "Good news: the research committee accepted your request %(reference)s. We will contact you about providing the service."
    )
    await see(screen, accepted.split("%(reference)s")[0].strip())
    await see(screen, "⭐٥")
    await shot("rating-prompt")
    await press(screen, "⭐٥")
    thanks = tr.gettext(
        "Thank you for your rating. Would you like to add a comment? Write it here in one message, or press “Skip”."
    )
    await see(screen, thanks)
    await see(screen, "⭐٥ ✓")
    await shot("rated")

    # The admin asks for the report in General: a chart the page shows as a picture.
    await become(screen, REEM_ADMIN)
    charts = await screen.locator("#messages img.photo").count()
    await say(screen, "/report")
    chart = screen.locator("#messages img.photo").nth(charts)
    await chart.wait_for()
    await screen.wait_for_function(
        "(n) => { const i = document.querySelectorAll('#messages img.photo')[n];"
        " return i && i.complete && i.naturalWidth > 100; }",
        arg=charts,
    )
    await see(screen, "📊")
    await shot("chart")

    assert not errors, errors
