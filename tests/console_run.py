"""Run the real console (`studybot console`) on a script, as stdin, and return what it printed."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from bot.__main__ import run_console
from bot.config import load_settings
from bot.content import load_bank

TEST_BANK = Path(__file__).parent / "data" / "bank"


async def run_script(script: str, database: Path, start: str, bank=None) -> str:
    out = io.StringIO()
    settings = load_settings(database=database)
    await run_console(settings, datetime.fromisoformat(start), stdin=io.StringIO(script), stdout=out,
                      bank=bank or load_bank(TEST_BANK))
    return out.getvalue()
