"""A Discord server for end-to-end tests: the fake Discord, and studybot wired as `studybot discord`
wires it (bot/__main__.py: discord_running), on a ManualClock and the test bank. The core's handling
of each event is recorded, so a test waits for exactly the event it caused; the adapter hands events
over in gateway order, so once a later event is handled, every earlier one was."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import discord
import pytest

from bot.__main__ import discord_running
from bot.config import load_settings
from bot.content import load_bank
from bot.core.chat import ButtonPressed, CommandInvoked, Event, MessagePosted, ReactionChanged

from ..fakes import advance
from .fake_discord import TIMEOUT, FakeDiscord, Msg, User

BANK = Path(__file__).parent.parent / "data" / "bank"  # topics open-qs (open questions) and choice-qs


@pytest.fixture
async def fake(clock, monkeypatch):
    """The fake Discord; discord.py's process-wide endpoints are restored after the test."""
    gateway = discord.gateway.DiscordWebSocket
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(gateway, "DEFAULT_GATEWAY", gateway.DEFAULT_GATEWAY)
    server = await FakeDiscord(clock.now).start()
    yield server
    await server.close()


def settings_for(fake: FakeDiscord, tmp_path, **overrides):
    return load_settings(**{"database": tmp_path / "studybot.db", "discord_token": fake.token,
                            "discord_api_base": fake.api_base, "discord_gateway_url": fake.gateway_url,
                            "discord_guild_ids": fake.guild_id, **overrides})


@dataclass
class World:
    fake: FakeDiscord
    client: Any
    bot: Any
    scheduler: Any
    clock: Any
    handled: list[Event] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _record(self, handle, event: Event) -> None:
        await handle(event)
        async with self._changed:
            self.handled.append(event)
            self._changed.notify_all()

    async def seen(self, predicate: Callable[[Event], bool], count: int = 1) -> list[Event]:
        """Until the core has handled `count` events matching the predicate."""
        def found():
            return len(matching := [e for e in self.handled if predicate(e)]) >= count and matching
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(found), TIMEOUT)
        return found()

    # ---- members act, and the bot has handled it when these return ------------------------------------

    async def say(self, who: User, text: str, channel: str | None = None) -> str:
        message_id = await self.fake.say(who, channel or self.fake.channel, text)
        await self.seen(lambda e: isinstance(e, MessagePosted) and e.message.id == message_id)
        return message_id

    async def react(self, who: User, message_id: str, emoji: str, added: bool = True) -> None:
        await self.fake.react(who, message_id, emoji, added)
        await self.seen(lambda e: isinstance(e, ReactionChanged) and e.message.id == message_id
                        and e.member.id == who.id and e.emoji == emoji and e.added == added)

    async def slash(self, who: User, name: str, sub: str | None = None, **options) -> list[Msg]:
        """Run a slash command; returns what came back to the member (original response and followups)."""
        interaction = await self.fake.slash(who, name, sub, **options)
        await self.seen(lambda e: isinstance(e, CommandInvoked) and e.id == interaction)
        await self.fake.wait(lambda: not self.client.chat.live[interaction].placeholder)
        return self.fake.answers(interaction)

    async def press(self, who: User, message_id: str, custom_id: str) -> list[Msg]:
        interaction = await self.fake.press(who, message_id, custom_id)
        await self.seen(lambda e: isinstance(e, ButtonPressed) and e.id == interaction)
        return self.fake.answers(interaction)

    async def advance(self, delta: timedelta) -> None:
        await advance(self.bot, self.clock, delta)


@asynccontextmanager
async def discord_world(fake: FakeDiscord, tmp_path, clock, **overrides):
    """studybot connected to the fake (a second one on the same database is a restart)."""
    settings = settings_for(fake, tmp_path, **overrides)
    async with discord_running(settings, clock=clock, bank=load_bank(BANK, check_minimums=False),
                               guild_ready_timeout=0.05) as (client, bot, scheduler):
        world = World(fake, client, bot, scheduler, clock)
        handle = scheduler.handle
        scheduler.handle = lambda event: world._record(handle, event)
        yield world


def embed(m: Msg) -> dict:
    return m.embeds[0] if m.embeds else {}


def texts(messages: list[Msg]) -> str:
    """Everything a list of messages shows, for loose assertions."""
    out = []
    for m in messages:
        e = embed(m)
        out += [m.content, e.get("title", ""), e.get("description", "")]
        out += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
        out.append(e.get("footer", {}).get("text", ""))
    return "\n".join(x for x in out if x)
