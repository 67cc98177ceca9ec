"""The Discord adapter (discord.py): slash commands, embeds, threads, reactions, buttons and modals.

Translation only: `client.StudyClient` turns gateway events into the core's events, `chat.DiscordChat`
implements the port with REST calls, `appcommands` generates the slash commands from the one command
table, `render` draws a `Post` as a message. Imports of discord.py are absolute, so this package's
name never shadows the library.
"""
from .client import DiscordRefused, StudyClient, invite_url

__all__ = ["DiscordRefused", "StudyClient", "invite_url"]
