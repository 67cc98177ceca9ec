"""A group's own questions: suggested by members (pending until an admin decides) or added by admins.

The question itself is kept as the JSON of its validated content model (bot/content.py), without
an id: the bot calls it `own:<row id>`, which no bank id can be (bank ids are kebab-case). Whether it
has been asked is derived from the posts that name it, so a post and "asked" can never disagree.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso

PREFIX = "own:"


@dataclass(frozen=True)
class OwnQuestion:
    id: int
    group_id: int
    channel: str  # where it was suggested: the author hears back there
    author: str
    suggested: bool  # by a member (/suggest, earns points when posted), not added by an admin
    data: dict  # the content model's fields, id left out
    status: str  # pending | approved | rejected
    reason: str | None  # a reviewer's reason for rejecting (a draft until then)
    created_at: datetime

    @property
    def question_id(self) -> str:
        return f"{PREFIX}{self.id}"


def own_id(question_id: str) -> int | None:
    """The row id of `own:12`, or None for a bank question."""
    rest = question_id.removeprefix(PREFIX)
    return int(rest) if rest != question_id and rest.isdigit() and len(rest) < 19 else None


def _own(row) -> OwnQuestion:
    return OwnQuestion(row["id"], row["group_id"], row["channel"], row["author"], bool(row["suggested"]),
                       json.loads(row["question"]), row["status"], row["reason"], from_iso(row["created_at"]))


class SuggestionQueries:
    async def add_own_question(self, group_id: int, channel: str, author: str, data: dict, suggested: bool,
                               at: datetime) -> int:
        """A member's suggestion (pending) or an admin's question (approved at once); its row id."""
        return await self._insert(
            "INSERT INTO own_questions (group_id, channel, author, suggested, question, topic, status, created_at, "
            "reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            group_id, channel, author, int(suggested), json.dumps(data, ensure_ascii=False), data["topic"],
            "pending" if suggested else "approved", iso(at), None if suggested else iso(at))

    async def own_question(self, own: int) -> OwnQuestion | None:
        row = await self._one("SELECT * FROM own_questions WHERE id = ?", own)
        return _own(row) if row else None

    async def own_prompts(self, group_id: int) -> list[tuple[str, str]]:
        """(question id, prompt) of a group's pending and approved questions: a new one must not repeat them."""
        rows = await self._all("SELECT id, question FROM own_questions WHERE group_id = ? AND status != 'rejected'",
                               group_id)
        return [(f"{PREFIX}{r['id']}", json.loads(r["question"])["prompt"]) for r in rows]

    async def next_suggestion(self, group_id: int) -> tuple[OwnQuestion | None, int]:
        """The oldest suggestion waiting for review, and how many wait in all."""
        row = await self._one("SELECT *, (SELECT count(*) FROM own_questions w WHERE w.group_id = o.group_id "
                              "AND w.status = 'pending') AS waiting FROM own_questions o "
                              "WHERE o.group_id = ? AND o.status = 'pending' ORDER BY o.id LIMIT 1", group_id)
        return (_own(row), row["waiting"]) if row else (None, 0)

    async def draft_reason(self, own: int, reason: str | None) -> None:
        """The reason a reviewer gives before pressing Reject (or none)."""
        await self._write("UPDATE own_questions SET reason = ? WHERE id = ? AND status = 'pending'", reason, own)

    async def decide_suggestion(self, own: int, approved: bool, reviewer: str, at: datetime) -> bool:
        """The claim on a review: True only for the one press that decided it."""
        return await self._write(
            "UPDATE own_questions SET status = ?, reviewer = ?, reviewed_at = ?, "
            "reason = CASE WHEN ? THEN NULL ELSE reason END WHERE id = ? AND status = 'pending'",
            "approved" if approved else "rejected", reviewer, iso(at), int(approved), own) == 1

    async def waiting_questions(self, group_id: int) -> list[tuple[str, str]]:
        """(question id, topic) of a group's approved questions not yet posted anywhere, in approval order."""
        rows = await self._all(
            "SELECT o.id, o.topic FROM own_questions o WHERE o.group_id = ? AND o.status = 'approved' "
            "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.question_id = ? || o.id) "
            "ORDER BY o.reviewed_at, o.id", group_id, PREFIX)
        return [(f"{PREFIX}{r['id']}", r["topic"]) for r in rows]
