"""Group commit on a real SQLite file: units of work queued behind one another share a transaction,
each returns only once it is on disk, a failing one rolls back alone, and nothing waits forever."""
import asyncio
import sqlite3
from datetime import datetime

import pytest

from bot.core.clock import UTC
from bot.store import Store
from bot.store.connection import BATCH

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class Counted(Store):
    """Counts the statements that reach SQLite, by their first word; `failing` is one that errs."""

    def __init__(self, db):
        super().__init__(db)
        self.seen: list[str] = []
        self.failing: str | None = None

    async def _run(self, sql, args):
        self.seen.append(sql.split()[0].upper())
        if sql == self.failing:
            raise sqlite3.OperationalError("disk I/O error")
        return await super()._run(sql, args)


def on_disk(path, group_id) -> set[str]:
    """What another process would read: only committed rows."""
    with sqlite3.connect(path) as db:
        return {u for (u,) in db.execute("SELECT user_id FROM ledger WHERE group_id = ?", (group_id,))}


async def opened(tmp_path):
    store = await Counted.open(tmp_path / "s.db")
    async with store.transaction():
        group = await store.group("console", "g")
    store.seen.clear()
    return store, group


async def answers(store, group, count: int, failing=()) -> list:
    """`count` units of work at once, the n-th awarding member u<n>; those in `failing` raise after
    their write. Each one's result or exception, in order."""
    async def answer(n: int):
        async with store.transaction():
            await store.award(group.id, f"u{n}", 10, "qotd-answer", f"post:{n}", AT, ())
            if n in failing:
                raise ValueError(n)

    return await asyncio.gather(*(answer(n) for n in range(count)), return_exceptions=True)


async def test_queued_units_share_one_commit_and_each_returns_only_once_on_disk(tmp_path):
    store, group = await opened(tmp_path)
    path = tmp_path / "s.db"

    async def answer(n: int):
        async with store.transaction():
            await store.award(group.id, f"u{n}", 10, "qotd-answer", f"post:{n}", AT, ())
        assert f"u{n}" in on_disk(path, group.id)  # acknowledged only when another process can read it

    await asyncio.gather(*(answer(n) for n in range(20)))
    assert on_disk(path, group.id) == {f"u{n}" for n in range(20)}
    assert store.seen.count("BEGIN") == store.seen.count("COMMIT") == 1
    assert store.seen.count("SAVEPOINT") == 19  # the first unit needs none: it is alone in the transaction
    await store.close()


async def test_a_transaction_closes_after_a_bounded_number_of_units(tmp_path):
    store, group = await opened(tmp_path)
    await answers(store, group, 2 * BATCH + 1)
    assert store.seen.count("COMMIT") == 3
    await store.close()


async def test_a_failing_unit_in_a_shared_transaction_rolls_back_alone(tmp_path):
    store, group = await opened(tmp_path)

    results = await answers(store, group, 9, failing={1, 4, 7})
    assert [n for n, r in enumerate(results) if isinstance(r, ValueError)] == [1, 4, 7]
    assert on_disk(tmp_path / "s.db", group.id) == {f"u{n}" for n in (0, 2, 3, 5, 6, 8)}
    assert store.seen.count("COMMIT") == 1
    await store.close()


async def test_the_first_unit_failing_leaves_the_rest_a_clean_transaction(tmp_path):
    store, group = await opened(tmp_path)

    results = await answers(store, group, 4, failing={0})
    assert isinstance(results[0], ValueError) and results[1:] == [None] * 3
    assert on_disk(tmp_path / "s.db", group.id) == {"u1", "u2", "u3"}
    await store.close()


async def test_a_failed_commit_fails_every_unit_in_it_and_keeps_none(tmp_path):
    store, group = await opened(tmp_path)
    store.failing = "COMMIT"
    results = await answers(store, group, 5)
    assert all(isinstance(r, Exception) for r in results)  # no event is acknowledged
    store.failing = None
    assert on_disk(tmp_path / "s.db", group.id) == set()
    async with store.transaction():  # and the connection is usable again
        await store.award(group.id, "later", 10, "qotd-answer", "post:later", AT, ())
    assert on_disk(tmp_path / "s.db", group.id) == {"later"}
    await store.close()


async def test_a_unit_that_cannot_be_rolled_back_alone_takes_the_transaction_with_it(tmp_path):
    """If its savepoint cannot be undone, what is in the transaction is unknown: nothing of it commits."""
    store, group = await opened(tmp_path)
    store.failing = "ROLLBACK TO unit"

    results = await answers(store, group, 5, failing={2})
    assert all(isinstance(r, Exception) for r in results[:3])  # the ones before it and itself
    store.failing = None
    assert on_disk(tmp_path / "s.db", group.id) == {"u3", "u4"}  # those after it: a new transaction
    await store.close()


async def test_a_reader_never_sees_a_shared_transaction_before_it_commits(tmp_path):
    store, group = await opened(tmp_path)
    seen = []

    async def answer(n: int):
        async with store.transaction():
            await store.award(group.id, f"u{n}", 10, "qotd-answer", f"post:{n}", AT, ())

    async def read():
        ledger = {u for u, *_ in await store.ledger(group.id)}
        seen.append(ledger <= on_disk(tmp_path / "s.db", group.id))

    await asyncio.gather(*(coro for n in range(6) for coro in (answer(n), read())))
    assert seen == [True] * 6
    await store.close()


async def test_a_unit_cancelled_while_queued_does_not_strand_the_ones_before_it(tmp_path):
    store, group = await opened(tmp_path)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def slow():
        async with store.transaction():
            await store.award(group.id, "first", 10, "qotd-answer", "post:1", AT, ())
            inside.set()
            await release.wait()

    async def queued():
        async with store.transaction():
            await store.award(group.id, "never", 10, "qotd-answer", "post:2", AT, ())

    first = asyncio.create_task(slow())
    await inside.wait()
    second = asyncio.create_task(queued())
    await asyncio.sleep(0)  # queued behind the first: the first leaves the transaction open for it
    release.set()
    await asyncio.sleep(0)
    second.cancel()
    await asyncio.wait_for(first, timeout=5)  # committed by the settler, not stranded
    with pytest.raises(asyncio.CancelledError):
        await second
    assert on_disk(tmp_path / "s.db", group.id) == {"first"}
    await store.close()


async def test_waiting_for_another_process_s_write_lock_does_not_stall_the_loop(tmp_path):
    """BEGIN IMMEDIATE waits (busy_timeout) while another process writes: it runs on aiosqlite's thread,
    so the loop goes on meanwhile. Inline, the loop would freeze until the timeout and the unit fail."""
    store, group = await opened(tmp_path)
    other = sqlite3.connect(tmp_path / "s.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    unit = asyncio.create_task(answers(store, group, 1))
    for _ in range(3):
        await asyncio.sleep(0)  # the unit has asked for the lock and is waiting on the thread
    assert not unit.done()
    other.execute("COMMIT")  # this coroutine ran meanwhile: the other process lets go
    assert await asyncio.wait_for(unit, timeout=5) == [None]
    assert on_disk(tmp_path / "s.db", group.id) == {"u0"}
    other.close()
    await store.close()
