"""Polls in the core: the rules as pure functions, then the feature behind a recording fake chat."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.chat import MessageRef
from bot.core.commands import UserError, parse
from bot.core.polls import KEYCAPS, Tally, bar, percent, results_post, spec, tally
from bot.store import PollRow

from ..fakes import CHANNEL, FakeChat, advance, command, member, react

ANN, BOB, CAROL = member("ann"), member("bob"), member("carol")
ADMIN = member("root", admin=True)
ONE, TWO, THREE, FOUR = KEYCAPS[:4]


# ---- the rules ------------------------------------------------------------------------------------

def test_spec_normalises_whitespace_and_defaults_to_24h_single_choice():
    s = spec("  Which   topic\nnext week? ", " Trees |SVMs|  Transformers ")
    assert (s.question, s.options, s.duration, s.multi) == (
        "Which topic next week?", ("Trees", "SVMs", "Transformers"), timedelta(hours=24), False)


@pytest.mark.parametrize("question, options, duration, message", [
    ("", "A | B", timedelta(hours=1), 'The question is empty. Write it like `question:"Which topic next week?"`.'),
    ("   ", "A | B", timedelta(hours=1), "The question is empty."),
    ("Q?", "Trees", timedelta(hours=1),
     'A poll needs 2 to 10 options separated by `|`, like `options:"Trees | SVMs | Transformers"`; you gave 1.'),
    ("Q?", " | ".join(f"o{i}" for i in range(11)), timedelta(hours=1), "you gave 11."),
    ("Q?", "Trees | trees", timedelta(hours=1), "Options 1 and 2 are the same (`trees`): every option must differ."),
    ("Q?", "A | B | SVMs  | svms", timedelta(hours=1), "Options 3 and 4 are the same"),
    ("Q?", "A | | B", timedelta(hours=1), "Option 2 is empty: put text between every pair of `|`."),
    ("Q?", "A | B |", timedelta(hours=1), "Option 3 is empty"),
    ("Q?", "A | " + "x" * 76, timedelta(hours=1), "Option 2 is 76 characters long; an option can have at most 75."),
    ("Q?", "A | B", timedelta(days=30, seconds=1), "`duration:` can be at most 30d; you gave 30d1s."),
])
def test_spec_refuses_with_a_message_saying_what_is_valid(question, options, duration, message):
    with pytest.raises(UserError, match=re.escape(message)):
        spec(question, options, duration)


def test_spec_accepts_the_limits():
    assert len(spec("Q?", "A | B").options) == 2
    assert len(spec("Q?", " | ".join(f"o{i}" for i in range(10))).options) == 10
    assert spec("Q?", "A | " + "x" * 75).options[1] == "x" * 75
    assert spec("Q?", "A | B", timedelta(days=30), multi=True).multi


def test_zero_duration_and_bad_multi_are_refused_by_the_command_parser():
    with pytest.raises(UserError, match=re.escape("`duration:` `0h` is zero: a duration must be at least one second.")):
        parse("poll", 'question:"Q?" options:"A | B" duration:0h')
    with pytest.raises(UserError, match=re.escape("`multi:` `maybe` is not yes or no.")):
        parse("poll", 'question:"Q?" options:"A | B" multi:maybe')
    with pytest.raises(UserError, match=re.escape("`/poll` needs `options:`")):
        parse("poll", 'question:"Q?"')


def test_subcommands_resolve_before_the_plain_poll():
    assert parse("poll", "close").command.name == "poll close"
    assert parse("poll", "results").command.name == "poll results"
    inv = parse("poll", 'question:"Which topic?" options:"A | B" duration:2h multi:yes', is_admin=False)
    assert inv.command.name == "poll"
    assert inv.options == {"question": "Which topic?", "options": "A | B", "duration": timedelta(hours=2),
                           "multi": True}


def test_single_choice_counts_each_members_latest_standing_reaction():
    assert tally([("ann", 0), ("ann", 1), ("bob", 1)], 3, multi=False) == Tally((0, 2, 0), 2)
    # ann's newer reaction was removed: her older one, still standing, is her vote again
    assert tally([("ann", 0), ("bob", 1)], 3, multi=False) == Tally((1, 1, 0), 2)
    assert tally([], 3, multi=False) == Tally((0, 0, 0), 0)


def test_multi_choice_counts_each_option_once_per_member():
    assert tally([("ann", 0), ("ann", 1), ("bob", 1), ("ann", 0)], 3, multi=True) == Tally((1, 2, 0), 2)


def test_options_the_poll_does_not_have_are_not_counted():
    assert tally([("ann", 5), ("bob", 0)], 2, multi=False) == Tally((1, 0), 1)


def test_leaders_are_none_one_or_a_tie():
    assert Tally((0, 0), 0).leaders() == []
    assert Tally((1, 3, 2), 6).leaders() == [1]
    assert Tally((2, 0, 2), 4).leaders() == [0, 2]


def test_bars_and_percentages_are_of_voters():
    assert (bar(1, 3), percent(1, 3)) == ("███░░░░░░░", 33)
    assert (bar(2, 3), percent(2, 3)) == ("███████░░░", 67)
    assert (bar(3, 3), percent(3, 3)) == ("██████████", 100)
    assert (bar(0, 0), percent(0, 0)) == ("░░░░░░░░░░", 0)


def _row(clock, status="closed", multi=False, options=("Trees", "SVMs", "Transformers")) -> PollRow:
    return PollRow(1, 1, "c1", 4, "u-ann", "Which topic?", options, multi, "m1", status,
                   clock.now(), clock.now() + timedelta(hours=24), False)


def test_results_name_the_winner(clock):
    post = results_post(_row(clock), Tally((1, 2, 0), 3), ZoneInfo("UTC"))
    assert post.text() == (
        "**Poll #4 results**\n**Which topic?**\n\n"
        "1️⃣ ███░░░░░░░ 33% (1 vote) Trees\n"
        "2️⃣ ███████░░░ 67% (2 votes) SVMs\n"
        "3️⃣ ░░░░░░░░░░ 0% (0 votes) Transformers\n"
        "**Voters:** 3\n**Winner:** 2️⃣ SVMs with 2 votes\n"
        "_Closed Sat 21 Nov 07:00 (UTC)._")


def test_results_show_a_tie_and_the_multi_choice_note(clock):
    post = results_post(_row(clock, multi=True), Tally((2, 1, 2), 3), ZoneInfo("UTC"))
    assert dict(post.fields) == {"Voters": "3", "Tie": "1️⃣ Trees and 3️⃣ Transformers with 2 votes each"}
    assert post.footer == ("Closed Sat 21 Nov 07:00 (UTC). Members could pick several options, "
                           "so percentages can add up to more than 100.")


def test_standing_says_leading_and_still_open(clock):
    post = results_post(_row(clock, status="open"), Tally((0, 0, 0), 0), ZoneInfo("Europe/Berlin"))
    assert post.title == "Poll #4 standing"
    assert dict(post.fields) == {"Voters": "0", "Leading": "none — nobody voted"}
    assert post.footer == "Still open: closes Sat 21 Nov 08:00 (Europe/Berlin)."


def test_user_text_in_results_cannot_ping(clock):
    row = _row(clock, options=("@everyone", "<@123>"))
    text = results_post(row, Tally((1, 0), 1), ZoneInfo("UTC")).text()
    assert "@everyone" not in text and "<@123>" not in text
    assert "@\u200beveryone" in text and "<\u200b@123>" in text


# ---- the feature --------------------------------------------------------------------------------

POLL = 'question:"Which topic next week?" options:"Trees | SVMs | Transformers"'


async def _poll(bot, chat, text=POLL, who=ANN) -> MessageRef:
    await bot.handle(command(who, "poll", text))
    return [s for s in chat.sent if s.kind == "send"][-1].ref


async def _votes(bot, ref: MessageRef):
    group = await bot.store.group(CHANNEL.platform, CHANNEL.group)
    poll = await bot.store.poll_by_message(group.id, CHANNEL.channel, ref.id)
    return tally(await bot.store.poll_reactions(poll.id), len(poll.options), poll.multi)


async def test_a_poll_is_posted_with_one_number_reaction_per_option(make_bot, chat, clock):
    bot = await make_bot()
    ref = await _poll(bot, chat)
    assert chat.texts("send") == [
        "**Poll #1**\n**Which topic next week?**\n\n1️⃣ Trees\n2️⃣ SVMs\n3️⃣ Transformers\n**Asked by:** ann\n"
        "_React with a number to vote; your latest reaction is your vote. Closes Sat 21 Nov 07:00 (UTC)._"]
    assert chat.reacted == [(ref.id, ONE), (ref.id, TWO), (ref.id, THREE)]
    assert chat.last("respond").private
    assert chat.last("respond").post.body == ("Poll #1 is up; it closes in 1d. `/poll close` ends it early, "
                                              "`/poll results` shows the standing.")
    group = await bot.store.group(CHANNEL.platform, CHANNEL.group)
    poll = await bot.store.latest_poll(group.id, CHANNEL.channel)
    assert (poll.status, poll.creator, poll.multi) == ("open", ANN.id, False)
    assert poll.closes_at == clock.now() + timedelta(hours=24)
    await _poll(bot, chat, 'question:"And then?" options:"A | B" duration:2h multi:yes')
    assert chat.texts("send")[-1].startswith("**Poll #2**")
    assert chat.texts("send")[-1].endswith(
        "_React with every number you agree with; each counts once. Closes Fri 20 Nov 09:00 (UTC)._")


async def test_a_redelivered_poll_command_posts_once(make_bot, chat):
    bot = await make_bot()
    event = command(ANN, "poll", POLL)
    await bot.handle(event)
    await bot.handle(event)
    assert len(chat.texts("send")) == 1


async def test_the_same_command_claims_one_poll(make_bot, clock):
    bot = await make_bot()
    async with bot.store.transaction():
        group = await bot.store.group("test", "g1")
        args = (group.id, "c1", "u-ann", "Q?", ("A", "B"), False, clock.now(), clock.now() + timedelta(hours=1))
        first = await bot.store.claim_poll("test:command:x", *args)
        again = await bot.store.claim_poll("test:command:x", *args)
        other = await bot.store.claim_poll("test:command:y", *args)
    assert first.number == 1 and again is None and other.number == 2


async def test_a_refused_poll_posts_nothing(make_bot, chat):
    bot = await make_bot()
    await bot.handle(command(ANN, "poll", 'question:"Q?" options:"Trees | trees"'))
    assert chat.sent[-1].private and chat.texts() == [
        "⚠️ Options 1 and 2 are the same (`trees`): every option must differ."]
    assert chat.reacted == []
    assert await bot.store.open_polls() == []


async def test_a_poll_the_platform_refused_goes_out_once_when_it_is_back(make_bot, chat, caplog):
    class Flaky(FakeChat):
        down = True

        async def send(self, channel, post):
            if self.down:
                raise ConnectionError("platform unreachable")
            return await super().send(channel, post)

    flaky = Flaky()
    bot = await make_bot(chat=flaky)
    await bot.handle(command(ANN, "poll", POLL))
    assert [s.kind for s in flaky.sent] == ["respond"] and flaky.reacted == []
    assert "platform unreachable" in caplog.text  # a warning, and the effect waits in the outbox
    flaky.down = False
    await bot.run_due()
    await bot.run_due()
    assert flaky.texts("send")[0].startswith("**Poll #1**") and len(flaky.texts("send")) == 1
    assert len(flaky.reacted) == 3  # its number reactions followed it


async def test_single_choice_latest_reaction_is_the_vote_and_the_old_one_is_removed(make_bot, chat):
    bot = await make_bot()
    ref = await _poll(bot, chat)
    await bot.handle(react(BOB, ref, ONE))
    await bot.handle(react(BOB, ref, THREE))
    assert chat.unreacted == [(ref.id, ONE, BOB.id)]
    assert await _votes(bot, ref) == Tally((0, 0, 1), 1)
    await bot.handle(react(BOB, ref, ONE, added=False))  # the platform reports the removal the bot asked for
    assert await _votes(bot, ref) == Tally((0, 0, 1), 1)
    await bot.handle(react(BOB, ref, ONE))  # a re-delivered old event does not jump the queue twice
    await bot.handle(react(BOB, ref, ONE))
    assert await _votes(bot, ref) == Tally((1, 0, 0), 1)
    await bot.handle(react(BOB, ref, THREE, added=False))
    await bot.handle(react(BOB, ref, ONE, added=False))
    assert await _votes(bot, ref) == Tally((0, 0, 0), 0)


async def test_single_choice_falls_back_to_a_reaction_the_platform_could_not_remove(make_bot, chat):
    bot = await make_bot()
    ref = await _poll(bot, chat)
    await bot.handle(react(BOB, ref, ONE))
    await bot.handle(react(BOB, ref, TWO))  # e.g. Slack: the bot cannot remove bob's 1️⃣, it stays standing
    await bot.handle(react(BOB, ref, TWO, added=False))
    assert await _votes(bot, ref) == Tally((1, 0, 0), 1)


async def test_multi_choice_counts_each_option_once_and_removal_takes_it_back(make_bot, chat):
    bot = await make_bot()
    ref = await _poll(bot, chat, POLL + " multi:yes")
    for who, emoji in [(BOB, ONE), (BOB, TWO), (BOB, TWO), (CAROL, TWO)]:
        await bot.handle(react(who, ref, emoji))
    assert chat.unreacted == []
    assert await _votes(bot, ref) == Tally((1, 2, 0), 2)
    await bot.handle(react(BOB, ref, TWO, added=False))
    assert await _votes(bot, ref) == Tally((1, 1, 0), 2)


async def test_reactions_that_are_not_the_polls_numbers_are_ignored(make_bot, chat):
    bot = await make_bot()
    ref = await _poll(bot, chat)
    await bot.handle(react(BOB, ref, FOUR))
    await bot.handle(react(BOB, ref, "👍"))
    await bot.handle(react(BOB, MessageRef(CHANNEL, "elsewhere"), ONE))
    assert await _votes(bot, ref) == Tally((0, 0, 0), 0)


async def test_close_needs_the_creator_or_an_admin(make_bot, chat, clock):
    bot = await make_bot()
    ref = await _poll(bot, chat)
    await bot.handle(react(BOB, ref, TWO))
    sends = len(chat.texts("send"))
    await bot.handle(command(BOB, "poll", "close"))
    assert chat.last().private and chat.last().post.body == (
        "⚠️ Only the member who started poll #1 or an admin can close it. `/poll results` shows the standing.")
    assert len(chat.texts("send")) == sends
    clock.set(clock.now() + timedelta(hours=1))
    await bot.handle(command(ANN, "poll", "close"))
    assert chat.last().post.body == "Closed poll #1."
    results = chat.last("send").post
    assert results.title == "Poll #1 results"
    assert dict(results.fields) == {"Voters": "1", "Winner": "2️⃣ SVMs with 1 vote"}
    assert results.footer == "Closed Fri 20 Nov 08:00 (UTC)."  # when it really closed, not the old deadline
    await bot.handle(command(ANN, "poll", "close"))
    assert chat.last().post.body.startswith("⚠️ There is no open poll in this channel.")
    await bot.handle(react(CAROL, ref, TWO))  # too late: not counted
    assert await _votes(bot, ref) == Tally((0, 1, 0), 1)
    await advance(bot, clock, timedelta(days=2))
    assert len(chat.texts("send")) == sends + 1

    await _poll(bot, chat, who=BOB)
    await bot.handle(command(ADMIN, "poll", "close"))
    assert chat.last("send").post.title == "Poll #2 results"


async def test_the_deadline_closes_the_poll_exactly_once(make_bot, chat, clock):
    bot = await make_bot()
    ref = await _poll(bot, chat, POLL + " duration:2h")
    await bot.handle(react(BOB, ref, ONE))
    await bot.handle(react(CAROL, ref, TWO))
    assert await bot.next_due(clock.now()) == clock.now() + timedelta(hours=2)
    await advance(bot, clock, timedelta(hours=1, minutes=59))
    assert len(chat.texts("send")) == 1
    await advance(bot, clock, timedelta(minutes=1))
    await bot.run_due()
    await advance(bot, clock, timedelta(days=1))
    assert [s.post.title for s in chat.sent if s.kind == "send"] == ["Poll #1", "Poll #1 results"]
    assert dict(chat.last("send").post.fields) == {"Voters": "2", "Tie": "1️⃣ Trees and 2️⃣ SVMs with 1 vote each"}
    assert await bot.next_due(clock.now()) is None


async def test_results_show_the_latest_poll_without_closing_it(make_bot, chat):
    bot = await make_bot()
    await bot.handle(command(BOB, "poll", "results"))
    assert chat.last().post.body.startswith("⚠️ There are no polls in this channel yet.")
    ref = await _poll(bot, chat)
    await bot.handle(react(BOB, ref, THREE))
    await bot.handle(command(BOB, "poll", "results"))
    standing = chat.last()
    assert (standing.kind, standing.private, standing.post.title) == ("respond", False, "Poll #1 standing")
    assert dict(standing.post.fields) == {"Voters": "1", "Leading": "3️⃣ Transformers with 1 vote"}
    assert [p.status for p in await bot.store.open_polls()] == ["open"]


async def test_start_reconciles_open_polls_then_closes_overdue_ones_once(make_bot, chat, clock):
    bot = await make_bot()
    ref = await _poll(bot, chat, POLL + " duration:1h")
    await bot.handle(react(BOB, ref, ONE))
    await bot.handle(react(CAROL, ref, TWO))
    await bot.store.close()
    # while the bot is down: carol takes her vote back, ann and dan vote, time passes the deadline
    chat.platform_reactions[ref.id] = {ONE: {BOB.id, ANN.id}, THREE: {"u-dan"}}
    clock.set(clock.now() + timedelta(hours=3))
    bot = await make_bot()
    await bot.start()
    assert await _votes(bot, ref) == Tally((2, 0, 1), 3)
    results = chat.last("send").post
    assert results.title == "Poll #1 results"
    assert dict(results.fields) == {"Voters": "3", "Winner": "1️⃣ Trees with 2 votes"}
    assert results.footer == "Closed Fri 20 Nov 08:00 (UTC)."
    await bot.store.close()
    bot = await make_bot()
    await bot.start()
    assert [s.post.title for s in chat.sent if s.kind == "send"] == ["Poll #1", "Poll #1 results"]


async def test_start_keeps_one_reaction_per_member_in_a_single_choice_poll(make_bot, chat):
    bot = await make_bot()
    ref = await _poll(bot, chat)
    await bot.handle(react(BOB, ref, ONE))
    # while down, bob also reacted 3️⃣: it counts as later than his stored 1️⃣, which the bot removes
    chat.platform_reactions[ref.id] = {ONE: {BOB.id}, THREE: {BOB.id}}
    await bot.start()
    assert chat.unreacted == [(ref.id, ONE, BOB.id)]
    assert await _votes(bot, ref) == Tally((0, 0, 1), 1)


async def test_a_platform_that_cannot_list_reactions_keeps_the_stored_votes(make_bot, chat, caplog):
    class Blind(FakeChat):
        async def reactions(self, message):
            raise ConnectionError("no access")

    blind = Blind()
    bot = await make_bot(chat=blind)
    ref = await _poll(bot, blind)
    await bot.handle(react(BOB, ref, TWO))
    await bot.start()
    assert await _votes(bot, ref) == Tally((0, 1, 0), 1)
    assert "could not read the reactions of poll" in caplog.text


async def test_close_happens_once_even_when_the_deadline_and_the_command_race(make_bot, chat, clock):
    bot = await make_bot()
    await _poll(bot, chat, POLL + " duration:1h")
    (stale,) = await bot.store.open_polls()  # what a run_due that started before /poll close still holds
    await bot.handle(command(ANN, "poll", "close"))
    await bot.polls.close(stale, clock.now() + timedelta(hours=1))
    await bot.flush()
    assert (await bot.store.poll(stale.id)).closes_at == clock.now()
    await advance(bot, clock, timedelta(hours=2))
    assert [s.post.title for s in chat.sent if s.kind == "send"] == ["Poll #1", "Poll #1 results"]
