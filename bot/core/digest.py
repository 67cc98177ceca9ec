"""The weekly digest: once a week, in each channel with a question of the day, what the week was.

It reports the seven local days before the day it is posted: the top 5 by points, the longest
running streaks, the most upvoted answer (quoted, quieted), how many took part against the week
before, and the topics the coming week's questions will be on (foreseen with the picker's own
rule, see daily.choose). It comes at a weekday and time in the channel's zone (Monday 09:00 unless
an admin says otherwise) and is claimed per (schedule, ISO week), so any number of wake-ups, and
restarts, post it once. A week without questions gets no digest.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..store import DigestSetting, Schedule
from .chat import Post, quiet
from .clock import (WEEKDAYS, at_local, latest_occurrence, next_occurrence, occurrences, parse_days, parse_time,
                    week_key)
from .commands import UserError
from .daily import UPVOTE, choose, when
from .scores import MEDALS

if TYPE_CHECKING:
    from .app import Ctx, StudyBot
    from .commands import Invocation

WEEK = timedelta(days=7)
TOP, STREAKS, EXCERPT = 5, 3, 200


def ranked(rows: list[tuple[str, str, int]]) -> list[tuple[int, str, int]]:
    """(rank, name, points) with competition ranks: equal points share a rank (1, 2, 2, 4)."""
    return [(1 + sum(p > points for _, _, p in rows), name, points) for _, name, points in rows]


def excerpt(text: str) -> str:
    """A member's answer on one line, cut short and unable to ping."""
    text = " ".join(text.split())
    return quiet(text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…")


class Digest:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.routes = {"qotd digest": self.configure}

    # ---- the admins' command ---------------------------------------------------------------------

    async def configure(self, ctx: Ctx, inv: Invocation) -> None:
        schedule = await self.bot.daily._schedule(ctx)
        store, now = self.bot.store, self.bot.clock.now()
        current = await store.digest_setting(schedule.id)
        if inv.argument:
            if inv.argument.lower() != "off" or inv.options:
                raise UserError("Use `/qotd digest off`, or `/qotd digest day:mon time:09:00` to choose when it comes.")
            await store.save_digest_setting(schedule.id, current.weekday, current.at_time, False, now)
            await ctx.reply(Post(body="The weekly digest is off in this channel. "
                                      "`/qotd digest day:mon time:09:00` turns it on again."))
            return
        weekday = inv.options.get("day", current.weekday)
        at_time = f"{inv.options['time']:%H:%M}" if "time" in inv.options else current.at_time
        await store.save_digest_setting(schedule.id, weekday, at_time, True, now)
        zone = ZoneInfo(schedule.tz)
        nxt = next_occurrence(parse_time(at_time), zone, frozenset({weekday}), now)
        paused = " (while the question of the day is paused, there is none)" if schedule.paused else ""
        await ctx.reply(Post(title="Weekly digest ✅", body=f"Every {WEEKDAYS[weekday]} at {at_time} ({zone.key}): "
                                                          f"the next one comes {when(nxt[1], zone)}{paused}."))

    # ---- due work ----------------------------------------------------------------------------------

    def _due(self, schedule: Schedule, setting: DigestSetting, now: datetime) -> tuple[date, datetime] | None:
        """The digest occurrence a wake-up at `now` may post: the latest one, if still within the grace."""
        zone, since = ZoneInfo(schedule.tz), max(schedule.since, setting.since or schedule.since)
        latest = latest_occurrence(parse_time(setting.at_time), zone, frozenset({setting.weekday}), now)
        return latest if latest and latest[1] > since and now - latest[1] <= self.bot.grace else None

    async def run_due(self, now: datetime) -> None:
        """Only the schedules whose stored next digest instant has come are looked at."""
        for schedule, setting in await self.bot.store.digest_schedules(now):
            due = self._due(schedule, setting, now)
            async with self.bot.store.transaction() as store:
                week = due and week_key(due[1], ZoneInfo(schedule.tz))
                if due and not await store.digest_claimed(schedule.id, week) and \
                        await store.claim_digest(schedule.id, week, now):
                    post = await self.digest(schedule, due[0])
                    if post is not None:
                        channel = await self.bot.daily._channel(schedule)
                        await self.bot.outbox.send(f"digest:{schedule.id}:{week}", channel, post)
                await store.set_digest_at(schedule.id, self._next_at(schedule, setting, now))

    def _next_at(self, schedule: Schedule, setting: DigestSetting, after: datetime) -> datetime | None:
        nxt = next_occurrence(parse_time(setting.at_time), ZoneInfo(schedule.tz), frozenset({setting.weekday}),
                              max(after, schedule.since, setting.since or schedule.since))
        return nxt and nxt[1]

    async def next_due(self, after: datetime) -> datetime | None:
        """One indexed query, plus the occurrence maths of the few schedules run_due has not caught up with."""
        store = self.bot.store
        times = [await store.next_digest_at(after)]
        times += [self._next_at(schedule, setting, after) for schedule, setting in await store.digest_schedules(after)]
        return min(filter(None, times), default=None)

    # ---- what it says ------------------------------------------------------------------------------

    async def digest(self, schedule: Schedule, day: date) -> Post | None:
        """The digest posted on local `day`, about the seven days before it; None for a week without questions."""
        store, zone = self.bot.store, ZoneInfo(schedule.tz)
        start, end = (at_local(day - timedelta(days=n), time(0), zone) for n in (7, 0))
        posts = await store.posts_between(schedule.id, start, end)
        if not posts:
            return None
        fields = [("Top 5", self._top(await store.points_between(schedule.group_id, start, end, TOP))),
                  ("Longest streaks", " · ".join(f"🔥 **{quiet(name)}** {current}" for _, name, current
                                                 in await store.longest_streaks(schedule.id, STREAKS))
                   or "No streak is running: answer this week's questions to start one.")]
        best = await self._most_upvoted(schedule, posts)
        if best:
            fields.append(("Most upvoted answer", best))
        answers, members = await store.participation(schedule.id, start, end)
        _, members_before = await store.participation(schedule.id, at_local(day - timedelta(days=14), time(0), zone),
                                                      start)
        change = members - members_before
        trend = "the same as" if not change else f"{abs(change)} {'more' if change > 0 else 'fewer'} than"
        fields.append(("Participation", f"**{members}** {'member' if members == 1 else 'members'} gave **{answers}** "
                                        f"{'answer' if answers == 1 else 'answers'} to {len(posts)} "
                                        f"{'question' if len(posts) == 1 else 'questions'}: {trend} the week "
                                        f"before ({members_before})."))
        topics = await self.coming_topics(schedule, day)
        fields.append(("Coming up", ", ".join(self.bot.bank.topics[t].name for t in topics) or
                       "no questions are scheduled this week"))
        last = day - timedelta(days=1)
        return Post(title=f"Weekly digest: {day - WEEK:%a %d %b} to {last:%a %d %b}", fields=tuple(fields),
                    footer="Admins: /qotd digest day:mon time:09:00 moves it, /qotd digest off stops it.")

    @staticmethod
    def _top(rows: list[tuple[str, str, int]]) -> str:
        return "\n".join(f"{MEDALS.get(rank, f'{rank}.')} **{quiet(name)}** — {points} pts"
                         for rank, name, points in ranked(rows)) or "No points this week."

    async def _most_upvoted(self, schedule: Schedule, posts) -> str | None:
        """The week's answer with the most upvotes (at least one; ties to the earliest), quoted safely."""
        best = None
        for row in posts:
            for answer in await self.bot.store.answers(row.id):
                if answer.upvotes and (best is None or answer.upvotes > best[1].upvotes):
                    best = (row, answer)
        if best is None:
            return None
        row, answer = best
        names = await self.bot.store.member_names(schedule.group_id, [answer.user_id])
        name = names.get(answer.user_id, answer.user_id)
        quote = f"“{excerpt(answer.text)}” — **{quiet(name)}**"
        return f"{quote} on question #{row.number} ({answer.upvotes} {UPVOTE})"

    async def coming_topics(self, schedule: Schedule, first: date) -> list[str]:
        """The topics of the questions the seven days from `first` will post, in order, each once: posted
        ones as they are, the rest foreseen as Daily.pick will choose them (the group's own first)."""
        if schedule.paused:
            return []
        store, zone = self.bot.store, ZoneInfo(schedule.tz)
        waiting = await self.bot.suggestions.waiting(schedule)
        candidates = self.bot.daily.candidates(schedule)
        asked = set(await store.asked_in_cycle(schedule.id, schedule.cycle))
        topics: list[str] = []
        start = at_local(first, time(0), zone) - timedelta(seconds=1)
        for day, instant in occurrences(parse_time(schedule.at_time), zone, parse_days(schedule.days), start,
                                        start + WEEK):
            row = await store.post_on(schedule.id, day.isoformat())
            if instant <= schedule.since or (row and row.status == "skipped"):
                continue
            if row:
                question_id = row.question_id
            elif waiting:
                question_id = waiting.pop(0)
            elif candidates:
                question_id, new_cycle = choose(candidates, asked, f"{schedule.id}:{day.isoformat()}")
                asked = (set() if new_cycle else asked) | {question_id}
            else:
                break
            question = await self.bot.question(question_id)
            if question and question.topic not in topics:
                topics.append(question.topic)
        return topics
