"""A recording fake `Chat` and helpers to drive a StudyBot from tests."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.chat import (ButtonPressed, ChannelRef, CommandInvoked, Limits, Member, MessageDeleted, MessageEdited,
                           MessagePosted, MessageRef, Post, ReactionChanged, Reply, ThreadRef, filled)

CHANNEL = ChannelRef("test", "g1", "c1")


@dataclass
class Sent:
    kind: str  # send | reply | respond | edit
    post: Post
    ref: MessageRef | None = None
    private: bool = False
    to: str | None = None
    image: bytes | None = None  # the attached file as the platform received it (read when it was sent)


PLATFORM_CALLS = frozenset({"send", "reply", "open_thread", "open_private", "edit", "react", "unreact", "reactions",
                            "replies", "find", "respond", "whisper"})


@dataclass
class FakeChat:
    """Records every outbound call; message ids are m1, m2, …; threads are named after their root.

    It is also a tiny platform: `apply(event)` makes members' messages and reactions exist on it
    (the test fixture applies every event handed to `bot.handle`), so read-backs see the truth;
    `bot.deliver` hands an event over without touching the platform (a late re-delivery)."""

    limits: Limits = field(default_factory=Limits)  # one effect at a time, in order: what tests read back
    sent: list[Sent] = field(default_factory=list)
    reacted: list[tuple[str, str]] = field(default_factory=list)  # (message id, emoji)
    unreacted: list[tuple[str, str, str]] = field(default_factory=list)
    platform_reactions: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    threads: dict[str, dict[str, Reply]] = field(default_factory=dict)  # thread id -> message id -> reply
    whispers: list[tuple[str, Post]] = field(default_factory=list)  # (member id, post)
    rooms: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # private room id -> (name, members)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __getattribute__(self, name):
        """Every platform call checks the rule it lives by: never inside a unit of work."""
        store = object.__getattribute__(self, "__dict__").get("store")
        if name in PLATFORM_CALLS and store is not None and store._mine():
            raise AssertionError(f"Chat.{name} called while a database transaction is open")
        return object.__getattribute__(self, name)

    def apply(self, event, at: datetime) -> None:
        """What the platform itself does when a member acts."""
        if isinstance(event, (MessagePosted, MessageEdited)) and event.message.thread:
            messages = self.threads.setdefault(event.message.thread, {})
            if isinstance(event, MessagePosted) and event.message.id in messages:
                return
            first = messages.get(event.message.id)
            messages[event.message.id] = Reply(event.message, event.member, event.text, first.at if first else at)
        elif isinstance(event, MessageDeleted) and event.message.thread:
            self.threads.get(event.message.thread, {}).pop(event.message.id, None)
        elif isinstance(event, ReactionChanged):
            who = self.platform_reactions.setdefault(event.message.id, {}).setdefault(event.emoji, set())
            (who.add if event.added else who.discard)(event.member.id)

    def _new(self, channel: ChannelRef, thread: str | None = None) -> MessageRef:
        return MessageRef(channel, f"m{next(self._ids)}", thread)

    @staticmethod
    def _upload(post: Post) -> bytes | None:
        """Like a platform upload: the image file must be there, whole, when the post goes out."""
        return Path(post.image).read_bytes() if post.image else None

    async def send(self, channel, post):
        ref = self._new(channel)
        self.sent.append(Sent("send", post, ref, image=self._upload(post)))
        return ref

    async def open_thread(self, message, name):
        return ThreadRef(message.channel, f"t-{message.id}")

    async def open_private(self, channel, members, name):
        room = next((r for r, (n, m) in self.rooms.items() if (n, m) == (name, tuple(members))), None)
        if room is None:
            room = f"room-{len(self.rooms) + 1}"
            self.rooms[room] = (name, tuple(members))
        return ChannelRef(channel.platform, channel.group, room)

    def in_room(self, room: str) -> list[Sent]:
        """What the bot sent into a private room."""
        return [s for s in self.sent if s.kind == "send" and s.ref.channel.channel == room]

    async def reply(self, thread, post):
        ref = self._new(thread.channel, thread.id)
        self.sent.append(Sent("reply", post, ref, image=self._upload(post)))
        return ref

    async def edit(self, message, post):
        self.sent.append(Sent("edit", post, message, image=self._upload(post)))

    async def react(self, message, emoji):
        self.reacted.append((message.id, emoji))

    async def unreact(self, message, emoji, member_id):
        self.unreacted.append((message.id, emoji, member_id))
        self.platform_reactions.get(message.id, {}).get(emoji, set()).discard(member_id)

    async def reactions(self, message):
        return {e: set(who) for e, who in self.platform_reactions.get(message.id, {}).items() if who}

    async def replies(self, thread):
        return sorted(self.threads.get(thread.id, {}).values(), key=lambda r: r.at)

    async def find(self, channel, key, thread=None):
        return next((s.ref for s in self.sent if s.kind in ("send", "reply") and s.post.key == key), None)

    async def respond(self, event, post, private):
        self.sent.append(Sent("respond", post, None, private, event.member.id, self._upload(post)))

    async def whisper(self, channel, member_id, post):
        self.whispers.append((member_id, post))

    # ---- reading what was recorded ------------------------------------------------------------

    def texts(self, kind: str | None = None) -> list[str]:
        return [s.post.text() for s in self.sent if kind is None or s.kind == kind]

    def last(self, kind: str | None = None) -> Sent:
        return [s for s in self.sent if kind is None or s.kind == kind][-1]


def member(name: str, admin: bool = False) -> Member:
    return Member(f"u-{name}", name, admin)


def command(who: Member, name: str, text: str = "", channel: ChannelRef = CHANNEL) -> CommandInvoked:
    return CommandInvoked(channel, who, name, text, uuid.uuid4().hex)


def reply(who: Member, thread: str, text: str, message_id: str | None = None) -> MessagePosted:
    return MessagePosted(MessageRef(CHANNEL, message_id or uuid.uuid4().hex, thread), who, text)


def fill(who: Member, sent: Sent, label: str, text: str) -> CommandInvoked:
    """A member presses the button `label` on a message the bot sent and sends its form with `text`."""
    button = next(b for b in sent.post.buttons if b.label == label and b.prompt)
    return filled(sent.ref.channel, who, button.id, text, uuid.uuid4().hex)


def react(who: Member, message: MessageRef, emoji: str, added: bool = True) -> ReactionChanged:
    return ReactionChanged(message, who, emoji, added)


def press(who: Member, message: MessageRef, button: str) -> ButtonPressed:
    return ButtonPressed(message, who, button, uuid.uuid4().hex)


def edited(who: Member, message: MessageRef, text: str) -> MessageEdited:
    return MessageEdited(message, who, text)


def deleted(message: MessageRef) -> MessageDeleted:
    return MessageDeleted(message)


async def advance(bot, clock, delta: timedelta) -> None:
    """Move the clock like the console's /advance: every due instant in order, then the target."""
    target = clock.now() + delta
    while (nxt := await bot.next_due(clock.now())) is not None and nxt <= target:
        clock.set(nxt)
        await bot.run_due(nxt)
        await bot.outbox.idle()  # run_due's flush returns at once while an event's flush is still sending
    clock.set(target)
    await bot.run_due(target)
    await bot.outbox.idle()
