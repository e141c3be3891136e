"""What one simulated user does: the steps of a journey and the replies each must bring.

A user acts (sends or presses), waits for the bot's reply to that step (every step of the
form, as of the echo bot, brings exactly one message), checks that it is the screen the
journey expects at this point, and only then goes on: a closed loop. A second message for a
step would be taken for the next step's reply and fail that check, and one after the last
step is counted by ``extra_messages``. Latency of a step = when the emulator received the
step's reply - when the user acted (both ``time.perf_counter()`` in this process).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from emulator import BotMessage, SimUser, WaitTimeout
from tests.e2e.driver import ENGLISH_ANSWERS

Act = Callable[[SimUser, BotMessage | None], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    act: Act
    expects: tuple[str, ...]  # substrings the step's one reply must all contain
    forbidden: str = "⚠️"  # a validation error means an answer went to the wrong question


@dataclass(slots=True)
class UserResult:
    user_id: int
    latencies: dict[str, float] = field(default_factory=dict)  # step name -> seconds
    first_sent: float | None = None
    last_reply: float | None = None
    finished: bool = False
    violations: list[str] = field(default_factory=list)


def _text(value: str) -> Act:
    async def act(user: SimUser, _: BotMessage | None) -> object:
        return await user.send_text(value)

    return act


def _command(value: str) -> Act:
    async def act(user: SimUser, _: BotMessage | None) -> object:
        return await user.send_command(value)

    return act


def _press(label: str) -> Act:
    async def act(user: SimUser, screen: BotMessage | None) -> object:
        assert screen is not None, "a button press needs the screen that shows it"
        return await user.press_button(screen, label)

    return act


async def _photo(user: SimUser, _: BotMessage | None) -> object:
    return await user.send_photo(size=120_000)


def form_steps() -> list[Step]:
    """The sample form in English, as tests/e2e/test_journey.py walks it: 14 updates."""
    total = 9
    steps = [
        Step("start", _command("/start"), ("Welcome to",)),
        Step("new_request", _press("New support request"), ("Before we start",)),
        # The intro and question 1 come together, in one message.
        Step("consent", _press("I agree"), ("The form has", f"Question 1 of {total}")),
    ]
    for number, (key, value) in enumerate(ENGLISH_ANSWERS.items(), start=2):
        act = _press(value) if key == "service_type" else _text(value)
        steps.append(Step(key, act, (f"Question {number} of {total}",)))
    steps += [
        Step("id_photo", _photo, (f"Question {total} of {total}",)),
        Step("skip_report", _press("Skip"), ("Please review your answers",)),
        Step("confirm", _press("Confirm and continue"), ("Declaration",)),
        Step("sign", _press("I confirm and sign"), ("Your request was received.",)),
    ]
    return steps


def echo_steps(count: int) -> list[Step]:
    """The baseline: ``count`` text messages, each echoed back."""
    return [
        Step(f"echo_{i + 1:02d}", _text(f"echo step {i + 1}"), (f"echo step {i + 1}",))
        for i in range(count)
    ]


async def run_user(
    user: SimUser,
    steps: list[Step],
    *,
    think: tuple[float, float] | None,
    rng: random.Random,
    timeout: float,  # noqa: ASYNC109
    start: asyncio.Event,
) -> UserResult:
    """Walk ``steps`` in a closed loop; record latencies and every out-of-order reply.

    ``think``: (low, high) seconds; before every step the user pauses for a time drawn
    uniformly from that range with ``rng`` (None: no pause, the saturation shape).
    """
    result = UserResult(user.id)
    screen: BotMessage | None = None
    await start.wait()
    for step in steps:
        if think is not None:
            await asyncio.sleep(rng.uniform(*think))
        await step.act(user, screen)
        sent = user.last_sent_at
        assert sent is not None
        if result.first_sent is None:
            result.first_sent = sent
        try:
            screen = await user.wait_for_message(timeout=timeout)
        except WaitTimeout:
            result.violations.append(
                f"user {user.id} step {step.name}: no reply within {timeout:.0f} s"
            )
            return result
        missing = [e for e in step.expects if e not in screen.text]
        if missing or step.forbidden in screen.text:
            result.violations.append(
                f"user {user.id} step {step.name}: the reply was {screen.text[:60]!r}, "
                f"expected one containing {' and '.join(map(repr, step.expects))}"
            )
            return result
        result.latencies[step.name] = screen.received_at - sent
        result.last_reply = screen.received_at
    result.finished = True
    return result


def extra_messages(user: SimUser) -> int:
    """Bot messages that arrived after the journey's last expected reply (should be none)."""
    return len(user.chat.bot_messages) - user.chat.cursor
