"""The points ledger, per-period totals and streaks (with their freezes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso


@dataclass(frozen=True)
class Streak:
    current: int
    best: int
    freezes: int  # held: each one keeps the streak through one missed question


@dataclass(frozen=True)
class LedgerRow:
    id: int
    group_id: int
    user_id: str
    points: int
    source: str
    at: datetime


@dataclass(frozen=True)
class Standing:
    user_id: str
    name: str
    points: int
    rank: int


class ScoreQueries:
    # ---- points, totals, streaks -------------------------------------------------------------

    async def award(self, group_id: int, user_id: str, points: int, reason: str, source: str,
                    at: datetime, periods: tuple[str, ...], topic: str | None = None) -> bool:
        """Append to the ledger once per (reason, source, member) and keep the totals in step: "all"
        and every key in `periods` (the topic's own keys among them when the points have a topic).
        Call inside a transaction so the ledger and the totals never disagree."""
        added = await self._write(
            "INSERT INTO ledger (group_id, user_id, points, reason, source, at, topic) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING", group_id, user_id, points, reason, source, iso(at), topic)
        if added:
            await self._add_totals(group_id, user_id, points, ("all", *periods))
        return added == 1

    async def _add_totals(self, group_id: int, user_id: str, points: int, periods) -> None:
        for period in periods:
            await self._write(
                "INSERT INTO totals (group_id, period, user_id, points) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO UPDATE SET points = points + excluded.points", group_id, period, user_id, points)

    async def unlabelled_points(self) -> list[LedgerRow]:
        """Ledger rows written before points had topics (and those that have none)."""
        rows = await self._all("SELECT id, group_id, user_id, points, source, at FROM ledger WHERE topic IS NULL "
                               "ORDER BY id")
        return [LedgerRow(r["id"], r["group_id"], r["user_id"], r["points"], r["source"], from_iso(r["at"]))
                for r in rows]

    async def label_points(self, row: LedgerRow, topic: str, periods: tuple[str, ...]) -> None:
        """Give an older ledger row its topic and add it to that topic's totals, once."""
        if await self._write("UPDATE ledger SET topic = ? WHERE id = ? AND topic IS NULL", topic, row.id):
            await self._add_totals(row.group_id, row.user_id, row.points, periods)

    async def period_points(self, group_id: int, user_id: str, periods: list[str]) -> dict[str, int]:
        """A member's totals for the given period keys (a key without points is left out)."""
        rows = await self._all(
            f"SELECT period, points FROM totals WHERE group_id = ? AND user_id = ? "
            f"AND period IN ({','.join('?' * len(periods))})", group_id, user_id, *periods)
        return {r["period"]: r["points"] for r in rows}

    async def ledger(self, group_id: int) -> list[tuple[str, int, str, str]]:
        rows = await self._all("SELECT user_id, points, reason, source FROM ledger WHERE group_id = ? ORDER BY id", group_id)
        return [tuple(r) for r in rows]

    # A board's members with points, and a standing's competition rank (1, 2, 2, 4): one more than
    # the members with more points. Ties are listed in member-id order, which the index totals_rank
    # holds, so the top is read straight from it: a week's board ties hundreds on the same points.
    _MEMBERS = ("SELECT t.user_id, coalesce(m.name, t.user_id) AS name, t.points "
                "FROM totals t LEFT JOIN members m ON m.group_id = t.group_id AND m.user_id = t.user_id "
                "WHERE t.group_id = :g AND t.period = :p AND t.points > 0 ")
    _RANK = "(SELECT count(*) FROM totals o WHERE o.group_id = :g AND o.period = :p AND o.points > s.points) + 1"

    async def board(self, group_id: int, period: str, user_id: str, limit: int) -> tuple[list[Standing], Standing | None]:
        """/leaderboard in one statement: the top of a period and the caller's own standing (None
        without points), which may be among the top or far below it."""
        rows = await self._read(
            f"SELECT 0 AS mine, s.*, {self._RANK} AS rank FROM ({self._MEMBERS}ORDER BY t.points DESC, t.user_id "
            f"LIMIT :limit) s UNION ALL SELECT 1, s.*, {self._RANK} FROM ({self._MEMBERS}AND t.user_id = :user) s "
            "ORDER BY mine, points DESC, user_id", {"g": group_id, "p": period, "limit": limit, "user": user_id})
        standings = [(r["mine"], Standing(r["user_id"], r["name"], r["points"], r["rank"])) for r in rows]
        return [s for mine, s in standings if not mine], next((s for mine, s in standings if mine), None)

    async def advance_streaks(self, schedule_id: int, answered: set[str], every: int,
                              most: int) -> list[tuple[str, Streak]]:
        """One posted question closed. Who answered extends their streak and their run of answers in a
        row, earning a freeze at every `every`-th (holding at most `most`). Who missed it with a streak
        going spends a freeze if they hold one (the streak stands, the run starts again), else loses
        the streak. Returns who spent a freeze, with their streak as it now is."""
        marks = ",".join("?" * len(answered))
        missed = f"schedule_id = ? AND current > 0 AND user_id NOT IN ({marks})"
        await self._write(f"UPDATE streaks SET current = 0, run = 0 WHERE {missed} AND freezes = 0",
                          schedule_id, *answered)
        saved = await self._all(f"SELECT user_id, current, best, freezes FROM streaks WHERE {missed} ORDER BY user_id",
                                schedule_id, *answered)
        await self._write(f"UPDATE streaks SET freezes = freezes - 1, run = 0 WHERE {missed}", schedule_id, *answered)
        members = sorted(answered)
        for start in range(0, len(members), 500):  # one statement per 500 answerers, not one each
            chunk = members[start:start + 500]
            await self._write(
                "INSERT INTO streaks (schedule_id, user_id, current, best, run, freezes) VALUES "
                + ", ".join(["(?, ?, 1, 1, 1, min(?, 1 % ? = 0))"] * len(chunk)) +
                " ON CONFLICT DO UPDATE SET current = current + 1, best = max(best, current + 1), run = run + 1, "
                "freezes = min(?, freezes + ((run + 1) % ? = 0))",
                *(arg for user_id in chunk for arg in (schedule_id, user_id, most, every)), most, every)
        return [(r["user_id"], Streak(r["current"], r["best"], r["freezes"] - 1)) for r in saved]

    async def streak(self, schedule_id: int, user_id: str) -> Streak:
        row = await self._one("SELECT current, best, freezes FROM streaks WHERE schedule_id = ? AND user_id = ?",
                              schedule_id, user_id)
        return Streak(row["current"], row["best"], row["freezes"]) if row else Streak(0, 0, 0)
