"""The local console: a tiny simulated chat platform plus a REPL, the embedded default.

`ConsolePlatform` is the "server": messages, threads, reactions and buttons live there and survive
a bot restart (`/restart`, `/down`, `/up`), just as a Discord channel outlives the bot process.
`ConsoleChat` is the adapter the core talks to. Everything the core does is printed with a number,
so a script on stdin can refer to it (`/react 7 A`).
"""
from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Awaitable, Callable, TextIO

from ..core.chat import (Button, ButtonPressed, ChannelRef, CommandInvoked, Limits, Member, MessageDeleted,
                         MessageEdited, MessagePosted, MessageRef, Post, ReactionChanged, Reply, ThreadRef, filled)
from ..core.clock import UTC, BadValue, ManualClock, parse_duration
from ..core.polls import KEYCAPS

log = logging.getLogger(__name__)

BOT = "studybot"
MAX_ADVANCE = timedelta(days=366)  # a year of due work at a time keeps /advance interactive
CHANNEL = ChannelRef("console", "local", "study")
ALIASES = {"+1": "👍", ":+1:": "👍", "up": "👍", "thumbsup": "👍", ":thumbsup:": "👍", "check": "✅"}
ALIASES |= {c: chr(0x1F1E6 + i) for i, c in enumerate("abcdef")}
ALIASES |= {str(n): k for n, k in enumerate(KEYCAPS, 1)}

HELP = """\
/as <name> [admin]      act as member <name> (created on first use)
/advance <duration>     move the clock forward (30m, 2h, 1d) and run everything that fell due, in order
/react <msg> <emoji>    add a reaction to message <msg> (A-F, 1-10 and +1 work as shortcuts)
/unreact <msg> <emoji>  remove it
/click <msg> <button> [text]   press a button on message <msg>, by its label or number (a button
                        that asks for text, like a blind question's Answer, takes it after: /click 7 Answer …)
/edit <msg> <text>      edit your message;  /delete <msg> deletes it
/down, /up, /restart [duration]   stop the bot, start it again (on the same database), or both
> <text>                reply in the thread of the latest message that has one
<text>                  a plain message in the channel
/<command> …            any bot command, e.g. /help, /qotd setup time:09:00
/quit                   leave"""


@dataclass
class Message:
    number: int
    author: str  # member id, or BOT
    text: str
    thread: int | None = None  # root message number when posted in a thread
    post: Post | None = None
    private_to: str | None = None
    has_thread: bool = False
    members: tuple[str, ...] = ()  # a private thread (its root and its messages): who may see it
    deleted: bool = False
    reactions: dict[str, set[str]] = field(default_factory=dict)
    at: datetime | None = None

    def ref(self) -> MessageRef:
        return MessageRef(CHANNEL, str(self.number), str(self.thread) if self.thread else None)


class OutputClosed(BaseException):
    """Nobody reads the console any more: not an Exception, so no handler on the way swallows it."""


class Printer:
    """Plain text off a terminal; bold and dim colours on one."""

    def __init__(self, out: TextIO, colour: bool):
        self.out, self.colour = out, colour
        self.closed = False

    def style(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def markdown(self, text: str) -> str:
        text = re.sub(r"^_(.+)_$", lambda m: self.style(m[1], "3"), text, flags=re.M)
        return re.sub(r"\*\*(.+?)\*\*", lambda m: self.style(m[1], "1"), text)

    def line(self, text: str = "") -> None:
        if self.closed:
            return
        try:
            print(text, file=self.out, flush=True)
        except BrokenPipeError:  # `studybot console < script | head -2`: the reader left, so leave quietly
            self.closed = True
            if self.out is sys.stdout:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit's flush
            raise OutputClosed from None

    def message(self, m: Message, when: datetime, names: dict[str, str]) -> None:
        who = BOT if m.author == BOT else names.get(m.author, m.author)
        where = f" in thread #{m.thread}" if m.thread else ""
        private = " (only you can see this)" if m.private_to else ""
        if m.members:
            private += f" (private: {', '.join(names.get(x, x) for x in m.members)})"
        head = f"#{m.number} {who}{where}{private} · {when.astimezone(UTC):%a %d %b %H:%M} UTC"
        self.line(self.style(head, "36" if m.author == BOT else "33"))
        for text_line in self.markdown(m.text).splitlines() or [""]:
            self.line(f"  {text_line}")


class ConsolePlatform:
    """The simulated chat server: it outlives any one bot process."""

    def __init__(self, clock: ManualClock, printer: Printer):
        self.clock, self.printer = clock, printer
        self.messages: dict[int, Message] = {}
        self.members: dict[str, Member] = {}
        self.echoes: list[ReactionChanged] = []  # what the bot's own actions make the platform report back

    def member(self, name: str, admin: bool = False) -> Member:
        key = name.lower()
        known = self.members.get(key)
        if known is None or (admin and not known.is_admin):
            self.members[key] = Member(key, name if known is None else known.name, admin or bool(known and known.is_admin))
        return self.members[key]

    def add(self, author: str, text: str, thread: int | None = None, post: Post | None = None,
            private_to: str | None = None, members: tuple[str, ...] = ()) -> Message:
        m = Message(len(self.messages) + 1, author, text, thread, post, private_to, members=members,
                    at=self.clock.now())
        self.messages[m.number] = m
        self.printer.message(m, self.clock.now(), {k: v.name for k, v in self.members.items()})
        return m

    def get(self, number: str) -> Message:
        digits = number.lstrip("#")
        m = self.messages.get(int(digits)) if digits.isdigit() else None
        if m is None or m.deleted:
            raise BadValue(f"There is no message {number}.")
        return m


def shown(post: Post) -> str:
    """A post as the console prints it: its text, and where its image was written (open it from there)."""
    return post.text() + (f"\n🖼 image: {post.image}" if post.image else "")


class ConsoleChat:
    """The core's port, rendered as plain text on the console platform."""

    limits = Limits()  # a local log: one effect at a time, in order, unpaced

    def __init__(self, platform: ConsolePlatform):
        self.platform = platform

    async def send(self, channel: ChannelRef, post: Post) -> MessageRef:
        room = self.platform.messages.get(int(channel.channel)) if channel.channel.isdigit() else None
        if room is not None:  # a private thread, addressed by its root's number
            return self.platform.add(BOT, shown(post), thread=room.number, post=post, members=room.members).ref()
        return self.platform.add(BOT, shown(post), post=post).ref()

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        root = self.platform.messages[int(message.id)]
        root.has_thread = True
        self.platform.printer.line(self.platform.printer.style(f"  🧵 thread on #{root.number}: {name}", "2"))
        return ThreadRef(message.channel, message.id)

    async def open_private(self, channel: ChannelRef, members: tuple[str, ...], name: str) -> ChannelRef:
        """A thread only `members` may use, under a root message that names it."""
        title = f"🔒 {name}"
        root = next((m for m in self.platform.messages.values()
                     if m.author == BOT and m.members == tuple(members) and m.thread is None and m.text == title), None)
        if root is None:
            root = self.platform.add(BOT, title, members=tuple(members))
            root.has_thread = True
        return ChannelRef(channel.platform, channel.group, str(root.number))

    async def reply(self, thread: ThreadRef, post: Post) -> MessageRef:
        return self.platform.add(BOT, shown(post), thread=int(thread.id), post=post).ref()

    async def edit(self, message: MessageRef, post: Post) -> None:
        m = self.platform.messages[int(message.id)]
        m.text, m.post = shown(post), post
        self.platform.printer.line(self.platform.printer.style(f"  (#{m.number} edited)", "2"))
        self.platform.printer.message(m, self.platform.clock.now(), {})

    async def react(self, message: MessageRef, emoji: str) -> None:
        self.platform.messages[int(message.id)].reactions.setdefault(emoji, set()).add(BOT)
        self.platform.printer.line(self.platform.printer.style(f"  {emoji} {BOT} on #{message.id}", "2"))

    async def unreact(self, message: MessageRef, emoji: str, member_id: str) -> None:
        m = self.platform.messages[int(message.id)]
        if member_id in m.reactions.get(emoji, set()):  # like Discord, report the removal as an event
            member = self.platform.members.get(member_id) or Member(member_id, member_id)
            self.platform.echoes.append(ReactionChanged(m.ref(), member, emoji, False))
        m.reactions.get(emoji, set()).discard(member_id)
        self.platform.printer.line(self.platform.printer.style(f"  {BOT} removed {emoji} of {member_id} on #{message.id}", "2"))

    async def reactions(self, message: MessageRef) -> dict[str, set[str]]:
        found = self.platform.messages[int(message.id)].reactions
        return {e: who - {BOT} for e, who in found.items() if who - {BOT}}

    async def replies(self, thread: ThreadRef) -> list[Reply]:
        p = self.platform
        return [Reply(m.ref(), p.members.get(m.author) or Member(m.author, m.author), m.text, m.at)
                for m in p.messages.values() if m.thread == int(thread.id) and m.author != BOT and not m.deleted]

    async def find(self, channel: ChannelRef, key: str, thread: str | None = None) -> MessageRef | None:
        """The console's log is its history: a message the bot sent carries its outbox key."""
        return next((m.ref() for m in self.platform.messages.values()
                     if m.author == BOT and m.post is not None and m.post.key == key), None)

    async def respond(self, event: CommandInvoked | ButtonPressed, post: Post, private: bool) -> None:
        thread = int(event.message.thread) if isinstance(event, ButtonPressed) and event.message.thread else None
        self.platform.add(BOT, shown(post), thread=thread, post=post, private_to=event.member.id if private else None)

    async def whisper(self, channel: ChannelRef, member_id: str, post: Post) -> None:
        self.platform.add(BOT, shown(post), post=post, private_to=member_id)


class Console:
    """Reads lines, acts them out on the platform and hands the resulting events to the bot."""

    def __init__(self, platform: ConsolePlatform, start_bot: Callable[[], Awaitable], stop_bot: Callable[[object], Awaitable]):
        self.platform, self.start_bot, self.stop_bot = platform, start_bot, stop_bot
        self.bot = None
        self.me = platform.member("you", admin=True)

    @property
    def say(self) -> Printer:
        return self.platform.printer

    async def up(self) -> None:
        if self.bot is None:
            self.bot = await self.start_bot()
            self.say.line(self.say.style(f"— {BOT} is up", "2"))
            await self.bot.start()
            await self.echo()

    async def down(self) -> None:
        if self.bot is not None:
            await self.stop_bot(self.bot)
            self.bot = None
            self.say.line(self.say.style(f"— {BOT} is down: events still happen, nobody answers", "2"))

    async def deliver(self, event) -> None:
        if self.bot is not None:
            await self.bot.handle(event)
            await self.echo()

    async def echo(self) -> None:
        """Deliver the events the bot's own actions caused, after the one that caused them."""
        while self.bot is not None and self.platform.echoes:
            await self.bot.handle(self.platform.echoes.pop(0))

    async def advance(self, text: str) -> None:
        clock = self.platform.clock
        target = clock.now() + parse_duration(text)
        while self.bot is not None:
            nxt = await self.bot.next_due(clock.now())
            if nxt is None or nxt > target:
                break
            clock.set(nxt)
            await self.bot.run_due(nxt)
        clock.set(target)
        if self.bot is not None:
            await self.bot.run_due(target)
        self.say.line(self.say.style(f"— it is now {target.astimezone(UTC):%a %d %b %Y %H:%M} UTC", "2"))

    async def run(self, lines, interactive: bool) -> None:
        try:
            await self.session(lines, interactive)
        except OutputClosed:
            pass  # the reader left: stop quietly, but still close the database cleanly
        await self.down()

    async def session(self, lines, interactive: bool) -> None:
        await self.up()
        while True:
            if interactive:
                self.say.out.write(self.say.style(f"{self.me.name}> ", "1"))
                self.say.out.flush()
            line = await lines()
            if line is None:
                break
            line = line.rstrip("\n")
            if line.strip() in ("/quit", "/exit"):
                break
            try:
                await self.line(line)
            except BadValue as exc:
                self.say.line(f"  ⚠️ {exc}")
            except Exception:  # a console bug must not end the session or show a traceback
                log.exception("console line failed: %s", line)
                self.say.line("  ⚠️ That went wrong on my side; the details are in the log. Nothing else changed.")

    async def line(self, line: str) -> None:
        text = line.strip()
        if not text or text.startswith("#!") or text.startswith("# "):
            return  # blank lines and comments make scripts readable
        if text.startswith(">"):
            roots = [m for m in self.platform.messages.values()
                     if m.has_thread and not m.deleted and (not m.members or self.me.id in m.members)]
            if not roots:
                raise BadValue("There is no thread to reply in yet.")
            await self.post(text[1:].strip(), thread=roots[-1].number)
            return
        if not text.startswith("/"):
            await self.post(text)
            return
        name, _, rest = text[1:].partition(" ")
        action = getattr(self, f"cmd_{name.lower()}", None)
        if action is not None:
            await action(rest.strip())
            return
        self.say.line(self.say.style(f"  {self.me.name} ran {text}", "2"))
        if self.bot is None:
            self.say.line("  (the bot is down: nobody answers)")
        await self.deliver(CommandInvoked(CHANNEL, self.me, name, rest.strip(), uuid.uuid4().hex))

    async def post(self, text: str, thread: int | None = None) -> None:
        members = self.platform.messages[thread].members if thread else ()
        m = self.platform.add(self.me.id, text, thread=thread, members=members)
        await self.deliver(MessagePosted(m.ref(), self.me, text))

    def _own(self, number: str) -> Message:
        m = self.platform.get(number)
        if m.author != self.me.id:
            raise BadValue(f"Message #{m.number} is not yours to change.")
        return m

    # ---- console-only commands ---------------------------------------------------------------

    async def cmd_as(self, rest: str) -> None:
        words = rest.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() != "admin"):
            raise BadValue("Usage: /as <name> [admin]")
        self.me = self.platform.member(words[0], admin=len(words) == 2)
        self.say.line(self.say.style(f"— you are now {self.me.name}{' (admin)' if self.me.is_admin else ''}", "2"))

    async def cmd_advance(self, rest: str) -> None:
        if parse_duration(rest or "1d") > MAX_ADVANCE:
            raise BadValue(f"/advance moves the clock at most {MAX_ADVANCE.days}d at a time; "
                           "repeat it to go further.")
        await self.advance(rest or "1d")

    async def cmd_react(self, rest: str, added: bool = True) -> None:
        words = rest.split()
        if len(words) != 2:
            raise BadValue(f"Usage: /{'react' if added else 'unreact'} <msg> <emoji>")
        m = self.platform.get(words[0])
        emoji = ALIASES.get(words[1].lower(), words[1])
        who = m.reactions.setdefault(emoji, set())
        if (self.me.id in who) == added:
            return  # platforms ignore a second identical reaction
        (who.add if added else who.discard)(self.me.id)
        self.say.line(self.say.style(f"  {emoji} {self.me.name} {'on' if added else 'removed from'} #{m.number}", "2"))
        await self.deliver(ReactionChanged(m.ref(), self.me, emoji, added))

    async def cmd_unreact(self, rest: str) -> None:
        await self.cmd_react(rest, added=False)

    async def cmd_click(self, rest: str) -> None:
        number, _, label = rest.partition(" ")
        if not number:
            raise BadValue("Which message? Usage: /click <msg> <button>, e.g. /click 7 2")
        m = self.platform.get(number)
        buttons = m.post.buttons if m.post else ()
        if (m.private_to and m.private_to != self.me.id) or (m.members and self.me.id not in m.members):
            raise BadValue(f"Message #{m.number} is private to someone else.")
        def named(word: str, prompts: bool = False) -> Button | None:
            return next((b for n, b in enumerate(buttons, 1) if word.strip().lower() in (str(n), b.label.lower())
                         and (b.prompt or not prompts)), None)
        chosen, text = named(label), ""
        if chosen is None:  # a button that asks for text, with the text after it
            word, _, text = label.strip().partition(" ")
            chosen = named(word, prompts=True)
        if chosen is None:
            names = ", ".join(f"{n}. {b.label}" for n, b in enumerate(buttons, 1)) or "none"
            raise BadValue(f"Message #{m.number} has no button `{label}`. Buttons: {names}.")
        if chosen.prompt:  # its form, filled in on the same line: the text goes to the bot alone
            if not text.strip():
                raise BadValue(f"[{chosen.label}] asks for {chosen.prompt.lower()}: "
                               f"/click {m.number} {chosen.label} <text>")
            self.say.line(self.say.style(f"  {self.me.name} pressed [{chosen.label}] on #{m.number} and sent its form",
                                         "2"))
            await self.deliver(filled(CHANNEL, self.me, chosen.id, text.strip(), uuid.uuid4().hex))
            return
        self.say.line(self.say.style(f"  {self.me.name} pressed [{chosen.label}] on #{m.number}", "2"))
        await self.deliver(ButtonPressed(m.ref(), self.me, chosen.id, uuid.uuid4().hex))

    async def cmd_edit(self, rest: str) -> None:
        number, _, text = rest.partition(" ")
        if not text.strip():
            raise BadValue("Usage: /edit <msg> <text>")
        m = self._own(number)
        m.text = text
        self.say.line(self.say.style(f"  (#{m.number} edited)", "2"))
        await self.deliver(MessageEdited(m.ref(), self.me, text))

    async def cmd_delete(self, rest: str) -> None:
        if not rest.strip():
            raise BadValue("Which message? Usage: /delete <msg>, e.g. /delete 7")
        m = self._own(rest.strip())
        m.deleted = True
        self.say.line(self.say.style(f"  (#{m.number} deleted)", "2"))
        await self.deliver(MessageDeleted(m.ref()))

    async def cmd_down(self, rest: str) -> None:
        await self.down()

    async def cmd_up(self, rest: str) -> None:
        await self.up()

    async def cmd_restart(self, rest: str) -> None:
        await self.down()
        if rest:
            await self.advance(rest)
        await self.up()

    async def cmd_console(self, rest: str) -> None:
        self.say.line(HELP)
