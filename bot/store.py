"""The only module with SQL: aiosqlite in WAL mode, numbered migrations, typed methods.

Every write is idempotent on a natural key (one post per schedule and local day, one answer per
post and member, one ledger row per reason, source and member), so replaying an event or re-running
a job changes nothing. Leaderboards read aggregates maintained in the same transaction as the ledger.
"""
from __future__ import annotations

import asyncio
import json
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
    CREATE TABLE polls (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        number INTEGER NOT NULL,
        creator TEXT NOT NULL,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multi INTEGER NOT NULL,
        source TEXT NOT NULL UNIQUE,
        message_id TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'open', 'closed')),
        created_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        announced INTEGER NOT NULL DEFAULT 0,
        UNIQUE (group_id, channel, message_id),
        UNIQUE (group_id, number)
    );
    CREATE INDEX polls_due ON polls (status, closes_at);
    CREATE INDEX polls_channel ON polls (group_id, channel, number);
    CREATE TABLE poll_reactions (
        poll_id INTEGER NOT NULL REFERENCES polls(id),
        user_id TEXT NOT NULL,
        option INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (poll_id, user_id, option)
    );
    """,
    # 3: quizzes and practice
    """
    CREATE TABLE quizzes (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        channel TEXT NOT NULL,
        starter TEXT NOT NULL,
        questions TEXT NOT NULL,
        seconds INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ended')),
        stopped_by TEXT,
        started_at TEXT NOT NULL,
        announced INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX quizzes_one_running ON quizzes (group_id, channel) WHERE status = 'running';
    CREATE TABLE quiz_rounds (
        quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
        round INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'open', 'scored', 'revealed', 'cancelled')),
        message_id TEXT,
        asked_at TEXT,
        deadline TEXT,
        PRIMARY KEY (quiz_id, round)
    );
    CREATE INDEX quiz_rounds_due ON quiz_rounds (status, deadline);
    CREATE TABLE quiz_players (
        quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
        user_id TEXT NOT NULL,
        PRIMARY KEY (quiz_id, user_id)
    );
    CREATE TABLE quiz_answers (
        quiz_id INTEGER NOT NULL,
        round INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (quiz_id, round, user_id),
        FOREIGN KEY (quiz_id, round) REFERENCES quiz_rounds(quiz_id, round)
    );
    CREATE TABLE cards (
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        card TEXT NOT NULL,
        due TEXT NOT NULL,
        PRIMARY KEY (group_id, user_id, question_id)
    );
    CREATE TABLE practice_sessions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        user_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
        started_at TEXT NOT NULL
    );
    CREATE INDEX practice_sessions_member ON practice_sessions (group_id, user_id, status);
    CREATE TABLE practice_items (
        session_id INTEGER NOT NULL REFERENCES practice_sessions(id),
        position INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        due_card INTEGER NOT NULL,
        asked_at TEXT,
        answer INTEGER,
        correct INTEGER,
        answered_at TEXT,
        PRIMARY KEY (session_id, position)
    );
    """,
    # 4: small facts adapters keep between runs (e.g. the hash of the last command sync)
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
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
class PollRow:
    id: int
    group_id: int
    channel: str
    number: int
    creator: str
    question: str
    options: tuple[str, ...]
    multi: bool
    message_id: str | None
    status: str
    created_at: datetime
    closes_at: datetime
    announced: bool


@dataclass(frozen=True)
class Standing:
    user_id: str
    name: str
    points: int
    rank: int


@dataclass(frozen=True)
class QuizRow:
    id: int
    group_id: int
    channel: str
    starter: str
    questions: tuple[str, ...]  # question ids in asking order: round n asks questions[n]
    seconds: int
    status: str  # running | ended
    stopped_by: str | None
    announced: bool  # the scoreboard is posted


@dataclass(frozen=True)
class RoundRow:
    quiz_id: int
    round: int
    question_id: str
    status: str  # pending -> open -> scored -> revealed, or cancelled by /quiz stop
    message_id: str | None
    asked_at: datetime | None
    deadline: datetime | None


@dataclass(frozen=True)
class QuizAnswer:
    user_id: str
    answer: str  # the option's index for a choice question, the typed text for a short one
    correct: bool
    answered_at: datetime


@dataclass(frozen=True)
class PracticeItem:
    session_id: int
    position: int
    question_id: str
    due_card: bool  # asked because the member's card was due (else a new question)
    asked_at: datetime | None
    answer: int | None


def _quiz(row) -> QuizRow:
    return QuizRow(row["id"], row["group_id"], row["channel"], row["starter"], tuple(row["questions"].split(",")),
                   row["seconds"], row["status"], row["stopped_by"], bool(row["announced"]))


def _round(row) -> RoundRow:
    return RoundRow(row["quiz_id"], row["round"], row["question_id"], row["status"], row["message_id"],
                    from_iso(row["asked_at"]), from_iso(row["deadline"]))


def _item(row) -> PracticeItem:
    return PracticeItem(row["session_id"], row["position"], row["question_id"], bool(row["due_card"]),
                        from_iso(row["asked_at"]), row["answer"])


def _schedule(row) -> Schedule:
    return Schedule(row["id"], row["group_id"], row["channel"], row["at_time"], row["tz"], row["days"],
                    tuple(t for t in row["topics"].split(",") if t), row["close_seconds"], bool(row["paused"]),
                    row["cycle"], from_iso(row["since"]))


def _poll(row) -> PollRow:
    return PollRow(row["id"], row["group_id"], row["channel"], row["number"], row["creator"], row["question"],
                   tuple(json.loads(row["options"])), bool(row["multi"]), row["message_id"], row["status"],
                   from_iso(row["created_at"]), from_iso(row["closes_at"]), bool(row["announced"]))


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

    async def meta(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM meta WHERE key = ?", key)
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._write("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                          key, value)

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

    # ---- polls -------------------------------------------------------------------------------

    async def claim_poll(self, source: str, group_id: int, channel: str, creator: str, question: str,
                         options: tuple[str, ...], multi: bool, created_at: datetime, closes_at: datetime) -> PollRow:
        """Reserve a poll and its number for the command `source`; a second claim returns the first."""
        await self._write(
            "INSERT INTO polls (group_id, channel, number, creator, question, options, multi, source, created_at, "
            "closes_at) VALUES (?, ?, (SELECT coalesce(max(number), 0) + 1 FROM polls WHERE group_id = ?), "
            "?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", group_id, channel, group_id, creator, question,
            json.dumps(list(options)), int(multi), source, iso(created_at), iso(closes_at))
        return _poll(await self._one("SELECT * FROM polls WHERE source = ?", source))

    async def poll_posted(self, poll_id: int, message_id: str) -> PollRow:
        await self._write("UPDATE polls SET status = 'open', message_id = ? WHERE id = ? AND status = 'pending'",
                          message_id, poll_id)
        return await self.poll(poll_id)

    async def drop_pending_poll(self, poll_id: int) -> None:
        """The poll could not be posted: forget it, so the member's retry is the only one."""
        await self._write("DELETE FROM polls WHERE id = ? AND status = 'pending'", poll_id)

    async def poll(self, poll_id: int) -> PollRow:
        return _poll(await self._one("SELECT * FROM polls WHERE id = ?", poll_id))

    async def poll_by_message(self, group_id: int, channel: str, message_id: str) -> PollRow | None:
        row = await self._one("SELECT * FROM polls WHERE group_id = ? AND channel = ? AND message_id = ?",
                              group_id, channel, message_id)
        return _poll(row) if row else None

    async def latest_poll(self, group_id: int, channel: str, open_only: bool = False) -> PollRow | None:
        row = await self._one("SELECT * FROM polls WHERE group_id = ? AND channel = ? AND status != 'pending' "
                              "AND (? = 0 OR status = 'open') ORDER BY number DESC LIMIT 1",
                              group_id, channel, int(open_only))
        return _poll(row) if row else None

    async def open_polls(self) -> list[PollRow]:
        return [_poll(r) for r in await self._all("SELECT * FROM polls WHERE status = 'open' ORDER BY id")]

    async def due_polls(self, now: datetime) -> list[PollRow]:
        rows = await self._all("SELECT * FROM polls WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at, id",
                               iso(now))
        return [_poll(r) for r in rows]

    async def next_poll_deadline(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(closes_at) AS at FROM polls WHERE status = 'open' AND closes_at > ?",
                              iso(after))
        return from_iso(row["at"])

    async def close_poll(self, poll_id: int, at: datetime) -> bool:
        """The one status flip: True only for the call that closed it. Closing early moves `closes_at` to `at`."""
        return await self._write("UPDATE polls SET status = 'closed', closes_at = min(closes_at, ?) "
                                 "WHERE id = ? AND status = 'open'", iso(at), poll_id) == 1

    async def unannounced_polls(self) -> list[PollRow]:
        rows = await self._all("SELECT * FROM polls WHERE status = 'closed' AND announced = 0 ORDER BY id")
        return [_poll(r) for r in rows]

    async def mark_poll_announced(self, poll_id: int) -> None:
        await self._write("UPDATE polls SET announced = 1 WHERE id = ?", poll_id)

    async def set_poll_reaction(self, poll_id: int, user_id: str, option: int, on: bool) -> bool:
        """Mirror one reaction; each new one gets the poll's next sequence number, so the latest is known."""
        if on:
            return await self._write(
                "INSERT INTO poll_reactions (poll_id, user_id, option, seq) VALUES (?, ?, ?, "
                "(SELECT coalesce(max(seq), 0) + 1 FROM poll_reactions WHERE poll_id = ?)) ON CONFLICT DO NOTHING",
                poll_id, user_id, option, poll_id) == 1
        return await self._write("DELETE FROM poll_reactions WHERE poll_id = ? AND user_id = ? AND option = ?",
                                 poll_id, user_id, option) == 1

    async def poll_reactions(self, poll_id: int) -> list[tuple[str, int]]:
        """(member, option) of every standing reaction, oldest first."""
        rows = await self._all("SELECT user_id, option FROM poll_reactions WHERE poll_id = ? ORDER BY seq", poll_id)
        return [(r["user_id"], r["option"]) for r in rows]

    # ---- quizzes ------------------------------------------------------------------------------

    async def create_quiz(self, group_id: int, channel: str, starter: str, question_ids: list[str],
                          seconds: int, at: datetime) -> int | None:
        """A running quiz with its first round claimed and its starter joined; None when the channel
        already has a running quiz (a partial unique index keeps it to one)."""
        cursor = await self.db.execute(
            "INSERT INTO quizzes (group_id, channel, starter, questions, seconds, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (group_id, channel, starter, ",".join(question_ids), seconds, iso(at)))
        if cursor.rowcount != 1:
            return None
        quiz_id = cursor.lastrowid
        await self.join_quiz(quiz_id, starter)
        await self.claim_round(quiz_id, 0, question_ids[0])
        return quiz_id

    async def quiz(self, quiz_id: int) -> QuizRow | None:
        row = await self._one("SELECT * FROM quizzes WHERE id = ?", quiz_id)
        return _quiz(row) if row else None

    async def running_quiz(self, group_id: int, channel: str) -> QuizRow | None:
        row = await self._one("SELECT * FROM quizzes WHERE group_id = ? AND channel = ? AND status = 'running'",
                              group_id, channel)
        return _quiz(row) if row else None

    async def active_quizzes(self) -> list[QuizRow]:
        """Running quizzes, and ended ones whose scoreboard is not posted yet."""
        rows = await self._all("SELECT * FROM quizzes WHERE status = 'running' OR announced = 0 ORDER BY id")
        return [_quiz(r) for r in rows]

    async def end_quiz(self, quiz_id: int, stopped_by: str | None) -> bool:
        """Running -> ended, once; a round still waiting for answers is cancelled, unscored."""
        ended = await self._write("UPDATE quizzes SET status = 'ended', stopped_by = ? WHERE id = ? "
                                  "AND status = 'running'", stopped_by, quiz_id) == 1
        if ended:
            await self._write("UPDATE quiz_rounds SET status = 'cancelled' WHERE quiz_id = ? "
                              "AND status IN ('pending', 'open')", quiz_id)
        return ended

    async def mark_announced(self, quiz_id: int) -> None:
        await self._write("UPDATE quizzes SET announced = 1 WHERE id = ?", quiz_id)

    async def join_quiz(self, quiz_id: int, user_id: str) -> None:
        await self._write("INSERT INTO quiz_players (quiz_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                          quiz_id, user_id)

    async def claim_round(self, quiz_id: int, round: int, question_id: str) -> None:
        await self._write("INSERT INTO quiz_rounds (quiz_id, round, question_id) VALUES (?, ?, ?) "
                          "ON CONFLICT DO NOTHING", quiz_id, round, question_id)

    async def quiz_round(self, quiz_id: int, round: int) -> RoundRow | None:
        row = await self._one("SELECT * FROM quiz_rounds WHERE quiz_id = ? AND round = ?", quiz_id, round)
        return _round(row) if row else None

    async def latest_round(self, quiz_id: int) -> RoundRow | None:
        row = await self._one("SELECT * FROM quiz_rounds WHERE quiz_id = ? ORDER BY round DESC LIMIT 1", quiz_id)
        return _round(row) if row else None

    async def open_round(self, quiz_id: int, round: int, message_id: str, asked_at: datetime,
                         deadline: datetime) -> None:
        await self._write("UPDATE quiz_rounds SET status = 'open', message_id = ?, asked_at = ?, deadline = ? "
                          "WHERE quiz_id = ? AND round = ? AND status = 'pending'",
                          message_id, iso(asked_at), iso(deadline), quiz_id, round)

    async def set_round_status(self, quiz_id: int, round: int, old: str, new: str) -> bool:
        return await self._write("UPDATE quiz_rounds SET status = ? WHERE quiz_id = ? AND round = ? AND status = ?",
                                 new, quiz_id, round, old) == 1

    async def record_quiz_answer(self, quiz_id: int, round: int, user_id: str, answer: str, correct: bool,
                                 at: datetime) -> bool:
        """A member's first answer in an open round; False when they already answered or it closed."""
        return await self._write(
            "INSERT INTO quiz_answers (quiz_id, round, user_id, answer, correct, answered_at) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM quiz_rounds WHERE quiz_id = ? AND round = ? "
            "AND status = 'open') ON CONFLICT DO NOTHING",
            quiz_id, round, user_id, answer, int(correct), iso(at), quiz_id, round) == 1

    async def quiz_answers(self, quiz_id: int, round: int) -> list[QuizAnswer]:
        rows = await self._all("SELECT * FROM quiz_answers WHERE quiz_id = ? AND round = ? "
                               "ORDER BY answered_at, rowid", quiz_id, round)
        return [QuizAnswer(r["user_id"], r["answer"], bool(r["correct"]), from_iso(r["answered_at"])) for r in rows]

    async def everyone_answered(self, quiz_id: int, round: int) -> bool:
        """Has every member who joined the quiz answered this round?"""
        row = await self._one(
            "SELECT count(*) AS missing FROM quiz_players p WHERE p.quiz_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM quiz_answers a WHERE a.quiz_id = p.quiz_id AND a.round = ? AND a.user_id = p.user_id)",
            quiz_id, round)
        return row["missing"] == 0

    async def next_round_deadline(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(deadline) AS at FROM quiz_rounds WHERE status = 'open' AND deadline > ?",
                              iso(after))
        return from_iso(row["at"])

    async def quiz_scores(self, quiz_id: int) -> list[tuple[str, int, int]]:
        """(member, points, correct answers) for everyone who joined, from the ledger, best first."""
        rows = await self._all(
            "SELECT p.user_id, coalesce(sum(l.points), 0) AS points, "
            "coalesce(sum(l.reason = 'quiz-correct'), 0) AS hits FROM quiz_players p "
            "JOIN quizzes q ON q.id = p.quiz_id "
            "LEFT JOIN ledger l ON l.group_id = q.group_id AND l.user_id = p.user_id "
            "AND l.reason IN ('quiz-correct', 'quiz-speed') AND l.source LIKE 'quiz:' || q.id || ':%' "
            "WHERE p.quiz_id = ? GROUP BY p.user_id ORDER BY points DESC, p.rowid", quiz_id)
        return [(r["user_id"], r["points"], r["hits"]) for r in rows]

    # ---- spaced-repetition cards and practice ---------------------------------------------------

    async def card(self, group_id: int, user_id: str, question_id: str) -> dict | None:
        """A member's card for a question, as the fsrs `Card.to_dict()` it was saved from."""
        row = await self._one("SELECT card FROM cards WHERE group_id = ? AND user_id = ? AND question_id = ?",
                              group_id, user_id, question_id)
        return json.loads(row["card"]) if row else None

    async def save_card(self, group_id: int, user_id: str, question_id: str, card: dict, due: datetime) -> None:
        await self._write(
            "INSERT INTO cards (group_id, user_id, question_id, card, due) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET card = excluded.card, due = excluded.due",
            group_id, user_id, question_id, json.dumps(card), iso(due))

    async def cards_of(self, group_id: int, user_id: str) -> list[tuple[str, datetime]]:
        """(question, due) of a member's cards, soonest due first."""
        rows = await self._all("SELECT question_id, due FROM cards WHERE group_id = ? AND user_id = ? "
                               "ORDER BY due, question_id", group_id, user_id)
        return [(r["question_id"], from_iso(r["due"])) for r in rows]

    async def start_practice(self, group_id: int, user_id: str, items: list[tuple[str, bool]], at: datetime) -> int:
        """A new session of (question, due card?) items; the member's earlier open session ends."""
        await self._write("UPDATE practice_sessions SET status = 'ended' WHERE group_id = ? AND user_id = ? "
                          "AND status = 'open'", group_id, user_id)
        cursor = await self.db.execute("INSERT INTO practice_sessions (group_id, user_id, started_at) VALUES (?, ?, ?)",
                                       (group_id, user_id, iso(at)))
        session_id = cursor.lastrowid
        for position, (question_id, due_card) in enumerate(items):
            await self._write("INSERT INTO practice_items (session_id, position, question_id, due_card) "
                              "VALUES (?, ?, ?, ?)", session_id, position, question_id, int(due_card))
        return session_id

    async def practice_session(self, session_id: int) -> tuple[int, str, str] | None:
        """(group, member, status) of a session."""
        row = await self._one("SELECT group_id, user_id, status FROM practice_sessions WHERE id = ?", session_id)
        return (row["group_id"], row["user_id"], row["status"]) if row else None

    async def end_practice(self, session_id: int) -> None:
        await self._write("UPDATE practice_sessions SET status = 'ended' WHERE id = ?", session_id)

    async def practice_items(self, session_id: int) -> list[PracticeItem]:
        rows = await self._all("SELECT * FROM practice_items WHERE session_id = ? ORDER BY position", session_id)
        return [_item(r) for r in rows]

    async def ask_item(self, session_id: int, position: int, at: datetime) -> None:
        """Note when a question was first shown: a quick right answer is rated Easy."""
        await self._write("UPDATE practice_items SET asked_at = ? WHERE session_id = ? AND position = ? "
                          "AND asked_at IS NULL", iso(at), session_id, position)

    async def answer_item(self, session_id: int, position: int, option: int, correct: bool, at: datetime) -> bool:
        """The first answer to a practice question; False when it was already answered."""
        return await self._write(
            "UPDATE practice_items SET answer = ?, correct = ?, answered_at = ? "
            "WHERE session_id = ? AND position = ? AND answer IS NULL",
            option, int(correct), iso(at), session_id, position) == 1

    async def practice_accuracy(self, group_id: int, user_id: str) -> dict[str, tuple[int, int]]:
        """question -> (answered, right) over all of a member's practice."""
        rows = await self._all(
            "SELECT i.question_id, count(*) AS answered, sum(i.correct) AS hits FROM practice_items i "
            "JOIN practice_sessions s ON s.id = i.session_id "
            "WHERE s.group_id = ? AND s.user_id = ? AND i.answer IS NOT NULL GROUP BY i.question_id",
            group_id, user_id)
        return {r["question_id"]: (r["answered"], r["hits"]) for r in rows}

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

    _STANDING = ("SELECT t.user_id, coalesce(m.name, t.user_id) AS name, t.points, "
                 "(SELECT count(*) FROM totals o WHERE o.group_id = t.group_id AND o.period = t.period "
                 " AND o.points > t.points) + 1 AS rank "
                 "FROM totals t LEFT JOIN members m ON m.group_id = t.group_id AND m.user_id = t.user_id "
                 "WHERE t.group_id = ? AND t.period = ? AND t.points > 0 ")

    async def standings(self, group_id: int, period: str, limit: int) -> list[Standing]:
        """Top of a period, with standard competition ranks (1, 2, 2, 4)."""
        rows = await self._all(self._STANDING + "ORDER BY t.points DESC, name LIMIT ?", group_id, period, limit)
        return [Standing(r["user_id"], r["name"], r["points"], r["rank"]) for r in rows]

    async def standing_of(self, group_id: int, period: str, user_id: str) -> Standing | None:
        row = await self._one(self._STANDING + "AND t.user_id = ?", group_id, period, user_id)
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
