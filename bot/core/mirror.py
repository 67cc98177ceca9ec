"""Reactions mirrored in the store, made to match what the platform shows (the platform wins)."""
from __future__ import annotations


def mirror_changes(stored: list[tuple[str, int]], there: set[tuple[str, int]]):
    """(gone, new) for stored (member, option) reactions against the platform's: the stored ones the
    platform no longer shows, and the platform's that are not stored. New ones come in option order,
    as later than any stored one: the platform does not say which came first."""
    known = set(stored)
    return known - there, sorted(there - known, key=lambda r: (r[1], r[0]))


async def mirror(current: dict[str, set[str]], emojis: tuple[str, ...], stored: list[tuple[str, int]],
                 set_reaction) -> set[tuple[str, int]]:
    """Inside a unit of work: make the stored (member, option) reactions match the platform's `current`
    ones for `emojis`, through `set_reaction(member, option, on)`; returns what the platform shows."""
    there = {(member, emojis.index(emoji)) for emoji, members in current.items() if emoji in emojis
             for member in members}
    gone, new = mirror_changes(stored, there)
    for member, option in gone:
        await set_reaction(member, option, False)
    for member, option in new:
        await set_reaction(member, option, True)
    return there
