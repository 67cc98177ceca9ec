"""Time: an injectable clock, durations, and the maths of local schedules.

Everything is stored in UTC; days, weeks and streaks are computed in a group's zone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = timezone.utc
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class ManualClock:
    """A clock that only moves when told to: tests and the console step it."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        if when < self.current:
            raise ValueError("time never moves backwards")
        self.current = when


class BadValue(ValueError):
    """A user-supplied value that cannot be understood; the message says what is valid."""


_DURATION = re.compile(r"([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*(d|h|m|s)", re.I)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_DURATION = timedelta(days=3660)  # ten years: past any feature's own limit, far below timedelta's


def parse_duration(text: str) -> timedelta:
    """'30m', '2h', '1d12h', '90s' -> timedelta in whole seconds (always positive, at most ten years)."""
    raw = text.strip().lower().replace(" ", "")
    if raw.startswith("-"):
        raise BadValue(f"`{text}` is negative: a duration counts forward, like 30m, 2h or 1d.")
    if not raw or _DURATION.sub("", raw):
        raise BadValue(f"`{text}` is not a duration: use a number and a unit, like 30m, 2h, 1d or 1d12h.")
    seconds = round(sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(raw)))
    if seconds <= 0:
        raise BadValue(f"`{text}` is zero: a duration must be at least one second." if raw[0] == "0" and
                       not any(c in "123456789" for c in raw) else
                       f"`{text}` is under a second: a duration must be at least 1s.")
    if seconds > MAX_DURATION.total_seconds():
        raise BadValue(f"`{text}` is too long: a duration can be at most {MAX_DURATION.days}d.")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def parse_time(text: str) -> time:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise BadValue(f"`{text}` is not a time of day: use 24-hour HH:MM, from 00:00 to 23:59.")
    return time(int(m[1]), int(m[2]))


_ZONES = {name.casefold(): name for name in available_timezones()}
# Abbreviations people type, and the zone that keeps their local time all year.
_ABBREVIATIONS = {"pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "cst": "America/Chicago",
                  "cdt": "America/Chicago", "edt": "America/New_York", "mdt": "America/Denver",
                  "ist": "Asia/Kolkata", "bst": "Europe/London", "cest": "Europe/Berlin", "jst": "Asia/Tokyo",
                  "aest": "Australia/Sydney", "est": "America/New_York", "mst": "America/Denver",
                  "hst": "Pacific/Honolulu"}
NO_SUMMER_TIME = {"EST", "MST", "HST"}  # real tzdata zones, but fixed offsets: a US group means the city


def parse_zone(text: str) -> ZoneInfo:
    """An IANA zone in any capitalisation ("utc", "europe/berlin"); abbreviations get a suggestion."""
    name = _ZONES.get(text.strip().casefold())
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    hint = _ABBREVIATIONS.get(text.strip().casefold())
    raise BadValue(f"`{text}` is not a time zone I know: " + (f"try {hint}, or " if hint else "") +
                   "use an IANA name such as Europe/Berlin, America/New_York, Asia/Kolkata or UTC.")


def summer_time_note(zone: ZoneInfo) -> str | None:
    """A word for zones that never change their clocks though their region does (EST is not New York)."""
    if zone.key in NO_SUMMER_TIME:
        return f"{zone.key} never follows summer time; for local time all year use {_ABBREVIATIONS[zone.key.lower()]}."
    return None


def parse_days(text: str) -> frozenset[int]:
    """'daily', 'weekdays', 'mon-fri', 'mon,wed,fri', 'sat-sun' -> weekday numbers (Mon=0)."""
    raw = text.strip().lower()
    named = {"daily": "mon-sun", "everyday": "mon-sun", "weekdays": "mon-fri", "weekends": "sat-sun"}
    raw = named.get(raw, raw)
    days: set[int] = set()
    for part in filter(None, raw.split(",")):
        ends = part.split("-")
        if len(ends) > 2 or any(e[:3] not in DAY_NAMES for e in ends):
            raise BadValue(
                f"`{text}` is not a set of days: use daily, weekdays, weekends, a range like mon-fri "
                "or a list like mon,wed,fri."
            )
        first, last = DAY_NAMES.index(ends[0][:3]), DAY_NAMES.index(ends[-1][:3])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    if not days:
        raise BadValue("Name at least one day: daily, weekdays, mon-fri or mon,wed,fri.")
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "daily"
    if days == frozenset(range(5)):
        return "mon-fri"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def at_local(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day.

    In a spring-forward gap the wall time does not exist; it is pushed forward by the gap (02:30
    becomes 03:30). In a fall-back repeat the first of the two instants is used, so it fires once.
    """
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(UTC)  # fold=0 does both


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def occurrences(clock_time: time, zone: ZoneInfo, days: frozenset[int], start: datetime, end: datetime):
    """Scheduled instants in (start, end], oldest first."""
    day = local_date(start, zone) - timedelta(days=1)
    while True:
        instant = at_local(day, clock_time, zone)
        if instant > end:
            return
        if instant > start and day.weekday() in days:
            yield day, instant
        day += timedelta(days=1)


def next_occurrence(clock_time: time, zone: ZoneInfo, days: frozenset[int], after: datetime):
    return next(occurrences(clock_time, zone, days, after, after + timedelta(days=8)), None)


def latest_occurrence(clock_time: time, zone: ZoneInfo, days: frozenset[int], until: datetime):
    """The last scheduled (local day, instant) at or before `until`, within the past eight days."""
    found = None
    for found in occurrences(clock_time, zone, days, until - timedelta(days=8), until):
        pass
    return found


def week_key(instant: datetime, zone: ZoneInfo) -> str:
    year, week, _ = local_date(instant, zone).isocalendar()
    return f"week:{year}-W{week:02d}"


def month_key(instant: datetime, zone: ZoneInfo) -> str:
    return f"month:{local_date(instant, zone):%Y-%m}"
