"""An interview date: a member's private plan to it, their progress against it, and a daily nudge.

`/goal date:… [topics:…] [minutes:…]` sets the date and answers with the plan (core/plan.py:
questions a day, topics each week, the last week's review of misses). The plan the member agreed to
is kept as a baseline (first sights expected by each day), so `/goal` can say "on track" or "behind
by N" after a skipped week; the plan shown is always recomputed from the real cards. `/practice`
asks today's planned questions first. An optional nudge is whispered at the member's local time,
claimed once per member and local day, and skipped on days they have practised already.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from fsrs import Card

from ..store import GoalRow
from .chat import ChannelRef, Post
from .clock import at_local, local_date, next_occurrence, parse_time
from .commands import UserError
from .plan import QUESTION_MINUTES, REVIEW_DAYS, STORY_DAYS, STORY_MINUTES, Plan, make_plan

if TYPE_CHECKING:
    from ..store import Group
    from .app import Ctx, StudyBot
    from .commands import Invocation

BEHAVIOURAL = "behavioural"
DEFAULT_MINUTES = 20
MAX_DAYS = 366  # a plan reaches at most a year ahead
EVERY_DAY = frozenset(range(7))
DIFFICULTY = {"easy": 0, "medium": 1, "hard": 2}
MAX_MINUTES = 240
WEEKS_SHOWN = 8


def focus_topics(bank, goal: GoalRow | None, today: date) -> tuple[str, ...]:
    """A member's focus: the topics they chose, else every topic but behavioural, which joins in the
    last two weeks before the interview (and for members without a goal, in mock interviews, never)."""
    if goal and goal.topics:
        return goal.topics
    topics = tuple(t for t in bank.topics if t != BEHAVIOURAL)
    if goal and BEHAVIOURAL in bank.topics and (goal.interview - today).days <= STORY_DAYS:
        topics += (BEHAVIOURAL,)
    return topics


@dataclass(frozen=True)
class Standing:
    """Where a member stands against the plan they agreed to."""

    expected: int  # first sights the plan asked for by the end of yesterday
    seen: int  # first sights since the goal was set
    overdue: int  # reviews due more than a day ago

    @property
    def behind(self) -> int:
        return max(0, self.expected - self.seen) + self.overdue

    def text(self) -> str:
        if not self.behind:
            return (f"✅ On track: {self.seen} new questions seen since you set the goal; "
                    f"the plan asked for {self.expected} by yesterday.")
        parts = [f"{max(0, self.expected - self.seen)} new ones the plan had you see by yesterday"]
        if self.overdue:
            parts.append(f"{self.overdue} reviews more than a day overdue")
        return f"⚠️ Behind by **{self.behind} questions** ({', '.join(parts)})."


class Goal:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"goal": self.goal, "goal clear": self.clear, "goal remind": self.remind}

    # ---- commands --------------------------------------------------------------------------------

    async def goal(self, ctx: Ctx, inv: Invocation) -> None:
        o, store, now = inv.options, self.bot.store, self.bot.clock.now()
        current = await store.goal(ctx.group.id, ctx.member.id)
        if not o:
            if current is None:
                raise UserError("You have no interview date yet. Set one with `/goal date:2027-01-15` "
                                "(add `topics:` and `minutes:` to shape the plan).")
            await ctx.reply(await self._plan_post(current, now, standing=True), private=True)
            return
        if "date" not in o and current is None:
            raise UserError("Say when the interview is: `/goal date:2027-01-15`.")
        zone = ZoneInfo(current.tz if current else ctx.group.tz)
        today = local_date(now, zone)
        interview = o.get("date") or current.interview
        if interview <= today:
            raise UserError(f"The interview date must be after today ({today:%a %d %b %Y} in {zone.key}).")
        if (interview - today).days > MAX_DAYS:
            raise UserError(f"A plan reaches at most {MAX_DAYS} days ahead; set a date by "
                            f"{today + timedelta(days=MAX_DAYS):%Y-%m-%d}.")
        topics = o["topics"] if "topics" in o else current.topics if current else ()
        self._check_topics(topics)
        draft = GoalRow(ctx.group.id, ctx.member.id, ctx.channel.channel, interview, topics,
                        o.get("minutes") or (current.minutes if current else DEFAULT_MINUTES), zone.key, today,
                        0, (), current.remind if current else None, None)
        plan, focus, cards = await self._plan(draft, now)
        baseline = replace(draft, seen0=sum(1 for q in focus if q in cards), expected=tuple(plan.cumulative_new()))
        await store.save_goal(baseline, now)
        await store.set_nudge(ctx.group.id, ctx.member.id, self._next_nudge(baseline, now))  # the date may have moved
        await ctx.reply(await self._plan_post(baseline, now), private=True)

    async def clear(self, ctx: Ctx, inv: Invocation) -> None:
        if not await self.bot.store.clear_goal(ctx.group.id, ctx.member.id):
            raise UserError("You have no interview date to clear.")
        await ctx.reply(Post(body="Removed your interview date and its plan. `/practice` is back to its usual order."),
                        private=True)

    async def remind(self, ctx: Ctx, inv: Invocation) -> None:
        store, now = self.bot.store, self.bot.clock.now()
        current = await store.goal(ctx.group.id, ctx.member.id)
        if current is None:
            raise UserError("Set your interview date first: `/goal date:2027-01-15`, then `/goal remind time:08:00`.")
        at, zone = inv.options["time"], inv.options.get("tz") or ZoneInfo(current.tz)
        await store.set_reminder(ctx.group.id, ctx.member.id, at and f"{at:%H:%M}", zone.key, ctx.channel.channel)
        await store.set_nudge(ctx.group.id, ctx.member.id,
                              self._next_nudge(await store.goal(ctx.group.id, ctx.member.id), now))
        if at is None:
            await ctx.reply(Post(body="Nudges are off. `/goal remind time:08:00` turns them back on."), private=True)
            return
        await ctx.reply(Post(body=f"I will nudge you privately at {at:%H:%M} ({zone.key}) on days you have not "
                                  "practised yet, until your interview. `/goal remind time:off` stops it."), private=True)

    def _check_topics(self, topics: tuple[str, ...]) -> None:
        bank = self.bot.bank
        unknown = [t for t in topics if t not in bank.topics]
        if unknown:
            raise UserError(f"Unknown topic `{unknown[0]}`. Topics: {', '.join(bank.topics)}.")
        if not bank.select(topics or tuple(t for t in bank.topics if t != BEHAVIOURAL), ("choice",)):
            having = sorted({q.topic for q in bank.select((), ("choice",))})
            raise UserError("A plan needs topics with choice questions to practise (behavioural stories come "
                            f"on top). Topics that have them: {', '.join(having)}.")

    # ---- the plan --------------------------------------------------------------------------------

    def _focus(self, goal: GoalRow) -> list[str]:
        """The choice questions of the focus topics, topic by topic, easy ones first."""
        order = {t: i for i, t in enumerate(self.bot.bank.topics)}
        chosen = self.bot.bank.select(goal.topics or tuple(t for t in order if t != BEHAVIOURAL), ("choice",))
        return [q.id for q in sorted(chosen, key=lambda q: (order[q.topic], DIFFICULTY[q.difficulty], q.id))]

    def _story_days(self, goal: GoalRow, days: int) -> int:
        if BEHAVIOURAL not in self.bot.bank.topics:
            return -1
        if goal.topics:
            return days if BEHAVIOURAL in goal.topics else -1
        return STORY_DAYS

    async def _plan(self, goal: GoalRow, now: datetime, minutes: int | None = None) -> tuple[Plan, list[str], dict]:
        """The plan from now, computed from the member's cards; with the focus and the cards it used."""
        store, zone = self.bot.store, ZoneInfo(goal.tz)
        today = local_date(now, zone)
        focus = self._focus(goal)
        cards = {q: Card.from_dict(d) for q, d in (await store.all_cards(goal.group_id, goal.user_id)).items()}
        review_start = at_local(goal.interview - timedelta(days=REVIEW_DAYS), time(0), zone)
        wrong = {q for q in await store.missed(goal.group_id, goal.user_id)
                 if q in cards and not (cards[q].last_review and cards[q].last_review >= review_start)}
        done = [(q, fresh) for q, fresh in await store.practised_since(goal.group_id, goal.user_id,
                                                                       at_local(today, time(0), zone)) if q in focus]
        plan = make_plan(cards=cards, focus=focus, wrong=wrong, today=today, interview=goal.interview, zone=zone,
                         now=now, minutes=minutes or goal.minutes, scheduler=self.bot.practice.scheduler,
                         story_days=self._story_days(goal, (goal.interview - today).days),
                         done_today=len(done), new_today=sum(fresh for _, fresh in done))
        return plan, focus, cards

    async def _minutes_to_fit(self, goal: GoalRow, now: datetime) -> int | None:
        """The fewest daily minutes at which every focus question fits, if any up to MAX_MINUTES does."""
        low, high = goal.minutes, MAX_MINUTES
        if (await self._plan(goal, now, high))[0].unplaced:
            return None
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if not (await self._plan(goal, now, middle))[0].unplaced else (middle, high)
        return high

    async def _plan_post(self, goal: GoalRow, now: datetime, standing: bool = False) -> Post:
        zone = ZoneInfo(goal.tz)
        today = local_date(now, zone)
        to_go = (goal.interview - today).days
        if to_go <= 0:
            when = "is today — good luck!" if to_go == 0 else f"was on {goal.interview:%a %d %b %Y}"
            return Post(title="Your interview", body=f"Your interview {when} `/goal clear` removes the date, "
                                                     "`/goal date:…` sets a new one.")
        plan, focus, cards = await self._plan(goal, now)
        seen = sum(1 for q in focus if q in cards)
        topics = goal.topics or tuple(t for t in self.bot.bank.topics if t != BEHAVIOURAL)
        if plan.unplaced:
            enough = await self._minutes_to_fit(goal, now)
            advice = (f"raise `minutes:` to {enough}" if enough else "choose fewer `topics:`") + " or move the date"
            lead = (f"At {goal.minutes} minutes a day, **{len(plan.unplaced)} of the {len(focus)}** questions in your "
                    f"focus do not fit before the date: {advice}.")
        else:
            lead = (f"Every one of the {len(focus)} questions in your focus comes up at least once before the date, "
                    f"and no day asks more than {max(d.budget for d in plan.days)}.")
        if plan.unreviewed:
            lead += f" {len(plan.unreviewed)} of your misses do not fit in the last week's review."
        lines = [f"**{to_go} day{'s' if to_go != 1 else ''} to go.** {lead}", "", *self._weeks(plan)]
        fields = [("Today", self._today_text(plan)),
                  ("Daily budget", f"{plan.days[0].budget} questions ({goal.minutes} min, about "
                                   f"{QUESTION_MINUTES} min each)"),
                  ("Focus", f"{len(focus)} questions in {len(topics)} topic{'s' if len(topics) != 1 else ''}; "
                            f"{seen} seen")]
        if standing:
            fields.append(("Progress", (await self.standing(goal, now, focus, cards)).text()))
        return Post(title=f"Your plan to {goal.interview:%a %d %b %Y}", body="\n".join(lines), fields=tuple(fields),
                    footer="/practice asks today's plan first · /goal shows progress · "
                           "/goal remind time:08:00 nudges you · /goal clear removes it")

    def _today_text(self, plan: Plan) -> str:
        day = plan.days[0]
        parts = [f"{n} {what}" for n, what in ((len(day.reviews), "reviews"), (len(day.wrong), "misses to review"),
                                                (len(day.new), "new")) if n]
        text = ", ".join(parts) + " — `/practice`" if parts else "nothing left for today"
        return text + (f"; a behavioural story ({STORY_MINUTES} min)" if day.story else "")

    def _weeks(self, plan: Plan) -> list[str]:
        """One line a week (counted back from the interview, so the last week is whole)."""
        bank, days, last = self.bot.bank, plan.days, plan.review_from
        cuts = sorted({0, *range(last, 0, -7)}) + [len(days)]
        spans = list(zip(cuts, cuts[1:]))
        lines = []
        for n, (a, b) in enumerate(spans):
            week, final = days[a:b], b == len(days)
            new = [q for d in week for q in d.new]
            named = list(dict.fromkeys(bank.topics[bank.questions[q].topic].name for q in new))
            what = []
            if new:
                what.append(f"{len(new)} new ({', '.join(named[:3])}{'…' if len(named) > 3 else ''})")
            wrong = sum(len(d.wrong) for d in week)
            if wrong:
                what.append(f"review {wrong} you got wrong")
            if any(d.reviews or d.chained for d in week):
                what.append("reviews as they fall due")
            if any(d.story for d in week):
                what.append("a behavioural story a day")
            peak = max(d.load for d in week)
            label = "Last week" if final and len(spans) > 1 else f"Week {n + 1}"
            span = f"{week[0].day:%a %d %b}" + (f"–{week[-1].day:%a %d %b}" if len(week) > 1 else "")
            lines.append(f"**{label}** · {span}: {'; '.join(what) or 'rest'} — up to {peak} a day")
        if len(lines) > WEEKS_SHOWN:
            lines = lines[:WEEKS_SHOWN - 1] + [f"… {len(lines) - WEEKS_SHOWN} more weeks …", lines[-1]]
        return lines

    async def standing(self, goal: GoalRow, now: datetime, focus: list[str], cards: dict[str, Card]) -> Standing:
        today = local_date(now, ZoneInfo(goal.tz))
        yesterday = (today - goal.start).days - 1
        expected = goal.expected[min(yesterday, len(goal.expected) - 1)] if yesterday >= 0 and goal.expected else 0
        seen = sum(1 for q in focus if q in cards) - goal.seen0
        overdue = sum(1 for q in focus if q in cards and cards[q].due < now - timedelta(days=1))
        return Standing(expected, seen, overdue)

    # ---- what other features ask --------------------------------------------------------------------

    async def today(self, group: Group, user_id: str, now: datetime) -> list[tuple[str, bool]]:
        """Today's planned questions, in the order to ask them, as (question, review?)."""
        goal = await self.bot.store.goal(group.id, user_id)
        if goal is None or goal.interview <= local_date(now, ZoneInfo(goal.tz)):
            return []
        day = (await self._plan(goal, now))[0].days[0]
        return [(q, True) for q in day.reviews + day.wrong] + [(q, False) for q in day.new]

    async def countdown(self, group_id: int, user_id: str, now: datetime) -> str | None:
        """"N days to interview" for a member with a goal (for the leaderboard and /stats)."""
        goal = await self.bot.store.goal(group_id, user_id)
        if goal is None:
            return None
        days = (goal.interview - local_date(now, ZoneInfo(goal.tz))).days
        if days < 0:
            return None
        return "Interview today — good luck!" if days == 0 else f"{days} day{'s' if days != 1 else ''} to interview"

    # ---- nudges ----------------------------------------------------------------------------------

    def _next_nudge(self, goal: GoalRow, after: datetime) -> datetime | None:
        """The first nudge instant after `after`, if a reminder is on and it comes before the interview."""
        if goal.remind is None:
            return None
        nxt = next_occurrence(parse_time(goal.remind), ZoneInfo(goal.tz), EVERY_DAY, after)
        return nxt[1] if nxt and nxt[0] < goal.interview else None

    async def run_due(self, now: datetime) -> None:
        """Each nudge that fell due: whispered once per member and local day unless they practised that day
        already (or the bot woke up too long after it); then the next one is planned."""
        for goal in await self.bot.store.due_nudges(now):
            zone = ZoneInfo(goal.tz)
            async with self.bot.store.transaction() as store:
                goal = await store.goal(goal.group_id, goal.user_id)
                if goal is None or goal.nudge_at is None or goal.nudge_at > now:
                    continue  # another wake-up took it
                await store.set_nudge(goal.group_id, goal.user_id, self._next_nudge(goal, now))
                day = local_date(goal.nudge_at, zone)
                if now - goal.nudge_at > self.bot.grace:
                    continue
                group = await store.group_by_id(goal.group_id)
                practised = await store.practised_since(goal.group_id, goal.user_id, at_local(day, time(0), zone))
                items = [] if practised else await self.today(group, goal.user_id, now)
                if not await store.claim_nudge(goal.group_id, goal.user_id, day, bool(items)) or not items:
                    continue  # decided already, practised today, or nothing planned
                reviews = sum(1 for _, review in items if review)
                countdown = await self.countdown(goal.group_id, goal.user_id, now)
                await self.bot.outbox.whisper(
                    f"goal:nudge:{goal.group_id}:{goal.user_id}:{day.isoformat()}",
                    ChannelRef(group.platform, group.external_id, goal.channel), goal.user_id,
                    Post(title="Today's practice", body=f"{reviews} reviews and {len(items) - reviews} new questions "
                                                        f"are on your plan today: `/practice count:{len(items)}`.",
                         footer=f"{countdown}. `/goal remind time:off` stops these nudges."))

    async def next_due(self, after: datetime) -> datetime | None:
        return await self.bot.store.next_nudge(after)
