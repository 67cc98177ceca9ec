"""One definition per command: name, options, validation and help text.

The text syntax is Slack's slash-command style (`/qotd setup time:09:00 tz:Europe/Berlin`), which
the console and Slack send as is; the Discord adapter builds the same text from its options.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Callable

from .clock import DAY_NAMES, BadValue, parse_days, parse_duration, parse_time, parse_zone

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


def _word(text: str) -> str:
    """One id, such as a topic's (the core checks that it exists)."""
    if not re.fullmatch(r"[\w-]+", text.strip()):
        raise BadValue(f"`{text}` is not one id: name a single one, like statistics (see /topics).")
    return text.strip().lower()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadValue(f"`{text}` is not a date: use YYYY-MM-DD, like 2027-01-15.") from None


def _weekday(text: str) -> int:
    days = parse_days(text)
    if len(days) != 1:
        raise BadValue(f"`{text}` is more than one day: name one, like sat.")
    return next(iter(days))


def _time_or_off(text: str) -> time | None:
    return None if text.strip().lower() == "off" else parse_time(text)


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
    verbatim: bool = False  # no subcommands or options: the argument is all that was typed, as typed (`a:b`, quotes, lines)

    def usage(self) -> str:
        parts = [f"/{self.name}"]
        if self.argument:
            parts.append(f"[{self.argument}]")
        parts += [f"{o.name}:…" if o.required else f"[{o.name}:…]" for o in self.options]
        return " ".join(parts)


DURATION_HELP = "a duration such as 30m, 2h or 1d"
QUESTION_OPTIONS = (  # a question of the group's own, checked like the bank's (core/suggestions.py)
    Option("prompt", "the question, in quotes", required=True),
    Option("answer", "with choices: the right one (its text or letter); else 3 to 6 key points separated by |",
           required=True),
    Option("choices", 'for a multiple-choice question: 2 to 6 options separated by |, e.g. "L1 | L2 | Dropout"'),
    Option("topic", "a topic id (default: this channel's, if it has one; see /topics)", _word, suggest="topics"),
    Option("difficulty", "easy, medium or hard (default medium)", _choice("easy", "medium", "hard"),
           choices=("easy", "medium", "hard")),
    Option("explanation", "why the answer is right, shown when the question closes"),
)
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
        Option("blind", "yes: answers are sent privately and all shown at the close, then voted on for 12h "
               "(default no)", _yes_no, choices=("yes", "no")),
    ), admin=True),
    Command("qotd status", "Show this channel's schedule and when the next question comes."),
    Command("qotd now", "Post today's question right away.", admin=True),
    Command("qotd skip", "Skip the next scheduled question; streaks are not broken.", admin=True),
    Command("qotd pause", "Stop posting until resumed; streaks are not broken.", admin=True),
    Command("qotd resume", "Start posting again.", admin=True),
    Command("qotd digest", "When this channel's weekly digest comes (default Monday 09:00); `off` stops it.", (
        Option("day", "the weekday it comes on", _weekday, choices=DAY_NAMES),
        Option("time", "HH:MM, 24-hour, in the channel's zone", parse_time),
    ), admin=True, argument="off"),
    Command("qotd review", "Review the group's suggested questions, one at a time: Approve or Reject.", (
        Option("reason", "why, sent privately to the author if you press Reject"),
    ), admin=True),
    Command("qotd add", "Add a question of the group's own; it is asked before the bank's.", QUESTION_OPTIONS,
            admin=True),
    Command("answer", "Your answer to this channel's blind question, hidden until it closes; a new one replaces it.",
            argument="text", verbatim=True),
    Command("leaderboard", "Top 10 and your own rank, overall or in one topic.", (
        Option("period", "week, month or all (default week)", _choice("week", "month", "all"),
               choices=("week", "month", "all")),
        Option("topic", "one topic id: points won on its questions (default: all topics; see /topics)", _word,
               suggest="topics"),
    )),
    Command("streak", "Current and best streak and freezes held, yours or a member's.", argument="member"),
    Command("stats", "Answers, accuracy per topic, streak and points per week with a chart, yours or a member's.",
            argument="member"),
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
    Command("goal", "Your interview date and a daily practice plan to it; without options, your progress.", (
        Option("date", "the day of the interview, YYYY-MM-DD", _date),
        Option("topics", "comma-separated topic ids to focus on (default: all; behavioural joins the last two weeks)",
               _words, suggest="topics"),
        Option("minutes", "minutes a day, 5 to 240 (default 20)", _int_between(5, 240), minimum=5, maximum=240),
    )),
    Command("goal clear", "Remove your interview date and its plan."),
    Command("goal remind", "A private nudge at your local time, on days you have not practised yet.", (
        Option("time", "HH:MM, 24-hour, in your zone; off stops the nudges", _time_or_off, required=True),
        Option("tz", "your IANA time zone, e.g. Europe/Berlin (default: the group's)", parse_zone, suggest="zones"),
    )),
    Command("mock setup", "Weekly mock-interview pairs in this channel, made a day before the slot.", (
        Option("day", "the slot's weekday", _weekday, required=True, choices=DAY_NAMES),
        Option("time", "HH:MM, 24-hour, in the zone below", parse_time, required=True),
        Option("tz", "IANA time zone, e.g. Europe/Berlin (default: the group's)", parse_zone, suggest="zones"),
        Option("length", "how long each mock interview runs, 20m to 3h (default 45m)", parse_duration),
    ), admin=True),
    Command("mock join", "Join this week's mock interviews in this channel."),
    Command("mock leave", "Leave this week's mock interviews (before the pairs are made)."),
    Command("mock comment", "Add a comment to your feedback for your latest mock-interview partner.",
            argument="comment"),
    Command("suggest", "Suggest a question for the group; once an admin approves it, it is asked before the bank's.",
            QUESTION_OPTIONS),
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
    name = name.lower().lstrip("/")
    command = COMMANDS.get(name)
    verbatim = bool(command and command.verbatim)  # free text, checked by its feature (an answer has its own limit)
    if len(text) > MAX_TEXT and not verbatim:
        raise UserError(f"That command is {len(text)} characters long; the limit is {MAX_TEXT}.")
    words, raw = ([], {}) if verbatim else tokenize(text)
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
    if verbatim:
        return Invocation(command, {}, text.strip())
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
