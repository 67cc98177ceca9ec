"""An interview date (issue 14): the plan's promises, a scripted member who follows it, progress after
a skipped week, /practice asking the plan first, the nudge, and the countdown on the leaderboard."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler

from bot.content import Bank
from bot.core.chat import MessageRef
from bot.core.clock import at_local
from bot.core.plan import REVIEW_DAYS, budget, make_plan

from ..conftest import bank
from ..fakes import CHANNEL, advance, command, member, press

ALICE, BOB = member("alice"), member("bob")
TOPICS = ("ml-fundamentals", "statistics-probability")
SCHEDULER = Scheduler(enable_fuzzing=False)


def two_topics() -> Bank:
    """The bundled bank cut to two topics' questions (every topic stays known)."""
    full = bank()
    return Bank(topics=full.topics, questions={i: q for i, q in full.questions.items() if q.topic in TOPICS})


def focus_of(b: Bank) -> set[str]:
    return {q.id for q in b.questions.values() if q.kind == "choice"}


def question_of(sent):
    return next(q for q in bank().questions.values() if sent.post.body.endswith(q.prompt))


def click(who, button: str):
    return press(who, MessageRef(CHANNEL, "private"), button)


async def answer_all(bot, chat, clock, who, count: int, topic: str = "", right: bool = True) -> list[str]:
    """Run `/practice count:N` and answer each question ten seconds after it is shown (rated Good)."""
    await bot.handle(command(who, "practice", f"count:{count}" + (f" topic:{topic}" if topic else "")))
    asked = []
    for _ in range(count):
        sent = chat.last()
        question = question_of(sent)
        asked.append(question.id)
        option = question.correct if right else (question.correct + 1) % len(question.choices)
        clock.set(clock.now() + timedelta(seconds=10))
        await bot.handle(click(who, sent.post.buttons[option].id))
    return asked


# ---- the plan, computed --------------------------------------------------------------------------

def test_a_plan_never_asks_more_than_the_budget_and_meets_every_focus_question():
    """A scripted member: 30 cards already (10 overdue, 5 of them missed), 60 more to meet, six weeks."""
    now = datetime(2026, 11, 20, 7, tzinfo=timezone.utc)
    focus = [f"q{i:02d}" for i in range(90)]
    cards = {}
    for i, q in enumerate(focus[:30]):
        seen = now - timedelta(days=20 - i % 10)
        card = SCHEDULER.review_card(Card(card_id=i, due=seen), Rating.Good, seen)[0]
        cards[q] = SCHEDULER.review_card(card, Rating.Good, seen + timedelta(days=1))[0]
    wrong = set(focus[:5])
    plan = make_plan(cards=cards, focus=focus, wrong=wrong, today=date(2026, 11, 20), interview=date(2027, 1, 1),
                     zone=ZoneInfo("Europe/Berlin"), now=now, minutes=30, story_days=14, scheduler=SCHEDULER)
    assert len(plan.days) == 42 and plan.days[-1].day == date(2026, 12, 31)
    assert all(d.load <= d.budget == budget(30, d.story) for d in plan.days)
    assert [d.story for d in plan.days] == [False] * 28 + [True] * 14
    met = [q for d in plan.days for q in d.new]
    assert sorted(met) == focus[30:] and plan.unplaced == ()  # every question unseen so far, each once
    assert all(not d.new for d in plan.days[-REVIEW_DAYS:])  # the last week meets nothing new
    last_week = [q for d in plan.days[-REVIEW_DAYS:] for q in d.reviews + d.wrong]
    assert wrong <= set(last_week) and plan.unreviewed == ()
    assert sum(len(d.reviews) for d in plan.days[:3]) >= 10  # the overdue backlog comes first
    assert plan.cumulative_new()[-1] == 60


def test_a_budget_too_small_says_what_does_not_fit():
    now = datetime(2026, 11, 20, 7, tzinfo=timezone.utc)
    focus = [f"q{i:03d}" for i in range(200)]
    plan = make_plan(cards={}, focus=focus, wrong=set(), today=date(2026, 11, 20), interview=date(2026, 12, 4),
                     zone=ZoneInfo("UTC"), now=now, minutes=10, story_days=-1, scheduler=SCHEDULER)
    assert all(d.load <= d.budget for d in plan.days)
    assert len(plan.unplaced) + sum(len(d.new) for d in plan.days) == 200 and plan.unplaced


# ---- a member who follows it -----------------------------------------------------------------------

async def test_a_member_who_follows_the_plan_sees_every_focus_question_within_budget(make_bot, chat, clock):
    b = two_topics()
    bot = await make_bot(bank=b)
    interview = date(2026, 12, 25)  # five weeks from Friday 20 November
    await bot.handle(command(ALICE, "goal", f"date:{interview} minutes:10 topics:{','.join(TOPICS)}"))
    plan = chat.last()
    assert plan.private and plan.post.title == "Your plan to Fri 25 Dec 2026"
    assert "Every one of the 44 questions in your focus comes up at least once" in plan.post.body
    assert ("Daily budget", "5 questions (10 min, about 2 min each)") in plan.post.fields
    focus, group = focus_of(b), await bot.store.group("test", "g1")
    day = date(2026, 11, 20)
    while day < interview:
        # practise at noon, a minute later each day: earlier answers' due times have passed by then
        clock.set(at_local(day, time(12, (day - date(2026, 11, 20)).days), ZoneInfo("UTC")))
        cards = await bot.store.cards_of(group.id, ALICE.id)
        due = [q for q, when in cards if when <= clock.now() and q in focus]
        today = await bot.goal.today(group, ALICE.id, clock.now())
        assert len(due) <= 5 and len(today) <= 5, day  # the due load never exceeds the budget
        assert {q for q, review in today if review} == set(due)
        if today:
            asked = await answer_all(bot, chat, clock, ALICE, len(today))
            assert asked == [q for q, _ in today]  # the plan's questions, in its order
        day += timedelta(days=1)
    seen = {q for q, _ in await bot.store.cards_of(group.id, ALICE.id)}
    assert seen == focus  # every focus question seen by the date


async def test_progress_after_a_skipped_week_says_behind(make_bot, chat, clock):
    b = two_topics()
    bot = await make_bot(bank=b)
    await bot.handle(command(ALICE, "goal", "date:2027-01-15 minutes:20"))
    group = await bot.store.group("test", "g1")
    for _ in range(3):  # three days on plan
        await answer_all(bot, chat, clock, ALICE, len(await bot.goal.today(group, ALICE.id, clock.now())))
        await advance(bot, clock, timedelta(days=1))
    await bot.handle(command(ALICE, "goal"))
    progress = dict(chat.last().post.fields)["Progress"]
    assert progress.startswith("✅ On track:"), progress
    await advance(bot, clock, timedelta(days=7))  # a week without practice
    await bot.handle(command(ALICE, "goal"))
    post = chat.last().post
    progress = dict(post.fields)["Progress"]
    assert progress.startswith("⚠️ Behind by **"), progress
    behind = int(progress.split("**")[1].split()[0])
    assert behind >= 7 and "new ones the plan had you see by yesterday" in progress
    assert post.title == "Your plan to Fri 15 Jan 2027" and "**46 days to go.**" in post.body


# ---- the commands ---------------------------------------------------------------------------------

async def test_setting_changing_and_clearing_a_goal(make_bot, chat, clock):
    bot = await make_bot()
    for text, error in [
        ("", "You have no interview date yet. Set one with `/goal date:2027-01-15`"),
        ("minutes:30", "Say when the interview is: `/goal date:2027-01-15`."),
        ("date:2026-11-20", "The interview date must be after today (Fri 20 Nov 2026 in UTC)."),
        ("date:2028-01-01", "A plan reaches at most 366 days ahead; set a date by 2027-11-21."),
        ("date:2027-01-15 topics:cooking", "Unknown topic `cooking`."),
        ("date:2027-01-15 topics:behavioural", "A plan needs topics with choice questions to practise"),
        ("date:15/01/2027", "`date:` `15/01/2027` is not a date: use YYYY-MM-DD, like 2027-01-15."),
        ("date:2027-01-15 minutes:2", "`minutes:` `2` is not a whole number from 5 to 240."),
    ]:
        await bot.handle(command(ALICE, "goal", text))
        assert chat.last().private and error in chat.last().post.body, (text, chat.last().post.body)
    await bot.handle(command(ALICE, "goal", "date:2026-12-18 topics:statistics-probability,behavioural"))
    post = chat.last().post
    assert "**28 days to go.** Every one of the 22 questions in your focus" in post.body
    assert ("Focus", "22 questions in 2 topics; 0 seen") in post.fields
    assert "a behavioural story" in dict(post.fields)["Today"]  # chosen explicitly: every day
    await bot.handle(command(ALICE, "goal", "minutes:30"))  # the date stays
    assert chat.last().post.title == "Your plan to Fri 18 Dec 2026"
    assert ("Daily budget", "12 questions (30 min, about 2 min each)") in chat.last().post.fields
    await bot.handle(command(ALICE, "goal", "clear"))
    assert chat.last().post.body.startswith("Removed your interview date")
    await bot.handle(command(ALICE, "goal", "clear"))
    assert chat.last().post.body == "⚠️ You have no interview date to clear."
    assert await bot.store.goal(1, ALICE.id) is None


async def test_a_default_focus_adds_behavioural_stories_in_the_last_two_weeks(make_bot, chat, clock):
    bot = await make_bot(bank=two_topics())
    await bot.handle(command(ALICE, "goal", "date:2026-12-25"))
    body = chat.last().post.body
    weeks = [line for line in body.splitlines() if line.startswith("**")][1:]
    assert [("a behavioural story a day" in w) for w in weeks] == [False, False, False, True, True]
    assert weeks[-1].startswith("**Last week** · Fri 18 Dec–Thu 24 Dec:")


async def test_practice_asks_the_plan_first(make_bot, chat, clock):
    b = two_topics()
    bot = await make_bot(bank=b)
    await answer_all(bot, chat, clock, BOB, 1)  # bob's cards are his own
    [missed] = await answer_all(bot, chat, clock, ALICE, 1, topic="ml-fundamentals", right=False)  # outside the focus
    await advance(bot, clock, timedelta(minutes=5))  # it is due again
    await bot.handle(command(ALICE, "goal", "date:2027-01-15 topics:statistics-probability"))
    group = await bot.store.group("test", "g1")
    planned = [q for q, _ in await bot.goal.today(group, ALICE.id, clock.now())]
    assert planned and all(b.questions[q].topic == "statistics-probability" for q in planned)
    await bot.handle(command(ALICE, "practice", "count:1"))
    assert "1 of them are today's plan to your interview." in chat.last().post.body
    assert question_of(chat.last()).id == planned[0]
    asked = await answer_all(bot, chat, clock, ALICE, len(planned) + 1)
    assert asked == planned + [missed]  # the plan first, then the usual due cards
    await bot.handle(command(ALICE, "practice", "topic:ml-fundamentals"))  # a topic: the usual order
    assert "today's plan" not in chat.last().post.body


async def test_the_nudge_is_private_once_a_day_and_skipped_after_practice(make_bot, chat, clock):
    bot = await make_bot(bank=two_topics())
    await bot.handle(command(ALICE, "goal", "remind time:08:00"))
    assert chat.last().post.body.startswith("⚠️ Set your interview date first")
    await bot.handle(command(ALICE, "goal", "date:2027-01-15"))
    await bot.handle(command(ALICE, "goal", "remind time:08:00 tz:Europe/Berlin"))  # 07:00 UTC: just passed
    assert "at 08:00 (Europe/Berlin) on days you have not practised yet" in chat.last().post.body
    await advance(bot, clock, timedelta(hours=24))  # Saturday 08:00 Berlin
    assert len(chat.whispers) == 1 and chat.whispers[0][0] == ALICE.id
    nudge = chat.whispers[0][1]
    assert nudge.title == "Today's practice" and "/practice count:" in nudge.body
    assert nudge.footer.startswith("55 days to interview.")
    await bot.run_due(clock.now())  # another wake-up at the same instant
    restarted = await make_bot(bank=two_topics())
    await restarted.run_due(clock.now())  # and a restart
    assert len(chat.whispers) == 1
    await advance(restarted, clock, timedelta(hours=23))  # Sunday 07:00 Berlin: practise before the nudge
    await answer_all(restarted, chat, clock, ALICE, 1)
    await advance(restarted, clock, timedelta(hours=1))
    assert len(chat.whispers) == 1  # skipped: already practised today
    await restarted.handle(command(ALICE, "goal", "remind time:off"))
    assert await restarted.next_due(clock.now()) is None


async def test_the_leaderboard_and_stats_count_down_to_the_interview(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ALICE, "leaderboard"))
    assert chat.last().post.footer == ""
    await bot.handle(command(ALICE, "goal", "date:2026-12-01"))
    await bot.handle(command(ALICE, "leaderboard"))
    assert chat.last().post.footer == "alice: 11 days to interview"
    await bot.handle(command(BOB, "leaderboard"))
    assert chat.last().post.footer == ""
    await bot.handle(command(BOB, "stats", "alice"))
    assert "🎯 11 days to interview" in chat.last().post.body
    await advance(bot, clock, timedelta(days=11))
    await bot.handle(command(ALICE, "leaderboard"))
    assert chat.last().post.footer == "alice: Interview today — good luck!"
    await bot.handle(command(ALICE, "goal"))
    assert chat.last().post.body.startswith("Your interview is today — good luck!")
