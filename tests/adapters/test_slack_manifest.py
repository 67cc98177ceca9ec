"""slack-manifest.yml declares what the adapter needs: every command of bot/core/commands.py (plus the
umbrella), the events it listens to, the scopes its Web API calls need, interactivity, Socket Mode."""
from pathlib import Path

import yaml

from bot.adapters.slack_adapter.events import UMBRELLA
from bot.core.commands import COMMANDS

MANIFEST = yaml.safe_load((Path(__file__).parent.parent.parent / "slack-manifest.yml").read_text())


def test_every_command_is_declared_once():
    declared = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert sorted(declared) == sorted({f"/{name.split()[0]}" for name in COMMANDS} | {f"/{UMBRELLA}"})
    assert all(c["description"] for c in MANIFEST["features"]["slash_commands"])


def test_events_scopes_interactivity_and_socket_mode():
    settings = MANIFEST["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.channels", "message.groups", "reaction_added", "reaction_removed"}
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert {"commands", "chat:write", "channels:history", "groups:history", "reactions:read", "reactions:write",
            "users:read", "channels:join", "files:write"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
