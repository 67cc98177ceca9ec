"""Workload 3, fan-out: a thousand channels whose question falls due in the same minute, through a fake
platform that enforces Discord's global bound (50 requests in any second) and per-route buckets (per
channel: 5 messages or threads per 5 s, one reaction per 0.25 s) and Slack's one message a second per
channel, answering 429 to any request over them, with a platform's latency on every call. The outbox
delivers under the Discord adapter's own Limits. Goal: everything (message, thread, letter reactions)
posted within 1.1× the time the global bound allows for those requests, no 429, each exactly once."""
from __future__ import annotations

import asyncio
import tempfile
from collections import Counter, defaultdict, deque
from datetime import datetime, timedelta
from pathlib import Path

from bot.adapters.discord.chat import CHANNEL_RATE, LANES, RATE
from bot.core.chat import ChannelRef, Limits, ThreadRef
from bot.core.clock import UTC, ManualClock
from bot.core.pacing import Pacer

from .harness import Row, Scale
from .world import RecordingChat, build

GLOBAL = (50, 1.0)  # Discord: requests per window, window in seconds
ROUTES = {"message": (5, 5.0), "thread": (5, 5.0), "reaction": (1, 0.25), "edit": (5, 5.0)}
SLACK_MESSAGE = (1, 1.0)  # Slack: chat.postMessage per channel
LATENCY = 0.05  # seconds a request takes on the platform


class RateLimited(Exception):
    """HTTP 429."""


class LimitedPlatform(RecordingChat):
    """Counts every request and refuses (429) any that would break a bucket: a sliding window per bucket."""

    def __init__(self, limits: Limits):
        super().__init__()
        self.limits = limits
        self.windows: dict[tuple, deque] = defaultdict(deque)
        self.refused = 0
        self.delivered: Counter = Counter()  # what each request was for: a key posted twice shows here
        self.done_at = 0.0

    def _admit(self, *buckets: tuple) -> None:
        now = asyncio.get_running_loop().time()
        for key, (size, window) in buckets:
            seen = self.windows[key]
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= size:
                self.refused += 1
                raise RateLimited(f"429 on {key}")
        for key, _ in buckets:
            self.windows[key].append(now)

    async def _request(self, route: str, channel: ChannelRef, what: str, message: bool = False) -> None:
        where = (channel.group, channel.channel)
        buckets = [(("global",), GLOBAL), ((route, *where), ROUTES[route])]
        if message:
            buckets.append((("slack", *where), SLACK_MESSAGE))
        self._admit(*buckets)
        await asyncio.sleep(LATENCY)
        self.delivered[what] += 1
        self.done_at = asyncio.get_running_loop().time()

    async def send(self, channel, post):
        await self._request("message", channel, f"send:{post.key}", message=True)
        return await super().send(channel, post)

    async def reply(self, thread, post):
        await self._request("message", thread.channel, f"reply:{post.key}", message=True)
        return await super().reply(thread, post)

    async def open_thread(self, message, name):
        await self._request("thread", message.channel, f"thread:{message.id}")
        return ThreadRef(message.channel, f"t{message.id}")

    async def react(self, message, emoji):
        await self._request("reaction", message.channel, f"react:{message.id}:{emoji}")

    async def edit(self, message, post):
        await self._request("edit", message.channel, f"edit:{message.id}")


async def run(scale: Scale) -> list[Row]:
    channels = scale.pick(1000, 100)
    platform = LimitedPlatform(Limits(Pacer(RATE), CHANNEL_RATE, LANES))
    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock = ManualClock(due - timedelta(minutes=30))
    with tempfile.TemporaryDirectory() as folder:
        bot, _ = await build(Path(folder) / "fanout.db", channels, 5, clock, chat=platform,
                             due_in=timedelta(minutes=30))
        try:
            clock.set(due)
            loop = asyncio.get_running_loop()
            begin = loop.time()
            await bot.run_due(due)
            deadline = begin + 60 + channels  # a refused request waits for the next flush; a stuck one ends it
            while await bot.store.pending_effects() and loop.time() < deadline:
                await asyncio.sleep(0.2)
                await bot.flush()
            elapsed = platform.done_at - begin
        finally:
            await bot.store.close()
    requests = sum(platform.delivered.values())
    bound = requests / GLOBAL[0]
    twice = [k for k, n in platform.delivered.items() if n > 1]
    sends = sum(1 for k in platform.delivered if k.startswith("send:"))
    threads = sum(1 for k in platform.delivered if k.startswith("thread:"))
    ok = elapsed <= 1.1 * bound and platform.refused == 0 and not twice and sends == threads == channels
    note = (f"{channels:,} questions: {sends:,} messages, {threads:,} threads, {requests - sends - threads:,} reactions "
            f"= {requests:,} requests, bound {bound:.1f} s at 50/s; {platform.refused} × 429, "
            f"{len(twice)} posted twice; paced at {RATE:.0f}/s, {CHANNEL_RATE:.0f}/s per channel, {LANES} lanes, "
            f"{LATENCY * 1e3:.0f} ms a request")
    return [Row(f"fan-out: {channels:,} channels' questions posted (message, thread, reactions)", elapsed, "s", bound,
                "time the bounds allow", elapsed / bound, "≤ 1.1×, 0 × 429, each once", ok, note,
                detail={"requests": requests, "refused": platform.refused, "twice": twice[:10],
                        "sends": sends, "threads": threads})]
