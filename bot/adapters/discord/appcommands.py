"""The slash commands, generated from the one command table (core/commands.py), and back to text.

Discord's rules shape the layout. A command with subcommands cannot take options itself, so where
the table has both `poll` and `poll close`, the bare command becomes a subcommand of its own:
`/poll create`, `/quiz start`, `/practice start`. `default_member_permissions` covers a whole
top-level command, so one with any admin subcommand (`/qotd`) is offered to members with Manage
Server by default; server admins can widen that in Server Settings → Integrations, and the core
checks admin rights on every call regardless.

An invocation goes back to the core as the same Slack-style text the console types:
`/poll create question:… options:…` arrives as name "poll", text `question:"…" options:"…"`.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable
from zoneinfo import available_timezones

import discord

from ...core.commands import COMMANDS, Command, Option

SUBCOMMAND, STRING, INTEGER, USER = 1, 3, 4, 6  # application command option types
BARE = {"poll": "create", "goal": "plan"}  # what a bare command is called as a subcommand; "start" otherwise
USER_ARGUMENTS = {"member"}  # positional arguments that name a member: a user picker on Discord
MANAGE_SERVER = discord.Permissions(manage_guild=True).value
DESCRIPTION, CHOICES = 100, 25  # Discord's limits


def _clip(text: str) -> str:
    return text if len(text) <= DESCRIPTION else text[:DESCRIPTION - 1] + "…"


def _groups() -> dict[str, list[Command]]:
    groups: dict[str, list[Command]] = {}
    for command in COMMANDS.values():
        groups.setdefault(command.name.split()[0], []).append(command)
    return groups


def _sub_name(command: Command) -> str:
    top, _, sub = command.name.partition(" ")
    return sub or BARE.get(top, "start")


def _option(o: Option) -> dict[str, Any]:
    d: dict[str, Any] = {"type": STRING, "name": o.name, "description": _clip(o.help), "required": o.required}
    if o.minimum is not None or o.maximum is not None:
        d["type"] = INTEGER
        d |= {k: v for k, v in (("min_value", o.minimum), ("max_value", o.maximum)) if v is not None}
    if o.choices:
        d["choices"] = [{"name": c, "value": c} for c in o.choices]
    if o.suggest:
        d["autocomplete"] = True
    return d


def _options(command: Command) -> list[dict[str, Any]]:
    options = [_option(o) for o in command.options]
    if command.argument:
        kind = USER if command.argument in USER_ARGUMENTS else STRING
        about = f"which {command.argument} (default: you)" if kind == USER else command.argument
        options.append({"type": kind, "name": command.argument, "required": False, "description": about})
    return sorted(options, key=lambda o: not o["required"])  # Discord wants the required ones first


def definitions() -> list[dict[str, Any]]:
    """The payload of a bulk overwrite: every top-level command with its subcommands and options."""
    out = []
    for top, commands in _groups().items():
        moderators = any(c.admin for c in commands)
        entry: dict[str, Any] = {"type": 1, "name": top, "contexts": [0],
                                 "default_member_permissions": str(MANAGE_SERVER) if moderators else None}
        if len(commands) == 1 and commands[0].name == top:
            entry |= {"description": _clip(commands[0].summary), "options": _options(commands[0])}
        else:
            bare = COMMANDS.get(top)
            entry["description"] = _clip(bare.summary if bare else f"{top}: " + ", ".join(map(_sub_name, commands)))
            entry["options"] = [{"type": SUBCOMMAND, "name": _sub_name(c), "description": _clip(c.summary),
                                 "options": _options(c)} for c in commands]
        out.append(entry)
    return out


def digest(payload: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# ---- invocations ------------------------------------------------------------------------------

def quote(value: str) -> str:
    """A value the core's tokenizer reads back whole."""
    if value and not re.search(r'[\s"“”]', value):
        return value
    if '"' not in value:
        return f'"{value}"'
    if "”" not in value:
        return f"“{value}”"
    return '"' + value.replace('"', "'") + '"'


def resolve(data: dict[str, Any]) -> tuple[Command | None, str | None, list[dict[str, Any]]]:
    """The table's command for an interaction's data (None for a command Discord still offers but the
    table dropped: the core then says what exists), the subcommand word the core expects (None for a
    bare command), and the options given."""
    name, options = data["name"], data.get("options") or []
    if options and options[0]["type"] == SUBCOMMAND:
        sub, options = options[0]["name"], options[0].get("options") or []
        if f"{name} {sub}" in COMMANDS:
            return COMMANDS[f"{name} {sub}"], sub, options
    return COMMANDS.get(name), None, options


def invocation(data: dict[str, Any]) -> tuple[str, str]:
    """(name, text) for CommandInvoked, e.g. ("qotd", "setup time:09:00 tz:Europe/Berlin")."""
    command, sub, options = resolve(data)
    words = [sub] if sub else []
    for o in options:
        value = str(o["value"])
        if command and o["name"] == command.argument:
            words.append(f"<@{value}>" if o["type"] == USER else value if command.verbatim else quote(value))
        else:
            words.append(f"{o['name']}:{quote(value)}")
    return data["name"], " ".join(words)


def focused(data: dict[str, Any]) -> tuple[Option | None, str]:
    """The option a member is typing in (autocomplete) and what they typed so far."""
    command, _, options = resolve(data)
    for o in options if command else ():
        if o.get("focused"):
            return next((x for x in command.options if x.name == o["name"]), None), str(o.get("value", ""))
    return None, ""


def suggestions(kind: str, typed: str, topics: Iterable[str]) -> list[tuple[str, str]]:
    """Autocomplete choices (name, value): time zones by substring; topic ids completing the last of a
    comma-separated list."""
    if kind == "zones":
        needle = typed.strip().lower().replace(" ", "_")
        zones = sorted(z for z in available_timezones() if needle in z.lower())
        zones.sort(key=lambda z: not z.lower().startswith(needle))
        return [(z, z) for z in zones[:CHOICES]]
    if kind == "topics":
        *done, last = [t.strip().lower() for t in typed.split(",")]
        done = [t for t in done if t]
        lists = [",".join([*done, t]) for t in topics if t not in done and last in t]
        return [(_clip(v), v) for v in lists[:CHOICES] if len(v) <= DESCRIPTION]
    return []
