"""The outbox sender: platform effects leave only after the state change that wants them committed.

Features enqueue effects inside their unit of work (`send`, `reply`, `thread`, …, each with a stable
key); `flush()` delivers what is pending, oldest first, outside any transaction, and records each
result. A send that may have happened before a crash (it was attempted but not recorded) is looked
up on the platform by its key instead of being sent again; a whisper is at most once.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from .chat import ChannelRef, MessageRef, Post, ThreadRef

if TYPE_CHECKING:
    from ..store import Effect
    from .app import StudyBot

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class Outbox:
    def __init__(self, bot: StudyBot):
        self.bot = bot
        self._lock = asyncio.Lock()  # one sender: an effect is never delivered by two tasks at once

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
        """Deliver every pending effect whose prerequisites are done; a failure waits for the next flush."""
        async with self._lock:
            for effect in await self.bot.store.pending_effects():
                thread, target = await self._resolve(effect.thread), await self._resolve(effect.target)
                if (effect.thread and thread is None) or (effect.target and target is None):
                    continue  # what it builds on is not delivered yet
                try:
                    result = await self._deliver(effect, thread, target)
                except Exception as exc:
                    await self._failed(effect, exc)
                    continue
                async with self.bot.store.transaction() as store:
                    await store.effect_done(effect.id, result)

    async def _resolve(self, ref: str | None) -> str | None:
        if ref and ref.startswith("@"):
            return await self.bot.store.effect_result(ref[1:])
        return ref

    async def _deliver(self, e: Effect, thread: str | None, target: str | None) -> str | None:
        chat, channel = self.bot.chat, ChannelRef(e.platform, e.group, e.channel)
        async with self.bot.store.transaction() as store:
            await store.effect_attempted(e.id)  # before the call: a crash after it leaves a trace
        if e.attempts and e.op in ("send", "reply"):
            found = await chat.find(channel, e.key, thread)
            if found is not None:
                return found.id
        if e.attempts and e.op == "whisper":
            return None  # it may have reached the member already: a private note is at most once
        message = MessageRef(channel, target, thread) if target else None
        match e.op:
            case "send":
                return (await chat.send(channel, Post.from_json(e.post))).id
            case "reply":
                return (await chat.reply(ThreadRef(channel, thread), Post.from_json(e.post))).id
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
        if last:
            async with self.bot.store.transaction() as store:
                await store.effect_failed(e.id)
