"""The points ledger, per-period totals and streaks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import iso


@dataclass(frozen=True)
class Standing:
    user_id: str
    name: str
    points: int
    rank: int


class ScoreQueries:
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
