"""Points ledger, streaks and leaderboards.

Points are appended to the ledger once per (reason, source, member); totals per period are kept
in the same transaction. Periods are the group's local ISO week and month, plus all time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .chat import Post, quiet
from .clock import local_date, month_key, week_key
from .commands import UserError

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation
    from ..store import Group


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


MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}


def period_key(period: str, when: datetime, zone: ZoneInfo) -> str:
    return {"week": week_key, "month": month_key}[period](when, zone) if period != "all" else "all"


class Scores:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.points = Points()
        self.routes = {"leaderboard": self.leaderboard, "streak": self.streak}

    async def award(self, group: Group, user_id: str, points: int, reason: str, source: str, at: datetime) -> bool:
        """Inside a transaction: ledger row plus the week, month and all-time totals it falls in."""
        zone = ZoneInfo(group.tz)
        return await self.bot.store.award(group.id, user_id, points, reason, source, at,
                                          (week_key(at, zone), month_key(at, zone)))

    async def leaderboard(self, ctx: Ctx, inv: Invocation) -> None:
        period = inv.options.get("period", "week")
        zone = ZoneInfo(ctx.group.tz)
        now = self.bot.clock.now()
        key = period_key(period, now, zone)
        top = await self.bot.store.standings(ctx.group.id, key, 10)
        mine = await self.bot.store.standing_of(ctx.group.id, key, ctx.member.id)
        title = f"Leaderboard — {PERIOD_TITLES[period]}"
        if period == "week":
            monday = local_date(now, zone).toordinal() - local_date(now, zone).weekday()
            title += f" (from {datetime.fromordinal(monday):%a %d %b})"
        if not top:
            body = "No points yet. Answer the question of the day or join a quiz to get on the board."
            await ctx.reply(Post(title=title, body=body))
            return
        lines = [f"{MEDALS.get(s.rank, f'{s.rank}.')} **{quiet(s.name)}** — {s.points} pts"
                 + (" ← you" if s.user_id == ctx.member.id else "") for s in top]
        if mine and all(s.user_id != mine.user_id for s in top):
            lines += ["…", f"{mine.rank}. **{quiet(mine.name)}** — {mine.points} pts ← you"]
        elif not mine:
            lines.append("_You have no points in this period yet._")
        await ctx.reply(Post(title=title, body="\n".join(lines)))

    async def streak(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self.bot.store.schedule_for(ctx.group.id, ctx.channel.channel)
        if schedule is None:
            raise UserError("There is no question of the day in this channel, so no streaks yet.")
        user_id, name = ctx.member.id, ctx.member.name
        if inv.argument:
            who = re.sub(r"^<@!?([^>|]+)(\|[^>]*)?>$", r"\1", inv.argument.strip()).lstrip("@")
            found = await self.bot.store.find_member(ctx.group.id, who)
            if found is None:
                raise UserError(f"I don't know a member called `{quiet(who)}` here yet.")
            user_id, name = found
        current, best = await self.bot.store.streak(schedule.id, user_id)
        flame = "🔥" if current else "·"
        body = f"{flame} **{quiet(name)}**: current streak **{current}**, best **{best}**"
        await ctx.reply(Post(title="Streak", body=body,
                             footer="Consecutive questions of the day answered before they closed."))
