"""The port on Discord: every `Chat` method as REST calls through discord.py, addressed by id.

Partial objects (`get_partial_messageable`, `get_partial_message`) keep it independent of
discord.py's cache, which holds little here: no members intent, no message cache. A thread started
from a message shares that message's id on Discord, which is what makes `open_thread` idempotent and
lets a press on a question's "Answer" button name its thread.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import discord

from ...core.chat import (ButtonPressed, ChannelRef, CommandInvoked, Limits, Member, MessageRef, Post, Reply,
                          ThreadRef)
from ...core.pacing import Pacer
from ...core.daily import LETTERS
from . import render

log = logging.getLogger(__name__)

PLATFORM = "discord"
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
FIND_DEPTH = 50  # how far back find() looks for a message sent but not recorded
INTERACTION_LIFE = 14 * 60  # seconds: a token lasts 15 minutes
ARCHIVE_AFTER = 10080  # minutes without messages before a question's thread is archived: a week
PRIVATE_THREAD = 12  # channel type of a private thread
# Discord allows 50 requests a second in all, which discord.py does not wait out (it does each route's
# bucket); RATE leaves a little for the read-backs, which are not paced. One write a second per channel
# stays inside every route's bucket (5 messages per 5 s, one reaction per 0.25 s) and Slack's alike.
RATE, CHANNEL_RATE, LANES = 48.0, 1.0, 1000  # lanes: each channel waits its own bucket, the rest keep going


@dataclass
class Live:
    """An interaction the core may still answer. `placeholder`: the deferred "thinking…" response has
    not been replaced yet (commands); a deferred button press has none, its answers are followups."""

    interaction: discord.Interaction
    placeholder: bool
    note: str | None = None  # what the placeholder becomes if the core says nothing
    at: float = field(default_factory=time.monotonic)


class DiscordChat:
    def __init__(self, client: discord.Client, message_content: bool):
        self.client, self.message_content = client, message_content
        self.pacer = Pacer(RATE)  # the outbox takes a token per delivery; this adapter one more per extra request
        self.limits = Limits(self.pacer, CHANNEL_RATE, LANES)
        self.live: dict[str, Live] = {}
        self.parents: dict[int, int] = {}  # channel id -> parent channel id for threads, 0 for channels
        self.names: dict[str, str] = {}  # member id -> display name, from every event that carried one

    # ---- addressing -----------------------------------------------------------------------------

    def messageable(self, channel_id: str | int, guild_id: str | int | None = None) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(channel_id), guild_id=guild_id and int(guild_id))

    def _message(self, ref: MessageRef) -> discord.PartialMessage:
        channel = self.messageable(ref.thread or ref.channel.channel, ref.channel.group)
        return channel.get_partial_message(int(ref.id))

    async def place(self, guild_id: int, channel_id: int, known: object = None) -> tuple[ChannelRef, str | None]:
        """Where a channel id sits for the core: a thread belongs to its parent channel. `known` is the
        channel object an event came with, if discord.py could build a real one."""
        parent = self.parents.get(channel_id)
        if parent is None:
            channel = known if isinstance(known, discord.abc.GuildChannel | discord.Thread) else None
            channel = channel or self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
            parent = channel.parent_id if isinstance(channel, discord.Thread) else 0
            self.parents[channel_id] = parent
        if parent:
            return ChannelRef(PLATFORM, str(guild_id), str(parent)), str(channel_id)
        return ChannelRef(PLATFORM, str(guild_id), str(channel_id)), None

    def member(self, user: discord.abc.User, permissions: discord.Permissions | None = None) -> Member:
        """A member as the core sees them; admin = Manage Server or Administrator, from real permissions."""
        permissions = permissions or getattr(user, "guild_permissions", None)
        admin = bool(permissions and (permissions.manage_guild or permissions.administrator))
        name = getattr(user, "display_name", None) or user.name
        self.names[str(user.id)] = name
        return Member(str(user.id), name, admin)

    async def member_by_id(self, guild_id: int, user_id: int) -> Member:
        """A member known only by id (a reaction removal carries no member): the name comes from an
        earlier event, else from the API, so the core never stores an id as a name."""
        name = self.names.get(str(user_id))
        if name is None:
            try:
                return self.member(await self.client.get_guild(guild_id).fetch_member(user_id))
            except (discord.HTTPException, AttributeError):
                name = str(user_id)
        return Member(str(user_id), name)

    # ---- sending --------------------------------------------------------------------------------

    async def _post(self, channel_id: str, post: Post) -> discord.Message:
        return await self.messageable(channel_id).send(**render.message(post))

    async def send(self, channel: ChannelRef, post: Post) -> MessageRef:
        return MessageRef(channel, str((await self._post(channel.channel, post)).id))

    async def reply(self, thread: ThreadRef, post: Post) -> MessageRef:
        return MessageRef(thread.channel, str((await self._post(thread.id, post)).id), thread.id)

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        try:
            thread = await self._message(message).create_thread(name=render.clip(name, 100),
                                                                auto_archive_duration=ARCHIVE_AFTER)
            thread_id = thread.id
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
            thread_id = int(message.id)
        self.parents[thread_id] = int(message.channel.channel)
        if not self.message_content:
            await self._offer_answer_buttons(message)
        return ThreadRef(message.channel, str(thread_id))

    async def open_private(self, channel: ChannelRef, members: tuple[str, ...], name: str) -> ChannelRef:
        """A private thread of the channel that members cannot invite others to, with the members
        added. An active private thread of the same name is reused: a retry opens no second one."""
        http, name = self.client.http, render.clip(name, 100)
        active = (await http.get_active_threads(int(channel.group))).get("threads", [])
        thread_id = next((t["id"] for t in active if t.get("type") == PRIVATE_THREAD and t.get("name") == name
                          and str(t.get("parent_id")) == channel.channel), None)
        if thread_id is None:
            await self.pacer.wait()
            thread_id = (await http.start_thread_without_message(
                int(channel.channel), name=name, auto_archive_duration=ARCHIVE_AFTER, type=PRIVATE_THREAD,
                invitable=False))["id"]
        for member in members:  # adding someone already in is a no-op on Discord
            await self.pacer.wait()
            await http.add_user_to_thread(int(thread_id), int(member))
        self.parents[int(thread_id)] = int(channel.channel)
        return ChannelRef(channel.platform, channel.group, str(thread_id))

    async def _offer_answer_buttons(self, message: MessageRef) -> None:
        """Without Message Content the bot cannot read thread replies, so a question answered in its
        thread gets "Answer" and "Edit my answer" buttons (a choice question, answered with its 🇦…
        reactions, does not). Both requests are beyond the one the outbox paced."""
        await self.pacer.wait()
        root = await self._message(message).fetch()
        text = (root.embeds[0].description or "") if root.embeds else ""
        if root.components or any(line.startswith(LETTERS[0]) for line in text.splitlines()):
            return
        await self.pacer.wait()
        await root.edit(view=render.answer_buttons())

    async def post_proxy(self, thread: str, member: discord.abc.User, text: str) -> discord.Message:
        await self.pacer.wait()
        return await self.messageable(thread).send(**render.proxy(member, text))

    async def edit(self, message: MessageRef, post: Post) -> None:
        await self._message(message).edit(**render.message(post, edit=True))

    async def react(self, message: MessageRef, emoji: str) -> None:
        await self._message(message).add_reaction(emoji)

    async def unreact(self, message: MessageRef, emoji: str, member_id: str) -> None:
        await self._message(message).remove_reaction(emoji, discord.Object(int(member_id)))

    async def whisper(self, channel: ChannelRef, member_id: str, post: Post) -> None:
        """A direct message, buttons and all (a press on them comes back as one in `channel`); a member
        who does not accept direct messages is logged and skipped."""
        try:
            user = self.client.get_user(int(member_id)) or await self.client.fetch_user(int(member_id))
            await self.pacer.wait()
            await user.send(**render.whisper(post, channel))
        except discord.Forbidden:
            log.warning("member %s does not accept direct messages from the bot; a private note was dropped", member_id)

    # ---- reading back ---------------------------------------------------------------------------

    def _mine(self, message: discord.Message) -> bool:
        return message.author.id == self.client.user.id

    async def reactions(self, message: MessageRef) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for reaction in (await self._message(message).fetch()).reactions:
            who = {str(u.id) async for u in reaction.users(limit=None) if u.id != self.client.user.id}
            if who:
                found[str(reaction.emoji)] = who
        return found

    async def replies(self, thread: ThreadRef) -> list[Reply]:
        out = []
        async for m in self.messageable(thread.id).history(limit=None, oldest_first=True):
            ref = MessageRef(thread.channel, str(m.id), thread.id)
            answer = render.proxy_of(m) if self._mine(m) else None
            if answer:
                out.append(Reply(ref, Member(answer[0], answer[1]), answer[2], m.created_at))
            elif self.readable(m):
                member = Member(str(m.author.id), self.names.get(str(m.author.id), m.author.display_name))
                out.append(Reply(ref, member, m.content, m.created_at))
        return out

    def readable(self, m: discord.Message) -> bool:
        """A member's own message whose text the bot may read: not a bot's, not a system message, and
        only with Message Content (without it the text is always empty)."""
        return (self.message_content and not m.author.bot and not m.webhook_id
                and m.type in (discord.MessageType.default, discord.MessageType.reply))

    async def find(self, channel: ChannelRef, key: str, thread: str | None = None) -> MessageRef | None:
        async for m in self.messageable(thread or channel.channel).history(limit=FIND_DEPTH):
            if self._mine(m) and render.key_of(m) == key:
                return MessageRef(channel, str(m.id), thread)
        return None

    # ---- answering interactions -------------------------------------------------------------------

    def hold(self, interaction: discord.Interaction, placeholder: bool) -> None:
        now = time.monotonic()
        for key in [k for k, v in self.live.items() if now - v.at > INTERACTION_LIFE]:
            del self.live[key]
        self.live[str(interaction.id)] = Live(interaction, placeholder)

    async def respond(self, event: CommandInvoked | ButtonPressed, post: Post, private: bool) -> None:
        """Commands are deferred privately ("thinking…" only the member sees): a private answer
        replaces that placeholder, a public one removes it and follows up in the open. Later answers,
        and all answers to a button press, are followups."""
        live = self.live.get(event.id)
        if live is None:  # the interaction token is gone (15 minutes, or a restart)
            channel = event.channel if isinstance(event, CommandInvoked) else event.message.channel
            await (self.whisper(channel, event.member.id, post) if private else self.send(channel, post))
            return
        if live.placeholder:
            live.placeholder = False
            if private:
                await live.interaction.edit_original_response(**render.message(post, edit=True))
                return
            await live.interaction.delete_original_response()
        await live.interaction.followup.send(ephemeral=private, wait=True, **render.message(post))

    async def settle(self, interaction: discord.Interaction) -> None:
        """After the core is done: a placeholder nobody replaced becomes the note, or goes."""
        live = self.live.get(str(interaction.id))
        if not live or not live.placeholder:
            return
        live.placeholder = False
        try:
            if live.note:
                await interaction.edit_original_response(content=live.note)
            else:
                await interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.warning("could not settle interaction %s: %s", interaction.id, exc)
