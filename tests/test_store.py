"""The store on a real SQLite file: migrations, WAL, and idempotent writes on natural keys."""
import asyncio
import sqlite3
from datetime import datetime

import pytest

from bot.core.clock import UTC
from bot.store import MIGRATIONS, Store, StoreError

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def test_migrations_run_once_and_wal_is_on(tmp_path):
    path = tmp_path / "s.db"
    for _ in range(2):
        store = await Store.open(path)
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_ledger_is_idempotent_and_totals_follow_it(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    async with store.transaction():
        group = await store.group("discord", "123")
        assert (await store.group("discord", "123")).id == group.id
        assert (await store.group("slack", "123")).id != group.id  # platforms never collide
    async with store.transaction():
        assert await store.award(group.id, "u1", 10, "qotd-answer", "post:1", AT, ("week:2026-W47",))
        assert not await store.award(group.id, "u1", 10, "qotd-answer", "post:1", AT, ("week:2026-W47",))
        assert await store.award(group.id, "u2", 10, "qotd-answer", "post:1", AT, ("week:2026-W47",))
        assert await store.award(group.id, "u3", 5, "qotd-best", "post:1", AT, ("week:2026-W47",))
    top, mine = await store.board(group.id, "week:2026-W47", "u2", 10)
    assert [(s.user_id, s.points, s.rank) for s in top] == [("u1", 10, 1), ("u2", 10, 1), ("u3", 5, 3)]  # 1, 1, 3
    assert (mine.user_id, mine.rank) == ("u2", 1)
    top, mine = await store.board(group.id, "all", "u3", 2)
    assert [s.user_id for s in top] == ["u1", "u2"] and (mine.user_id, mine.rank) == ("u3", 3)  # below the top
    top, mine = await store.board(group.id, "all", "nobody", 10)
    assert [s.user_id for s in top] == ["u1", "u2", "u3"] and mine is None  # no points: no standing
    await store.close()


async def test_a_failed_transaction_leaves_nothing(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    async with store.transaction():
        group = await store.group("console", "g")
    try:
        async with store.transaction():
            await store.award(group.id, "u1", 10, "qotd-answer", "post:1", AT, ())
            raise RuntimeError("crash between the ledger and the rest")
    except RuntimeError:
        pass
    assert await store.ledger(group.id) == []
    assert await store.board(group.id, "all", "u1", 10) == ([], None)
    await store.close()


async def test_a_write_outside_a_unit_of_work_is_refused(tmp_path):
    store = await Store.open(tmp_path / "s.db")
    try:
        with pytest.raises(RuntimeError, match="outside a unit of work"):
            await store.group("console", "g")
    finally:
        await store.close()


async def test_units_of_work_never_see_or_lose_each_others_writes(tmp_path):
    """Issue 7.1: a task's single write used to land inside another's open transaction and vanish
    with its rollback. Now each unit of work is whole, and a rolled-back one takes only its own."""
    store = await Store.open(tmp_path / "s.db")
    async with store.transaction():
        group = await store.group("console", "g")

    async def vote(n: int):
        async with store.transaction():
            await asyncio.sleep(0)  # give the others every chance to interleave
            await store.award(group.id, f"u{n}", 1, "vote", f"poll:{n}", AT, ())

    async def doomed():
        async with store.transaction():
            await store.award(group.id, "loser", 99, "press", "x", AT, ())
            await asyncio.sleep(0)
            raise ValueError("rolled back")

    results = await asyncio.gather(doomed(), *(vote(n) for n in range(10)), return_exceptions=True)
    assert isinstance(results[0], ValueError) and results[1:] == [None] * 10
    ledger = await store.ledger(group.id)
    assert sorted(u for u, *_ in ledger) == sorted(f"u{n}" for n in range(10))
    await store.close()


async def test_a_missing_database_folder_is_refused_not_created(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        await Store.open(tmp_path / "nope" / "x.db")
    assert not (tmp_path / "nope").exists()


async def test_the_blind_answers_migration_keeps_every_post_and_what_points_at_it(tmp_path):
    """Migration 10 rebuilds posts (to widen its status check): same ids, same rows, references intact."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        for script in MIGRATIONS[:9]:
            db.executescript(script)
        db.execute("PRAGMA user_version=9")
        db.execute("INSERT INTO groups (id, platform, external_id) VALUES (1, 'console', 'g')")
        db.execute("INSERT INTO schedules (id, group_id, channel, at_time, tz, days, close_seconds, since) "
                   "VALUES (1, 1, 'c', '09:00', 'UTC', 'mon', 3600, '2026-11-20T08:00:00+00:00')")
        db.execute("INSERT INTO posts (id, schedule_id, local_date, status, number, question_id, message_id, thread_id)"
                   " VALUES (7, 1, '2026-11-20', 'open', 3, 'q', 'm1', 't1')")
        db.execute("INSERT INTO replies (post_id, message_id, user_id, text, at) VALUES (7, 'r1', 'u1', 'hi', 'x')")
        db.execute("INSERT INTO upvotes (post_id, message_id, voter) VALUES (7, 'r1', 'u2')")
    store = await Store.open(path)
    row = await store.post(7)
    assert (row.number, row.status, row.message_id, row.thread_id, row.blind) == (3, "open", "m1", "t1", False)
    async with store.transaction():
        assert await store.mark_voting(7, AT)
    assert (await store.post(7)).status == "voting" and await store.upvoters(7, "r1") == {"u2"}
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'posts'")}
        assert {"posts_due", "posts_votes", "posts_message", "posts_thread", "posts_question"} <= indexes


async def test_a_board_tied_beyond_its_top_lists_ties_by_member_and_ranks_them_together(tmp_path):
    """A week's board often ties many members on the same points: the top is the first by member id,
    every tied member shares the rank, and whoever is above them counts once each."""
    store = await Store.open(tmp_path / "s.db")
    async with store.transaction():
        group = await store.group("console", "g")
        await store.award(group.id, "lead", 30, "qotd-answer", "post:0", AT, ())
        for n in range(30):
            await store.award(group.id, f"u{n:02d}", 10, "qotd-answer", f"post:{n}", AT, ())
    top, mine = await store.board(group.id, "all", "u29", 10)
    assert [(s.user_id, s.rank) for s in top] == [("lead", 1)] + [(f"u{n:02d}", 2) for n in range(9)]
    assert (mine.user_id, mine.points, mine.rank) == ("u29", 10, 2)
    await store.close()
