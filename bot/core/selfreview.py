"""Self-review after the reveal. Open questions have key points but no automatic grading, so at the
reveal each member who answered gets the key points privately with three buttons, and judges their
own answer. That judgement is a spaced-repetition review of the question in their `/practice` deck:
missed comes back soon, covered much later. It earns no points, so there is nothing to game.

The same three buttons come back in `/practice` when the card is due: the question and its key
points are shown again and the member says how well they would answer now (see practice.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from fsrs import Rating

from ..store import Answer, PostRow
from .chat import Button, ButtonPressed, ChannelRef, Post, button_ids, quiet
from .clock import format_duration
from .commands import UserError

if TYPE_CHECKING:
    from .app import Ctx, StudyBot

PREFIX = "selfreview:"
# What a member may say, and the review it is. On a new card fsrs makes Again due in a minute, Hard in
# a few minutes and Easy in days; Good would be ten minutes, not "much later", so covered is Easy.
VERDICTS = (("Covered it", Rating.Easy), ("Partly", Rating.Hard), ("Missed it", Rating.Again))
COVERED = 0
EXCERPT = 300


def verdict_buttons(prefix: str) -> tuple[Button, ...]:
    """The three buttons; each id is `prefix` plus the verdict's number."""
    return tuple(Button(f"{prefix}{i}", label) for i, (label, _) in enumerate(VERDICTS))


def key_points(question) -> str:
    return "**What a strong answer covers**\n" + "\n".join(f"• {p}" for p in question.key_points)


class SelfReview:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {}

    async def offer(self, row: PostRow, question, channel: ChannelRef, answers: list[Answer]) -> None:
        """Inside the close's unit of work: every member who answered an open question is asked, privately."""
        for answer in answers:
            text = " ".join(answer.text.split())
            excerpt = text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"
            await self.bot.outbox.whisper(f"qotd:{row.id}:self-review:{answer.user_id}", channel, answer.user_id, Post(
                title=f"Question #{row.number}: how did your answer do?",
                body=f"{question.prompt}\n\n{key_points(question)}\n\n**Your answer**\n{quiet(excerpt)}",
                buttons=verdict_buttons(f"{PREFIX}{row.id}:"),
                footer="Your choice puts this question in your /practice: missed comes back soon, covered much "
                       "later. Only you see it, and it earns no points."))

    async def on_button(self, ctx: Ctx, event: ButtonPressed) -> bool:
        ids = button_ids(event.button, PREFIX)
        if ids is None or len(ids) != 2:
            return False
        post_id, choice = ids
        store = self.bot.store
        row = await store.group_post(ctx.group.id, post_id)
        if row is None or row.status != "closed" or not 0 <= choice < len(VERDICTS):
            raise UserError("That is not a question you can review here.")
        if not await store.answers(row.id, ctx.member.id):
            raise UserError(f"Only members who answered question #{row.number} review their answer to it.")
        now = self.bot.clock.now()
        if not await store.record_self_review(row.id, ctx.member.id, choice, now):
            earlier = VERDICTS[await store.self_review(row.id, ctx.member.id)][0]
            raise UserError(f"You already said **{earlier}** for question #{row.number}; your first choice counts.")
        label, rating = VERDICTS[choice]
        card = await self.bot.practice.review(ctx.group.id, ctx.member.id, row.question_id, rating, now)
        await ctx.reply(Post(body=f"Noted: **{label}**. Question #{row.number} comes back in your `/practice` "
                                  f"in {format_duration(card.due - now)}."), private=True)
        return True
