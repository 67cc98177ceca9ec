"""Answers without Message Content: a modal instead of a typed thread reply.

Without the privileged intent the bot receives members' messages with empty text, so a question
answered in its thread carries "Answer" and "Edit my answer" buttons (see `DiscordChat.open_thread`).
The submitted text is posted by the bot in the thread under the member's name and avatar (a proxy,
marked with the member's id, see render.py), and the core sees it as that member's own
`MessagePosted` / `MessageEdited` / `MessageDeleted` (an emptied answer is withdrawn). Upvotes on the
proxy count for the member, and `replies()` maps it back to them at close.

The same modal is the form of any core button with a prompt (a blind question's "Answer"): there the
text is posted nowhere; it goes to the core privately, as the command the button names (`/answer …`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from ...core.chat import ChannelRef, MessageDeleted, MessageEdited, MessagePosted, MessageRef, filled
from . import render

if TYPE_CHECKING:
    from .chat import DiscordChat

NEW, EDIT = "studybot:answer-modal", "studybot:edit-modal"  # modal custom ids: …:<thread>[:<proxy message>]
ASKED = "studybot:asked:"  # the form of a button with a prompt: ASKED + <command>
MAX_ANSWER = 4000  # a text input's limit


class AnswerModal(discord.ui.Modal):
    """Stopped before it is sent, like `render.Buttons`: the submission is read in `on_interaction`
    by custom id, so it lands even if the bot restarted while the member was typing."""

    def __init__(self, custom_id: str, title: str, default: str = "", required: bool = True, label: str = ""):
        super().__init__(title=render.clip(title, 45), custom_id=custom_id, timeout=None)
        label = render.clip(label, 45) or ("Your answer" if required else "Your answer (clear it to withdraw it)")
        self.add_item(discord.ui.TextInput(label=label, custom_id="text", style=discord.TextStyle.paragraph,
                                           default=default or None, required=required, max_length=MAX_ANSWER))
        self.stop()


def submitted_text(components: list[dict[str, Any]]) -> str:
    """The text input's value, whether Discord wraps it in an action row or a label."""
    for c in components:
        if c.get("custom_id") == "text" and "value" in c:
            return c["value"] or ""
        found = submitted_text(c.get("components", []) + ([c["component"]] if "component" in c else []))
        if found:
            return found
    return ""


class ModalAnswers:
    def __init__(self, chat: DiscordChat):
        self.chat = chat

    async def _mine(self, thread: int, member_id: int) -> discord.Message | None:
        """The member's answer in a thread: their first proxy, as the core counts the first reply."""
        async for m in self.chat.messageable(thread).history(limit=None, oldest_first=True):
            found = render.proxy_of(m)
            if found and found[0] == str(member_id):
                return m
        return None

    async def open(self, interaction: discord.Interaction, edit: bool) -> None:
        """A press on "Answer" or "Edit my answer" (on the question; its thread has the same id)."""
        thread = interaction.message.id
        if not edit:
            await interaction.response.send_modal(AnswerModal(f"{NEW}:{thread}", "Your answer"))
            return
        mine = await self._mine(thread, interaction.user.id)
        if mine is None:
            await interaction.response.send_message("You have not answered yet: press **Answer**.", ephemeral=True)
            return
        await interaction.response.send_modal(
            AnswerModal(f"{EDIT}:{thread}:{mine.id}", "Edit my answer", render.proxy_of(mine)[2], required=False))

    @staticmethod
    async def ask(interaction: discord.Interaction, command: str, prompt: str) -> None:
        """A press on a button with a prompt: its form, named for the command the text goes to."""
        await interaction.response.send_modal(AnswerModal(f"{ASKED}{command}", prompt, label=prompt))

    @staticmethod
    def asked(custom_id: str) -> str | None:
        """The command a submitted form goes to, or None if it is not such a form."""
        command = custom_id[len(ASKED):] if custom_id.startswith(ASKED) else ""
        return command if render.COMMAND.fullmatch(command) else None

    def sent(self, interaction: discord.Interaction, command: str):
        """The queued work of a sent form: its text, to the core only, as the member's command."""
        text = submitted_text(interaction.data.get("components", [])).strip()
        member = self.chat.member(interaction.user, interaction.permissions)
        return lambda channel, _: filled(channel, member, command, text, str(interaction.id))

    @staticmethod
    def parse(custom_id: str) -> tuple[str, str | None] | None:
        """(thread id, proxy message id or None for a new answer) from a modal's custom id, or None
        if it is not one of ours (custom ids are forgeable: digits only)."""
        for prefix, parts in ((NEW + ":", 1), (EDIT + ":", 2)):
            if custom_id.startswith(prefix):
                ids = custom_id[len(prefix):].split(":")
                if len(ids) == parts and all(i.isdigit() for i in ids):
                    return ids[0], ids[1] if parts == 2 else None
        return None

    def submitted(self, interaction: discord.Interaction, thread: str, proxy_id: str | None):
        """The queued work of a modal submission: post, edit or remove the proxy and return the member's
        event for the core (None when there is nothing to hand over); the member gets a short note."""
        text = submitted_text(interaction.data.get("components", [])).strip()
        member = self.chat.member(interaction.user, interaction.permissions)
        live = self.chat.live

        def note(said: str) -> None:  # what the member is told; the core gets nothing from this return
            live[str(interaction.id)].note = said

        async def build(channel: ChannelRef, _: str | None):
            if proxy_id is None:
                if not text:
                    return note("An empty answer is no answer: nothing was posted.")
                proxy = await self.chat.post_proxy(thread, interaction.user, text)
                note("Your answer is in the thread.")
                return MessagePosted(MessageRef(channel, str(proxy.id), thread), member, text)
            proxy = await self.chat.messageable(thread).fetch_message(int(proxy_id))
            if (render.proxy_of(proxy) or ("",))[0] != member.id:
                return note("That answer is not yours to change.")
            ref = MessageRef(channel, proxy_id, thread)
            if text:
                await proxy.edit(**render.proxy(interaction.user, text))
                note("Your answer is updated.")
                return MessageEdited(ref, member, text)
            await proxy.delete()
            note("Your answer is withdrawn.")
            return MessageDeleted(ref)
        return build
