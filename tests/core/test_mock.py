"""Mock-interview pairs (issue 14): pairing 2, 3, 5 and 8 members without repeating last week's
partners where the numbers allow, private threads and interviewer packs the candidate never sees,
roles swapping, the feedback form with its points once per pair, and no-shows taking a week off."""
from datetime import timedelta
from itertools import combinations

import pytest

from bot.core.pairing import pair_up, partners, repeats

from ..conftest import bank
from ..fakes import CHANNEL, advance, command, member, press

ADA = member("ada", admin=True)
ANN, BEN, CAT, DAN, EVE = (member(n) for n in ("ann", "ben", "cat", "dan", "eve"))
BY_ID = {m.id: m for m in (ADA, ANN, BEN, CAT, DAN, EVE)}
SETUP = "setup day:sat time:10:00 tz:UTC length:40m"  # Friday 07:00 now: pairs at 10:00, slot Sat 10:00


def groupings(members: list[str]):
    """Every way to split members into pairs and, for an odd count, one three."""
    if not members:
        yield []
        return
    first, rest = members[0], members[1:]
    sizes = (1, 2) if len(members) % 2 else (1,)
    for size in sizes:
        for others in combinations(rest, size):
            left = [m for m in rest if m not in others]
            if size == 2 or len(left) % 2 == 0:
                for tail in groupings(left):
                    yield [(first, *others), *tail]


@pytest.mark.parametrize("count", [2, 3, 5, 8])
def test_pairing_never_repeats_last_weeks_partners_where_avoidable(count):
    members = [f"m{i}" for i in range(count)]
    last: set[frozenset[str]] = set()
    for week in range(4):
        groups = pair_up(members, last, seed=f"week-{week}")
        assert sorted(m for g in groups for m in g) == members  # everyone, once
        assert sorted(len(g) for g in groups) == [2] * (count // 2 - count % 2) + [3] * (count % 2)
        fewest = min(sum(repeats(g, last) for g in option) for option in groupings(members))
        assert sum(repeats(g, last) for g in groups) == fewest  # as few repeats as the numbers allow
        if count == 8 or week == 0:
            assert fewest == 0
        last = partners(groups)
    assert pair_up(["solo"], set(), "x") == []


def rooms_of(chat):
    return {room: set(members) for room, (_, members) in chat.rooms.items()}


def packs(chat):
    return [(to, post) for to, post in chat.whispers if post.title.startswith("Your interviewer pack")]


def form(chat, rater):
    return next(s for s in chat.sent if s.post.title.startswith("Feedback for") and s.post.ping == (rater.id,))


def button(sent, label: str) -> str:
    return next(b.id for b in sent.post.buttons if b.label == label)


async def join(bot, *members):
    for m in members:
        await bot.handle(command(m, "mock", "join"))


async def test_pairs_get_private_threads_and_packs_only_the_interviewer_sees(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ADA, "mock", SETUP))
    await join(bot, ANN, BEN, CAT, DAN, EVE)
    assert "5 joined so far" in chat.last().post.body and chat.last().private
    await advance(bot, clock, timedelta(hours=3))  # Friday 10:00: the pairs are made
    rooms = rooms_of(chat)
    assert sorted(len(m) for m in rooms.values()) == [2, 3]
    assert set().union(*rooms.values()) == {m.id for m in (ANN, BEN, CAT, DAN, EVE)}
    [announcement] = [s for s in chat.sent if s.post.title == "Mock interviews — Sat 21 Nov 10:00 (UTC)"]
    assert announcement.ref.channel == CHANNEL and announcement.post.body.count("•") == 2
    for room, members in rooms.items():
        [intro] = chat.in_room(room)
        assert set(intro.post.ping) == members and "this thread is just for you" in intro.post.body
    given = packs(chat)
    assert sorted(to for to, _ in given) == sorted(m.id for m in (ANN, BEN, CAT, DAN, EVE))  # one pack each
    for pair in await bot.store.pairs_of(1):
        for i, interviewer in enumerate(pair.members):
            candidate = pair.members[(i + 1) % len(pair.members)]
            [(_, pack)] = [(to, p) for to, p in given if to == interviewer]
            assert f"You interview **{BY_ID[candidate].name}**" in pack.body
            questions = [q for q in bank().questions.values() if q.kind == "open" and q.prompt in pack.body]
            assert len(questions) == 3 and all(all(k in pack.body for k in q.key_points) for q in questions)
            secret = [k for q in questions for k in q.key_points]
            seen_by_candidate = [p.text() for to, p in chat.whispers if to == candidate]
            seen_by_candidate += [s.post.text() for s in chat.sent if s.kind in ("send", "reply", "edit")]
            seen_by_candidate += [s.post.text() for s in chat.sent if s.kind == "respond" and s.to == candidate]
            assert not any(k in text for k in secret for text in seen_by_candidate)  # never visible to the candidate
    await bot.run_due(clock.now())  # another wake-up, and a restart, at the same instant
    await (await make_bot()).run_due(clock.now())
    assert len(chat.rooms) == 2 and len(packs(chat)) == 5


async def test_roles_swap_halfway_and_in_thirds_for_a_three(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ADA, "mock", SETUP))
    await join(bot, ANN, BEN, CAT)
    await advance(bot, clock, timedelta(days=1, hours=3, minutes=10))  # Saturday 10:10
    [room] = chat.rooms
    assert [s.post.title for s in chat.in_room(room)] == ["Mock interview — Sat 21 Nov 10:00 (UTC)"]
    await advance(bot, clock, timedelta(minutes=20))  # 10:30: a third and two thirds of 40 minutes have passed
    swaps = [s.post.body for s in chat.in_room(room) if s.post.title == "Swap roles 🔄"]
    assert len(swaps) == 2 and "(10:13–10:26)" in swaps[0] and "(10:26–10:40)" in swaps[1]


async def test_the_feedback_form_reaches_the_partner_privately_with_points_once_per_pair(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ADA, "mock", SETUP))
    await join(bot, ANN, BEN)
    await advance(bot, clock, timedelta(days=1, hours=3, minutes=20))  # Saturday 10:20: roles swap
    [room] = chat.rooms
    assert [s.post.title for s in chat.in_room(room)][-1] == "Swap roles 🔄"
    assert not [s for s in chat.sent if s.post.title.startswith("Feedback for")]
    await advance(bot, clock, timedelta(minutes=20))  # 10:40: the slot is over
    ann_form, ben_form = form(chat, ANN), form(chat, BEN)
    assert ann_form.ref.channel.channel == room and len(ann_form.post.buttons) == 16
    [pair] = await bot.store.pairs_of(1)
    partner = BY_ID[pair.members[(pair.members.index(ANN.id) + 1) % 2]]
    assert partner == BEN and ann_form.post.title == "Feedback for ben"

    await bot.handle(press(BEN, ann_form.ref, button(ann_form, "Clarity 3")))
    assert chat.last().post.body == "⚠️ This form is ann's; yours is the one that names you."
    await bot.handle(press(ANN, ann_form.ref, button(ann_form, "Clarity 4")))
    assert chat.last().private and chat.last().post.body == "Clarity: 4. Still to score: depth, structure."
    await bot.handle(command(ANN, "mock", "comment Clear and calm; go deeper on trade-offs."))
    assert chat.last().post.body == "Saved: your comment goes to ben with your scores."
    await bot.handle(press(ANN, ann_form.ref, button(ann_form, "Clarity 5")))  # changed her mind before sending
    await bot.handle(press(ANN, ann_form.ref, button(ann_form, "Depth 3")))
    assert not chat.whispers[5:]
    done = press(ANN, ann_form.ref, button(ann_form, "Structure 4"))
    await bot.handle(done)
    assert chat.last().post.body == "Sent to ben privately: Clarity 5/5 · Depth 3/5 · Structure 4/5. +15 points for the mock interview."
    to, feedback = chat.whispers[-1]
    assert to == BEN.id and feedback.body == ("**ann** on your answers: Clarity 5/5 · Depth 3/5 · Structure 4/5\n\n"
                                               "**Comment:** Clear and calm; go deeper on trade-offs.")
    await bot.deliver(done)  # the platform re-delivers the press
    await bot.handle(press(ANN, ann_form.ref, button(ann_form, "Depth 5")))
    assert chat.last().post.body == "⚠️ You already sent this feedback; it cannot change now."
    await bot.handle(command(ANN, "mock", "comment One more thing"))
    assert chat.last().post.body == "⚠️ You already added a comment to this feedback."

    restarted = await make_bot()
    for label in ("Clarity 2", "Depth 4", "Structure 3"):
        await restarted.handle(press(BEN, ben_form.ref, button(ben_form, label)))
    await restarted.handle(command(BEN, "mock", "comment Nice STAR stories."))
    assert chat.last().post.body == "Sent your comment to ann privately."
    assert [(to, p.title) for to, p in chat.whispers[-2:]] == [
        (ANN.id, "Feedback from your mock interview"), (ANN.id, "A comment on your mock interview")]
    ledger = [row for row in await restarted.store.ledger(1) if row[2] == "mock-pair"]
    assert sorted((row[0], row[1]) for row in ledger) == [(ANN.id, 15), (BEN.id, 15)]  # once per member and pair
    await advance(restarted, clock, timedelta(days=2))  # feedback closes: nobody missed it
    assert await restarted.store.noshows_since(1, ANN.id, None) == 0
    await restarted.handle(press(ANN, ann_form.ref, button(ann_form, "Depth 5")))
    assert chat.last().post.body == "⚠️ Feedback for this mock interview has closed."


async def test_a_no_show_twice_sits_out_a_week(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ADA, "mock", SETUP))

    async def week(joined, silent, absent_reported=False, meanwhile=()):
        await join(bot, *joined)
        start = clock.now()
        await advance(bot, clock, timedelta(days=1, hours=3, minutes=40))  # to the end of Saturday's slot
        for rater in joined:
            if rater in silent:
                continue
            sent = form(chat, rater)
            labels = ["Clarity 3", "Depth 3", "Structure 3"] if not absent_reported else [
                next(b.label for b in sent.post.buttons if b.label.endswith("did not show"))]
            for label in labels:
                await bot.handle(press(rater, sent.ref, button(sent, label)))
            chat.sent.remove(sent)  # next week's form for the same member is the one to find
        await join(bot, *meanwhile)  # before the feedback closes on Monday
        await advance(bot, clock, start + timedelta(days=7) - clock.now())  # to the next Friday 07:00

    await week([ANN, BEN], silent=[BEN], absent_reported=True)
    assert chat.last().post.body.startswith("Noted that ben did not show.")
    assert await bot.store.noshows_since(1, BEN.id, None) == 1 and await bot.store.noshows_since(1, ANN.id, None) == 0
    assert not [r for r in await bot.store.ledger(1) if r[2] == "mock-pair"]  # no points without a mock interview
    await week([ANN, BEN, CAT], silent=[BEN], meanwhile=[BEN])
    assert await bot.store.noshows_since(1, BEN.id, None) == 2
    assert chat.whispers[-1][0] == BEN.id and "you sit out pairing until Mon 07 Dec 10:40 (UTC)" in chat.whispers[-1][1].body
    await bot.handle(command(BEN, "mock", "join"))
    assert chat.last().post.body.startswith("⚠️ You missed the feedback of two mock interviews")
    await join(bot, ANN, CAT)
    await advance(bot, clock, timedelta(hours=3))  # BEN joined before his break began: left out all the same
    [pair] = await bot.store.pairs_of(3)
    assert sorted(pair.members) == [ANN.id, CAT.id]
    assert [p.body for to, p in chat.whispers if to == BEN.id][-1] == (
        "No mock interview for you on Sat 05 Dec 10:00 (UTC): after two without feedback you sit out pairing "
        "for a week.")
    await advance(bot, clock, timedelta(days=6))
    await bot.handle(command(BEN, "mock", "join"))  # the week is over
    assert chat.last().post.body.startswith("You are in for the mock interviews on **Sat 12 Dec 10:00 (UTC)**")


async def test_setup_join_and_leave(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ANN, "mock", "join"))
    assert chat.last().post.body.startswith("⚠️ There are no mock interviews in this channel.")
    await bot.handle(command(ANN, "mock", SETUP))
    assert chat.last().post.body == "⚠️ Only admins can use `/mock setup`."
    await bot.handle(command(ADA, "mock", "setup day:sat time:10:00 length:5h"))
    assert chat.last().post.body == "⚠️ `length:` must be from 20m to 3h; you gave 5h."
    await bot.handle(command(ADA, "mock", "setup day:sat,sun time:10:00"))
    assert chat.last().post.body == "⚠️ `day:` `sat,sun` is more than one day: name one, like sat."
    await bot.handle(command(ADA, "mock", "setup day:fri time:09:00"))  # Friday 09:00 is within a day: next week
    assert dict(chat.last().post.fields)["Next"] == "Fri 27 Nov 09:00 (UTC)"
    await join(bot, ANN)
    await bot.handle(command(ANN, "mock", "join"))
    assert chat.last().post.body.startswith("⚠️ You are already in for Fri 27 Nov 09:00 (UTC).")
    await bot.handle(command(ADA, "mock", SETUP))  # moved: who joined keeps their place, at the new slot
    fields = dict(chat.last().post.fields)
    assert fields["Slot"] == "Saturdays 10:00 UTC" and fields["Next"] == "Sat 21 Nov 10:00 (UTC)"
    await bot.handle(command(ANN, "mock", "leave"))
    assert chat.last().post.body == "You are out of the mock interviews on Sat 21 Nov 10:00 (UTC)."
    await bot.handle(command(ANN, "mock", "leave"))
    assert chat.last().post.body.startswith("⚠️ You have not joined the coming mock interviews")
    await bot.handle(command(ANN, "mock", "comment hello"))
    assert chat.last().post.body.startswith("⚠️ There is no mock-interview feedback to comment on right now")
    await join(bot, BEN)
    await advance(bot, clock, timedelta(hours=3))  # alone: no pair this week
    assert chat.rooms == {} and chat.whispers[-1][0] == BEN.id
    assert "nobody else joined, so there is no pair this week" in chat.whispers[-1][1].body
    assert await bot.next_due(clock.now()) is None
