"""Workload 1, ingest: inbound events through the live path the adapters call (`LiveScheduler.handle`:
the unit of work, the outbox flush, the re-plan of the wake-up) on a file database, offered open-loop
at fixed rates, against the naive baseline of one aiosqlite INSERT + COMMIT per event, one at a time.

Open-loop: event i is due at t0 + i/rate whether or not the bot has kept up, and its latency runs
from that instant to the end of its handling, so a bot that falls behind shows it in p99. Max
throughput is measured by offering a whole batch at once (rate ∞), so it is not capped by 5,000/s.

The naive baseline is bound by the disk (each commit syncs a rollback journal), so the bench also
measures what one fsync costs on the disk it runs on: the ratio depends on it."""
from __future__ import annotations

import asyncio
import gc
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import aiosqlite

from bot.core.chat import (ButtonPressed, CommandInvoked, Member, MessageEdited, MessagePosted, MessageRef,
                           ReactionChanged)
from bot.core.clock import SystemClock
from bot.scheduler import LiveScheduler

from .harness import Row, Scale, median, percentile, shuffled_rounds
from .world import Channel, build

ANSWERS = ["I would start from the data: check leakage, then the split, then a simple baseline model",
           "Regularisation trades a little bias for less variance; L2 shrinks weights, L1 zeroes some",
           "Precision matters when false positives are costly, recall when a miss is costly"]
MAX = float("inf")  # an offered rate: every event of the batch at once
COMMANDS = [("leaderboard", "period:week"), ("leaderboard", "period:all"), ("streak", ""), ("qotd", "status")]


def events(channels: list[Channel], count: int, seed: int) -> list:
    """A day's mix across every group: thread answers and short replies, edits, 👍 on answers, presses
    on an ended quiz's buttons, commands; one event in ten is a re-delivery of an earlier one."""
    rng, made, answers = random.Random(seed), [], {}
    for _ in range(count):
        if made and rng.random() < 0.10:
            made.append(rng.choice(made))
            continue
        c = rng.choice(channels)
        who = rng.choice(c.members)
        member = Member(who, f"member {who}")
        kind = rng.random()
        mine = answers.get(c.thread)
        if kind < 0.45 or not mine:
            ref = MessageRef(c.ref, uuid.uuid4().hex, c.thread)
            made.append(MessagePosted(ref, member, rng.choice(ANSWERS)))
            answers.setdefault(c.thread, []).append((ref, member))
        elif kind < 0.50:
            made.append(MessagePosted(MessageRef(c.ref, uuid.uuid4().hex, c.thread), member, "+1 nice"))
        elif kind < 0.60:
            ref, author = rng.choice(mine)
            made.append(MessageEdited(ref, author, rng.choice(ANSWERS) + " (edited)"))
        elif kind < 0.80:
            ref, _ = rng.choice(mine)
            made.append(ReactionChanged(ref, member, "👍", rng.random() < 0.85))
        elif kind < 0.88:
            made.append(ButtonPressed(MessageRef(c.ref, c.message), member, f"quiz:{rng.randint(1, 9)}:1:0",
                                      uuid.uuid4().hex))
        else:
            name, text = rng.choice(COMMANDS)
            made.append(CommandInvoked(c.ref, member, name, text, uuid.uuid4().hex))
    return made


async def offer(live: LiveScheduler, batch: list, rate: float) -> tuple[list[float], float]:
    """Offer `batch` open-loop at `rate` per second: (latencies in seconds, seconds until the last was handled)."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    running: set[asyncio.Task] = set()

    async def one(event, due: float) -> None:
        await live.handle(event)
        latencies.append(loop.time() - due)

    t0, i = loop.time() + 0.005, 0
    while i < len(batch):
        now = loop.time()
        while i < len(batch) and t0 + i / rate <= now:
            task = asyncio.create_task(one(batch[i], t0 + i / rate))
            running.add(task)
            task.add_done_callback(running.discard)
            i += 1
        if i < len(batch):
            await asyncio.sleep(max(0.0, t0 + i / rate - loop.time()))
    await asyncio.gather(*running)
    return latencies, loop.time() - t0


async def naive(path: Path, batch: list) -> float:
    """The baseline: aiosqlite with its defaults, one INSERT + COMMIT per event, awaited one at a time.
    Returns events per second."""
    async with aiosqlite.connect(path) as db:
        await db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT)")
        await db.commit()
        begin = time.perf_counter()
        for event in batch:
            await db.execute("INSERT INTO events (kind, payload) VALUES (?, ?)", (type(event).__name__, repr(event)))
            await db.commit()
        return len(batch) / (time.perf_counter() - begin)


def fsync_ms(folder: Path, samples: int = 200) -> float:
    """The median cost of writing 4 KiB and syncing it to disk, in ms."""
    times = []
    fd = os.open(folder / "fsync.probe", os.O_WRONLY | os.O_CREAT)
    try:
        for _ in range(samples):
            begin = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            times.append(time.perf_counter() - begin)
    finally:
        os.close(fd)
    return median(times) * 1e3


async def run(scale: Scale) -> list[Row]:
    groups, members = scale.pick(1000, 100), scale.pick(50, 20)
    counts = {100: scale.pick(3_000, 300), 1000: scale.pick(60_000, 3_000), 5000: scale.pick(37_000, 4_000),
              MAX: scale.pick(30_000, 3_000)}
    naive_count, rounds = scale.pick(10_000, 1_000), scale.pick(3, 2)
    with tempfile.TemporaryDirectory() as folder:
        bot, channels = await build(Path(folder) / "ingest.db", groups, members, SystemClock())
        live = LiveScheduler(bot)
        live.scheduler.start()
        await live.replan()
        stream = events(channels, sum(counts.values()), seed=1)
        gc.freeze()  # the lined-up events are the bench's, not the bot's: the collector need not walk them
        per_round = {rate: n // rounds for rate, n in counts.items()}
        cursor, results = [0], {rate: {"latency": [], "throughput": []} for rate in counts}
        base: list[float] = []

        def at(rate):
            async def variant() -> list[float]:
                batch = stream[cursor[0]:cursor[0] + per_round[rate]]
                cursor[0] += len(batch)
                latencies, elapsed = await offer(live, batch, rate)
                results[rate]["latency"] += latencies
                results[rate]["throughput"].append(len(batch) / elapsed)
                return latencies
            return variant

        async def baseline() -> list[float]:
            base.append(await naive(Path(folder) / "naive.db", stream[:naive_count // rounds]))
            return []

        await shuffled_rounds({**{f"{r}/s": at(r) for r in counts}, "naive": baseline}, rounds)
        live.shutdown()
        await bot.store.close()
        sync = fsync_ms(Path(folder))

    rows = []
    for rate in [r for r in counts if r != MAX]:
        lat = results[rate]["latency"]
        p50, p99 = median(lat) * 1e3, percentile(lat, 99) * 1e3
        detail = {"offered_per_s": rate, "events": len(lat), "p50_ms": p50, "p99_ms": p99,
                  "throughput_per_s": median(results[rate]["throughput"])}
        if rate == 1000:
            rows.append(Row("ingest: event→handled p99 at 1,000 events/s", p99, "ms", goal="≤ 20 ms",
                            met=p99 <= 20, note=f"p50 {p50:.2f} ms over {len(lat):,} events", detail=detail))
        else:
            rows.append(Row(f"ingest: event→handled p99 at {rate:,} events/s", p99, "ms",
                            note=f"p50 {p50:.2f} ms, {detail['throughput_per_s']:,.0f} events/s handled",
                            detail=detail))
    top, naive_rate = median(results[MAX]["throughput"]), median(base)
    rows.append(Row("ingest: max throughput (all offered at once)", top, "events/s", naive_rate,
                    "aiosqlite INSERT+COMMIT each", top / naive_rate, "≥ 10×", top / naive_rate >= 10,
                    note=f"one fsync here: {sync:.2f} ms", detail={"naive_per_s": base, "fsync_ms": sync,
                                                                     "throughput_per_s": results[MAX]["throughput"]}))
    return rows
