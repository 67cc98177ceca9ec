"""StudyBot: routes commands and events to the features, owns permissions and errors.

It is composed with a store, a bank, a chat and a clock (see bootstrap in bot/__main__.py), never
subclassed per platform: the same object runs behind the console, Discord and Slack.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..content import Bank
from ..store import Group, Store
from .chat import (ButtonPressed, ChannelRef, Chat, CommandInvoked, Event, Member, MessageDeleted, MessageEdited,
                   MessagePosted, Post, ReactionChanged)
from .clock import Clock
from .commands import Invocation, UserError, help_text, parse
from .daily import Daily
from .polls import Polls
from .practice import Practice
from .quiz import Quiz
from .scores import Scores

log = logging.getLogger(__name__)

OOPS = "Sorry — something went wrong on my side. Nothing was changed; please try again in a moment."


@dataclass(frozen=True)
class Ctx:
    """Who did what where, plus the way to answer them."""

    bot: StudyBot
    event: Event
    group: Group
    channel: ChannelRef
    member: Member

    async def reply(self, post: Post, private: bool = False) -> None:
        await self.bot.chat.respond(self.event, post, private)


class StudyBot:
    def __init__(self, store: Store, bank: Bank, chat: Chat, clock: Clock, grace: timedelta = timedelta(hours=6)):
        self.store, self.bank, self.chat, self.clock, self.grace = store, bank, chat, clock, grace
        self.daily = Daily(self)
        self.scores = Scores(self)
        self.polls = Polls(self)
        self.quiz = Quiz(self)
        self.practice = Practice(self)
        # Features, in the order they are offered a message, reaction or button press. Each may
        # define: routes (command name -> handler), on_message, on_edit, on_delete, on_reaction,
        # on_button (return True when the event was theirs), run_due, next_due and start.
        self.features = [self.daily, self.scores, self.polls, self.quiz, self.practice]
        self.routes = {"topics": self.topics, "help": self.help}
        for feature in self.features:
            self.routes |= feature.routes

    # ---- inbound ---------------------------------------------------------------------------------

    async def handle(self, event: Event) -> None:
        """Handle one platform event. Never raises: users get a friendly reply, the log the traceback."""
        try:
            await self._dispatch(event)
        except UserError as exc:
            await self._answer(event, f"⚠️ {exc}")
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            await self._answer(event, OOPS)

    async def _answer(self, event: Event, text: str) -> None:
        if isinstance(event, (CommandInvoked, ButtonPressed)):
            try:
                await self.chat.respond(event, Post(body=text), private=True)
            except Exception:
                log.exception("could not tell the member about an error")

    async def _dispatch(self, event: Event) -> None:
        channel = event.channel if isinstance(event, CommandInvoked) else event.message.channel
        group = await self.store.group(channel.platform, channel.group)
        member = getattr(event, "member", None)
        if member:
            await self.store.remember_member(group.id, member.id, member.name)
        ctx = Ctx(self, event, group, channel, member)
        match event:
            case CommandInvoked():
                invocation = parse(event.name, event.text, member.is_admin)
                if not await self.store.first_time(f"{channel.platform}:command:{event.id}", self.clock.now()):
                    return  # a re-delivered command
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

    async def next_due(self, after: datetime) -> datetime | None:
        times = [await feature.next_due(after) for feature in self.features if hasattr(feature, "next_due")]
        return min(filter(None, times), default=None)

    async def start(self) -> None:
        """The start-up sweep: features reconcile with the platform, then whatever fell due while
        the bot was down runs now, once."""
        for feature in self.features:
            if hasattr(feature, "start"):
                await feature.start()
        await self.run_due()

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
