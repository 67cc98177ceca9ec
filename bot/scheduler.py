"""The live scheduler: APScheduler 3 wakes the core at the right instants.

It holds no logic of its own. Each question-of-the-day schedule becomes a CronTrigger in the
group's zone, and one DateTrigger waits for the core's next due instant (closings, poll deadlines,
quiz rounds); every wake-up calls `StudyBot.run_due(now)`, which is idempotent, and then re-plans.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from .core.app import StudyBot
from .core.clock import UTC
from .store import Schedule

log = logging.getLogger(__name__)


def cron_for(schedule: Schedule) -> CronTrigger:
    hour, minute = schedule.at_time.split(":")
    return CronTrigger(day_of_week=schedule.days, hour=int(hour), minute=int(minute), timezone=ZoneInfo(schedule.tz))


class LiveScheduler:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    async def start(self) -> None:
        """Sweep what fell due while we were down, then plan the wake-ups."""
        await self.bot.start()
        self.scheduler.start()
        await self.replan()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def replan(self) -> None:
        """Rebuild the jobs from the store: called at start, after each wake-up and after commands."""
        grace = int(self.bot.grace.total_seconds())
        wanted = set()
        for schedule in await self.bot.store.schedules():
            if schedule.paused:
                continue
            job_id = f"qotd:{schedule.id}"
            wanted.add(job_id)
            self.scheduler.add_job(self.wake, cron_for(schedule), id=job_id, replace_existing=True,
                                   misfire_grace_time=grace, coalesce=True)
        nxt = await self.bot.next_due(self.bot.clock.now())
        if nxt is not None:
            wanted.add("next-due")
            self.scheduler.add_job(self.wake, DateTrigger(nxt), id="next-due", replace_existing=True,
                                   misfire_grace_time=grace)
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()

    async def handle(self, event) -> None:
        """What a live adapter calls for every event: a command may have created a new deadline
        (a schedule, a poll, a quiz round), so the wake-ups are re-planned after it."""
        await self.bot.handle(event)
        await self.replan()

    async def wake(self) -> None:
        await self.bot.run_due(self.bot.clock.now())
        await self.replan()

    def next_wakeups(self) -> list[tuple[str, datetime]]:
        return sorted(((j.id, j.next_run_time) for j in self.scheduler.get_jobs()), key=lambda p: p[1])
