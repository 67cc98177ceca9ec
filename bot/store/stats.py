"""What /stats reads besides the totals: a member's answers per question, right or wrong.

Each query returns question id -> (answered, right); the core knows each question's topic and kind
from the bank, so it decides what counts towards accuracy.
"""
from __future__ import annotations


class StatsQueries:
    async def daily_answers(self, group_id: int, user_id: str) -> dict[str, tuple[int, int]]:
        """Questions of the day a member answered (scored at close), and whether a choice was right."""
        rows = await self._all(
            "SELECT p.question_id, count(*) AS answered, "
            "sum(EXISTS (SELECT 1 FROM ledger c WHERE c.reason = 'qotd-correct' AND c.source = l.source "
            "AND c.user_id = l.user_id)) AS hits "
            "FROM ledger l JOIN posts p ON p.id = CAST(substr(l.source, 6) AS INTEGER) "
            "WHERE l.group_id = ? AND l.user_id = ? AND l.reason = 'qotd-answer' AND l.source LIKE 'post:%' "
            "GROUP BY p.question_id", group_id, user_id)
        return {r["question_id"]: (r["answered"], r["hits"]) for r in rows}

    async def quiz_accuracy(self, group_id: int, user_id: str) -> dict[str, tuple[int, int]]:
        """A member's answers in quiz rounds that were scored."""
        rows = await self._all(
            "SELECT r.question_id, count(*) AS answered, sum(a.correct) AS hits FROM quiz_answers a "
            "JOIN quiz_rounds r ON r.quiz_id = a.quiz_id AND r.round = a.round "
            "JOIN quizzes q ON q.id = a.quiz_id "
            "WHERE a.user_id = ? AND q.group_id = ? AND r.status IN ('scored', 'revealed') GROUP BY r.question_id",
            user_id, group_id)
        return {r["question_id"]: (r["answered"], r["hits"]) for r in rows}
