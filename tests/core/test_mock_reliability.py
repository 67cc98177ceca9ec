"""Nothing lost, nothing twice, for mock-interview pairs (issue 14): a scripted week (setup, two
members join, pairing with a private thread and packs, roles swapping, one feedback form filled in
with a comment, the other member a no-show) replayed with every event twice, and with the bot
crashed at every SQL statement and every platform call, ends in the same database, with each post
delivered once and each private note at most once."""
from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.chat import ButtonPressed, CommandInvoked
from bot.core.clock import UTC

from ..fakes import CHANNEL, FakeChat, member
from .test_reliability import Fuse, FusedChat, each_crash, play

ADA, ANN, BEN = member("ada", admin=True), member("ann"), member("ben")
START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # a Friday


def cmd(who, text, id):
    return lambda chat: CommandInvoked(CHANNEL, who, "mock", text, id)


def score(who, label, id):
    """A press on `who`'s own feedback form (found by the member it pings)."""
    def event(chat):
        form = next(s for s in chat.sent if s.post.title.startswith("Feedback for") and s.post.ping == (who.id,))
        return ButtonPressed(form.ref, who, next(b.id for b in form.post.buttons if b.label == label), id)
    return event


WEEK = [
    cmd(ADA, "setup day:sat time:10:00 tz:UTC length:30m", "e-setup"),
    cmd(ANN, "join", "e-ann"), cmd(BEN, "join", "e-ben"),
    START + timedelta(days=1, hours=3, minutes=30),  # paired Friday 10:00; the slot ends Saturday 10:30
    score(ANN, "Clarity 4", "p1"), score(ANN, "Depth 3", "p2"), score(ANN, "Structure 5", "p3"),
    cmd(ANN, "comment Calm and clear.", "e-comment"),
    START + timedelta(days=4),  # the feedback closed Monday 10:30
]

DUMP = {
    "sessions": "SELECT setup_id, slot_date, slot_at, pair_at, status FROM mock_sessions",
    "entries": "SELECT session_id, user_id FROM mock_entries",
    "pairs": "SELECT session_id, number, members, topics, room, stage, due_at FROM mock_pairs",
    "packs": "SELECT * FROM mock_packs",
    "feedback": "SELECT pair_id, rater, target, clarity, depth, structure, comment, absent, sent_at FROM mock_feedback",
    "noshows": "SELECT group_id, pair_id, user_id FROM mock_noshows",
    "ledger": "SELECT group_id, user_id, points, reason, source FROM ledger",
    "effects": "SELECT key, op FROM outbox",
}


async def outcome(tmp_path: Path, name: str, fuse: Fuse | None = None, chat: FakeChat | None = None, **kw):
    chat = chat or FakeChat()
    path = tmp_path / f"{name}.db"
    restarts = await play(path, chat, fuse or Fuse(), script=WEEK, start=START, **kw)
    crashes = [f for f in (fuse, getattr(chat, "fuse", None)) if f is not None and f.at is not None]
    assert restarts == len(crashes), "the fuse never blew: this run proves nothing"
    with sqlite3.connect(path) as db:
        state = {name: sorted(db.execute(sql).fetchall(), key=repr) for name, sql in DUMP.items()}
    posts = [s.post.key for s in chat.sent if s.kind in ("send", "reply")]
    notes = [p.key for _, p in chat.whispers]
    return state, posts, notes, chat


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    statements = Fuse()
    base = asyncio.run(outcome(tmp_path_factory.mktemp("mock-baseline"), "base", statements))
    return base, statements.count


def test_the_week_pairs_scores_and_records_the_no_show(baseline):
    (state, posts, notes, chat), _ = baseline
    [(_, _, members, *_rest, stage, due_at)] = state["pairs"]
    assert sorted(members.split(",")) == ["u-ann", "u-ben"] and (stage, due_at) == (3, None)  # swap, forms, close
    assert [(r[1], r[2]) for r in state["ledger"]] == [("u-ann", 15)]
    assert [r[2] for r in state["noshows"]] == ["u-ben"]
    assert len(posts) == len(set(posts)) and len(notes) == len(set(notes))
    assert sum(key.startswith("mock:1:pack:") for key in notes) == 2
    assert sum(key.startswith("mock:1:feedback:") for key in notes) == 1
    assert len(chat.rooms) == 1


async def test_every_event_delivered_twice_changes_nothing(tmp_path, baseline):
    (state, posts, notes, _), _ = baseline
    again = await outcome(tmp_path, "twice", twice=True)
    assert again[0] == state and again[1] == posts and again[2] == notes


@pytest.mark.parametrize("after", [False, True], ids=["before-the-platform-acts", "after-it-acted"])
async def test_a_crash_at_any_platform_call_loses_nothing_and_sends_nothing_twice(tmp_path, baseline, after):
    (state, posts, notes, _), _ = baseline
    counter = Fuse()
    await outcome(tmp_path, "count", chat=FusedChat(counter, after))

    async def crash_at(k):
        got_state, got_posts, got_notes, chat = await outcome(tmp_path, f"chat-{after}-{k}", chat=FusedChat(Fuse(k), after))
        assert got_state == state, f"crash at platform call {k} of {counter.count}"
        assert sorted(got_posts) == sorted(posts) and len(chat.rooms) == 1, f"crash at platform call {k}"
        assert not Counter(got_notes) - Counter(notes), f"a private note twice after a crash at call {k}"

    await each_crash(counter.count, crash_at)


async def test_a_crash_at_any_sql_statement_loses_nothing_and_sends_nothing_twice(tmp_path, baseline):
    (state, posts, notes, _), statements = baseline

    async def crash_at(k):
        got_state, got_posts, got_notes, chat = await outcome(tmp_path, f"sql-{k}", Fuse(k))
        assert got_state == state, f"crash at statement {k} of {statements}"
        assert sorted(got_posts) == sorted(posts) and sorted(got_notes) == sorted(notes), f"statement {k}"

    await each_crash(statements, crash_at)
