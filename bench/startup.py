"""Workload 5, start-up and memory, each in a fresh process: the time from launching `studybot console`
(full bank, a new database) to its "is up" line, beside a bare interpreter's start; and the peak RSS
of a bot holding 1,000 groups, 50,000 members and their open questions, after its start-up sweep and
an hour of events, beside an interpreter that has only imported the bot."""
from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.core.clock import SystemClock

from .harness import Row, Scale, median, shuffled_rounds
from .world import build

ROOT = Path(__file__).resolve().parent.parent


def environment() -> dict:
    """As a deployment runs it: with compiled bytecode kept (the first launch writes it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def until_up(database: Path) -> float:
    """Seconds from launching the console to its "is up" line."""
    begin = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "console", "--database", str(database)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=environment(), cwd=ROOT, text=True)
    for line in proc.stdout:
        if "is up" in line:
            up = time.perf_counter() - begin
            break
    else:
        raise RuntimeError("the console never said it was up")
    proc.stdin.close()
    proc.wait(timeout=30)
    return up


def bare() -> float:
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=environment())
    return time.perf_counter() - begin


def peak_rss(*args: str) -> float:
    """MiB: the child's own peak, as it reports it."""
    out = subprocess.run([sys.executable, "-m", "bench.startup", *args], check=True, capture_output=True,
                         text=True, env=environment(), cwd=ROOT).stdout
    return float(out.split()[-1])


async def run(scale: Scale) -> list[Row]:
    groups, members = scale.pick(1000, 100), scale.pick(50, 20)
    runs = scale.pick(5, 2)
    with tempfile.TemporaryDirectory() as folder:
        until_up(Path(folder) / "warm.db")  # writes the bytecode caches once, as an install would

        async def ours() -> list[float]:
            return [until_up(Path(folder) / f"cold{time.monotonic_ns()}.db")]

        async def interpreter() -> list[float]:
            return [bare()]

        starts = await shuffled_rounds({"console": ours, "bare": interpreter}, runs)
        world = Path(folder) / "world.db"
        bot, channels = await build(world, groups, members, SystemClock())
        await bot.store.close()
        rss = peak_rss("memory", str(world))
        rss_bare = peak_rss("imports")
    up, base = median(starts["console"]), median(starts["bare"])
    return [Row("start-up: `studybot console` to \"up\", full bank", up, "s", base, "bare python", up / base,
                "≤ 1 s", up <= 1, note=f"median of {runs} fresh processes, bytecode cached"),
            Row(f"memory: peak RSS, {groups:,} groups, {groups * members:,} members, open posts", rss, "MiB", rss_bare,
                "python + the bot's imports", rss / rss_bare, "≤ 120 MB", rss * 1.048576 <= 120,
                note=f"{len(channels):,} open questions; after the start-up sweep and 2,000 events")]


async def hold(database: str) -> None:
    """The child: the bot on the world's database through its start-up sweep, then events."""
    from bot.core.app import StudyBot
    from bot.store import Store

    from .ingest import events
    from .world import Channel, RecordingChat, bank, channel_of

    store = await Store.open(database)
    bot = StudyBot(store, bank(), RecordingChat(), SystemClock())
    try:
        await bot.start()
        channels = []
        for row in await store.open_posts():
            schedule = await store.schedule(row.schedule_id)
            g = int((await store.group_by_id(schedule.group_id)).external_id[1:])
            channels.append(Channel(channel_of(g), row.message_id, row.thread_id, tuple(f"u{g}-{m}" for m in range(50))))
        for event in events(channels, 2000, seed=9):
            await bot.handle(event)
        await bot.run_due(bot.clock.now() + timedelta(hours=1))
    finally:
        await store.close()


def own_peak() -> float:
    """MiB: this process's own peak resident set. Linux's ru_maxrss carries over the peak of the
    process that forked us (here a bench holding a year of ledger), VmHWM is ours alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    if sys.argv[1] == "memory":
        asyncio.run(hold(sys.argv[2]))
    else:
        import bot.__main__  # noqa: F401  (what the bot imports before it does anything)
        import bot.core.app  # noqa: F401
    print(own_peak())
