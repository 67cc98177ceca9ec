"""`studybot discord` starting up against the fake Discord: the slash commands it syncs (and when it
does not), the gateway intents, the invite URL, the health check, and Discord refusing the token."""
import asyncio
import logging
import re
import time

import pytest

from bot import health
from bot.__main__ import main
from bot.adapters.discord import appcommands
from bot.config import ConfigError, load_settings
from bot.core.commands import COMMANDS

from .discord_world import discord_world, fake  # noqa: F401

GUILDS, GUILD_MESSAGES, GUILD_REACTIONS, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 10, 1 << 15
MANAGE_SERVER = 1 << 5
# view channel, send messages, embed links, add reactions, read history, create public and private
# threads, send messages in threads, manage messages (to remove a member's older poll vote)
INVITE_PERMISSIONS = (1 << 10) + (1 << 11) + (1 << 14) + (1 << 6) + (1 << 16) + (1 << 35) + (1 << 36) + (1 << 38) + (1 << 13)


def command_syncs(fake):
    return fake.calls_to("PUT", r"/applications/\d+(/guilds/\d+)?/commands")


async def test_the_synced_commands_are_the_command_table(fake, tmp_path, clock):
    async with discord_world(fake, tmp_path, clock):
        pass
    [sync] = command_syncs(fake)
    assert sync.path.endswith(f"/guilds/{fake.guild_id}/commands")  # DISCORD_GUILD_IDS: that server, at once
    synced = {c["name"]: c for c in sync.body}
    assert set(synced) == {name.split()[0] for name in COMMANDS}
    for name, command in COMMANDS.items():
        top, _, sub = name.partition(" ")
        entry = synced[top]
        group = [c for c in COMMANDS.values() if c.name.split()[0] == top]
        assert entry["default_member_permissions"] == (str(MANAGE_SERVER) if any(c.admin for c in group) else None)
        options = entry["options"]
        if len(group) > 1:  # a command with subcommands takes no options itself
            assert all(o["type"] == 1 for o in options)
            sub = sub or appcommands.BARE.get(top, "start")
            [entry] = [o for o in options if o["name"] == sub]
            options = entry.get("options", [])
        assert entry["description"] == command.summary
        expected = {o.name: (o.required, list(o.choices)) for o in command.options}
        if command.argument:
            expected[command.argument] = (False, [])
        assert {o["name"]: (o["required"], [c["value"] for c in o.get("choices", [])]) for o in options} == expected
        assert [o["required"] for o in options] == sorted((o["required"] for o in options), reverse=True)
        for o in options:
            assert 0 < len(o["description"]) <= 100
    assert [o["name"] for o in synced["qotd"]["options"]] == ["setup", "status", "now", "skip", "pause", "resume",
                                                             "digest", "review", "add"]
    assert {o["name"]: o["type"] for o in synced["quiz"]["options"][0]["options"]} == \
        {"topic": 3, "count": 4, "difficulty": 3, "seconds": 4}
    assert synced["streak"]["options"][0]["type"] == 6  # a member picker
    assert synced["qotd"]["options"][0]["options"][1] | {"description": ""} == \
        {"type": 3, "name": "tz", "required": False, "autocomplete": True, "description": ""}


async def test_a_restart_with_the_same_commands_syncs_nothing(fake, tmp_path, clock, monkeypatch):
    async with discord_world(fake, tmp_path, clock):
        pass
    async with discord_world(fake, tmp_path, clock):
        pass
    assert len(command_syncs(fake)) == 1
    changed = appcommands.definitions() + [{"type": 1, "name": "extra", "description": "new", "options": []}]
    monkeypatch.setattr("bot.adapters.discord.client.definitions", lambda: changed)
    async with discord_world(fake, tmp_path, clock):
        pass
    assert [len(c.body) for c in command_syncs(fake)] == [len(changed) - 1, len(changed)]


async def test_without_server_ids_the_commands_sync_globally(fake, tmp_path, clock):
    async with discord_world(fake, tmp_path, clock, discord_guild_ids=""):
        pass
    assert [c.path for c in command_syncs(fake)] == [f"/applications/{fake.app_id}/commands"]


async def test_the_intents_are_the_minimum(fake, tmp_path, clock):
    async with discord_world(fake, tmp_path, clock):
        pass
    async with discord_world(fake, tmp_path, clock, discord_message_content=False):
        pass
    assert [i["intents"] for i in fake.identified] == [GUILDS | GUILD_MESSAGES | GUILD_REACTIONS | MESSAGE_CONTENT,
                                                       GUILDS | GUILD_MESSAGES | GUILD_REACTIONS]


async def test_the_invite_url_is_logged_once_with_the_permissions_it_needs(fake, tmp_path, clock, caplog):
    caplog.set_level(logging.INFO)
    async with discord_world(fake, tmp_path, clock):
        pass
    [line] = [r.getMessage() for r in caplog.records if "oauth2/authorize" in r.getMessage()]
    url = re.search(r"https://\S+", line)[0]
    assert f"client_id={fake.app_id}" in url and "scope=bot+applications.commands" in url
    assert f"permissions={INVITE_PERMISSIONS}" in url


async def test_the_health_check_follows_the_heartbeat(fake, tmp_path, clock, monkeypatch, capsys):
    monkeypatch.setenv("STUDYBOT_DATABASE", str(tmp_path / "studybot.db"))
    assert main(["health"]) == 1
    async with discord_world(fake, tmp_path, clock) as world:
        beat = health.heartbeat_path(tmp_path / "studybot.db")
        await fake.wait(beat.exists)
        assert world.client.connected()
        assert main(["health"]) == 0
        assert health.check(beat, now=time.time() + health.STALE + 1).startswith("unhealthy: the last heartbeat")
    assert not beat.exists()  # stopped: unhealthy at once
    assert main(["health"]) == 1
    assert capsys.readouterr().err.count("unhealthy: no heartbeat") == 2


def test_the_settings_take_discords_own_names(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDYBOT_DISCORD_TOKEN", "old-name")
    assert load_settings().require("discord_token") == ["old-name"]
    monkeypatch.setenv("DISCORD_TOKEN", "new-name")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("DISCORD_MESSAGE_CONTENT", "false")
    settings = load_settings()
    assert settings.require("discord_token") == ["new-name"] and "new-name" not in repr(settings)
    assert settings.discord_guilds() == [123, 456] and settings.discord_message_content is False
    monkeypatch.setenv("DISCORD_GUILD_IDS", "123,my-server")
    with pytest.raises(ConfigError, match="^Bad setting: DISCORD_GUILD_IDS: `my-server` is not a server id"):
        load_settings()


# ---- refusals: one line, exit code 2, the token never logged --------------------------------------------

async def run_main(monkeypatch, tmp_path, env: dict[str, str]) -> int:
    """`studybot discord` in its own thread and event loop (it calls asyncio.run), as from a shell."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "STUDYBOT_DISCORD_TOKEN", "DISCORD_GUILD_IDS", "STUDYBOT_DISCORD_GUILD_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STUDYBOT_DATABASE", str(tmp_path / "studybot.db"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return await asyncio.wait_for(asyncio.to_thread(main, ["discord"]), 20)


async def test_a_missing_token_is_one_line(monkeypatch, tmp_path, capsys):
    assert await run_main(monkeypatch, tmp_path, {}) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DISCORD_TOKEN" in err and "Traceback" not in err


@pytest.mark.parametrize("how, said", [("401", "401 Unauthorized"), ("4004", "4004"),
                                       ("4014", "enable it in the developer portal"),
                                       ("403", "invite the bot there with the applications.commands scope")])
async def test_a_refusal_is_one_line_and_the_token_is_never_logged(fake, monkeypatch, tmp_path, capsys, caplog, how,
                                                                  said):
    caplog.set_level(logging.DEBUG)
    token = "not-the-token-5555" if how == "401" else fake.token
    fake.revoked = how == "4004"
    fake.allow_message_content = how != "4014"  # the intent is asked for but not enabled in the portal
    if how == "403":  # a server the bot was invited to without the applications.commands scope
        fake.failing.append(("PUT", r"/applications/\d+/guilds/\d+/commands", 403))
    code = await run_main(monkeypatch, tmp_path, {"DISCORD_TOKEN": token, "DISCORD_API_BASE": fake.url,
                                                  "DISCORD_GATEWAY_URL": fake.gateway_url,
                                                  "DISCORD_GUILD_IDS": fake.guild_id})
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert said in err and ("DISCORD_TOKEN" in err or how in ("403", "4014"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "logging in using static token" in logged  # DEBUG logs of discord.py were captured
    assert token not in logged and token not in err
