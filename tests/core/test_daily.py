"""The question-of-the-day rules, on the core with a recording fake chat and a real SQLite file."""
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.content import load_bank
from bot.core.clock import UTC
from bot.core.daily import ACK

from ..fakes import advance, command, deleted, edited, member, react, reply

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN = member("ada", admin=True)
ALICE, BOB = member("alice"), member("bob")


@pytest.fixture
async def bot(make_bot):
    return await make_bot(bank=BANK)


async def setup(bot, clock, text="setup time:09:00 tz:Europe/Berlin days:daily topics:open-qs"):
    await bot.handle(command(ADMIN, "qotd", text))
    await advance(bot, clock, timedelta(hours=1, minutes=30))  # 07:00 → 08:30 UTC: the 09:00 post is up


def questions(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")]


def question(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")][-1]


async def ledger(bot):
    return sorted((u, p, r) for u, p, r, _ in await bot.store.ledger(1))


async def test_answers_votes_and_points(bot, chat, clock):
    await setup(bot, clock)
    thread = f"t-{question(chat).ref.id}"
    a = reply(ALICE, thread, "alice's answer is bias", "a1")
    await bot.handle(a)
    await bot.deliver(a)  # re-delivered: still one answer, one ✅
    await bot.handle(reply(ALICE, thread, "alice chats on", "a2"))
    voters = [member(f"v{i}") for i in range(6)]
    for voter in voters:
        await bot.handle(reply(voter, thread, f"{voter.name} answers with variance", f"x-{voter.name}"))
        await bot.handle(react(voter, a.message, "👍"))
        await bot.deliver(react(voter, a.message, "👍"))  # a second delivery counts once
    await bot.handle(react(ALICE, a.message, "👍"))  # her own: ignored
    assert chat.reacted.count(("a1", ACK)) == 1 and ("a2", ACK) not in chat.reacted
    await advance(bot, clock, timedelta(days=1))
    points = await ledger(bot)
    assert ("u-alice", 10, "qotd-upvotes") in points  # 6 upvotes × 2, capped at 10
    assert ("u-alice", 5, "qotd-best") in points
    assert sum(p for u, p, _ in points if u == "u-alice") == 25
    assert sum(p for u, p, _ in points) == 25 + 6 * 10


async def test_best_answer_ties_go_to_the_earliest_and_need_a_vote(bot, chat, clock):
    await setup(bot, clock)
    thread = f"t-{question(chat).ref.id}"
    first, second = reply(ALICE, thread, "the first real answer", "a1"), reply(BOB, thread, "the second real answer", "b1")
    await bot.handle(first)
    clock.set(clock.now() + timedelta(minutes=1))
    await bot.handle(second)
    await bot.handle(react(BOB, first.message, "👍"))
    await bot.handle(react(ALICE, second.message, "👍"))
    await advance(bot, clock, timedelta(days=1))
    assert [u for u, _, r in await ledger(bot) if r == "qotd-best"] == ["u-alice"]
    reveal = [s for s in chat.sent if s.kind == "reply"][0].post
    assert ("Best answer", "**alice** (1 👍): the first real answer") in reveal.fields


async def test_no_upvotes_no_best_answer(bot, chat, clock):
    await setup(bot, clock)
    await bot.handle(reply(ALICE, f"t-{question(chat).ref.id}", "a lonely but real answer", "a1"))
    await advance(bot, clock, timedelta(days=1))
    assert await ledger(bot) == [("u-alice", 10, "qotd-answer")]


async def test_edit_delete_and_answer_again(bot, chat, clock):
    await setup(bot, clock)
    thread = f"t-{question(chat).ref.id}"
    first = reply(ALICE, thread, "my draft answer is this", "a1")
    await bot.handle(first)
    await bot.handle(edited(ALICE, first.message, "final answer @everyone"))
    await bot.handle(react(BOB, first.message, "👍"))
    await bot.handle(deleted(first.message))  # withdrawn, with its upvote
    await bot.deliver(first)  # a late re-delivery of the deleted message does not bring it back
    assert await bot.store.answers(1) == []
    again = reply(ALICE, thread, "second thoughts @everyone", "a3")
    await bot.handle(again)
    await bot.handle(react(BOB, again.message, "👍"))
    await advance(bot, clock, timedelta(days=1))
    assert await ledger(bot) == [("u-alice", 2, "qotd-upvotes"), ("u-alice", 5, "qotd-best"),
                                 ("u-alice", 10, "qotd-answer")]
    best = dict([s for s in chat.sent if s.kind == "reply"][0].post.fields)["Best answer"]
    assert "@\u200beveryone" in best and "@everyone" not in best  # user text can never ping


async def test_replies_after_close_are_discussion(bot, chat, clock):
    await setup(bot, clock)
    thread = f"t-{question(chat).ref.id}"
    await advance(bot, clock, timedelta(days=1))
    await bot.handle(reply(ALICE, thread, "too late", "late"))
    assert await bot.store.answers(1) == [] and ("late", ACK) not in chat.reacted


async def test_every_question_once_per_cycle(bot, chat, clock):
    await setup(bot, clock)
    await advance(bot, clock, timedelta(days=5))
    asked = [s.post.body for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")]
    assert len(asked) == 6
    assert len(set(asked[:3])) == 3 and len(set(asked[3:])) == 3  # three questions, two full cycles


async def test_a_missed_post_within_grace_comes_once_and_beyond_grace_never(make_bot, chat, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:Europe/Berlin topics:open-qs"))
    await bot.store.close()
    clock.set(datetime(2026, 11, 20, 13, 0, tzinfo=UTC))  # down from 07:00 to 13:00: 5 h late
    for _ in range(2):  # two restarts in a row
        bot = await make_bot(bank=BANK)
        await bot.start()
    assert len([s for s in chat.sent if s.kind == "send"]) == 1
    await bot.store.close()
    clock.set(datetime(2026, 11, 21, 15, 0, tzinfo=UTC))  # Saturday's post is 7 h late: past the grace
    bot = await make_bot(bank=BANK)
    await bot.start()
    sent = [s.post.title for s in chat.sent if s.kind in ("send", "reply")]
    assert sent == ["Question of the day #1", "Question #1 is closed", "Question #1 closed"]


async def test_skip_pause_resume_and_now(bot, chat, clock):
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:Europe/Berlin topics:open-qs"))
    await bot.handle(command(ADMIN, "qotd", "skip"))
    assert "Skipped the question due Fri 20 Nov 09:00 (Europe/Berlin)" in chat.last().post.text()
    await advance(bot, clock, timedelta(hours=3))
    assert not [s for s in chat.sent if s.kind == "send"]
    await bot.handle(command(ADMIN, "qotd", "now"))
    assert chat.last("send").post.title == "Question of the day #1"
    await bot.handle(command(ADMIN, "qotd", "now"))
    assert chat.last().post.body == "⚠️ Today's question (#1) is already up."
    await bot.handle(reply(ALICE, f"t-{chat.last('send').ref.id}", "an answer that counts", "a1"))
    await bot.handle(command(ADMIN, "qotd", "pause"))
    await advance(bot, clock, timedelta(days=3))
    assert len(questions(chat)) == 1
    await bot.handle(command(ADMIN, "qotd", "resume"))
    assert "Next question" in chat.last().post.text()
    await advance(bot, clock, timedelta(days=1))
    assert len(questions(chat)) == 2  # the paused days are not posted late
    await bot.handle(reply(ALICE, f"t-{chat.last('send').ref.id}", "another answer that counts", "a2"))
    await advance(bot, clock, timedelta(days=1))
    streak = await bot.store.streak(1, "u-alice")
    assert (streak.current, streak.best) == (2, 2)  # the skipped and paused days did not break it


async def test_status_for_everyone_admin_commands_for_admins(bot, chat, clock):
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:Europe/Berlin days:mon-fri close:12h"))
    await bot.handle(command(ALICE, "qotd", "status"))
    fields = dict(chat.last().post.fields)
    assert fields["Next question"] == "Fri 20 Nov 09:00 (Europe/Berlin)"
    assert fields["Answers open for"] == "12h" and fields["Days"] == "mon-fri"
    for sub in ("setup time:10:00", "now", "skip", "pause", "resume"):
        await bot.handle(command(ALICE, "qotd", sub))
        assert chat.last().private and chat.last().post.body.startswith("⚠️ Only admins")
    assert (await bot.store.schedule(1)).at_time == "09:00"


async def test_oversized_and_repeated_commands(bot, chat, clock):
    await bot.handle(command(ALICE, "leaderboard", "x" * 2000))
    assert chat.last().post.body == "⚠️ That command is 2000 characters long; the limit is 1500."
    once = command(ADMIN, "qotd", "setup time:09:00")
    await bot.handle(once)
    await bot.handle(once)  # a Slack retry of the same invocation
    assert len(chat.sent) == 2


async def test_leaderboard_shows_the_callers_rank_outside_the_top_ten(bot, chat, clock):
    async with bot.store.transaction():
        group = await bot.store.group("test", "g1")
        for n in range(12):
            who = member(f"m{n:02d}")
            await bot.store.remember_member(group.id, who.id, who.name)
            await bot.scores.award(group, who.id, 100 - 5 * (n // 2), "qotd-answer", "post:1", clock.now())
    await bot.handle(command(member("m11"), "leaderboard", "period:all"))
    lines = chat.last().post.body.splitlines()
    assert lines[:3] == ["🥇 **m00** — 100 pts", "🥇 **m01** — 100 pts", "🥉 **m02** — 95 pts"]
    assert len(lines) == 12 and lines[9] == "9. **m09** — 80 pts"  # ties share a rank: 1, 1, 3, 3, …
    assert lines[10:] == ["…", "11. **m11** — 75 pts ← you"]
