"""Private practice on spaced-repetition cards: the rules, on the core with a fake chat and real SQLite."""
from datetime import timedelta

import pytest
from fsrs import Card, Rating, State

from bot.content import Bank
from bot.core.chat import MessageRef
from bot.core.daily import LETTERS
from bot.core.practice import rating_for

from ..conftest import bank
from ..fakes import CHANNEL, advance, command, member, press, react

ALICE, BOB, ADMIN = member("alice"), member("bob"), member("ada", admin=True)
Q1, Q2, Q3 = "fund-underfitting-remedy", "fund-train-val-gap-diagnosis", "stats-p-value-meaning"


def only(*ids: str) -> Bank:
    full = bank()
    return Bank(topics=full.topics, questions={i: full.questions[i] for i in ids})


def click(who, sent, button: str):
    """Press a button on a private reply (the fake chat gives those no ref; a platform gives one)."""
    return press(who, MessageRef(CHANNEL, "private"), button)


def question_of(sent):
    """The bank question a practice or quiz post asks, found by its prompt."""
    return next(q for q in bank().questions.values() if sent.post.body.endswith(q.prompt))


def pick(sent, right: bool) -> str:
    question = question_of(sent)
    option = question.correct if right else (question.correct + 1) % len(question.choices)
    return sent.post.buttons[option].id


async def card(bot, who, question_id) -> Card:
    return Card.from_dict(await bot.store.card(1, who.id, question_id))


@pytest.mark.parametrize("correct, seconds, rating", [
    (False, 1, Rating.Again), (True, 5, Rating.Easy), (True, 6, Rating.Good), (False, 60, Rating.Again)])
def test_ratings(correct, seconds, rating):
    assert rating_for(correct, timedelta(seconds=seconds)) == rating


async def test_a_session_is_private_and_reviews_every_answer(make_bot, chat, clock):
    bot = await make_bot(bank=only(Q1, Q2, Q3))
    start = clock.now()
    await bot.handle(command(ALICE, "practice", "count:3"))
    assert all(s.kind == "respond" and s.private and s.to == "u-alice" for s in chat.sent)
    first = chat.last()
    assert first.post.title == "Practice 1/3" and first.post.body.startswith("0 due, 3 new.")
    assert ("Card", "new") in first.post.fields
    assert first.post.buttons[0].id == "practice:1:0:0"
    asked = [question_of(first).id]
    clock.set(start + timedelta(seconds=3))
    await bot.handle(click(ALICE, first, pick(first, right=True)))  # right within 5 s: Easy
    second = chat.last()
    assert second.post.body.startswith("✅ **Right**") and "You will see it again in 8d." in second.post.body
    asked.append(question_of(second).id)
    clock.set(start + timedelta(seconds=20))
    await bot.handle(click(ALICE, second, pick(second, right=True)))  # right, slower: Good
    third = chat.last()
    asked.append(question_of(third).id)
    await bot.handle(click(ALICE, third, pick(third, right=False)))  # wrong: Again
    done = chat.last().post
    assert done.title == "Practice done" and done.body.startswith("❌ **Not quite**")
    assert "You got **2 of 3** right." in done.body and done.fields == (("Due now", "0"),)
    assert sorted(asked) == sorted([Q1, Q2, Q3])
    easy, good, again = [await card(bot, ALICE, q) for q in asked]
    assert easy.state == State.Review and easy.due == start + timedelta(seconds=3, days=8)
    assert good.state == State.Learning and good.due == start + timedelta(seconds=20, minutes=10)
    assert again.state == State.Learning and again.due == start + timedelta(seconds=20, minutes=1)
    assert await bot.store.ledger(1) == []  # practice earns no leaderboard points


async def test_due_cards_come_first_then_new_questions(make_bot, chat, clock):
    bot = await make_bot(bank=only(Q1, Q2, Q3))
    await bot.handle(command(ALICE, "practice", "count:1"))
    await bot.handle(click(ALICE, chat.last(), pick(chat.last(), right=False)))
    missed = question_of(chat.sent[0]).id
    await advance(bot, clock, timedelta(minutes=2))
    await bot.handle(command(ALICE, "practice", "count:3"))
    post = chat.last().post
    assert post.body.startswith("1 due, 2 new.") and ("Card", "due again") in post.fields
    assert question_of(chat.last()).id == missed


async def test_buttons_belong_to_their_owner_and_count_once(make_bot, chat, clock):
    bot = await make_bot(bank=only(Q1, Q2))
    await bot.handle(command(ALICE, "practice", "count:2"))
    first = chat.last()
    await bot.handle(click(BOB, first, pick(first, right=True)))
    assert chat.last().to == "u-bob" and chat.last().post.body == (
        "⚠️ This practice session is someone else's. Start your own with `/practice`.")
    await bot.handle(click(ALICE, first, pick(first, right=False)))
    await bot.handle(click(ALICE, first, pick(first, right=True)))  # a second answer changes nothing
    assert chat.last().post.body == "⚠️ You already answered that one; your first answer counts."
    assert (await card(bot, ALICE, question_of(first).id)).due == clock.now() + timedelta(minutes=1)
    second = [s for s in chat.sent if s.post.title == "Practice 2/2"][0]
    await bot.handle(command(ALICE, "practice", "count:1"))  # a new session ends the old one
    await bot.handle(click(ALICE, second, pick(second, right=True)))
    assert chat.last().post.body == "⚠️ That practice session has ended. Start a new one with `/practice`."


async def test_nothing_to_practise_and_bad_topics(make_bot, chat, clock):
    bot = await make_bot(bank=only(Q1))
    await bot.handle(command(ALICE, "practice", "topic:cooking"))
    assert chat.last().post.body.startswith("⚠️ Unknown topic `cooking`. Topics: ")
    await bot.handle(command(ALICE, "practice", "topic:statistics-probability"))
    assert chat.last().post.body == ("⚠️ Nothing to practise right now: no cards are due and you have seen "
                                     "every choice question in those topics.")
    await bot.handle(command(ALICE, "practice"))
    await bot.handle(click(ALICE, chat.last(), pick(chat.last(), right=True)))  # Easy: due in 8 days
    await bot.handle(command(ALICE, "practice"))
    assert chat.last().post.body == ("⚠️ Nothing to practise right now: no cards are due and you have seen "
                                     "every choice question. Your next card is due in 8d.")


async def test_a_wrong_question_of_the_day_pick_becomes_a_due_card(make_bot, chat, clock):
    bot = await make_bot(bank=only(Q1))
    await bot.handle(command(ADMIN, "qotd", "setup time:07:30 tz:UTC"))
    await advance(bot, clock, timedelta(hours=1))
    post = [s for s in chat.sent if s.kind == "send"][-1]
    question = bank().questions[Q1]
    await bot.handle(react(ALICE, post.ref, LETTERS[(question.correct + 1) % 4]))
    await bot.handle(react(BOB, post.ref, LETTERS[question.correct]))
    await advance(bot, clock, timedelta(days=1))  # closed at 06:30 the next day
    assert (await card(bot, ALICE, Q1)).due == clock.now().replace(hour=6, minute=30) + timedelta(minutes=1)
    assert await bot.store.card(1, BOB.id, Q1) is None
    await bot.handle(command(ALICE, "practice"))
    assert ("Card", "due again") in chat.last().post.fields


async def test_stats_count_due_cards_and_accuracy_per_topic(make_bot, chat, clock):
    bot = await make_bot(bank=only(Q1, Q2, Q3))
    await bot.handle(command(ALICE, "practice", "stats"))
    assert chat.last().private and chat.last().post.body == "No practice answers yet. Start a session with `/practice`."
    await bot.handle(command(ALICE, "practice", "count:3"))
    for _ in range(3):
        sent = chat.last()
        clock.set(clock.now() + timedelta(seconds=10))  # right answers are Good: due in 10 minutes
        await bot.handle(click(ALICE, sent, pick(sent, right=question_of(sent).id != Q2)))
    await advance(bot, clock, timedelta(minutes=3))  # the Again card (due after 1 minute) is due
    await bot.handle(command(ALICE, "practice", "stats"))
    stats = chat.last().post
    assert stats.fields == (("Cards", "3"), ("Due now", "1"), ("Due this week", "3"))
    assert stats.body == ("**ML fundamentals**: 1/2 right (50%)\n"
                          "**Statistics and probability**: 1/1 right (100%)")
