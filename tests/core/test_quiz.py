"""The quiz rules and short-answer matching, on the core with a recording fake chat and a real SQLite file."""
import re
from datetime import timedelta

import pytest

from bot.content import Bank
from bot.answers import matches, normalise, number
from bot.core.chat import MessagePosted, MessageRef
from bot.core.quiz import speed_points

from ..conftest import bank
from ..fakes import CHANNEL, advance, command, member, press

ADMIN = member("ada", admin=True)
ALICE, BOB, CAROL = member("alice"), member("bob"), member("carol")
Q1, Q2 = "fund-underfitting-remedy", "fund-train-val-gap-diagnosis"  # choice: answers 3 and 1
SHORT = "fund-irreducible-error-name"


def only(*ids: str) -> Bank:
    """The bundled bank cut down to some questions, so a test knows what is asked."""
    full = bank()
    return Bank(topics=full.topics, questions={i: full.questions[i] for i in ids})


def asked(chat):
    """The quiz questions posted so far, oldest first."""
    return [s for s in chat.sent if s.kind == "send" and re.fullmatch(r"Quiz \d+/\d+", s.post.title)]


def reveals(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.endswith(": the answer")]


def boards(chat):
    return [s for s in chat.sent if s.kind == "send" and "scoreboard" in s.post.title]


def button(sent, option: int):
    return sent.post.buttons[option].id


async def ledger(bot):
    return sorted((u, p, r, s) for u, p, r, s in await bot.store.ledger(1))


async def quiz_with(make_bot, chat, *ids, text="count:2 seconds:30", who=ALICE):
    bot = await make_bot(bank=only(*ids))
    await bot.handle(command(who, "quiz", text))
    return bot


def typed(who, text, thread=None):
    return MessagePosted(MessageRef(CHANNEL, f"msg-{who.name}-{text}", thread), who, text)


# ---- matching ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, normal", [
    ("The Normal Equations!", "normal equations"),
    ("Little's law", "littles law"),
    ("1/e", "1 e"), ("1 / e", "1 e"), ("1e", "1e"),
    ("3,5", "3.5"), ("36.8%", "36.8"),
    ("e⁻¹", "e 1"), ("clip_grad_norm", "clip grad norm"), ("  a   stack ", "stack"),
])
def test_normal_form(text, normal):
    assert normalise(text) == normal


IRREDUCIBLE = bank().questions[SHORT].accept


@pytest.mark.parametrize("typed_text, accept, ok", [
    ("Irreducable eror", IRREDUCIBLE, True),  # misspelt: accepted
    ("the noise", IRREDUCIBLE, True),
    ("noise", IRREDUCIBLE, True),
    ("irreducible", IRREDUCIBLE, True),
    ("reducible error", IRREDUCIBLE, False),  # the opposite, one prefix away: never a typo
    ("reducible", IRREDUCIBLE, False),
    ("variance", IRREDUCIBLE, False),
    ("L2", ("L1 loss", "L1"), False),  # short answers must match exactly
    ("L2 loss", ("L1 loss",), False),  # numbers must agree
    ("l1", ("L1",), True),
    ("1 / e", ("1/e",), True),
    ("1e", ("1/e", "1 / e"), False),  # 1e is e, not 1/e
    ("type I error", ("type II error", "type 2 error"), False),
    ("float16", ("bfloat16", "bf16"), False),
    ("Poisson distributon", ("Poisson", "Poisson distribution"), True),
    ("directed cyclic graph", ("directed acyclic graph",), False),
    ("x" * 300, ("x" * 300,), False),  # a wall of text is chat, not an answer
])
def test_matching(typed_text, accept, ok):
    assert matches(typed_text, accept) is ok


def test_no_short_answer_in_the_bank_is_accepted_for_another_question():
    """A typo-tolerant matcher must not let one question's answer pass for another's."""
    shorts = [q for q in bank().questions.values() if q.kind == "short"]
    for q in shorts:
        mine = {normalise(a) for a in q.accept}
        values = {n for n in map(number, q.accept) if n}
        for other in shorts:
            if other is q:
                continue
            for a in other.accept:
                n = number(a)  # both answers are 3 (or 60%, or tenfold): the same answer, not a giveaway
                same_value = n is not None and (n in values or (n[0], "") in values)
                if normalise(a) not in mine and not same_value:
                    assert not matches(a, q.accept), f"{other.id}'s {a!r} is accepted for {q.id}"


@pytest.mark.parametrize("elapsed, points", [(0, 5), (6, 4), (15, 3), (21, 2), (27, 0), (30, 0), (45, 0)])
def test_speed_points_are_linear_over_the_time_limit(elapsed, points):
    assert speed_points(timedelta(seconds=elapsed), 30, 5) == points


# ---- choice rounds --------------------------------------------------------------------------------

async def test_presses_lock_in_privately_and_the_first_counts(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, Q1, Q2)
    intro = chat.sent[0]
    assert intro.kind == "send" and intro.post.title == "Quiz time!"
    first = asked(chat)[0]
    quiz_id = (await bot.store.running_quiz(1, CHANNEL.channel)).id
    assert [b.id for b in first.post.buttons][:2] == [f"quiz:{quiz_id}:0:0", f"quiz:{quiz_id}:0:1"]
    question = bank().questions[(await bot.store.latest_round(quiz_id)).question_id]
    wrong = (question.correct + 1) % len(question.choices)
    clock.set(clock.now() + timedelta(seconds=6))
    await bot.handle(press(BOB, first.ref, button(first, question.correct)))
    assert chat.last().private and chat.last().to == "u-bob"
    assert chat.last().post.body.startswith(f"🔒 Locked in: **{question.choices[question.correct]}**")
    await bot.handle(press(BOB, first.ref, button(first, wrong)))  # a change of mind does not count
    assert chat.last().private and chat.last().post.body == (
        f"⚠️ You already locked in **{question.choices[question.correct]}**; your first press counts.")
    await bot.handle(press(ALICE, first.ref, button(first, wrong)))
    assert not reveals(chat)  # the first round always runs its full time: anyone may still join in
    await advance(bot, clock, timedelta(seconds=24))
    assert len(reveals(chat)) == 1 and len(asked(chat)) == 2
    assert ("Got it right", "bob (+14)") in reveals(chat)[0].post.fields
    assert await ledger(bot) == [("u-bob", 4, "quiz-speed", f"quiz:{quiz_id}:0"),
                                 ("u-bob", 10, "quiz-correct", f"quiz:{quiz_id}:0")]
    # Alice's miss is a practice card for her, due again within minutes; bob has none.
    assert await bot.store.card(1, "u-alice", question.id) is not None
    assert await bot.store.card(1, "u-bob", question.id) is None
    # A press on the revealed question is refused.
    await bot.handle(press(CAROL, first.ref, button(first, question.correct)))
    assert chat.last().post.body == "⚠️ Time is up for that question."
    # Round 2 ends as soon as everyone who played round 1 has answered.
    second = asked(chat)[1]
    await bot.handle(press(ALICE, second.ref, button(second, 0)))
    assert len(reveals(chat)) == 1
    await bot.handle(press(BOB, second.ref, button(second, 0)))
    assert len(reveals(chat)) == 2 and boards(chat)


async def test_a_second_member_gets_the_full_round(make_bot, chat, clock):
    """Issue 8: the starter pressed 3 s in, the round ended at once, and a member pressing 2 s later
    was told "Time is up". Every member gets the full time in round 1."""
    bot = await quiz_with(make_bot, chat, Q1, Q2)
    first = asked(chat)[0]
    question = bank().questions[(await bot.store.latest_round(1)).question_id]
    clock.set(clock.now() + timedelta(seconds=3))
    await bot.handle(press(ALICE, first.ref, button(first, question.correct)))
    clock.set(clock.now() + timedelta(seconds=2))
    await bot.handle(press(BOB, first.ref, button(first, question.correct)))
    assert chat.last().post.body.startswith("🔒 Locked in")
    clock.set(clock.now() + timedelta(seconds=24))
    await bot.handle(press(CAROL, first.ref, button(first, question.correct)))  # 29 s in: still in time
    assert chat.last().post.body.startswith("🔒 Locked in")
    await advance(bot, clock, timedelta(seconds=1))
    assert ("Got it right", "alice (+15), bob (+14), carol (+10)") in reveals(chat)[0].post.fields


async def test_the_deadline_reveals_and_the_scoreboard_ends_it(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, Q1, Q2)
    for n in range(2):
        current = asked(chat)[n]
        question = bank().questions[(await bot.store.latest_round(1)).question_id]
        await bot.handle(press(BOB, current.ref, button(current, question.correct)))  # alice never answers
        assert len(reveals(chat)) == n * 2  # round 2 ends at once: bob, its only player so far, answered
        await advance(bot, clock, timedelta(seconds=30))
        assert len(reveals(chat)) == n + 1
    board = boards(chat)[0].post
    assert board.title == "Quiz over: the scoreboard"
    assert board.body == "🥇 **bob** — 30 pts (2/2 right)\n· **alice** — 0 pts (0/2 right)"  # no medal for 0
    assert await bot.store.running_quiz(1, CHANNEL.channel) is None
    await advance(bot, clock, timedelta(hours=1))  # nothing more happens
    assert len(boards(chat)) == 1 and len(await ledger(bot)) == 4


async def test_one_quiz_per_channel_and_bad_options(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, Q1, Q2)
    sent = len(chat.sent)
    await bot.handle(command(BOB, "quiz"))
    assert chat.last().private and chat.last().post.body == (
        "⚠️ A quiz is already running in this channel. Its starter or an admin can end it with `/quiz stop`.")
    await bot.handle(command(BOB, "quiz", "topic:cooking"))
    assert chat.last().post.body.startswith("⚠️ Unknown topic `cooking`. Topics: ")
    await bot.handle(command(BOB, "quiz", "topic:ml-fundamentals difficulty:hard"))
    assert chat.last().post.body == ("⚠️ There are no quiz questions in ml-fundamentals at difficulty hard. "
                                     "Topics with quiz questions at difficulty hard: none.")
    await bot.handle(command(BOB, "quiz", "topic:nlp-llms"))
    assert chat.last().post.body == ("⚠️ There are no quiz questions in nlp-llms. "
                                     "Topics with quiz questions: ml-fundamentals.")
    for text in ("count:0", "count:21", "seconds:5", "difficulty:extreme", "colour:blue"):
        await bot.handle(command(BOB, "quiz", text))
        assert chat.last().post.body.startswith("⚠️ `")
    assert len(chat.sent) == sent + 9 and all(s.private for s in chat.sent[sent:])
    assert len(asked(chat)) == 1


async def test_stop_needs_the_starter_or_an_admin_and_keeps_scores(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, Q1, Q2)
    first = asked(chat)[0]
    question = bank().questions[(await bot.store.latest_round(1)).question_id]
    await bot.handle(press(BOB, first.ref, button(first, question.correct)))
    await bot.handle(press(ALICE, first.ref, button(first, (question.correct + 1) % len(question.choices))))
    await advance(bot, clock, timedelta(seconds=30))  # round 1 revealed: bob has 10 + 5 points
    second = asked(chat)[1]
    q2 = bank().questions[(await bot.store.latest_round(1)).question_id]
    await bot.handle(press(BOB, second.ref, button(second, q2.correct)))
    await bot.handle(command(BOB, "quiz", "stop"))
    assert chat.last().post.body == "⚠️ Only alice, who started this quiz, or an admin can stop it."
    await bot.handle(command(ADMIN, "quiz", "stop"))
    board = boards(chat)[0].post
    assert board.title == "Quiz stopped: the scoreboard so far"
    assert board.body == "🥇 **bob** — 15 pts (1/1 right)\n· **alice** — 0 pts (0/1 right)"
    assert board.footer == "Stopped by ada after 1 of 2 questions."
    # The round in progress is dropped unscored; its buttons are dead; the channel is free again.
    assert sorted(r for _, _, r, _ in await ledger(bot)) == ["quiz-correct", "quiz-speed"]
    await bot.handle(press(ALICE, second.ref, button(second, q2.correct)))
    assert chat.last().post.body == "⚠️ Time is up for that question."
    await advance(bot, clock, timedelta(minutes=5))
    assert len(reveals(chat)) == 1 and len(boards(chat)) == 1
    await bot.handle(command(ALICE, "quiz", "stop"))
    assert chat.last().post.body == "⚠️ No quiz is running in this channel. Start one with `/quiz`."
    await bot.handle(command(BOB, "quiz", "count:1"))
    assert len(asked(chat)) == 3


async def test_a_restart_resumes_and_never_scores_twice(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, Q1, Q2)
    first = asked(chat)[0]
    question = bank().questions[(await bot.store.latest_round(1)).question_id]
    await bot.handle(press(BOB, first.ref, button(first, question.correct)))
    # The bot goes down; the first round's deadline passes while it is.
    await bot.store.close()
    clock.set(clock.now() + timedelta(minutes=2))
    bot = await make_bot(bank=only(Q1, Q2))
    await bot.start()
    assert len(reveals(chat)) == 1 and len(asked(chat)) == 2  # revealed once at start-up, then on
    second = (await bot.store.latest_round(1))
    assert second.asked_at == clock.now() and second.deadline == clock.now() + timedelta(seconds=30)
    await bot.start()
    await bot.run_due(clock.now())
    assert len(reveals(chat)) == 1 and len(asked(chat)) == 2
    # Buttons posted before the restart still work; the quiz plays out.
    await advance(bot, clock, timedelta(seconds=30))
    assert len(boards(chat)) == 1
    assert [(u, p, r) for u, p, r, _ in await ledger(bot)] == [("u-bob", 5, "quiz-speed"), ("u-bob", 10, "quiz-correct")]


# ---- short rounds ---------------------------------------------------------------------------------

async def test_short_answers_first_correct_scores_and_misses_are_silent(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, SHORT, text="count:1 seconds:60")
    assert asked(chat)[0].post.buttons == ()
    sent = len(chat.sent)
    await bot.handle(typed(BOB, "reducible error"))  # wrong: not announced
    await bot.handle(typed(CAROL, "bias"))
    await bot.handle(typed(BOB, "irreducible error", thread="t-other"))  # a thread reply is not an answer
    assert len(chat.sent) == sent
    clock.set(clock.now() + timedelta(seconds=12))
    await bot.handle(typed(CAROL, "Irreducable eror"))  # misspelt, and right: carol scores, round over
    await bot.handle(typed(BOB, "irreducible error"))  # too late
    reveal = reveals(chat)[0].post.text()
    assert "**Answer:** irreducible error" in reveal and "**First correct answer:** carol (+14)" in reveal
    assert boards(chat)[0].post.body == ("🥇 **carol** — 14 pts (1/1 right)\n· **alice** — 0 pts (0/1 right)\n"
                                         "· **bob** — 0 pts (0/1 right)")
    assert [(u, p) for u, p, _, _ in await ledger(bot)] == [("u-carol", 4), ("u-carol", 10)]


async def test_a_short_round_nobody_gets_times_out(make_bot, chat, clock):
    bot = await quiz_with(make_bot, chat, SHORT, text="count:1 seconds:20")
    await bot.handle(typed(BOB, "variance"))
    await advance(bot, clock, timedelta(seconds=20))
    assert reveals(chat)[0].post.fields == (("First correct answer", "nobody this time"),)
    await bot.handle(typed(BOB, "noise"))  # after the quiz: just chat
    assert await ledger(bot) == []
