"""Points ledger, streaks (with their freezes) and leaderboards, overall and by topic.

Points are appended to the ledger once per (reason, source, member); totals per period are kept
in the same transaction. Periods are the group's local ISO week and month, plus all time; points
earned on a question also count in its topic's own week, month and all-time totals, which is what
a topic's leaderboard reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .chat import ChannelRef, Post, quiet
from .clock import local_date, month_key, week_key
from .commands import UserError

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation
    from ..store import Group, LedgerRow, PostRow


@dataclass(frozen=True)
class Points:
    """Defaults from DESIGN.md; one place to change them."""

    answer: int = 10
    upvote: int = 2
    upvote_cap: int = 10
    best: int = 5
    correct: int = 10
    quiz_correct: int = 10
    quiz_speed: int = 5
    suggestion: int = 5  # a member's suggested question, when it is posted
    mock: int = 15  # a mock interview, for each member who sends their feedback


@dataclass(frozen=True)
class Freezes:
    """Streak freezes: earned by answering `every` questions in a row, at most `most` held."""

    every: int = 7
    most: int = 2


MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}
LABELLED = "topic-totals"  # meta key: "pending" while an older ledger still waits for its topics
_SOURCES = (re.compile(r"post:(\d+)"), re.compile(r"quiz:(\d+):(\d+)"))  # sources of points won on a question


def period_key(period: str, when: datetime, zone: ZoneInfo) -> str:
    return {"week": week_key, "month": month_key}[period](when, zone) if period != "all" else "all"


def topic_key(topic: str, key: str) -> str:
    """A topic's own total for a period key: "topic:statistics:week:2026-W47"."""
    return f"topic:{topic}:{key}"


def topic_periods(topic: str, at: datetime, zone: ZoneInfo) -> tuple[str, ...]:
    return tuple(topic_key(topic, period_key(p, at, zone)) for p in ("all", "week", "month"))


def member_id(argument: str) -> str:
    """A member as typed or sent: a Discord <@123> or <@!123>, a Slack <@U123|name>, @name or a name."""
    return re.sub(r"^<@!?([^>|]+)(\|[^>]*)?>$", r"\1", argument.strip()).lstrip("@")


class Scores:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.points = Points()
        self.freezes = Freezes()
        self.routes = {"leaderboard": self.leaderboard, "streak": self.streak}

    async def award(self, group: Group, user_id: str, points: int, reason: str, source: str, at: datetime,
                    topic: str | None = None) -> bool:
        """Inside a transaction: ledger row plus the week, month and all-time totals it falls in, and
        the topic's own totals when the points were won on a question of that topic."""
        zone = ZoneInfo(group.tz)
        periods = (week_key(at, zone), month_key(at, zone)) + (topic_periods(topic, at, zone) if topic else ())
        return await self.bot.store.award(group.id, user_id, points, reason, source, at, periods, topic)

    async def leaderboard(self, ctx: Ctx, inv: Invocation) -> None:
        period, topic = inv.options.get("period", "week"), inv.options.get("topic")
        if topic is not None and topic not in self.bot.bank.topics:
            raise UserError(f"Unknown topic `{quiet(topic)}`. Topics: {', '.join(self.bot.bank.topics)}.")
        zone = ZoneInfo(ctx.group.tz)
        now = self.bot.clock.now()
        key = period_key(period, now, zone)
        key = topic_key(topic, key) if topic else key
        top, mine = await self.bot.store.board(ctx.group.id, key, ctx.member.id, 10)
        about = f" in {self.bot.bank.topics[topic].name}" if topic else ""
        title = f"Leaderboard{about} — {PERIOD_TITLES[period]}"
        if period == "week":
            monday = local_date(now, zone).toordinal() - local_date(now, zone).weekday()
            title += f" (from {datetime.fromordinal(monday):%a %d %b})"
        countdown = await self.bot.goal.countdown(ctx.group.id, ctx.member.id, now)
        footer = f"{quiet(ctx.member.name)}: {countdown}" if countdown else ""
        if not top:
            body = (f"No points{about} yet. Answer the question of the day or join a quiz "
                    f"{'on it ' if topic else ''}to get on the board.")
            await ctx.reply(Post(title=title, body=body, footer=footer))
            return
        lines = [f"{MEDALS.get(s.rank, f'{s.rank}.')} **{quiet(s.name)}** — {s.points} pts"
                 + (" ← you" if s.user_id == ctx.member.id else "") for s in top]
        if mine and all(s.user_id != mine.user_id for s in top):
            lines += ["…", f"{mine.rank}. **{quiet(mine.name)}** — {mine.points} pts ← you"]
        elif not mine:
            lines.append("_You have no points in this period yet._")
        await ctx.reply(Post(title=title, body="\n".join(lines), footer=footer))

    async def member(self, ctx: Ctx, argument: str) -> tuple[str, str]:
        """(id, name) of the member a command names, or of the caller when it names nobody."""
        if not argument:
            return ctx.member.id, ctx.member.name
        who = member_id(argument)
        found = await self.bot.store.find_member(ctx.group.id, who)
        if found is None:
            raise UserError(f"I don't know a member called `{quiet(who)}` here yet.")
        return found

    async def streak(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self.bot.store.schedule_for(ctx.group.id, ctx.channel.channel)
        if schedule is None:
            raise UserError("There is no question of the day in this channel, so no streaks yet.")
        user_id, name = await self.member(ctx, inv.argument)
        streak = await self.bot.store.streak(schedule.id, user_id)
        flame = "🔥" if streak.current else "·"
        body = (f"{flame} **{quiet(name)}**: current streak **{streak.current}**, best **{streak.best}**, "
                f"🧊 freezes held **{streak.freezes}** of {self.freezes.most}")
        await ctx.reply(Post(title="Streak", body=body, footer=(
            f"Consecutive questions of the day answered before they closed. {self.freezes.every} in a row earn a "
            f"freeze (at most {self.freezes.most} held); a freeze keeps the streak through one missed question.")))

    # ---- streaks at a close ------------------------------------------------------------------

    async def close_streaks(self, row: PostRow, channel: ChannelRef, answered: set[str]) -> None:
        """Inside the close's unit of work: streaks move on, and whoever a freeze saved is told
        privately, once (the whisper's key is the post and the member)."""
        saved = await self.bot.store.advance_streaks(row.schedule_id, answered, self.freezes.every, self.freezes.most)
        for user_id, streak in saved:
            await self.bot.outbox.whisper(f"freeze:{row.id}:{user_id}", channel, user_id, Post(
                title="🧊 Streak freeze used",
                body=f"You missed question #{row.number}, so a freeze kept your streak of **{streak.current}** "
                     f"going. Freezes left: **{streak.freezes}** of {self.freezes.most}.",
                footer=f"Answer {self.freezes.every} questions in a row to earn another."))

    # ---- points from before topics -------------------------------------------------------------

    async def start(self) -> None:
        """Once, after the upgrade that gave points a topic: label the older ledger rows won on a
        question with its topic and add them to the topic totals, in one unit of work."""
        store = self.bot.store
        if await store.meta(LABELLED) != "pending":
            return
        async with store.transaction():
            zones: dict[int, ZoneInfo] = {}
            for row in await store.unlabelled_points():
                question_id = await self._question_of(row)
                question = question_id and await self.bot.question(question_id)
                if not question:
                    continue
                if row.group_id not in zones:
                    zones[row.group_id] = ZoneInfo((await store.group_by_id(row.group_id)).tz)
                periods = topic_periods(question.topic, row.at, zones[row.group_id])
                await store.label_points(row, question.topic, periods)
            await store.set_meta(LABELLED, "done")

    async def _question_of(self, row: LedgerRow) -> str | None:
        post, quiz = (pattern.fullmatch(row.source) for pattern in _SOURCES)
        if post:
            return (await self.bot.store.post(int(post[1]))).question_id
        if quiz:
            found = await self.bot.store.quiz_round(int(quiz[1]), int(quiz[2]))
            return found and found.question_id
        return None
