"""The gateway side: discord.py's Client, its events turned into the core's, handled one at a time.

Every event is translated at once (and every interaction acknowledged within Discord's 3 seconds:
deferred before anything touches the database), then queued; one worker hands the queue to the core
in gateway order, so a reaction and its removal, or an answer and its edit, are never handled out
of order. Reactions come from the raw events, so they count on messages discord.py never cached and
after restarts; the bot's own messages and reactions are dropped here.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import re
from typing import Any, Awaitable, Callable, Protocol

import discord
import yarl

from ...core.app import StudyBot
from ...core.chat import (ButtonPressed, ChannelRef, CommandInvoked, Event, MessageDeleted, MessageEdited,
                         MessagePosted, MessageRef, ReactionChanged)
from . import render
from .appcommands import definitions, digest, focused, invocation, suggestions
from .chat import DiscordChat
from .modal import ModalAnswers

log = logging.getLogger(__name__)

# What the features need: see channels, post embeds, start threads and post in them (private ones
# for mock-interview pairs), react (and remove members' older poll votes: Manage Messages), and read
# history for the read-back at close.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True, add_reactions=True,
                                  read_message_history=True, create_public_threads=True,
                                  create_private_threads=True, send_messages_in_threads=True,
                                  manage_messages=True)
DRAIN = 10.0  # seconds to finish queued events when closing


def intents(message_content: bool) -> discord.Intents:
    """The minimum: never members or presences; Message Content only when the portal allows it."""
    chosen = discord.Intents.none()
    chosen.guilds = chosen.guild_messages = chosen.guild_reactions = True
    chosen.message_content = message_content
    return chosen


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands"))


def point_at(api_base: str, gateway_url: str) -> None:
    """Use a Discord-compatible server (a rate-limit proxy, a test fake) instead of Discord's own.
    discord.py keeps both in class attributes, so this is process-wide."""
    if api_base:
        base = api_base.rstrip("/")
        discord.http.Route.BASE = base if re.search(r"/api/v\d+$", base) else base + "/api/v10"
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class DiscordRefused(Exception):
    """Discord would not let the bot in (token, intents, scopes): one line for whoever runs it."""


class Runner(Protocol):
    """The live scheduler, as far as the client needs it."""

    async def start(self) -> None: ...

    async def handle(self, event: Event) -> None: ...


class StudyClient(discord.Client):
    def __init__(self, *, message_content: bool = True, guild_ids: list[int] = (), api_base: str = "",
                 gateway_url: str = "", **options: Any):
        point_at(api_base, gateway_url)
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice: no warning about it
        super().__init__(intents=intents(message_content), allowed_mentions=discord.AllowedMentions.none(),
                         max_messages=None, member_cache_flags=discord.MemberCacheFlags.none(),
                         chunk_guilds_at_startup=False, **options)
        self.chat = DiscordChat(self, message_content)
        self.answers = ModalAnswers(self.chat)
        self.guild_ids = list(guild_ids)
        self.bot: StudyBot | None = None
        self.runner: Runner | None = None
        self.queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
        self.worker: asyncio.Task | None = None
        self.up = asyncio.Event()  # set once connected and the servers are in
        self.serving: asyncio.Task | None = None  # the serve() task, when one is running

    def attach(self, bot: StudyBot, runner: Runner) -> None:
        self.bot, self.runner = bot, runner

    # ---- life ------------------------------------------------------------------------------------

    async def serve(self, token: str) -> None:
        """Log in, sync commands, sweep due work, then listen until closed. Discord refusing the bot
        becomes one DiscordRefused line (never the token)."""
        try:
            async with self:
                await self.start(token)
        except discord.LoginFailure:
            raise DiscordRefused("Discord rejected the token in DISCORD_TOKEN (401 Unauthorized): copy a new one "
                                 "from the developer portal (your application → Bot → Reset Token).") from None
        except discord.PrivilegedIntentsRequired:
            raise DiscordRefused("Discord refused the Message Content intent: enable it in the developer portal "
                                 "(your application → Bot → Privileged Gateway Intents) or set "
                                 "DISCORD_MESSAGE_CONTENT=false.") from None
        except discord.ConnectionClosed as exc:
            if exc.code == 4004:
                raise DiscordRefused("Discord closed the gateway with 4004 (authentication failed): the token in "
                                     "DISCORD_TOKEN is not valid; reset it in the developer portal.") from None
            raise

    async def setup_hook(self) -> None:
        log.info("Invite the bot to a server with %s", invite_url(self.application_id))
        await self.sync_commands()
        await self.runner.start()
        self.worker = asyncio.create_task(self._work(), name="studybot-events")

    async def sync_commands(self) -> None:
        """Overwrite the slash commands only when their definitions changed (a hash kept by the bot):
        restarts must not spend Discord's command-sync rate limit."""
        payload = definitions()
        wanted = digest(payload)
        for guild in self.guild_ids or [None]:
            key = f"discord:commands:{self.application_id}:{guild or 'global'}"
            if await self.bot.recall(key) == wanted:
                continue
            try:
                if guild:
                    await self.http.bulk_upsert_guild_commands(self.application_id, guild, payload)
                else:
                    await self.http.bulk_upsert_global_commands(self.application_id, payload)
            except discord.Forbidden:
                raise DiscordRefused(f"Discord refused the slash commands for server {guild}: invite the bot there "
                                     f"with the applications.commands scope: {invite_url(self.application_id)}"
                                     ) from None
            await self.bot.remember(key, wanted)
            log.info("synced %d slash commands %s", len(payload), f"to server {guild}" if guild else "globally")

    async def on_ready(self) -> None:
        self.up.set()

    def connected(self) -> bool:
        return self.is_ready() and not self.is_closed() and self.ws is not None and self.ws.open

    async def close(self) -> None:
        """Finish the queued events (bounded), then disconnect."""
        if self.worker is not None:
            try:
                await asyncio.wait_for(self.queue.join(), DRAIN)
            except asyncio.TimeoutError:
                log.warning("closing with %d Discord events unhandled", self.queue.qsize())
            self.worker.cancel()
            self.worker = None
        await super().close()

    # ---- the queue ---------------------------------------------------------------------------------

    def later(self, work: Callable[[], Awaitable[None]]) -> None:
        self.queue.put_nowait(work)

    async def _work(self) -> None:
        while True:
            work = await self.queue.get()
            try:
                await work()
            except discord.HTTPException as exc:
                log.warning("a Discord event was dropped: Discord answered %s", exc)
            except Exception:
                log.exception("a Discord event could not be handled")
            finally:
                self.queue.task_done()

    def _enqueue(self, guild_id: int, channel_id: int, build: Callable[[ChannelRef, str | None], Any], *,
                 known: object = None, interaction: discord.Interaction | None = None,
                 acked: asyncio.Task | None = None) -> None:
        """Queue one event's work, in gateway order: wait for its acknowledgement (interactions), find
        where it happened (a thread belongs to its parent channel), build the core's event (`build`
        may be async, and may return None: nothing for the core) and hand it over."""
        async def work() -> None:
            if acked is not None:
                try:
                    await acked
                except discord.HTTPException as exc:  # e.g. a re-delivered interaction, acknowledged already
                    log.info("interaction %s not taken: %s", interaction.id, exc)
                    return
                self.chat.hold(interaction, placeholder=interaction.response.type is not
                               discord.InteractionResponseType.deferred_message_update)
            channel, thread = await self.chat.place(guild_id, channel_id, known)
            event = build(channel, thread)
            event = await event if inspect.isawaitable(event) else event
            if event is not None:
                await self.runner.handle(event)
            if interaction is not None:
                await self.chat.settle(interaction)
        self.later(work)

    @staticmethod
    def acknowledge(interaction: discord.Interaction, **defer: Any) -> asyncio.Task:
        """Defer now, concurrently (Discord allows 3 seconds); the queued work waits for it."""
        return asyncio.create_task(interaction.response.defer(**defer))

    def _message_event(self, guild_id: int, channel_id: int, message_id: int, build: Callable[[MessageRef], Any],
                       known: object = None) -> None:
        self._enqueue(guild_id, channel_id, lambda channel, thread: build(MessageRef(channel, str(message_id), thread)),
                      known=known)

    # ---- messages and reactions --------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or not self.chat.readable(message):
            return
        member = self.chat.member(message.author)
        self._message_event(message.guild.id, message.channel.id, message.id,
                            lambda ref: MessagePosted(ref, member, message.content), known=message.channel)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        m = payload.message
        if payload.guild_id is None or "content" not in payload.data or not self.chat.readable(m):
            return
        member = self.chat.member(m.author)
        self._message_event(payload.guild_id, payload.channel_id, payload.message_id,
                            lambda ref: MessageEdited(ref, member, m.content))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            self._message_event(payload.guild_id, payload.channel_id, payload.message_id, MessageDeleted)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self._reaction(payload, True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self._reaction(payload, False)

    def _reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        if payload.guild_id is None or payload.user_id == self.user.id or (payload.member and payload.member.bot):
            return
        known = self.chat.member(payload.member) if payload.member else None

        async def build(ref: MessageRef) -> ReactionChanged:
            member = known or await self.chat.member_by_id(payload.guild_id, payload.user_id)
            return ReactionChanged(ref, member, str(payload.emoji), added)
        self._message_event(payload.guild_id, payload.channel_id, payload.message_id, build)

    # ---- interactions --------------------------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:  # the commands are server-only; a whisper's buttons are pressed in DMs
            origin = render.origin_of(interaction.message) if interaction.message else None
            if interaction.type == discord.InteractionType.component and origin:
                self._pressed(*origin, interaction)
            return
        match interaction.type:
            case discord.InteractionType.application_command:
                self._command(interaction)
            case discord.InteractionType.component:
                await self._press(interaction)
            case discord.InteractionType.modal_submit:
                self._submitted(interaction)
            case discord.InteractionType.autocomplete:
                await self._suggest(interaction)

    def _command(self, interaction: discord.Interaction) -> None:
        acked = self.acknowledge(interaction, ephemeral=True, thinking=True)
        name, text = invocation(interaction.data)
        member = self.chat.member(interaction.user, interaction.permissions)
        self._enqueue(interaction.guild_id, interaction.channel_id,
                      lambda channel, _: CommandInvoked(channel, member, name, text, str(interaction.id)),
                      known=interaction.channel, interaction=interaction, acked=acked)

    async def _press(self, interaction: discord.Interaction) -> None:
        custom_id = interaction.data.get("custom_id", "")
        if custom_id in (render.ANSWER, render.EDIT_ANSWER):
            await self._answering(self.answers.open(interaction, edit=custom_id == render.EDIT_ANSWER), interaction)
            return
        form = render.asked(custom_id)
        if form:
            await self._answering(self.answers.ask(interaction, *form), interaction)
            return
        self._pressed(interaction.guild_id, interaction.channel_id, interaction, known=interaction.channel)

    def _pressed(self, guild_id: int, channel_id: int, interaction: discord.Interaction, known: object = None) -> None:
        """A button press, for the core as one in `channel_id` (a whisper's: the channel it speaks for)."""
        acked = self.acknowledge(interaction)
        member = self.chat.member(interaction.user, interaction.permissions)
        custom_id, message_id = interaction.data.get("custom_id", ""), str(interaction.message.id)
        self._enqueue(guild_id, channel_id,
                      lambda channel, thread: ButtonPressed(MessageRef(channel, message_id, thread), member, custom_id,
                                                            str(interaction.id)),
                      known=known, interaction=interaction, acked=acked)

    def _submitted(self, interaction: discord.Interaction) -> None:
        custom_id = interaction.data.get("custom_id", "")
        found, command = self.answers.parse(custom_id), self.answers.asked(custom_id)
        if found or command:
            acked = self.acknowledge(interaction, ephemeral=True, thinking=True)
            build = self.answers.submitted(interaction, *found) if found else self.answers.sent(interaction, command)
            self._enqueue(interaction.guild_id, interaction.channel_id, build,
                          known=interaction.channel, interaction=interaction, acked=acked)

    async def _suggest(self, interaction: discord.Interaction) -> None:
        option, typed = focused(interaction.data)
        found = suggestions(option.suggest, typed, self.bot.bank.topics) if option else []
        await self._answering(interaction.response.autocomplete(
            [discord.app_commands.Choice(name=n, value=v) for n, v in found]), interaction)

    @staticmethod
    async def _answering(answer: Awaitable[None], interaction: discord.Interaction) -> None:
        """An immediate answer (a modal, suggestions): one that comes too late is only worth a note."""
        try:
            await answer
        except discord.HTTPException as exc:
            log.info("interaction %s not answered: %s", interaction.id, exc)
