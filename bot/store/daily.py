"""The question of the day: schedules, posts, thread replies, upvotes and choice reactions.

Thread replies are all kept (one row per platform message); a member's answer is derived, not
stored: their earliest standing reply that counts as an answer. So an edit, a deletion, a late
re-delivery or a read-back from the platform only ever changes rows keyed by message id.

A blind answer is a reply too, kept under a placeholder message id (`blind:<member>`) while it is
private; when the bot posts it in the thread at the close, the outbox records the real message id
in its place, so its upvotes, the scoring and everything that reads answers treat it like any other.
"""
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
    min_answer: int  # characters of real text a thread reply needs to count as an answer
    blind: bool  # answers are sent privately and shown all at once at the close


@dataclass(frozen=True)
class PostRow:
    id: int
    schedule_id: int
    local_date: str
    status: str  # open | voting (a blind post between its close and its vote close) | closed | skipped
    number: int | None
    question_id: str | None
    cycle: int | None
    message_id: str | None  # recorded by the outbox once the platform has the question
    thread_id: str | None
    posted_at: datetime | None
    closes_at: datetime | None
    blind: bool = False
    votes_close_at: datetime | None = None  # a blind post's upvotes are counted then


@dataclass(frozen=True)
class Reply:
    message_id: str
    user_id: str
    text: str
    counts: bool  # long enough to be an answer
    deleted: bool


@dataclass(frozen=True)
class Answer:
    user_id: str
    message_id: str
    text: str
    answered_at: datetime
    upvotes: int  # from other members only


def _schedule(row) -> Schedule:
    return Schedule(row["id"], row["group_id"], row["channel"], row["at_time"], row["tz"], row["days"],
                    tuple(t for t in row["topics"].split(",") if t), row["close_seconds"], bool(row["paused"]),
                    row["cycle"], from_iso(row["since"]), row["min_answer"], bool(row["blind"]))


def _post(row) -> PostRow:
    return PostRow(row["id"], row["schedule_id"], row["local_date"], row["status"], row["number"],
                   row["question_id"], row["cycle"], row["message_id"], row["thread_id"],
                   from_iso(row["posted_at"]), from_iso(row["closes_at"]), bool(row["blind"]),
                   from_iso(row["votes_close_at"]))


BLIND = "blind:"  # the placeholder message id of a blind answer not yet in the thread: "blind:<member>"


_ANSWERS = (
    "SELECT user_id, message_id, text, at, votes FROM ("
    " SELECT r.user_id, r.message_id, r.text, r.at, r.rowid AS rid,"
    " (SELECT count(*) FROM upvotes u WHERE u.post_id = r.post_id AND u.message_id = r.message_id"
    "  AND u.voter != r.user_id) AS votes,"
    " row_number() OVER (PARTITION BY r.user_id ORDER BY r.at, r.rowid) AS n"
    " FROM replies r WHERE r.post_id = ? AND r.deleted = 0 AND r.counts = 1 {member})"
    " WHERE n = 1 ORDER BY at, rid")


class DailyQueries:
    # ---- schedules -----------------------------------------------------------------------

    async def save_schedule(self, group_id: int, channel: str, at_time: str, tz: str, days: str,
                            topics: tuple[str, ...], close_seconds: int, since: datetime,
                            min_answer: int | None = None, blind: bool | None = None) -> Schedule:
        """Create or change a channel's schedule; a paused schedule stays paused, and an option not given
        (minimum, blind) keeps its value."""
        blind = None if blind is None else int(blind)
        await self._write(
            "INSERT INTO schedules (group_id, channel, at_time, tz, days, topics, close_seconds, since, min_answer, "
            "blind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, 15), coalesce(?, 0)) "
            "ON CONFLICT (group_id, channel) DO UPDATE SET "
            "at_time = excluded.at_time, tz = excluded.tz, days = excluded.days, topics = excluded.topics, "
            "close_seconds = excluded.close_seconds, since = excluded.since, next_at = '', digest_at = '', "
            "min_answer = coalesce(?, min_answer), blind = coalesce(?, blind)",
            group_id, channel, at_time, tz, days, ",".join(topics), close_seconds, iso(since), min_answer, blind,
            min_answer, blind)
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
        return await self._write("UPDATE schedules SET paused = ?, since = ?, next_at = '', digest_at = '' "
                                 "WHERE id = ? AND paused != ?", int(paused), iso(at), schedule_id, int(paused)) == 1

    # ---- when each schedule is next due: '' until the core has worked it out -----------------

    async def schedules_due(self, now: datetime) -> list[Schedule]:
        """Running schedules whose next question is due at `now`, or not yet worked out."""
        rows = await self._all("SELECT * FROM schedules WHERE paused = 0 AND next_at <= ? ORDER BY id", iso(now))
        return [_schedule(r) for r in rows]

    async def next_schedule_at(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(next_at) AS at FROM schedules WHERE paused = 0 AND next_at > ?", iso(after))
        return from_iso(row["at"])

    async def set_next_at(self, schedule_id: int, at: datetime | None) -> None:
        await self._write("UPDATE schedules SET next_at = ? WHERE id = ?", iso(at) if at else "", schedule_id)

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

    async def claim_post(self, schedule_id: int, local_date: str, question_id: str, cycle: int,
                         posted_at: datetime, closes_at: datetime, blind: bool = False) -> PostRow | None:
        """The (schedule, day) slot, claimed once: the new open post, or None when the day is taken."""
        post_id = await self._insert(
            "INSERT INTO posts (schedule_id, local_date, status, question_id, cycle, number, posted_at, closes_at, "
            "blind) VALUES (?, ?, 'open', ?, ?, "
            "(SELECT coalesce(max(number), 0) + 1 FROM posts WHERE schedule_id = ?), ?, ?, ?) ON CONFLICT DO NOTHING", schedule_id, local_date, question_id, cycle, schedule_id,
            iso(posted_at), iso(closes_at), int(blind))
        return await self.post(post_id) if post_id else None

    async def asked_in_cycle(self, schedule_id: int, cycle: int) -> set[str]:
        rows = await self._all("SELECT question_id FROM posts WHERE schedule_id = ? AND cycle = ? "
                               "AND question_id IS NOT NULL", schedule_id, cycle)
        return {r["question_id"] for r in rows}

    async def open_posts(self) -> list[PostRow]:
        """Posts whose answers or votes are still open."""
        return [_post(r) for r in await self._all("SELECT * FROM posts WHERE status IN ('open', 'voting') ORDER BY id")]

    async def due_closings(self, now: datetime) -> list[PostRow]:
        rows = await self._all("SELECT * FROM posts WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at, id",
                               iso(now))
        return [_post(r) for r in rows]

    async def next_closing(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(closes_at) AS at FROM posts WHERE status = 'open' AND closes_at > ?", iso(after))
        return from_iso(row["at"])

    async def mark_closed(self, post_id: int, was: str = "open") -> bool:
        """The claim on a close (of the answers, or of a blind post's votes: `was` voting): True only for
        the one call that closed it."""
        return await self._write("UPDATE posts SET status = 'closed' WHERE id = ? AND status = ?", post_id, was) == 1

    async def mark_voting(self, post_id: int, votes_close_at: datetime) -> bool:
        """The claim on a blind post's close: its answers are shown and votes stay open until `votes_close_at`."""
        return await self._write("UPDATE posts SET status = 'voting', votes_close_at = ? "
                                 "WHERE id = ? AND status = 'open'", iso(votes_close_at), post_id) == 1

    async def due_vote_closings(self, now: datetime) -> list[PostRow]:
        rows = await self._all("SELECT * FROM posts WHERE status = 'voting' AND votes_close_at <= ? "
                               "ORDER BY votes_close_at, id", iso(now))
        return [_post(r) for r in rows]

    async def next_vote_closing(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(votes_close_at) AS at FROM posts "
                              "WHERE status = 'voting' AND votes_close_at > ?", iso(after))
        return from_iso(row["at"])

    async def post_by_thread(self, group_id: int, thread_id: str) -> PostRow | None:
        row = await self._one("SELECT p.* FROM posts p JOIN schedules s ON s.id = p.schedule_id "
                              "WHERE s.group_id = ? AND p.thread_id = ?", group_id, thread_id)
        return _post(row) if row else None

    async def open_post_by_message(self, group_id: int, message_id: str) -> PostRow | None:
        row = await self._one("SELECT p.* FROM posts p JOIN schedules s ON s.id = p.schedule_id "
                              "WHERE s.group_id = ? AND p.message_id = ? AND p.status = 'open'", group_id, message_id)
        return _post(row) if row else None

    async def latest_post(self, schedule_id: int) -> PostRow | None:
        row = await self._one("SELECT * FROM posts WHERE schedule_id = ? AND status IN ('open', 'voting', 'closed') "
                              "ORDER BY number DESC LIMIT 1", schedule_id)
        return _post(row) if row else None

    # ---- thread replies and answers ----------------------------------------------------------

    async def add_reply(self, post_id: int, message_id: str, user_id: str, text: str, at: datetime,
                        counts: bool) -> bool:
        """Keep a thread reply once per message: True the first time it is seen."""
        return await self._write(
            "INSERT INTO replies (post_id, message_id, user_id, text, at, counts) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING", post_id, message_id, user_id, text, iso(at), int(counts)) == 1

    async def sync_reply(self, post_id: int, message_id: str, user_id: str, text: str, at: datetime,
                         counts: bool) -> None:
        """The platform's copy of a reply wins: add it, or bring the stored one in line (even undeleted)."""
        await self._write(
            "INSERT INTO replies (post_id, message_id, user_id, text, at, counts) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET text = excluded.text, counts = excluded.counts, deleted = 0 "
            "WHERE text != excluded.text OR counts != excluded.counts OR deleted != 0",
            post_id, message_id, user_id, text, iso(at), int(counts))

    async def put_blind_answer(self, post_id: int, user_id: str, text: str, at: datetime) -> bool:
        """A member's private answer to a blind post, replacing their earlier one: True if it replaced one."""
        replaced = await self._write("UPDATE replies SET text = ?, at = ? WHERE post_id = ? AND message_id = ?",
                                     text, iso(at), post_id, BLIND + user_id) == 1
        if not replaced:
            await self.add_reply(post_id, BLIND + user_id, user_id, text, at, True)
        return replaced

    async def edit_reply(self, post_id: int, message_id: str, text: str, counts: bool) -> bool:
        return await self._write("UPDATE replies SET text = ?, counts = ? WHERE post_id = ? AND message_id = ? "
                                 "AND deleted = 0 AND (text != ? OR counts != ?)",
                                 text, int(counts), post_id, message_id, text, int(counts)) == 1

    async def delete_reply(self, post_id: int, message_id: str) -> bool:
        return await self._write("UPDATE replies SET deleted = 1 WHERE post_id = ? AND message_id = ? AND deleted = 0",
                                 post_id, message_id) == 1

    async def reply(self, post_id: int, message_id: str) -> Reply | None:
        row = await self._one("SELECT * FROM replies WHERE post_id = ? AND message_id = ?", post_id, message_id)
        return Reply(row["message_id"], row["user_id"], row["text"], bool(row["counts"]), bool(row["deleted"])) \
            if row else None

    async def replies(self, post_id: int) -> list[Reply]:
        rows = await self._all("SELECT * FROM replies WHERE post_id = ? ORDER BY at, rowid", post_id)
        return [Reply(r["message_id"], r["user_id"], r["text"], bool(r["counts"]), bool(r["deleted"])) for r in rows]

    async def answers(self, post_id: int, user_id: str | None = None) -> list[Answer]:
        """Each member's answer: their earliest standing reply that counts, with its upvotes."""
        sql = _ANSWERS.format(member="AND r.user_id = ?" if user_id else "")
        rows = await self._all(sql, post_id, *([user_id] if user_id else []))
        return [Answer(r["user_id"], r["message_id"], r["text"], from_iso(r["at"]), r["votes"]) for r in rows]

    async def set_upvote(self, post_id: int, message_id: str, voter: str, on: bool) -> bool:
        if on:
            sql = "INSERT INTO upvotes (post_id, message_id, voter) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
        else:
            sql = "DELETE FROM upvotes WHERE post_id = ? AND message_id = ? AND voter = ?"
        return await self._write(sql, post_id, message_id, voter) == 1

    async def upvoters(self, post_id: int, message_id: str) -> set[str]:
        rows = await self._all("SELECT voter FROM upvotes WHERE post_id = ? AND message_id = ?", post_id, message_id)
        return {r["voter"] for r in rows}

    # ---- choice reactions ---------------------------------------------------------------------

    async def set_choice(self, post_id: int, user_id: str, option: int, on: bool) -> bool:
        if on:
            return await self._write(
                "INSERT INTO choice_reactions (post_id, user_id, option, seq) VALUES (?, ?, ?, "
                "(SELECT coalesce(max(seq), 0) + 1 FROM choice_reactions WHERE post_id = ?)) ON CONFLICT DO NOTHING",
                post_id, user_id, option, post_id) == 1
        return await self._write("DELETE FROM choice_reactions WHERE post_id = ? AND user_id = ? AND option = ?",
                                 post_id, user_id, option) == 1

    async def choice_reactions(self, post_id: int) -> list[tuple[str, int]]:
        """(member, option) of every standing choice reaction, oldest first."""
        rows = await self._all("SELECT user_id, option FROM choice_reactions WHERE post_id = ? ORDER BY seq", post_id)
        return [(r["user_id"], r["option"]) for r in rows]

    async def choices(self, post_id: int) -> dict[str, int]:
        """Each member's latest still-standing choice."""
        return dict(await self.choice_reactions(post_id))
