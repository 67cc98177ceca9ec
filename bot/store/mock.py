"""Mock-interview pairs: a channel's weekly slot, who joined each week, the pairs, the interviewer
packs, feedback, no-shows and the week-long breaks they lead to.

Natural keys keep everything once: one session per (setup, slot date), one entry per (session,
member), pairs numbered within their session, one pack per (pair, interviewer), one feedback per
(pair, rater), one no-show per (pair, member). A pair's steps (roles swap, feedback asked, feedback
closed) are claimed by moving its `stage` on from the value the caller saw. What falls due next is
kept as an instant (a session's `pair_at`, a pair's `due_at`), so a wake-up asks one indexed query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .connection import from_iso, iso


@dataclass(frozen=True)
class MockSetup:
    id: int
    group_id: int
    channel: str
    day: int  # Monday = 0
    at_time: str  # "HH:MM" in tz
    tz: str
    length_seconds: int


@dataclass(frozen=True)
class MockSession:
    id: int
    setup_id: int
    slot_date: date
    slot_at: datetime
    pair_at: datetime
    length_seconds: int
    status: str  # open (members join) | paired | cancelled


@dataclass(frozen=True)
class PairRow:
    id: int
    session_id: int
    number: int
    members: tuple[str, ...]  # in role order: each interviews the next, the last the first
    topics: tuple[str, ...]
    room: str | None  # the private conversation, once the platform has opened it
    stage: int  # steps done: roles swapped len(members) - 1 times, then feedback asked, then closed
    closed: bool  # no step left
    group_id: int
    channel: str
    slot_at: datetime
    length_seconds: int


@dataclass(frozen=True)
class Feedback:
    rater: str
    target: str
    scores: tuple[int | None, int | None, int | None]  # clarity, depth, structure
    comment: str | None
    absent: bool  # the rater said their partner did not show up
    sent_at: datetime | None


CRITERIA = ("clarity", "depth", "structure")

_SETUP = "SELECT * FROM mock_setups "
_SESSION = "SELECT * FROM mock_sessions "
_PAIR = ("SELECT p.*, u.group_id, u.channel, s.slot_at, s.length_seconds FROM mock_pairs p "
         "JOIN mock_sessions s ON s.id = p.session_id JOIN mock_setups u ON u.id = s.setup_id ")


def _setup(r) -> MockSetup:
    return MockSetup(r["id"], r["group_id"], r["channel"], r["day"], r["at_time"], r["tz"], r["length_seconds"])


def _session(r) -> MockSession:
    return MockSession(r["id"], r["setup_id"], date.fromisoformat(r["slot_date"]), from_iso(r["slot_at"]),
                       from_iso(r["pair_at"]), r["length_seconds"], r["status"])


def _pair(r) -> PairRow:
    return PairRow(r["id"], r["session_id"], r["number"], tuple(r["members"].split(",")),
                   tuple(t for t in r["topics"].split(",") if t), r["room"], r["stage"], r["due_at"] is None,
                   r["group_id"], r["channel"], from_iso(r["slot_at"]), r["length_seconds"])


class MockQueries:
    # ---- the weekly slot -------------------------------------------------------------------------

    async def save_mock_setup(self, group_id: int, channel: str, day: int, at_time: str, tz: str,
                              length_seconds: int) -> MockSetup:
        await self._write(
            "INSERT INTO mock_setups (group_id, channel, day, at_time, tz, length_seconds) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET day = excluded.day, at_time = excluded.at_time, tz = excluded.tz, "
            "length_seconds = excluded.length_seconds", group_id, channel, day, at_time, tz, length_seconds)
        return await self.mock_setup_for(group_id, channel)

    async def mock_setup_for(self, group_id: int, channel: str) -> MockSetup | None:
        row = await self._one(_SETUP + "WHERE group_id = ? AND channel = ?", group_id, channel)
        return _setup(row) if row else None

    async def mock_setup(self, setup_id: int) -> MockSetup:
        return _setup(await self._one(_SETUP + "WHERE id = ?", setup_id))

    # ---- weekly sessions and who joined -----------------------------------------------------------

    async def mock_session(self, setup_id: int, slot_date: date, slot_at: datetime, pair_at: datetime,
                           length_seconds: int) -> MockSession:
        """The session of a slot, made on first use."""
        await self._write("INSERT INTO mock_sessions (setup_id, slot_date, slot_at, pair_at, length_seconds) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          setup_id, slot_date.isoformat(), iso(slot_at), iso(pair_at), length_seconds)
        return _session(await self._one(_SESSION + "WHERE setup_id = ? AND slot_date = ?", setup_id,
                                        slot_date.isoformat()))

    async def mock_session_by_id(self, session_id: int) -> MockSession:
        return _session(await self._one(_SESSION + "WHERE id = ?", session_id))

    async def open_mock_sessions(self, setup_id: int) -> list[MockSession]:
        rows = await self._all(_SESSION + "WHERE status = 'open' AND setup_id = ? ORDER BY slot_at", setup_id)
        return [_session(r) for r in rows]

    async def reslot_mock_session(self, session_id: int, slot_date: date, slot_at: datetime, pair_at: datetime,
                                  length_seconds: int) -> None:
        await self._write("UPDATE mock_sessions SET slot_date = ?, slot_at = ?, pair_at = ?, length_seconds = ? "
                          "WHERE id = ?", slot_date.isoformat(), iso(slot_at), iso(pair_at), length_seconds, session_id)

    async def due_mock(self, now: datetime) -> tuple[list[int], list[int]]:
        """(sessions due to be paired, pairs with a step due) at `now`."""
        rows = await self._all("SELECT 's' AS kind, id FROM mock_sessions WHERE status = 'open' AND pair_at <= ? "
                               "UNION ALL SELECT 'p', id FROM mock_pairs WHERE due_at <= ? ORDER BY 1 DESC, 2",
                               iso(now), iso(now))
        return [r["id"] for r in rows if r["kind"] == "s"], [r["id"] for r in rows if r["kind"] == "p"]

    async def next_mock(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(at) AS at FROM (SELECT min(pair_at) AS at FROM mock_sessions "
                              "WHERE status = 'open' AND pair_at > ? UNION ALL "
                              "SELECT min(due_at) FROM mock_pairs WHERE due_at > ?)", iso(after), iso(after))
        return from_iso(row["at"])

    async def settle_mock_session(self, session_id: int, status: str) -> bool:
        """Claim an open session for pairing (or cancel it): True for the one caller that did."""
        return await self._write("UPDATE mock_sessions SET status = ? WHERE id = ? AND status = 'open'",
                                 status, session_id) == 1

    async def previous_mock_session(self, setup_id: int, before: datetime) -> MockSession | None:
        row = await self._one(_SESSION + "WHERE setup_id = ? AND status = 'paired' AND slot_at < ? "
                              "ORDER BY slot_at DESC LIMIT 1", setup_id, iso(before))
        return _session(row) if row else None

    async def join_mock(self, session_id: int, user_id: str, at: datetime) -> bool:
        return await self._write("INSERT INTO mock_entries (session_id, user_id, joined_at) VALUES (?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", session_id, user_id, iso(at)) == 1

    async def leave_mock(self, session_id: int, user_id: str) -> bool:
        return await self._write("DELETE FROM mock_entries WHERE session_id = ? AND user_id = ?",
                                 session_id, user_id) == 1

    async def mock_entrants(self, session_id: int) -> list[str]:
        rows = await self._all("SELECT user_id FROM mock_entries WHERE session_id = ? ORDER BY joined_at, user_id",
                               session_id)
        return [r["user_id"] for r in rows]

    # ---- pairs -----------------------------------------------------------------------------------

    async def add_pair(self, session_id: int, number: int, members: tuple[str, ...], topics: tuple[str, ...],
                       due_at: datetime) -> int:
        await self._write("INSERT INTO mock_pairs (session_id, number, members, topics, due_at) VALUES (?, ?, ?, ?, ?) "
                          "ON CONFLICT DO NOTHING", session_id, number, ",".join(members), ",".join(topics), iso(due_at))
        row = await self._one("SELECT id FROM mock_pairs WHERE session_id = ? AND number = ?", session_id, number)
        return row["id"]

    async def pairs_of(self, session_id: int) -> list[PairRow]:
        return [_pair(r) for r in await self._all(_PAIR + "WHERE p.session_id = ? ORDER BY p.number", session_id)]

    async def mock_pair(self, pair_id: int) -> PairRow | None:
        row = await self._one(_PAIR + "WHERE p.id = ?", pair_id)
        return _pair(row) if row else None

    async def latest_pair_of(self, group_id: int, user_id: str) -> PairRow | None:
        """The member's most recent pair in this group (members are stored comma-joined)."""
        row = await self._one(_PAIR + "WHERE u.group_id = ? AND ',' || p.members || ',' LIKE ? "
                              "ORDER BY s.slot_at DESC, p.id DESC LIMIT 1", group_id, f"%,{user_id},%")
        return _pair(row) if row else None

    async def advance_pair(self, pair_id: int, seen: int, due_at: datetime | None) -> bool:
        """Claim a pair's next step: True for the one caller that moved it on from `seen`. `due_at` is
        when the step after falls due (None: there is none, the pair is closed)."""
        return await self._write("UPDATE mock_pairs SET stage = stage + 1, due_at = ? WHERE id = ? AND stage = ?",
                                 due_at and iso(due_at), pair_id, seen) == 1

    # ---- interviewer packs -------------------------------------------------------------------------

    async def save_pack(self, pair_id: int, interviewer: str, candidate: str, questions: list[str]) -> None:
        await self._write("INSERT INTO mock_packs (pair_id, interviewer, candidate, questions) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT DO NOTHING", pair_id, interviewer, candidate, ",".join(questions))

    async def asked_of(self, group_id: int, candidate: str) -> set[str]:
        """Questions a member was already asked as a candidate in this group's mock interviews."""
        rows = await self._all(
            "SELECT k.questions FROM mock_packs k JOIN mock_pairs p ON p.id = k.pair_id "
            "JOIN mock_sessions s ON s.id = p.session_id JOIN mock_setups u ON u.id = s.setup_id "
            "WHERE u.group_id = ? AND k.candidate = ?", group_id, candidate)
        return {q for r in rows for q in r["questions"].split(",") if q}

    # ---- feedback ----------------------------------------------------------------------------------

    async def feedback(self, pair_id: int, rater: str) -> Feedback | None:
        r = await self._one("SELECT * FROM mock_feedback WHERE pair_id = ? AND rater = ?", pair_id, rater)
        if r is None:
            return None
        return Feedback(r["rater"], r["target"], tuple(r[c] for c in CRITERIA), r["comment"], bool(r["absent"]),
                        from_iso(r["sent_at"]))

    async def _feedback_row(self, pair_id: int, rater: str, target: str) -> None:
        await self._write("INSERT INTO mock_feedback (pair_id, rater, target) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                          pair_id, rater, target)

    async def rate(self, pair_id: int, rater: str, target: str, criterion: str, score: int) -> bool:
        """One score of a feedback not yet sent; False once it has gone to the partner."""
        if criterion not in CRITERIA:
            raise ValueError(criterion)
        await self._feedback_row(pair_id, rater, target)
        return await self._write(f"UPDATE mock_feedback SET {criterion} = ? WHERE pair_id = ? AND rater = ? "
                                 "AND sent_at IS NULL", score, pair_id, rater) == 1

    async def comment(self, pair_id: int, rater: str, target: str, text: str) -> bool:
        """The rater's one comment; False when they already gave one."""
        await self._feedback_row(pair_id, rater, target)
        return await self._write("UPDATE mock_feedback SET comment = ? WHERE pair_id = ? AND rater = ? "
                                 "AND comment IS NULL", text, pair_id, rater) == 1

    async def report_absent(self, pair_id: int, rater: str, target: str, at: datetime) -> bool:
        """The rater's partner did not show: their feedback is done, without scores. True once."""
        await self._feedback_row(pair_id, rater, target)
        return await self._write("UPDATE mock_feedback SET absent = 1, sent_at = ? WHERE pair_id = ? AND rater = ? "
                                 "AND sent_at IS NULL", iso(at), pair_id, rater) == 1

    async def send_feedback(self, pair_id: int, rater: str, at: datetime) -> bool:
        """Claim the sending of a complete feedback: True once."""
        return await self._write(
            "UPDATE mock_feedback SET sent_at = ? WHERE pair_id = ? AND rater = ? AND sent_at IS NULL "
            "AND clarity IS NOT NULL AND depth IS NOT NULL AND structure IS NOT NULL", iso(at), pair_id, rater) == 1

    # ---- no-shows and breaks -----------------------------------------------------------------------

    async def record_noshow(self, group_id: int, pair_id: int, user_id: str, at: datetime) -> bool:
        return await self._write("INSERT INTO mock_noshows (group_id, pair_id, user_id, at) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", group_id, pair_id, user_id, iso(at)) == 1

    async def noshows_since(self, group_id: int, user_id: str, since: datetime | None) -> int:
        row = await self._one("SELECT count(*) AS n FROM mock_noshows WHERE group_id = ? AND user_id = ? AND at > ?",
                              group_id, user_id, iso(since) if since else "")
        return row["n"]

    async def mock_break(self, group_id: int, user_id: str) -> tuple[datetime, datetime] | None:
        """(since, until) of a member's latest break from pairing."""
        row = await self._one("SELECT since, until FROM mock_breaks WHERE group_id = ? AND user_id = ? "
                              "ORDER BY since DESC LIMIT 1", group_id, user_id)
        return (from_iso(row["since"]), from_iso(row["until"])) if row else None

    async def start_break(self, group_id: int, user_id: str, since: datetime, until: datetime) -> bool:
        return await self._write("INSERT INTO mock_breaks (group_id, user_id, since, until) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", group_id, user_id, iso(since), iso(until)) == 1
