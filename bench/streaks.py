"""Workload 4, streaks: a year of daily questions in one channel of 5,000 members. Ours updates the kept
streaks as each question closes (`store.advance_streaks`, what the close runs); the baseline recomputes
each answerer's streak from the whole history of posts and answers. The cost of ours per answer must
not grow with the history (the last month's no dearer than the first's), while the recompute's does."""
from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.core.clock import UTC
from bot.store import Store

from .harness import Row, Scale, median

EVERY, MOST = 7, 2  # a freeze per 7 answers in a row, at most 2 held: the core's defaults


async def run(scale: Scale) -> list[Row]:
    members, days = scale.pick(5_000, 500), scale.pick(365, 60)
    samples = scale.pick((1, 30, 91, 182, 273, 364), (1, 20, 40, 59))
    rng = random.Random(4)
    keen = {f"u{m}": rng.uniform(0.3, 0.95) for m in range(members)}  # how often each member answers
    ours: list[tuple[int, float]] = []  # (day, seconds per answer)
    recompute: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "streaks.db"
        store = await Store.open(path)
        try:
            async with store.transaction():
                group = await store.group("bench", "g")
                schedule = await store.save_schedule(group.id, "c", "09:00", "UTC", "mon", (), 3600,
                                                     datetime(2026, 1, 1, tzinfo=UTC))
            history = await aiosqlite.connect(path)
            await history.execute("CREATE TABLE bench_answers (day INTEGER, user_id TEXT, PRIMARY KEY (user_id, day))")
            await history.execute("CREATE TABLE bench_streaks (user_id TEXT PRIMARY KEY, current INTEGER)")
            await history.commit()
            for day in range(days):
                answered = {u for u, p in keen.items() if rng.random() < p}
                begin = time.perf_counter()
                async with store.transaction():
                    await store.advance_streaks(schedule.id, answered, EVERY, MOST)
                ours.append((day, (time.perf_counter() - begin) / len(answered)))
                await history.executemany("INSERT INTO bench_answers (day, user_id) VALUES (?, ?)",
                                          [(day, u) for u in answered])
                await history.commit()
                if day in samples:
                    recompute[day] = await full_recompute(history, day, answered) / len(answered)
            await history.close()
        finally:
            await store.close()
    first = median([s for d, s in ours if d < days // 12])
    last = median([s for d, s in ours if d >= days - days // 12])
    end = max(recompute)
    return [Row("streaks: update per answer, last month vs first", last * 1e6, "µs", first * 1e6, "first month",
                last / first, "≤ 1.5× (O(1))", last / first <= 1.5,
                note=f"{members:,} members × {days} days; ours median {last * 1e6:.1f} µs per answer at the end",
                detail={"per_answer_us": {d: s * 1e6 for d, s in ours[::max(1, days // 24)]}}),
            Row("streaks: update per answer vs full recompute", last * 1e6, "µs", recompute[end] * 1e6,
                f"recompute on day {end + 1}", last / recompute[end],
                note="recompute per answer by day: " + ", ".join(f"day {d + 1}: {s * 1e6:,.0f} µs"
                                                                for d, s in sorted(recompute.items())),
                detail={"recompute_us": {d: s * 1e6 for d, s in recompute.items()}})]


async def full_recompute(db: aiosqlite.Connection, day: int, answered: set[str]) -> float:
    """The baseline: each answerer's current streak from the whole history (days since the last day
    they missed), written back. Returns seconds."""
    begin = time.perf_counter()
    rows = []
    for user in answered:
        have = {d for (d,) in await db.execute_fetchall("SELECT day FROM bench_answers WHERE user_id = ?", (user,))}
        streak = 0
        while day - streak >= 0 and day - streak in have:
            streak += 1
        rows.append((user, streak))
    await db.executemany("INSERT INTO bench_streaks (user_id, current) VALUES (?, ?) "
                         "ON CONFLICT DO UPDATE SET current = excluded.current", rows)
    await db.commit()
    return time.perf_counter() - begin
