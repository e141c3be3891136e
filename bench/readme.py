"""The README's Performance section: the method in a few lines, then this run's figures."""

from __future__ import annotations

from typing import Any

from bench.report import P99_TARGET_MS, RATIO_TARGET, find, runs_table, steps_table, targets_text

METHOD = """\
`make bench` (`python -m bench`) starts the project's Bot API emulator inside the benchmark
process and runs each bot as a child process that long-polls it over loopback: first a bare
python-telegram-bot echo bot (`bench/echo_bot.py`: one MessageHandler, one
CallbackQueryHandler, 256 concurrent updates, no database, no rate limiter), then the real
bot (`python -m bot run`) on a fresh SQLite file. N simulated beneficiaries start at once;
each walks the sample form in English (14 updates: /start, New request, I agree, 7 answers,
an ID photo, Skip, Confirm, Sign) in a closed loop, sending the next step only when the
reply to the previous one has arrived; echo users send 14 texts the same way. Two shapes:
*saturation* (no think time) gives throughput = user updates / (first send → last reply);
*think* (a seeded random 0.2–1.0 s pause before every step) is "N beneficiaries at once"
and is the shape the latency target is about. Latency of a step = when the emulator got the
step's last reply − when the user acted. Each bot process first serves one warm-up journey
(not counted). Memory = the bot process's VmHWM. Order: every reply must be the screen the
journey expects next (step k's reply is question k+1, …, the receipt last) with nothing
extra. Machine: {machine}; the driver and the emulator share those cores with the bot."""


def section(result: dict[str, Any]) -> str:
    runs = result["runs"]
    v = result["verdicts"]
    lines = [
        METHOD.format(machine=result["machine"]["summary"]),
        "",
        f"Last run: {result['date']}, N = {result['users']} beneficiaries, seed "
        f"{result['seed']}, {result['elapsed_s']:.0f} s in all "
        f"(`bench/results/latest.json` has every figure).",
        "",
        runs_table(runs, markdown=True),
        "",
        "Latency per form step, p50 / p99 in ms:",
        "",
        steps_table(runs, markdown=True),
        "",
        f"Targets (form ≥ {RATIO_TARGET}× echo throughput; p99 of every step < "
        f"{P99_TARGET_MS:.0f} ms with {result['users']} beneficiaries thinking; all in order):",
        "",
        *[f"- {line}" for line in targets_text(v)],
    ]
    lines += _notes(runs)
    return "\n".join(lines)


def _notes(runs: list[dict[str, Any]]) -> list[str]:
    notes = []
    echo_think = find(runs, "echo", "think")
    if echo_think:
        notes.append(
            f"For scale, the bare echo bot's worst step p99 in the think shape is "
            f"{echo_think['max_step_p99_ms']} ms (p50 {echo_think['latency']['p50_ms']} ms)."
        )
    form, echo = find(runs, "form", "saturation"), find(runs, "echo", "saturation")
    if form:
        # Every request with a chat_id goes through the limiter; answerCallbackQuery has none.
        limited = sum(v for k, v in form["api_calls"].items() if k != "answerCallbackQuery")
        per_journey = limited / form["users"]
        ceiling = 30 / per_journey * form["steps_per_user"]
        users = form["users"]
        calls = ", ".join(f"{k} {v / users:g}" for k, v in form["api_calls"].items())
        notes.append(
            f"A journey makes {per_journey:.0f} requests with a chat_id "
            f"({calls} per journey); AIORateLimiter lets 30 of those through per second, a ceiling of "
            f"{ceiling:.1f} updates/s whatever the load shape."
        )
    diag = find(runs, "form-unlimited", "saturation")
    if diag and echo:
        notes.append(
            "`form-unlimited` is a diagnostic, not the shipped configuration: the same bot with "
            "the AIORateLimiter's overall cap lifted by `bench/form_bot_unlimited.py`. It reaches "
            f"{diag['updates_per_s']:.1f} updates/s "
            f"({diag['updates_per_s'] / echo['updates_per_s']:.2f}× echo) and spends "
            f"{diag['bot_cpu_ms_per_update']} ms of bot CPU per update against "
            f"{echo['bot_cpu_ms_per_update']} for the echo bot."
        )
    return [line for note in notes for line in ("", note)]
