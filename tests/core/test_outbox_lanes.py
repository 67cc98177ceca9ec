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
    """Fake time for the pacers: it never moves, so each wait records the debt it would sleep off."""

    def __init__(self):
        self.slept: list[float] = []

    def clock(self) -> float:
        return 100.0

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        await asyncio.sleep(0)


class SlowChat(FakeChat):
    """The first send is held until a second one is under way, as a platform's latency would hold it:
    only a sender that delivers channels at once gets past it."""

    def __init__(self, limits: Limits):
        super().__init__()
        self.limits, self.in_flight, self.most = limits, 0, 0
        self.overlapped = asyncio.Event()

    async def send(self, channel, post):
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


async def test_a_pacer_spreads_calls_after_its_burst():
    now, slept = [100.0], []

    async def sleep(seconds):
        slept.append(round(seconds, 3))

    pacer = Pacer(rate=25, burst=25, clock=lambda: now[0], sleep=sleep)
    for _ in range(27):  # a minute's worth of channels all falling due at once
        await pacer.wait()
    assert slept == [0.04, 0.08]  # the 26th and 27th wait their turn, 1/25 s apart
    now[0] += 10
    await pacer.wait()
    assert len(slept) == 2 and pacer.idle() is False  # refilled, then one token taken again


async def test_channels_go_out_at_once_each_in_order_paced_and_exactly_once(make_bot, clock):
    gate = Gate()
    chat = SlowChat(Limits(Pacer(10, clock=gate.clock, sleep=gate.sleep), channel_rate=0.5, lanes=4))
    bot = await make_bot(bank=BANK, chat=chat)
    bot.outbox = Outbox(bot, clock=gate.clock, sleep=gate.sleep)
    await schedules_due_together(bot, clock)
    gate.slept.clear()
    await advance(bot, clock, timedelta(hours=2, minutes=30))  # 07:00 → 09:30: six questions due at 09:00

    keys = [s.post.key for s in chat.sent if s.kind == "send"]
    assert len(keys) == len(set(keys)) == len(CHANNELS)  # one question per channel, none twice
    assert 2 <= chat.most <= 4  # channels overlapped, never more than the lanes
    rows = await bot.store.open_posts()
    assert all(r.message_id and r.thread_id for r in rows)  # each thread opened after its own message
    # 12 deliveries (a message and a thread per channel), each with a token from the platform-wide bucket
    # (rate 10: the k-th waits k/10 s) and from its channel's (rate 0.5: the thread waits 2 s for the message)
    assert sorted(s for s in gate.slept if s != 2.0) == [round(k / 10, 3) for k in range(1, 12)]
    assert gate.slept.count(2.0) == len(CHANNELS)


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
