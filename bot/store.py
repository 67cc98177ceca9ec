"""The only module with SQL: aiosqlite in WAL mode, numbered migrations, typed methods.

Every write is idempotent on a natural key (one post per schedule and local day, one answer per
post and member, one ledger row per reason, source and member), so replaying an event or re-running
a job changes nothing. Leaderboards read aggregates maintained in the same transaction as the ledger.
"""
from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import aiosqlite

MIGRATIONS: list[str] = [
    # 1: groups, schedules, the question of the day, points and streaks
    """
    CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        external_id TEXT NOT NULL,
        tz TEXT NOT NULL DEFAULT 'UTC',
        UNIQUE (platform, external_id)
    );
    CREATE TABLE members (
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (group_id, user_id)
    );
    CREATE TABLE schedules (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        at_time TEXT NOT NULL,
        tz TEXT NOT NULL,
        days TEXT NOT NULL,
        topics TEXT NOT NULL DEFAULT '',
        close_seconds INTEGER NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        cycle INTEGER NOT NULL DEFAULT 1,
        since TEXT NOT NULL,
        UNIQUE (group_id, channel)
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        local_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'open', 'closed', 'skipped')),
        number INTEGER,
        question_id TEXT,
        cycle INTEGER,
        message_id TEXT,
        thread_id TEXT,
        posted_at TEXT,
        closes_at TEXT,
        revealed INTEGER NOT NULL DEFAULT 0,
        UNIQUE (schedule_id, local_date)
    );
    CREATE INDEX posts_due ON posts (status, closes_at);
    CREATE INDEX posts_message ON posts (message_id);
    CREATE INDEX posts_thread ON posts (thread_id);
    CREATE TABLE answers (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        user_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        text TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        withdrawn INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_id, user_id)
    );
    CREATE INDEX answers_message ON answers (post_id, message_id);
    CREATE TABLE upvotes (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        message_id TEXT NOT NULL,
        voter TEXT NOT NULL,
        PRIMARY KEY (post_id, message_id, voter)
    );
    CREATE TABLE choice_reactions (
        post_id INTEGER NOT NULL REFERENCES posts(id),
        user_id TEXT NOT NULL,
        option INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (post_id, user_id, option)
    );
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        points INTEGER NOT NULL,
        reason TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE (reason, source, user_id)
    );
    CREATE TABLE totals (
        group_id INTEGER NOT NULL,
        period TEXT NOT NULL,
        user_id TEXT NOT NULL,
        points INTEGER NOT NULL,
        PRIMARY KEY (group_id, period, user_id)
    );
    CREATE INDEX totals_rank ON totals (group_id, period, points DESC);
    CREATE TABLE streaks (
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        user_id TEXT NOT NULL,
        current INTEGER NOT NULL,
        best INTEGER NOT NULL,
        PRIMARY KEY (schedule_id, user_id)
    );
    CREATE TABLE handled (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    """,
    # 2: polls
    """
    """,
    # 3: quizzes and practice
    """
    """,
]


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Group:
    id: int
    platform: str
    external_id: str
    tz: str


@dataclass(frozen=True)
class Schedule:
    id: int
    group_id: int
    channel: str
    at_time: str
    tz: str
    days: str
    topics: tuple[str, ...]
    close_seconds: int
    paused: bool
    cycle: int
    since: datetime  # only occurrences after this instant are due: set on setup and on resume


@dataclass(frozen=True)
class PostRow:
    id: int
    schedule_id: int
    local_date: str
    status: str
    number: int | None
    question_id: str | None
    cycle: int | None
    message_id: str | None
    thread_id: str | None
    posted_at: datetime | None
    closes_at: datetime | None
    revealed: bool


@dataclass(frozen=True)
class Answer:
    user_id: str
    message_id: str
    text: str
    answered_at: datetime
    upvotes: int


@dataclass(frozen=True)
class Standing:
    user_id: str
    name: str
    points: int
    rank: int


def _schedule(row) -> Schedule:
    return Schedule(row["id"], row["group_id"], row["channel"], row["at_time"], row["tz"], row["days"],
                    tuple(t for t in row["topics"].split(",") if t), row["close_seconds"], bool(row["paused"]),
                    row["cycle"], from_iso(row["since"]))


def _post(row) -> PostRow:
    return PostRow(row["id"], row["schedule_id"], row["local_date"], row["status"], row["number"],
                   row["question_id"], row["cycle"], row["message_id"], row["thread_id"],
                   from_iso(row["posted_at"]), from_iso(row["closes_at"]), bool(row["revealed"]))


class Store:
    """Typed access to one SQLite file. Writes that belong together go in `transaction()`."""

    def __init__(self, db: aiosqlite.Connection):
        self.db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> "Store":
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(str(path), isolation_level=None)
        db.row_factory = sqlite3.Row
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db)
        await store.migrate()
        return store

    async def close(self) -> None:
        await self.db.close()

    async def migrate(self) -> None:
        (version,) = await (await self.db.execute("PRAGMA user_version")).fetchone()
        for number, script in enumerate(MIGRATIONS[version:], version + 1):
            async with self.transaction():
                for statement in filter(str.strip, script.split(";")):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version={number}")

    @asynccontextmanager
    async def transaction(self):
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def _one(self, sql: str, *args):
        return await (await self.db.execute(sql, args)).fetchone()

    async def _all(self, sql: str, *args):
        return await (await self.db.execute(sql, args)).fetchall()

    async def _write(self, sql: str, *args) -> int:
        """Run one write; returns the number of rows it changed (0 when a natural key said no)."""
        cursor = await self.db.execute(sql, args)
        return cursor.rowcount

    # ---- groups and members --------------------------------------------------------------

    async def group(self, platform: str, external_id: str) -> Group:
        await self._write("INSERT INTO groups (platform, external_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                          platform, external_id)
        row = await self._one("SELECT * FROM groups WHERE platform = ? AND external_id = ?", platform, external_id)
        return Group(row["id"], row["platform"], row["external_id"], row["tz"])

    async def group_by_id(self, group_id: int) -> Group:
        row = await self._one("SELECT * FROM groups WHERE id = ?", group_id)
        return Group(row["id"], row["platform"], row["external_id"], row["tz"])

    async def set_group_tz(self, group_id: int, tz: str) -> None:
        await self._write("UPDATE groups SET tz = ? WHERE id = ?", tz, group_id)

    async def remember_member(self, group_id: int, user_id: str, name: str) -> None:
        await self._write(
            "INSERT INTO members (group_id, user_id, name) VALUES (?, ?, ?) "
            "ON CONFLICT DO UPDATE SET name = excluded.name WHERE name != excluded.name",
            group_id, user_id, name)

    async def find_member(self, group_id: int, who: str) -> tuple[str, str] | None:
        """A member by id or by name (case-insensitive)."""
        row = await self._one(
            "SELECT user_id, name FROM members WHERE group_id = ? AND (user_id = ? OR lower(name) = lower(?))",
            group_id, who, who)
        return (row["user_id"], row["name"]) if row else None

    async def member_names(self, group_id: int, user_ids) -> dict[str, str]:
        ids = list(user_ids)
        if not ids:
            return {}
        rows = await self._all(
            f"SELECT user_id, name FROM members WHERE group_id = ? AND user_id IN ({','.join('?' * len(ids))})",
            group_id, *ids)
        return {r["user_id"]: r["name"] for r in rows}

    async def first_time(self, key: str, at: datetime) -> bool:
        """True the first time a platform event id is seen: re-delivered commands are dropped."""
        return await self._write("INSERT INTO handled (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING", key, iso(at)) == 1

    # ---- schedules -----------------------------------------------------------------------

    async def save_schedule(self, group_id: int, channel: str, at_time: str, tz: str, days: str,
                            topics: tuple[str, ...], close_seconds: int, since: datetime) -> Schedule:
        await self._write(
            "INSERT INTO schedules (group_id, channel, at_time, tz, days, topics, close_seconds, since) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, channel) DO UPDATE SET "
            "at_time = excluded.at_time, tz = excluded.tz, days = excluded.days, topics = excluded.topics, "
            "close_seconds = excluded.close_seconds, paused = 0, since = excluded.since",
            group_id, channel, at_time, tz, days, ",".join(topics), close_seconds, iso(since))
        return await self.schedule_for(group_id, channel)

    async def schedule_for(self, group_id: int, channel: str) -> Schedule | None:
        row = await self._one("SELECT * FROM schedules WHERE group_id = ? AND channel = ?", group_id, channel)
        return _schedule(row) if row else None

    async def schedule(self, schedule_id: int) -> Schedule:
        return _schedule(await self._one("SELECT * FROM schedules WHERE id = ?", schedule_id))

    async def schedules(self) -> list[Schedule]:
        return [_schedule(r) for r in await self._all("SELECT * FROM schedules ORDER BY id")]

    async def set_paused(self, schedule_id: int, paused: bool, at: datetime) -> bool:
        """Pause or resume; resuming moves `since` so the paused days are never posted late."""
        return await self._write("UPDATE schedules SET paused = ?, since = ? WHERE id = ? AND paused != ?",
                                 int(paused), iso(at), schedule_id, int(paused)) == 1

    async def start_cycle(self, schedule_id: int, cycle: int) -> None:
        await self._write("UPDATE schedules SET cycle = max(cycle, ?) WHERE id = ?", cycle, schedule_id)

    # ---- posts ---------------------------------------------------------------------------

    async def post_on(self, schedule_id: int, local_date: str) -> PostRow | None:
        row = await self._one("SELECT * FROM posts WHERE schedule_id = ? AND local_date = ?", schedule_id, local_date)
        return _post(row) if row else None

    async def post(self, post_id: int) -> PostRow:
        return _post(await self._one("SELECT * FROM posts WHERE id = ?", post_id))

    async def skip(self, schedule_id: int, local_date: str) -> bool:
        return await self._write(
            "INSERT INTO posts (schedule_id, local_date, status) VALUES (?, ?, 'skipped') ON CONFLICT DO NOTHING",
            schedule_id, local_date) == 1

    async def unskip(self, schedule_id: int, local_date: str) -> bool:
        return await self._write("DELETE FROM posts WHERE schedule_id = ? AND local_date = ? AND status = 'skipped'",
                                 schedule_id, local_date) == 1

    async def claim_post(self, schedule_id: int, local_date: str, question_id: str, cycle: int) -> PostRow:
        """Reserve the (schedule, day) slot and its question; a second claim returns the first."""
        await self._write(
            "INSERT INTO posts (schedule_id, local_date, status, question_id, cycle, number) "
            "VALUES (?, ?, 'pending', ?, ?, (SELECT coalesce(max(number), 0) + 1 FROM posts WHERE schedule_id = ?)) "
            "ON CONFLICT DO NOTHING", schedule_id, local_date, question_id, cycle, schedule_id)
        return await self.post_on(schedule_id, local_date)

    async def mark_posted(self, post_id: int, message_id: str, posted_at: datetime, closes_at: datetime) -> None:
        await self._write("UPDATE posts SET status = 'open', message_id = ?, posted_at = ?, closes_at = ? "
                          "WHERE id = ? AND status = 'pending'", message_id, iso(posted_at), iso(closes_at), post_id)

    async def set_thread(self, post_id: int, thread_id: str) -> None:
        await self._write("UPDATE posts SET thread_id = ? WHERE id = ?", thread_id, post_id)

    async def asked_in_cycle(self, schedule_id: int, cycle: int) -> set[str]:
        rows = await self._all("SELECT question_id FROM posts WHERE schedule_id = ? AND cycle = ? "
                               "AND question_id IS NOT NULL", schedule_id, cycle)
        return {r["question_id"] for r in rows}

    async def pending_posts(self) -> list[PostRow]:
        return [_post(r) for r in await self._all("SELECT * FROM posts WHERE status = 'pending' ORDER BY id")]

    async def due_closings(self, now: datetime) -> list[PostRow]:
        rows = await self._all("SELECT * FROM posts WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at, id",
                               iso(now))
        return [_post(r) for r in rows]

    async def unrevealed(self) -> list[PostRow]:
        return [_post(r) for r in await self._all("SELECT * FROM posts WHERE status = 'closed' AND revealed = 0 ORDER BY id")]

    async def next_closing(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(closes_at) AS at FROM posts WHERE status = 'open' AND closes_at > ?", iso(after))
        return from_iso(row["at"])

    async def mark_closed(self, post_id: int) -> bool:
        return await self._write("UPDATE posts SET status = 'closed' WHERE id = ? AND status = 'open'", post_id) == 1

    async def mark_revealed(self, post_id: int) -> None:
        await self._write("UPDATE posts SET revealed = 1 WHERE id = ?", post_id)

    async def open_post_by_thread(self, group_id: int, thread_id: str) -> PostRow | None:
        row = await self._one("SELECT p.* FROM posts p JOIN schedules s ON s.id = p.schedule_id "
                              "WHERE s.group_id = ? AND p.thread_id = ? AND p.status = 'open'", group_id, thread_id)
        return _post(row) if row else None

    async def open_post_by_message(self, group_id: int, message_id: str) -> PostRow | None:
        row = await self._one("SELECT p.* FROM posts p JOIN schedules s ON s.id = p.schedule_id "
                              "WHERE s.group_id = ? AND p.message_id = ? AND p.status = 'open'", group_id, message_id)
        return _post(row) if row else None

    async def latest_post(self, schedule_id: int) -> PostRow | None:
        row = await self._one("SELECT * FROM posts WHERE schedule_id = ? AND status IN ('open', 'closed') "
                              "ORDER BY number DESC LIMIT 1", schedule_id)
        return _post(row) if row else None

    # ---- answers, upvotes, choice reactions -------------------------------------------------

    async def record_answer(self, post_id: int, user_id: str, message_id: str, text: str, at: datetime) -> bool:
        """A member's first reply is their answer; after a withdrawal their next new reply is.
        Returns True when this message is (now) the member's answer."""
        changed = await self._write(
            "INSERT INTO answers (post_id, user_id, message_id, text, answered_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (post_id, user_id) DO UPDATE SET message_id = excluded.message_id, text = excluded.text, "
            "answered_at = excluded.answered_at, withdrawn = 0 "
            "WHERE withdrawn = 1 AND message_id != excluded.message_id",
            post_id, user_id, message_id, text, iso(at))
        return changed == 1

    async def edit_answer(self, post_id: int, message_id: str, text: str) -> bool:
        return await self._write("UPDATE answers SET text = ? WHERE post_id = ? AND message_id = ? AND withdrawn = 0",
                                 text, post_id, message_id) == 1

    async def withdraw_answer(self, post_id: int, message_id: str) -> bool:
        changed = await self._write("UPDATE answers SET withdrawn = 1 WHERE post_id = ? AND message_id = ? "
                                    "AND withdrawn = 0", post_id, message_id)
        await self._write("DELETE FROM upvotes WHERE post_id = ? AND message_id = ?", post_id, message_id)
        return changed == 1

    async def answer_author(self, post_id: int, message_id: str) -> str | None:
        row = await self._one("SELECT user_id FROM answers WHERE post_id = ? AND message_id = ? AND withdrawn = 0",
                              post_id, message_id)
        return row["user_id"] if row else None

    async def set_upvote(self, post_id: int, message_id: str, voter: str, on: bool) -> bool:
        if on:
            sql = "INSERT INTO upvotes (post_id, message_id, voter) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
        else:
            sql = "DELETE FROM upvotes WHERE post_id = ? AND message_id = ? AND voter = ?"
        return await self._write(sql, post_id, message_id, voter) == 1

    async def answers(self, post_id: int) -> list[Answer]:
        rows = await self._all(
            "SELECT a.user_id, a.message_id, a.text, a.answered_at, "
            "(SELECT count(*) FROM upvotes u WHERE u.post_id = a.post_id AND u.message_id = a.message_id) AS votes "
            "FROM answers a WHERE a.post_id = ? AND a.withdrawn = 0 ORDER BY a.answered_at, a.rowid", post_id)
        return [Answer(r["user_id"], r["message_id"], r["text"], from_iso(r["answered_at"]), r["votes"]) for r in rows]

    async def set_choice(self, post_id: int, user_id: str, option: int, on: bool) -> bool:
        if on:
            return await self._write(
                "INSERT INTO choice_reactions (post_id, user_id, option, seq) VALUES (?, ?, ?, "
                "(SELECT coalesce(max(seq), 0) + 1 FROM choice_reactions WHERE post_id = ?)) ON CONFLICT DO NOTHING",
                post_id, user_id, option, post_id) == 1
        return await self._write("DELETE FROM choice_reactions WHERE post_id = ? AND user_id = ? AND option = ?",
                                 post_id, user_id, option) == 1

    async def choices(self, post_id: int) -> dict[str, int]:
        """Each member's latest still-standing choice."""
        rows = await self._all(
            "SELECT user_id, option FROM choice_reactions c WHERE post_id = ? AND seq = "
            "(SELECT max(seq) FROM choice_reactions d WHERE d.post_id = c.post_id AND d.user_id = c.user_id) "
            "ORDER BY seq", post_id)
        return {r["user_id"]: r["option"] for r in rows}

    # ---- points, totals, streaks -------------------------------------------------------------

    async def award(self, group_id: int, user_id: str, points: int, reason: str, source: str,
                    at: datetime, periods: tuple[str, ...]) -> bool:
        """Append to the ledger once per (reason, source, member) and keep the totals in step.
        Call inside a transaction so the ledger and the totals never disagree."""
        added = await self._write(
            "INSERT INTO ledger (group_id, user_id, points, reason, source, at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING", group_id, user_id, points, reason, source, iso(at))
        if added:
            for period in ("all", *periods):
                await self._write(
                    "INSERT INTO totals (group_id, period, user_id, points) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET points = points + excluded.points", group_id, period, user_id, points)
        return added == 1

    async def ledger(self, group_id: int) -> list[tuple[str, int, str, str]]:
        rows = await self._all("SELECT user_id, points, reason, source FROM ledger WHERE group_id = ? ORDER BY id", group_id)
        return [tuple(r) for r in rows]

    async def standings(self, group_id: int, period: str, limit: int) -> list[Standing]:
        rows = await self._all(
            "SELECT t.user_id, coalesce(m.name, t.user_id) AS name, t.points, "
            "(SELECT count(*) FROM totals o WHERE o.group_id = t.group_id AND o.period = t.period "
            " AND o.points > t.points) + 1 AS rank "
            "FROM totals t LEFT JOIN members m ON m.group_id = t.group_id AND m.user_id = t.user_id "
            "WHERE t.group_id = ? AND t.period = ? AND t.points > 0 ORDER BY t.points DESC, name LIMIT ?",
            group_id, period, limit)
        return [Standing(r["user_id"], r["name"], r["points"], r["rank"]) for r in rows]

    async def standing_of(self, group_id: int, period: str, user_id: str) -> Standing | None:
        row = await self._one(
            "SELECT t.user_id, coalesce(m.name, t.user_id) AS name, t.points, "
            "(SELECT count(*) FROM totals o WHERE o.group_id = t.group_id AND o.period = t.period "
            " AND o.points > t.points) + 1 AS rank "
            "FROM totals t LEFT JOIN members m ON m.group_id = t.group_id AND m.user_id = t.user_id "
            "WHERE t.group_id = ? AND t.period = ? AND t.user_id = ? AND t.points > 0", group_id, period, user_id)
        return Standing(row["user_id"], row["name"], row["points"], row["rank"]) if row else None

    async def advance_streaks(self, schedule_id: int, answered: set[str]) -> None:
        """One posted question closed: who answered extends their streak, everyone else's resets."""
        marks = ",".join("?" * len(answered))
        await self._write(f"UPDATE streaks SET current = 0 WHERE schedule_id = ? AND user_id NOT IN ({marks})",
                          schedule_id, *answered)
        for user_id in answered:
            await self._write(
                "INSERT INTO streaks (schedule_id, user_id, current, best) VALUES (?, ?, 1, 1) "
                "ON CONFLICT DO UPDATE SET current = current + 1, best = max(best, current + 1)",
                schedule_id, user_id)

    async def streak(self, schedule_id: int, user_id: str) -> tuple[int, int]:
        row = await self._one("SELECT current, best FROM streaks WHERE schedule_id = ? AND user_id = ?",
                              schedule_id, user_id)
        return (row["current"], row["best"]) if row else (0, 0)
