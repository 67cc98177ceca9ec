"""Group quizzes: rounds, players and answers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso


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


def _quiz(row) -> QuizRow:
    return QuizRow(row["id"], row["group_id"], row["channel"], row["starter"], tuple(row["questions"].split(",")),
                   row["seconds"], row["status"], row["stopped_by"], bool(row["announced"]))


def _round(row) -> RoundRow:
    return RoundRow(row["quiz_id"], row["round"], row["question_id"], row["status"], row["message_id"],
                    from_iso(row["asked_at"]), from_iso(row["deadline"]))


class QuizQueries:
    # ---- quizzes ------------------------------------------------------------------------------

    async def create_quiz(self, group_id: int, channel: str, starter: str, question_ids: list[str],
                          seconds: int, at: datetime) -> int | None:
        """A running quiz with its first round claimed and its starter joined; None when the channel
        already has a running quiz (a partial unique index keeps it to one)."""
        quiz_id = await self._insert(
            "INSERT INTO quizzes (group_id, channel, starter, questions, seconds, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            group_id, channel, starter, ",".join(question_ids), seconds, iso(at))
        if quiz_id is None:
            return None
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

    async def open_round(self, quiz_id: int, round: int, asked_at: datetime, deadline: datetime) -> bool:
        """The claim on asking a round: True only for the call that opened it."""
        return await self._write("UPDATE quiz_rounds SET status = 'open', asked_at = ?, deadline = ? "
                                 "WHERE quiz_id = ? AND round = ? AND status = 'pending'",
                                 iso(asked_at), iso(deadline), quiz_id, round) == 1

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
        """Has everyone who answered an earlier round answered this one? Never true for the first
        round, nor while nobody has played yet: every member gets the full time to join in."""
        row = await self._one(
            "SELECT count(*) AS players, coalesce(sum(NOT EXISTS (SELECT 1 FROM quiz_answers a WHERE a.quiz_id = ? "
            "AND a.round = ? AND a.user_id = p.user_id)), 0) AS missing "
            "FROM (SELECT DISTINCT user_id FROM quiz_answers WHERE quiz_id = ? AND round < ?) p",
            quiz_id, round, quiz_id, round)
        return row["players"] > 0 and row["missing"] == 0

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
