"""Issue 7's races: gathered events never lose each other's writes, and due instants are claimed once."""
from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from bot.core.chat import ButtonPressed, MessageRef
from bot.core.polls import KEYCAPS

from ..fakes import CHANNEL, FakeChat, advance, command, member, react, reply

ADMIN, DAN = member("ada", admin=True), member("dan")


def key(chat, k):
    return next(s for s in chat.sent if s.kind in ("send", "reply") and s.post.key == k)


async def a_day(bot, chat, clock, close="3h"):
    await bot.handle(command(ADMIN, "qotd", f"setup time:09:00 tz:UTC topics:behavioural close:{close}"))
    await advance(bot, clock, timedelta(hours=2, minutes=1))  # 07:00 -> 09:01 UTC
    return f"t-{key(chat, 'qotd:1').ref.id}"


async def test_a_thousand_gathered_events_are_all_counted(make_bot, chat, clock):
    """999 answers, upvotes and poll votes plus one press that rolls back, all at once and shuffled:
    the old shared connection lost up to 42 votes and left members with wrong points."""
    bot = await make_bot()
    thread = await a_day(bot, chat, clock)
    await bot.handle(command(DAN, "poll", 'question:"Next?" options:"A | B | C" duration:2h'))
    poll = key(chat, "poll:1").ref
    await bot.handle(command(DAN, "practice", "count:1"))
    await bot.handle(ButtonPressed(MessageRef(CHANNEL, "x"), DAN, "practice:1:0:0", "first"))
    people = [member(f"m{i:03d}") for i in range(333)]
    answers = [reply(p, thread, f"{p.name} gives a full and careful answer", f"ans-{p.id}") for p in people]
    events = answers + [react(p, answers[(i + 1) % len(people)].message, "👍") for i, p in enumerate(people)]
    events += [react(p, poll, KEYCAPS[i % 3]) for i, p in enumerate(people)]
    events.append(ButtonPressed(MessageRef(CHANNEL, "x"), DAN, "practice:1:0:1", "again"))  # already answered
    random.Random(7).shuffle(events)
    for event in events:  # the platform shows them all; the deliveries race
        chat.apply(event, clock.now())
    await asyncio.gather(*(bot.deliver(e) for e in events))
    assert len(await bot.store.answers(1)) == 333
    votes = await bot.store.poll_reactions(1)
    assert len(votes) == 333 and sorted(o for _, o in votes).count(0) == 111
    assert chat.last("respond").post.body == "⚠️ That practice session has ended. Start a new one with `/practice`."
    await advance(bot, clock, timedelta(hours=3))
    ledger = await bot.store.ledger(1)
    points = {}
    for user, p, reason, _ in ledger:
        if reason.startswith("qotd"):
            points[user] = points.get(user, 0) + p
    assert len(points) == 333 and sum(points.values()) == 333 * 12 + 5  # answer + one upvote each, one best
    results = key(chat, "poll:1:results").post
    assert "111 votes" in results.body and ("Voters", "333") in results.fields


class SlowChat(FakeChat):
    """Platform calls that take a while: the event loop runs other tasks meanwhile."""

    async def send(self, channel, post):
        for _ in range(5):
            await asyncio.sleep(0)
        return await super().send(channel, post)


async def test_two_qotd_now_at_once_post_once_and_keep_the_thread(make_bot, clock):
    slow = SlowChat()
    bot = await make_bot(chat=slow)
    await bot.handle(command(ADMIN, "qotd", "setup time:23:00 tz:UTC topics:behavioural"))
    await asyncio.gather(bot.handle(command(ADMIN, "qotd", "now")), bot.handle(command(ADMIN, "qotd", "now")))
    questions = [s for s in slow.sent if s.kind == "send" and s.post.title.startswith("Question of the day")]
    assert len(questions) == 1
    assert sorted(s.post.body for s in slow.sent if s.kind == "respond")[-2:] == [
        "Posted question #1.", "⚠️ Today's question (#1) is already up."]
    await bot.handle(reply(member("ann"), f"t-{questions[0].ref.id}", "an answer that is long enough", "a1"))
    assert len(await bot.store.answers(1)) == 1


async def test_wakeups_racing_at_a_deadline_close_a_poll_once(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(DAN, "poll", 'question:"Next?" options:"A | B" duration:1h'))
    clock.set(clock.now() + timedelta(hours=1))
    await asyncio.gather(bot.run_due(), bot.run_due(), bot.handle(command(DAN, "poll", "close")))
    assert [s.post.title for s in chat.sent if s.kind == "send"] == ["Poll #1", "Poll #1 results"]


async def test_a_close_that_is_also_the_next_post_happens_once(make_bot, chat, clock):
    bot = await make_bot()
    await a_day(bot, chat, clock, close="24h")
    clock.set(clock.now() + timedelta(hours=23, minutes=59))
    await asyncio.gather(*(bot.run_due() for _ in range(4)))
    titles = [s.post.title for s in chat.sent if s.kind in ("send", "reply")]
    assert titles.count("Question #1 is closed") == 1 and titles.count("Question #1 closed") == 1
    assert titles.count("Question of the day #2") == 1


async def test_what_happens_while_the_bot_is_down_counts_once_it_is_back(make_bot, chat, clock):
    """Issue 7.5: thread replies and reactions made while the bot was down used to be lost."""
    bot = await make_bot()
    thread = await a_day(bot, chat, clock)
    await bot.store.close()
    ann, ben = member("ann"), member("ben")
    answer = reply(ann, thread, "an answer written while the bot was down", "down1")
    for event in (answer, react(ben, answer.message, "👍")):
        chat.apply(event, clock.now())  # the platform has them; the bot hears nothing
    bot = await make_bot()
    await bot.start()
    assert [a.message_id for a in await bot.store.answers(1)] == ["down1"] and ("down1", "✅") in chat.reacted
    await advance(bot, clock, timedelta(hours=3))
    assert ("u-ann", 2, "qotd-upvotes") in [(u, p, r) for u, p, r, _ in await bot.store.ledger(1)]
