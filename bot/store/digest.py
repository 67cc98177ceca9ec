"""The weekly digest: when each channel wants it, the claim that posts it once a week, and what it reports.

A schedule without a settings row gets the default (Monday 09:00, on). The claim is the natural key
(schedule, ISO week): whichever wake-up inserts it posts the digest, every other one does nothing.
The numbers are read over a week of local days given as UTC instants [start, end).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso
from .daily import PostRow, Schedule, _post, _schedule


@dataclass(frozen=True)
class DigestSetting:
    weekday: int  # Monday is 0
    at_time: str  # HH:MM in the schedule's zone
    enabled: bool
    since: datetime | None  # when an admin last changed it: only occurrences after that are due


DEFAULT_DIGEST = DigestSetting(0, "09:00", True, None)


_COLUMNS = "d.weekday, d.at_time AS digest_time, d.enabled, d.since AS digest_since"


def _setting(row) -> DigestSetting:
    if row["weekday"] is None:  # no row: the default
        return DEFAULT_DIGEST
    return DigestSetting(row["weekday"], row["digest_time"], bool(row["enabled"]), from_iso(row["digest_since"]))


class DigestQueries:
    async def digest_setting(self, schedule_id: int) -> DigestSetting:
        row = await self._one(f"SELECT {_COLUMNS} FROM digest_settings d WHERE d.schedule_id = ?", schedule_id)
        return _setting(row) if row else DEFAULT_DIGEST

    async def digest_schedules(self, due: datetime) -> list[tuple[Schedule, DigestSetting]]:
        """The schedules that are not paused, want a digest and whose next one is due at `due` (or not yet
        worked out: `digest_at` is ''), with when."""
        rows = await self._all(f"SELECT s.*, {_COLUMNS} FROM schedules s "
                               "LEFT JOIN digest_settings d ON d.schedule_id = s.id "
                               "WHERE s.paused = 0 AND s.digest_at <= ? AND coalesce(d.enabled, 1) ORDER BY s.id",
                               iso(due))
        return [(_schedule(r), _setting(r)) for r in rows]

    async def next_digest_at(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(digest_at) AS at FROM schedules WHERE paused = 0 AND digest_at > ?", iso(after))
        return from_iso(row["at"])

    async def set_digest_at(self, schedule_id: int, at: datetime | None) -> None:
        await self._write("UPDATE schedules SET digest_at = ? WHERE id = ?", iso(at) if at else "", schedule_id)

    async def save_digest_setting(self, schedule_id: int, weekday: int, at_time: str, enabled: bool,
                                  since: datetime) -> None:
        await self._write(
            "INSERT INTO digest_settings (schedule_id, weekday, at_time, enabled, since) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET weekday = excluded.weekday, at_time = excluded.at_time, "
            "enabled = excluded.enabled, since = excluded.since",
            schedule_id, weekday, at_time, int(enabled), iso(since))
        await self.set_digest_at(schedule_id, None)  # worked out again at the next run

    async def digest_claimed(self, schedule_id: int, week: str) -> bool:
        """A read first, so that wake-ups after the digest went out open no write transaction."""
        row = await self._one("SELECT 1 FROM digests WHERE schedule_id = ? AND week = ?", schedule_id, week)
        return row is not None

    async def claim_digest(self, schedule_id: int, week: str, at: datetime) -> bool:
        """True only for the one call that claims this schedule's digest of an ISO week."""
        return await self._write("INSERT INTO digests (schedule_id, week, posted_at) VALUES (?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", schedule_id, week, iso(at)) == 1

    async def points_between(self, group_id: int, start: datetime, end: datetime, limit: int
                             ) -> list[tuple[str, str, int]]:
        """(member, name, points) won in [start, end), most first (a week of the ledger, read once a week)."""
        rows = await self._all(
            "SELECT l.user_id, coalesce(m.name, l.user_id) AS name, sum(l.points) AS points FROM ledger l "
            "LEFT JOIN members m ON m.group_id = l.group_id AND m.user_id = l.user_id "
            "WHERE l.group_id = ? AND l.at >= ? AND l.at < ? GROUP BY l.user_id HAVING sum(l.points) > 0 "
            "ORDER BY points DESC, name LIMIT ?", group_id, iso(start), iso(end), limit)
        return [(r["user_id"], r["name"], r["points"]) for r in rows]

    async def posts_between(self, schedule_id: int, start: datetime, end: datetime) -> list[PostRow]:
        """The questions a schedule posted in [start, end), oldest first."""
        rows = await self._all("SELECT * FROM posts WHERE schedule_id = ? AND status IN ('open', 'voting', 'closed') "
                               "AND posted_at >= ? AND posted_at < ? ORDER BY posted_at", schedule_id,
                               iso(start), iso(end))
        return [_post(r) for r in rows]

    async def participation(self, schedule_id: int, start: datetime, end: datetime) -> tuple[int, int]:
        """(answers, members) to the questions posted in [start, end): a thread answer or a choice each."""
        row = await self._one(
            "SELECT count(*) AS answers, count(DISTINCT user_id) AS members FROM ("
            " SELECT r.post_id, r.user_id FROM replies r JOIN posts p ON p.id = r.post_id"
            " WHERE p.schedule_id = ? AND p.posted_at >= ? AND p.posted_at < ? AND r.counts = 1 AND r.deleted = 0"
            " UNION"
            " SELECT c.post_id, c.user_id FROM choice_reactions c JOIN posts p ON p.id = c.post_id"
            " WHERE p.schedule_id = ? AND p.posted_at >= ? AND p.posted_at < ?)",
            schedule_id, iso(start), iso(end), schedule_id, iso(start), iso(end))
        return row["answers"], row["members"]

    async def longest_streaks(self, schedule_id: int, limit: int) -> list[tuple[str, str, int]]:
        """(member, name, current streak) of a schedule's longest running streaks."""
        rows = await self._all(
            "SELECT s.user_id, coalesce(m.name, s.user_id) AS name, s.current FROM streaks s "
            "JOIN schedules c ON c.id = s.schedule_id "
            "LEFT JOIN members m ON m.group_id = c.group_id AND m.user_id = s.user_id "
            "WHERE s.schedule_id = ? AND s.current > 0 ORDER BY s.current DESC, name LIMIT ?", schedule_id, limit)
        return [(r["user_id"], r["name"], r["current"]) for r in rows]
