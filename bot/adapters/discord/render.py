"""A `Post` drawn as a Discord message: one embed, buttons, and mentions that ping nobody.

Hidden marks. A post's outbox key travels invisibly at the end of its embed footer, spelt in
zero-width characters (two bits each, between two invisible separators): members see nothing, and
`find()` reads it back from the channel history after a crash. The footer is the one place every bot
message has: a title can be missing, an embed url would turn the title into a link, and components
exist only on posts with buttons. The same mark identifies a proxy answer (posted by the bot for a
member when Message Content is off) as that member's: its mark is `answer-of:<member id>`.

Mentions never ping from an embed; a post's `ping` members are named in the message content, and
`allowed_mentions` lets exactly those through (never @everyone, @here or roles).
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import discord

from ...core.chat import Button, ChannelRef, MessageRef, Post

COLOUR = discord.Colour(0x5865F2)
ANSWER, EDIT_ANSWER = "studybot:answer", "studybot:edit-answer"  # the buttons of the modal path
ASK = "studybot:ask:"  # a button with a prompt: ASK + "<command>:<prompt>"; a press opens the form (modal.py)
COMMAND = re.compile(r"[a-z]+( [a-z]+)?")  # what a form may name as its command (custom ids are forgeable)
PROXY = "answer-of:"
WHISPER = "whisper-from:"  # a direct message's mark: the server and channel it speaks for, then its key
_BITS = "\u200b\u200c\u200d\u2060"  # zero width space, non-joiner, joiner, word joiner: 0, 1, 2, 3
_EDGE = "\u2063"  # invisible separator around a mark
LIMITS = {"title": 256, "description": 4096, "field": 256, "value": 1024, "footer": 2048, "fields": 25, "label": 80}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# ---- marks ----------------------------------------------------------------------------------------

def mark(key: str) -> str:
    if not key:
        return ""
    return _EDGE + "".join(_BITS[(byte >> shift) & 3] for byte in key.encode() for shift in (6, 4, 2, 0)) + _EDGE


def read_mark(text: str | None) -> str:
    """The key hidden in a footer, or ""."""
    if not text or text.count(_EDGE) < 2:
        return ""
    hidden = text.split(_EDGE)[-2]
    if len(hidden) % 4 or any(c not in _BITS for c in hidden):
        return ""
    data = bytes(sum(_BITS.index(c) << shift for c, shift in zip(hidden[i:i + 4], (6, 4, 2, 0)))
                 for i in range(0, len(hidden), 4))
    return data.decode(errors="replace")


def key_of(message: discord.Message) -> str:
    return read_mark(message.embeds[0].footer.text) if message.embeds else ""


# ---- posts ----------------------------------------------------------------------------------------

def jump_url(ref: MessageRef) -> str:
    return f"https://discord.com/channels/{ref.channel.group}/{ref.thread or ref.channel.channel}/{ref.id}"


def timestamp(when: datetime) -> str:
    """Discord shows `<t:…>` in each reader's own zone: relative ("in 5 hours"), then the full date."""
    seconds = int(when.timestamp())
    return f"<t:{seconds}:R> · <t:{seconds}:f>"


def embed(post: Post) -> discord.Embed:
    body = post.body
    long_labels = [b for b in post.buttons if len(b.label) > LIMITS["label"]]
    if long_labels:  # a clipped button label must not hide what the option says
        body += "\n\n" + "\n".join(f"**{n}.** {b.label}" for n, b in enumerate(post.buttons, 1))
    if post.link:
        body += f"\n\n[Jump to the message]({jump_url(post.link)})"
    e = discord.Embed(title=clip(post.title, LIMITS["title"]) or None,
                      description=clip(body.strip(), LIMITS["description"]) or None, colour=COLOUR)
    fields = list(post.fields)
    if post.closes_at:
        fields.append(("Closes", timestamp(post.closes_at)))
    for name, value in fields[:LIMITS["fields"]]:
        e.add_field(name=clip(name, LIMITS["field"]) or "\u200b", value=clip(value, LIMITS["value"]) or "\u200b",
                    inline=len(value) <= 40)
    hidden = mark(post.key)
    footer = clip(post.footer, LIMITS["footer"] - len(hidden)) + hidden
    if footer:
        e.set_footer(text=footer)
    if post.image:  # the uploaded file, shown inside the embed
        e.set_image(url=f"attachment://{Path(post.image).name}")
    return e


class Buttons(discord.ui.View):
    """Components only: a press reaches `StudyClient.on_interaction` by its custom id (the core's
    Button.id, which carries quiz, round and option) whether or not any view object is alive, which is
    what keeps buttons working after a restart. So the view is stopped before it is sent, and
    discord.py keeps no per-message state for it."""

    def __init__(self, buttons: tuple[Button, ...]):
        super().__init__(timeout=None)
        for n, b in enumerate(buttons, 1):
            label = f"{n}. {clip(b.label, LIMITS['label'] - 4)}" if len(b.label) > LIMITS["label"] else b.label
            custom_id = clip(f"{ASK}{b.id}:{b.prompt}", 100) if b.prompt else b.id
            self.add_item(discord.ui.Button(label=label, custom_id=custom_id, style=discord.ButtonStyle.secondary))
        self.stop()


def asked(custom_id: str) -> tuple[str, str] | None:
    """(command, prompt) of a button with a prompt, or None."""
    if not custom_id.startswith(ASK):
        return None
    command, _, prompt = custom_id[len(ASK):].partition(":")
    return (command, prompt or command) if COMMAND.fullmatch(command) else None


def answer_buttons() -> Buttons:
    return Buttons((Button(ANSWER, "Answer"), Button(EDIT_ANSWER, "Edit my answer")))


def mentions(ping: tuple[str, ...]) -> discord.AllowedMentions:
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                   users=[discord.Object(int(u)) for u in ping if u.isdigit()])


def message(post: Post, edit: bool = False) -> dict:
    """Keyword arguments for send / edit / followup. A followup refuses `view=None`, an edit needs it
    to clear old buttons. An image is uploaded with the message (`file`; an edit takes `attachments`)."""
    ping = tuple(u for u in post.ping if u.isdigit())
    kwargs = {"content": " ".join(f"<@{u}>" for u in ping) or None, "embed": embed(post),
              "allowed_mentions": mentions(ping)}
    if post.buttons or edit:
        kwargs["view"] = Buttons(post.buttons) if post.buttons else None
    if post.image:
        upload = discord.File(post.image, filename=Path(post.image).name)
        kwargs |= {"attachments": [upload]} if edit else {"file": upload}
    return kwargs


# ---- whispers (direct messages) ------------------------------------------------------------------

def whisper(post: Post, channel: ChannelRef) -> dict:
    """A private note as a direct message. Its mark also names the server and channel it speaks for, so
    a press on its buttons, which Discord reports from the DM, reaches the core as a press there."""
    return message(replace(post, key=f"{WHISPER}{channel.group}:{channel.channel}:{post.key}"))


def origin_of(message: discord.Message) -> tuple[int, int] | None:
    """(server id, channel id) a direct message of ours speaks for, or None."""
    key = key_of(message)
    if not key.startswith(WHISPER):
        return None
    guild, channel, _ = (key[len(WHISPER):].split(":", 2) + ["", ""])[:3]
    return (int(guild), int(channel)) if guild.isdigit() and channel.isdigit() else None


# ---- proxy answers (Message Content off) ----------------------------------------------------------

def proxy(member: discord.abc.User, text: str) -> dict:
    """A member's modal answer as the bot posts it in the thread: under their name and avatar."""
    e = discord.Embed(description=clip(text, LIMITS["description"]), colour=COLOUR)
    e.set_author(name=clip(getattr(member, "display_name", member.name), LIMITS["title"]),
                 icon_url=member.display_avatar.url)
    e.set_footer(text=mark(PROXY + str(member.id)))
    return {"embed": e, "allowed_mentions": discord.AllowedMentions.none()}


def proxy_of(message: discord.Message) -> tuple[str, str, str] | None:
    """(member id, member name, text) of a proxy answer, or None for any other message."""
    key = key_of(message)
    if not key.startswith(PROXY):
        return None
    e = message.embeds[0]
    return key[len(PROXY):], e.author.name or key[len(PROXY):], e.description or ""
