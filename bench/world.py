"""A bot at scale on a real SQLite file: many groups, each with members, a daily schedule and an open
question (message and thread delivered), built through the store and the core's own due work."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.content import Bank, bundled_dir, load_bank
from bot.core.app import StudyBot
from bot.core.chat import ChannelRef, Limits, MessageRef, Reply, ThreadRef
from bot.core.clock import Clock
from bot.store import Store

PLATFORM = "bench"
DAILY = "mon,tue,wed,thu,fri,sat,sun"

_BANK: Bank | None = None


def bank() -> Bank:
    """The bundled bank, loaded once per process."""
    global _BANK
    if _BANK is None:
        _BANK = load_bank(bundled_dir())
    return _BANK


class RecordingChat:
    """A platform that answers at once and only counts: ids are numbers, read-backs are empty."""

    limits = Limits(lanes=1000)  # many channels at once, as Discord and Slack deliver; never rate-limited

    def __init__(self):
        self.calls: dict[str, int] = {}
        self._ids = itertools.count(1)

    def _count(self, name: str) -> str:
        self.calls[name] = self.calls.get(name, 0) + 1
        return str(next(self._ids))

    async def send(self, channel, post):
        return MessageRef(channel, self._count("send"))

    async def reply(self, thread, post):
        return MessageRef(thread.channel, self._count("reply"), thread.id)

    async def open_thread(self, message, name):
        self._count("thread")
        return ThreadRef(message.channel, f"t{message.id}")

    async def open_private(self, channel, members, name):
        return ChannelRef(channel.platform, channel.group, f"p{self._count('private')}")

    async def edit(self, message, post):
        self._count("edit")

    async def react(self, message, emoji):
        self._count("react")

    async def unreact(self, message, emoji, member_id):
        self._count("unreact")

    async def reactions(self, message) -> dict[str, set[str]]:
        return {}

    async def replies(self, thread) -> list[Reply]:
        return []

    async def find(self, channel, key, thread=None):
        return None

    async def respond(self, event, post, private):
        self._count("respond")

    async def whisper(self, channel, member_id, post):
        self._count("whisper")


@dataclass(frozen=True)
class Channel:
    """One group's channel and its open question, as the events of a workload address them."""

    ref: ChannelRef
    message: str  # the question's message id
    thread: str  # its thread
    members: tuple[str, ...]


def channel_of(group: int) -> ChannelRef:
    return ChannelRef(PLATFORM, f"g{group}", "qotd")


async def build(path: Path, groups: int, members: int, clock: Clock, chat=None,
                topics: tuple[str, ...] = (), due_in: timedelta = timedelta(hours=-1)
                ) -> tuple[StudyBot, list[Channel]]:
    """`groups` groups with `members` members each and a daily schedule due `due_in` from now. By default
    it fell due an hour ago, so the core's own run_due posts every group's question now (open 23 hours:
    nothing else falls due while a workload runs)."""
    store = await Store.open(path)
    bot = StudyBot(store, bank(), chat or RecordingChat(), clock)
    now = clock.now()
    at = now + due_in
    async with store.transaction():
        for g in range(groups):
            group = await store.group(PLATFORM, f"g{g}")
            for m in range(members):
                await store.remember_member(group.id, f"u{g}-{m}", f"member {m} of group {g}")
            await store.save_schedule(group.id, "qotd", f"{at:%H:%M}", "UTC", DAILY, topics, 23 * 3600,
                                      now - timedelta(hours=2))
    await bot.run_due(now)
    channels = []
    for row in await store.open_posts():
        group = (await store.group_by_id((await store.schedule(row.schedule_id)).group_id)).external_id
        g = int(group[1:])
        channels.append(Channel(channel_of(g), row.message_id, row.thread_id,
                                tuple(f"u{g}-{m}" for m in range(members))))
    return bot, channels
