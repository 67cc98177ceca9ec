"""Interview goals: a member's date, focus and daily minutes, the plan's baseline, and daily nudges.

One goal per (group, member). The baseline (`expected`: first sights the plan asked for by the end
of each day from `start`) is fixed when the goal is set, so progress is measured against the plan
the member agreed to, not against one recomputed after they fell behind. A nudge is claimed once
per (group, member, local day), whether it was sent or skipped; `nudge_at` keeps the instant of the
next one, so a wake-up asks one indexed query.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from .connection import from_iso, iso


@dataclass(frozen=True)
class GoalRow:
    group_id: int
    user_id: str
    channel: str  # where the member set it: private nudges go there
    interview: date
    topics: tuple[str, ...]  # () = the default focus
    minutes: int
    tz: str
    start: date
    seen0: int  # focus questions the member had seen when the goal was set
    expected: tuple[int, ...]  # first sights planned by the end of each day from `start`
    remind: str | None  # "HH:MM" in `tz`, or None
    nudge_at: datetime | None  # the next nudge is due then


def _goal(row) -> GoalRow:
    return GoalRow(row["group_id"], row["user_id"], row["channel"], date.fromisoformat(row["interview"]),
                   tuple(t for t in row["topics"].split(",") if t), row["minutes"], row["tz"],
                   date.fromisoformat(row["start"]), row["seen0"], tuple(json.loads(row["expected"])), row["remind"],
                   from_iso(row["nudge_at"]))


class GoalQueries:
    async def goal(self, group_id: int, user_id: str) -> GoalRow | None:
        row = await self._one("SELECT * FROM goals WHERE group_id = ? AND user_id = ?", group_id, user_id)
        return _goal(row) if row else None

    async def goals_of(self, group_id: int, user_ids) -> dict[str, GoalRow]:
        ids = list(user_ids)
        rows = await self._all(f"SELECT * FROM goals WHERE group_id = ? AND user_id IN ({','.join('?' * len(ids))})",
                               group_id, *ids)
        return {r["user_id"]: _goal(r) for r in rows}

    async def save_goal(self, g: GoalRow, at: datetime) -> None:
        """Set or replace a member's goal; a reminder they had stays on."""
        await self._write(
            "INSERT INTO goals (group_id, user_id, channel, interview, topics, minutes, tz, start, seen0, expected, "
            "set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET channel = excluded.channel, "
            "interview = excluded.interview, topics = excluded.topics, minutes = excluded.minutes, tz = excluded.tz, "
            "start = excluded.start, seen0 = excluded.seen0, expected = excluded.expected, set_at = excluded.set_at",
            g.group_id, g.user_id, g.channel, g.interview.isoformat(), ",".join(g.topics), g.minutes, g.tz,
            g.start.isoformat(), g.seen0, json.dumps(list(g.expected)), iso(at))

    async def clear_goal(self, group_id: int, user_id: str) -> bool:
        return await self._write("DELETE FROM goals WHERE group_id = ? AND user_id = ?", group_id, user_id) == 1

    async def set_reminder(self, group_id: int, user_id: str, at: str | None, tz: str, channel: str) -> bool:
        return await self._write("UPDATE goals SET remind = ?, tz = ?, channel = ? WHERE group_id = ? AND user_id = ?",
                                 at, tz, channel, group_id, user_id) == 1

    async def set_nudge(self, group_id: int, user_id: str, at: datetime | None) -> None:
        await self._write("UPDATE goals SET nudge_at = ? WHERE group_id = ? AND user_id = ?",
                          at and iso(at), group_id, user_id)

    async def due_nudges(self, now: datetime) -> list[GoalRow]:
        return [_goal(r) for r in await self._all("SELECT * FROM goals WHERE nudge_at <= ? ORDER BY nudge_at", iso(now))]

    async def next_nudge(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(nudge_at) AS at FROM goals WHERE nudge_at > ?", iso(after))
        return from_iso(row["at"])

    async def claim_nudge(self, group_id: int, user_id: str, day: date, sent: bool) -> bool:
        """True the first time a member's nudge for a local day is decided (sent or skipped)."""
        return await self._write(
            "INSERT INTO goal_nudges (group_id, user_id, day, sent) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            group_id, user_id, day.isoformat(), int(sent)) == 1

    # ---- what a plan is computed from ----------------------------------------------------------

    async def all_cards(self, group_id: int, user_id: str) -> dict[str, dict]:
        """A member's fsrs cards by question, as the `Card.to_dict()` each was saved from."""
        rows = await self._all("SELECT question_id, card FROM cards WHERE group_id = ? AND user_id = ?",
                               group_id, user_id)
        return {r["question_id"]: json.loads(r["card"]) for r in rows}

    async def practised_since(self, group_id: int, user_id: str, since: datetime) -> list[tuple[str, bool]]:
        """(question, first sight?) of each practice answer a member gave since an instant."""
        rows = await self._all(
            "SELECT i.question_id, i.due_card FROM practice_items i JOIN practice_sessions s ON s.id = i.session_id "
            "WHERE s.group_id = ? AND s.user_id = ? AND i.answered_at >= ?", group_id, user_id, iso(since))
        return [(r["question_id"], not r["due_card"]) for r in rows]

    async def missed(self, group_id: int, user_id: str) -> set[str]:
        """Questions a member ever got wrong in practice or in a quiz."""
        rows = await self._all(
            "SELECT i.question_id FROM practice_items i JOIN practice_sessions s ON s.id = i.session_id "
            "WHERE s.group_id = ? AND s.user_id = ? AND i.correct = 0 "
            "UNION SELECT r.question_id FROM quiz_answers a "
            "JOIN quiz_rounds r ON r.quiz_id = a.quiz_id AND r.round = a.round JOIN quizzes q ON q.id = a.quiz_id "
            "WHERE q.group_id = ? AND a.user_id = ? AND a.correct = 0", group_id, user_id, group_id, user_id)
        return {r["question_id"] for r in rows}
