"""Streak freezes (issue 11): earned by answering 7 questions in a row, held at most 2, spent at the
close of a missed question so the streak survives, and the member told privately once."""
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content import load_bank
from bot.core.daily import LETTERS

from ..fakes import advance, command, member, react

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN, ALICE, BOB = member("ada", admin=True), member("alice"), member("bob")


@pytest.fixture
async def bot(make_bot, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:Europe/Berlin topics:choice-qs close:12h"))
    await advance(bot, clock, timedelta(hours=1, minutes=30))  # Friday 09:00 Berlin: question #1 is up
    return bot


async def day(bot, chat, clock, *answering) -> None:
    """Today's question, answered (with the right letter) by `answering`; then on to tomorrow's."""
    question = [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")][-1]
    for who in answering:
        await bot.handle(react(who, question.ref, LETTERS[0]))
    await advance(bot, clock, timedelta(days=1))


async def streak(bot, who=ALICE):
    found = await bot.store.streak(1, who.id)
    return found.current, found.best, found.freezes


def freeze_notes(chat, who=ALICE):
    return [p for to, p in chat.whispers if to == who.id and p.title == "🧊 Streak freeze used"]


async def test_freezes_are_earned_held_capped_and_spent(bot, chat, clock):
    for n in range(1, 22):
        await day(bot, chat, clock, ALICE, BOB)
        if n in (6, 7, 13, 14, 21):
            assert await streak(bot) == (n, n, {6: 0, 7: 1, 13: 1, 14: 2, 21: 2}[n])  # one per 7 in a row, at most 2
    assert freeze_notes(chat) == []

    await day(bot, chat, clock, BOB)  # alice misses #22: a freeze keeps her streak, which does not grow
    assert await streak(bot) == (21, 21, 1)
    [note] = freeze_notes(chat)
    assert "missed question #22" in note.body and "streak of **21**" in note.body and "**1** of 2" in note.body
    assert await streak(bot, BOB) == (22, 22, 2)

    await bot.run_due(clock.now())  # another wake-up at the same instant: nothing twice
    await day(bot, chat, clock, ALICE)  # she is back; bob misses and spends one of his
    assert await streak(bot) == (22, 22, 1) and await streak(bot, BOB) == (22, 22, 1)
    assert len(freeze_notes(chat)) == 1 and len(freeze_notes(chat, BOB)) == 1

    await day(bot, chat, clock)  # both miss: alice spends her last freeze
    assert await streak(bot) == (22, 22, 0)
    await day(bot, chat, clock)  # and with none left the streak ends
    assert await streak(bot) == (0, 22, 0)
    assert len(freeze_notes(chat)) == 2  # told once per freeze spent, and not when there was none to spend


async def test_a_run_broken_by_a_miss_starts_again_and_streak_shows_freezes(bot, chat, clock):
    for _ in range(7):
        await day(bot, chat, clock, ALICE)
    await day(bot, chat, clock)  # missed: the freeze is spent, the run of answers in a row starts again
    for _ in range(6):
        await day(bot, chat, clock, ALICE)
    assert await streak(bot) == (13, 13, 0)  # 13 answered, but only 6 in a row since the miss
    await day(bot, chat, clock, ALICE)
    assert await streak(bot) == (14, 14, 1)
    await bot.handle(command(BOB, "streak", "alice"))
    shown = chat.last("respond").post
    assert "current streak **14**, best **14**, 🧊 freezes held **1** of 2" in shown.body
    assert "7 in a row earn a freeze (at most 2 held)" in shown.footer
