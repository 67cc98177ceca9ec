"""One definition per command: name, options, validation and help text.

The text syntax is Slack's slash-command style (`/qotd setup time:09:00 tz:Europe/Berlin`), which
the console and Slack send as is; the Discord adapter builds the same text from its options.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .clock import BadValue, parse_days, parse_duration, parse_time, parse_zone

MAX_TEXT = 1500  # a command longer than this is refused before parsing


class UserError(Exception):
    """Bad input or a refused action: its message is shown to the member, nothing was changed."""


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in allowed:
            raise BadValue(f"`{text}` is not one of: {', '.join(allowed)}.")
        return text.lower()
    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r"\d+", text.strip()) or not low <= int(text) <= high:
            raise BadValue(f"`{text}` is not a whole number from {low} to {high}.")
        return int(text)
    return parse


def _words(text: str) -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in text.split(",") if t.strip())


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "y", "true", "on", "1"):
        return True
    if text.lower() in ("no", "n", "false", "off", "0"):
        return False
    raise BadValue(f"`{text}` is not yes or no.")


@dataclass(frozen=True)
class Option:
    """One `name:value` option. The last four fields only shape platform pickers (Discord's typed
    options); `parse` stays the one validation, and tests check that they agree with it."""

    name: str
    help: str
    parse: Callable[[str], Any] = str
    required: bool = False
    choices: tuple[str, ...] = ()  # the whole set of values, when it is fixed
    minimum: int | None = None  # a whole number in [minimum, maximum]
    maximum: int | None = None
    suggest: str = ""  # "topics" or "zones": values a picker can suggest as the member types


@dataclass(frozen=True)
class Command:
    name: str  # "qotd setup": the command and its subcommand
    summary: str
    options: tuple[Option, ...] = ()
    admin: bool = False
    argument: str | None = None  # name of a free-text positional argument, if any

    def usage(self) -> str:
        parts = [f"/{self.name}"]
        if self.argument:
            parts.append(f"[{self.argument}]")
        parts += [f"{o.name}:…" if o.required else f"[{o.name}:…]" for o in self.options]
        return " ".join(parts)


DURATION_HELP = "a duration such as 30m, 2h or 1d"
COMMANDS: dict[str, Command] = {c.name: c for c in [
    Command("qotd setup", "Schedule the question of the day in this channel.", (
        Option("time", "HH:MM, 24-hour, in the zone below", parse_time, required=True),
        Option("tz", "IANA time zone, e.g. Europe/Berlin (default: the group's, else UTC)", parse_zone,
               suggest="zones"),
        Option("days", "daily, weekdays, mon-fri or mon,wed,fri (default daily)", parse_days),
        Option("topics", "comma-separated topic ids (default: all; see /topics)", _words, suggest="topics"),
        Option("close", f"how long answers stay open: {DURATION_HELP} (default 23h)", parse_duration),
        Option("minimum", "characters of real text a reply needs to count as an answer, 0 to 500 (default 15)",
               _int_between(0, 500), minimum=0, maximum=500),
    ), admin=True),
    Command("qotd status", "Show this channel's schedule and when the next question comes."),
    Command("qotd now", "Post today's question right away.", admin=True),
    Command("qotd skip", "Skip the next scheduled question; streaks are not broken.", admin=True),
    Command("qotd pause", "Stop posting until resumed; streaks are not broken.", admin=True),
    Command("qotd resume", "Start posting again.", admin=True),
    Command("leaderboard", "Top 10 and your own rank.", (
        Option("period", "week, month or all (default week)", _choice("week", "month", "all"),
               choices=("week", "month", "all")),
    )),
    Command("streak", "Current and best streak, yours or a member's.", argument="member"),
    Command("poll", "Ask the channel a question; members vote by reacting with the option's number.", (
        Option("question", "what to ask, in quotes", required=True),
        Option("options", '2 to 10 options separated by |, e.g. "Trees | SVMs | Transformers"', required=True),
        Option("duration", f"how long voting stays open: {DURATION_HELP} (default 24h, at most 30d)", parse_duration),
        Option("multi", "yes lets members vote for several options (default no)", _yes_no, choices=("yes", "no")),
    )),
    Command("poll close", "Close this channel's latest open poll now and post the results (its creator or an admin)."),
    Command("poll results", "Show the standing of this channel's latest poll without closing it."),
    Command("quiz", "Run a quiz in this channel: one question at a time, timed, with speed points.", (
        Option("topic", "comma-separated topic ids (default: all; see /topics)", _words, suggest="topics"),
        Option("count", "how many questions, 1 to 20 (default 5)", _int_between(1, 20), minimum=1, maximum=20),
        Option("difficulty", "easy, medium or hard (default: any)", _choice("easy", "medium", "hard"),
               choices=("easy", "medium", "hard")),
        Option("seconds", "time per question, 10 to 300 (default 30)", _int_between(10, 300), minimum=10, maximum=300),
    )),
    Command("quiz stop", "End this channel's quiz now, with the scoreboard so far (its starter or an admin)."),
    Command("practice", "A private practice session: what you missed comes back first (spaced repetition).", (
        Option("topic", "comma-separated topic ids (default: all; see /topics)", _words, suggest="topics"),
        Option("count", "how many questions, 1 to 20 (default 5)", _int_between(1, 20), minimum=1, maximum=20),
    )),
    Command("practice stats", "Your cards due now and this week, and your accuracy per topic."),
    Command("topics", "The question bank's topics."),
    Command("help", "What I can do."),
]}


@dataclass(frozen=True)
class Invocation:
    command: Command
    options: dict[str, Any] = field(default_factory=dict)
    argument: str = ""


_TOKEN = re.compile(r'(\w+):\s*(?:"([^"]*)"|“([^”]*)”|(\S+))|"([^"]*)"|“([^”]*)”|(\S+)')


def tokenize(text: str) -> tuple[list[str], dict[str, str]]:
    words, options = [], {}
    for m in _TOKEN.finditer(text):
        if m[1]:
            key = m[1].lower()
            if key in options:
                raise UserError(f"`{key}:` is given twice.")
            options[key] = next(v for v in (m[2], m[3], m[4]) if v is not None)
        elif m[7] and re.fullmatch(r"\w+:", m[7]):  # "days:" with nothing after it: an empty value
            options[m[7][:-1].lower()] = ""
        else:
            words.append(next(v for v in (m[5], m[6], m[7]) if v is not None))
    return words, options


def parse(name: str, text: str, is_admin: bool = True) -> Invocation:
    """Resolve `/name text` to a command and validated options, or raise UserError saying what is valid.
    Permission comes first: a member who may not run a command learns that, not its syntax."""
    if len(text) > MAX_TEXT:
        raise UserError(f"That command is {len(text)} characters long; the limit is {MAX_TEXT}.")
    name = name.lower().lstrip("/")
    words, raw = tokenize(text)
    command = COMMANDS.get(name)
    if words and f"{name} {words[0].lower()}" in COMMANDS:
        command = COMMANDS[f"{name} {words.pop(0).lower()}"]
    if command is None:
        subs = [c.name.split(" ", 1)[1] for c in COMMANDS.values() if c.name.startswith(name + " ")]
        if subs:
            said = f"`{words[0]}` is not" if words else "Say which one:"
            raise UserError(f"{said} a `/{name}` subcommand. Try: {', '.join(subs)}.")
        raise UserError(f"I don't know `/{name}`. Commands: {', '.join(sorted({c.split()[0] for c in COMMANDS}))}.")
    if command.admin and not is_admin:
        raise UserError(f"Only admins can use `/{command.name}`.")
    if words and not command.argument:
        raise UserError(f"`/{command.name}` takes no `{' '.join(words)}`. Usage: `{command.usage()}`")
    known = {o.name: o for o in command.options}
    unknown = [k for k in raw if k not in known]
    if unknown:
        valid = ", ".join(f"{o}:" for o in known) or "none"
        raise UserError(f"`/{command.name}` has no option `{unknown[0]}:`. Valid options: {valid}.")
    options = {}
    for option in command.options:
        if option.name not in raw:
            if option.required:
                raise UserError(f"`/{command.name}` needs `{option.name}:` ({option.help}). Usage: `{command.usage()}`")
            continue
        if not raw[option.name].strip() and option.parse is not str:  # free text says its own rule
            raise UserError(f"`{option.name}:` is empty: give it a value ({option.help}).")
        try:
            options[option.name] = option.parse(raw[option.name])
        except BadValue as exc:
            raise UserError(f"`{option.name}:` {exc}") from None
    return Invocation(command, options, " ".join(words))


def help_text(is_admin: bool) -> str:
    lines = []
    for c in COMMANDS.values():
        if c.admin and not is_admin:
            continue
        lines.append(f"`{c.usage()}` — {c.summary}" + (" *(admin)*" if c.admin else ""))
    return "\n".join(lines)
