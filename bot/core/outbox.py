"""The outbox sender: platform effects leave only after the state change that wants them committed.

Features enqueue effects inside their unit of work (`send`, `reply`, `thread`, …, each with a stable
key); `flush()` delivers what is pending, oldest first, outside any transaction, and records each
result. A send that may have happened before a crash (it was attempted but not recorded) is looked
up on the platform by its key instead of being sent again; a whisper is at most once.

The chat's `Limits` say how: by default one effect at a time in the order queued; for a live
platform, many channels at once (each channel's effects in order, since a thread needs its message)
paced to the platform's rate limits, so a thousand channels' questions due in the same minute go
out as fast as the platform allows, with no 429s.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from .chat import ChannelRef, Limits, MessageRef, Post, ThreadRef
from .pacing import Pacer

if TYPE_CHECKING:
    from ..store import Effect
    from .app import StudyBot

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def repeatable(e: Effect) -> bool:
    """Doing it twice leaves the platform as doing it once (an edit, a reaction, a public thread, which
    `open_thread` returns if it exists): no attempt is noted before the call, since after a crash it
    is simply done again. Sends, replies, whispers and private rooms are noted first."""
    return e.op in ("edit", "react", "unreact") or (e.op == "thread" and not e.member)


class Outbox:
    def __init__(self, bot: StudyBot, clock=time.monotonic, sleep=asyncio.sleep):
        self.bot = bot
        self._lock = asyncio.Lock()  # one sender: an effect is never delivered by two tasks at once
        self._wanted = False  # a flush was asked for while the sender was busy: it goes round again
        self.limits: Limits = getattr(bot.chat, "limits", None) or Limits()
        self._clock, self._sleep = clock, sleep  # for the per-channel buckets
        self._channels: dict[tuple[str, str, str], Pacer] = {}

    # ---- enqueue, inside a unit of work ----------------------------------------------------------

    async def _put(self, key: str, op: str, channel: ChannelRef, post: Post | None = None, **kw) -> bool:
        text = replace(post, key=key).to_json() if post is not None else kw.pop("name", None)
        return await self.bot.store.enqueue(key, op, channel.platform, channel.group, channel.channel,
                                            self.bot.clock.now(), post=text, **kw)

    async def send(self, key: str, channel: ChannelRef, post: Post, record: str | None = None) -> bool:
        return await self._put(key, "send", channel, post, record=record)

    async def reply(self, key: str, channel: ChannelRef, thread: str, post: Post, record: str | None = None) -> bool:
        """`thread` is a thread id, or "@key" of the effect that opens it."""
        return await self._put(key, "reply", channel, post, thread=thread, record=record)

    async def open_thread(self, key: str, channel: ChannelRef, target: str, name: str,
                          record: str | None = None) -> bool:
        return await self._put(key, "thread", channel, name=name, target=target, record=record)

    async def open_private(self, key: str, channel: ChannelRef, members: tuple[str, ...], name: str,
                           record: str | None = None) -> bool:
        """A conversation only `members` see (a thread with members and no message). Effects address it
        as the channel "@key"."""
        return await self._put(key, "thread", channel, name=name, member=",".join(members), record=record)

    async def edit(self, key: str, channel: ChannelRef, target: str, post: Post, thread: str | None = None) -> bool:
        return await self._put(key, "edit", channel, post, target=target, thread=thread)

    async def react(self, key: str, channel: ChannelRef, target: str, emoji: str, thread: str | None = None) -> bool:
        return await self._put(key, "react", channel, target=target, emoji=emoji, thread=thread)

    async def unreact(self, key: str, channel: ChannelRef, target: str, emoji: str, member: str) -> bool:
        return await self._put(key, "unreact", channel, target=target, emoji=emoji, member=member)

    async def whisper(self, key: str, channel: ChannelRef, member: str, post: Post) -> bool:
        return await self._put(key, "whisper", channel, post, member=member)

    # ---- deliver, outside any transaction --------------------------------------------------------

    async def flush(self) -> None:
        """Deliver every pending effect whose prerequisites are done; a failure waits for the next flush.
        One sender at a time: asked while another flush runs, it returns at once and the running one goes
        round again, so an event never waits behind other events' deliveries or their pacing."""
        self._wanted = True
        if self._lock.locked():
            return
        async with self._lock:
            while self._wanted:
                self._wanted = False
                while await self._pass():
                    pass  # an effect skipped for a prerequisite that another lane has delivered since

    async def idle(self) -> None:
        """Until the running flush, if any, has gone round for the last time: what was handed to the
        sender is then delivered (or waits for the next flush after a failure)."""
        async with self._lock:
            pass

    async def _pass(self) -> bool:
        """One pass over what is pending; True when it should be run again at once."""
        effects = await self.bot.store.pending_effects()
        if self.limits.lanes <= 1:
            lanes = [effects] if effects else []
        else:
            by_channel: dict[tuple[str, str, str], list[Effect]] = {}
            for effect in effects:
                by_channel.setdefault((effect.platform, effect.group, effect.channel), []).append(effect)
            lanes = list(by_channel.values())
            self._channels = {k: p for k, p in self._channels.items() if not p.idle()}
        delivered = skipped = 0

        async def work() -> None:
            nonlocal delivered, skipped
            while lanes:
                done, waiting = await self._lane(lanes.pop(0))
                delivered, skipped = delivered + done, skipped + waiting

        workers = [asyncio.create_task(work()) for _ in range(min(self.limits.lanes, len(lanes)))]
        try:
            await asyncio.gather(*workers)
        finally:  # one lane failed hard (or the flush was cancelled): stop the others before leaving
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return bool(delivered and skipped)

    async def _lane(self, effects: list[Effect]) -> tuple[int, int]:
        """Deliver one channel's effects in order: (how many were delivered, how many wait for a prerequisite)."""
        delivered = skipped = 0
        for effect in effects:
            thread, target = await self._resolve(effect.thread), await self._resolve(effect.target)
            room = await self._resolve(effect.channel)
            if (effect.thread and thread is None) or (effect.target and target is None) or room is None:
                skipped += 1
                continue  # what it builds on is not delivered yet
            try:
                result = await self._deliver(replace(effect, channel=room), thread, target)
            except Exception as exc:
                await self._failed(effect, exc)
                continue
            async with self.bot.store.transaction() as store:
                await store.effect_done(effect.id, result)
            delivered += 1
        return delivered, skipped

    async def _pace(self, e: Effect) -> None:
        """Wait for the channel's bucket, then the platform-wide one (so a channel waiting its turn holds
        no platform-wide slot); the channel counts the call from when it really goes."""
        channel = None
        if self.limits.channel_rate:
            key = (e.platform, e.group, e.channel)
            if key not in self._channels:
                self._channels[key] = Pacer(self.limits.channel_rate, clock=self._clock, sleep=self._sleep)
            channel = self._channels[key]
            await channel.wait()
        if self.limits.pace:
            await self.limits.pace.wait()
            if channel:
                channel.went_now()

    async def _resolve(self, ref: str | None) -> str | None:
        if ref and ref.startswith("@"):
            return await self.bot.store.effect_result(ref[1:])
        return ref

    async def _deliver(self, e: Effect, thread: str | None, target: str | None) -> str | None:
        chat, channel = self.bot.chat, ChannelRef(e.platform, e.group, e.channel)
        if not repeatable(e):
            async with self.bot.store.transaction() as store:
                await store.effect_attempted(e.id)  # before the call: a crash after it leaves a trace
        if e.attempts and e.op in ("send", "reply"):
            found = await chat.find(channel, e.key, thread)
            if found is not None:
                return found.id
        if e.attempts and e.op == "whisper":
            return None  # it may have reached the member already: a private note is at most once
        message = MessageRef(channel, target, thread) if target else None
        await self._pace(e)
        match e.op:
            case "send":
                return (await chat.send(channel, Post.from_json(e.post))).id
            case "reply":
                return (await chat.reply(ThreadRef(channel, thread), Post.from_json(e.post))).id
            case "thread" if e.member:
                return (await chat.open_private(channel, tuple(e.member.split(",")), e.post)).channel
            case "thread":
                return (await chat.open_thread(message, e.post)).id
            case "edit":
                await chat.edit(message, Post.from_json(e.post))
            case "react":
                await chat.react(message, e.emoji)
            case "unreact":
                await chat.unreact(message, e.emoji, e.member)
            case "whisper":
                await chat.whisper(channel, e.member, Post.from_json(e.post))
        return None

    async def _failed(self, e: Effect, exc: Exception) -> None:
        last = e.attempts + 1 >= MAX_ATTEMPTS
        log.warning("%s %s failed (attempt %d of %d): %s", e.op, e.key, e.attempts + 1, MAX_ATTEMPTS, exc)
        if last or repeatable(e):
            async with self.bot.store.transaction() as store:
                if repeatable(e):
                    await store.effect_attempted(e.id)  # counted only when it fails (see `repeatable`)
                if last:
                    await store.effect_failed(e.id)
