"""Property-based fuzz (issue 7): any option value, button id or message text gets a clear answer or is
ignored; nothing ever reaches the log as an internal error (the autouse fixture fails the test on one)."""
from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.app import StudyBot
from bot.core.chat import ButtonPressed, MessageRef, Member
from bot.core.clock import UTC, ManualClock
from bot.core.commands import COMMANDS
from bot.store import Store

from ..conftest import bank
from ..fakes import CHANNEL, FakeChat, command, react, reply

# Text as platforms can deliver it: any code point, lone surrogates included, and the awkward ones.
TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=60),
    st.sampled_from(["\ud800", "@everyone", "<!here>", "0", "-1", "1e9", "99999999999999999999", "1000000000d",
                     "0.5s", "25:00", "tz", '"', "“", "|", "||", " ", "mon-", "all", "EST", "utc", "x" * 2000]),
)
OPTION_VALUE = st.one_of(TEXT, st.integers(-10 ** 25, 10 ** 25).map(str),
                         st.builds(lambda n, u: f"{n}{u}", st.integers(0, 10 ** 12), st.sampled_from("dhms")))
COMMAND = st.builds(
    lambda name, options, tail: (name, " ".join(options) + tail),
    st.sampled_from(sorted(COMMANDS)),
    st.lists(st.builds(lambda o, v: f'{o}:"{v}"' if " " in v else f"{o}:{v}",
                       st.sampled_from(sorted({o.name for c in COMMANDS.values() for o in c.options} | {"bogus"})),
                       OPTION_VALUE), max_size=4),
    st.one_of(st.just(""), TEXT.map(lambda t: " " + t)),
)
BUTTON = st.one_of(
    st.builds(lambda p, ns: p + ":".join(ns), st.sampled_from(["quiz:", "practice:", "poll:", ""]),
              st.lists(st.one_of(st.integers(-5, 10 ** 22).map(str), TEXT), min_size=0, max_size=4)),
    TEXT,
)


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


async def fresh_bot() -> tuple[StudyBot, FakeChat]:
    path = Path(tempfile.mkdtemp()) / "fuzz.db"
    chat = FakeChat()
    bot = StudyBot(await Store.open(path), bank(), chat, ManualClock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC)))
    return bot, chat


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.lists(COMMAND, min_size=1, max_size=6), st.booleans(), TEXT)
def test_any_command_gets_a_clear_reply_and_never_an_internal_error(commands, admin, name):
    async def go():
        bot, chat = await fresh_bot()
        who = Member("u-fuzz", name or "fuzz", admin)
        for n, (cmd, text) in enumerate(commands):
            before = len(chat.sent)
            await bot.handle(command(who, cmd.split()[0], " ".join(cmd.split()[1:] + [text])))
            answered = chat.sent[before:]
            assert answered or cmd.startswith("quiz") and not text.strip(), f"/{cmd} {text!r} got no reply"
            assert all("something went wrong" not in s.post.body for s in answered)
        await bot.run_due(bot.clock.now())
        await bot.store.close()
    run(go())


@FUZZ
@given(st.lists(st.tuples(BUTTON, TEXT), min_size=1, max_size=8))
def test_any_button_id_or_message_text_is_handled_or_ignored(inputs):
    async def go():
        bot, chat = await fresh_bot()
        admin = Member("u-ada", "ada", True)
        await bot.handle(command(admin, "qotd", "setup time:07:00 tz:UTC"))
        await bot.handle(command(admin, "qotd", "now"))
        await bot.handle(command(admin, "quiz", "count:2"))
        await bot.handle(command(admin, "practice", "count:2"))
        question = next(s for s in chat.sent if s.post.key == "qotd:1")
        for n, (button, text) in enumerate(inputs):
            who = Member(f"u-{n % 3}", text[:20] or "x")
            await bot.handle(ButtonPressed(question.ref, who, button, f"b{n}"))
            await bot.handle(reply(who, f"t-{question.ref.id}", text, f"r{n}"))
            await bot.handle(reply(who, None, text, f"c{n}"))
            await bot.handle(react(who, MessageRef(CHANNEL, text or "m", None), text or "👍"))
        assert all("something went wrong" not in s.post.body for s in chat.sent)
        await bot.store.close()
    run(go())
