"""Leaderboard reads: maintained aggregates vs a full ledger scan, as a ratio measured in one run.

The store keeps per-period totals in the same transaction as the ledger so that /leaderboard
never scans history. This prints how much that buys over the naive GROUP BY on the ledger (the
baseline), for a group with a year of activity. Run: .venv/bin/python bench/leaderboard.py
"""
import asyncio
import random
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.clock import UTC, month_key, week_key
from bot.store import Store

MEMBERS, DAYS, ROUNDS = 300, 365, 200


async def fill(store: Store) -> int:
    group = await store.group("bench", "g")
    zone = UTC
    rng = random.Random(7)
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    async with store.transaction():
        for day in range(DAYS):
            at = start + timedelta(days=day)
            for user in rng.sample(range(MEMBERS), 60):
                await store.award(group.id, f"u{user}", 10, "qotd-answer", f"post:{day}", at,
                                  (week_key(at, zone), month_key(at, zone)))
    return group.id


async def timed(label: str, call) -> float:
    tracemalloc.start()
    begin = time.perf_counter()
    for _ in range(ROUNDS):
        await call()
    elapsed = time.perf_counter() - begin
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<34} {elapsed / ROUNDS * 1e3:8.3f} ms/call  peak {peak / 1024:8.1f} KiB")
    return elapsed


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "bench.db")
        group = await fill(store)
        rows = (await (await store.db.execute("SELECT count(*) FROM ledger")).fetchone())[0]
        print(f"{rows} ledger rows, {MEMBERS} members, {ROUNDS} reads each")

        async def baseline():  # what a leaderboard costs without the aggregates
            cursor = await store.db.execute(
                "SELECT user_id, sum(points) AS p FROM ledger WHERE group_id = ? GROUP BY user_id "
                "ORDER BY p DESC LIMIT 10", (group,))
            await cursor.fetchall()

        async def aggregates():
            await store.standings(group, "all", 10)
            await store.standing_of(group, "all", "u1")

        base = await timed("baseline: GROUP BY over the ledger", baseline)
        ours = await timed("store.standings + standing_of", aggregates)
        print(f"ratio (ours / baseline): {ours / base:.2f}")
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
