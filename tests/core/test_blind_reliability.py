"""Nothing lost, nothing twice, for a blind day (issue 14): private answers (one replaced, one sent
through the Answer button's form), talk in the thread, the close that posts every answer, 👍 votes
(a self-vote, a vote taken back) and the vote close. Replayed with every event twice, with late
duplicates, and with the bot crashed at every SQL statement and every platform call, it ends in the
same database, each answer posted in the thread exactly once with its message id recorded."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.chat import CommandInvoked, filled
from bot.core.clock import UTC
from bot.core.daily import ANSWER_BUTTON, UPVOTE

from ..fakes import CHANNEL, FakeChat, member, react
from .test_reliability import DUMP as DAY_DUMP
from .test_reliability import (Fuse, baseline_of, by_key, cmd, crash_at_every_call, crash_at_every_statement, msg,
                               played)

ADA, ALICE, BOB, CAROL = member("ada", admin=True), member("alice"), member("bob"), member("carol")
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def answer(who, text, id):
    return lambda chat: CommandInvoked(CHANNEL, who, "answer", text, id)


def form(who, text, id):
    """The question's Answer button, its form sent (as every adapter hands it over)."""
    return lambda chat: filled(by_key(chat, "qotd:1").ref.channel, who, ANSWER_BUTTON.id, text, id)


def vote(who, author, added=True):
    return lambda chat: react(who, by_key(chat, f"qotd:1:answer:{author.id}").ref, UPVOTE, added)


DAY = [
    answer(ADA, "", "e-early"),  # before any question: a friendly no
    cmd(ADA, "qotd", "setup time:09:00 tz:UTC topics:behavioural close:3h blind:yes", "e-setup"),
    START + timedelta(hours=1),  # 09:00: the question is up
    answer(ALICE, "Situation, task, action and the result I got", "e-a1"),
    form(BOB, "bob's answer: the conflict, what I did, and what changed", "f-b1"),
    msg(CAROL, "is it fine to use a university example?", "c1"),
    answer(ALICE, "Situation, task, action, result: and what I learned", "e-a2"),
    answer(CAROL, "too short", "e-c1"),
    START + timedelta(hours=4),  # 12:00: the answers close, all appear, votes open until 00:00
    vote(BOB, ALICE), vote(CAROL, ALICE), vote(ALICE, ALICE), vote(ALICE, BOB),
    vote(CAROL, BOB), vote(CAROL, BOB, added=False),
    START + timedelta(hours=10),
    START + timedelta(hours=17),  # the vote closed at midnight
]

DUMP = {  # the day's scoring tables, and what blind mode adds to posts and sends
    **{table: DAY_DUMP[table] for table in ("ledger", "totals", "streaks", "replies", "upvotes")},
    "posts": "SELECT local_date, status, number, question_id, closes_at, blind, votes_close_at, message_id, thread_id "
             "FROM posts",
    "effects": "SELECT key, op, status FROM outbox",
}


def outcome(tmp_path: Path, name: str, fuse: Fuse | None = None, chat: FakeChat | None = None, **kw):
    return played(tmp_path, name, DAY, START, DUMP, fuse, chat, **kw)


baseline = baseline_of(outcome, "blind-baseline")


def test_the_blind_day_posts_every_answer_once_and_scores_what_the_platform_shows(baseline):
    (state, posts, notes, chat), _ = baseline
    ledger = {(u, r): p for _, u, p, r, _ in state["ledger"]}
    # alice: answer 10, 👍 from bob and carol 4 (her own never counts), best 5; bob: answer 10, alice's 👍 2
    # (carol took hers back); carol's reply was too short and her message in the thread is talk
    assert ledger == {("u-alice", "qotd-answer"): 10, ("u-alice", "qotd-upvotes"): 4, ("u-alice", "qotd-best"): 5,
                      ("u-bob", "qotd-answer"): 10, ("u-bob", "qotd-upvotes"): 2}
    assert [s.post.title for s in chat.sent if s.kind == "reply"] == [
        "Question #1: 2 answers", "Answer by alice", "Answer by bob",  # one instant: first come, first shown
        "Question #1 is closed"]
    answers = {user: message for _, message, user, *_ in state["replies"]}
    assert answers == {"u-bob": by_key(chat, "qotd:1:answer:u-bob").ref.id,
                       "u-alice": by_key(chat, "qotd:1:answer:u-alice").ref.id}
    assert [row[1] for row in state["posts"]] == ["closed"]
    assert len(posts) == len(set(posts)) and Counter(notes)["blind-hint:1:u-carol"] == 1


async def test_every_event_delivered_twice_changes_nothing(tmp_path, baseline):
    (state, posts, notes, _), _ = baseline
    again = await outcome(tmp_path, "twice", twice=True)
    assert again[0] == state and again[1] == posts and again[2] == notes


async def test_late_duplicates_of_every_event_change_nothing(tmp_path, baseline):
    """Every event again, long after the fact, in the vote window: commands, forms and talk count once, and the
    votes end as the platform shows them."""
    (state, posts, _, _), _ = baseline
    late = await outcome(tmp_path, "late", late=True)
    assert late[0] == state and late[1] == posts


@pytest.mark.parametrize("after", [False, True], ids=["before-the-platform-acts", "after-it-acted"])
async def test_a_crash_at_any_platform_call_loses_nothing_and_posts_nothing_twice(tmp_path, baseline, after):
    base, _ = baseline
    await crash_at_every_call(tmp_path, outcome, base, after)


async def test_a_crash_at_any_sql_statement_loses_nothing_and_posts_nothing_twice(tmp_path, baseline):
    base, statements = baseline
    await crash_at_every_statement(tmp_path, outcome, base, statements)
