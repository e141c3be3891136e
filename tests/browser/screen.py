"""What a person does on the sandbox page, and what they read on it."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

WAIT_MS = 15_000
ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")
# innerText without the Unicode isolates the bot puts around numbers and Latin text.
_CONTAINS = """([selector, wanted]) => {
  const node = document.querySelector(selector);
  return Boolean(node) && node.innerText.replace(/[\\u2066-\\u2069]/g, "").includes(wanted);
}"""


async def see(page: Page, text: str, where: str = "#messages") -> None:
    """Wait until ``text`` is on the screen in ``where``; fail with what is there instead."""
    text = text.translate(ISOLATES)
    try:
        await page.wait_for_function(_CONTAINS, arg=[where, text], timeout=WAIT_MS)
    except Exception as err:
        shown = await page.inner_text(where) if await page.query_selector(where) else "(none)"
        raise AssertionError(f"{text!r} is not in {where}; it shows:\n{shown[-1500:]}") from err


async def screen_text(page: Page, where: str = "#messages") -> str:
    text = await page.inner_text(where)
    return text.translate(ISOLATES)


async def become(page: Page, user_id: int) -> None:
    """Pick a persona in the switcher."""
    await page.click(f'[data-persona="{user_id}"]')
    await page.wait_for_selector(f'[data-persona="{user_id}"].current')


async def say(page: Page, text: str) -> None:
    await page.fill("#input", text)
    await page.press("#input", "Enter")


async def press(page: Page, label: str) -> None:
    """Press the newest inline button whose label contains ``label``."""
    await page.locator("#messages .ibutton", has_text=label).last.click()


async def upload(page: Page, path: Path) -> None:
    """Attach a file from the computer (📎)."""
    await page.set_input_files("#file", str(path))


async def bot_messages(page: Page) -> int:
    return await page.locator("#messages .bubble.bot").count()


async def wait_for_more(page: Page, before: int) -> None:
    """Wait until the bot has said something new (more of its bubbles than ``before``)."""
    await page.wait_for_function(
        "(n) => document.querySelectorAll('#messages .bubble.bot').length > n",
        arg=before,
        timeout=WAIT_MS,
    )
