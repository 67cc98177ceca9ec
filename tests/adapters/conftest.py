"""Rate limits on virtual time: the outbox's and the adapters' pacers count their waits instead of
sleeping them, so end-to-end tests keep the platforms' bounds without waiting out a real second per
message (the benchmark measures real pacing)."""
import pytest

from bot.core import outbox, pacing


class VirtualTime:
    def __init__(self):
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@pytest.fixture(autouse=True)
def virtual_pacing(monkeypatch):
    time = VirtualTime()
    pacer_init, outbox_init = pacing.Pacer.__init__, outbox.Outbox.__init__

    def paced(self, *args, **kwargs):
        pacer_init(self, *args, **{**kwargs, "clock": time.clock, "sleep": time.sleep})

    def sender(self, *args, **kwargs):
        outbox_init(self, *args, **{**kwargs, "clock": time.clock, "sleep": time.sleep})

    monkeypatch.setattr(pacing.Pacer, "__init__", paced)
    monkeypatch.setattr(outbox.Outbox, "__init__", sender)
    return time
