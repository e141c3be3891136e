"""The results as a table on stdout, as JSON, and as the README's Performance section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
RATIO_TARGET = 0.5
P99_TARGET_MS = 50.0


def find(runs: list[dict[str, Any]], bot: str, shape: str) -> dict[str, Any] | None:
    return next((r for r in runs if r["bot"] == bot and r["shape"] == shape), None)


def verdicts(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The three targets: throughput ratio (saturation), p99 per step (think shape), order."""
    echo, form = find(runs, "echo", "saturation"), find(runs, "form", "saturation")
    ratio = form["updates_per_s"] / echo["updates_per_s"] if echo and form else None
    think = find(runs, "form", "think")
    worst = think["max_step_p99_ms"] if think else None
    in_order = all(r["order_violations"] == 0 and r["finished_users"] == r["users"] for r in runs)
    # Issue 17: the form against the echo bot on the same aiohttp transport, per backend.
    fast = find(runs, "echo-aiohttp", "saturation")
    same_transport = {}
    for bot in ("form", "form-postgresql"):
        run = find(runs, bot, "saturation")
        if fast and run:
            same_transport[bot] = round(run["updates_per_s"] / fast["updates_per_s"], 3)
    return {
        "aiohttp_ratio": same_transport,
        "throughput_ratio": round(ratio, 3) if ratio is not None else None,
        "throughput_ratio_met": ratio is not None and ratio >= RATIO_TARGET,
        "think_s": think["think_s"] if think else None,
        "think_max_step_p99_ms": worst,
        "think_slowest_step": think["slowest_step"] if think else None,
        "p99_met": worst is not None and worst < P99_TARGET_MS,
        "order_violations": sum(r["order_violations"] for r in runs),
        "order_met": in_order,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return "-" if value is None else str(value)


def _table(header: list[str], rows: list[list[Any]], markdown: bool) -> str:
    return layout([header, *[[_fmt(c) for c in row] for row in rows]], markdown)


def layout(cells: list[list[str]], markdown: bool) -> str:
    """A header row and rows of text as a Markdown table or aligned plain columns."""
    header = cells[0]
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in cells]
        lines.insert(1, "|" + "|".join("---" for _ in header) + "|")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def runs_table(runs: list[dict[str, Any]], markdown: bool = False) -> str:
    header = [
        "bot",
        "shape",
        "users",
        "updates",
        "offered upd/s",
        "upd/s",
        "p50 ms",
        "p99 ms",
        "worst step p99 ms",
        "done",
        "order viol.",
        "peak MiB",
        "bot CPU ms/upd",
    ]
    rows = [
        [
            r["bot"],
            r["shape"],
            r["users"],
            r["user_updates"],
            r.get("offered_updates_per_s"),
            r["updates_per_s"],
            r["latency"]["p50_ms"],
            r["latency"]["p99_ms"],
            f"{_fmt(r['max_step_p99_ms'])} ({r['slowest_step']})",
            r["finished_users"],
            r["order_violations"],
            r["peak_memory_mib"],
            r["bot_cpu_ms_per_update"],
        ]
        for r in runs
    ]
    return _table(header, rows, markdown)


def steps_table(runs: list[dict[str, Any]], markdown: bool = False) -> str:
    forms = [r for r in runs if r["bot"].startswith("form")]
    if not forms:
        return ""
    header = ["step"] + [f"{r['bot']} {r['shape']} p50/p99" for r in forms]
    rows = [
        [name]
        + [
            f"{r['per_step'][name]['p50_ms']:.1f} / {r['per_step'][name]['p99_ms']:.1f}"
            for r in forms
        ]
        for name in forms[0]["per_step"]
    ]
    return _table(header, rows, markdown)


def _pause(think: list[float] | None) -> str:
    return f"{think[0]:g}–{think[1]:g} s" if think else "no"


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def targets_text(v: dict[str, Any]) -> list[str]:
    return [
        f"form/echo throughput ≥ {RATIO_TARGET}: {v['throughput_ratio']} → "
        f"{_mark(v['throughput_ratio_met'])}",
        f"p99 per step < {P99_TARGET_MS:.0f} ms with {_pause(v['think_s'])} think pauses: worst step "
        f"{v['think_slowest_step']} at {v['think_max_step_p99_ms']} ms → {_mark(v['p99_met'])}",
        f"every reply in order, every journey finished: {v['order_violations']} violations → "
        f"{_mark(v['order_met'])}",
        *(
            f"{bot}/echo-aiohttp throughput ≥ {RATIO_TARGET} (issue 17): {ratio} → "
            f"{_mark(ratio >= RATIO_TARGET)}"
            for bot, ratio in v.get("aiohttp_ratio", {}).items()
        ),
    ]


def print_report(result: dict[str, Any]) -> None:
    print()
    print(runs_table(result["runs"]))
    print()
    print("latency per form step (ms), from the user's send to the step's reply:")
    print(steps_table(result["runs"]))
    print()
    print("targets:")
    for line in targets_text(result["verdicts"]):
        print("  " + line)


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def update_readme(readme: Path, section: str) -> None:
    """Replace the text between the bench markers (the markers stay)."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        raise RuntimeError(f"{readme} has no {README_START} ... {README_END} markers")
    block = f"{README_START}\n{section.strip()}\n{README_END}"
    readme.write_text(pattern.sub(lambda _: block, text, count=1), encoding="utf-8")
