"""The weekly digest (issue 11): its numbers over a scripted fortnight, exactly once a week across
restarts, the admins' day and time, and a forecast of the coming week that comes true."""
from datetime import datetime, timedelta
from pathlib import Path

from bot.content import load_bank
from bot.core.app import StudyBot
from bot.core.clock import UTC, ManualClock, week_key

from ..conftest import bank
from ..fakes import FakeChat, advance, command, member, react, reply

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")
ADMIN, ALICE, BOB = member("ada", admin=True), member("alice"), member("bob")
CAROL, DAN = member("carol"), member("dan")
SETUP = "setup time:09:00 tz:UTC days:mon-fri topics:open-qs close:2h"


def digests(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Weekly digest")]


def latest_question(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")][-1]


async def until(bot, clock, when: datetime) -> None:
    await advance(bot, clock, when - clock.now())


async def play_day(bot, chat, clock, day: datetime, answers: dict, upvotes: tuple = ()) -> None:
    """At 09:30 on `day`: members answer today's question; (voter, author) pairs upvote."""
    await until(bot, clock, day.replace(hour=9, minute=30))
    thread = f"t-{latest_question(chat).ref.id}"
    posted = {}
    for who, text in answers.items():
        posted[who.id] = reply(who, thread, text)
        await bot.handle(posted[who.id])
    for voter, author in upvotes:
        await bot.handle(react(voter, posted[author.id].message, "👍"))


async def test_the_numbers_of_a_scripted_fortnight(make_bot, chat, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", SETUP))  # Friday 20 Nov: its question goes unanswered
    week1 = datetime(2026, 11, 23, tzinfo=UTC)
    for n in range(5):  # alice every day; bob Mon, Tue, Thu; dan Wed
        day = week1 + timedelta(days=n)
        answers = {ALICE: f"alice's answer for day {n}, @everyone"}
        if n in (0, 1, 3):
            answers[BOB] = f"bob's answer for day {n}"
        if n == 2:
            answers[DAN] = "dan's only answer this week"
        upvotes = ((BOB, ALICE), (DAN, ALICE)) if n == 1 else ((ALICE, BOB),) if n == 3 else ()
        await play_day(bot, chat, clock, day, answers, upvotes)
    await until(bot, clock, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    quiet_week, first = digests(chat)  # the week of the setup had Friday's question, unanswered
    assert quiet_week.post.title == "Weekly digest: Mon 16 Nov to Sun 22 Nov"
    assert dict(quiet_week.post.fields)["Top 5"] == "No points this week."
    fields = dict(first.post.fields)
    assert first.post.title == "Weekly digest: Mon 23 Nov to Sun 29 Nov"
    # alice 5 × 10 + 2 upvotes × 2 + best answer 5; bob 3 × 10 + 1 upvote × 2 + best answer 5; dan 10
    assert fields["Top 5"] == "🥇 **alice** — 59 pts\n🥈 **bob** — 37 pts\n🥉 **dan** — 10 pts"
    assert fields["Longest streaks"] == "🔥 **alice** 5"  # bob and dan missed Friday
    assert fields["Most upvoted answer"] == (
        "“alice's answer for day 1, @\u200beveryone” — **alice** on question #3 (2 👍)")  # quoted, and inert
    assert fields["Participation"] == ("**3** members gave **9** answers to 5 questions: "
                                       "3 more than the week before (0).")
    assert fields["Coming up"] == "Open questions"

    week2 = datetime(2026, 11, 30, tzinfo=UTC)
    for n in range(5):  # carol every day; alice Tue to Fri (her streak restarts); bob and dan none
        answers = {CAROL: f"carol's answer for day {n}"}
        if n:
            answers[ALICE] = f"alice again on day {n}"
        await play_day(bot, chat, clock, week2 + timedelta(days=n), answers)
    await until(bot, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    second = digests(chat)[2].post
    fields = dict(second.fields)
    assert second.title == "Weekly digest: Mon 30 Nov to Sun 06 Dec"
    assert fields["Top 5"] == "🥇 **carol** — 50 pts\n🥈 **alice** — 40 pts"
    assert fields["Longest streaks"] == "🔥 **carol** 5 · 🔥 **alice** 4"
    assert "Most upvoted answer" not in fields  # nobody upvoted this week
    assert fields["Participation"] == ("**2** members gave **9** answers to 5 questions: "
                                       "1 fewer than the week before (3).")
    assert len(digests(chat)) == 3


async def test_exactly_one_digest_across_a_restart_at_the_due_minute(make_bot, chat, clock):
    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 09:00: the default
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", SETUP))
    await play_day(bot, chat, clock, datetime(2026, 11, 20, tzinfo=UTC), {ALICE: "an answer on friday"})

    class Refusing(FakeChat):
        """The platform is unreachable for the digest: its send stays in the outbox."""

        async def send(self, channel, post):
            if post.title.startswith("Weekly digest"):
                raise ConnectionError("the platform is down")
            return await super().send(channel, post)

    down = Refusing(sent=chat.sent, threads=chat.threads, _ids=chat._ids)
    bot = await make_bot(bank=BANK, chat=down)
    await until(bot, clock, due)  # claimed and queued in one commit, but not delivered
    assert digests(chat) == [] and await bot.store.digest_claimed(1, week_key(due, UTC))
    for _ in range(2):  # restarts at the same minute, with the platform back
        bot = await make_bot(bank=BANK)
        await bot.start()
        await bot.run_due(due)
    await advance(bot, clock, timedelta(hours=3))
    assert len(digests(chat)) == 1


async def test_a_digest_missed_while_down_comes_once_within_the_grace(make_bot, chat, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", SETUP))
    await play_day(bot, chat, clock, datetime(2026, 11, 20, tzinfo=UTC), {ALICE: "an answer on friday"})
    await bot.store.close()
    clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))  # down over Monday 09:00
    for _ in range(2):
        bot = await make_bot(bank=BANK)
        await bot.start()
    assert len(digests(chat)) == 1
    await bot.store.close()
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # the next Monday: seven hours late, past the grace
    bot = await make_bot(bank=BANK)
    await bot.start()
    assert len(digests(chat)) == 1


async def test_admins_choose_the_day_and_time_or_turn_it_off(make_bot, chat, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", SETUP))
    await bot.handle(command(ALICE, "qotd", "digest off"))
    assert chat.last().post.body == "⚠️ Only admins can use `/qotd digest`."
    await bot.handle(command(ADMIN, "qotd", "digest day:fri time:17:30"))
    assert chat.last().post.body == "Every Friday at 17:30 (UTC): the next one comes Fri 20 Nov 17:30 (UTC)."
    await play_day(bot, chat, clock, datetime(2026, 11, 20, tzinfo=UTC), {ALICE: "an answer on friday"})
    await until(bot, clock, datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    assert digests(chat) == []  # the week before today had no questions yet: nothing to say
    await until(bot, clock, datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    [digest] = digests(chat)
    assert digest.post.title == "Weekly digest: Fri 20 Nov to Thu 26 Nov"
    assert dict(digest.post.fields)["Top 5"] == "🥇 **alice** — 10 pts"
    await bot.handle(command(ADMIN, "qotd", "digest off"))
    assert chat.last().post.body.startswith("The weekly digest is off in this channel.")
    await until(bot, clock, datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    assert len(digests(chat)) == 1
    await bot.handle(command(ADMIN, "qotd", "digest tomorrow"))
    assert chat.last().post.body == ("⚠️ Use `/qotd digest off`, or `/qotd digest day:mon time:09:00` to choose "
                                     "when it comes.")
    await bot.handle(command(ADMIN, "qotd", "digest day:someday"))
    assert chat.last().post.body.startswith("⚠️ `day:` `someday` is not a set of days")


async def test_the_week_reported_is_the_seven_days_before_the_digest(make_bot, chat, clock):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC days:daily topics:open-qs close:2h"))
    await bot.handle(command(ADMIN, "qotd", "digest day:thu time:08:00"))
    await until(bot, clock, datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    [digest] = digests(chat)
    assert digest.post.title == "Weekly digest: Thu 19 Nov to Wed 25 Nov"
    assert dict(digest.post.fields)["Participation"].endswith("to 6 questions: the same as the week before (0).")


async def test_the_coming_topics_are_the_ones_then_posted(make_bot, chat, clock):
    bot = await make_bot(bank=bank())  # the bundled bank: many topics, picked at random
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC days:daily close:2h"))
    await play_day(bot, chat, clock, datetime(2026, 11, 20, tzinfo=UTC), {ALICE: "an answer on friday"})
    await until(bot, clock, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    [digest] = digests(chat)
    coming = dict(digest.post.fields)["Coming up"]
    await until(bot, clock, datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    posted = [dict(s.post.fields)["Topic"] for s in chat.sent
              if s.kind == "send" and s.post.title.startswith("Question of the day #")][-7:]
    assert coming == ", ".join(dict.fromkeys(posted))


async def test_a_crash_at_any_statement_of_the_due_minute_still_posts_one_digest(tmp_path):
    """Monday 09:00 posts the question and the digest; crash at each SQL statement of that minute in
    turn, restart on the same file: always the same one digest."""
    from .test_reliability import Crash, Fuse, FusedStore, until as through

    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    async def monday(name: str, fuse: Fuse) -> list:
        clock, chat, path = ManualClock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC)), FakeChat(), tmp_path / f"{name}.db"

        async def open_bot():
            store = await FusedStore.open(path)
            store.fuse = fuse
            return StudyBot(store, BANK, chat, clock)

        armed, fuse.at = fuse.at, None
        bot = await open_bot()
        await bot.handle(command(ADMIN, "qotd", SETUP))
        await through(bot, clock, datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
        answer = reply(ALICE, f"t-{latest_question(chat).ref.id}", "an answer on friday")
        chat.apply(answer, clock.now())
        await bot.handle(answer)
        await through(bot, clock, due - timedelta(minutes=1))
        fuse.at, fuse.count = armed, 0
        while True:
            try:
                await through(bot, clock, due + timedelta(minutes=1))
                break
            except Crash:
                await bot.store.close()
                bot = await open_bot()
                await bot.start()
        await bot.store.close()
        return [(s.post.key, s.post.fields) for s in digests(chat)]

    counter = Fuse()
    expected = await monday("base", counter)
    assert len(expected) == 1 and counter.count > 20
    for k in range(1, counter.count + 1):
        assert await monday(f"crash-{k}", Fuse(k)) == expected, f"crash at statement {k} of {counter.count}"
