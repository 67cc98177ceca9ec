"""One aiosqlite connection in WAL mode, its migrations and its units of work."""
from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite

from .migrations import MIGRATIONS
from .ownership import hold


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Result:
    """What one statement gave back: a query's rows, the rows a write changed, the id an INSERT made."""

    rows: list
    rowcount: int
    lastrowid: int | None


def _step(db: sqlite3.Connection, sql: str, args) -> Result:
    """One statement, executed and fetched."""
    cursor = db.execute(sql, args)
    return Result(cursor.fetchall(), cursor.rowcount, cursor.lastrowid)


# Statements that can wait: BEGIN IMMEDIATE for another process's write lock (busy_timeout), COMMIT and
# ROLLBACK for the disk and the WAL checkpoint. They go to aiosqlite's thread; every other statement takes
# microseconds on an index and runs inline, since a trip to the thread costs ~25 µs.
_WAITS = ("BEGIN", "COMMIT", "ROLLBACK")

# A group commit closes after this many units of work even while more are queued: the bound on how long
# the first one waits to be acknowledged.
BATCH = 64


class StoreError(Exception):
    """The database cannot be opened as asked; the message says what to change."""


class Connection:
    """One SQLite file behind one writer.

    Every write runs inside `transaction()`: one unit of work at a time, whole or not at all. A
    task inside a unit of work may open it again (it joins the one already open), so an event's
    handler and the features it calls compose without nesting transactions.

    Group commit: units of work that queue behind one another share one transaction, each under a
    savepoint so a failing one rolls back alone. The transaction commits when nobody else is queued
    (or after `BATCH` units), and each unit returns only once it is committed, so an event is never
    acknowledged before it is durable and a crash loses only unacknowledged work, which platforms
    re-deliver. Reads from other tasks wait for the commit, so nobody sees uncommitted writes.
    """

    def __init__(self, db: aiosqlite.Connection):
        self.db = db
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._queued = 0  # tasks waiting for the lock: the open transaction stays open for them
        self._batch: asyncio.Future | None = None  # the open transaction's commit, awaited by its units
        self._units = 0  # units of work committed to the open transaction so far
        self._settler: asyncio.Future | None = None  # kept referenced while it runs (see `_turn`)
        self._lock_file: int | None = None  # held while open: `studybot db restore` refuses a database in use

    @classmethod
    async def open(cls, path: str | Path) -> "Connection":
        if str(path) != ":memory:" and not Path(path).parent.is_dir():
            raise StoreError(f"The folder {Path(path).parent} does not exist: create it, or choose another "
                             "database file (--database or STUDYBOT_DATABASE).")
        lock = await asyncio.to_thread(hold, Path(path))  # before opening: a restore never runs under us
        try:
            # Used from the loop's thread too (see _run); the lock keeps it to one thread at a time.
            db = await aiosqlite.connect(str(path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            if lock is not None:
                os.close(lock)
            raise StoreError(f"Cannot open the database {path}: {exc}.") from None
        db.row_factory = sqlite3.Row
        await db.execute("PRAGMA journal_mode=WAL")
        # FULL syncs the WAL at every commit, so an acknowledged unit of work survives a power loss too;
        # group commit (see `transaction`) shares that sync among the units of work queued for it.
        await db.execute("PRAGMA synchronous=FULL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db)
        store._lock_file = lock
        await store.migrate()
        return store

    async def close(self) -> None:
        async with self._turn():
            await self._settle()
        await self.db.close()
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None

    async def migrate(self) -> None:
        async with self.transaction():
            (version,) = await self._one("PRAGMA user_version")
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                for statement in filter(str.strip, script.split(";")):
                    await self._run(statement, ())
                await self._run(f"PRAGMA user_version={number}", ())

    def _mine(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def _turn(self):
        """Hold the connection, counted as queued while waiting for it."""
        self._queued += 1
        try:
            await self._lock.acquire()
        except BaseException:  # cancelled while queued: the open transaction may have been waiting for us
            self._queued -= 1
            if not self._queued and self._batch is not None and not self._lock.locked():
                self._settler = asyncio.ensure_future(self._settle_when_free())
            raise
        self._queued -= 1
        try:
            yield
        finally:
            self._lock.release()

    @asynccontextmanager
    async def transaction(self):
        """A unit of work: committed on success (returning only once it is), rolled back on any
        exception (a crash included)."""
        if self._mine():
            yield self
            return
        async with self._turn():
            self._owner = asyncio.current_task()
            try:
                if self._batch is None:
                    await self._run("BEGIN IMMEDIATE", ())
                    self._batch, self._units = asyncio.get_running_loop().create_future(), 0
                batch, alone = self._batch, self._units == 0
                if not alone:
                    await self._run("SAVEPOINT unit", ())
                try:
                    yield self
                except BaseException as exc:
                    if alone:  # nothing else in the transaction yet: drop all of it
                        await self._abandon(exc)
                        raise
                    try:
                        await self._run("ROLLBACK TO unit", ())
                        await self._run("RELEASE unit", ())
                    except BaseException:  # the transaction's state is unknown: none of it may commit
                        await self._abandon(exc)
                        raise
                    raise
                if not alone:
                    await self._run("RELEASE unit", ())
                self._units += 1
            finally:
                self._owner = None
                if self._batch is not None and (not self._queued or self._units >= BATCH):
                    await self._settle()
        await asyncio.shield(batch)

    async def _settle_when_free(self) -> None:
        async with self._turn():
            await self._settle()

    async def _settle(self) -> None:
        """Commit the open transaction, if any, and tell the units of work in it."""
        batch = self._batch
        if batch is None:
            return
        try:
            await self._run("COMMIT", ())
        except BaseException as exc:
            await self._abandon(exc)
            raise
        self._batch = None
        batch.set_result(None)

    async def _abandon(self, exc: BaseException) -> None:
        """Roll the open transaction back whole: every unit of work in it fails with `exc`."""
        batch, self._batch = self._batch, None
        batch.set_exception(exc if isinstance(exc, Exception) else RuntimeError("the transaction was interrupted"))
        batch.exception()  # retrieved here: a unit that is gone (it crashed) never will
        with contextlib.suppress(Exception):
            await self._run("ROLLBACK", ())

    async def _run(self, sql: str, args) -> Result:
        """Every statement passes here: the one seam tests use to crash the bot at any statement. The
        connection is held (by `_turn`), so only this task uses it."""
        if sql.startswith(_WAITS):
            return await self.db._execute(_step, self.db._conn, sql, args)
        return _step(self.db._conn, sql, args)

    async def _read(self, sql: str, args) -> list:
        if self._mine():
            return (await self._run(sql, args)).rows
        async with self._turn():  # after the open transaction's commit: never uncommitted rows
            await self._settle()
            return (await self._run(sql, args)).rows

    async def _one(self, sql: str, *args):
        rows = await self._read(sql, args)
        return rows[0] if rows else None

    async def _all(self, sql: str, *args):
        return await self._read(sql, args)

    async def _change(self, sql: str, args) -> Result:
        """Every write: only inside a unit of work."""
        if not self._mine():
            raise RuntimeError("a write outside a unit of work: wrap it in `async with store.transaction()`")
        return await self._run(sql, args)

    async def _write(self, sql: str, *args) -> int:
        """Run one write inside the unit of work; returns the rows it changed (0 when a natural key said no)."""
        return (await self._change(sql, args)).rowcount

    async def _insert(self, sql: str, *args) -> int | None:
        """An INSERT inside the unit of work; the new row's id, or None when a natural key said no."""
        result = await self._change(sql, args)
        return result.lastrowid if result.rowcount == 1 else None

    async def _returning(self, sql: str, *args):
        """A write with RETURNING inside the unit of work: its first row, or None when it changed nothing."""
        rows = (await self._change(sql, args)).rows
        return rows[0] if rows else None
