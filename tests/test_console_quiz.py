"""Quizzes and practice, driven through the real console (`Console.line()`) on a real SQLite file."""
from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import datetime

from bot.__main__ import build
from bot.adapters.console import Console, ConsoleChat, ConsolePlatform, Printer
from bot.config import load_settings
from bot.content import Bank
from bot.core.clock import UTC, ManualClock

from .conftest import bank

Q1, Q2, Q3 = "fund-underfitting-remedy", "fund-train-val-gap-diagnosis", "fund-regularisation-too-strong"
SHORT = "fund-irreducible-error-name"


def only(*ids: str) -> Bank:
    full = bank()
    return Bank(topics=full.topics, questions={i: full.questions[i] for i in ids})


class Session:
    """The console as `studybot console` wires it, with a StringIO printer and a fixed start."""

    def __init__(self, tmp_path, questions: Bank):
        self.out = io.StringIO()
        self.db = tmp_path / "console.db"
        self.clock = ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        self.platform = ConsolePlatform(self.clock, Printer(self.out, colour=False))
        settings = load_settings(database=self.db)

        async def start_bot():
            return await build(settings, ConsoleChat(self.platform), self.clock, questions)

        async def stop_bot(bot):
            await bot.store.close()

        self.console = Console(self.platform, start_bot, stop_bot)

    async def __aenter__(self):
        await self.console.up()
        return self

    async def __aexit__(self, *exc):
        await self.console.down()

    async def run(self, *lines: str) -> None:
        for line in lines:
            await self.console.line(line)

    def latest(self, title: str):
        """The newest message whose post title matches `title` (a regex)."""
        found = [m for m in self.platform.messages.values() if m.post and re.fullmatch(title, m.post.title)]
        assert found, f"no message titled {title!r}"
        return found[-1]

    def answer(self, title: str, right: bool) -> str:
        """`/click` for the right (or a wrong) option of the newest question titled `title`."""
        m = self.latest(title)
        question = next(q for q in bank().questions.values() if m.post.body.endswith(q.prompt))
        option = question.correct if right else (question.correct + 1) % len(question.choices)
        return f"/click {m.number} {option + 1}"

    def block(self, number: int) -> str:
        """The printed lines of message #number."""
        match = re.search(rf"^#{number} .*?(?=^#\d+ |^— |^  \w+ pressed|\Z)", self.out.getvalue(), re.S | re.M)
        assert match, f"message #{number} was never printed"
        return match.group(0)

    def since(self, mark: int) -> str:
        return self.out.getvalue()[mark:]

    def sql(self, query: str, *args):
        with sqlite3.connect(self.db) as db:
            return db.execute(query, args).fetchall()


QUESTION = r"Quiz \d/\d"


async def test_a_quiz_with_three_members_speed_points_and_one_who_never_answers(tmp_path):
    async with Session(tmp_path, only(Q1, Q2)) as s:
        await s.run("/quiz count:2 seconds:30")  # started by "you", who then never answers
        assert s.block(1).startswith("#1 studybot · Fri 20 Nov 09:00 UTC\n  Quiz time!\n"
                                     "  you started a quiz: 2 questions, 30 s each.\n")
        assert s.block(2).startswith("#2 studybot · Fri 20 Nov 09:00 UTC\n  Quiz 1/2\n")
        await s.run("/as alice")
        await s.run(s.answer(QUESTION, right=True))  # at once: 10 + 5
        assert s.block(3).startswith("#3 studybot (only you can see this) · Fri 20 Nov 09:00 UTC\n  🔒 Locked in: ")
        await s.run("/advance 6s", "/as bob")
        await s.run(s.answer(QUESTION, right=True))  # after 6 s: 10 + 4
        await s.run(s.answer(QUESTION, right=False))  # a change of mind does not count
        assert s.platform.messages[5].private_to == "bob"
        assert s.platform.messages[5].text.startswith("⚠️ You already locked in **")
        await s.run("/advance 9s", "/as carol")
        await s.run(s.answer(QUESTION, right=False))
        mark = len(s.out.getvalue())
        await s.run("/advance 10s")
        assert "the answer" not in s.since(mark)  # you have not answered: the round waits for its deadline
        await s.run("/advance 5s")  # 09:00:30
        reveal = s.latest(r"Quiz 1/2: the answer")
        assert "  Got it right: alice (+15), bob (+14)\n  Answered: 3\n" in s.block(reveal.number)
        second = s.latest(QUESTION)
        assert second.number == reveal.number + 1 and s.block(second.number).startswith(
            f"#{second.number} studybot · Fri 20 Nov 09:00 UTC\n  Quiz 2/2\n")
        await s.run(s.answer(QUESTION, right=True))  # carol, at once: 10 + 5
        await s.run("/advance 21s", "/as bob")
        await s.run(s.answer(QUESTION, right=True))  # 5 × (1 − 21/30) = 1.5, rounded up: 10 + 2
        await s.run("/as alice")
        await s.run(s.answer(QUESTION, right=False))
        await s.run("/advance 9s")
        assert "  Got it right: carol (+15), bob (+12)\n  Answered: 3\n" in s.block(
            s.latest(r"Quiz 2/2: the answer").number)
        board = s.latest(r"Quiz over: the scoreboard")
        assert s.block(board.number).startswith(
            f"#{board.number} studybot · Fri 20 Nov 09:00 UTC\n  Quiz over: the scoreboard\n"
            "  🥇 bob — 26 pts (2/2 right)\n  🥈 alice — 15 pts (1/2 right)\n  🥈 carol — 15 pts (1/2 right)\n"
            "  · you — 0 pts (0/2 right)\n")  # round 2 ended when all three of round 1 had answered
        await s.run("/leaderboard")
        assert "  🥇 bob — 26 pts\n" in s.block(s.latest(r"Leaderboard.*").number)
    assert s.sql("SELECT user_id, reason, points, source FROM ledger ORDER BY id") == [
        ("alice", "quiz-correct", 10, "quiz:1:0"), ("alice", "quiz-speed", 5, "quiz:1:0"),
        ("bob", "quiz-correct", 10, "quiz:1:0"), ("bob", "quiz-speed", 4, "quiz:1:0"),
        ("carol", "quiz-correct", 10, "quiz:1:1"), ("carol", "quiz-speed", 5, "quiz:1:1"),
        ("bob", "quiz-correct", 10, "quiz:1:1"), ("bob", "quiz-speed", 2, "quiz:1:1")]
    # What carol and alice missed is a card for each of them, and for nobody else.
    assert sorted(u for u, in s.sql("SELECT user_id FROM cards")) == ["alice", "carol"]


async def test_quiz_stop_after_a_restart_keeps_the_scores_so_far(tmp_path):
    async with Session(tmp_path, only(Q1, Q2, Q3)) as s:
        await s.run("/as alice", "/quiz count:3 seconds:30", "/as bob")
        await s.run(s.answer(QUESTION, right=True))
        await s.run("/as carol")
        await s.run(s.answer(QUESTION, right=False))
        await s.run("/as bob")
        # The bot is down when the first round's deadline passes: at start-up it is revealed once,
        # and the next question is asked then.
        await s.run("/down", "/advance 2m", "/up")
        assert s.since(0).count("Quiz 1/3: the answer") == 1
        second = s.latest(QUESTION)
        assert s.block(second.number).startswith(f"#{second.number} studybot · Fri 20 Nov 09:02 UTC\n  Quiz 2/3")
        await s.run("/restart")  # nothing is due: nothing is posted or scored again
        assert s.since(0).count("Quiz 1/3: the answer") == 1 and s.latest(QUESTION) is second
        await s.run(s.answer(QUESTION, right=True))  # bob again, in round 2; it waits for carol
        await s.run("/as carol", "/quiz stop")
        refused = s.platform.messages[max(s.platform.messages)]
        assert refused.private_to == "carol" and refused.text == "⚠️ Only alice, who started this quiz, or an admin can stop it."
        await s.run("/as alice", "/quiz stop")
        board = s.latest(r"Quiz stopped: the scoreboard so far")
        assert s.block(board.number).endswith(
            "  Quiz stopped: the scoreboard so far\n  🥇 bob — 15 pts (1/1 right)\n  · alice — 0 pts (0/1 right)\n"
            "  · carol — 0 pts (0/1 right)\n  Stopped by alice after 1 of 3 questions.\n")
        await s.run("/advance 5m")
        assert "Quiz 2/3: the answer" not in s.since(0) and s.latest(QUESTION) is second
        await s.run("/quiz stop")
        assert s.platform.messages[max(s.platform.messages)].text == (
            "⚠️ No quiz is running in this channel. Start one with `/quiz`.")
    # Round 1 only: round 2 was cut short, unscored.
    assert s.sql("SELECT user_id, reason, points FROM ledger ORDER BY id") == [
        ("bob", "quiz-correct", 10), ("bob", "quiz-speed", 5)]
    assert s.sql("SELECT round, status FROM quiz_rounds ORDER BY round") == [(0, "revealed"), (1, "cancelled")]


async def test_a_short_answer_accepts_a_misspelling_and_rejects_a_wrong_answer(tmp_path):
    async with Session(tmp_path, only(SHORT)) as s:
        await s.run("/as alice", "/quiz count:1 seconds:60")
        asked = s.latest(QUESTION)
        assert "Type your answer in the channel within 60 s" in s.block(asked.number)
        mark = len(s.out.getvalue())
        await s.run("/as bob", "reducible error", "/as carol", "variance")
        assert "studybot" not in s.since(mark)  # wrong answers (and near misses) are not announced
        await s.run("/advance 10s", "irreducable eror", "/as bob", "irreducible error")
        reveal = s.latest(r"Quiz 1/1: the answer")
        assert "Answer: irreducible error" in s.block(reveal.number)
        assert "First correct answer: carol (+14)" in s.block(reveal.number)  # 5 × (1 − 10/60) ≈ 4
        assert reveal.number == asked.number + 4  # right after carol's message; bob's came too late
        assert "🥇 carol — 14 pts (1/1 right)" in s.block(s.latest(r"Quiz over: the scoreboard").number)
    assert s.sql("SELECT user_id, answer, correct FROM quiz_answers") == [("carol", "irreducable eror", 1)]
    assert s.sql("SELECT user_id, sum(points) FROM ledger GROUP BY user_id") == [("carol", 14)]


async def test_practice_brings_back_a_missed_quiz_question_and_survives_a_restart(tmp_path):
    async with Session(tmp_path, only(Q1, Q2)) as s:
        await s.run("/as alice", "/quiz count:1 seconds:30")
        await s.run(s.answer(QUESTION, right=False))
        missed = next(q for q in bank().questions.values() if s.latest(QUESTION).post.body.endswith(q.prompt))
        other = (set(only(Q1, Q2).questions) - {missed.id}).pop()
        await s.run("/advance 2m", "/practice stats")
        stats = s.block(s.latest("Your practice").number)
        assert "(only you can see this)" in stats and "Cards: 1\n  Due now: 1\n  Due this week: 1" in stats
        await s.run("/practice count:2")
        first = s.latest(r"Practice 1/2")
        assert first.private_to == "alice" and first.post.body.endswith(missed.prompt)
        assert "1 due, 1 new. Only you can see this session." in s.block(first.number)
        assert "Card: due again" in s.block(first.number)
        await s.run("/advance 10s", s.answer(r"Practice 1/2", right=True))  # right, not within 5 s: Good
        second = s.latest(r"Practice 2/2")
        assert second.private_to == "alice" and second.post.body.endswith(bank().questions[other].prompt)
        assert "✅ Right: " in s.block(second.number) and "You will see it again in 10m." in s.block(second.number)
        before = s.sql("SELECT card, due FROM cards WHERE user_id = 'alice' AND question_id = ?", missed.id)
        # Down and up again: the cards, and the session's open question, are still there.
        await s.run("/restart 1m")
        assert s.sql("SELECT card, due FROM cards WHERE user_id = 'alice' AND question_id = ?", missed.id) == before
        card = json.loads(before[0][0])
        assert card["state"] == 1 and card["step"] == 1 and card["stability"] > 0 and card["due"].startswith(
            "2026-11-20T09:12:10")
        await s.run(s.answer(r"Practice 2/2", right=False))
        done = s.latest("Practice done")
        assert done.private_to == "alice" and "You got 1 of 2 right." in s.block(done.number)
        await s.run("/practice stats")
        assert "ML fundamentals: 1/2 right (50%)" in s.block(s.latest("Your practice").number)
        assert "Cards: 2\n  Due now: 0\n  Due this week: 2" in s.block(s.latest("Your practice").number)
        await s.run("/advance 2m", "/practice")  # the one just missed is due again after a minute
        again = s.latest(r"Practice 1/\d")
        assert again.post.body.endswith(bank().questions[other].prompt) and "Card: due again" in s.block(again.number)
    # Practice earned no points.
    assert s.sql("SELECT count(*) FROM ledger") == [(0,)]
