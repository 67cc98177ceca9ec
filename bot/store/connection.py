"""One aiosqlite connection in WAL mode, its migrations and its units of work."""
from __future__ import annotations

import asyncio
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
    """One statement, on the database's thread."""
    cursor = db.execute(sql, args)
    return Result(cursor.fetchall(), cursor.rowcount, cursor.lastrowid)


class StoreError(Exception):
    """The database cannot be opened as asked; the message says what to change."""


class Connection:
    """One SQLite file behind one writer.

    Every write runs inside `transaction()`: one unit of work at a time, whole or not at all. A
    task inside a unit of work may open it again (it joins the one already open), so an event's
    handler and the features it calls compose without nesting transactions. Reads from other tasks
    wait for the open unit of work, so nobody ever sees another's uncommitted writes.
    """

    def __init__(self, db: aiosqlite.Connection):
        self.db = db
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._lock_file: int | None = None  # held while open: `studybot db restore` refuses a database in use

    @classmethod
    async def open(cls, path: str | Path) -> "Connection":
        if str(path) != ":memory:" and not Path(path).parent.is_dir():
            raise StoreError(f"The folder {Path(path).parent} does not exist: create it, or choose another "
                             "database file (--database or STUDYBOT_DATABASE).")
        lock = await asyncio.to_thread(hold, Path(path))  # before opening: a restore never runs under us
        try:
            db = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            if lock is not None:
                os.close(lock)
            raise StoreError(f"Cannot open the database {path}: {exc}.") from None
        db.row_factory = sqlite3.Row
        await db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed unit of work survives
        # the process crashing or being killed; only a power loss or OS crash may lose the last commits.
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db)
        store._lock_file = lock
        await store.migrate()
        return store

    async def close(self) -> None:
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
    async def transaction(self):
        """A unit of work: commit on success, roll back on any exception (a crash included)."""
        if self._mine():
            yield self
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self._run("BEGIN IMMEDIATE", ())
                try:
                    yield self
                except BaseException:
                    await self._run("ROLLBACK", ())
                    raise
                await self._run("COMMIT", ())
            finally:
                self._owner = None

    async def _run(self, sql: str, args) -> Result:
        """Every statement passes here: the one seam tests use to crash the bot at any statement. It is
        executed and fetched in one trip to aiosqlite's thread (its public calls take two for a query:
        a trip costs ~25 µs, a typical statement here a few)."""
        return await self.db._execute(_step, self.db._conn, sql, args)

    async def _read(self, sql: str, args) -> list:
        if self._mine():
            return (await self._run(sql, args)).rows
        async with self._lock:  # wait for the open unit of work: never read its uncommitted rows
            return (await self._run(sql, args)).rows

    async def _one(self, sql: str, *args):
        rows = await self._read(sql, args)
        return rows[0] if rows else None

    async def _all(self, sql: str, *args):
        return await self._read(sql, args)

    async def _write(self, sql: str, *args) -> int:
        """Run one write inside the unit of work; returns the rows it changed (0 when a natural key said no)."""
        if not self._mine():
            raise RuntimeError("a write outside a unit of work: wrap it in `async with store.transaction()`")
        return (await self._run(sql, args)).rowcount

    async def _insert(self, sql: str, *args) -> int | None:
        """An INSERT inside the unit of work; the new row's id, or None when a natural key said no."""
        if not self._mine():
            raise RuntimeError("a write outside a unit of work: wrap it in `async with store.transaction()`")
        cursor = await self._run(sql, args)
        return cursor.lastrowid if cursor.rowcount == 1 else None
