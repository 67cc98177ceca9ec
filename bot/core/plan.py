"""The maths of an interview plan: which focus questions to practise on which day, so that every one
is seen before the date and no day asks more than the member's budget.

A day is one practice session. The plan is a forecast that assumes each review goes right (rated
Good); it is recomputed from the member's real cards whenever it is shown, so a miss just brings
that card's review forward next time. Three passes, in order of what matters most:

1. The member's existing cards keep their fsrs due days; an overdue backlog is spread over the
   first days, at most a budget a day.
2. Each question never seen starts a fixed chain of reviews (the day it is seen, the next day, then
   fsrs's growing intervals). It goes on a day where its whole chain fits under every day's budget,
   paced so first sights spread evenly over the weeks before the last one.
3. The last week reviews what the member got wrong, in the room the other two leave.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler

from .clock import at_local

QUESTION_MINUTES = 2  # a choice question read, answered, and its explanation read
STORY_MINUTES = 5  # rehearsing one behavioural story out loud
REVIEW_DAYS = 7  # the last week reviews misses instead of meeting new questions
STORY_DAYS = 14  # behavioural stories join a default plan for its last two weeks
SESSION = time(12)  # when a forecast day's practice happens: mid-day, far from either midnight
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Day:
    day: date
    budget: int  # questions this day may ask
    reviews: tuple[str, ...] = ()  # cards the member already has, due by this day
    new: tuple[str, ...] = ()  # questions seen for the first time
    wrong: tuple[str, ...] = ()  # last week: misses reviewed once more
    chained: int = 0  # reviews of questions first seen earlier in this plan
    story: bool = False  # a behavioural story to rehearse takes STORY_MINUTES of the day

    @property
    def load(self) -> int:
        return len(self.reviews) + len(self.new) + len(self.wrong) + self.chained


@dataclass(frozen=True)
class Plan:
    days: tuple[Day, ...]
    unplaced: tuple[str, ...] = ()  # focus questions the budget leaves no room for before the date
    unreviewed: tuple[str, ...] = ()  # misses the last week has no room to review

    @property
    def review_from(self) -> int:
        """Index of the first day of the last-week review."""
        return max(0, len(self.days) - REVIEW_DAYS)

    def cumulative_new(self) -> list[int]:
        """First sights planned by the end of each day."""
        total, out = 0, []
        for d in self.days:
            total += len(d.new)
            out.append(total)
        return out


def budget(minutes: int, story: bool) -> int:
    return max(1, (minutes - (STORY_MINUTES if story else 0)) // QUESTION_MINUTES)


def _utc(when: datetime) -> datetime:
    return when.astimezone(timezone.utc)  # fsrs insists on UTC


def _good(scheduler: Scheduler, card: Card, when: datetime) -> Card:
    return scheduler.review_card(card, Rating.Good, _utc(when))[0]


class _Calendar:
    """Day boundaries and session instants of the plan's days, in the member's zone."""

    def __init__(self, days: list[date], zone: ZoneInfo, now: datetime):
        self.days, self.now = days, now
        self.ends = [at_local(d + DAY, time(0), zone) for d in days]
        self.sessions = [now] + [at_local(d, SESSION, zone) for d in days[1:]]

    def due_by(self, due: datetime, i: int) -> bool:
        """Today only what is due now can be asked; later days take what falls due before midnight."""
        return due <= self.now if i == 0 else due < self.ends[i]

    def first_day(self, due: datetime, after: int) -> int:
        """The first day after day `after` whose session can ask a card due at `due`."""
        i = after + 1
        while i < len(self.days) and not self.due_by(due, i):
            i += 1
        return i


def chain(scheduler: Scheduler, horizon: int) -> list[int]:
    """Day offsets of a new question's reviews when each goes right on the day it falls due:
    0 (first seen), 1 (its learning step, next session), then fsrs's intervals."""
    start = datetime(2001, 1, 1, 12, tzinfo=timezone.utc)
    card, offsets = _good(scheduler, Card(card_id=1, due=start), start), [0]
    while True:
        # the first session (noon) whose day, midnight to midnight, has begun by the due time
        k = max(offsets[-1] + 1, math.floor((card.due - start - DAY / 2) / DAY) + 1)
        if k >= horizon:
            return offsets
        offsets.append(k)
        card = _good(scheduler, card, start + k * DAY)


def make_plan(*, cards: dict[str, Card], focus: list[str], wrong: set[str], today: date, interview: date,
              zone: ZoneInfo, now: datetime, minutes: int, story_days: int, scheduler: Scheduler,
              done_today: int = 0, new_today: int = 0) -> Plan:
    """Plan the days from `today` to the day before `interview`.

    `cards` are the member's cards by question (only those in `focus` count), `focus` the questions
    to cover in the order to meet them, `wrong` the ones they have missed. `done_today` questions of
    today's budget are used already, `new_today` of them first sights."""
    days = [today + DAY * i for i in range((interview - today).days)]
    if not days:
        return Plan(())
    n = len(days)
    stories = [(interview - d).days <= story_days for d in days]
    caps = [budget(minutes, s) for s in stories]
    caps[0] = max(0, caps[0] - done_today)
    cal = _Calendar(days, zone, now)
    in_focus = set(focus)
    load = [0] * n

    # 1. existing cards: due reviews, at most the budget a day, earliest due first
    state = {q: c for q, c in cards.items() if q in in_focus}
    reviews: list[list[str]] = [[] for _ in days]
    for i in range(n):
        due = sorted((c.due, q) for q, c in state.items() if cal.due_by(c.due, i))[:caps[i]]
        for _, q in due:
            state[q] = _good(scheduler, state[q], cal.sessions[i])
            reviews[i].append(q)
        load[i] = len(reviews[i])

    # 2. first sights: the chain of each must fit under every day's budget
    offsets = chain(scheduler, n)

    def fits(i: int) -> bool:
        return all(load[i + o] < caps[i + o] for o in offsets if i + o < n)

    def place(i: int) -> None:
        for o in offsets:
            if i + o < n:
                load[i + o] += 1
        counts[i] += 1

    unseen = [q for q in focus if q not in cards]
    counts = [0] * n
    before_review = list(range(max(0, n - REVIEW_DAYS))) or list(range(n))
    total, placed = len(unseen) + new_today, new_today
    for k, i in enumerate(before_review):  # evenly paced
        target = math.ceil(total * (k + 1) / len(before_review))
        while placed < target and fits(i):
            place(i)
            placed += 1
    for i in before_review + [i for i in range(n) if i not in before_review]:  # then wherever there is room
        while placed < total and fits(i):
            place(i)
            placed += 1
    left = iter(unseen)
    new = [tuple(next(left) for _ in range(c)) for c in counts]
    unplaced = tuple(left)

    # 3. the last week reviews each miss once, unless a due review already brings it back then
    last = range(n - REVIEW_DAYS, n) if n > REVIEW_DAYS else range(n)
    reviewed_late = {q for i in last for q in reviews[i]}
    wrong_on: list[list[str]] = [[] for _ in days]
    unreviewed = []
    for q in sorted(wrong & set(state) - reviewed_late):
        for i in last:
            follow = _follow_ups(scheduler, state[q], i, cal)
            if load[i] < caps[i] and all(load[j] < caps[j] for j in follow):
                for j in (i, *follow):
                    load[j] += 1
                wrong_on[i].append(q)
                break
        else:
            unreviewed.append(q)

    chained = [load[i] - len(reviews[i]) - len(new[i]) - len(wrong_on[i]) for i in range(n)]
    return Plan(tuple(Day(d, budget(minutes, s), tuple(reviews[i]), new[i], tuple(wrong_on[i]), chained[i], s)
                      for i, (d, s) in enumerate(zip(days, stories))), unplaced, tuple(unreviewed))


def _follow_ups(scheduler: Scheduler, card: Card, i: int, cal: _Calendar) -> list[int]:
    """Days after day `i` on which a card reviewed early on day `i` falls due again, within the plan."""
    out, card = [], _good(scheduler, card, cal.sessions[i])
    j = cal.first_day(card.due, i)
    while j < len(cal.days):
        out.append(j)
        card = _good(scheduler, card, cal.sessions[j])
        j = cal.first_day(card.due, j)
    return out
