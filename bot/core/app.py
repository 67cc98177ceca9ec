"""StudyBot: routes commands and events to the features, owns permissions and errors.

It is composed with a store, a bank, a chat and a clock (see bootstrap in bot/__main__.py), never
subclassed per platform: the same object runs behind the console, Discord and Slack.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from ..content import Bank
from ..store import Group, Store
from .chat import (ButtonPressed, ChannelRef, Chat, CommandInvoked, Event, Member, MessageDeleted, MessageEdited,
                   MessagePosted, Post, ReactionChanged, quiet)
from .clock import Clock
from .commands import Invocation, UserError, help_text, parse
from .daily import Daily
from .digest import Digest
from .goal import Goal
from .mock import Mock
from .outbox import Outbox
from .polls import Polls
from .practice import Practice
from .quiz import Quiz
from .scores import Scores
from .selfreview import SelfReview
from .stats import Stats
from .suggestions import Suggestions

log = logging.getLogger(__name__)

OOPS = "Sorry — something went wrong on my side. Nothing was changed; please try again in a moment."


def scrub(value):
    """Lone surrogates (which JSON payloads can carry) become U+FFFD in every string of an event:
    SQLite and every platform refuse them, and a member's odd display name must not lock them out.
    Only what has one is rebuilt: UTF-8 refuses exactly the surrogates, so the check runs in C."""
    if isinstance(value, str):
        try:
            value.encode()
            return value
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    changed = None
    for name in _names(type(value)):
        old = getattr(value, name)
        if (new := scrub(old)) is not old:
            changed = {**(changed or {}), name: new}
    return replace(value, **changed) if changed else value


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    """The fields of an event's dataclasses; none for anything else."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else ()


@dataclass(frozen=True)
class Ctx:
    """Who did what where, plus the way to answer them (sent once the unit of work has committed)."""

    bot: StudyBot
    event: Event
    group: Group
    channel: ChannelRef
    member: Member
    replies: list[tuple[Post, bool]] = field(default_factory=list)
    after: list = field(default_factory=list)  # work that reads the platform or is slow: run after the commit

    async def reply(self, post: Post, private: bool = False) -> None:
        self.replies.append((post, private))


class StudyBot:
    def __init__(self, store: Store, bank: Bank, chat: Chat, clock: Clock, grace: timedelta = timedelta(hours=6),
                 charts: Path | None = None):
        self.store, self.bank, self.chat, self.clock, self.grace = store, bank, chat, clock, grace
        self.outbox = Outbox(self)
        self.daily = Daily(self)
        self.scores = Scores(self)
        self.polls = Polls(self)
        self.quiz = Quiz(self)
        self.practice = Practice(self)
        self.stats = Stats(self, charts)
        self.digest = Digest(self)
        self.self_review = SelfReview(self)
        self.suggestions = Suggestions(self)
        self.goal = Goal(self)
        self.mock = Mock(self)
        # Features, in the order they are offered a message, reaction or button press. Each may
        # define: routes (command name -> handler), on_message, on_edit, on_delete, on_reaction,
        # on_button (return True when the event was theirs), run_due, next_due and start.
        self.features = [self.daily, self.scores, self.polls, self.quiz, self.practice, self.stats,
                         self.digest, self.self_review, self.suggestions, self.goal, self.mock]
        self.routes = {"topics": self.topics, "help": self.help}
        for feature in self.features:
            self.routes |= feature.routes

    # ---- inbound ---------------------------------------------------------------------------------

    async def handle(self, event: Event) -> None:
        """Handle one platform event as one unit of work. Its reads, writes, "already handled" marker
        and outbox effects commit together or not at all; replies and effects leave after the commit.
        Never raises: members get a friendly reply, the log the traceback."""
        event = scrub(event)
        replies: list[tuple[Post, bool]] = []
        after: list = []
        try:
            async with self.store.transaction():
                await self._dispatch(event, replies, after)
            for work in after:
                await work()
        except UserError as exc:
            replies = [(Post(body=quiet(f"⚠️ {exc}")), True)]
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            replies = [(Post(body=OOPS), True)]
        await self.flush()
        if isinstance(event, (CommandInvoked, ButtonPressed)):
            for post, private in replies:
                try:
                    await self.chat.respond(event, post, private)
                except Exception:
                    log.warning("could not answer %s %s", type(event).__name__, event.id, exc_info=True)

    async def flush(self) -> None:
        try:
            await self.outbox.flush()
        except Exception:
            log.exception("the outbox could not be delivered; it is retried on the next event or wake-up")

    async def _dispatch(self, event: Event, replies: list, after: list) -> None:
        channel = event.channel if isinstance(event, CommandInvoked) else event.message.channel
        group = await self.store.group(channel.platform, channel.group)
        member = getattr(event, "member", None)
        if member:
            await self.store.remember_member(group.id, member.id, member.name)
        ctx = Ctx(self, event, group, channel, member, replies, after)
        match event:
            case CommandInvoked():
                invocation = parse(event.name, event.text, member.is_admin)
                if await self.store.first_time(f"{channel.platform}:command:{event.id}", self.clock.now()):
                    await self.routes[invocation.command.name](ctx, invocation)
            case MessagePosted():
                await self._offer("on_message", ctx, event.message, event.text)
            case MessageEdited():
                await self._offer("on_edit", ctx, event.message, event.text)
            case MessageDeleted():
                await self._offer("on_delete", ctx, event.message)
            case ReactionChanged():
                await self._offer("on_reaction", ctx, event.message, event.emoji, event.added)
            case ButtonPressed():
                if await self.store.first_time(f"{channel.platform}:button:{event.id}", self.clock.now()):
                    await self._offer("on_button", ctx, event)

    async def _offer(self, hook: str, ctx: Ctx, *args) -> None:
        """Offer an event to each feature in turn until one says it was theirs."""
        for feature in self.features:
            handler = getattr(feature, hook, None)
            if handler and await handler(ctx, *args):
                return

    # ---- time ------------------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> None:
        """Run everything due at `now`: the one code path for the live scheduler, /advance and start-up."""
        now = now or self.clock.now()
        for feature in self.features:
            if not hasattr(feature, "run_due"):
                continue
            try:
                await feature.run_due(now)
            except Exception:
                log.exception("due work of %s failed; it is retried on the next run", type(feature).__name__)
        await self.flush()

    async def next_due(self, after: datetime) -> datetime | None:
        times = [await feature.next_due(after) for feature in self.features if hasattr(feature, "next_due")]
        return min(filter(None, times), default=None)

    async def start(self) -> None:
        """The start-up sweep: effects a crash left pending go out, features reconcile with the
        platform, then whatever fell due while the bot was down runs now, once."""
        await self.flush()
        for feature in self.features:
            if hasattr(feature, "start"):
                await feature.start()
        await self.run_due()

    async def question(self, question_id: str):
        """A question by id: the bank's, or one of a group's own (`own:12`); None when neither has it."""
        return self.bank.questions.get(question_id) or await self.suggestions.question(question_id)

    # ---- what adapters may keep ----------------------------------------------------------------

    async def recall(self, key: str) -> str | None:
        """A fact an adapter kept between runs (adapters never touch the store themselves)."""
        return await self.store.meta(key)

    async def remember(self, key: str, value: str) -> None:
        async with self.store.transaction() as store:
            await store.set_meta(key, value)

    # ---- small commands --------------------------------------------------------------------------

    async def topics(self, ctx: Ctx, inv: Invocation) -> None:
        counts = self.bank.stats()["topic"]
        lines = [f"`{t.id}` — **{t.name}** ({counts[t.id]}): {t.description}" for t in self.bank.topics.values()]
        await ctx.reply(Post(title="Topics", body="\n".join(lines),
                             footer="Use the ids in /qotd setup topics:… (comma-separated)."))

    async def help(self, ctx: Ctx, inv: Invocation) -> None:
        await ctx.reply(Post(title="studybot", body=help_text(ctx.member.is_admin)), private=True)
