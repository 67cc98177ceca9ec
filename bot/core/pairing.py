"""Splitting a week's mock-interview sign-ups into pairs (one three when the count is odd), with as
few partners repeated from the week before as the numbers allow.

A branch-and-bound search over groupings: the order is shuffled by a seed (a re-run pairs the same
way), groupings without repeats are tried first, and a branch stops as soon as it cannot beat the
best grouping found. Last week's groups are small and disjoint, so a grouping without repeats,
when one exists, is found almost at once; the node limit only bounds odd corner cases.
"""
from __future__ import annotations

import random
from itertools import combinations
from typing import Iterable

NODE_LIMIT = 20000


def repeats(group: Iterable[str], last: set[frozenset[str]]) -> int:
    """Partners in a group who were partners last week too."""
    return sum(frozenset(p) in last for p in combinations(group, 2))


def pair_up(members: Iterable[str], last: set[frozenset[str]], seed: str) -> list[tuple[str, ...]]:
    """Groups of two, and one of three if the count is odd, covering every member once; each group's
    order is its interview order (each interviews the next, the last the first)."""
    order = sorted(set(members))
    if len(order) < 2:
        return []
    random.Random(seed).shuffle(order)
    best: list = [None, len(order) ** 2]
    nodes = 0

    def search(rest: list[str], groups: list[tuple[str, ...]], cost: int) -> None:
        nonlocal nodes
        nodes += 1
        if cost >= best[1] or nodes > NODE_LIMIT and best[0] is not None:
            return
        if not rest:
            best[:] = [list(groups), cost]
            return
        first, others = rest[0], rest[1:]
        options = [(first, o) for o in others] if len(rest) != 3 else []
        if len(rest) % 2:  # an odd count left: a three has to come somewhere
            options += [(first, a, b) for a, b in combinations(others, 2)]
        for group in sorted(options, key=lambda g: (repeats(g, last), len(g))):
            search([m for m in others if m not in group], groups + [group], cost + repeats(group, last))

    search(order, [], 0)
    return best[0]


def partners(groups: Iterable[tuple[str, ...]]) -> set[frozenset[str]]:
    """Everyone who was in a group together, as pairs."""
    return {frozenset(p) for g in groups for p in combinations(g, 2)}
