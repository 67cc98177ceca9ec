"""Workload 2, the leaderboard: a year of answers (1,000,000 by 50,000 members in 100 groups), then
`/leaderboard`'s two reads (the top 10 and the caller's rank) for this week, this month, all time and
a topic, through the store's async API. Baselines beside it: GROUP BY over the ledger with a covering
index, and a Redis sorted set per board (ZREVRANGE + ZREVRANK + ZSCORE pipelined in one round trip,
without the names ours returns)."""
from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.core.clock import UTC
from bot.core.scores import period_key, topic_key, topic_periods
from bot.store import Store, iso

from . import resp
from .harness import Row, Scale, median, percentile, shuffled_rounds
from .world import PLATFORM, bank

END = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # "now": the end of the year of answers


def fill(path: Path, groups: int, members: int, answers: int, seed: int = 3) -> dict:
    """The ledger and the totals the store keeps beside it (all, week, month and the topic's own),
    written in bulk; a few members answer most, as in real groups."""
    rng = random.Random(seed)
    topics = sorted(bank().topics)
    per_group = members // groups
    weights = [rng.paretovariate(1.2) for _ in range(per_group)]
    ledger, totals = [], defaultdict(int)
    for g in range(1, groups + 1):
        picked = set()
        users = rng.choices(range(per_group), weights, k=answers // groups * 2)
        for u in users:
            day = rng.randrange(365)
            if (u, day) in picked:
                continue
            picked.add((u, day))
            if len(picked) > answers // groups:
                break
            at = END - timedelta(days=day, hours=rng.randrange(12))
            topic = topics[(g + day) % len(topics)]
            user = f"u{g}-{u}"
            ledger.append((g, user, 10, "qotd-answer", f"post:{g}:{day}", iso(at), topic))
            for key in ("all", period_key("week", at, UTC), period_key("month", at, UTC), *topic_periods(topic, at, UTC)):
                totals[(g, key, user)] += 10
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO groups (id, platform, external_id) VALUES (?, ?, ?)",
                       [(g, PLATFORM, f"g{g}") for g in range(1, groups + 1)])
        db.executemany("INSERT INTO members (group_id, user_id, name) VALUES (?, ?, ?)",
                       [(g, f"u{g}-{u}", f"member {u}") for g in range(1, groups + 1) for u in range(per_group)])
        db.executemany("INSERT INTO ledger (group_id, user_id, points, reason, source, at, topic) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", ledger)
        db.executemany("INSERT INTO totals (group_id, period, user_id, points) VALUES (?, ?, ?, ?)",
                       [(g, key, user, points) for (g, key, user), points in totals.items()])
    return {"ledger": len(ledger), "totals": len(totals), "topics": topics, "per_group": per_group}


def boards(groups: int, per_group: int, topics: list[str], count: int, seed: int) -> list[tuple]:
    """(group, board key, time range of the board, topic or None, caller): what members ask for."""
    rng = random.Random(seed)
    week_start = END - timedelta(days=END.weekday(), hours=END.hour)
    month_start = END.replace(day=1, hour=0)
    asks = []
    for _ in range(count):
        g = rng.randint(1, groups)
        user = f"u{g}-{rng.randrange(per_group)}"
        period = rng.choice(["week", "month", "all", "topic"])
        topic = topics[(g + rng.randrange(7)) % len(topics)] if period == "topic" else None
        key = topic_key(topic, "all") if topic else period_key(period, END, UTC)
        since = {"week": week_start, "month": month_start}.get(period, END - timedelta(days=400))
        asks.append((g, key, iso(since), topic, user))
    return asks


async def run(scale: Scale) -> list[Row]:
    groups, members, answers = scale.pick(100, 20), scale.pick(50_000, 5_000), scale.pick(1_000_000, 100_000)
    per_round, rounds = scale.pick(2_000, 300), scale.pick(3, 2)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "board.db"
        await (await Store.open(path)).close()  # the schema
        begin = time.perf_counter()
        facts = fill(path, groups, members, answers)
        filled = time.perf_counter() - begin
        with sqlite3.connect(path) as db:  # the baseline's covering indexes (ours needs none beyond the store's)
            db.execute("CREATE INDEX bench_ledger_cover ON ledger (group_id, at, user_id, points)")
            db.execute("CREATE INDEX bench_ledger_topic ON ledger (group_id, topic, at, user_id, points)")
            db.execute("ANALYZE")
        asks = boards(groups, facts["per_group"], facts["topics"], per_round * rounds, seed=5)
        store = await Store.open(path)
        naive = await aiosqlite.connect(path)
        cursor = {"ours": 0, "group by": 0, "redis": 0}

        def take(name: str) -> list[tuple]:
            batch = asks[cursor[name]:cursor[name] + per_round]
            cursor[name] += per_round
            return batch

        async def ours() -> list[float]:
            samples = []
            for g, key, _, _, user in take("ours"):
                begin = time.perf_counter()
                await store.board(g, key, user, 10)
                samples.append(time.perf_counter() - begin)
            return samples

        async def group_by() -> list[float]:
            samples = []
            for g, _, since, topic, user in take("group by"):
                where = "group_id = ? AND at >= ?" + (" AND topic = ?" if topic else "")
                args = (g, since) + ((topic,) if topic else ())
                begin = time.perf_counter()
                await naive.execute_fetchall(f"SELECT user_id, sum(points) AS p FROM ledger WHERE {where} "
                                             "GROUP BY user_id ORDER BY p DESC LIMIT 10", args)
                await naive.execute_fetchall(
                    f"SELECT count(*) + 1 FROM (SELECT sum(points) AS p FROM ledger WHERE {where} GROUP BY user_id) "
                    f"WHERE p > (SELECT coalesce(sum(points), 0) FROM ledger WHERE {where} AND user_id = ?)",
                    args + args + (user,))
                samples.append(time.perf_counter() - begin)
            return samples

        variants = {"ours": ours, "group by": group_by}
        binary, why_not = resp.available(scale.install)
        try:
            if binary:
                async with resp.server(binary) as port:
                    redis = await resp.Resp.connect(port)
                    await load_redis(redis, path)

                    async def sorted_set() -> list[float]:
                        samples = []
                        for g, key, _, _, user in take("redis"):
                            name = f"board:{g}:{key}"
                            begin = time.perf_counter()
                            await redis.pipeline(("ZREVRANGE", name, 0, 9, "WITHSCORES"), ("ZREVRANK", name, user),
                                                 ("ZSCORE", name, user))
                            samples.append(time.perf_counter() - begin)
                        return samples

                    variants["redis"] = sorted_set
                    pooled = await shuffled_rounds(variants, rounds)
                    await redis.close()
            else:
                pooled = await shuffled_rounds(variants, rounds)
        finally:
            await naive.close()
            await store.close()

    p99 = {name: percentile(samples, 99) * 1e3 for name, samples in pooled.items()}
    p50 = {name: median(samples) * 1e3 for name, samples in pooled.items()}
    scale_note = (f"{facts['ledger']:,} answers, {members:,} members, {groups} groups, {facts['totals']:,} totals rows "
                  f"(filled in {filled:.0f} s); p50 ours {p50['ours']:.3f} ms, GROUP BY {p50['group by']:.3f} ms"
                  + (f", Redis {p50['redis']:.3f} ms" if "redis" in p50 else ""))
    rows = [Row("leaderboard: /leaderboard p99 (top 10 + caller's rank)", p99["ours"], "ms", p99["group by"],
                "GROUP BY, covering index", p99["ours"] / p99["group by"], "≤ 2 ms", p99["ours"] <= 2,
                note=scale_note, detail={"p50_ms": p50, "p99_ms": p99, **{k: v for k, v in facts.items() if k != "topics"}})]
    if "redis" in p99:
        rows.append(Row("leaderboard: p99 against a Redis sorted set", p99["ours"], "ms", p99["redis"],
                        "Redis ZSET, 1 round trip", p99["ours"] / p99["redis"], "≤ 1× Redis", p99["ours"] <= p99["redis"]))
    else:
        rows.append(Row("leaderboard: p99 against a Redis sorted set", p99["ours"], "ms", None, "skipped",
                        goal="≤ 1× Redis", note=f"Redis baseline skipped: {why_not}"))
    return rows


async def load_redis(redis: resp.Resp, path: Path) -> None:
    """Every board as a sorted set, from the same totals the store keeps."""
    boards_: dict[str, list] = defaultdict(list)
    with sqlite3.connect(path) as db:
        for g, period, user, points in db.execute("SELECT group_id, period, user_id, points FROM totals"):
            boards_[f"board:{g}:{period}"] += [points, user]
    batch = []
    for name, flat in boards_.items():
        for start in range(0, len(flat), 2000):
            batch.append(("ZADD", name, *flat[start:start + 2000]))
            if len(batch) >= 200:
                await redis.pipeline(*batch)
                batch = []
    if batch:
        await redis.pipeline(*batch)
