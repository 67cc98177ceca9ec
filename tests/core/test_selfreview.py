"""Self-review after the reveal (issue 11): members who answered an open question judge their own
answer privately, which schedules the question in their /practice deck, and it comes back there."""
from datetime import datetime, timedelta
from pathlib import Path

from fsrs import Card, State

from bot.content import load_bank
from bot.core.chat import ChannelRef, MessageRef
from bot.core.clock import UTC

from ..fakes import CHANNEL, advance, command, member, press, reply

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN, ALICE, BOB, CAROL = member("ada", admin=True), member("alice"), member("bob"), member("carol")
CLOSE = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # Friday's 09:00 question closes after 2 h
DM = MessageRef(CHANNEL, "dm-1")  # where a whisper's buttons are pressed (a platform gives its own ref)


async def answered_day(make_bot, chat, clock, who=(ALICE, BOB, CAROL)):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:open-qs close:2h"))
    await advance(bot, clock, timedelta(hours=2, minutes=30))
    question = [s for s in chat.sent if s.kind == "send"][-1]
    for m in who:
        await bot.handle(reply(m, f"t-{question.ref.id}", f"{m.name} covers memorisation and noise"))
    await advance(bot, clock, CLOSE - clock.now())
    return bot


def offers(chat, who=None):
    return [(m, p) for m, p in chat.whispers if p.title.endswith("how did your answer do?") and who in (None, m)]


async def card(bot, who, question_id) -> Card:
    return Card.from_dict(await bot.store.card(1, who.id, question_id))


async def test_members_who_answered_get_three_private_buttons_at_the_reveal(make_bot, chat, clock):
    bot = await answered_day(make_bot, chat, clock, who=(ALICE, BOB))
    assert sorted(m for m, _ in offers(chat)) == ["u-alice", "u-bob"]  # carol did not answer
    post = offers(chat, ALICE.id)[0][1]
    assert [b.label for b in post.buttons] == ["Covered it", "Partly", "Missed it"]
    assert [b.id for b in post.buttons] == ["selfreview:1:0", "selfreview:1:1", "selfreview:1:2"]
    assert "**What a strong answer covers**\n• " in post.body and "alice covers memorisation" in post.body
    reveal = [s for s in chat.sent if s.kind == "reply" and s.post.title == "Question #1 is closed"]
    assert len(reveal) == 1  # the public reveal is unchanged
    await bot.run_due(CLOSE)
    assert len(offers(chat)) == 2  # asked once


async def test_each_choice_schedules_its_practice_interval_and_no_points(make_bot, chat, clock):
    bot = await answered_day(make_bot, chat, clock)
    question_id = (await bot.store.post(1)).question_id
    ledger = await bot.store.ledger(1)
    for who, choice in ((ALICE, 0), (BOB, 1), (CAROL, 2)):
        await bot.handle(press(who, DM, f"selfreview:1:{choice}"))
    covered, partly, missed = [await card(bot, m, question_id) for m in (ALICE, BOB, CAROL)]
    assert covered.due == CLOSE + timedelta(days=8) and covered.state == State.Review  # much later
    assert partly.due == CLOSE + timedelta(minutes=5, seconds=30)
    assert missed.due == CLOSE + timedelta(minutes=1) and missed.state == State.Learning  # soon
    answers = [s.post.body for s in chat.sent if s.kind == "respond" and s.private]
    assert answers[-3:] == ["Noted: **Covered it**. Question #1 comes back in your `/practice` in 8d.",
                            "Noted: **Partly**. Question #1 comes back in your `/practice` in 5m30s.",
                            "Noted: **Missed it**. Question #1 comes back in your `/practice` in 1m."]
    assert await bot.store.ledger(1) == ledger  # nothing to game


async def test_the_first_choice_counts_and_others_cannot_press(make_bot, chat, clock):
    bot = await answered_day(make_bot, chat, clock, who=(ALICE,))
    question_id = (await bot.store.post(1)).question_id
    await bot.handle(press(ALICE, DM, "selfreview:1:2"))
    await bot.handle(press(ALICE, DM, "selfreview:1:0"))
    assert chat.last().post.body == "⚠️ You already said **Missed it** for question #1; your first choice counts."
    assert (await card(bot, ALICE, question_id)).due == CLOSE + timedelta(minutes=1)
    await bot.handle(press(BOB, DM, "selfreview:1:0"))  # a forwarded or forged button
    assert chat.last().post.body == "⚠️ Only members who answered question #1 review their answer to it."
    await bot.handle(press(ALICE, MessageRef(ChannelRef("test", "g2", "c9"), "dm"), "selfreview:1:0"))
    assert chat.last().post.body == "⚠️ That is not a question you can review here."  # another group's post
    assert await bot.store.card(1, BOB.id, question_id) is None


async def test_a_reviewed_open_question_comes_back_in_practice(make_bot, chat, clock):
    bot = await answered_day(make_bot, chat, clock, who=(ALICE,))
    question = BANK.questions[(await bot.store.post(1)).question_id]
    await bot.handle(press(ALICE, DM, "selfreview:1:2"))  # missed: due in a minute
    await bot.handle(command(ALICE, "practice", "topic:open-qs"))
    assert chat.last().post.body.startswith("⚠️ Nothing to practise right now")
    await advance(bot, clock, timedelta(minutes=2))
    await bot.handle(command(ALICE, "practice", "topic:open-qs"))
    shown = chat.last()
    assert shown.private and shown.post.title == "Practice 1/1: review this question"
    assert shown.post.body == (f"1 due, 0 new. Only you can see this session.\n\n{question.prompt}\n\n"
                               "**What a strong answer covers**\n" + "\n".join(f"• {p}" for p in question.key_points))
    assert [b.label for b in shown.post.buttons] == ["Covered it", "Partly", "Missed it"]
    await bot.handle(press(ALICE, DM, shown.post.buttons[0].id))  # now she covers it
    done = chat.last().post
    assert done.title == "Practice done" and done.body.startswith("Noted: **Covered it**. You will see it again in ")
    assert f"**Reference answer**\n{question.explanation}" in done.body and "You got **1 of 1** right." in done.body
    assert (await card(bot, ALICE, question.id)).state == State.Review
    await bot.handle(command(ALICE, "practice", "stats"))
    assert chat.last().post.fields[0] == ("Cards", "1")


async def test_choice_questions_offer_no_self_review(make_bot, chat, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:choice-qs close:2h"))
    await advance(bot, clock, timedelta(hours=4))
    assert offers(chat) == [] and [s for s in chat.sent if s.post.title == "Question #1 is closed"]
