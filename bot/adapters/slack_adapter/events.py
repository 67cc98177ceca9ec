"""Slack payloads -> the core's events, with Slack's own ids (ts, trigger_id): a retried delivery
turns into the very same event, and the core's natural keys make it count once."""
from __future__ import annotations

from ...core.chat import (ButtonPressed, ChannelRef, CommandInvoked, Event, MessageDeleted, MessageEdited,
                          MessagePosted, MessageRef, ReactionChanged, filled)
from .chat import MEMBER_TEXT, SlackChat
from .render import ASK, emoji_from, unescape

UMBRELLA = "studybot"


def split_command(command: str, text: str) -> tuple[str, str]:
    """`/qotd setup …` -> ("qotd", "setup …"); the umbrella `/studybot poll …` -> ("poll", "…")."""
    name = command.lstrip("/").lower()
    if name != UMBRELLA:
        return name, text.strip()
    first, _, rest = text.strip().partition(" ")
    return (first.lstrip("/").lower() or "help"), rest.strip()


def _thread(message: dict) -> str | None:
    thread = message.get("thread_ts")
    return thread if thread and thread != message.get("ts") else None


class Translator:
    """Turns one payload into one core event, or None for what the core need not hear (the bot's own
    messages, reactions and edits; joins, unfurls and other subtypes)."""

    def __init__(self, chat: SlackChat):
        self.chat = chat

    @property
    def me(self):
        return self.chat.me

    async def command(self, body: dict) -> Event:
        name, text = split_command(body["command"], unescape(body.get("text", "")))
        channel = ChannelRef("slack", body["team_id"], body["channel_id"])
        if body.get("response_url"):
            self.chat.response_urls[body["trigger_id"]] = body["response_url"]
        member = await self.chat.members.get(body["user_id"], body.get("user_name", ""))
        return CommandInvoked(channel, member, name, text, body["trigger_id"])

    async def action(self, body: dict) -> Event | None:
        action = body["actions"][0]
        container, message = body.get("container", {}), body.get("message", {})
        channel_id = container.get("channel_id") or body["channel"]["id"]
        ts = container.get("message_ts") or message["ts"]
        thread = container.get("thread_ts") or message.get("thread_ts")
        team = (body.get("team") or {}).get("id") or body["user"].get("team_id", "")
        if body.get("response_url"):
            self.chat.response_urls[body["trigger_id"]] = body["response_url"]
        user = body["user"]
        member = await self.chat.members.get(user["id"], user.get("username") or user.get("name", ""))
        ref = MessageRef(ChannelRef("slack", team, channel_id), ts, thread if thread != ts else None)
        return ButtonPressed(ref, member, action.get("value") or action["action_id"], body["trigger_id"])

    async def form(self, body: dict) -> Event | None:
        """A sent form of a button with a prompt (a `view_submission`): its text, as the member's command in
        the channel the form was opened from. The view's id makes a retried delivery the same event."""
        view, user = body["view"], body["user"]
        text = (((view.get("state") or {}).get("values") or {}).get("text") or {}).get("text") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id", "")
        member = await self.chat.members.get(user["id"], user.get("username") or user.get("name", ""))
        channel = ChannelRef("slack", team, view.get("private_metadata", ""))
        return filled(channel, member, view["callback_id"][len(ASK):], (text.get("value") or "").strip(), view["id"])

    async def message(self, body: dict) -> Event | None:
        event = body["event"]
        channel = ChannelRef("slack", body.get("team_id", ""), event["channel"])
        subtype = event.get("subtype")
        if subtype == "message_changed":
            new, old = event.get("message", {}), event.get("previous_message", {})
            if self._ignored(new) or new.get("text") == old.get("text"):
                return None  # the bot's own edits, and Slack's (reply counts, unfurls) that change no text
            return MessageEdited(MessageRef(channel, new["ts"], _thread(new)), await self.chat.members.get(new["user"]),
                                 unescape(new.get("text", "")))
        if subtype == "message_deleted":
            old = event.get("previous_message", {})
            if self.me.wrote(old):
                return None
            return MessageDeleted(MessageRef(channel, event["deleted_ts"], _thread(old)))
        if subtype not in MEMBER_TEXT or self._ignored(event):
            return None
        ref = MessageRef(channel, event["ts"], _thread(event))
        self.chat.threads[(channel.channel, ref.id)] = ref.thread
        return MessagePosted(ref, await self.chat.members.get(event["user"]), unescape(event.get("text", "")))

    async def reaction(self, body: dict) -> Event | None:
        event = body["event"]
        item = event.get("item", {})
        if item.get("type") != "message" or event.get("user") == self.me.user_id:
            return None
        channel = ChannelRef("slack", body.get("team_id", ""), item["channel"])
        thread = await self.chat.thread_of(item["channel"], item["ts"])
        return ReactionChanged(MessageRef(channel, item["ts"], thread), await self.chat.members.get(event["user"]),
                               emoji_from(event["reaction"]), event["type"] == "reaction_added")

    def _ignored(self, message: dict) -> bool:
        """Not a member's own words: the bot's, another bot's or an app's."""
        return not message.get("user") or bool(message.get("bot_id")) or self.me.wrote(message)
