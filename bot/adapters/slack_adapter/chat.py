"""The core's port on the Slack Web API: messages with Block Kit, threads by `thread_ts`, reactions,
ephemeral replies, images as file uploads, and read-backs (`conversations.replies`, `reactions.get`,
message metadata)."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (AsyncConnectionErrorRetryHandler,
                                                         AsyncRateLimitErrorRetryHandler)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from ...core.chat import (ButtonPressed, ChannelRef, CommandInvoked, Limits, Member, MessageRef, Post, Reply,
                          ThreadRef)
from .render import blocks, emoji_from, emoji_name, fallback, unescape

log = logging.getLogger(__name__)

METADATA_TYPE = "studybot_post"  # message metadata event_type; its payload is {"key": Post.key}
MEMBER_TTL = 300.0  # seconds a users.info answer (name, admin) is trusted
FIND_DEPTH = 400  # how many recent messages `find` looks through
NO_CHANNEL = {"channel_not_found", "not_in_channel"}
# chat.postMessage takes about one message a second per channel; Slack's other limits are per method and
# workspace and unpublished, so the rest is left to slack_sdk's retry after a 429's Retry-After.
LIMITS = Limits(channel_rate=1.0, lanes=1000)
MEMBER_TEXT = {None, "thread_broadcast", "file_share"}  # message subtypes a member wrote


def retry_handlers() -> list:
    """429s wait for Retry-After; dropped connections are retried (slack_sdk's own handlers)."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=2), AsyncRateLimitErrorRetryHandler(max_retry_count=5)]


@dataclass(frozen=True)
class Identity:
    """Who the bot is in this workspace (auth.test)."""

    user_id: str
    bot_id: str
    team_id: str
    url: str

    def wrote(self, message: dict) -> bool:
        return message.get("user") == self.user_id or (bool(message.get("bot_id")) and message.get("bot_id") == self.bot_id)


class Bounded(OrderedDict):
    """A dict that forgets its oldest entries past `size`."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class Members:
    """Names and admin rights from `users.info`, cached for a few minutes; admins are workspace admins
    and owners plus the configured ids."""

    def __init__(self, client: AsyncWebClient, admins: frozenset[str], ttl: float = MEMBER_TTL, now=time.monotonic):
        self.client, self.admins, self.ttl, self.now = client, admins, ttl, now
        self.cache: Bounded = Bounded(5000)

    async def get(self, user_id: str, hint: str = "") -> Member:
        cached = self.cache.get(user_id)
        if cached and self.now() - cached[0] < self.ttl:
            return cached[1]
        try:
            user = (await self.client.users_info(user=user_id))["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s (%s): treating them as a member", user_id, exc.response.get("error"))
            return Member(user_id, hint or user_id, user_id in self.admins)
        profile = user.get("profile", {})
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        admin = user_id in self.admins or any(user.get(k) for k in ("is_admin", "is_owner", "is_primary_owner"))
        member = Member(user_id, name or hint or user_id, admin)
        self.cache[user_id] = (self.now(), member)
        return member


class SlackChat:
    """Implements core.chat.Chat. `me` is filled in by the adapter once auth.test has answered."""

    limits = LIMITS

    def __init__(self, client: AsyncWebClient, members: Members):
        self.client, self.members = client, members
        self.me = Identity("", "", "", "")
        self.threads: Bounded = Bounded(20000)  # (channel, ts) -> thread_ts or None, from what we saw
        self.response_urls: Bounded = Bounded(2000)  # interaction id -> response_url

    # ---- sending ---------------------------------------------------------------------------------

    def _message(self, post: Post) -> dict:
        message = {"text": fallback(post), "blocks": blocks(post, self.me.url), "unfurl_links": False,
                   "unfurl_media": False}
        if post.key:
            message["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": post.key}}
        return message

    async def _post(self, channel: ChannelRef, post: Post, thread: str | None = None) -> MessageRef:
        args = dict(channel=channel.channel, thread_ts=thread, link_names=False, **self._message(post))
        try:
            response = await self.client.chat_postMessage(**args)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
            try:  # a public channel: join it, once; a private one needs an invitation
                await self.client.conversations_join(channel=channel.channel)
            except SlackApiError:
                raise exc from None
            response = await self.client.chat_postMessage(**args)
        self.threads[(channel.channel, response["ts"])] = thread
        if post.image:
            await self._attach(channel, post, thread)
        return MessageRef(channel, response["ts"], thread)

    async def _attach(self, channel: ChannelRef, post: Post, thread: str | None) -> None:
        """A post's image, shared right under its message (files.getUploadURLExternal, the upload, then
        files.completeUploadExternal). The message is out already: a failed upload costs only the image."""
        try:
            await self.client.files_upload_v2(channel=channel.channel, thread_ts=thread, file=post.image,
                                              filename=Path(post.image).name, title=post.title or "chart",
                                              alt_txt=post.title or "chart")
        except (SlackApiError, SlackRequestError, OSError) as exc:
            log.warning("could not upload the image of %r to %s: %s", post.title, channel.channel, exc)

    async def send(self, channel: ChannelRef, post: Post) -> MessageRef:
        return await self._post(channel, post)

    async def open_thread(self, message: MessageRef, name: str) -> ThreadRef:
        """Slack threads need no opening: a reply with `thread_ts` starts one."""
        return ThreadRef(message.channel, message.thread or message.id)

    async def open_private(self, channel: ChannelRef, members: tuple[str, ...], name: str) -> ChannelRef:
        """A group DM of the members and the bot: conversations.open returns the same one for the same
        people. Group DMs have no name; the first message posted there says what it is for."""
        response = await self.client.conversations_open(users=",".join(members))
        return ChannelRef(channel.platform, channel.group, response["channel"]["id"])

    async def reply(self, thread: ThreadRef, post: Post) -> MessageRef:
        return await self._post(thread.channel, post, thread.id)

    async def edit(self, message: MessageRef, post: Post) -> None:
        await self.client.chat_update(channel=message.channel.channel, ts=message.id, **self._message(post))

    async def respond(self, event: CommandInvoked | ButtonPressed, post: Post, private: bool) -> None:
        if isinstance(event, CommandInvoked):
            channel, thread = event.channel, None
        else:
            channel, thread = event.message.channel, event.message.thread
        url = self.response_urls.get(event.id)
        if not private:
            try:
                await self._post(channel, post, thread)
                return
            except SlackApiError as exc:  # a private channel the bot is not in: answer through the command
                if exc.response.get("error") not in NO_CHANNEL or not url:
                    raise
        if url:
            message = self._message(post)
            sent = await AsyncWebhookClient(url, retry_handlers=retry_handlers()).send(
                text=message["text"], blocks=message["blocks"], replace_original=False,
                response_type="ephemeral" if private else "in_channel")
            if sent.status_code == 200:
                return
            log.warning("a response_url answered %s (expired?): telling the member privately", sent.status_code)
        await self.whisper(channel, event.member.id, post, thread)

    async def whisper(self, channel: ChannelRef, member_id: str, post: Post, thread: str | None = None) -> None:
        message = self._message(post)
        await self.client.chat_postEphemeral(channel=channel.channel, user=member_id, thread_ts=thread,
                                             text=message["text"], blocks=message["blocks"])

    # ---- reactions ---------------------------------------------------------------------------------

    async def react(self, message: MessageRef, emoji: str) -> None:
        try:
            await self.client.reactions_add(channel=message.channel.channel, timestamp=message.id, name=emoji_name(emoji))
        except SlackApiError as exc:
            if exc.response.get("error") == "already_reacted":
                return
            if exc.response.get("error") == "invalid_name":  # a workspace without that emoji: members still can answer
                log.warning("Slack has no emoji %s (%s): not reacting with it", emoji_name(emoji), emoji)
                return
            raise

    async def unreact(self, message: MessageRef, emoji: str, member_id: str) -> None:
        """Slack lets an app remove only its own reactions; a member's older vote stays on screen, and the
        core counts their latest one."""
        if member_id != self.me.user_id:
            log.debug("Slack cannot remove %s's %s reaction", member_id, emoji)
            return
        try:
            await self.client.reactions_remove(channel=message.channel.channel, timestamp=message.id,
                                               name=emoji_name(emoji))
        except SlackApiError as exc:
            if exc.response.get("error") != "no_reaction":
                raise

    async def reactions(self, message: MessageRef) -> dict[str, set[str]]:
        response = await self.client.reactions_get(channel=message.channel.channel, timestamp=message.id, full=True)
        found: dict[str, set[str]] = {}
        for reaction in response.get("message", {}).get("reactions", []):
            who = set(reaction.get("users", [])) - {self.me.user_id}
            if who:
                found.setdefault(emoji_from(reaction["name"]), set()).update(who)
        return found

    # ---- reading back ------------------------------------------------------------------------------

    async def _pages(self, method: str, **args):
        """Every message a cursor-paginated conversations.* call returns, up to FIND_DEPTH for history."""
        cursor, seen = None, 0
        while True:
            response = await getattr(self.client, method.replace(".", "_"))(**args, limit=200, cursor=cursor)
            for message in response.get("messages", []):
                seen += 1
                yield message
            cursor = response.get("response_metadata", {}).get("next_cursor")
            if not cursor or (method == "conversations.history" and seen >= FIND_DEPTH):
                return

    async def replies(self, thread: ThreadRef) -> list[Reply]:
        found = []
        async for m in self._pages("conversations.replies", channel=thread.channel.channel, ts=thread.id):
            if m["ts"] == thread.id or self.me.wrote(m) or m.get("subtype") not in MEMBER_TEXT or not m.get("user"):
                continue
            member = await self.members.get(m["user"])
            found.append(Reply(MessageRef(thread.channel, m["ts"], thread.id), member, unescape(m.get("text", "")),
                               datetime.fromtimestamp(float(m["ts"]), timezone.utc)))
        return sorted(found, key=lambda r: float(r.message.id))

    async def find(self, channel: ChannelRef, key: str, thread: str | None = None) -> MessageRef | None:
        if thread:
            messages = self._pages("conversations.replies", channel=channel.channel, ts=thread, include_all_metadata=True)
        else:
            messages = self._pages("conversations.history", channel=channel.channel, include_all_metadata=True)
        async for m in messages:
            meta = m.get("metadata") or {}
            if (self.me.wrote(m) and meta.get("event_type") == METADATA_TYPE
                    and (meta.get("event_payload") or {}).get("key") == key):
                return MessageRef(channel, m["ts"], thread)
        return None

    async def thread_of(self, channel: str, ts: str) -> str | None:
        """The thread a message sits in: remembered from its events, else asked of Slack (a reply's ts
        returns its thread, parent first)."""
        if (channel, ts) not in self.threads:
            try:
                first = (await self.client.conversations_replies(channel=channel, ts=ts, limit=1))["messages"][0]
            except SlackApiError as exc:  # deleted meanwhile, or a channel we cannot read
                log.warning("could not find the thread of %s in %s (%s)", ts, channel, exc.response.get("error"))
                return None
            parent = first.get("thread_ts") or first["ts"]
            self.threads[(channel, ts)] = parent if parent != ts else None
        return self.threads[(channel, ts)]
