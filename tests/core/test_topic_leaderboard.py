"""Leaderboards by topic (issue 11): points won on a topic's questions, per period, ranked fairly
(competition ranking), the caller's own rank always shown, read from totals kept with the ledger."""
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content import load_bank
from bot.core.daily import LETTERS

from ..fakes import advance, command, member, press, react

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")  # topics open-qs and choice-qs
ADMIN, ALICE, BOB, CAROL = member("ada", admin=True), member("alice"), member("bob"), member("carol")


@pytest.fixture
async def bot(make_bot):
    return await make_bot(bank=BANK)


async def award(bot, who, points, topic, source, at):
    async with bot.store.transaction():
        group = await bot.store.group("test", "g1")
        await bot.store.remember_member(group.id, who.id, who.name)
        await bot.scores.award(group, who.id, points, "quiz-correct", source, at, topic)


async def board(bot, chat, who, text):
    await bot.handle(command(who, "leaderboard", text))
    return chat.last("respond").post


async def test_topic_boards_rank_ties_fairly_and_always_show_the_caller(bot, chat, clock):
    for n in range(12):
        await award(bot, member(f"m{n:02d}"), 100 - 5 * (n // 2), "choice-qs", f"quiz:1:{n}", clock.now())
    await award(bot, member("m11"), 500, "open-qs", "quiz:2:0", clock.now())  # another topic's points
    shown = await board(bot, chat, member("m11"), "period:all topic:choice-qs")
    assert shown.title == "Leaderboard in Choice questions — all time"
    lines = shown.body.splitlines()
    assert lines[:4] == ["🥇 **m00** — 100 pts", "🥇 **m01** — 100 pts",
                         "🥉 **m02** — 95 pts", "🥉 **m03** — 95 pts"]
    assert lines[4] == "5. **m04** — 90 pts"  # 1, 1, 3, 3, 5: a tie takes the places it fills
    assert lines[10:] == ["…", "11. **m11** — 75 pts ← you"]  # outside the top 10, still shown
    overall = (await board(bot, chat, member("m11"), "period:all")).body.splitlines()
    assert overall[0] == "🥇 **m11** — 575 pts ← you"  # the overall board counts every topic
    mine = (await board(bot, chat, member("m11"), "period:all topic:open-qs")).body.splitlines()
    assert mine == ["🥇 **m11** — 500 pts ← you"]
    outsider = (await board(bot, chat, member("zed"), "period:all topic:open-qs")).body.splitlines()
    assert outsider[-1] == "_You have no points in this period yet._"


async def score_a_day(bot, chat, clock) -> None:
    """A choice question of the day answered by alice (right) and bob (wrong), then a quiz carol wins."""
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:Europe/Berlin topics:choice-qs close:12h"))
    await advance(bot, clock, timedelta(hours=1, minutes=30))
    question = chat.last("send")
    await bot.handle(react(ALICE, question.ref, LETTERS[0]))  # right: 10 for answering, 10 for correct
    await bot.handle(react(BOB, question.ref, LETTERS[1]))  # wrong: 10 for answering
    await advance(bot, clock, timedelta(hours=12))
    await bot.handle(command(CAROL, "quiz", "topic:choice-qs count:1 seconds:30"))
    round_post = chat.last("send")
    await bot.handle(press(CAROL, round_post.ref, round_post.post.buttons[0].id))  # right, at once: 10 + 5
    await advance(bot, clock, timedelta(seconds=30))


async def test_answers_score_in_their_topic_by_week_month_and_all_time(bot, chat, clock):
    await score_a_day(bot, chat, clock)
    for period in ("week", "month", "all"):
        lines = (await board(bot, chat, BOB, f"period:{period} topic:choice-qs")).body.splitlines()
        assert lines == ["🥇 **alice** — 20 pts", "🥈 **carol** — 15 pts", "🥉 **bob** — 10 pts ← you"]
    assert (await board(bot, chat, BOB, "topic:open-qs")).body.startswith("No points in Open questions yet.")
    await bot.handle(command(ADMIN, "qotd", "pause"))
    await advance(bot, clock, timedelta(days=7))  # a new week: its topic board starts empty, all time keeps
    assert (await board(bot, chat, BOB, "period:week topic:choice-qs")).body.startswith("No points in Choice")
    assert len((await board(bot, chat, BOB, "period:all topic:choice-qs")).body.splitlines()) == 3


async def test_the_topic_is_checked(bot, chat):
    shown = await board(bot, chat, ALICE, "topic:nonsense")
    assert shown.body == "⚠️ Unknown topic `nonsense`. Topics: open-qs, choice-qs."
    shown = await board(bot, chat, ALICE, 'topic:"open-qs, choice-qs"')
    assert shown.body.startswith("⚠️ `topic:` `open-qs, choice-qs` is not one id")


def totals(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT group_id, period, user_id, points FROM totals").fetchall())


async def test_a_ledger_from_before_topics_is_labelled_once_at_start(make_bot, chat, clock, tmp_path):
    """An upgraded database: its older points get their topics (from the question each was won on)
    and the topic totals they would have had, once, whatever the number of restarts."""
    bot = await make_bot(bank=BANK)
    await score_a_day(bot, chat, clock)
    await bot.store.close()
    db = tmp_path / "studybot.db"
    labelled = totals(db)
    assert any(period.startswith("topic:choice-qs:week:") for _, period, _, _ in labelled)
    with sqlite3.connect(db) as raw:  # as migration 6 leaves a database that had points
        raw.execute("UPDATE ledger SET topic = NULL")
        raw.execute("DELETE FROM totals WHERE period LIKE 'topic:%'")
        raw.execute("INSERT INTO meta (key, value) VALUES ('topic-totals', 'pending')")
    for _ in range(2):
        bot = await make_bot(bank=BANK)
        await bot.start()
        await bot.store.close()
    assert totals(db) == labelled


async def test_a_topic_board_reads_the_kept_totals_never_the_ledger(bot, chat, clock, monkeypatch):
    await score_a_day(bot, chat, clock)
    statements, run = [], bot.store._run

    async def recording(sql, args):
        statements.append(sql)
        return await run(sql, args)

    monkeypatch.setattr(bot.store, "_run", recording)
    await board(bot, chat, BOB, "period:month topic:choice-qs")
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("FROM totals" in s for s in reads) and not any("ledger" in s for s in reads)
