"""Pacing the outbox's platform writes, so many channels' posts falling due in the same minute go out
as fast as a platform's rate limits allow and never faster (a 429 costs more than the wait)."""
from __future__ import annotations

import asyncio
import math
import time
from collections import deque


class Pacer:
    """At most `rate` calls in any window of a second (a sliding window, as platforms count them; a
    rate below one is one call per 1/rate seconds). Callers queue in arrival order, and each is let
    through only when its call keeps the last window within the bound, timed from when callers really
    go (a token bucket planned ahead lets calls delayed by a busy loop bunch up over the bound).
    A rate of 0 never waits."""

    def __init__(self, rate: float, clock=time.monotonic, sleep=asyncio.sleep):
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self.count = max(1, math.floor(rate)) if rate else 0
        self.window = self.count / rate if rate else 0.0
        self.sent: deque[float] = deque()
        self._turn = asyncio.Lock()

    async def wait(self) -> None:
        if not self.rate:
            return
        async with self._turn:
            while True:
                now = self.clock()
                while self.sent and self.sent[0] <= now - self.window:
                    self.sent.popleft()
                if len(self.sent) < self.count:
                    self.sent.append(now)
                    return
                await self.sleep(self.sent[0] + self.window - now)

    def went_now(self) -> None:
        """The last call let through really went only now (it waited on another bucket after this one):
        count it from now, which only ever makes the window stricter."""
        if self.sent:
            self.sent[-1] = max(self.sent[-1], self.clock())

    def idle(self) -> bool:
        """Its whole window has passed: forgetting it changes nothing."""
        return not self.sent or self.sent[-1] <= self.clock() - self.window
