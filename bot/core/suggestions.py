"""The group's own questions: members suggest, admins review one at a time, approved ones go first.

`/suggest` holds a question to the bank's own rules (the content models of bot/content.py, a known
topic, no repeated prompt) and queues it; `/qotd review` shows admins the oldest waiting suggestion
privately with Approve / Reject buttons (a `reason:` given with it goes privately to the author on
Reject); `/qotd add` stores an admin's question approved at once. Approved questions belong to their
group alone, are called `own:<id>`, and are asked before the bundled bank's (see Daily.pick); the
author of a suggestion earns points when it is posted. Their text is members' text: it leaves quieted.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..content import ChoiceQuestion, OpenQuestion, check_one
from ..content_csv import split_items
from ..store import OwnQuestion, PostRow, Schedule, own_id
from .chat import Button, ButtonPressed, ChannelRef, Post, button_ids, quiet
from .commands import UserError

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation

PREFIX = "suggestion:"
APPROVE, REJECT = 1, 0
LETTERS = "ABCDEF"
MODELS = {"choice": ChoiceQuestion, "open": OpenQuestion}
# where a member typed each field of the content model, for problems they can act on
OPTION_OF = {"prompt": "prompt", "choices": "choices", "answer": "answer", "key_points": "answer", "topic": "topic",
             "difficulty": "difficulty", "explanation": "explanation"}
HINTS = {"key_points": "give 3 to 6 key points separated by |", "choices": "give 2 to 6 options separated by |"}


def loaded(own: OwnQuestion) -> ChoiceQuestion | OpenQuestion:
    """A stored question as the content model, named `own:<id>`, its member-written text quieted.
    It was validated when it came in; it is not validated again, so a later rule never breaks a
    question that is already up."""
    text = {k: ([quiet(v) for v in value] if isinstance(value, list) else quiet(value) if isinstance(value, str)
                else value) for k, value in own.data.items() if k not in ("kind", "topic", "difficulty")}
    return MODELS[own.data["kind"]].model_construct(**{**own.data, **text, "id": own.question_id})


class Suggestions:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"suggest": self.suggest, "qotd review": self.review, "qotd add": self.add}

    # ---- what the rest of the bot asks -------------------------------------------------------------

    async def question(self, question_id: str):
        """One of a group's own questions by its id (`own:12`), or None."""
        own = own_id(question_id)
        found = await self.bot.store.own_question(own) if own is not None else None
        return loaded(found) if found else None

    async def waiting(self, schedule: Schedule) -> list[str]:
        """The group's approved questions not yet asked that fit this schedule's topics, first approved first."""
        return [q for q, topic in await self.bot.store.waiting_questions(schedule.group_id)
                if not schedule.topics or topic in schedule.topics]

    async def posted(self, schedule: Schedule, row: PostRow, at) -> None:
        """Inside the unit of work that posts a question: a suggestion's author earns their points, once."""
        own = own_id(row.question_id)
        found = await self.bot.store.own_question(own) if own is not None else None
        if found is None or not found.suggested:
            return
        group = await self.bot.store.group_by_id(schedule.group_id)
        points = self.bot.scores.points.suggestion
        if await self.bot.scores.award(group, found.author, points, "suggestion", found.question_id, at):
            await self.bot.outbox.whisper(f"{found.question_id}:posted", self._channel(group, found.channel),
                                          found.author, Post(
                title="Your question is up 🎉",
                body=f"The question you suggested is question #{row.number} of the day: **+{points} points**."))

    # ---- commands ------------------------------------------------------------------------------------

    async def suggest(self, ctx: Ctx, inv: Invocation) -> None:
        own = await self._store(ctx, inv, suggested=True)
        await ctx.reply(Post(title="Thanks for the question!",
                             body=f"Suggestion #{own} is waiting for an admin's review. Once it is approved it is "
                                  f"asked before the bank's questions, and you earn "
                                  f"**{self.bot.scores.points.suggestion} points** when it is posted."), private=True)

    async def add(self, ctx: Ctx, inv: Invocation) -> None:
        await self._store(ctx, inv, suggested=False)
        await ctx.reply(Post(body="Added to this group's own questions: it is asked before the bank's, in a "
                                  "question of the day whose topics include it."), private=True)

    async def review(self, ctx: Ctx, inv: Invocation) -> None:
        own, waiting = await self.bot.store.next_suggestion(ctx.group.id)
        if own is None:
            await ctx.reply(Post(body="No suggestions are waiting for review."), private=True)
            return
        reason = inv.options.get("reason")
        await self.bot.store.draft_reason(own.id, reason)
        await ctx.reply(await self._review_post(own, waiting, reason), private=True)

    async def _store(self, ctx: Ctx, inv: Invocation, suggested: bool) -> int:
        o = inv.options
        topic = o.get("topic") or await self._default_topic(ctx)
        by = f"{'suggested' if suggested else 'added'} by {ctx.member.name}"
        raw = {"id": "suggestion", "topic": topic, "difficulty": o.get("difficulty", "medium"), "prompt": o["prompt"],
               "explanation": o.get("explanation") or (f"The key points above, {by}." if "choices" not in o
                                                       else f"A question {by}."),
               "source": by}
        if "choices" in o:
            choices = split_items(o["choices"])
            answer = o["answer"].strip()
            if answer.upper() in LETTERS[:len(choices)] and answer not in choices:
                answer = LETTERS.index(answer.upper())  # "B" names the second choice
            raw |= {"kind": "choice", "choices": choices, "answer": answer}
        else:
            raw |= {"kind": "open", "key_points": split_items(o["answer"])}
        question, problems = check_one(raw, self.bot.bank, await self.bot.store.own_prompts(ctx.group.id))
        if problems:
            said = "; ".join(f"`{OPTION_OF.get(p.field, p.field)}:` {p.message}"
                             + (f" ({HINTS[p.field]})" if p.field in HINTS else "") for p in problems)
            raise UserError(f"That question cannot be taken yet: {said}.")
        data = question.model_dump(mode="json", exclude={"id"})
        return await self.bot.store.add_own_question(ctx.group.id, ctx.channel.channel, ctx.member.id, data,
                                                     suggested, self.bot.clock.now())

    async def _default_topic(self, ctx: Ctx) -> str:
        """Without `topic:`, the topic of this channel's question of the day, if it has exactly one."""
        schedule = await self.bot.store.schedule_for(ctx.group.id, ctx.channel.channel)
        if schedule and len(schedule.topics) == 1:
            return schedule.topics[0]
        raise UserError(f"Say which topic it belongs to with `topic:`. Topics: {', '.join(self.bot.bank.topics)}.")

    async def _review_post(self, own: OwnQuestion, waiting: int, reason: str | None, lead: str = "") -> Post:
        question = loaded(own)
        author = (await self.bot.store.member_names(own.group_id, [own.author])).get(own.author, own.author)
        if question.kind == "choice":
            shown = "\n".join(f"{LETTERS[i]}. {c}" + (" ✅" if i == question.correct else "")
                              for i, c in enumerate(question.choices))
        else:
            shown = "**Key points**\n" + "\n".join(f"• {p}" for p in question.key_points)
        topic = self.bot.bank.topics[question.topic].name
        footer = (f"Reject sends {quiet(author)} your reason privately: {quiet(reason)}" if reason else
                  "To tell the author why on Reject: /qotd review reason:\"…\"")
        return Post(title=f"Suggestion #{own.id}" + (f" (1 of {waiting} waiting)" if waiting > 1 else ""),
                    body="\n\n".join(p for p in (lead, question.prompt, shown, question.explanation) if p),
                    fields=(("From", quiet(author)), ("Topic", topic), ("Difficulty", question.difficulty)),
                    buttons=(Button(f"{PREFIX}{own.id}:{APPROVE}", "Approve"),
                             Button(f"{PREFIX}{own.id}:{REJECT}", "Reject")), footer=footer)

    # ---- the review buttons ----------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, event: ButtonPressed) -> bool:
        ids = button_ids(event.button, PREFIX)
        if ids is None or len(ids) != 2:
            return False
        if not ctx.member.is_admin:
            raise UserError("Only admins can review suggestions.")
        own = await self.bot.store.own_question(ids[0])
        if own is None or own.group_id != ctx.group.id:
            raise UserError("That suggestion does not exist here.")
        approved = ids[1] == APPROVE
        if not await self.bot.store.decide_suggestion(own.id, approved, ctx.member.id, self.bot.clock.now()):
            raise UserError(f"Suggestion #{own.id} was already {own.status}.")
        channel = self._channel(ctx.group, own.channel)
        prompt = loaded(own).prompt
        excerpt = prompt if len(prompt) <= 120 else prompt[:120].rstrip() + "…"
        if approved:
            note = Post(title="Your question was approved ✅", body=f"“{excerpt}” will be asked before the bank's "
                        f"questions; you earn {self.bot.scores.points.suggestion} points when it is posted.")
        else:
            why = f"\n**Why:** {quiet(own.reason)}" if own.reason else ""
            note = Post(title="Your suggested question was not taken",
                        body=f"“{excerpt}”{why}\nThank you for suggesting it: another one is always welcome.")
        await self.bot.outbox.whisper(f"{own.question_id}:decided", channel, own.author, note)
        done = f"{'✅ Approved' if approved else '❌ Rejected'} suggestion #{own.id}."
        nxt, waiting = await self.bot.store.next_suggestion(ctx.group.id)
        if nxt is None:
            await ctx.reply(Post(body=f"{done} No more suggestions are waiting."), private=True)
        else:
            await self.bot.store.draft_reason(nxt.id, None)
            await ctx.reply(await self._review_post(nxt, waiting, None, lead=f"{done} Next:"), private=True)
        return True

    @staticmethod
    def _channel(group, channel: str) -> ChannelRef:
        return ChannelRef(group.platform, group.external_id, channel)
