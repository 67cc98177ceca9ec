"""The question of the day: pick, post, collect thread answers and votes, close and reveal.

Every step is keyed on a natural key (one post per schedule and local day), so the live scheduler,
the console's /advance and the start-up sweep can all call `run_due(now)` as often as they like.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..store import PostRow, Schedule
from .chat import ChannelRef, MessageRef, Post, ThreadRef, quiet
from .clock import (DAY_NAMES, format_days, format_duration, latest_occurrence, local_date, next_occurrence,
                    occurrences, parse_days, parse_time)
from .commands import UserError

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation

log = logging.getLogger(__name__)

LETTERS = tuple(chr(0x1F1E6 + i) for i in range(6))  # 🇦 🇧 🇨 🇩 🇪 🇫
UPVOTE, ACK = "👍", "✅"
KINDS = ("open", "choice")  # short answers are for quizzes: a thread is no place to fuzzy-match
DEFAULT_CLOSE = timedelta(hours=23)
MAX_CLOSE = timedelta(days=7)
MAX_ANSWER = 4000


def when(instant: datetime, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%a %d %b %H:%M} ({zone.key})"


class Daily:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"qotd setup": self.setup, "qotd status": self.status, "qotd now": self.now,
                       "qotd skip": self.skip, "qotd pause": self.pause, "qotd resume": self.resume}

    # ---- commands ----------------------------------------------------------------------------

    async def setup(self, ctx: Ctx, inv: Invocation) -> None:
        o = inv.options
        bank = self.bot.bank
        topics = o.get("topics", ())
        unknown = [t for t in topics if t not in bank.topics]
        if unknown:
            raise UserError(f"Unknown topic `{quiet(unknown[0])}`. Topics: {', '.join(bank.topics)}.")
        if not bank.select(topics, KINDS):
            raise UserError("Those topics have no open or choice questions to post.")
        close = o.get("close", DEFAULT_CLOSE)
        if close > MAX_CLOSE:
            raise UserError(f"`close:` can be at most {format_duration(MAX_CLOSE)}.")
        zone = o.get("tz") or ZoneInfo(ctx.group.tz)
        days = o.get("days", parse_days("daily"))
        async with self.bot.store.transaction() as store:
            if "tz" in o:
                await store.set_group_tz(ctx.group.id, zone.key)
            schedule = await store.save_schedule(ctx.group.id, ctx.channel.channel, f"{o['time']:%H:%M}", zone.key,
                                                 ",".join(DAY_NAMES[d] for d in sorted(days)), topics,
                                                 int(close.total_seconds()), self.bot.clock.now())
        await ctx.reply(await self.status_post(schedule, "Question of the day is set up ✅"))

    async def status(self, ctx: Ctx, inv: Invocation) -> None:
        await ctx.reply(await self.status_post(await self._schedule(ctx), "Question of the day"))

    async def now(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self._schedule(ctx)
        now = self.bot.clock.now()
        day = local_date(now, ZoneInfo(schedule.tz)).isoformat()
        existing = await self.bot.store.post_on(schedule.id, day)
        if existing and existing.status != "skipped":
            raise UserError(f"Today's question (#{existing.number}) is already up.")
        if existing:
            await self.bot.store.unskip(schedule.id, day)
        row = await self.post_question(schedule, day, now)
        await ctx.reply(Post(body=f"Posted question #{row.number}." if row else "There was nothing to post."),
                        private=True)

    async def skip(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self._schedule(ctx)
        nxt = await self.next_post(schedule, self.bot.clock.now())
        if nxt is None:
            raise UserError("There is no upcoming question to skip.")
        await self.bot.store.skip(schedule.id, nxt[0])
        after = await self.next_post(schedule, nxt[1])
        zone = ZoneInfo(schedule.tz)
        tail = f" The next one comes {when(after[1], zone)}." if after else ""
        await ctx.reply(Post(body=f"Skipped the question due {when(nxt[1], zone)}; streaks are not affected.{tail}"))

    async def pause(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self._schedule(ctx)
        if not await self.bot.store.set_paused(schedule.id, True, self.bot.clock.now()):
            raise UserError("The question of the day is already paused. `/qotd resume` starts it again.")
        await ctx.reply(Post(body="Paused the question of the day. Streaks stay as they are; `/qotd resume` restarts it."))

    async def resume(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self._schedule(ctx)
        if not await self.bot.store.set_paused(schedule.id, False, self.bot.clock.now()):
            raise UserError("The question of the day is not paused.")
        await ctx.reply(await self.status_post(await self.bot.store.schedule(schedule.id), "Resumed ✅"))

    async def _schedule(self, ctx: Ctx) -> Schedule:
        schedule = await self.bot.store.schedule_for(ctx.group.id, ctx.channel.channel)
        if schedule is None:
            raise UserError("No question of the day is set up in this channel. "
                            "An admin can start one with `/qotd setup time:09:00`.")
        return schedule

    async def next_post(self, schedule: Schedule, after: datetime) -> tuple[str, datetime] | None:
        """The next (local day, instant) that will really be posted: not skipped, not already up."""
        start = max(after, schedule.since)
        for day, instant in occurrences(parse_time(schedule.at_time), ZoneInfo(schedule.tz),
                                        parse_days(schedule.days), start, start + timedelta(days=60)):
            if await self.bot.store.post_on(schedule.id, day.isoformat()) is None:
                return day.isoformat(), instant
        return None

    async def status_post(self, schedule: Schedule, title: str) -> Post:
        zone = ZoneInfo(schedule.tz)
        nxt = await self.next_post(schedule, self.bot.clock.now())
        latest = await self.bot.store.latest_post(schedule.id)
        fields = [
            ("Time", f"{schedule.at_time} {zone.key}"),
            ("Days", format_days(parse_days(schedule.days))),
            ("Topics", ", ".join(schedule.topics) or "all"),
            ("Answers open for", format_duration(timedelta(seconds=schedule.close_seconds))),
            ("Next question", "paused — `/qotd resume` restarts it" if schedule.paused
             else when(nxt[1], zone) if nxt else "none scheduled"),
        ]
        if latest:
            fields.append(("Latest", f"#{latest.number} ({latest.status})"))
        return Post(title=title, fields=tuple(fields))

    # ---- due work ----------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> None:
        """Close what is due, then post what is due: the order they fell due in within a day."""
        for row in await self.bot.store.due_closings(now):
            await self.close(row)
        for row in await self.bot.store.unrevealed():
            await self.reveal(row)
        for row in await self.bot.store.pending_posts():  # interrupted mid-post: finish it
            await self._publish(await self.bot.store.schedule(row.schedule_id), row, now)
        for schedule in await self.bot.store.schedules():
            if schedule.paused:
                continue
            latest = latest_occurrence(parse_time(schedule.at_time), ZoneInfo(schedule.tz),
                                       parse_days(schedule.days), now)
            if latest and latest[1] > schedule.since and now - latest[1] <= self.bot.grace:
                if await self.bot.store.post_on(schedule.id, latest[0].isoformat()) is None:
                    await self.post_question(schedule, latest[0].isoformat(), now)

    async def next_due(self, after: datetime) -> datetime | None:
        times = [await self.bot.store.next_closing(after)]
        for schedule in await self.bot.store.schedules():
            if not schedule.paused:
                nxt = next_occurrence(parse_time(schedule.at_time), ZoneInfo(schedule.tz),
                                      parse_days(schedule.days), max(after, schedule.since))
                times.append(nxt and nxt[1])
        return min(filter(None, times), default=None)

    async def pick(self, schedule: Schedule, day: str):
        """A question not yet asked in this cycle; when all are asked, a new cycle begins."""
        candidates = sorted(q.id for q in self.bot.bank.select(schedule.topics, KINDS))
        if not candidates:
            return None, schedule.cycle
        cycle = schedule.cycle
        remaining = [q for q in candidates if q not in await self.bot.store.asked_in_cycle(schedule.id, cycle)]
        if not remaining:
            cycle += 1
            await self.bot.store.start_cycle(schedule.id, cycle)
            remaining = candidates
        return random.Random(f"{schedule.id}:{day}").choice(remaining), cycle

    async def post_question(self, schedule: Schedule, day: str, now: datetime) -> PostRow | None:
        async with self.bot.store.transaction() as store:
            schedule = await store.schedule(schedule.id)
            question_id, cycle = await self.pick(schedule, day)
            if question_id is None:
                log.warning("schedule %s has no questions for topics %s", schedule.id, schedule.topics)
                return None
            row = await store.claim_post(schedule.id, day, question_id, cycle)
        if row.status != "pending":
            return None
        return await self._publish(schedule, row, now)

    async def _channel(self, schedule: Schedule) -> ChannelRef:
        group = await self.bot.store.group_by_id(schedule.group_id)
        return ChannelRef(group.platform, group.external_id, schedule.channel)

    async def _publish(self, schedule: Schedule, row: PostRow, now: datetime) -> PostRow:
        question = self.bot.bank.questions[row.question_id]
        channel = await self._channel(schedule)
        closes_at = now + timedelta(seconds=schedule.close_seconds)
        message = await self.bot.chat.send(channel, self.question_post(row, question, closes_at, ZoneInfo(schedule.tz)))
        await self.bot.store.mark_posted(row.id, message.id, now, closes_at)
        thread = await self.bot.chat.open_thread(message, f"Question #{row.number} — answers")
        await self.bot.store.set_thread(row.id, thread.id)
        if question.kind == "choice":
            for letter in LETTERS[:len(question.choices)]:
                await self.bot.chat.react(message, letter)
        return await self.bot.store.post(row.id)

    def question_post(self, row: PostRow, question, closes_at: datetime, zone: ZoneInfo) -> Post:
        topic = self.bot.bank.topics[question.topic].name
        body = question.prompt
        if question.kind == "choice":
            body += "\n\n" + "\n".join(f"{LETTERS[i]} {c}" for i, c in enumerate(question.choices))
            how = f"React {' '.join(LETTERS[:len(question.choices)])} to answer; your latest choice counts."
        else:
            how = "Answer in the thread: your first reply is your answer. Upvote good answers with 👍."
        return Post(title=f"Question of the day #{row.number}", body=body,
                    fields=(("Topic", topic), ("Difficulty", question.difficulty)),
                    footer=f"{how} Closes {when(closes_at, zone)}.")

    # ---- closing -----------------------------------------------------------------------------

    async def close(self, row: PostRow) -> None:
        """Score the post once: the status flip and the ledger rows share one transaction."""
        question = self.bot.bank.questions[row.question_id]
        points = self.bot.scores.points
        async with self.bot.store.transaction() as store:
            if not await store.mark_closed(row.id):
                return
            schedule = await store.schedule(row.schedule_id)
            group = await store.group_by_id(schedule.group_id)
            source = f"post:{row.id}"
            award = self.bot.scores.award
            if question.kind == "choice":
                picks = await store.choices(row.id)
                answered = set(picks)
                for user_id, option in picks.items():
                    await award(group, user_id, points.answer, "qotd-answer", source, row.posted_at)
                    if option == question.correct:
                        await award(group, user_id, points.correct, "qotd-correct", source, row.posted_at)
                    else:  # what a member missed comes back in their /practice
                        await self.bot.practice.missed(group, user_id, question.id, self.bot.clock.now())
            else:
                answers = await store.answers(row.id)
                answered = {a.user_id for a in answers}
                for a in answers:
                    await award(group, a.user_id, points.answer, "qotd-answer", source, row.posted_at)
                    if a.upvotes:
                        await award(group, a.user_id, min(points.upvote * a.upvotes, points.upvote_cap),
                                    "qotd-upvotes", source, row.posted_at)
                best = best_answer(answers)
                if best:
                    await award(group, best.user_id, points.best, "qotd-best", source, row.posted_at)
            await store.advance_streaks(schedule.id, answered)

    async def reveal(self, row: PostRow) -> None:
        question = self.bot.bank.questions[row.question_id]
        schedule = await self.bot.store.schedule(row.schedule_id)
        store = self.bot.store
        fields: list[tuple[str, str]] = []
        if question.kind == "choice":
            picks = await store.choices(row.id)
            right = [u for u, o in picks.items() if o == question.correct]
            names = await store.member_names(schedule.group_id, right)
            body = f"**Answer:** {LETTERS[question.correct]} {question.choices[question.correct]}\n\n{question.explanation}"
            fields.append(("Answered", str(len(picks))))
            fields.append(("Got it right", ", ".join(quiet(names.get(u, u)) for u in right) or "nobody this time"))
        else:
            answers = await store.answers(row.id)
            points = "\n".join(f"• {p}" for p in question.key_points)
            body = f"**What a strong answer covers**\n{points}\n\n**Reference answer**\n{question.explanation}"
            fields.append(("Answered", str(len(answers))))
            best = best_answer(answers)
            if best:
                name = (await store.member_names(schedule.group_id, [best.user_id])).get(best.user_id, best.user_id)
                excerpt = best.text if len(best.text) <= 200 else best.text[:200].rstrip() + "…"
                fields.append(("Best answer", f"**{quiet(name)}** ({best.upvotes} {UPVOTE}): {quiet(excerpt)}"))
        post = Post(title=f"Question #{row.number} is closed", body=body, fields=tuple(fields),
                    footer="Points are in: see /leaderboard and /streak.")
        channel = await self._channel(schedule)
        if row.thread_id:
            await self.bot.chat.reply(ThreadRef(channel, row.thread_id), post)
        else:
            await self.bot.chat.send(channel, post)
        await store.mark_revealed(row.id)

    # ---- events --------------------------------------------------------------------------------

    async def on_message(self, ctx: Ctx, message: MessageRef, text: str) -> bool:
        """A reply in an open question's thread: the member's first one is their answer."""
        row = message.thread and await self.bot.store.open_post_by_thread(ctx.group.id, message.thread)
        if not row or self.bot.bank.questions[row.question_id].kind != "open":
            return False
        if await self.bot.store.record_answer(row.id, ctx.member.id, message.id, text[:MAX_ANSWER], self.bot.clock.now()):
            await self.bot.chat.react(message, ACK)
        return True

    async def on_edit(self, ctx: Ctx, message: MessageRef, text: str) -> bool:
        row = message.thread and await self.bot.store.open_post_by_thread(ctx.group.id, message.thread)
        if row:
            await self.bot.store.edit_answer(row.id, message.id, text[:MAX_ANSWER])
        return bool(row)

    async def on_delete(self, ctx: Ctx, message: MessageRef) -> bool:
        row = message.thread and await self.bot.store.open_post_by_thread(ctx.group.id, message.thread)
        if row:
            await self.bot.store.withdraw_answer(row.id, message.id)
        return bool(row)

    async def on_reaction(self, ctx: Ctx, message: MessageRef, emoji: str, added: bool) -> bool:
        store = self.bot.store
        if message.thread:  # an upvote on an answer
            row = await store.open_post_by_thread(ctx.group.id, message.thread)
            if row and emoji == UPVOTE:
                author = await store.answer_author(row.id, message.id)
                if author and author != ctx.member.id:
                    await store.set_upvote(row.id, message.id, ctx.member.id, added)
            return bool(row)
        row = await store.open_post_by_message(ctx.group.id, message.id)
        if row is None:
            return False
        question = self.bot.bank.questions[row.question_id]
        if question.kind == "choice" and emoji in LETTERS[:len(question.choices)]:
            await store.set_choice(row.id, ctx.member.id, LETTERS.index(emoji), added)
        return True


def best_answer(answers):
    """Most upvotes, ties to the earliest answer; at least one upvote is needed."""
    best = max(answers, key=lambda a: a.upvotes, default=None)  # max keeps the first of equals
    return best if best and best.upvotes else None
