"""Liveness for container health checks: a running platform adapter touches a heartbeat file while it
is connected, and `studybot health` says whether that happened recently. A hung event loop or a
gateway that never came back stops the touches, which a check of the process alone would miss."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Callable

EVERY = 30.0  # seconds between touches
STALE = 120.0  # a heartbeat older than this is a failed check


def heartbeat_path(database: Path) -> Path:
    """Next to the database, so it sits on the same volume in a container."""
    return database.with_name(database.name + ".alive")


async def beat(path: Path, alive: Callable[[], bool], every: float = EVERY) -> None:
    """Touch `path` every `every` seconds while `alive()`; runs until cancelled."""
    while True:
        if alive():
            path.touch()
        await asyncio.sleep(every)


def check(path: Path, now: float | None = None, stale: float = STALE) -> str | None:
    """What is wrong, in one line, or None when the heartbeat is fresh."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return f"unhealthy: no heartbeat at {path} (the bot is not connected, or has not started yet)"
    if age > stale:
        return f"unhealthy: the last heartbeat at {path} is {age:.0f} s old (more than {stale:.0f} s)"
    return None
