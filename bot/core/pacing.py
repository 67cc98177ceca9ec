"""Pacing the outbox's platform writes: token buckets, so many channels' posts falling due in the same
minute go out as fast as a platform's rate limits allow, and never faster (a 429 costs more than the wait)."""
from __future__ import annotations

import asyncio
import time


class Pacer:
    """A burst of `burst`, then `rate` per second. A caller over the bucket sleeps off its debt, so
    callers queue up in arrival order. A rate of 0 never waits."""

    def __init__(self, rate: float, burst: int = 1, clock=time.monotonic, sleep=asyncio.sleep):
        self.rate, self.burst, self.clock, self.sleep = rate, burst, clock, sleep
        self.tokens, self.at = float(burst), clock()

    async def wait(self) -> None:
        if not self.rate:
            return
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate) - 1
        self.at = now
        if self.tokens < 0:
            await self.sleep(-self.tokens / self.rate)

    def idle(self) -> bool:
        """Its bucket has refilled: forgetting it changes nothing."""
        return not self.rate or self.tokens + (self.clock() - self.at) * self.rate >= self.burst
