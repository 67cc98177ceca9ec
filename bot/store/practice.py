"""Spaced-repetition cards and private practice sessions."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso


@dataclass(frozen=True)
class PracticeItem:
    session_id: int
    position: int
    question_id: str
    due_card: bool  # asked because the member's card was due (else a new question)
    asked_at: datetime | None
    answer: int | None
    correct: bool | None = None  # right, or for a self-reviewed open question: covered


def _item(row) -> PracticeItem:
    return PracticeItem(row["session_id"], row["position"], row["question_id"], bool(row["due_card"]),
                        from_iso(row["asked_at"]), row["answer"],
                        None if row["correct"] is None else bool(row["correct"]))


class PracticeQueries:
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
        session_id = await self._insert("INSERT INTO practice_sessions (group_id, user_id, started_at) VALUES (?, ?, ?)",
                                        group_id, user_id, iso(at))
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
