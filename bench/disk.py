"""Ingest against the disk: how the max-throughput ratio depends on what one fsync costs.

The naive baseline syncs its rollback journal and the database at every commit, so it is bound by the
disk; the bot's group commit syncs once per batch of queued units of work. This runs the naive loop
and the bot's saturated ingest in child processes where every fsync/fdatasync first waits a set
time (a small preloaded library, bench/slowsync.c, built with the system's cc), standing in for the
slower disks bots usually run on (a cloud volume's sync takes ~0.5-2 ms). Skipped with a note where
there is no cc or the platform cannot preload."""
from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .harness import Row, Scale, median

HERE = Path(__file__).parent
DELAYS_US = (0, 500, 2000)  # this disk as it is, then slower by half a millisecond and by two


def build_shim(folder: Path) -> tuple[Path | None, str]:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not sys.platform.startswith("linux"):
        return None, "no C compiler (cc) or not Linux, so no slower disk can be stood in"
    out = folder / "slowsync.so"
    try:
        subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(out), str(HERE / "slowsync.c"), "-ldl"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"could not build bench/slowsync.c ({exc})"
    return out, ""


async def probe(groups: int, events: int, naive_events: int, rounds: int) -> dict:
    """In the child: the naive loop and the bot's saturated ingest, alternately, medians."""
    from bot.core.clock import SystemClock
    from bot.scheduler import LiveScheduler

    from .harness import shuffled_rounds
    from .ingest import MAX, events as make_events, fsync_ms, naive, offer
    from .world import build

    with tempfile.TemporaryDirectory() as folder:
        bot, channels = await build(Path(folder) / "disk.db", groups, 20, SystemClock())
        live = LiveScheduler(bot)
        live.scheduler.start()
        stream, ours, base, cursor = make_events(channels, events * rounds, seed=2), [], [], [0]
        gc.freeze()  # as in ingest.py

        async def bot_run() -> list[float]:
            batch = stream[cursor[0]:cursor[0] + events]
            cursor[0] += events
            _, elapsed = await offer(live, batch, MAX)
            ours.append(len(batch) / elapsed)
            return []

        async def naive_run() -> list[float]:
            base.append(await naive(Path(folder) / "naive.db", stream[:naive_events]))
            return []

        await shuffled_rounds({"ours": bot_run, "naive": naive_run}, rounds)
        live.shutdown()
        await bot.store.close()
        return {"ours": median(ours), "naive": median(base), "fsync_ms": fsync_ms(Path(folder), 50)}


def measure(shim: Path, delay_us: int, scale: Scale) -> dict:
    env = {**os.environ, **({"LD_PRELOAD": str(shim), "SLOWSYNC_US": str(delay_us)} if delay_us else {})}
    args = [str(scale.pick(100, 20)), str(scale.pick(10_000, 1_000)), str(scale.pick(1_500, 200)), str(scale.pick(3, 1))]
    done = subprocess.run([sys.executable, "-m", "bench.disk", *args], env=env, cwd=HERE.parent, check=True,
                          capture_output=True, text=True, timeout=1800)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def run(scale: Scale) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        shim, why_not = build_shim(Path(folder))
        if shim is None:
            return [Row("disk: max ingest throughput on a slower disk", 0, "events/s", None, "skipped", note=why_not)]
        results = {us: await asyncio.to_thread(measure, shim, us, scale) for us in DELAYS_US}
    rows = []
    for us, r in results.items():
        ratio = r["ours"] / r["naive"]
        label = "this disk" if us == 0 else f"each fsync +{us / 1000:g} ms"
        rows.append(Row(f"disk: max ingest throughput, {label}", r["ours"], "events/s", r["naive"],
                        "aiosqlite INSERT+COMMIT each", ratio, "≥ 10×", ratio >= 10,
                        note=f"one fsync {r['fsync_ms']:.2f} ms", detail=r))
    return rows


if __name__ == "__main__":
    groups, events, naive_events, rounds = map(int, sys.argv[1:5])
    print(json.dumps(asyncio.run(probe(groups, events, naive_events, rounds))))
