"""Reaction polls: post a question with numbered options, count the reactions, close and report.

The store mirrors each member's reactions on the poll message, each with a sequence number. A
single-choice vote is the member's latest standing reaction (the bot removes the older ones where
the platform allows it); a multi-choice poll counts each option once per member. Because the
store is a mirror, a start-up reconcile with the platform's reactions makes it right again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..store import PollRow
from .chat import ChannelRef, MessageRef, Post, quiet
from .clock import format_duration
from .commands import UserError
from .daily import when
from .mirror import mirror

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation

log = logging.getLogger(__name__)

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
MIN_OPTIONS, MAX_OPTIONS = 2, len(KEYCAPS)
MAX_OPTION = 75
DEFAULT_DURATION = timedelta(hours=24)
MAX_DURATION = timedelta(days=30)
BAR = 10  # blocks in a full results bar


# ---- the rules, pure --------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    question: str
    options: tuple[str, ...]
    duration: timedelta
    multi: bool


def spec(question: str, options: str, duration: timedelta = DEFAULT_DURATION, multi: bool = False) -> Spec:
    """Validate a poll before anything is posted; each refusal says what would be accepted."""
    question = " ".join(question.split())
    if not question:
        raise UserError('The question is empty. Write it like `question:"Which topic next week?"`.')
    choices = tuple(" ".join(o.split()) for o in options.split("|"))
    if len(choices) < MIN_OPTIONS or len(choices) > MAX_OPTIONS:
        raise UserError(f"A poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options separated by `|`, "
                        f'like `options:"Trees | SVMs | Transformers"`; you gave {len(choices)}.')
    for n, choice in enumerate(choices, 1):
        if not choice:
            raise UserError(f"Option {n} is empty: put text between every pair of `|`.")
        if len(choice) > MAX_OPTION:
            raise UserError(f"Option {n} is {len(choice)} characters long; an option can have at most {MAX_OPTION}.")
    seen: dict[str, int] = {}
    for n, choice in enumerate(choices, 1):
        first = seen.setdefault(choice.casefold(), n)
        if first != n:
            raise UserError(f"Options {first} and {n} are the same (`{quiet(choice)}`): every option must differ.")
    if duration > MAX_DURATION:
        raise UserError(f"`duration:` can be at most {format_duration(MAX_DURATION)}; "
                        f"you gave {format_duration(duration)}.")
    return Spec(question, choices, duration, multi)


@dataclass(frozen=True)
class Tally:
    counts: tuple[int, ...]
    voters: int

    def leaders(self) -> list[int]:
        """Indexes of the option(s) with the most votes; none while nobody has voted."""
        top = max(self.counts, default=0)
        return [i for i, c in enumerate(self.counts) if c == top] if top else []


def tally(reactions: list[tuple[str, int]], n_options: int, multi: bool) -> Tally:
    """Count standing reactions (member, option), oldest first. Single choice: a member's latest
    reaction is their vote. Multi choice: every option they reacted with, once each."""
    picked: dict[str, set[int]] = {}
    for member, option in reactions:
        if 0 <= option < n_options:
            picked[member] = (picked.get(member, set()) | {option}) if multi else {option}
    counts = [0] * n_options
    for options in picked.values():
        for option in options:
            counts[option] += 1
    return Tally(tuple(counts), len(picked))


def bar(count: int, voters: int) -> str:
    full = round(BAR * count / voters) if voters else 0
    return "█" * full + "░" * (BAR - full)


def percent(count: int, voters: int) -> int:
    return round(100 * count / voters) if voters else 0


def votes(n: int) -> str:
    return f"{n} vote" if n == 1 else f"{n} votes"


def results_post(poll: PollRow, result: Tally, zone: ZoneInfo) -> Post:
    """Bars, counts and percentages of voters, the number of voters and the winner or the tie."""
    final = poll.status == "closed"
    lines = [f"**{quiet(poll.question)}**", ""]
    for i, option in enumerate(poll.options):
        count = result.counts[i]
        lines.append(f"{KEYCAPS[i]} {bar(count, result.voters)} {percent(count, result.voters)}% "
                     f"({votes(count)}) {quiet(option)}")
    leaders = result.leaders()
    named = [f"{KEYCAPS[i]} {quiet(poll.options[i])}" for i in leaders]
    if not leaders:
        outcome = ("Winner" if final else "Leading", "none — nobody voted")
    elif len(leaders) == 1:
        outcome = ("Winner" if final else "Leading", f"{named[0]} with {votes(result.counts[leaders[0]])}")
    else:
        outcome = ("Tie", f"{', '.join(named[:-1])} and {named[-1]} with {votes(result.counts[leaders[0]])} each")
    footer = f"Closed {when(poll.closes_at, zone)}." if final else f"Still open: closes {when(poll.closes_at, zone)}."
    if poll.multi:
        footer += " Members could pick several options, so percentages can add up to more than 100."
    return Post(title=f"Poll #{poll.number} {'results' if final else 'standing'}", body="\n".join(lines),
                fields=(("Voters", str(result.voters)), outcome), footer=footer)


# ---- the feature ------------------------------------------------------------------------------

class Polls:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"poll": self.create, "poll close": self.close_command, "poll results": self.results}

    # ---- commands ----------------------------------------------------------------------------

    async def create(self, ctx: Ctx, inv: Invocation) -> None:
        o = inv.options
        s = spec(o["question"], o["options"], o.get("duration", DEFAULT_DURATION), o.get("multi", False))
        now = self.bot.clock.now()
        closes_at = now + s.duration
        zone = ZoneInfo(ctx.group.tz)
        source = f"{ctx.channel.platform}:command:{ctx.event.id}"
        poll = await self.bot.store.claim_poll(source, ctx.group.id, ctx.channel.channel, ctx.member.id, s.question,
                                               s.options, s.multi, now, closes_at)
        if poll is None:
            return  # this command already made its poll
        lines = [f"**{quiet(s.question)}**", ""] + [f"{KEYCAPS[i]} {quiet(c)}" for i, c in enumerate(s.options)]
        how = ("React with every number you agree with; each counts once." if s.multi
               else "React with a number to vote; your latest reaction is your vote.")
        post = Post(title=f"Poll #{poll.number}", body="\n".join(lines), fields=(("Asked by", quiet(ctx.member.name)),),
                    footer=f"{how} Closes {when(closes_at, zone)}.", closes_at=closes_at)
        key = f"poll:{poll.id}"
        await self.bot.outbox.send(key, ctx.channel, post, record=f"poll-message:{poll.id}")
        for i, keycap in enumerate(KEYCAPS[:len(s.options)]):
            await self.bot.outbox.react(f"{key}:react:{i}", ctx.channel, f"@{key}", keycap)
        await ctx.reply(Post(body=f"Poll #{poll.number} is up; it closes in {format_duration(s.duration)}. "
                                  "`/poll close` ends it early, `/poll results` shows the standing."), private=True)

    async def close_command(self, ctx: Ctx, inv: Invocation) -> None:
        """Bring the deadline forward to now; the close itself runs once the command has committed,
        on the same path as a deadline (read back, claim, results)."""
        poll = await self.bot.store.latest_poll(ctx.group.id, ctx.channel.channel, open_only=True)
        if poll is None:
            raise UserError("There is no open poll in this channel. Start one with "
                            '`/poll question:"…" options:"A | B"`.')
        if poll.creator != ctx.member.id and not ctx.member.is_admin:
            raise UserError(f"Only the member who started poll #{poll.number} or an admin can close it. "
                            "`/poll results` shows the standing.")
        now = self.bot.clock.now()
        await self.bot.store.due_now(poll.id, now)
        ctx.after.append(lambda: self.close(poll, now))
        await ctx.reply(Post(body=f"Closed poll #{poll.number}."), private=True)

    async def results(self, ctx: Ctx, inv: Invocation) -> None:
        poll = await self.bot.store.latest_poll(ctx.group.id, ctx.channel.channel)
        if poll is None:
            raise UserError("There are no polls in this channel yet. Start one with "
                            '`/poll question:"…" options:"A | B"`.')
        await ctx.reply(await self._results_post(poll))

    # ---- due work ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Make every open poll match the platform: votes cast while the bot was down count, removed
        ones do not. Overdue polls are then closed by the app's run_due, once."""
        for poll in await self.bot.store.open_polls():
            current = await self._read_back(poll)
            if current is not None:
                async with self.bot.store.transaction():
                    await self.reconcile(poll, current)

    async def _read_back(self, poll: PollRow) -> dict[str, set[str]] | None:
        if not poll.message_id:
            return None
        try:
            return await self.bot.chat.reactions(await self._message(poll))
        except Exception:
            log.warning("could not read the reactions of poll %s; its stored votes stand", poll.id, exc_info=True)
            return None

    async def reconcile(self, poll: PollRow, current: dict[str, set[str]]) -> None:
        """Inside a unit of work: reactions gone from the platform are dropped, new ones count as
        later than the stored ones; a single-choice voter's older numbers are taken off."""
        store = self.bot.store
        there = await mirror(current, KEYCAPS[:len(poll.options)], await store.poll_reactions(poll.id),
                             partial(store.set_poll_reaction, poll.id))
        if not poll.multi and poll.status == "open":
            for member in sorted({m for m, _ in there}):
                await self._keep_latest(poll, member)

    async def run_due(self, now: datetime) -> None:
        for poll in await self.bot.store.due_polls(now):
            await self.close(poll, now)

    async def next_due(self, after: datetime) -> datetime | None:
        return await self.bot.store.next_poll_deadline(after)

    async def close(self, poll: PollRow, now: datetime) -> None:
        """Read the votes back, then claim the close and queue the results, once."""
        current = await self._read_back(poll)
        async with self.bot.store.transaction() as store:
            if not await store.close_poll(poll.id, now):
                return  # another wake-up (or /poll close) closed it
            if current is not None:
                await self.reconcile(poll, current)
            poll = await store.poll(poll.id)
            group = await store.group_by_id(poll.group_id)
            await self.bot.outbox.send(f"poll:{poll.id}:results", self._channel(group, poll), await self._results_post(poll))

    # ---- events --------------------------------------------------------------------------------

    async def on_reaction(self, ctx: Ctx, message: MessageRef, emoji: str, added: bool) -> bool:
        """A vote cast or taken back. Reactions that are not one of the poll's numbers are ignored."""
        if message.thread:
            return False
        poll = await self.bot.store.poll_by_message(ctx.group.id, message.channel.channel, message.id)
        if poll is None:
            return False
        if poll.status != "open" or emoji not in KEYCAPS[:len(poll.options)]:
            return True
        changed = await self.bot.store.set_poll_reaction(poll.id, ctx.member.id, KEYCAPS.index(emoji), added)
        if changed and added and not poll.multi:
            await self._keep_latest(poll, ctx.member.id)
        return True

    async def _keep_latest(self, poll: PollRow, member: str) -> None:
        """Single choice: ask the platform to remove the member's older number reactions. Their rows go
        when the platform reports the removal (or the next read-back); the latest one is the vote anyway."""
        store = self.bot.store
        mine = [option for who, option in await store.poll_reactions(poll.id) if who == member]
        seq = await store.latest_poll_seq(poll.id, member)
        group = await store.group_by_id(poll.group_id)
        for option in mine[:-1]:
            await self.bot.outbox.unreact(f"poll:{poll.id}:unreact:{member}:{option}:{seq}", self._channel(group, poll),
                                          poll.message_id or f"@poll:{poll.id}", KEYCAPS[option], member)

    # ---- helpers ---------------------------------------------------------------------------------

    async def _results_post(self, poll: PollRow) -> Post:
        group = await self.bot.store.group_by_id(poll.group_id)
        result = tally(await self.bot.store.poll_reactions(poll.id), len(poll.options), poll.multi)
        return results_post(poll, result, ZoneInfo(group.tz))

    def _channel(self, group, poll: PollRow) -> ChannelRef:
        return ChannelRef(group.platform, group.external_id, poll.channel)

    async def _message(self, poll: PollRow) -> MessageRef:
        group = await self.bot.store.group_by_id(poll.group_id)
        return MessageRef(self._channel(group, poll), poll.message_id)
