"""Mock-interview pairs: a weekly slot per channel, members opt in, the bot pairs them a day before.

Each pair gets a private conversation (Chat.open_private), and each interviewer gets a pack of three
open questions with the key points to listen for, whispered to them alone: never posted where the
candidate can read it. Every member interviews the next one in the pair's order (the last the
first), so in a pair roles swap halfway and in a three they rotate by thirds. At the end of the slot
each member gets a feedback form in the pair's conversation (1-5 for clarity, depth and structure,
or "did not show"); the partner receives it privately, and the rater gets the mock points once.
When the feedback window closes, whoever sent none is recorded as a no-show; a second no-show means
a week's break from pairing.

Every step is due work claimed on a natural key: a session is claimed for pairing by its status, a
pair's swaps, forms and close by moving its `stage` on, so any number of wake-ups do each once.
"""
from __future__ import annotations

import calendar
import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..store import CRITERIA
from .chat import Button, ButtonPressed, ChannelRef, Post, button_ids, quiet
from .clock import format_duration, local_date, occurrences, parse_time
from .commands import UserError
from .daily import when
from .goal import focus_topics
from .pairing import pair_up, partners

if TYPE_CHECKING:
    from ..store import Feedback, MockSession, MockSetup, PairRow
    from .app import Ctx, StudyBot
    from .commands import Invocation

PREFIX = "mock:"
PAIR_BEFORE = timedelta(days=1)  # pairs are made this long before the slot
FEEDBACK_WINDOW = timedelta(days=2)  # after the slot, how long feedback is taken
BREAK = timedelta(days=7)  # a break from pairing after NOSHOWS no-shows
NOSHOWS = 2
DEFAULT_LENGTH, MIN_LENGTH, MAX_LENGTH = timedelta(minutes=45), timedelta(minutes=20), timedelta(hours=3)
PACK = 3  # questions in an interviewer's pack
MAX_COMMENT = 1000
ABSENT = len(CRITERIA)  # the form's "did not show" button, in the criterion's place


def members_text(names: list[str]) -> str:
    return " & ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


class Mock:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"mock setup": self.setup, "mock join": self.join, "mock leave": self.leave,
                       "mock comment": self.comment}

    # ---- commands --------------------------------------------------------------------------------

    async def setup(self, ctx: Ctx, inv: Invocation) -> None:
        o, store = inv.options, self.bot.store
        length = o.get("length", DEFAULT_LENGTH)
        if not MIN_LENGTH <= length <= MAX_LENGTH:
            raise UserError(f"`length:` must be from {format_duration(MIN_LENGTH)} to {format_duration(MAX_LENGTH)}; "
                            f"you gave {format_duration(length)}.")
        zone = o.get("tz") or ZoneInfo(ctx.group.tz)
        setup = await store.save_mock_setup(ctx.group.id, ctx.channel.channel, o["day"], f"{o['time']:%H:%M}",
                                            zone.key, int(length.total_seconds()))
        now = self.bot.clock.now()
        slot_day, slot_at = self.next_slot(setup, now)
        for session in await store.open_mock_sessions(setup.id):  # who joined keeps their place, at the new slot
            await store.reslot_mock_session(session.id, slot_day, slot_at, slot_at - PAIR_BEFORE, setup.length_seconds)
        await ctx.reply(Post(
            title="Mock interviews are set up ✅",
            fields=(("Slot", f"{calendar.day_name[setup.day]}s {setup.at_time} {zone.key}"),
                    ("Length", format_duration(length)),
                    ("Next", when(slot_at, zone)), ("Pairs made", when(slot_at - PAIR_BEFORE, zone))),
            footer="Members opt in each week with /mock join. Each pair gets a private thread, and each "
                   "interviewer a private pack of questions."))

    async def join(self, ctx: Ctx, inv: Invocation) -> None:
        store, now = self.bot.store, self.bot.clock.now()
        setup = await self._setup(ctx)
        zone = ZoneInfo(setup.tz)
        slot_day, slot_at = self.next_slot(setup, now)
        paused = await store.mock_break(ctx.group.id, ctx.member.id)
        if paused and paused[1] > slot_at - PAIR_BEFORE:
            raise UserError("You missed the feedback of two mock interviews, so you sit out pairing for a week: "
                            f"you can join again for slots paired after {when(paused[1], zone)}.")
        session = await store.mock_session(setup.id, slot_day, slot_at, slot_at - PAIR_BEFORE, setup.length_seconds)
        if not await store.join_mock(session.id, ctx.member.id, now):
            raise UserError(f"You are already in for {when(slot_at, zone)}. `/mock leave` takes you out.")
        count = len(await store.mock_entrants(session.id))
        await ctx.reply(Post(body=f"You are in for the mock interviews on **{when(slot_at, zone)}**. Pairs are made "
                                  f"{when(slot_at - PAIR_BEFORE, zone)}; {count} joined so far."), private=True)

    async def leave(self, ctx: Ctx, inv: Invocation) -> None:
        store = self.bot.store
        setup = await self._setup(ctx)
        for session in await store.open_mock_sessions(setup.id):
            if await store.leave_mock(session.id, ctx.member.id):
                await ctx.reply(Post(body=f"You are out of the mock interviews on "
                                          f"{when(session.slot_at, ZoneInfo(setup.tz))}."), private=True)
                return
        raise UserError("You have not joined the coming mock interviews (once pairs are made, tell your partner "
                        "in your private thread instead).")

    async def comment(self, ctx: Ctx, inv: Invocation) -> None:
        text = inv.argument.strip()
        if not text:
            raise UserError("Say what to tell your partner: `/mock comment Great structure; go deeper on trade-offs.`")
        if len(text) > MAX_COMMENT:
            raise UserError(f"A comment can be at most {MAX_COMMENT} characters; this one has {len(text)}.")
        store = self.bot.store
        pair = await store.latest_pair_of(ctx.group.id, ctx.member.id)
        if pair is None or pair.closed or pair.stage < len(pair.members):
            raise UserError("There is no mock-interview feedback to comment on right now: comments open when the "
                            "interview ends and close with its feedback.")
        rater = pair.members.index(ctx.member.id)
        target = self._candidate(pair, rater)
        if not await store.comment(pair.id, ctx.member.id, target, quiet(text)):
            raise UserError("You already added a comment to this feedback.")
        name = await self._name(pair.group_id, target)
        feedback = await store.feedback(pair.id, ctx.member.id)
        if feedback.sent_at:
            await self.bot.outbox.whisper(f"mock:{pair.id}:comment:{rater}", self._channel(ctx.group, pair), target,
                                          Post(title="A comment on your mock interview",
                                               body=f"**{quiet(ctx.member.name)}:** {quiet(text)}"))
            await ctx.reply(Post(body=f"Sent your comment to {quiet(name)} privately."), private=True)
        else:
            await ctx.reply(Post(body=f"Saved: your comment goes to {quiet(name)} with your scores."), private=True)

    async def _setup(self, ctx: Ctx) -> MockSetup:
        setup = await self.bot.store.mock_setup_for(ctx.group.id, ctx.channel.channel)
        if setup is None:
            raise UserError("There are no mock interviews in this channel. An admin can start them with "
                            "`/mock setup day:sat time:10:00`.")
        return setup

    def next_slot(self, setup: MockSetup, now: datetime) -> tuple[date, datetime]:
        """The first slot still to be paired: members joining now are in it."""
        start = now + PAIR_BEFORE
        return next(occurrences(parse_time(setup.at_time), ZoneInfo(setup.tz), frozenset({setup.day}), start,
                                start + timedelta(days=8)))

    # ---- due work --------------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> None:
        sessions, pairs = await self.bot.store.due_mock(now)
        for session_id in sessions:
            await self._pair(await self.bot.store.mock_session_by_id(session_id), now)
        for pair_id in pairs:
            await self._step(pair_id, now)

    async def next_due(self, after: datetime) -> datetime | None:
        return await self.bot.store.next_mock(after)

    @staticmethod
    def steps(slot_at: datetime, length_seconds: int, size: int) -> list[datetime]:
        """When a pair's steps fall due: each swap of roles, the feedback forms, the feedback's close."""
        length = timedelta(seconds=length_seconds)
        return [slot_at + length * k / size for k in range(1, size)] + [slot_at + length,
                                                                       slot_at + length + FEEDBACK_WINDOW]

    async def _pair(self, session: MockSession, now: datetime) -> None:
        """In one unit of work: claim the session, make the pairs, and queue each pair's private thread,
        its introduction and the interviewers' packs."""
        store = self.bot.store
        async with store.transaction():
            setup = await store.mock_setup(session.setup_id)
            group = await store.group_by_id(setup.group_id)
            channel = ChannelRef(group.platform, group.external_id, setup.channel)
            entrants = await store.mock_entrants(session.id)
            resting = {m for m in entrants if (b := await store.mock_break(group.id, m)) and b[1] > now}
            ready = [m for m in entrants if m not in resting]
            late = now >= session.slot_at  # the bot was down through the pairing: too late to meet
            if not await store.settle_mock_session(session.id, "paired" if len(ready) >= 2 and not late else "cancelled"):
                return
            zone = ZoneInfo(setup.tz)
            for member in resting:
                await self.bot.outbox.whisper(f"mock-session:{session.id}:resting:{member}", channel, member, Post(
                    body=f"No mock interview for you on {when(session.slot_at, zone)}: after two without feedback "
                         "you sit out pairing for a week."))
            if len(ready) < 2 or late:
                why = ("I was offline when the pairs were due, so none were made" if late
                       else "nobody else joined, so there is no pair this week")
                for member in ready:
                    await self.bot.outbox.whisper(f"mock-session:{session.id}:cancelled:{member}", channel, member,
                                                  Post(body=f"Mock interviews on {when(session.slot_at, zone)}: {why}. "
                                                            "`/mock join` puts you in for the next one."))
                return
            previous = await store.previous_mock_session(setup.id, session.slot_at)
            last = partners(p.members for p in await store.pairs_of(previous.id)) if previous else set()
            groups = pair_up(ready, last, seed=f"mock:{session.id}")
            goals = await store.goals_of(group.id, ready)
            names = await store.member_names(group.id, ready)
            lines, today = [], local_date(now, zone)
            for number, members in enumerate(groups, 1):
                topics = self._topics([focus_topics(self.bot.bank, goals.get(m), today) for m in members])
                first = self.steps(session.slot_at, session.length_seconds, len(members))[0]
                pair = await store.mock_pair(await store.add_pair(session.id, number, members, topics, first))
                await self._open(pair, channel, names, zone)
                lines.append(members_text([quiet(names.get(m, m)) for m in members]))
            await self.bot.outbox.send(f"mock-session:{session.id}:pairs", channel, Post(
                title=f"Mock interviews — {when(session.slot_at, zone)}",
                body="\n".join(f"• {line}" for line in lines),
                footer="Each pair has a private thread; each interviewer has a private pack of questions."))

    def _topics(self, choices: list[tuple[str, ...]]) -> tuple[str, ...]:
        """The pair's focus: the topics they share if those have questions enough, else all of theirs."""
        shared = set(choices[0]).intersection(*choices[1:])
        every = {t for c in choices for t in c}
        for topics in (shared, every):
            if len(self.bot.bank.select(tuple(topics), ("open",))) >= PACK:
                return tuple(t for t in self.bot.bank.topics if t in topics)
        return ()

    async def _open(self, pair: PairRow, channel: ChannelRef, names: dict[str, str], zone: ZoneInfo) -> None:
        outbox, key = self.bot.outbox, f"mock:{pair.id}"
        who = [quiet(names.get(m, m)) for m in pair.members]
        await outbox.open_private(f"{key}:room", channel, pair.members,
                                  f"Mock interview {pair.slot_at.astimezone(zone):%d %b} · {members_text(who)}",
                                  record=f"mock-room:{pair.id}")
        turns = "\n".join(f"• {self._turn(pair, i, zone)}: **{who[i]}** interviews **{who[(i + 1) % len(who)]}**"
                          for i in range(len(who)))
        topics = ", ".join(self.bot.bank.topics[t].name for t in pair.topics) or "any"
        await outbox.send(f"{key}:intro", self._room(pair, channel), Post(
            title=f"Mock interview — {when(pair.slot_at, zone)}",
            body=f"{members_text([f'**{w}**' for w in who])}: this thread is just for you.\n\n{turns}\n\n"
                 "Each interviewer has a private pack: three questions and what a strong answer covers. Meet by "
                 "voice or video, or right here. When the time is up you each get a short feedback form here.",
            fields=(("Topics", topics),), ping=pair.members))
        for i in range(len(pair.members)):
            await self._pack(pair, i, channel, who, zone)

    def _turn(self, pair: PairRow, i: int, zone: ZoneInfo) -> str:
        """When member i interviews: from the slot's start or a swap, to the next swap or the end."""
        bounds = [pair.slot_at, *self.steps(pair.slot_at, pair.length_seconds, len(pair.members))]
        return f"{bounds[i].astimezone(zone):%H:%M}–{bounds[i + 1].astimezone(zone):%H:%M}"

    def _candidate(self, pair: PairRow, interviewer: int) -> str:
        return pair.members[(interviewer + 1) % len(pair.members)]

    async def _pack(self, pair: PairRow, i: int, channel: ChannelRef, who: list[str], zone: ZoneInfo) -> None:
        """Three open questions for the candidate, ones they were not asked before where the bank allows,
        whispered to the interviewer alone."""
        store, bank = self.bot.store, self.bot.bank
        interviewer, candidate = pair.members[i], self._candidate(pair, i)
        pool = sorted(q.id for q in bank.select(pair.topics, ("open",)))
        asked = await store.asked_of(pair.group_id, candidate)
        rng = random.Random(f"{pair.id}:{candidate}")
        fresh = [q for q in pool if q not in asked]
        chosen = rng.sample(fresh, min(PACK, len(fresh)))
        chosen += rng.sample([q for q in pool if q not in chosen], min(PACK - len(chosen), len(pool) - len(chosen)))
        await store.save_pack(pair.id, interviewer, candidate, chosen)
        parts = []
        for n, question_id in enumerate(chosen, 1):
            question = bank.questions[question_id]
            points = "\n".join(f"  • {p}" for p in question.key_points)
            parts.append(f"**{n}. {question.prompt}**\nListen for:\n{points}")
        name = who[(i + 1) % len(who)]
        await self.bot.outbox.whisper(f"mock:{pair.id}:pack:{i}", channel, interviewer, Post(
            title=f"Your interviewer pack — {when(pair.slot_at, zone)}",
            body=f"You interview **{name}** {self._turn(pair, i, zone)} ({zone.key}). Ask these in order; under "
                 f"each is what a strong answer covers. Keep it to yourself: {name} hears each question only when "
                 "you ask it.\n\n" + "\n\n".join(parts),
            footer="Afterwards you score their answers for clarity, depth and structure."))

    async def _step(self, pair_id: int, now: datetime) -> None:
        """Take each of a pair's steps that has fallen due, each in its own unit of work."""
        store = self.bot.store
        while True:
            async with store.transaction():
                pair = await store.mock_pair(pair_id)
                steps = self.steps(pair.slot_at, pair.length_seconds, len(pair.members))
                if pair.closed or steps[pair.stage] > now:
                    return
                following = steps[pair.stage + 1] if pair.stage + 1 < len(steps) else None
                if not await store.advance_pair(pair.id, pair.stage, following):
                    return
                group = await store.group_by_id(pair.group_id)
                zone = ZoneInfo((await store.mock_setup_for(pair.group_id, pair.channel)).tz)
                n = len(pair.members)
                if pair.stage < n - 1:
                    await self._swap(pair, pair.stage + 1, group, zone)
                elif pair.stage == n - 1:
                    await self._forms(pair, group, zone)
                else:
                    await self._close(pair, group, zone, now)

    def _channel(self, group, pair: PairRow) -> ChannelRef:
        return ChannelRef(group.platform, group.external_id, pair.channel)

    def _room(self, pair: PairRow, channel: ChannelRef) -> ChannelRef:
        return ChannelRef(channel.platform, channel.group, pair.room or f"@mock:{pair.id}:room")

    async def _name(self, group_id: int, user_id: str) -> str:
        return (await self.bot.store.member_names(group_id, [user_id])).get(user_id, user_id)

    async def _swap(self, pair: PairRow, turn: int, group, zone: ZoneInfo) -> None:
        names = await self.bot.store.member_names(pair.group_id, pair.members)
        interviewer, candidate = pair.members[turn], self._candidate(pair, turn)
        await self.bot.outbox.send(f"mock:{pair.id}:swap:{turn}", self._room(pair, self._channel(group, pair)), Post(
            title="Swap roles 🔄",
            body=f"Now **{quiet(names.get(interviewer, interviewer))}** interviews "
                 f"**{quiet(names.get(candidate, candidate))}** ({self._turn(pair, turn, zone)}), "
                 "with the pack they were sent privately.",
            ping=(interviewer, candidate)))

    async def _forms(self, pair: PairRow, group, zone: ZoneInfo) -> None:
        names = await self.bot.store.member_names(pair.group_id, pair.members)
        closes = pair.slot_at + timedelta(seconds=pair.length_seconds) + FEEDBACK_WINDOW
        for i, rater in enumerate(pair.members):
            target = quiet(names.get(self._candidate(pair, i), self._candidate(pair, i)))
            buttons = [Button(f"{PREFIX}{pair.id}:{i}:{c}:{score}", f"{name.capitalize()} {score}")
                       for c, name in enumerate(CRITERIA) for score in range(1, 6)]
            buttons.append(Button(f"{PREFIX}{pair.id}:{i}:{ABSENT}:0", f"{target} did not show"))
            await self.bot.outbox.send(f"mock:{pair.id}:form:{i}", self._room(pair, self._channel(group, pair)), Post(
                title=f"Feedback for {target}",
                body=f"**{quiet(names.get(rater, rater))}**, how did **{target}** answer? Press one score in each "
                     f"row (1 = weak, 5 = excellent); {target} sees it privately once all three are in. "
                     "`/mock comment …` adds a comment.",
                buttons=tuple(buttons), ping=(rater,),
                footer=f"Only {quiet(names.get(rater, rater))} can use this form. Feedback closes "
                       f"{when(closes, zone)}; sending it earns {self.bot.scores.points.mock} points."))

    async def _close(self, pair: PairRow, group, zone: ZoneInfo, now: datetime) -> None:
        """Whoever sent no feedback is a no-show; a second one since the last break starts a week's break."""
        store = self.bot.store
        for member in pair.members:
            feedback = await store.feedback(pair.id, member)
            if (feedback and feedback.sent_at) or not await store.record_noshow(group.id, pair.id, member, now):
                continue
            last = await store.mock_break(group.id, member)
            if await store.noshows_since(group.id, member, last and last[0]) >= NOSHOWS:
                await store.start_break(group.id, member, now, now + BREAK)
                await self.bot.outbox.whisper(f"mock:{pair.id}:break:{member}", self._channel(group, pair), member,
                                              Post(body="That is two mock interviews without your feedback, so you "
                                                        f"sit out pairing until {when(now + BREAK, zone)}."))

    # ---- the feedback form -------------------------------------------------------------------------

    async def on_button(self, ctx: Ctx, event: ButtonPressed) -> bool:
        ids = button_ids(event.button, PREFIX)
        if ids is None or len(ids) != 4:
            return False
        pair_id, rater, criterion, score = ids
        store, now = self.bot.store, self.bot.clock.now()
        pair = await store.mock_pair(pair_id)
        if pair is None or pair.group_id != ctx.group.id or not 0 <= rater < len(pair.members) \
                or not (0 <= criterion < len(CRITERIA) and 1 <= score <= 5 or (criterion, score) == (ABSENT, 0)):
            raise UserError("That button does not belong to a mock-interview form.")
        if pair.members[rater] != ctx.member.id:
            owner = await self._name(pair.group_id, pair.members[rater])
            raise UserError(f"This form is {quiet(owner)}'s; yours is the one that names you.")
        if pair.closed:
            raise UserError("Feedback for this mock interview has closed.")
        target = self._candidate(pair, rater)
        name = quiet(await self._name(pair.group_id, target))
        if criterion == ABSENT:
            if not await store.report_absent(pair.id, ctx.member.id, target, now):
                raise UserError("You already sent this feedback.")
            await ctx.reply(Post(body=f"Noted that {name} did not show. Thanks for being there."), private=True)
            return True
        if not await store.rate(pair.id, ctx.member.id, target, CRITERIA[criterion], score):
            raise UserError("You already sent this feedback; it cannot change now.")
        feedback = await store.feedback(pair.id, ctx.member.id)
        missing = [c for c, s in zip(CRITERIA, feedback.scores) if s is None]
        if missing:
            await ctx.reply(Post(body=f"{CRITERIA[criterion].capitalize()}: {score}. Still to score: "
                                      f"{', '.join(missing)}."), private=True)
            return True
        if await store.send_feedback(pair.id, ctx.member.id, now):
            await self._deliver(pair, rater, feedback, ctx, now)
        return True

    async def _deliver(self, pair: PairRow, rater: int, feedback: Feedback, ctx: Ctx, now: datetime) -> None:
        """The partner gets the scores privately; the rater gets the mock points, once per pair."""
        scores = " · ".join(f"{c.capitalize()} {s}/5" for c, s in zip(CRITERIA, feedback.scores))
        comment = f"\n\n**Comment:** {feedback.comment}" if feedback.comment else ""
        await self.bot.outbox.whisper(f"mock:{pair.id}:feedback:{rater}", self._channel(ctx.group, pair),
                                      feedback.target, Post(
                                          title="Feedback from your mock interview",
                                          body=f"**{quiet(ctx.member.name)}** on your answers: {scores}{comment}"))
        points = self.bot.scores.points.mock
        await self.bot.scores.award(ctx.group, ctx.member.id, points, "mock-pair", f"mock:{pair.id}", now)
        name = quiet(await self._name(pair.group_id, feedback.target))
        await ctx.reply(Post(body=f"Sent to {name} privately: {scores}. +{points} points for the mock interview."),
                        private=True)
