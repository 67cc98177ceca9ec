"""Polls driven through the real console, on a real SQLite file: what members see, and what is stored."""
from __future__ import annotations

from datetime import datetime
from io import StringIO

import pytest

from bot.adapters.console import Console, ConsoleChat, ConsolePlatform, Printer
from bot.core.app import StudyBot
from bot.core.clock import UTC, ManualClock
from bot.core.polls import KEYCAPS
from bot.store import Store

from .conftest import bank

ONE, TWO, THREE = KEYCAPS[:3]
POLL = '/poll question:"Which topic next week?" options:"Trees | SVMs | Transformers"'


class Session:
    """A console on a database in tmp_path; `run` plays lines and returns what they printed."""

    def __init__(self, tmp_path):
        self.out = StringIO()
        self.clock = ManualClock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC))
        self.platform = ConsolePlatform(self.clock, Printer(self.out, colour=False))

        async def start_bot():
            return StudyBot(await Store.open(tmp_path / "studybot.db"), bank(), ConsoleChat(self.platform), self.clock)

        async def stop_bot(bot):
            await bot.store.close()

        self.console = Console(self.platform, start_bot, stop_bot)

    async def run(self, *lines: str) -> str:
        start = len(self.out.getvalue())
        for line in lines:
            await self.console.line(line)
        return self.out.getvalue()[start:]

    @property
    def store(self) -> Store:
        return self.console.bot.store

    async def poll(self):
        async with self.store.transaction():
            group = await self.store.group("console", "local")
        return await self.store.latest_poll(group.id, "study")

    async def votes(self) -> list[tuple[str, int]]:
        return await self.store.poll_reactions((await self.poll()).id)

    def reactions(self, number: int) -> dict[str, set[str]]:
        return {e: who for e, who in self.platform.messages[number].reactions.items() if who}


@pytest.fixture
async def session(tmp_path):
    s = Session(tmp_path)
    await s.console.up()
    s.out.truncate(0), s.out.seek(0)
    yield s
    await s.console.down()


POSTED = """\
  you ran {command}
#1 studybot · Fri 20 Nov 07:00 UTC
  Poll #1
  Which topic next week?
  
  1️⃣ Trees
  2️⃣ SVMs
  3️⃣ Transformers
  Asked by: you
  {how} Closes {closes} (UTC).
  1️⃣ studybot on #1
  2️⃣ studybot on #1
  3️⃣ studybot on #1
#2 studybot (only you can see this) · Fri 20 Nov 07:00 UTC
  Poll #1 is up; it closes in {duration}. `/poll close` ends it early, `/poll results` shows the standing.
"""


async def test_single_choice_poll_with_changed_and_removed_votes(session):
    command = POLL + " duration:2h"
    assert await session.run(command) == POSTED.format(
        command=command, how="React with a number to vote; your latest reaction is your vote.",
        closes="Fri 20 Nov 09:00", duration="2h")
    assert await session.run("/as bob", "/react 1 1", "/react 1 2") == """\
— you are now bob
  1️⃣ bob on #1
  2️⃣ bob on #1
  studybot removed 1️⃣ of bob on #1
"""
    assert session.reactions(1) == {ONE: {"studybot"}, TWO: {"studybot", "bob"}, THREE: {"studybot"}}
    assert await session.votes() == [("bob", 1)]
    await session.run("/as carol", "/react 1 3", "/unreact 1 3", "/as dan", "/react 1 3", "/as erin", "/react 1 2")
    assert await session.votes() == [("bob", 1), ("dan", 2), ("erin", 1)]
    assert await session.run("/poll results") == """\
  erin ran /poll results
#3 studybot · Fri 20 Nov 07:00 UTC
  Poll #1 standing
  Which topic next week?
  
  1️⃣ ░░░░░░░░░░ 0% (0 votes) Trees
  2️⃣ ███████░░░ 67% (2 votes) SVMs
  3️⃣ ███░░░░░░░ 33% (1 vote) Transformers
  Voters: 3
  Leading: 2️⃣ SVMs with 2 votes
  Still open: closes Fri 20 Nov 09:00 (UTC).
"""
    assert await session.run("/advance 3h") == """\
#4 studybot · Fri 20 Nov 09:00 UTC
  Poll #1 results
  Which topic next week?
  
  1️⃣ ░░░░░░░░░░ 0% (0 votes) Trees
  2️⃣ ███████░░░ 67% (2 votes) SVMs
  3️⃣ ███░░░░░░░ 33% (1 vote) Transformers
  Voters: 3
  Winner: 2️⃣ SVMs with 2 votes
  Closed Fri 20 Nov 09:00 (UTC).
— it is now Fri 20 Nov 2026 10:00 UTC
"""
    assert (await session.poll()).status == "closed"
    assert await session.run("/react 1 3", "/advance 1d") == """\
  3️⃣ erin on #1
— it is now Sat 21 Nov 2026 10:00 UTC
"""
    assert await session.votes() == [("bob", 1), ("dan", 2), ("erin", 1)]
    assert await session.store.ledger((await session.poll()).group_id) == []  # polls give no points


async def test_multi_choice_poll_with_changed_and_removed_votes(session):
    command = POLL + " multi:yes"
    assert await session.run(command) == POSTED.format(
        command=command, how="React with every number you agree with; each counts once.",
        closes="Sat 21 Nov 07:00", duration="1d")
    assert await session.run("/as bob", "/react 1 1", "/react 1 3", "/as carol", "/react 1 3",
                             "/as bob", "/unreact 1 1", "/react 1 2") == """\
— you are now bob
  1️⃣ bob on #1
  3️⃣ bob on #1
— you are now carol
  3️⃣ carol on #1
— you are now bob
  1️⃣ bob removed from #1
  2️⃣ bob on #1
"""
    assert sorted(await session.votes()) == [("bob", 1), ("bob", 2), ("carol", 2)]
    assert await session.run("/poll close") == """\
  bob ran /poll close
#3 studybot (only you can see this) · Fri 20 Nov 07:00 UTC
  ⚠️ Only the member who started poll #1 or an admin can close it. `/poll results` shows the standing.
"""
    assert (await session.poll()).status == "open"
    assert await session.run("/advance 30m", "/as you", "/poll close") == """\
— it is now Fri 20 Nov 2026 07:30 UTC
— you are now you (admin)
  you ran /poll close
#4 studybot · Fri 20 Nov 07:30 UTC
  Poll #1 results
  Which topic next week?
  
  1️⃣ ░░░░░░░░░░ 0% (0 votes) Trees
  2️⃣ █████░░░░░ 50% (1 vote) SVMs
  3️⃣ ██████████ 100% (2 votes) Transformers
  Voters: 2
  Winner: 3️⃣ Transformers with 2 votes
  Closed Fri 20 Nov 07:30 (UTC). Members could pick several options, so percentages can add up to more than 100.
#5 studybot (only you can see this) · Fri 20 Nov 07:30 UTC
  Closed poll #1.
"""
    # the old deadline passes quietly: the poll was closed and announced once
    assert await session.run("/advance 2d") == "— it is now Sun 22 Nov 2026 07:30 UTC\n"
    assert (await session.poll()).announced


async def test_a_tie(session):
    await session.run('/as bob', '/poll question:"Tabs or spaces?" options:"Tabs | Spaces" duration:1h',
                      "/react 1 1", "/as carol", "/react 1 2", "/as dan", "/react 1 1", "/unreact 1 1")
    assert await session.run("/advance 1h") == """\
#3 studybot · Fri 20 Nov 08:00 UTC
  Poll #1 results
  Tabs or spaces?
  
  1️⃣ █████░░░░░ 50% (1 vote) Tabs
  2️⃣ █████░░░░░ 50% (1 vote) Spaces
  Voters: 2
  Tie: 1️⃣ Tabs and 2️⃣ Spaces with 1 vote each
  Closed Fri 20 Nov 08:00 (UTC).
— it is now Fri 20 Nov 2026 08:00 UTC
"""


@pytest.mark.parametrize("command, refusal", [
    ('/poll question:"Which topic?" options:"Trees"',
     'A poll needs 2 to 10 options separated by `|`, like `options:"Trees | SVMs | Transformers"`; you gave 1.'),
    ('/poll question:"Which topic?" options:"a|b|c|d|e|f|g|h|i|j|k"',
     'A poll needs 2 to 10 options separated by `|`, like `options:"Trees | SVMs | Transformers"`; you gave 11.'),
    ('/poll question:"Which topic?" options:"Trees | SVMs | trees"',
     "Options 1 and 3 are the same (`trees`): every option must differ."),
    ('/poll question:"" options:"Trees | SVMs"',
     'The question is empty. Write it like `question:"Which topic next week?"`.'),
    ('/poll question:"Which topic?" options:"Trees | ' + "x" * 76 + '"',
     "Option 2 is 76 characters long; an option can have at most 75."),
    ('/poll question:"Which topic?" options:"Trees | SVMs" duration:0m',
     "`duration:` `0m` is zero: a duration must be at least one second."),
    ('/poll question:"Which topic?" options:"Trees | SVMs" duration:31d',
     "`duration:` can be at most 30d; you gave 31d."),
    ("/poll close", 'There is no open poll in this channel. Start one with `/poll question:"…" options:"A | B"`.'),
    ("/poll results", 'There are no polls in this channel yet. Start one with `/poll question:"…" options:"A | B"`.'),
])
async def test_refused_input_gets_a_clear_private_reply_and_nothing_is_posted(session, command, refusal):
    assert await session.run(command) == f"""\
  you ran {command}
#1 studybot (only you can see this) · Fri 20 Nov 07:00 UTC
  ⚠️ {refusal}
"""
    assert await session.poll() is None
    assert session.reactions(1) == {}
    assert await session.run("/advance 31d") == "— it is now Mon 21 Dec 2026 07:00 UTC\n"


async def test_restart_counts_votes_cast_while_down_and_closes_the_overdue_poll_once(session):
    await session.run(POLL + " duration:2h", "/as bob", "/react 1 1", "/as carol", "/react 1 2")
    assert await session.votes() == [("bob", 0), ("carol", 1)]
    assert await session.run("/down", "/unreact 1 2", "/as dan", "/react 1 3", "/as bob", "/react 1 2",
                             "/advance 3h", "/up") == """\
— studybot is down: events still happen, nobody answers
  2️⃣ carol removed from #1
— you are now dan
  3️⃣ dan on #1
— you are now bob
  2️⃣ bob on #1
— it is now Fri 20 Nov 2026 10:00 UTC
— studybot is up
  studybot removed 1️⃣ of bob on #1
#3 studybot · Fri 20 Nov 10:00 UTC
  Poll #1 results
  Which topic next week?
  
  1️⃣ ░░░░░░░░░░ 0% (0 votes) Trees
  2️⃣ █████░░░░░ 50% (1 vote) SVMs
  3️⃣ █████░░░░░ 50% (1 vote) Transformers
  Voters: 2
  Tie: 2️⃣ SVMs and 3️⃣ Transformers with 1 vote each
  Closed Fri 20 Nov 09:00 (UTC).
"""
    poll = await session.poll()
    assert (poll.status, poll.announced) == ("closed", True)
    assert session.reactions(1) == {ONE: {"studybot"}, TWO: {"studybot", "bob"}, THREE: {"studybot", "dan"}}
    assert await session.run("/restart", "/advance 1d") == """\
— studybot is down: events still happen, nobody answers
— studybot is up
— it is now Sat 21 Nov 2026 10:00 UTC
"""


async def test_restart_before_the_deadline_reconciles_and_keeps_counting(session):
    await session.run(POLL, "/as bob", "/react 1 1", "/down", "/unreact 1 1", "/as carol", "/react 1 3", "/up")
    assert await session.votes() == [("carol", 2)]
    assert (await session.poll()).status == "open"
    await session.run("/react 1 1")
    assert await session.run("/poll results") == """\
  carol ran /poll results
#3 studybot · Fri 20 Nov 07:00 UTC
  Poll #1 standing
  Which topic next week?
  
  1️⃣ ██████████ 100% (1 vote) Trees
  2️⃣ ░░░░░░░░░░ 0% (0 votes) SVMs
  3️⃣ ░░░░░░░░░░ 0% (0 votes) Transformers
  Voters: 1
  Leading: 1️⃣ Trees with 1 vote
  Still open: closes Sat 21 Nov 07:00 (UTC).
"""
    assert session.reactions(1) == {ONE: {"studybot", "carol"}, TWO: {"studybot"}, THREE: {"studybot"}}
