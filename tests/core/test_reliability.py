"""Nothing lost, nothing twice (issue 7): replay, crash, concurrency and due-instant races.

One scripted day (the question of the day with answers, upvotes, an edit and a deletion, a poll
with a changed vote, a quiz, a practice session) is the yardstick. Re-delivering every event, in
order or late, and crashing the bot at every SQL statement and at every platform call (then
restarting it on the same file, with the platform re-delivering what it had not had acknowledged)
must all end in the same database and the same public posts, each posted exactly once.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.app import StudyBot
from bot.core.chat import ButtonPressed, CommandInvoked, MessageRef
from bot.core.clock import UTC, ManualClock
from bot.core.polls import KEYCAPS
from bot.store import Store

from ..conftest import bank
from ..fakes import CHANNEL, FakeChat, deleted, edited, member, react, reply

ADMIN, ALICE, BOB, CAROL, DAN = member("ada", admin=True), member("alice"), member("bob"), member("carol"), member("dan")
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class Crash(BaseException):
    """The process dies here: not an Exception, so nothing in the bot catches it."""


class Fuse:
    """Counts steps (SQL statements or platform calls) and blows at the `at`-th one, once."""

    def __init__(self, at: int | None = None):
        self.at, self.count = at, 0

    def tick(self) -> None:
        self.count += 1
        if self.count == self.at:
            raise Crash(self.count)


class FusedStore(Store):
    fuse = Fuse()

    async def _run(self, sql, args):
        self.fuse.tick()
        return await super()._run(sql, args)


class FusedChat(FakeChat):
    """A fake platform whose calls can crash the bot before the platform acts, or after it acted
    but before the bot heard back (the case the outbox's find-by-key exists for)."""

    def __init__(self, fuse: Fuse, after: bool = False):
        super().__init__()
        self.fuse, self.after = fuse, after

    async def _call(self, name, *args):
        if not self.after:
            self.fuse.tick()
        result = await getattr(FakeChat, name)(self, *args)
        if self.after:
            self.fuse.tick()
        return result


for _name in ("send", "reply", "open_thread", "open_private", "edit", "react", "unreact", "reactions", "replies", "find",
              "whisper"):
    setattr(FusedChat, _name, lambda self, *a, _n=_name: self._call(_n, *a))


# ---- the scripted day ------------------------------------------------------------------------

def by_key(chat: FakeChat, key: str):
    return next(s for s in chat.sent if s.kind in ("send", "reply") and s.post.key == key)


def thread(chat):
    return f"t-{by_key(chat, 'qotd:1').ref.id}"


def cmd(who, name, text, id):
    return lambda chat: CommandInvoked(CHANNEL, who, name, text, id)


def msg(who, text, id):
    return lambda chat: reply(who, thread(chat), text, id)


def on(message_id):
    return lambda chat: MessageRef(CHANNEL, message_id, thread(chat))


def press(who, key, option, id):
    def event(chat):
        posted = by_key(chat, key)
        return ButtonPressed(posted.ref, who, posted.post.buttons[option].id, id)
    return event


def practice_press(who, option, id):
    """The first question of practice session 1 (private: its message is not in the channel)."""
    return lambda chat: ButtonPressed(MessageRef(CHANNEL, "ephemeral"), who, f"practice:1:0:{option}", id)


def poll_vote(who, n, added=True):
    return lambda chat: react(who, by_key(chat, "poll:1").ref, KEYCAPS[n], added)


DAY = [
    cmd(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:behavioural close:3h", "e-setup"),
    START + timedelta(hours=1),
    msg(ALICE, "Situation, task, action and the result I got", "a1"),
    msg(BOB, "my answer covers the situation well", "b1"),
    msg(CAROL, "+1 nice", "c1"),
    msg(CAROL, "carol's real answer, with detail", "c2"),
    lambda chat: react(BOB, on("a1")(chat), "👍"),
    lambda chat: react(CAROL, on("a1")(chat), "👍"),
    lambda chat: react(ALICE, on("b1")(chat), "👍"),
    lambda chat: react(ALICE, on("a1")(chat), "👍"),  # her own: never counts
    lambda chat: edited(ALICE, on("a1")(chat), "an edited, longer answer from alice"),
    lambda chat: deleted(on("b1")(chat)),
    msg(BOB, "bob's second and final answer", "b2"),
    lambda chat: react(ALICE, on("b2")(chat), "👍"),
    cmd(DAN, "poll", 'question:"Next topic?" options:"Trees | SVMs | Nets" duration:1h', "e-poll"),
    poll_vote(ALICE, 0), poll_vote(BOB, 1), poll_vote(BOB, 2), poll_vote(CAROL, 0), poll_vote(CAROL, 0, False),
    cmd(ALICE, "quiz", "topic:ml-fundamentals count:2 seconds:30", "e-quiz"),
    press(ALICE, "quiz:1:0", 0, "p1"), press(BOB, "quiz:1:0", 1, "p2"),
    START + timedelta(hours=1, seconds=31),
    press(ALICE, "quiz:1:1", 0, "p3"), press(BOB, "quiz:1:1", 0, "p4"),
    cmd(CAROL, "practice", "count:2", "e-practice"),
    practice_press(CAROL, 0, "p5"),
    START + timedelta(hours=5),
    cmd(BOB, "leaderboard", "period:all", "e-board"),
]


async def open_bot(path: Path, chat: FakeChat, clock: ManualClock, fuse: Fuse) -> StudyBot:
    store = await FusedStore.open(path)
    store.fuse = fuse
    chat.store = store  # and no platform call inside a unit of work, at any crash point
    return StudyBot(store, bank(), chat, clock)


async def until(bot: StudyBot, clock: ManualClock, target: datetime) -> None:
    while (nxt := await bot.next_due(clock.now())) is not None and nxt <= target:
        clock.set(max(nxt, clock.now()))
        await bot.run_due(nxt)
    clock.set(max(target, clock.now()))
    await bot.run_due(target)


async def play(path: Path, chat: FakeChat, fuse: Fuse, twice: bool = False, late: bool = False, script: list = DAY,
               start: datetime = START) -> int:
    """Run the day (or another script); on a crash, restart on the same file and carry on with the step
    that crashed (the platform re-delivers an event it never had acknowledged). Returns the restarts."""
    clock = ManualClock(start)
    bot, restarts, step, delivered = await open_bot(path, chat, clock, fuse), 0, 0, []
    while step < len(script):
        action = script[step]
        try:
            if isinstance(action, datetime):
                if late and action == script[-2]:  # before the close: every event again, long after the fact
                    for event in delivered:
                        await bot.handle(event)
                await until(bot, clock, action)
            else:
                event = action(chat)
                chat.apply(event, clock.now())
                await bot.handle(event)
                delivered.append(event)
                if twice:
                    await bot.handle(event)
            step += 1
        except Crash:
            await bot.store.close()
            bot, restarts = await open_bot(path, chat, clock, fuse), restarts + 1
            await bot.start()
    await bot.store.close()
    return restarts


DUMP = {
    "ledger": "SELECT group_id, user_id, points, reason, source FROM ledger",
    "totals": "SELECT * FROM totals",
    "streaks": "SELECT * FROM streaks",
    "replies": "SELECT post_id, message_id, user_id, text, counts, deleted FROM replies",
    "upvotes": "SELECT * FROM upvotes",
    "posts": "SELECT local_date, status, number, question_id, closes_at FROM posts",
    "polls": "SELECT number, question, status, closes_at FROM polls",
    "poll_votes": "SELECT poll_id, user_id, option FROM poll_reactions",
    "rounds": "SELECT quiz_id, round, question_id, status, deadline FROM quiz_rounds",
    "quiz_answers": "SELECT * FROM quiz_answers",
    "cards": "SELECT user_id, question_id, due FROM cards",
    "practice": "SELECT session_id, position, question_id, answer, correct FROM practice_items",
    "effects": "SELECT key, status FROM outbox WHERE op IN ('send', 'reply', 'thread', 'edit')",
}


def dump(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as db:
        return {name: sorted(db.execute(sql).fetchall(), key=repr) for name, sql in DUMP.items()}


def public(chat: FakeChat) -> list[str]:
    """Every public post by its outbox key, in order: a key twice is a double post."""
    return [s.post.key for s in chat.sent if s.kind in ("send", "reply")]


@dataclass
class Outcome:
    db: dict
    posts: list[str]
    edits: int


async def outcome(tmp_path: Path, name: str, fuse: Fuse | None = None, chat: FakeChat | None = None,
                  **kw) -> Outcome:
    """Play the day with SQL statements on `fuse` and the platform `chat` (a FusedChat has its own)."""
    chat = chat or FakeChat()
    path = tmp_path / f"{name}.db"
    restarts = await play(path, chat, fuse or Fuse(), **kw)
    crashes = [f for f in (fuse, getattr(chat, "fuse", None)) if f is not None and f.at is not None]
    assert restarts == len(crashes), "the fuse never blew: this run proves nothing"
    return Outcome(dump(path), public(chat), sum(s.kind == "edit" for s in chat.sent))


async def each_crash(count: int, run) -> None:
    """Run `run(k)` for every crash point k, a few at a time (each is a whole day on its own file)."""
    points = list(range(1, count + 1))
    for start in range(0, len(points), 8):
        await asyncio.gather(*(run(k) for k in points[start:start + 8]))


# ---- other scripts (a blind day, a mock-interview week): the same proofs on their own tables ---------

async def played(tmp_path: Path, name: str, script: list, start: datetime, tables: dict[str, str],
                 fuse: Fuse | None = None, chat: FakeChat | None = None, **kw):
    """Play `script` on its own file: (the `tables` as their queries read them, the public posts' keys, the
    private notes' keys, the chat)."""
    chat = chat or FakeChat()
    path = tmp_path / f"{name}.db"
    restarts = await play(path, chat, fuse or Fuse(), script=script, start=start, **kw)
    crashes = [f for f in (fuse, getattr(chat, "fuse", None)) if f is not None and f.at is not None]
    assert restarts == len(crashes), "the fuse never blew: this run proves nothing"
    with sqlite3.connect(path) as db:
        state = {table: sorted(db.execute(sql).fetchall(), key=repr) for table, sql in tables.items()}
    return state, public(chat), [p.key for _, p in chat.whispers], chat


async def crash_at_every_call(tmp_path: Path, outcome, base, after: bool, check=lambda chat: True) -> None:
    """`outcome` (a `played` script) crashed at each platform call in turn ends as `base` did: the same
    database, each post once, no private note twice (one may be lost: they are at most once), and `check`."""
    state, posts, notes, _ = base
    counter = Fuse()
    await outcome(tmp_path, "count", chat=FusedChat(counter, after))

    async def crash_at(k):
        got_state, got_posts, got_notes, chat = await outcome(tmp_path, f"chat-{after}-{k}",
                                                              chat=FusedChat(Fuse(k), after))
        assert got_state == state, f"crash at platform call {k} of {counter.count}"
        assert sorted(got_posts) == sorted(posts) and check(chat), f"crash at platform call {k} of {counter.count}"
        assert not Counter(got_notes) - Counter(notes), f"a private note twice after a crash at call {k}"

    await each_crash(counter.count, crash_at)


async def crash_at_every_statement(tmp_path: Path, outcome, base, statements: int) -> None:
    """`outcome` crashed at each SQL statement in turn ends as `base` did, private notes included."""
    state, posts, notes, _ = base

    async def crash_at(k):
        got_state, got_posts, got_notes, _ = await outcome(tmp_path, f"sql-{k}", Fuse(k))
        assert got_state == state, f"crash at statement {k} of {statements}"
        assert sorted(got_posts) == sorted(posts) and sorted(got_notes) == sorted(notes), f"statement {k}"

    await each_crash(statements, crash_at)


def baseline_of(outcome, name: str):
    """A module's crash-free run of its script, and how many SQL statements it took (the crash points)."""
    @pytest.fixture(scope="module")
    def baseline(tmp_path_factory):
        statements = Fuse()
        base = asyncio.run(outcome(tmp_path_factory.mktemp(name), "base", statements))
        return base, statements.count
    return baseline


baseline = baseline_of(outcome, "baseline")


def test_the_day_scores_what_the_platform_shows(baseline):
    base, _ = baseline
    ledger = {(u, r): p for _, u, p, r, _ in base.db["ledger"] if r.startswith("qotd")}
    # alice: answer 10, upvotes from bob and carol (her own never counts) 4, best answer 5;
    # bob's deleted answer took its upvote with it; his second answer has alice's.
    assert ledger == {("u-alice", "qotd-answer"): 10, ("u-alice", "qotd-upvotes"): 4, ("u-alice", "qotd-best"): 5,
                      ("u-bob", "qotd-answer"): 10, ("u-bob", "qotd-upvotes"): 2, ("u-carol", "qotd-answer"): 10}
    assert sorted(base.db["poll_votes"]) == [(1, "u-alice", 0), (1, "u-bob", 2)]
    assert len(base.posts) == len(set(base.posts)) and "poll:1:results" in base.posts and "qotd:1:reveal" in base.posts


async def test_every_event_delivered_twice_changes_nothing(tmp_path, baseline):
    base, _ = baseline
    again = await outcome(tmp_path, "twice", twice=True)
    assert again.db == base.db and again.posts == base.posts


async def test_late_duplicates_of_every_event_change_nothing(tmp_path, baseline):
    """An upvote added, removed, then the add re-delivered; a vote moved, then the old one re-delivered:
    the platform is read back at each close, so what it shows wins."""
    base, _ = baseline
    late = await outcome(tmp_path, "late", late=True)
    assert late.db == base.db and late.posts == base.posts


@pytest.mark.parametrize("after", [False, True], ids=["before-the-platform-acts", "after-it-acted"])
async def test_a_crash_at_any_platform_call_loses_nothing_and_posts_nothing_twice(tmp_path, baseline, after):
    base, _ = baseline
    counter = Fuse()
    await outcome(tmp_path, "count", chat=FusedChat(counter, after))
    calls = counter.count

    async def crash_at(k):
        got = await outcome(tmp_path, f"chat-{after}-{k}", chat=FusedChat(Fuse(k), after))
        assert got.db == base.db, f"crash at platform call {k} of {calls}"
        assert sorted(got.posts) == sorted(base.posts), f"crash at platform call {k} of {calls}"

    await each_crash(calls, crash_at)


async def test_a_crash_at_any_sql_statement_loses_nothing_and_posts_nothing_twice(tmp_path, baseline):
    base, statements = baseline

    async def crash_at(k):
        got = await outcome(tmp_path, f"sql-{k}", Fuse(k))
        assert got.db == base.db, f"crash at statement {k} of {statements}"
        assert sorted(got.posts) == sorted(base.posts), f"crash at statement {k} of {statements}"

    await each_crash(statements, crash_at)
