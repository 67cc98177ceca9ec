"""What every workload shares: the scale of a run, shuffled rounds, medians and p99, the table and
results.json. A figure is only ever compared with a baseline measured in the same process and run."""
from __future__ import annotations

import json
import math
import platform
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Awaitable, Callable


@dataclass(frozen=True)
class Scale:
    """How big a run is: `quick` scales every workload down so the whole pass takes under a minute."""

    quick: bool
    install: bool = True  # may the leaderboard bench apt-get install redis-server when it is missing?

    def pick(self, full, quick):
        return quick if self.quick else full


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile by nearest rank (p99 of 100 samples is the 99th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def median(samples: list[float]) -> float:
    return percentile(samples, 50)


@dataclass
class Row:
    """One line of the table. `figure` and `baseline` are in `unit`; `ratio` is figure / baseline
    unless the workload says otherwise; `met` is None where there is no goal to meet."""

    workload: str
    figure: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    ratio: float | None = None
    goal: str = "—"
    met: bool | None = None
    note: str = ""
    detail: dict = field(default_factory=dict)


async def shuffled_rounds(variants: dict[str, Callable[[], Awaitable[list[float]]]], rounds: int,
                          seed: int = 12) -> dict[str, list[float]]:
    """Run each variant once per round, in a fresh random order each round, and pool their samples:
    whatever drifts during a run (caches, the other core's load) falls on all variants alike."""
    rng, pooled = random.Random(seed), {name: [] for name in variants}
    for _ in range(rounds):
        order = list(variants)
        rng.shuffle(order)
        for name in order:
            pooled[name] += await variants[name]()
    return pooled


def timed(begin: float) -> float:
    return time.perf_counter() - begin


def _num(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3f}"
    return f"{text} {unit}".strip()


def table(rows: list[Row]) -> str:
    """The table the README shows: workload, figure, baseline, ratio, goal, met?"""
    lines = ["| workload | figure | baseline | ratio | goal | met? |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        base = f"{_num(r.baseline, r.unit)} ({r.baseline_name})" if r.baseline is not None else (r.baseline_name or "—")
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}×" if r.ratio >= 0.01 else f"{r.ratio:.4f}×"
        met = "—" if r.met is None else "yes" if r.met else "**no**"
        lines.append(f"| {r.workload} | {_num(r.figure, r.unit)} | {base} | {ratio} | {r.goal} | {met} |")
    notes = [f"- {r.workload}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def write_results(rows: list[Row], path: Path, scale: Scale, seconds: float) -> None:
    machine = {"python": platform.python_version(), "machine": platform.machine(), "system": platform.system()}
    try:
        import os
        machine["cores"] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        pass
    payload = {"quick": scale.quick, "seconds": round(seconds, 1), "machine": machine,
               "rows": [asdict(r) for r in rows]}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
