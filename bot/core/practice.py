"""Private practice on each member's own spaced-repetition cards (the `fsrs` package).

Every (group, member, choice question) can have one fsrs card, stored as `Card.to_dict()` JSON. A
practice session asks due cards first, then questions the member has never seen, all in replies
only they can see. Each answer reviews the card: wrong is Again, right is Good, right within a few
seconds of being asked is Easy. A choice question missed in a quiz or as the question of the day is
reviewed as Again too, so it comes back soon. Practice builds cards and accuracy, never points.

Open questions have no right answer to pick, so they are never new in practice: their cards come
from self-review after the reveal (selfreview.py), and when due they come back as a "review this
question" prompt, with the question, its key points and the same three self-review buttons.
"""
from __future__ import annotations

import random
import zlib
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from fsrs import Card, Rating, Scheduler

from .chat import Button, ButtonPressed, Post, button_ids, quiet
from .clock import format_duration
from .commands import UserError
from .selfreview import COVERED, VERDICTS, key_points, verdict_buttons

if TYPE_CHECKING:
    from ..store import Group, PracticeItem
    from .app import Ctx, StudyBot
    from .commands import Invocation

EASY_WITHIN = timedelta(seconds=5)  # a right answer this quick is rated Easy
WEEK = timedelta(days=7)
PREFIX = "practice:"


def rating_for(correct: bool, elapsed: timedelta) -> Rating:
    """Wrong is Again, right is Good, right within EASY_WITHIN of being asked is Easy."""
    if not correct:
        return Rating.Again
    return Rating.Easy if elapsed <= EASY_WITHIN else Rating.Good


def new_card(group_id: int, user_id: str, question_id: str, now: datetime) -> Card:
    """A fresh card due now. The id is derived, not left to fsrs, whose default sleeps a millisecond."""
    return Card(card_id=zlib.crc32(f"{group_id}:{user_id}:{question_id}".encode()), due=now)


class Practice:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"practice": self.begin, "practice stats": self.stats}
        # No interval fuzzing: a small group gains little from spreading reviews, and tests stay exact.
        self.scheduler = Scheduler(enable_fuzzing=False)

    # ---- cards -----------------------------------------------------------------------------------

    async def review(self, group_id: int, user_id: str, question_id: str, rating: Rating, at: datetime) -> Card:
        """Inside a transaction: review the member's card for a question (made if new) and save it."""
        saved = await self.bot.store.card(group_id, user_id, question_id)
        card = Card.from_dict(saved) if saved else new_card(group_id, user_id, question_id, at)
        card, _ = self.scheduler.review_card(card, rating, at.astimezone(timezone.utc))  # fsrs insists on UTC
        await self.bot.store.save_card(group_id, user_id, question_id, card.to_dict(), card.due)
        return card

    async def missed(self, group: Group, user_id: str, question_id: str, at: datetime) -> None:
        """Inside a transaction: a choice question answered wrong in a quiz or as the question of the
        day becomes a card due again soon for that member."""
        await self.review(group.id, user_id, question_id, Rating.Again, at)

    # ---- commands --------------------------------------------------------------------------------

    async def begin(self, ctx: Ctx, inv: Invocation) -> None:
        bank = self.bot.bank
        topics = inv.options.get("topic", ())
        unknown = [t for t in topics if t not in bank.topics]
        if unknown:
            raise UserError(f"Unknown topic `{quiet(unknown[0])}`. Topics: {', '.join(bank.topics)}.")
        now = self.bot.clock.now()
        cards = await self.bot.store.cards_of(ctx.group.id, ctx.member.id)
        mine = [(q, when) for q, when in cards if await self.card_question(q, topics)]
        due = [q for q, when in mine if when <= now]
        kinds = sorted({q.kind for q in bank.select(topics)})
        if topics and kinds and "choice" not in kinds and not mine:
            having = sorted({q.topic for q in bank.select((), ("choice",))})
            raise UserError(f"{', '.join(topics)} has only {' and '.join(kinds)} questions; practice asks choice "
                            f"questions. Topics you can practise: {', '.join(having)}. (Open questions you "
                            f"reviewed yourself after their reveal come back here when due.)")
        seen = {q for q, _ in cards}
        new = sorted(q.id for q in bank.select(topics, ("choice",)) if q.id not in seen)
        random.Random(ctx.event.id).shuffle(new)  # the same session if the command is delivered again
        planned = [] if topics else await self.bot.goal.today(ctx.group, ctx.member.id, now)  # an interview plan's day first
        in_plan = {q for q, _ in planned}
        items = (planned + [(q, True) for q in due if q not in in_plan]
                 + [(q, False) for q in new if q not in in_plan])[:inv.options.get("count", 5)]
        if not items:
            upcoming = min((when for _, when in mine), default=None)
            later = f" Your next card is due in {format_duration(upcoming - now)}." if upcoming else ""
            raise UserError("Nothing to practise right now: no cards are due and you have seen every choice "
                            f"question{' in those topics' if topics else ''}.{later}")
        async with self.bot.store.transaction() as store:
            session_id = await store.start_practice(ctx.group.id, ctx.member.id, items, now)
            await store.ask_item(session_id, 0, now)
        first = (await self.bot.store.practice_items(session_id))[0]
        due_count = sum(1 for _, is_due in items if is_due)
        intro = f"{due_count} due, {len(items) - due_count} new. Only you can see this session."
        if planned:
            intro += f" {min(len(planned), len(items))} of them are today's plan to your interview."
        await ctx.reply(await self._question_post(first, len(items), intro), private=True)

    async def stats(self, ctx: Ctx, inv: Invocation) -> None:
        now = self.bot.clock.now()
        cards = [(q, when) for q, when in await self.bot.store.cards_of(ctx.group.id, ctx.member.id)
                 if await self.card_question(q)]
        per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        accuracy = await self.bot.store.practice_accuracy(ctx.group.id, ctx.member.id)
        for question_id, (answered, right) in accuracy.items():
            question = await self.card_question(question_id)
            if question and question.kind == "choice":  # a self-reviewed open question is no right or wrong
                per_topic[question.topic][0] += answered
                per_topic[question.topic][1] += right
        lines = [f"**{self.bot.bank.topics[t].name}**: {right}/{answered} right ({right / answered:.0%})"
                 for t, (answered, right) in sorted(per_topic.items())]
        await ctx.reply(Post(
            title="Your practice",
            body="\n".join(lines) or "No practice answers yet. Start a session with `/practice`.",
            fields=(("Cards", str(len(cards))), ("Due now", str(sum(1 for _, w in cards if w <= now))),
                    ("Due this week", str(sum(1 for _, w in cards if w <= now + WEEK)))),
            footer="This week = the next 7 days, including what is due now. Practice earns no leaderboard points."),
            private=True)

    async def card_question(self, question_id: str, topics: tuple[str, ...] = ()):
        """The question a card asks, if it can still be practised (in one of `topics`, when given): a
        choice question, or an open one, of the bank or of the group's own; else None."""
        question = await self.bot.question(question_id)
        if question is None or question.kind not in ("choice", "open") or (topics and question.topic not in topics):
            return None
        return question

    # ---- answers ----------------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, event: ButtonPressed) -> bool:
        ids = button_ids(event.button, PREFIX)
        if ids is None or len(ids) != 3:
            return False
        session_id, position, option = ids
        store = self.bot.store
        session = await store.practice_session(session_id)
        if session is None or session[0] != ctx.group.id or session[1] != ctx.member.id:
            raise UserError("This practice session is someone else's. Start your own with `/practice`.")
        if session[2] != "open":
            raise UserError("That practice session has ended. Start a new one with `/practice`.")
        items = await store.practice_items(session_id)
        item = items[position] if 0 <= position < len(items) else None
        if item is None or item.asked_at is None:
            raise UserError("That button does not belong to a question of this session.")
        question = await self.card_question(item.question_id)
        if question is None or not 0 <= option < len(question.choices if question.kind == "choice" else VERDICTS):
            raise UserError("That question is no longer in the bank. Start a new session with `/practice`.")
        now = self.bot.clock.now()
        correct = option == (question.correct if question.kind == "choice" else COVERED)
        nxt = items[position + 1] if position + 1 < len(items) else None
        async with store.transaction() as tx:
            if not await tx.answer_item(session_id, position, option, correct, now):
                raise UserError("You already answered that one; your first answer counts.")
            rating = rating_for(correct, now - item.asked_at) if question.kind == "choice" else VERDICTS[option][1]
            card = await self.review(ctx.group.id, ctx.member.id, question.id, rating, now)
            if nxt:
                await tx.ask_item(session_id, nxt.position, now)
            else:
                await tx.end_practice(session_id)
        feedback = self._feedback(question, option, correct, card, now)
        if nxt:
            await ctx.reply(await self._question_post(nxt, len(items), feedback), private=True)
        else:
            await ctx.reply(await self._summary(session_id, feedback, ctx, now), private=True)
        return True

    def _feedback(self, question, option: int, correct: bool, card: Card, now: datetime) -> str:
        again = format_duration(max(card.due - now, timedelta(0)))
        if question.kind == "open":
            return (f"Noted: **{VERDICTS[option][0]}**. You will see it again in {again}.\n"
                    f"**Reference answer**\n{question.explanation}")
        if correct:
            verdict = f"✅ **Right**: {question.choices[question.correct]}."
        else:
            verdict = (f"❌ **Not quite**: you chose {question.choices[option]}; "
                       f"the answer is {question.choices[question.correct]}.")
        return f"{verdict} You will see it again in {again}.\n{question.explanation}"

    async def _question_post(self, item: PracticeItem, total: int, lead: str) -> Post:
        question = await self.card_question(item.question_id)
        prefix = f"{PREFIX}{item.session_id}:{item.position}:"
        fields = (("Topic", self.bot.bank.topics[question.topic].name),
                  ("Card", "due again" if item.due_card else "new"))
        if question.kind == "open":
            return Post(title=f"Practice {item.position + 1}/{total}: review this question",
                        body=f"{lead}\n\n{question.prompt}\n\n{key_points(question)}", fields=fields,
                        buttons=verdict_buttons(prefix),
                        footer="Answer it in your head first, then compare with the key points.")
        buttons = tuple(Button(f"{prefix}{i}", c) for i, c in enumerate(question.choices))
        return Post(title=f"Practice {item.position + 1}/{total}", body=f"{lead}\n\n{question.prompt}",
                    fields=fields, buttons=buttons, footer=f"Right within {EASY_WITHIN.seconds} s counts as easy.")

    async def _summary(self, session_id: int, feedback: str, ctx: Ctx, now: datetime) -> Post:
        items = await self.bot.store.practice_items(session_id)
        right = sum(1 for i in items if i.correct)
        cards = await self.bot.store.cards_of(ctx.group.id, ctx.member.id)
        due_now = len([q for q, w in cards if w <= now and await self.card_question(q)])
        return Post(title="Practice done", body=f"{feedback}\n\nYou got **{right} of {len(items)}** right.",
                    fields=(("Due now", str(due_now)),),
                    footer="No leaderboard points for practice. See `/practice stats`.")
