"""Percentiles and the per-run summary computed from the users' results."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bench.scenario import Step, UserResult


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def latency_summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": ms(percentile(values, 50)),
        "p90_ms": ms(percentile(values, 90)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(max(values)) if values else math.nan,
    }


def summarise(results: Sequence[UserResult], steps: Sequence[Step]) -> dict[str, Any]:
    """Throughput, latency overall and per step, order violations."""
    updates = sum(len(r.latencies) for r in results)
    firsts = [r.first_sent for r in results if r.first_sent is not None]
    lasts = [r.last_reply for r in results if r.last_reply is not None]
    wall = (max(lasts) - min(firsts)) if firsts and lasts else math.nan
    pooled = [v for r in results for v in r.latencies.values()]
    per_step = {
        s.name: latency_summary([r.latencies[s.name] for r in results if s.name in r.latencies])
        for s in steps
    }
    slowest = max(per_step, key=lambda name: per_step[name]["p99_ms"]) if pooled else None
    violations = [v for r in results for v in r.violations]
    return {
        "user_updates": updates,
        "wall_s": round(wall, 3),
        "updates_per_s": round(updates / wall, 1) if wall and wall > 0 else math.nan,
        "latency": latency_summary(pooled),
        "per_step": per_step,
        "slowest_step": slowest,
        "max_step_p99_ms": per_step[slowest]["p99_ms"] if slowest else math.nan,
        "finished_users": sum(1 for r in results if r.finished),
        "order_violations": len(violations),
        "violation_examples": violations[:5],
    }
