"""Group quizzes: one question at a time in the channel, timed, scored with speed points.

A round goes pending (claimed) -> open (posted, deadline stored) -> scored (its ledger rows written
in the same transaction as that status flip) -> revealed (answer posted). `step()` moves a quiz as
far as it can go at an instant and is safe to call any number of times, so a button press, a typed
answer, `/advance`, the live scheduler and the start-up sweep share one path: after a restart a
quiz resumes where it stood, and no round is ever scored twice.

Choice questions are answered with buttons (the first press counts, confirmed privately); short
ones by typing in the channel, where the first correct answer scores and ends the round, because
everyone can read it (members may guess again until then; a short round otherwise runs to its
deadline). Wrong choice answers become due practice cards for whoever gave them.
"""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..answers import MAX_TYPED, matches
from .chat import Button, ButtonPressed, ChannelRef, MessageRef, Post, button_ids, quiet
from .commands import UserError

if TYPE_CHECKING:
    from ..store import QuizRow, RoundRow, Store
    from .app import Ctx, StudyBot
    from .commands import Invocation

KINDS = ("choice", "short")
PREFIX = "quiz:"
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def speed_points(elapsed: timedelta, seconds: int, most: int) -> int:
    """Linear from `most` for an instant answer down to 0 at the time limit, rounded half up."""
    return max(0, math.floor(most * (1 - elapsed.total_seconds() / seconds) + 0.5))


class Quiz:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"quiz": self.start_quiz, "quiz stop": self.stop}

    # ---- commands --------------------------------------------------------------------------------

    async def start_quiz(self, ctx: Ctx, inv: Invocation) -> None:
        o, bank, store = inv.options, self.bot.bank, self.bot.store
        topics, difficulty = o.get("topic", ()), o.get("difficulty")
        unknown = [t for t in topics if t not in bank.topics]
        if unknown:
            raise UserError(f"Unknown topic `{quiet(unknown[0])}`. Topics: {', '.join(bank.topics)}.")
        pool = sorted(q.id for q in bank.select(topics, KINDS, difficulty))
        if not pool:
            having = sorted({q.topic for q in bank.select((), KINDS, difficulty)})
            at = f" at difficulty {difficulty}" if difficulty else ""
            raise UserError(f"There are no quiz questions in {', '.join(topics)}{at}. "
                            f"Topics with quiz questions{at}: {', '.join(having) or 'none'}.")
        if await store.running_quiz(ctx.group.id, ctx.channel.channel):
            raise UserError("A quiz is already running in this channel. Its starter or an admin can end it "
                            "with `/quiz stop`.")
        # seeded by the invocation: a re-delivered /quiz after a crash picks the same questions
        chosen = random.Random(ctx.event.id).sample(pool, min(o.get("count", 5), len(pool)))
        seconds, now = o.get("seconds", 30), self.bot.clock.now()
        quiz_id = await store.create_quiz(ctx.group.id, ctx.channel.channel, ctx.member.id, chosen, seconds, now)
        if quiz_id is None:  # another /quiz won the race
            raise UserError("A quiz is already running in this channel.")
        about = f" on {', '.join(bank.topics[t].name for t in topics)}" if topics else ""
        await self.bot.outbox.send(f"quiz:{quiz_id}:intro", ctx.channel, Post(
            title="Quiz time!",
            body=f"**{quiet(ctx.member.name)}** started a quiz{about}: {len(chosen)} question"
                 f"{'s' if len(chosen) != 1 else ''}, {seconds} s each.\n"
                 "Choice questions: press a button; your first press counts and only you see it.\n"
                 "Short answers: type them in the channel; the first correct answer scores.",
            footer="10 points for a right answer plus up to 5 for speed. `/quiz stop` ends the quiz."))
        await self.step(quiz_id, now)

    async def stop(self, ctx: Ctx, inv: Invocation) -> None:
        store = self.bot.store
        quiz = await store.running_quiz(ctx.group.id, ctx.channel.channel)
        if quiz is None:
            raise UserError("No quiz is running in this channel. Start one with `/quiz`.")
        if ctx.member.id != quiz.starter and not ctx.member.is_admin:
            name = (await store.member_names(ctx.group.id, [quiz.starter])).get(quiz.starter, quiz.starter)
            raise UserError(f"Only {quiet(name)}, who started this quiz, or an admin can stop it.")
        if not await store.end_quiz(quiz.id, ctx.member.id):
            raise UserError("That quiz has already ended.")
        await ctx.reply(Post(body="Stopped the quiz; the scoreboard so far is posted."), private=True)
        await self.step(quiz.id, self.bot.clock.now())

    # ---- the round machine --------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> None:
        for quiz in await self.bot.store.active_quizzes():
            await self.step(quiz.id, now)

    async def next_due(self, after: datetime) -> datetime | None:
        return await self.bot.store.next_round_deadline(after)

    async def step(self, quiz_id: int, now: datetime) -> None:
        """In one unit of work, move a quiz on as far as it can go at `now`: ask, score, reveal, next
        round, scoreboard. Each move is a claim on the round's status, so any number of callers at
        one instant make each move once."""
        async with self.bot.store.transaction() as store:
            while True:
                quiz, rnd = await store.quiz(quiz_id), await store.latest_round(quiz_id)
                if rnd.status == "pending":
                    await self._ask(quiz, rnd, now)
                elif rnd.status == "open":
                    choice = self.bot.bank.questions[rnd.question_id].kind == "choice"
                    if now < rnd.deadline and not (choice and await store.everyone_answered(quiz_id, rnd.round)):
                        return
                    await self._score(store, quiz, rnd, now)
                elif rnd.status == "scored":
                    await self._reveal(quiz, rnd)
                elif quiz.status == "running" and rnd.round + 1 < len(quiz.questions):
                    await store.claim_round(quiz_id, rnd.round + 1, quiz.questions[rnd.round + 1])
                elif quiz.status == "running":
                    await store.end_quiz(quiz_id, None)
                else:
                    if not quiz.announced:
                        await self._scoreboard(quiz)
                    return

    async def _channel(self, quiz: QuizRow) -> ChannelRef:
        group = await self.bot.store.group_by_id(quiz.group_id)
        return ChannelRef(group.platform, group.external_id, quiz.channel)

    async def _ask(self, quiz: QuizRow, rnd: RoundRow, now: datetime) -> None:
        question = self.bot.bank.questions[rnd.question_id]
        if question.kind == "choice":
            buttons = tuple(Button(f"{PREFIX}{quiz.id}:{rnd.round}:{i}", c) for i, c in enumerate(question.choices))
            how = f"Press your answer within {quiz.seconds} s; your first press counts."
        else:
            buttons = ()
            how = f"Type your answer in the channel within {quiz.seconds} s; the first correct answer scores."
        post = Post(title=f"Quiz {rnd.round + 1}/{len(quiz.questions)}", body=question.prompt,
                    fields=(("Topic", self.bot.bank.topics[question.topic].name), ("Difficulty", question.difficulty)),
                    buttons=buttons, footer=how)
        if await self.bot.store.open_round(quiz.id, rnd.round, now, now + timedelta(seconds=quiz.seconds)):
            await self.bot.outbox.send(f"quiz:{quiz.id}:{rnd.round}", await self._channel(quiz), post,
                                       record=f"round-message:{quiz.id}:{rnd.round}")

    def _points(self, rnd: RoundRow, seconds: int, answered_at: datetime) -> tuple[int, int]:
        """(correct points, speed points) for a right answer given at `answered_at`."""
        points = self.bot.scores.points
        return points.quiz_correct, speed_points(answered_at - rnd.asked_at, seconds, points.quiz_speed)

    async def _score(self, tx: Store, quiz: QuizRow, rnd: RoundRow, now: datetime) -> bool:
        """Inside a transaction: close the round and write its points, once. A wrong choice answer
        becomes a due practice card for its author."""
        if not await tx.set_round_status(quiz.id, rnd.round, "open", "scored"):
            return False
        question = self.bot.bank.questions[rnd.question_id]
        group = await tx.group_by_id(quiz.group_id)
        source = f"quiz:{quiz.id}:{rnd.round}"
        for answer in await tx.quiz_answers(quiz.id, rnd.round):
            if answer.correct:
                correct, speed = self._points(rnd, quiz.seconds, answer.answered_at)
                await self.bot.scores.award(group, answer.user_id, correct, "quiz-correct", source, answer.answered_at,
                                            question.topic)
                if speed:
                    await self.bot.scores.award(group, answer.user_id, speed, "quiz-speed", source, answer.answered_at,
                                                question.topic)
            elif question.kind == "choice":
                await self.bot.practice.missed(group, answer.user_id, question.id, now)
        return True

    async def _reveal(self, quiz: QuizRow, rnd: RoundRow) -> None:
        store = self.bot.store
        question = self.bot.bank.questions[rnd.question_id]
        answers = await store.quiz_answers(quiz.id, rnd.round)
        right = [a for a in answers if a.correct]
        names = await store.member_names(quiz.group_id, [a.user_id for a in right])
        winners = ", ".join(f"{quiet(names.get(a.user_id, a.user_id))} "
                            f"(+{sum(self._points(rnd, quiz.seconds, a.answered_at))})" for a in right)
        winners = winners or "nobody this time"
        if question.kind == "choice":
            answer = question.choices[question.correct]
            fields = (("Got it right", winners), ("Answered", str(len(answers))))
        else:
            answer = question.accept[0]
            fields = (("First correct answer", winners),)
        post = Post(title=f"Quiz {rnd.round + 1}/{len(quiz.questions)}: the answer",
                    body=f"**Answer:** {answer}\n\n{question.explanation}", fields=fields)
        if await store.set_round_status(quiz.id, rnd.round, "scored", "revealed"):
            await self.bot.outbox.send(f"quiz:{quiz.id}:{rnd.round}:reveal", await self._channel(quiz), post)

    async def _scoreboard(self, quiz: QuizRow) -> None:
        store = self.bot.store
        scores = await store.quiz_scores(quiz.id)
        names = await store.member_names(quiz.group_id, [u for u, _, _ in scores] + [quiz.stopped_by or quiz.starter])
        asked = 0
        for number in range(len(quiz.questions)):
            rnd = await store.quiz_round(quiz.id, number)
            asked += bool(rnd and rnd.status == "revealed")
        lines = []
        for user_id, points, right in scores:
            rank = 1 + sum(1 for _, p, _ in scores if p > points)
            medal = MEDALS.get(rank, f"{rank}.") if points else "·"  # no medal for nothing
            lines.append(f"{medal} **{quiet(names.get(user_id, user_id))}** — {points} pts "
                         f"({right}/{asked} right)")
        if quiz.stopped_by:
            who = quiet(names.get(quiz.stopped_by, quiz.stopped_by))
            title = "Quiz stopped: the scoreboard so far"
            footer = f"Stopped by {who} after {asked} of {len(quiz.questions)} questions."
        else:
            title = "Quiz over: the scoreboard"
            footer = "Points are on /leaderboard. Missed questions wait for you in /practice."
        await self.bot.outbox.send(f"quiz:{quiz.id}:scoreboard", await self._channel(quiz),
                                   Post(title=title, body="\n".join(lines), footer=footer))
        await store.mark_announced(quiz.id)

    # ---- answers ----------------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, event: ButtonPressed) -> bool:
        """A choice answer: recorded once per member and round, confirmed privately."""
        ids = button_ids(event.button, PREFIX)
        if ids is None or len(ids) != 3:
            return False
        quiz_id, number, option = ids
        store, now = self.bot.store, self.bot.clock.now()
        quiz, rnd = await store.quiz(quiz_id), await store.quiz_round(quiz_id, number)
        if quiz is None or rnd is None or quiz.group_id != ctx.group.id:
            raise UserError("That quiz is not running any more.")
        if rnd.status != "open" or now >= rnd.deadline:
            raise UserError("Time is up for that question.")
        question = self.bot.bank.questions[rnd.question_id]
        if question.kind != "choice" or not 0 <= option < len(question.choices):
            raise UserError("That is not an option of this question.")
        await store.join_quiz(quiz_id, ctx.member.id)
        recorded = await store.record_quiz_answer(quiz_id, number, ctx.member.id, str(option),
                                                  option == question.correct, now)
        if not recorded:
            mine = next((a for a in await store.quiz_answers(quiz_id, number) if a.user_id == ctx.member.id), None)
            if mine is None:
                raise UserError("Time is up for that question.")
            raise UserError(f"You already locked in **{question.choices[int(mine.answer)]}**; your first press counts.")
        await ctx.reply(Post(body=f"🔒 Locked in: **{question.choices[option]}**. The answer comes when time is up "
                                  "or everyone in the quiz has answered."), private=True)
        await self.step(quiz_id, now)
        return True

    async def on_message(self, ctx: Ctx, message: MessageRef, text: str) -> bool:
        """A message in a channel whose quiz is asking a short question: an attempt. The first
        correct one scores and ends the round; near misses are not announced."""
        if message.thread or len(text) > MAX_TYPED:
            return False
        store, now = self.bot.store, self.bot.clock.now()
        quiz = await store.running_quiz(ctx.group.id, message.channel.channel)
        rnd = quiz and await store.latest_round(quiz.id)
        if not rnd or rnd.status != "open" or now >= rnd.deadline:
            return False
        question = self.bot.bank.questions[rnd.question_id]
        if question.kind != "short":
            return False
        right = matches(text, question.accept)
        await store.join_quiz(quiz.id, ctx.member.id)
        won = right and await store.record_quiz_answer(quiz.id, rnd.round, ctx.member.id, text, True, now) \
            and await self._score(store, quiz, rnd, now)
        if won:
            await self.step(quiz.id, now)
        return True
