"""The outbox under a live platform's Limits (issue 12): many channels delivered at once, each in
order, every delivery paced by the platform-wide bucket and its channel's, each effect exactly once;
and a flush asked for while another runs never makes an event wait behind those deliveries."""
import asyncio
from datetime import timedelta
from pathlib import Path

from bot.content import load_bank
from bot.core.chat import ChannelRef, Limits, Post
from bot.core.outbox import Outbox
from bot.core.pacing import Pacer

from ..fakes import FakeChat, advance, command, member

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN = member("ada", admin=True)
CHANNELS = [ChannelRef("test", "g1", f"c{n}") for n in range(6)]


class Gate:
    """Fake time for the pacers: it moves only when a pacer sleeps, by what it sleeps."""

    def __init__(self):
        self.now, self.slept = 100.0, []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class SlowChat(FakeChat):
    """The first send is held until a second one is under way, as a platform's latency would hold it:
    only a sender that delivers channels at once gets past it. Every call's (fake) time is noted."""

    def __init__(self, limits: Limits, gate: Gate):
        super().__init__()
        self.limits, self.gate, self.in_flight, self.most = limits, gate, 0, 0
        self.overlapped = asyncio.Event()
        self.calls: list[tuple[str, float]] = []  # (channel, when)

    async def open_thread(self, message, name):
        self.calls.append((message.channel.channel, self.gate.now))
        return await super().open_thread(message, name)

    async def send(self, channel, post):
        self.calls.append((channel.channel, self.gate.now))
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        if self.in_flight > 1:
            self.overlapped.set()
        await asyncio.wait_for(self.overlapped.wait(), 5)  # a one-at-a-time sender fails here
        self.in_flight -= 1
        return await super().send(channel, post)


async def schedules_due_together(bot, clock):
    for channel in CHANNELS:
        await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:open-qs", channel=channel))


def effects_by_channel(chat):
    order: dict[str, list[str]] = {}
    for s in chat.sent:
        if s.kind in ("send", "reply"):
            order.setdefault(s.ref.channel.channel, []).append(s.post.key)
    return order


def most_in_a_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for u in times if t <= u < t + window) for t in times), default=0)


async def test_a_pacer_lets_rate_calls_through_in_any_second_and_queues_the_rest():
    gate = Gate()
    pacer = Pacer(25, clock=gate.clock, sleep=gate.sleep)
    went = []
    for _ in range(60):  # a minute's worth of channels all falling due at once
        await pacer.wait()
        went.append(gate.now)
    assert went[:25] == [100.0] * 25 and went[25] == 101.0  # a burst of 25, then the 26th a second later
    assert most_in_a_window(went, 1.0) == 25
    gate.now += 10
    assert pacer.idle()
    slow = Pacer(0.5, clock=gate.clock, sleep=gate.sleep)  # under one a second: one per 2 s
    await slow.wait()
    await slow.wait()
    assert gate.slept[-1] == 2.0


async def test_channels_go_out_at_once_each_in_order_paced_and_exactly_once(make_bot, clock):
    gate = Gate()
    chat = SlowChat(Limits(Pacer(4, clock=gate.clock, sleep=gate.sleep), channel_rate=0.5, lanes=4), gate)
    bot = await make_bot(bank=BANK, chat=chat)
    bot.outbox = Outbox(bot, clock=gate.clock, sleep=gate.sleep)
    await schedules_due_together(bot, clock)
    await advance(bot, clock, timedelta(hours=2, minutes=30))  # 07:00 → 09:30: six questions due at 09:00

    keys = [s.post.key for s in chat.sent if s.kind == "send"]
    assert len(keys) == len(set(keys)) == len(CHANNELS)  # one question per channel, none twice
    assert 2 <= chat.most <= 4  # channels overlapped, never more than the lanes
    rows = await bot.store.open_posts()
    assert all(r.message_id and r.thread_id for r in rows)  # each thread opened after its own message
    # 12 deliveries (a message and a thread per channel): never more than 4 in any second in all, and
    # never two within 2 s in one channel
    assert len(chat.calls) == 12 and most_in_a_window([t for _, t in chat.calls], 1.0) == 4
    for channel in CHANNELS:
        assert most_in_a_window([t for c, t in chat.calls if c == channel.channel], 2.0) == 1


async def test_a_flush_asked_for_during_another_returns_at_once_and_is_delivered(make_bot, clock):
    release = asyncio.Event()

    class HeldChat(FakeChat):
        async def send(self, channel, post):
            await release.wait()
            return await super().send(channel, post)

    chat = HeldChat()
    bot = await make_bot(bank=BANK, chat=chat)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:open-qs", channel=CHANNELS[0]))
    async with bot.store.transaction():
        await bot.outbox.send("first", CHANNELS[0], Post(body="one"))
    sender = asyncio.create_task(bot.outbox.flush())  # holds the sender, waiting on the platform
    await asyncio.sleep(0)
    async with bot.store.transaction():
        await bot.outbox.send("second", CHANNELS[1], Post(body="two"))
    await asyncio.wait_for(bot.outbox.flush(), 1)  # returns at once: the running sender goes round again
    assert [s.post.key for s in chat.sent if s.kind == "send"] == []
    release.set()
    await sender
    assert [s.post.key for s in chat.sent if s.kind == "send"] == ["first", "second"]
