"""Nothing lost, nothing twice, for mock-interview pairs (issue 14): a scripted week (setup, two
members join, pairing with a private thread and packs, roles swapping, one feedback form filled in
with a comment, the other member a no-show) replayed with every event twice, and with the bot
crashed at every SQL statement and every platform call, ends in the same database, with each post
delivered once and each private note at most once."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.chat import ButtonPressed, CommandInvoked
from bot.core.clock import UTC

from ..fakes import CHANNEL, FakeChat, member
from .test_reliability import Fuse, baseline_of, crash_at_every_call, crash_at_every_statement, played

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


def outcome(tmp_path: Path, name: str, fuse: Fuse | None = None, chat: FakeChat | None = None, **kw):
    return played(tmp_path, name, WEEK, START, DUMP, fuse, chat, **kw)


baseline = baseline_of(outcome, "mock-baseline")


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
    base, _ = baseline
    await crash_at_every_call(tmp_path, outcome, base, after, check=lambda chat: len(chat.rooms) == 1)


async def test_a_crash_at_any_sql_statement_loses_nothing_and_sends_nothing_twice(tmp_path, baseline):
    base, statements = baseline
    await crash_at_every_statement(tmp_path, outcome, base, statements)
