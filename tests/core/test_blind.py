"""Blind answers (issue 14): a day whose answers are sent privately and stay hidden until the close,
then all appear in the thread at once, are upvoted for 12 hours, and are scored; a restart in the vote
window loses nothing."""
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content import load_bank
from bot.core.daily import UPVOTE, VOTE_WINDOW

from ..fakes import advance, command, fill, member, react, reply

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN = member("ada", admin=True)
ALICE, BOB, CAROL, DAN = member("alice"), member("bob"), member("carol"), member("dan")
ALICE_FIRST = "Overfitting: the model memorises noise in the training data."
ALICE_FINAL = 'Overfitting: it memorises "noise" and fails on new data; validation shows it.'
BOB_ANSWER = "It does great on training data and badly on data it has never seen."


@pytest.fixture
async def bot(make_bot):
    return await make_bot(bank=BANK)


async def blind_day(bot, clock, close="3h"):
    """Blind questions at 09:00 UTC from the open bank; the clock reaches 08:30 with the question up."""
    await bot.handle(command(ADMIN, "qotd", f"setup time:08:00 tz:UTC topics:open-qs close:{close} blind:yes"))
    await advance(bot, clock, timedelta(hours=1, minutes=30))


def question(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")][-1]


def shown(chat) -> str:
    """Everything anyone but the member themselves could see: channel and thread posts, edits, public answers."""
    return "\n".join(s.post.text() for s in chat.sent if not (s.kind == "respond" and s.private))


async def ledger(bot):
    return sorted((u, p, r) for u, p, r, _ in await bot.store.ledger(1))


async def test_a_blind_day_hides_every_answer_until_the_close_then_scores_the_votes(bot, chat, clock, make_bot):
    await blind_day(bot, clock)
    posted = question(chat)
    assert [(b.label, b.prompt) for b in posted.post.buttons] == [("Answer", "Your answer")]
    assert "Blind question" in posted.post.footer
    thread = f"t-{posted.ref.id}"

    await bot.handle(command(ALICE, "answer", ALICE_FIRST))
    assert chat.last().private and "is in 🔒" in chat.last().post.title
    clock.set(clock.now() + timedelta(minutes=10))
    await bot.handle(fill(BOB, posted, "Answer", BOB_ANSWER))  # the Answer button's form is the same command
    clock.set(clock.now() + timedelta(minutes=10))
    await bot.handle(command(ALICE, "answer", ALICE_FINAL))  # replaces her first one, quotes and colons kept
    assert "is replaced 🔒" in chat.last().post.title
    await bot.handle(command(DAN, "answer", "ok!"))
    assert "too short" in chat.last().post.body
    await bot.handle(reply(CAROL, thread, "carol talks about the question in the thread", "c1"))
    assert [who for who, _ in chat.whispers] == ["u-carol"]  # told once that thread messages don't count
    await bot.handle(reply(CAROL, thread, "and carries on talking in the thread", "c2"))
    assert [who for who, _ in chat.whispers] == ["u-carol"]

    for text in (ALICE_FIRST, ALICE_FINAL, BOB_ANSWER, "memorises"):
        assert text not in shown(chat)  # nothing in the thread, nothing public
    assert not [s for s in chat.sent if s.kind == "reply"]
    assert await ledger(bot) == []

    await advance(bot, clock, timedelta(hours=3))  # 11:00: the answers close (in the order their final versions came)
    replies = [s for s in chat.sent if s.kind == "reply"]
    assert [s.post.title for s in replies] == ["Question #1: 2 answers", "Answer by bob", "Answer by alice"]
    assert [s.post.body for s in replies[1:]] == [BOB_ANSWER, ALICE_FINAL]
    assert all(s.ref.thread == thread for s in replies)
    assert sorted(chat.reacted) == sorted((s.ref.id, UPVOTE) for s in replies[1:])  # 👍 to start the vote
    voting = chat.last("edit").post
    assert voting.title.endswith("(voting)") and not voting.buttons
    assert await ledger(bot) == [("u-alice", 10, "qotd-answer"), ("u-bob", 10, "qotd-answer")]
    assert (await bot.store.streak(1, "u-alice")).current == 1
    stored = {a.user_id: a.message_id for a in await bot.store.answers(1)}
    assert stored == {"u-bob": replies[1].ref.id, "u-alice": replies[2].ref.id}  # each answer knows its post

    await bot.handle(command(CAROL, "answer", "a late answer that is long enough"))
    assert "closed" in chat.last().post.body and "votes stay open" in chat.last().post.body
    bob_post, alice_post = replies[1].ref, replies[2].ref
    await bot.handle(react(BOB, alice_post, UPVOTE))
    await bot.handle(react(ALICE, alice_post, UPVOTE))  # her own: never counts
    await bot.handle(react(ALICE, bob_post, UPVOTE))

    # the bot restarts in the vote window; a vote made while it was down counts, and none is lost
    clock.set(clock.now() + timedelta(hours=2))
    chat.apply(react(CAROL, alice_post, UPVOTE), clock.now())
    bot = await make_bot(bank=BANK)
    await bot.start()
    assert (await bot.store.post(1)).status == "voting"
    assert await bot.store.upvoters(1, alice_post.id) == {"u-bob", "u-carol"}

    await advance(bot, clock, VOTE_WINDOW)  # the vote closes 12 hours after the answers appeared
    assert (await bot.store.post(1)).status == "closed"
    assert await ledger(bot) == [("u-alice", 4, "qotd-upvotes"), ("u-alice", 5, "qotd-best"),
                                 ("u-alice", 10, "qotd-answer"), ("u-bob", 2, "qotd-upvotes"),
                                 ("u-bob", 10, "qotd-answer")]
    reveal = next(s.post for s in chat.sent if s.post.title == "Question #1 is closed")
    assert any(name == "Best answer" and value.startswith("**alice** (2 👍)") for name, value in reveal.fields)
    assert chat.last("edit").post.title.endswith("(closed)")
    keys = [s.post.key for s in chat.sent if s.kind in ("send", "reply")]
    await bot.run_due(clock.now())
    await advance(bot, clock, timedelta(days=1, hours=-6))  # the next day's question, nothing of this one again
    again = [s.post.key for s in chat.sent if s.kind in ("send", "reply")]
    assert len(again) == len(set(again)) and again[:len(keys)] == keys


async def test_a_blind_question_nobody_answered_closes_at_once(bot, chat, clock):
    await blind_day(bot, clock)
    await advance(bot, clock, timedelta(hours=3))
    assert (await bot.store.post(1)).status == "closed"
    assert [s.post.title for s in chat.sent if s.kind == "reply"] == ["Question #1 is closed"]


async def test_answer_refuses_what_is_not_a_blind_question(bot, chat, clock):
    await bot.handle(command(ALICE, "answer", "an answer with nowhere to go"))
    assert "No question of the day is set up" in chat.last().post.body
    await bot.handle(command(ADMIN, "qotd", "setup time:08:00 tz:UTC topics:open-qs"))
    await advance(bot, clock, timedelta(hours=1, minutes=30))
    await bot.handle(command(ALICE, "answer", "an answer with nowhere to go"))
    assert "in the open" in chat.last().post.body
    await bot.handle(command(ADMIN, "qotd", "setup time:08:00 tz:UTC topics:choice-qs blind:yes"))
    assert "Blind answers are for open questions" in chat.last().post.body


async def test_a_blind_schedule_says_so_and_keeps_it_until_told(bot, chat, clock):
    await bot.handle(command(ADMIN, "qotd", "setup time:08:00 tz:UTC blind:yes"))
    assert ("Answers", "blind: sent privately (`/answer` or the Answer button), all shown at the close, then "
            "voted on for 12h") in chat.last().post.fields
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC"))
    assert (await bot.store.schedule(1)).blind
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC blind:no"))
    assert not (await bot.store.schedule(1)).blind
    await advance(bot, clock, timedelta(hours=3))
    assert not question(chat).post.buttons  # a question of an open schedule: answered in its thread
