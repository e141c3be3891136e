"""The broadcast benchmark's results as a table and a few lines (plain or Markdown)."""

from __future__ import annotations

from typing import Any

from bench.broadcast_stats import RATE_TARGET
from bench.report import layout


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(runs: list[dict[str, Any]], markdown: bool = False) -> str:
    header = [
        "sender",
        "recipients",
        "sends",
        "delivered",
        "lost",
        "duplicates",
        "rate msg/s",
        "÷ 30/s",
        "max in 1 s",
        "429s (private)",
        "CPU s (user+sys)",
        "CPU ms/msg",
        "peak MiB",
    ]
    rows = [
        [
            r["sender"],
            r["recipients"],
            r["sends"],
            r["delivered"],
            r["lost"],
            r["duplicates"],
            r["rate_per_s"],
            r["rate_fraction"],
            r["max_in_1s_per_scale"],
            f"{r['limit_violations']} ({r['limit_violations_private']})",
            f"{_cell(r['cpu_s'])} ({_cell(r['cpu_user_s'])}+{_cell(r['cpu_system_s'])})",
            r["cpu_ms_per_message"],
            r["peak_memory_mib"],
        ]
        for r in runs
    ]
    return layout([header, *[[_cell(c) for c in row] for row in rows]], markdown)


def verdict(run: dict[str, Any]) -> dict[str, Any]:
    """Issue #4 point 7 on the bot's run."""
    fraction = run["rate_fraction"]
    checks = {
        "rate": fraction is not None and fraction >= RATE_TARGET,
        "no_violations": run["limit_violations"] == 0,
        "none_lost": run["lost"] == 0,
        "none_twice": run["duplicates"] == 0 and run["strangers"] == 0,
    }
    return {**checks, "met": all(checks.values())}


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def notes(result: dict[str, Any]) -> list[str]:
    runs = {r["sender"]: r for r in result["runs"]}
    bot, bare = runs.get("outbox"), runs.get("bare")
    lines = []
    if bot is not None:
        v = result["verdict"]
        lines.append(
            f"rate {bot['rate_per_s']} msg/s = {bot['rate_fraction']} of {result['telegram_rate']:g}/s "
            f"(target ≥ {RATE_TARGET}) → {_mark(v['rate'])}; limit violations "
            f"{bot['limit_violations']} → {_mark(v['no_violations'])}; lost {bot['lost']} → "
            f"{_mark(v['none_lost'])}; duplicates {bot['duplicates']} → {_mark(v['none_twice'])}"
        )
        rows = bot["broadcast_rows"]
        lines.append(
            f"outbox rows of the broadcast: sent {rows['sent']:,}, failed {rows['failed']}, "
            f"pending {rows['pending']}, sending {rows['sending']}, cancelled {rows['cancelled']}, "
            f"maybe_duplicates {rows['maybe_duplicates']}"
        )
        lines.append(
            f"press → first copy {bot['press_to_first_send_ms']} ms; bot CPU for the press "
            f"(queueing {bot['recipients']:,} rows) {bot['queue_cpu_s']} s"
        )
        n = bot["notice"]
        if n.get("queued"):
            lines.append(
                f"notice queued half-way ({n['broadcast_rows_left_when_queued']:,} broadcast "
                f"rows waiting): arrived after {n['latency_ms']} ms, "
                f"{n['broadcast_sends_in_between']} broadcast copies in between"
            )
        lines.append("progress message at the end: " + bot["progress_text"].replace("\n", " | "))
    if (
        bot is not None
        and bare is not None
        and bot["cpu_ms_per_message"]
        and bare["cpu_ms_per_message"]
    ):
        extra = bot["cpu_ms_per_message"] - bare["cpu_ms_per_message"]
        lines.append(
            f"CPU per message: bot {bot['cpu_ms_per_message']} ms, bare sender "
            f"{bare['cpu_ms_per_message']} ms → the outbox (claim, mark sent, pacing, progress) "
            f"costs {extra:.3f} ms more per message "
            f"({bot['cpu_ms_per_message'] / bare['cpu_ms_per_message']:.1f}×)"
        )
    return lines


def noise(result: dict[str, Any]) -> list[str]:
    """How noisy the machine was in each run, and what each 429 followed."""
    lines = []
    for run in result["runs"]:
        loop = run["emulator_loop_stalls"]
        worst = max((ms for ms, _ in loop["worst_ms_at_s"]), default=0.0)
        line = (
            f"{run['sender']}: the emulator's loop woke > 15 ms late {loop['over_15_ms']} times "
            f"(worst {worst} ms), the host stole {loop['cpu_steal_s']} s of CPU"
        )
        bursts = [min(v["gaps_ms"], default=0.0) for v in run["violations_seen"]]
        if bursts:
            line += (
                f"; each 429 came in a second holding a burst (smallest gap between two "
                f"arrivals: {', '.join(f'{b:g}' for b in bursts)} ms)"
            )
        if run["cpu_main_thread_s"] is not None:
            line += (
                f"; CPU split: main thread {run['cpu_main_thread_s']} s, other threads "
                f"{run['cpu_other_threads_s']} s"
            )
        lines.append(line)
    return lines


def print_report(result: dict[str, Any]) -> None:
    print()
    print(table(result["runs"]))
    print()
    for line in notes(result) + noise(result):
        print("  " + line)
