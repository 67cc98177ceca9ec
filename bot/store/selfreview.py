"""Self-review of open questions: one verdict per (post, member), the first one pressed."""
from __future__ import annotations

from datetime import datetime

from .connection import iso
from .daily import PostRow, _post


class SelfReviewQueries:
    async def group_post(self, group_id: int, post_id: int) -> PostRow | None:
        """A question of the day of this group (a button's id is forgeable: never trust it across groups)."""
        row = await self._one("SELECT p.* FROM posts p JOIN schedules s ON s.id = p.schedule_id "
                              "WHERE p.id = ? AND s.group_id = ?", post_id, group_id)
        return _post(row) if row else None

    async def record_self_review(self, post_id: int, user_id: str, choice: int, at: datetime) -> bool:
        """True the first time a member judges their answer to a post."""
        return await self._write("INSERT INTO self_reviews (post_id, user_id, choice, at) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", post_id, user_id, choice, iso(at)) == 1

    async def self_review(self, post_id: int, user_id: str) -> int | None:
        row = await self._one("SELECT choice FROM self_reviews WHERE post_id = ? AND user_id = ?", post_id, user_id)
        return row["choice"] if row else None
