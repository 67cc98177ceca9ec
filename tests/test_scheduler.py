"""Trigger maths as table tests: the core's own occurrence maths and APScheduler's CronTrigger agree,
including across DST changes; job bodies are the core's run_due, tested directly elsewhere."""
from datetime import date, datetime, time, timedelta

import pytest

from bot.core.clock import DAY_NAMES, UTC, ManualClock, at_local, next_occurrence, parse_days, parse_zone
from bot.scheduler import LiveScheduler, cron_for
from bot.store import Schedule

from .fakes import CHANNEL, command, member


def schedule(at: str, tz: str, days: str = "mon,tue,wed,thu,fri,sat,sun") -> Schedule:
    return Schedule(1, 1, "c", at, tz, days, (), 3600, False, 1, datetime(2020, 1, 1, tzinfo=UTC))


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
    fire = cron_for(schedule(at, zone, stored)).get_next_fire_time(None, after_dt + timedelta(seconds=1))  # inclusive
    assert fire == expected_dt


def test_a_time_in_the_spring_gap_is_pushed_forward():
    """02:30 does not exist in Berlin on 29 Mar 2026: the post comes at 03:30 local, once."""
    instant = at_local(date(2026, 3, 29), time(2, 30), parse_zone("Europe/Berlin"))
    assert instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant.astimezone(parse_zone("Europe/Berlin")).strftime("%H:%M") == "03:30"


async def test_repeat_hour_posts_once_whichever_instant_wakes_us(make_bot, chat):
    """02:30 happens twice in Berlin on 25 Oct 2026. The core takes the first; APScheduler may wake
    at the second. run_due is keyed on the local day, so either wake-up posts the question once."""
    clock = ManualClock(datetime(2026, 10, 24, 23, 0, tzinfo=UTC))
    bot = await make_bot(clock=clock)
    await bot.handle(command(member("ada", admin=True), "qotd", "setup time:02:30 tz:Europe/Berlin"))
    cron = cron_for(await bot.store.schedule(1)).get_next_fire_time(None, clock.now())
    assert cron.astimezone(UTC) in (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
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


async def test_live_scheduler_plans_cron_and_next_due(make_bot, clock, chat):
    bot = await make_bot()
    admin = member("ada", admin=True)
    await bot.handle(command(admin, "qotd", "setup time:09:00 tz:Europe/Berlin days:mon-fri"))
    live = LiveScheduler(bot)
    try:
        await bot.start()
        live.scheduler.start(paused=True)  # plan, but never fire on wall-clock time in a test
        await live.replan()
        cron = live.scheduler.get_job("qotd:1").trigger  # APScheduler plans on wall-clock time; ask it about ours
        assert cron.get_next_fire_time(None, clock.now()) == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
        assert live.scheduler.get_job("next-due").trigger.run_date == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
        clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
        await live.wake()  # what APScheduler calls at that instant
        assert len(chat.sent) == 2  # the setup reply and the question
        cron = live.scheduler.get_job("qotd:1").trigger
        assert cron.get_next_fire_time(None, clock.now() + timedelta(seconds=1)) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
        assert live.scheduler.get_job("next-due").trigger.run_date == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
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
