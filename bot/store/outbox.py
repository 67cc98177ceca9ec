"""The outbox: what the bot will do on a platform, written in the same commit as the state change.

Each effect has a stable key (unique), so enqueueing it again is a no-op. A `thread` or `target`
that starts with "@" names another effect whose result (a message or thread id) it needs. When an
effect is done, its `record` ("post-message:12") says which row keeps the resulting id; that update
runs in the same transaction that marks the effect done.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import iso

_RECORD = {
    "post-message": "UPDATE posts SET message_id = ? WHERE id = ?",
    "post-thread": "UPDATE posts SET thread_id = ? WHERE id = ?",
    "poll-message": "UPDATE polls SET message_id = ? WHERE id = ?",
    "round-message": "UPDATE quiz_rounds SET message_id = ? WHERE quiz_id = ? AND round = ?",
    "mock-room": "UPDATE mock_pairs SET room = ? WHERE id = ?",
    "blind-answer": "UPDATE replies SET message_id = ? WHERE post_id = ? AND message_id = 'blind:' || ?",
}


@dataclass(frozen=True)
class Effect:
    id: int
    key: str
    op: str  # send | reply | thread | edit | react | unreact | whisper
    platform: str
    group: str
    channel: str
    thread: str | None
    target: str | None
    post: str | None  # Post JSON; the thread's name for `thread`
    emoji: str | None
    member: str | None
    attempts: int


def _effect(row) -> Effect:
    return Effect(row["id"], row["key"], row["op"], row["platform"], row["grp"], row["channel"], row["thread"],
                  row["target"], row["post"], row["emoji"], row["member"], row["attempts"])


class OutboxQueries:
    async def enqueue(self, key: str, op: str, platform: str, group: str, channel: str, at: datetime, *,
                      thread: str | None = None, target: str | None = None, post: str | None = None,
                      emoji: str | None = None, member: str | None = None, record: str | None = None) -> bool:
        if record is not None and record.split(":")[0] not in _RECORD:
            raise ValueError(f"unknown record {record!r}")
        return await self._write(
            "INSERT INTO outbox (key, op, platform, grp, channel, thread, target, post, emoji, member, record, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            key, op, platform, group, channel, thread, target, post, emoji, member, record, iso(at)) == 1

    async def pending_effects(self) -> list[Effect]:
        return [_effect(r) for r in await self._all("SELECT * FROM outbox WHERE status = 'pending' ORDER BY id")]

    async def effect_result(self, key: str) -> str | None:
        row = await self._one("SELECT result FROM outbox WHERE key = ? AND status = 'done'", key)
        return row["result"] if row else None

    async def effect_attempted(self, effect_id: int) -> None:
        """Noted before the platform call: after a crash, an attempted send is looked for, not repeated."""
        await self._write("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", effect_id)

    async def effect_done(self, effect_id: int, result: str | None) -> None:
        row = await self._returning("UPDATE outbox SET status = 'done', result = ? WHERE id = ? AND status = 'pending' "
                                    "RETURNING record", result, effect_id)
        if row is None:
            return
        if row["record"] and result is not None:
            name, _, rest = row["record"].partition(":")
            sql = _RECORD[name]
            args = rest.split(":", sql.count("?") - 2)  # the last may hold colons of its own (a member id)
            await self._write(sql, result, *args)

    async def effect_failed(self, effect_id: int) -> None:
        await self._write("UPDATE outbox SET status = 'failed' WHERE id = ? AND status = 'pending'", effect_id)
