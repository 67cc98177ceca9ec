"""The question of the day: pick, post, collect thread answers and votes, close and reveal.

Every step is a claim on a natural key (one post per schedule and local day; a close is the one
status flip open -> closed), and every platform effect goes through the outbox in the same commit,
so the live scheduler, the console's /advance and the start-up sweep can all call `run_due(now)` as
often as they like. At each close (and at start for what is open) the thread's replies and the
reactions are read back from the platform and win over the order events happened to arrive in.

A blind schedule collects answers privately (`/answer`, or the question's Answer button) and closes in
two claimed steps: at the close (open -> voting) every answer is posted in the thread at once, answer
points and streaks are scored, and 👍 votes on those posts stay open for VOTE_WINDOW; at the vote close
(voting -> closed) the platform's 👍 are read back, upvotes and the best answer scored, and the reveal
follows as in the open mode.
"""
from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..store import BLIND, PostRow, Schedule, own_id
from .chat import Button, ChannelRef, MessageRef, Post, Reply, ThreadRef, quiet
from .clock import (DAY_NAMES, format_days, format_duration, latest_occurrence, local_date, next_occurrence,
                    occurrences, parse_days, parse_time, summer_time_note)
from .commands import UserError
from .mirror import mirror
from .selfreview import key_points

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation

log = logging.getLogger(__name__)

LETTERS = tuple(chr(0x1F1E6 + i) for i in range(6))  # 🇦 🇧 🇨 🇩 🇪 🇫
UPVOTE, ACK, TALK, LATE = "👍", "✅", "💬", "⏰"
KINDS = ("open", "choice")  # short answers are for quizzes: a thread is no place to fuzzy-match
BLIND_KINDS = ("open",)  # a choice is picked by a reaction everyone sees: blind schedules ask open questions
VOTE_WINDOW = timedelta(hours=12)  # a blind post's answers are upvoted this long after they appear
ANSWER_BUTTON = Button("answer", "Answer", prompt="Your answer")  # a blind question's form: the command /answer
EXCERPT = 300
DEFAULT_CLOSE = timedelta(hours=23)
MIN_CLOSE = timedelta(minutes=1)
MAX_CLOSE = timedelta(days=7)
MAX_ANSWER = 4000
_LETTER_REPLY = re.compile(r"\s*(?:(?:my\s+)?answer\s*(?:is)?\s*[:=-]?\s*)?\(?([a-f])\)?[.!:)]?\s*", re.I)


def when(instant: datetime, zone: ZoneInfo) -> str:
    """A local time members can read; the UTC offset is added when the wall time happens twice."""
    local = instant.astimezone(zone)
    text = f"{local:%a %d %b %H:%M}"
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        offset = local.strftime("%z")
        text += f" UTC{offset[:3]}:{offset[3:]}"
    return f"{text} ({zone.key})"


def counts_as_answer(text: str, minimum: int) -> bool:
    """At least `minimum` characters of real text: punctuation, emoji and extra spaces do not count,
    so "." or "great question!" is discussion, not an answer."""
    real = " ".join("".join(c if c.isalnum() else " " for c in text).split())
    return len(real) >= minimum


@dataclass(frozen=True)
class ReadBack:
    """What the platform shows for a post: the question's reactions, or the thread's replies and
    the 👍 on each member's answer."""

    reactions: dict[str, set[str]]
    replies: list[Reply]
    upvotes: dict[str, set[str]]


class Daily:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"qotd setup": self.setup, "qotd status": self.status, "qotd now": self.now,
                       "qotd skip": self.skip, "qotd pause": self.pause, "qotd resume": self.resume,
                       "answer": self.answer}

    # ---- commands ----------------------------------------------------------------------------

    async def setup(self, ctx: Ctx, inv: Invocation) -> None:
        o = inv.options
        bank, store = self.bot.bank, self.bot.store
        topics = o.get("topics", ())
        unknown = [t for t in topics if t not in bank.topics]
        if unknown:
            raise UserError(f"Unknown topic `{unknown[0]}`. Topics: {', '.join(bank.topics)}.")
        blind = o.get("blind")
        if blind and not bank.select(topics, BLIND_KINDS):
            raise UserError("Blind answers are for open questions, and those topics have none.")
        if not bank.select(topics, KINDS):
            raise UserError("Those topics have no open or choice questions to post.")
        close = o.get("close", DEFAULT_CLOSE)
        if not MIN_CLOSE <= close <= MAX_CLOSE:
            raise UserError(f"`close:` must be from {format_duration(MIN_CLOSE)} to {format_duration(MAX_CLOSE)}; "
                            f"you gave {format_duration(close)}.")
        zone = o.get("tz") or ZoneInfo(ctx.group.tz)
        days = o.get("days", parse_days("daily"))
        if "tz" in o:
            await store.set_group_tz(ctx.group.id, zone.key)
        schedule = await store.save_schedule(ctx.group.id, ctx.channel.channel, f"{o['time']:%H:%M}", zone.key,
                                             ",".join(DAY_NAMES[d] for d in sorted(days)), topics,
                                             int(close.total_seconds()), self.bot.clock.now(), o.get("minimum"), blind)
        title = "Question of the day is set up ✅" + (" — still paused" if schedule.paused else "")
        post = await self.status_post(schedule, title)
        note = summer_time_note(ZoneInfo(schedule.tz))
        await ctx.reply(replace(post, footer=note) if note else post)

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

    async def answer(self, ctx: Ctx, inv: Invocation) -> None:
        """A member's private answer to this channel's open blind question; a new one replaces it until the close."""
        schedule = await self._schedule(ctx)
        row, zone = await self.bot.store.latest_post(schedule.id), ZoneInfo(schedule.tz)
        if row is None or not row.blind or row.status != "open":
            raise UserError(self._no_blind_question(row, zone))
        text = inv.argument
        if not text:
            raise UserError(f"Write your answer after the command (`/answer …`), or press **Answer** on question "
                            f"#{row.number}.")
        if len(text) > MAX_ANSWER:
            raise UserError(f"Your answer is {len(text)} characters long; the limit is {MAX_ANSWER}.")
        if not counts_as_answer(text, schedule.min_answer):
            raise UserError(f"That is too short to count: an answer needs at least {schedule.min_answer} characters "
                            "of real text (punctuation and emoji don't count).")
        replaced = await self.bot.store.put_blind_answer(row.id, ctx.member.id, text, self.bot.clock.now())
        excerpt = text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"
        await ctx.reply(Post(
            title=f"Your answer to question #{row.number} is {'replaced' if replaced else 'in'} 🔒",
            body=quiet(excerpt),
            footer=f"Only you see it until the answers close {when(row.closes_at, zone)}; then all of them appear in "
                   "the thread at once. Send another to replace it."), private=True)

    @staticmethod
    def _no_blind_question(row: PostRow | None, zone: ZoneInfo) -> str:
        if row and row.status == "open":
            return f"Question #{row.number} is answered in its thread, in the open: `/answer` is for blind questions."
        if row and row.status == "voting":
            return (f"Answers to question #{row.number} closed {when(row.closes_at, zone)}. They are in its thread, "
                    f"where 👍 votes stay open until {when(row.votes_close_at, zone)}.")
        return "There is no blind question open in this channel right now."

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
            ("Shortest answer", f"{schedule.min_answer} characters"),
            ("Next question", "paused — `/qotd resume` restarts it" if schedule.paused
             else when(nxt[1], zone) if nxt else "none scheduled"),
        ]
        if schedule.blind:
            fields.append(("Answers", "blind: sent privately (`/answer` or the Answer button), all shown at the "
                                      f"close, then voted on for {format_duration(VOTE_WINDOW)}"))
        if latest:
            fields.append(("Latest", f"#{latest.number} ({latest.status})"))
        return Post(title=title, fields=tuple(fields))

    # ---- due work ----------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> None:
        """Close what is due, then post what is due: the order they fell due in within a day. Only the
        schedules whose stored next instant has come are looked at, so a wake-up costs what is due."""
        for row in await self.bot.store.due_closings(now):
            await self.close(row)
        for row in await self.bot.store.due_vote_closings(now):
            await self.close_votes(row)
        for schedule in await self.bot.store.schedules_due(now):
            latest = latest_occurrence(parse_time(schedule.at_time), ZoneInfo(schedule.tz),
                                       parse_days(schedule.days), now)
            async with self.bot.store.transaction() as store:
                if latest and latest[1] > schedule.since and now - latest[1] <= self.bot.grace:
                    if await store.post_on(schedule.id, latest[0].isoformat()) is None:
                        await self.post_question(schedule, latest[0].isoformat(), now)
                await store.set_next_at(schedule.id, self._next_at(schedule, now))

    def _next_at(self, schedule: Schedule, after: datetime) -> datetime | None:
        nxt = next_occurrence(parse_time(schedule.at_time), ZoneInfo(schedule.tz), parse_days(schedule.days),
                              max(after, schedule.since))
        return nxt and nxt[1]

    async def next_due(self, after: datetime) -> datetime | None:
        """One indexed query, plus the occurrence maths of the few schedules run_due has not caught up with."""
        store = self.bot.store
        times = [await store.next_closing(after), await store.next_vote_closing(after),
                 await store.next_schedule_at(after)]
        times += [self._next_at(schedule, after) for schedule in await store.schedules_due(after)]
        return min(filter(None, times), default=None)

    async def start(self) -> None:
        """Replies and reactions made while the bot was down count: reconcile every open post (and every
        blind one whose votes are open)."""
        for row in await self.bot.store.open_posts():
            readback = await self._read_back(row)
            if readback is not None:
                async with self.bot.store.transaction():
                    if (await self.bot.store.post(row.id)).status == row.status:
                        await self._reconcile(row, readback, acknowledge=True)

    def candidates(self, schedule: Schedule) -> list[str]:
        """The bank's questions a schedule may post, in a stable order."""
        return sorted(q.id for q in self.bot.bank.select(schedule.topics, BLIND_KINDS if schedule.blind else KINDS))

    async def pick(self, schedule: Schedule, day: str):
        """The group's own approved questions first, first approved first; then a bank question not yet
        asked in this cycle (when all are asked, a new cycle begins)."""
        waiting = await self.bot.suggestions.waiting(schedule)
        if schedule.blind:
            waiting = [q for q in waiting if (await self.bot.question(q)).kind in BLIND_KINDS]
        if waiting:
            return waiting[0], schedule.cycle
        candidates = self.candidates(schedule)
        if not candidates:
            return None, schedule.cycle
        asked = await self.bot.store.asked_in_cycle(schedule.id, schedule.cycle)  # one query, whatever the bank's size
        question_id, new_cycle = choose(candidates, asked, f"{schedule.id}:{day}")
        if new_cycle:
            await self.bot.store.start_cycle(schedule.id, schedule.cycle + 1)
        return question_id, schedule.cycle + new_cycle

    async def post_question(self, schedule: Schedule, day: str, now: datetime) -> PostRow | None:
        """Inside a unit of work: claim the day's slot and queue the question, its thread and its
        letter reactions. A day already taken posts nothing."""
        store = self.bot.store
        schedule = await store.schedule(schedule.id)
        question_id, cycle = await self.pick(schedule, day)
        if question_id is None:
            log.warning("schedule %s has no questions for topics %s", schedule.id, schedule.topics)
            return None
        closes_at = now + timedelta(seconds=schedule.close_seconds)
        row = await store.claim_post(schedule.id, day, question_id, cycle, now, closes_at, schedule.blind)
        if row is None:
            return None
        question = await self.bot.question(question_id)
        channel, key = await self._channel(schedule), f"qotd:{row.id}"
        outbox = self.bot.outbox
        await outbox.send(key, channel, self.question_post(row, question, ZoneInfo(schedule.tz)),
                          record=f"post-message:{row.id}")
        await outbox.open_thread(f"{key}:thread", channel, f"@{key}", f"Question #{row.number} — answers",
                                 record=f"post-thread:{row.id}")
        if question.kind == "choice":
            for i, letter in enumerate(LETTERS[:len(question.choices)]):
                await outbox.react(f"{key}:react:{i}", channel, f"@{key}", letter)
        await self.bot.suggestions.posted(schedule, row, now)  # a member's own question pays its author
        return row

    async def _channel(self, schedule: Schedule) -> ChannelRef:
        group = await self.bot.store.group_by_id(schedule.group_id)
        return ChannelRef(group.platform, group.external_id, schedule.channel)

    def question_post(self, row: PostRow, question, zone: ZoneInfo, closed: bool = False) -> Post:
        """The question as posted, as a blind one's votes run (`row` in status voting), or `closed`."""
        topic = self.bot.bank.topics[question.topic].name
        body = question.prompt
        buttons, ends, title = (), row.closes_at, f"Question of the day #{row.number}"
        if question.kind == "choice":
            body += "\n\n" + "\n".join(f"{LETTERS[i]} {c}" for i, c in enumerate(question.choices))
            how = f"React {' '.join(LETTERS[:len(question.choices)])} to answer; your latest choice counts."
        elif row.blind:
            how = (f"Blind question: answer privately with **Answer** or `/answer your text` (a new one replaces it). "
                   f"All answers appear in the thread at the close, then 👍 votes stay open for "
                   f"{format_duration(VOTE_WINDOW)}.")
            buttons = (ANSWER_BUTTON,)
        else:
            how = "Answer in the thread: your first real reply is your answer. Upvote good answers with 👍."
        if closed:
            ends = row.votes_close_at or row.closes_at
            title, buttons, footer = title + " (closed)", (), f"Closed {when(ends, zone)}: the answer is in the thread."
        elif row.status == "voting":
            ends = row.votes_close_at
            title, buttons = title + " (voting)", ()
            footer = (f"Answers closed {when(row.closes_at, zone)}: they are all in the thread. Upvote the best with "
                      f"👍 until {when(ends, zone)}.")
        else:
            footer = f"{how} Closes {when(ends, zone)}."
        credit = (("From", question.source),) if own_id(question.id) is not None else ()  # "suggested by …"
        return Post(title=title, body=body, fields=(("Topic", topic), ("Difficulty", question.difficulty), *credit),
                    buttons=buttons, footer=footer, closes_at=None if closed else ends)

    # ---- closing -----------------------------------------------------------------------------

    async def _read_back(self, row: PostRow) -> ReadBack | None:
        """Read the post's state off the platform (outside any transaction); None if it cannot be read."""
        question = await self.bot.question(row.question_id)
        channel = await self._channel(await self.bot.store.schedule(row.schedule_id))
        try:
            if row.blind:  # the answers the bot has posted in the thread, and their 👍
                upvotes = {}
                for answer in await self.bot.store.answers(row.id):
                    if not answer.message_id.startswith(BLIND):
                        got = await self.bot.chat.reactions(MessageRef(channel, answer.message_id, row.thread_id))
                        upvotes[answer.message_id] = got.get(UPVOTE, set())
                return ReadBack({}, [], upvotes)
            if question.kind == "choice":
                if not row.message_id:
                    return None
                return ReadBack(await self.bot.chat.reactions(MessageRef(channel, row.message_id)), [], {})
            if not row.thread_id:
                return None
            replies = await self.bot.chat.replies(ThreadRef(channel, row.thread_id))
            schedule = await self.bot.store.schedule(row.schedule_id)
            upvotes = {}
            for reply in _answers_among(replies, schedule.min_answer):
                got = await self.bot.chat.reactions(reply.message)
                upvotes[reply.message.id] = got.get(UPVOTE, set())
            return ReadBack({}, replies, upvotes)
        except Exception:
            log.warning("could not read post %s back from the platform; its stored state stands", row.id, exc_info=True)
            return None

    async def _reconcile(self, row: PostRow, seen: ReadBack, acknowledge: bool = False) -> None:
        """Inside a unit of work: make the stored replies, upvotes and choices match the platform."""
        store = self.bot.store
        question = await self.bot.question(row.question_id)
        schedule = await store.schedule(row.schedule_id)
        if question.kind == "choice":
            await mirror(seen.reactions, LETTERS[:len(question.choices)], await store.choice_reactions(row.id),
                         partial(store.set_choice, row.id))
            return
        if row.blind:  # no member writes in the answers' stead: only the 👍 on the bot's posts of them
            authors = {a.message_id: a.user_id for a in await store.answers(row.id)}
            await self._mirror_upvotes(row, seen.upvotes, authors)
            return
        standing = {r.message.id for r in seen.replies}
        for stored in await store.replies(row.id):
            if not stored.deleted and stored.message_id not in standing:
                await store.delete_reply(row.id, stored.message_id)
        for reply in seen.replies:
            await store.remember_member(schedule.group_id, reply.member.id, reply.member.name)
            await store.sync_reply(row.id, reply.message.id, reply.member.id, reply.text[:MAX_ANSWER], reply.at,
                                   counts_as_answer(reply.text, schedule.min_answer))
        await self._mirror_upvotes(row, seen.upvotes, {r.message.id: r.member.id for r in seen.replies})
        if acknowledge:
            channel = await self._channel(schedule)
            for answer in await store.answers(row.id):
                await self._ack(channel, row, answer.message_id)

    async def _mirror_upvotes(self, row: PostRow, seen: dict[str, set[str]], authors: dict[str, str]) -> None:
        """The stored 👍 on each answer become the platform's, never its author's own."""
        store = self.bot.store
        for message_id, voters in seen.items():
            want, have = voters - {authors.get(message_id)}, await store.upvoters(row.id, message_id)
            for voter in want - have:
                await store.set_upvote(row.id, message_id, voter, True)
            for voter in have - want:
                await store.set_upvote(row.id, message_id, voter, False)

    async def close(self, row: PostRow) -> None:
        """Read the platform back, then in one unit of work: claim the close, reconcile, score, and
        queue the reveal in the thread, the summary in the channel and the closed question. A blind post
        with answers goes to its vote instead: they are all posted, and the reveal waits for the votes."""
        seen = None if row.blind else await self._read_back(row)
        async with self.bot.store.transaction() as store:
            if row.blind and await store.answers(row.id):
                if await store.mark_voting(row.id, self.bot.clock.now() + VOTE_WINDOW):
                    await self._score_answers(row)
                    await self._queue_answers(await store.post(row.id))
                return
            if not await store.mark_closed(row.id):
                return  # another wake-up closed it
            if seen is not None:
                await self._reconcile(row, seen)
            await self._score(row)
            await self._queue_reveal(row)

    async def close_votes(self, row: PostRow) -> None:
        """A blind post's vote close, claimed like a close: the 👍 on its answers read back and scored, then
        the reveal."""
        seen = await self._read_back(row)
        async with self.bot.store.transaction() as store:
            if not await store.mark_closed(row.id, was="voting"):
                return
            if seen is not None:
                await self._reconcile(row, seen)
            await self._score_votes(row)
            await self._queue_reveal(row)

    async def _queue_answers(self, row: PostRow) -> None:
        """Every blind answer in the thread at once, one reply each naming its author, with a 👍 to start
        the vote; the question says the votes are open. Each reply records its message id on its answer."""
        store, outbox = self.bot.store, self.bot.outbox
        schedule = await store.schedule(row.schedule_id)
        zone, channel, key = ZoneInfo(schedule.tz), await self._channel(schedule), f"qotd:{row.id}"
        thread = row.thread_id or f"@{key}:thread"
        answers = await store.answers(row.id)
        names = await store.member_names(schedule.group_id, [a.user_id for a in answers])
        await outbox.reply(f"{key}:answers", channel, thread, Post(
            title=f"Question #{row.number}: {len(answers)} answer{'s' * (len(answers) != 1)}",
            body=f"Hidden until now, in the order they came. Upvote the best with {UPVOTE} until "
                 f"{when(row.votes_close_at, zone)}: upvotes and the best answer are scored then "
                 f"(a {UPVOTE} on your own answer does not count).", closes_at=row.votes_close_at))
        for answer in answers:
            answer_key = f"{key}:answer:{answer.user_id}"
            name = names.get(answer.user_id, answer.user_id)
            await outbox.reply(answer_key, channel, thread,
                               Post(title=f"Answer by {quiet(name)}", body=quiet(answer.text)),
                               record=f"blind-answer:{row.id}:{answer.user_id}")
            await outbox.react(f"{answer_key}:vote", channel, f"@{answer_key}", UPVOTE, thread=thread)
        question = await self.bot.question(row.question_id)
        voting = self.question_post(row, question, zone)
        await outbox.edit(f"{key}:voting", channel, row.message_id or f"@{key}", voting)

    async def _score(self, row: PostRow) -> None:
        await self._score_answers(row)
        await self._score_votes(row)

    async def _score_answers(self, row: PostRow) -> None:
        """Points for answering (and for a right choice), and the streaks: at the close."""
        store, question, points = self.bot.store, await self.bot.question(row.question_id), self.bot.scores.points
        schedule = await store.schedule(row.schedule_id)
        group = await store.group_by_id(schedule.group_id)
        source, award = f"post:{row.id}", partial(self.bot.scores.award, topic=question.topic)
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
        await self.bot.scores.close_streaks(row, await self._channel(schedule), answered)

    async def _score_votes(self, row: PostRow) -> None:
        """Upvote points and the best answer of an open question: at the close, or a blind one's vote close."""
        store, question, points = self.bot.store, await self.bot.question(row.question_id), self.bot.scores.points
        if question.kind != "open":
            return
        group = await store.group_by_id((await store.schedule(row.schedule_id)).group_id)
        source, award = f"post:{row.id}", partial(self.bot.scores.award, topic=question.topic)
        answers = await store.answers(row.id)
        for a in answers:
            if a.upvotes:
                await award(group, a.user_id, min(points.upvote * a.upvotes, points.upvote_cap), "qotd-upvotes",
                            source, row.posted_at)
        best = best_answer(answers)
        if best:
            await award(group, best.user_id, points.best, "qotd-best", source, row.posted_at)

    async def _queue_reveal(self, row: PostRow) -> None:
        store = self.bot.store
        question = await self.bot.question(row.question_id)
        schedule = await store.schedule(row.schedule_id)
        fields: list[tuple[str, str]] = []
        if question.kind == "choice":
            picks = await store.choices(row.id)
            right = [u for u, o in picks.items() if o == question.correct]
            names = await store.member_names(schedule.group_id, right)
            answer = f"{LETTERS[question.correct]} {question.choices[question.correct]}"
            body = f"**Answer:** {answer}\n\n{question.explanation}"
            fields.append(("Answered", str(len(picks))))
            fields.append(("Got it right", ", ".join(quiet(names.get(u, u)) for u in right) or "nobody this time"))
            who = picks
        else:
            answers = await store.answers(row.id)
            answer = "see the key points in the thread"
            body = f"{key_points(question)}\n\n**Reference answer**\n{question.explanation}"
            fields.append(("Answered", str(len(answers))))
            best = best_answer(answers)
            if best:
                name = (await store.member_names(schedule.group_id, [best.user_id])).get(best.user_id, best.user_id)
                excerpt = best.text if len(best.text) <= 200 else best.text[:200].rstrip() + "…"
                fields.append(("Best answer", f"**{quiet(name)}** ({best.upvotes} {UPVOTE}): {quiet(excerpt)}"))
            who = [a.user_id for a in answers]
        channel, key = await self._channel(schedule), f"qotd:{row.id}"
        outbox = self.bot.outbox
        thread = row.thread_id or f"@{key}:thread"
        await outbox.reply(f"{key}:reveal", channel, thread, Post(
            title=f"Question #{row.number} is closed", body=body, fields=tuple(fields),
            footer="Points are in: see /leaderboard and /streak."))
        if question.kind == "open":  # no automatic grading: each member judges their own answer, privately
            await self.bot.self_review.offer(row, question, channel, answers)
        names = await store.member_names(schedule.group_id, who)
        answered = ", ".join(sorted(quiet(names.get(u, u)) for u in who)) or "nobody this time"
        summary = [f"**Answer:** {answer}" if question.kind == "choice" else "", *(f"**{n}:** {v}" for n, v in fields[1:])]
        root = MessageRef(channel, row.message_id) if row.message_id else None
        await outbox.send(f"{key}:summary", channel, Post(
            title=f"Question #{row.number} closed", body="\n".join(s for s in summary if s),
            fields=(("Answered by", answered),), link=root,
            footer="The reference answer and the discussion are in the question's thread."))
        question_message = row.message_id or f"@{key}"
        closed = self.question_post(row, question, ZoneInfo(schedule.tz), closed=True)
        await outbox.edit(f"{key}:closed", channel, question_message, closed)

    # ---- events --------------------------------------------------------------------------------

    async def _ack(self, channel: ChannelRef, row: PostRow, message_id: str) -> None:
        await self.bot.outbox.react(f"ack:{row.id}:{message_id}", channel, message_id, ACK, thread=row.thread_id)

    async def _thread_post(self, ctx: Ctx, message: MessageRef) -> PostRow | None:
        return await self.bot.store.post_by_thread(ctx.group.id, message.thread) if message.thread else None

    async def on_message(self, ctx: Ctx, message: MessageRef, text: str) -> bool:
        """A reply in a question's thread. The member's first real reply is their answer (✅);
        shorter ones are discussion (💬); replies after the close are marked late (⏰). In a blind
        question's thread everything is discussion: its answers are sent privately."""
        row = await self._thread_post(ctx, message)
        if row is None:
            return False
        store, outbox = self.bot.store, self.bot.outbox
        if row.blind:
            if row.status == "open":
                await outbox.whisper(f"blind-hint:{row.id}:{ctx.member.id}", ctx.channel, ctx.member.id, Post(
                    body=f"Question #{row.number} is blind: answers stay hidden until it closes. Send yours with "
                         "`/answer …` or its **Answer** button; messages in the thread are discussion and do not "
                         "count."))
            return True
        schedule = await store.schedule(row.schedule_id)
        question = await self.bot.question(row.question_id)
        if row.status != "open":
            await self._late(ctx, row, schedule, message)
            return True
        if question.kind == "choice":
            letter = _LETTER_REPLY.fullmatch(text)
            if letter:
                await outbox.whisper(f"hint:{row.id}:{ctx.member.id}", ctx.channel, ctx.member.id, Post(
                    body=f"Choices are picked by reacting to question #{row.number} itself with "
                         f"{' '.join(LETTERS[:len(question.choices)])}; a letter typed in the thread does not count."))
            return True
        counts = counts_as_answer(text, schedule.min_answer)
        if not await store.add_reply(row.id, message.id, ctx.member.id, text[:MAX_ANSWER], self.bot.clock.now(), counts):
            return True  # a re-delivery
        mine = await store.answers(row.id, ctx.member.id)
        if mine and mine[0].message_id == message.id:
            await self._ack(ctx.channel, row, message.id)
        elif not counts:
            await outbox.react(f"talk:{row.id}:{message.id}", ctx.channel, message.id, TALK, thread=message.thread)
        return True

    async def _late(self, ctx: Ctx, row: PostRow, schedule: Schedule, message: MessageRef) -> None:
        if row.status != "closed":
            return
        outbox, zone = self.bot.outbox, ZoneInfo(schedule.tz)
        await outbox.react(f"late:{row.id}:{message.id}", ctx.channel, message.id, LATE, thread=message.thread)
        nxt = None if schedule.paused else await self.next_post(schedule, self.bot.clock.now())
        coming = f" The next one comes {when(nxt[1], zone)}." if nxt else ""
        await outbox.whisper(f"late:{row.id}:{ctx.member.id}", ctx.channel, ctx.member.id, Post(
            body=f"Question #{row.number} closed {when(row.closes_at, zone)}, so replies no longer count.{coming}"))

    async def on_edit(self, ctx: Ctx, message: MessageRef, text: str) -> bool:
        row = await self._thread_post(ctx, message)
        if row is None or row.status != "open" or row.blind:  # a blind question's thread holds no member's answer
            return row is not None
        schedule = await self.bot.store.schedule(row.schedule_id)
        if await self.bot.store.edit_reply(row.id, message.id, text[:MAX_ANSWER], counts_as_answer(text, schedule.min_answer)):
            mine = await self.bot.store.answers(row.id, ctx.member.id)
            if mine and mine[0].message_id == message.id:
                await self._ack(ctx.channel, row, message.id)
        return True

    async def on_delete(self, ctx: Ctx, message: MessageRef) -> bool:
        row = await self._thread_post(ctx, message)
        if row is None or row.status != "open" or row.blind:  # a blind question's thread holds no member's answer
            return row is not None
        store = self.bot.store
        gone = await store.reply(row.id, message.id)
        if gone and await store.delete_reply(row.id, message.id):
            mine = await store.answers(row.id, gone.user_id)
            if mine:  # the member's next real reply is now their answer
                await self._ack(ctx.channel, row, mine[0].message_id)
        return True

    async def on_reaction(self, ctx: Ctx, message: MessageRef, emoji: str, added: bool) -> bool:
        store = self.bot.store
        if message.thread:  # an upvote on a reply
            row = await self._thread_post(ctx, message)
            if row and row.status == ("voting" if row.blind else "open") and emoji == UPVOTE:
                reply = await store.reply(row.id, message.id)
                if reply and reply.user_id != ctx.member.id:
                    await store.set_upvote(row.id, message.id, ctx.member.id, added)
            return row is not None
        row = await store.open_post_by_message(ctx.group.id, message.id)
        if row is None:
            return False
        question = await self.bot.question(row.question_id)
        if question.kind == "choice" and emoji in LETTERS[:len(question.choices)]:
            await store.set_choice(row.id, ctx.member.id, LETTERS.index(emoji), added)
        return True


def choose(candidates: list[str], asked, seed: str) -> tuple[str, bool]:
    """The bank question for a day: a random one of those not asked in this cycle, or, when every one
    was asked, of all of them (True: a new cycle begins). The day's seed makes it the same on every
    wake-up, and lets the weekly digest foresee the coming week's topics."""
    remaining = [q for q in candidates if q not in asked]
    return random.Random(seed).choice(remaining or candidates), not remaining


def _answers_among(replies: list[Reply], minimum: int) -> list[Reply]:
    """Each member's earliest reply that counts: the messages whose 👍 can score."""
    seen, found = set(), []
    for reply in sorted(replies, key=lambda r: r.at):
        if reply.member.id not in seen and counts_as_answer(reply.text, minimum):
            seen.add(reply.member.id)
            found.append(reply)
    return found


def best_answer(answers):
    """Most upvotes, ties to the earliest answer; at least one upvote is needed."""
    best = max(answers, key=lambda a: a.upvotes, default=None)  # max keeps the first of equals
    return best if best and best.upvotes else None
