"""Trigger maths as table tests: the core's own occurrence maths agrees with APScheduler's CronTrigger
(an independent oracle), including across DST changes; the live scheduler plans one wake-up per instant."""
import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.core.clock import DAY_NAMES, UTC, ManualClock, at_local, next_occurrence, parse_days, parse_zone
from bot.scheduler import LiveScheduler

from .fakes import command, member, react


def cron(at: str, tz: str, days: str) -> CronTrigger:
    hour, minute = at.split(":")
    return CronTrigger(day_of_week=days, hour=int(hour), minute=int(minute), timezone=ZoneInfo(tz))


CASES = [
    # (zone, local time, days, after (UTC), expected next fire (UTC))
    ("Europe/Berlin", "09:00", "mon-fri", "2026-10-23T07:00:00", "2026-10-26T08:00:00"),  # DST ends Sun 25 Oct
    ("Europe/Berlin", "09:00", "daily", "2026-03-28T08:00:00", "2026-03-29T07:00:00"),  # DST starts Sun 29 Mar
    ("America/New_York", "09:00", "daily", "2026-11-01T12:00:00", "2026-11-01T14:00:00"),  # DST ends 1 Nov
    ("Asia/Kolkata", "09:30", "mon,wed,fri", "2026-11-20T04:00:00", "2026-11-23T04:00:00"),
    ("UTC", "00:00", "sat-sun", "2026-11-20T12:00:00", "2026-11-21T00:00:00"),
    ("Europe/Berlin", "09:00", "sat", "2026-10-24T07:00:00", "2026-10-31T08:00:00"),
]


@pytest.mark.parametrize("zone,at,days,after,expected", CASES)
def test_core_and_cron_agree(zone, at, days, after, expected):
    after_dt = datetime.fromisoformat(after).replace(tzinfo=UTC)
    expected_dt = datetime.fromisoformat(expected).replace(tzinfo=UTC)
    hour, minute = map(int, at.split(":"))
    day, instant = next_occurrence(time(hour, minute), parse_zone(zone), parse_days(days), after_dt)
    assert instant == expected_dt
    stored = ",".join(DAY_NAMES[d] for d in sorted(parse_days(days)))  # as bot/core/daily.py stores them
    fire = cron(at, zone, stored).get_next_fire_time(None, after_dt + timedelta(seconds=1))  # inclusive
    assert fire == expected_dt


def test_a_time_in_the_spring_gap_is_pushed_forward():
    """02:30 does not exist in Berlin on 29 Mar 2026: the post comes at 03:30 local, once."""
    instant = at_local(date(2026, 3, 29), time(2, 30), parse_zone("Europe/Berlin"))
    assert instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant.astimezone(parse_zone("Europe/Berlin")).strftime("%H:%M") == "03:30"


async def test_repeat_hour_posts_once_whichever_instant_wakes_us(make_bot, chat):
    """02:30 happens twice in Berlin on 25 Oct 2026. The core takes the first; a wake-up may also come
    at the second. run_due is keyed on the local day, so either wake-up posts the question once."""
    clock = ManualClock(datetime(2026, 10, 24, 23, 0, tzinfo=UTC))
    bot = await make_bot(clock=clock)
    await bot.handle(command(member("ada", admin=True), "qotd", "setup time:02:30 tz:Europe/Berlin"))
    for wake in (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)):
        clock.set(wake)
        await bot.run_due(wake)
    questions = [s for s in chat.sent if s.kind == "send"]
    assert len(questions) == 1 and questions[0].post.title == "Question of the day #1"


def test_repeat_hour_fires_once():
    zone = parse_zone("Europe/Berlin")
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    fires = []
    after = start
    while (nxt := next_occurrence(time(2, 30), zone, parse_days("daily"), after)) and nxt[1] < start + timedelta(days=2):
        fires.append(nxt[1])
        after = nxt[1]
    assert fires == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]


async def test_live_scheduler_plans_one_wakeup_at_the_next_due_instant(make_bot, clock, chat):
    bot = await make_bot()
    admin = member("ada", admin=True)
    await bot.handle(command(admin, "qotd", "setup time:09:00 tz:Europe/Berlin days:mon-fri"))
    live = LiveScheduler(bot)
    try:
        await bot.start()
        live.scheduler.start(paused=True)  # plan, but never fire on wall-clock time in a test
        await live.replan()
        assert [(j.id, j.trigger.run_date) for j in live.scheduler.get_jobs()] == \
            [("next-due", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))]
        clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
        await live.wake()  # what APScheduler calls at that instant
        assert len(chat.sent) == 2  # the setup reply and the question
        assert [(j.id, j.trigger.run_date) for j in live.scheduler.get_jobs()] == \
            [("next-due", datetime(2026, 11, 21, 7, 0, tzinfo=UTC))]  # the close, 23 h later
    finally:
        live.shutdown()


async def test_an_instant_that_is_a_post_a_close_and_a_poll_deadline_does_each_once(make_bot, clock, chat):
    """Issue 7: cron + next-due both woke at a posting instant and posted twice. Now one wake-up is
    planned per instant, and even extra wake-ups at that instant change nothing."""
    bot = await make_bot()
    admin = member("ada", admin=True)
    await bot.handle(command(admin, "qotd", "setup time:09:00 tz:Europe/Berlin days:daily close:24h"))
    live = LiveScheduler(bot)
    try:
        await bot.start()
        live.scheduler.start(paused=True)
        clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
        await live.wake()  # question #1; it closes exactly when #2 is due
        await live.handle(command(admin, "poll", 'question:"Next topic?" options:"Trees | SVMs" duration:24h'))
        poll = chat.last("send").ref
        await live.handle(react(member("bob"), poll, "1️⃣"))
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        assert [j.trigger.run_date for j in live.scheduler.get_jobs()] == [clock.now()]
        await asyncio.gather(live.wake(), live.wake(), bot.run_due(clock.now()))
        titles = [s.post.title for s in chat.sent if s.kind in ("send", "reply")]
        assert titles.count("Question of the day #2") == 1
        assert titles.count("Question #1 is closed") == 1 and titles.count("Question #1 closed") == 1
        assert titles.count("Poll #1 results") == 1
    finally:
        live.shutdown()


async def test_a_command_that_creates_a_deadline_replans_the_wakeups(make_bot, clock):
    bot = await make_bot()
    live = LiveScheduler(bot)
    try:
        await bot.start()
        live.scheduler.start(paused=True)
        await live.replan()
        assert live.scheduler.get_job("next-due") is None
        await live.handle(command(member("ada"), "poll", 'question:"Next topic?" options:"Trees | SVMs" duration:2h'))
        assert live.scheduler.get_job("next-due").trigger.run_date == clock.now() + timedelta(hours=2)
    finally:
        live.shutdown()
