"""Reaction polls and the mirror of their reactions."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from .connection import from_iso, iso


@dataclass(frozen=True)
class PollRow:
    id: int
    group_id: int
    channel: str
    number: int
    creator: str
    question: str
    options: tuple[str, ...]
    multi: bool
    message_id: str | None
    status: str
    created_at: datetime
    closes_at: datetime
    announced: bool


def _poll(row) -> PollRow:
    return PollRow(row["id"], row["group_id"], row["channel"], row["number"], row["creator"], row["question"],
                   tuple(json.loads(row["options"])), bool(row["multi"]), row["message_id"], row["status"],
                   from_iso(row["created_at"]), from_iso(row["closes_at"]), bool(row["announced"]))


class PollQueries:
    # ---- polls -------------------------------------------------------------------------------

    async def claim_poll(self, source: str, group_id: int, channel: str, creator: str, question: str,
                         options: tuple[str, ...], multi: bool, created_at: datetime, closes_at: datetime) -> PollRow | None:
        """An open poll and its number for the command `source`; None when that command made one already."""
        poll_id = await self._insert(
            "INSERT INTO polls (group_id, channel, number, creator, question, options, multi, source, status, "
            "created_at, closes_at) VALUES (?, ?, (SELECT coalesce(max(number), 0) + 1 FROM polls WHERE group_id = ?), "
            "?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT DO NOTHING", group_id, channel, group_id, creator, question,
            json.dumps(list(options)), int(multi), source, iso(created_at), iso(closes_at))
        return await self.poll(poll_id) if poll_id else None

    async def poll(self, poll_id: int) -> PollRow:
        return _poll(await self._one("SELECT * FROM polls WHERE id = ?", poll_id))

    async def poll_by_message(self, group_id: int, channel: str, message_id: str) -> PollRow | None:
        row = await self._one("SELECT * FROM polls WHERE group_id = ? AND channel = ? AND message_id = ?",
                              group_id, channel, message_id)
        return _poll(row) if row else None

    async def latest_poll(self, group_id: int, channel: str, open_only: bool = False) -> PollRow | None:
        row = await self._one("SELECT * FROM polls WHERE group_id = ? AND channel = ? "
                              "AND (? = 0 OR status = 'open') ORDER BY number DESC LIMIT 1",
                              group_id, channel, int(open_only))
        return _poll(row) if row else None

    async def open_polls(self) -> list[PollRow]:
        return [_poll(r) for r in await self._all("SELECT * FROM polls WHERE status = 'open' ORDER BY id")]

    async def due_polls(self, now: datetime) -> list[PollRow]:
        rows = await self._all("SELECT * FROM polls WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at, id",
                               iso(now))
        return [_poll(r) for r in rows]

    async def next_poll_deadline(self, after: datetime) -> datetime | None:
        row = await self._one("SELECT min(closes_at) AS at FROM polls WHERE status = 'open' AND closes_at > ?",
                              iso(after))
        return from_iso(row["at"])

    async def close_poll(self, poll_id: int, at: datetime) -> bool:
        """The one status flip: True only for the call that closed it. Closing early moves `closes_at` to `at`."""
        return await self._write("UPDATE polls SET status = 'closed', announced = 1, closes_at = min(closes_at, ?) "
                                 "WHERE id = ? AND status = 'open'", iso(at), poll_id) == 1

    async def due_now(self, poll_id: int, at: datetime) -> bool:
        """Bring an open poll's deadline forward to `at` (/poll close): the due-work path then closes it."""
        return await self._write("UPDATE polls SET closes_at = min(closes_at, ?) WHERE id = ? AND status = 'open'",
                                 iso(at), poll_id) == 1

    async def set_poll_reaction(self, poll_id: int, user_id: str, option: int, on: bool) -> bool:
        """Mirror one reaction; each new one gets the poll's next sequence number, so the latest is known."""
        if on:
            return await self._write(
                "INSERT INTO poll_reactions (poll_id, user_id, option, seq) VALUES (?, ?, ?, "
                "(SELECT coalesce(max(seq), 0) + 1 FROM poll_reactions WHERE poll_id = ?)) ON CONFLICT DO NOTHING",
                poll_id, user_id, option, poll_id) == 1
        return await self._write("DELETE FROM poll_reactions WHERE poll_id = ? AND user_id = ? AND option = ?",
                                 poll_id, user_id, option) == 1

    async def latest_poll_seq(self, poll_id: int, user_id: str) -> int:
        row = await self._one("SELECT coalesce(max(seq), 0) AS seq FROM poll_reactions WHERE poll_id = ? AND user_id = ?",
                              poll_id, user_id)
        return row["seq"]

    async def poll_reactions(self, poll_id: int) -> list[tuple[str, int]]:
        """(member, option) of every standing reaction, oldest first."""
        rows = await self._all("SELECT user_id, option FROM poll_reactions WHERE poll_id = ? ORDER BY seq", poll_id)
        return [(r["user_id"], r["option"]) for r in rows]
