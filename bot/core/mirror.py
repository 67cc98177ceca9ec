"""Reactions mirrored in the store, made to match what the platform shows (the platform wins)."""
from __future__ import annotations


def mirror_changes(stored: list[tuple[str, int]], there: set[tuple[str, int]]):
    """(gone, new) for stored (member, option) reactions against the platform's: the stored ones the
    platform no longer shows, and the platform's that are not stored. New ones come in option order,
    as later than any stored one: the platform does not say which came first."""
    known = set(stored)
    return known - there, sorted(there - known, key=lambda r: (r[1], r[0]))
