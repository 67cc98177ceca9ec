"""The only package with SQL: aiosqlite in WAL mode, numbered migrations, typed methods.

Every write is idempotent on a natural key (one post per schedule and local day, one answer per
post and member, one ledger row per reason, source and member), so replaying an event or re-running
a job changes nothing. Leaderboards read aggregates maintained in the same transaction as the ledger.

One module per feature holds its queries; `Store` composes them over one connection.
"""
from __future__ import annotations

from .connection import Connection, StoreError, from_iso, iso
from .migrations import MIGRATIONS
from .daily import BLIND, Answer, DailyQueries, PostRow, Reply, Schedule
from .digest import DEFAULT_DIGEST, DigestQueries, DigestSetting
from .goal import GoalQueries, GoalRow
from .groups import Group, GroupQueries
from .mock import CRITERIA, Feedback, MockQueries, MockSession, MockSetup, PairRow
from .outbox import Effect, OutboxQueries
from .polls import PollQueries, PollRow
from .practice import PracticeItem, PracticeQueries
from .quiz import QuizAnswer, QuizQueries, QuizRow, RoundRow
from .selfreview import SelfReviewQueries
from .suggestions import OwnQuestion, SuggestionQueries, own_id
from .scores import LedgerRow, ScoreQueries, Standing, Streak
from .stats import StatsQueries

__all__ = ["Store", "StoreError", "MIGRATIONS", "Group", "Schedule", "PostRow", "Answer", "PollRow", "Standing", "QuizRow", "RoundRow",
           "QuizAnswer", "PracticeItem", "Reply", "Effect", "Streak", "LedgerRow", "iso", "from_iso",
           "DigestSetting", "DEFAULT_DIGEST", "OwnQuestion", "own_id", "GoalRow", "MockSetup", "MockSession",
           "PairRow", "Feedback", "CRITERIA", "BLIND"]


class Store(Connection, GroupQueries, DailyQueries, PollQueries, QuizQueries, PracticeQueries, ScoreQueries,
            StatsQueries, OutboxQueries, DigestQueries, SelfReviewQueries, SuggestionQueries, GoalQueries, MockQueries):
    """Typed access to one SQLite file. Writes go in `transaction()`: one unit of work at a time."""
