"""The question of the day: schedules, posts, thread answers, upvotes and choice reactions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso


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


def _schedule(row) -> Schedule:
    return Schedule(row["id"], row["group_id"], row["channel"], row["at_time"], row["tz"], row["days"],
                    tuple(t for t in row["topics"].split(",") if t), row["close_seconds"], bool(row["paused"]),
                    row["cycle"], from_iso(row["since"]))


def _post(row) -> PostRow:
    return PostRow(row["id"], row["schedule_id"], row["local_date"], row["status"], row["number"],
                   row["question_id"], row["cycle"], row["message_id"], row["thread_id"],
                   from_iso(row["posted_at"]), from_iso(row["closes_at"]), bool(row["revealed"]))


class DailyQueries:
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
