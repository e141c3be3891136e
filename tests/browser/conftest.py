"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright

CHROMIUM = Path(os.environ.get("TAWASUL_CHROMIUM", "/usr/bin/chromium"))
# Without these Chromium tries to reach Google's services and, offline, waits on them.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("TAWASUL_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))
Shot = Callable[[str], Coroutine[Any, Any, None]]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


class PageErrors(list[str]):
    """Console errors and uncaught exceptions of a page."""

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.append(f"console: {message.text}")

    def uncaught(self, error: Error) -> None:
        self.append(f"page error: {error}")


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[tuple[Page, PageErrors]]:
    context = await browser.new_context(viewport={"width": 1100, "height": 820})
    page = await context.new_page()
    errors = PageErrors()
    page.on("console", errors.console)
    page.on("pageerror", errors.uncaught)
    try:
        yield page, errors
    finally:
        await context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest, page: tuple[Page, PageErrors]) -> Shot:
    """Save a screenshot of the page as a test artifact: NN-step.png under the test's name."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    count = 0

    async def save(step: str) -> None:
        nonlocal count
        count += 1
        await page[0].screenshot(path=str(folder / f"{count:02d}-{step}.png"), full_page=True)

    return save
