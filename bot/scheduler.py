"""The live scheduler: APScheduler 3 wakes the core at the right instants.

It holds no logic of its own: one DateTrigger waits for the core's next due instant (posts in each
group's zone, closings, poll deadlines, quiz rounds), so each instant has exactly one wake-up. Every
wake-up calls `StudyBot.run_due(now)`, whose work is claimed in the store, and then re-plans.
"""
from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from .core.app import StudyBot
from .core.clock import UTC

log = logging.getLogger(__name__)


class LiveScheduler:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._planning = self._wanted = False

    async def start(self) -> None:
        """Sweep what fell due while we were down, then plan the wake-ups."""
        await self.bot.start()
        self.scheduler.start()
        await self.replan()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def replan(self) -> None:
        """One wake-up, at the core's next due instant (or none when nothing is due). Asked for while
        another replan runs, it returns at once and the running one goes round again: under a burst of
        events the wake-up is re-planned once per round, not once per event."""
        self._wanted = True
        if self._planning:
            return
        self._planning = True
        try:
            while self._wanted:
                self._wanted = False
                await self._plan()
        finally:
            self._planning = False

    async def _plan(self) -> None:
        nxt = await self.bot.next_due(self.bot.clock.now())
        job = self.scheduler.get_job("next-due")
        if nxt is None:
            if job:
                self.scheduler.remove_job("next-due")
        elif getattr(job, "next_run_time", None) != nxt:  # a pending job (not started yet) has none
            self.scheduler.add_job(self.wake, DateTrigger(nxt), id="next-due", replace_existing=True,
                                   misfire_grace_time=int(self.bot.grace.total_seconds()), coalesce=True)

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
