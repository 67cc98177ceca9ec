"""`/stats [member]`: answers given, accuracy per topic, streak, and points per week as text and a chart.

Everything is read in the command's unit of work; the chart (a PNG, see chart.py) is drawn after
the commit in a worker thread, so a slow first draw never holds the one writer. Points per week come
from the maintained weekly totals, one lookup per week.
"""
from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .chart import week_bars
from .chat import Post, quiet
from .clock import at_local, local_date, week_key

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation

WEEKS = 8


def last_weeks(now: datetime, zone: ZoneInfo, count: int = WEEKS) -> list[tuple[date, str]]:
    """(Monday, totals key) of the `count` local weeks up to and including this one, oldest first."""
    monday = local_date(now, zone) - timedelta(days=local_date(now, zone).weekday())
    mondays = [monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    return [(m, week_key(at_local(m, time(12), zone), zone)) for m in mondays]


class Stats:
    def __init__(self, bot: StudyBot, charts: Path | None = None):
        self.bot = bot
        self.charts = charts or Path(tempfile.gettempdir()) / "studybot-charts"
        self.routes = {"stats": self.stats}

    async def stats(self, ctx: Ctx, inv: Invocation) -> None:
        user_id, name = await self.bot.scores.member(ctx, inv.argument)
        zone = ZoneInfo(ctx.group.tz)
        weeks = last_weeks(self.bot.clock.now(), zone)
        totals = await self.bot.store.period_points(ctx.group.id, user_id, [key for _, key in weeks])
        points = [totals.get(key, 0) for _, key in weeks]
        labels = [f"{monday.day} {monday:%b}" for monday, _ in weeks]
        given, accuracy = await self._answers(ctx.group.id, user_id)
        streak = await self._streak(ctx, user_id)
        countdown = await self.bot.goal.countdown(ctx.group.id, user_id, self.bot.clock.now())
        interview = [f"🎯 {countdown}"] if countdown else []
        post = Post(title=f"Stats — {quiet(name)}", body="\n".join([given, streak, *interview, *accuracy]),
                    fields=((f"Points per week, last {WEEKS} (from Monday)",
                             " · ".join(f"{label} **{p}**" for label, p in zip(labels, points))),),
                    footer=f"Weeks start on Monday in {zone.key}. The chart shows the same weeks.")
        # one file per member, replaced on each /stats: the folder never grows past the group's size
        path = self.charts / f"stats-{ctx.group.id}-{hashlib.sha256(user_id.encode()).hexdigest()[:16]}.png"

        async def draw() -> None:
            await asyncio.to_thread(week_bars, labels, points, f"Points per week, last {WEEKS} weeks", path)
            await ctx.reply(replace(post, image=str(path)))

        ctx.after.append(draw)

    async def _answers(self, group_id: int, user_id: str) -> tuple[str, list[str]]:
        """Answers given by kind, and accuracy per topic over the answers that are plainly right or
        wrong: choice questions (a short quiz round keeps only its winner's answer)."""
        store, bank = self.bot.store, self.bot.bank
        sources = {"question of the day": await store.daily_answers(group_id, user_id),
                   "quiz": await store.quiz_accuracy(group_id, user_id),
                   "practice": await store.practice_accuracy(group_id, user_id)}
        per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for found in sources.values():
            for question_id, (answered, right) in found.items():
                question = await self.bot.question(question_id)
                if question and question.kind == "choice":
                    per_topic[question.topic][0] += answered
                    per_topic[question.topic][1] += right
        given = {label: sum(n for n, _ in found.values()) for label, found in sources.items()}
        names = {t: topic.name for t, topic in bank.topics.items()}
        accuracy = [f"• **{names[t]}**: {right}/{answered} right ({right / answered:.0%})"
                    for t, (answered, right) in sorted(per_topic.items(), key=lambda item: names[item[0]])]
        return (f"**Answers given:** {sum(given.values())} — " + ", ".join(f"{k} {n}" for k, n in given.items()),
                ["**Accuracy per topic** (choice questions: of the day, in quizzes and in practice)",
                 *(accuracy or ["• no choice questions answered yet"])])

    async def _streak(self, ctx: Ctx, user_id: str) -> str:
        schedule = await self.bot.store.schedule_for(ctx.group.id, ctx.channel.channel)
        if schedule is None:
            return "**Streak here:** no question of the day in this channel"
        streak = await self.bot.store.streak(schedule.id, user_id)
        return (f"**Streak here:** current {streak.current}, best {streak.best}, "
                f"🧊 {streak.freezes} freeze{'s' if streak.freezes != 1 else ''} held")
