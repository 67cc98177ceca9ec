"""THE PORT between the core and every platform.

Inbound, adapters turn platform payloads into the small frozen events below, carrying the
platform's own ids (which is what makes re-delivered events harmless). Outbound, the core
describes what to show as a `Post` and calls the `Chat` protocol; each adapter renders natively.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Protocol

from .pacing import Pacer


@dataclass(frozen=True)
class ChannelRef:
    platform: str  # "discord" | "slack" | "console": ids of different platforms never collide
    group: str  # Discord guild id / Slack team id
    channel: str


@dataclass(frozen=True)
class MessageRef:
    channel: ChannelRef
    id: str
    thread: str | None = None  # the thread the message sits in, if any


@dataclass(frozen=True)
class ThreadRef:
    channel: ChannelRef
    id: str  # Discord thread channel id / Slack thread_ts / console root message number


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    is_admin: bool = False  # adapters derive it from real platform permissions, per event


# ---- inbound events -------------------------------------------------------------------------

@dataclass(frozen=True)
class CommandInvoked:
    channel: ChannelRef
    member: Member
    name: str  # "qotd"
    text: str  # "setup time:09:00 tz:Europe/Berlin" — Slack's slash-command syntax
    id: str  # interaction id / trigger id: a re-delivery carries the same one


@dataclass(frozen=True)
class MessagePosted:
    message: MessageRef
    member: Member
    text: str


@dataclass(frozen=True)
class MessageEdited:
    message: MessageRef
    member: Member
    text: str


@dataclass(frozen=True)
class MessageDeleted:
    message: MessageRef


@dataclass(frozen=True)
class ReactionChanged:
    message: MessageRef
    member: Member
    emoji: str
    added: bool


@dataclass(frozen=True)
class ButtonPressed:
    message: MessageRef
    member: Member
    button: str  # the Button.id the core gave it
    id: str  # interaction id


Event = CommandInvoked | MessagePosted | MessageEdited | MessageDeleted | ReactionChanged | ButtonPressed


def filled(channel: ChannelRef, member: Member, button: str, text: str, id: str) -> CommandInvoked:
    """What every adapter hands over when a member sends the form of a button with a prompt: the
    command `/<button id> <text>` ("mock comment" is /mock with `comment <text>`)."""
    name, _, sub = button.partition(" ")
    return CommandInvoked(channel, member, name, f"{sub} {text}" if sub else text, id)


# ---- outbound ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Button:
    """With a `prompt`, a press asks the member for text (a form) and hands it over as the command `/<id> <text>`."""

    id: str
    label: str
    prompt: str = ""  # the form's title, e.g. "Your answer"


def button_ids(button: str, prefix: str) -> tuple[int, ...] | None:
    """The numbers in a button id the core made ("quiz:12:3:1" -> (12, 3, 1)), or None if not ours.
    Ids are forgeable: anything but short ASCII numbers (SQLite integers are 64-bit) is not ours."""
    if not button.startswith(prefix):
        return None
    parts = button[len(prefix):].split(":")
    if not all(re.fullmatch(r"[0-9]{1,18}", p) for p in parts):
        return None
    return tuple(int(p) for p in parts)


@dataclass(frozen=True)
class Post:
    """What to show, platform-neutral. `body` is light markdown (**bold**, `code`, lists).

    `key` is the outbox key of a message the bot sends: adapters carry it invisibly (Discord: a
    component custom id or embed footer; Slack: message metadata; console: its log) so that
    `Chat.find` can spot a message that was sent but not recorded before a crash.
    `link` is a message this post points at (rendered as a jump link). `ping` lists the member ids
    the post may mention; nobody by default, and never @everyone, @here or roles. `image` goes with
    a sent message or a command's answer; Slack cannot attach one to a private (ephemeral) note, where
    the text has to say it all.
    """

    title: str = ""
    body: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    key: str = ""
    link: MessageRef | None = None
    ping: tuple[str, ...] = ()
    closes_at: datetime | None = None  # when what this post asks closes: Slack and Discord show it in each reader's zone
    image: str | None = None  # a PNG file to attach: uploaded on Discord and Slack, its path printed in the console

    def to_json(self) -> str:
        d = asdict(self)
        d["closes_at"] = self.closes_at and self.closes_at.isoformat()
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Post":
        d = json.loads(text)
        link = d.get("link")
        if link:
            link = MessageRef(ChannelRef(**link["channel"]), link["id"], link.get("thread"))
        return cls(d["title"], d["body"], tuple(tuple(f) for f in d["fields"]),
                   tuple(Button(**b) for b in d["buttons"]), d["footer"], d.get("key", ""), link,
                   tuple(d.get("ping", ())), d.get("closes_at") and datetime.fromisoformat(d["closes_at"]),
                   d.get("image"))

    def text(self) -> str:
        """Plain-text rendering, used by the console and as the notification fallback."""
        parts = [f"**{self.title}**" if self.title else "", self.body]
        parts += [f"**{name}:** {value}" for name, value in self.fields]
        if self.buttons:
            parts.append("  ".join(f"[{n}. {b.label}]" for n, b in enumerate(self.buttons, 1)))
        if self.link:
            parts.append(f"→ #{self.link.id}")
        if self.footer:
            parts.append(f"_{self.footer}_")
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Reply:
    """A member's message read back from a thread (the platform is the source of truth at close)."""

    message: MessageRef
    member: Member
    text: str
    at: datetime


@dataclass(frozen=True)
class Limits:
    """How fast a platform takes the bot's requests, which the outbox keeps to: `lanes` channels
    delivered at once (each channel's effects in order), `channel_rate` deliveries a second in one
    channel (0: no bound), and `pace`, the platform-wide bucket each delivery takes a token from (an
    adapter whose call makes more requests takes one more for each). The default delivers one effect
    at a time, unpaced, in the order they were queued."""

    pace: Pacer | None = None
    channel_rate: float = 0.0
    lanes: int = 1


class Chat(Protocol):
    """What the core may ask of a platform. The core calls it only from the outbox sender and the
    read-backs, never inside a database transaction."""

    limits: Limits  # the platform's write limits, kept by the outbox sender

    async def send(self, channel: ChannelRef, post: Post) -> MessageRef: ...

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        """Idempotent: a message that already has a thread returns that thread."""
        ...

    async def open_private(self, channel: ChannelRef, members: tuple[str, ...], name: str) -> ChannelRef:
        """A conversation only these members and the bot see, to `send` into (Discord: a private thread
        of `channel`; Slack: a group DM; console: a thread). Idempotent: the same name and members
        return the same conversation."""
        ...

    async def reply(self, thread: ThreadRef, post: Post) -> MessageRef: ...

    async def edit(self, message: MessageRef, post: Post) -> None: ...

    async def react(self, message: MessageRef, emoji: str) -> None: ...

    async def unreact(self, message: MessageRef, emoji: str, member_id: str) -> None: ...

    async def reactions(self, message: MessageRef) -> dict[str, set[str]]:
        """Current reactions by emoji -> member ids, the bot's own excluded."""
        ...

    async def replies(self, thread: ThreadRef) -> list[Reply]:
        """Every member message in a thread, oldest first, the bot's own excluded."""
        ...

    async def find(self, channel: ChannelRef, key: str, thread: str | None = None) -> MessageRef | None:
        """A recent message the bot sent carrying `key` (in `thread` if given), or None."""
        ...

    async def respond(self, event: CommandInvoked | ButtonPressed, post: Post, private: bool) -> None: ...

    async def whisper(self, channel: ChannelRef, member_id: str, post: Post) -> None:
        """Tell one member privately (Slack ephemeral, Discord DM); a press on its buttons is a press in `channel`."""
        ...


# ---- mentions ---------------------------------------------------------------------------------

_MENTION = re.compile(r"@(?=everyone|here|channel)|<(?=[@#!])", re.I)  # no word boundary: "@here2" pings too


def quiet(text: str) -> str:
    """User text made inert: @everyone/@here/@channel and <@…>/<#…>/<!…> can no longer ping.

    Adapters also send with mentions disabled; this is the second lock, for every user string
    the core echoes (answers, poll options, names).
    """
    return _MENTION.sub(lambda m: m.group(0) + "\u200b" if m.group(0) == "@" else "<\u200b", text)
