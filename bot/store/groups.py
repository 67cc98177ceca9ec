"""Groups (a Discord guild or a Slack workspace), their members, handled event ids and adapter facts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .connection import iso


@dataclass(frozen=True)
class Group:
    id: int
    platform: str
    external_id: str
    tz: str


class GroupQueries:
    # ---- groups and members --------------------------------------------------------------

    async def group(self, platform: str, external_id: str) -> Group:
        """The group of a guild or workspace, made on first sight (a write: inside a unit of work)."""
        sql = "SELECT * FROM groups WHERE platform = ? AND external_id = ?"
        row = await self._one(sql, platform, external_id)
        if row is None:
            await self._write("INSERT INTO groups (platform, external_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                              platform, external_id)
            row = await self._one(sql, platform, external_id)
        return Group(row["id"], row["platform"], row["external_id"], row["tz"])

    async def group_by_id(self, group_id: int) -> Group:
        row = await self._one("SELECT * FROM groups WHERE id = ?", group_id)
        return Group(row["id"], row["platform"], row["external_id"], row["tz"])

    async def set_group_tz(self, group_id: int, tz: str) -> None:
        await self._write("UPDATE groups SET tz = ? WHERE id = ?", tz, group_id)

    async def remember_member(self, group_id: int, user_id: str, name: str) -> None:
        """Keep a member's latest display name; no write when it is unchanged (most events)."""
        await self._write(
            "INSERT INTO members (group_id, user_id, name) VALUES (?, ?, ?) "
            "ON CONFLICT DO UPDATE SET name = excluded.name WHERE name != excluded.name",
            group_id, user_id, name)

    async def find_member(self, group_id: int, who: str) -> tuple[str, str] | None:
        """A member by id or by name (case-insensitive)."""
        row = await self._one(
            "SELECT user_id, name FROM members WHERE group_id = ? AND (user_id = ? OR lower(name) = lower(?))",
            group_id, who, who)
        return (row["user_id"], row["name"]) if row else None

    async def member_names(self, group_id: int, user_ids) -> dict[str, str]:
        ids = list(user_ids)
        if not ids:
            return {}
        rows = await self._all(
            f"SELECT user_id, name FROM members WHERE group_id = ? AND user_id IN ({','.join('?' * len(ids))})",
            group_id, *ids)
        return {r["user_id"]: r["name"] for r in rows}

    async def first_time(self, key: str, at: datetime) -> bool:
        """True the first time a platform event id is seen: re-delivered commands are dropped."""
        return await self._write("INSERT INTO handled (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING", key, iso(at)) == 1

    async def meta(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM meta WHERE key = ?", key)
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._write("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                          key, value)
