"""A blind question in the real console: `/answer` and the question's Answer button (`/click … Answer
<text>`) send an answer only the member sees, and the close posts them all in the thread."""
from __future__ import annotations

import pytest

from bot.content import load_bank
from bot.core.clock import BadValue

from .console_run import TEST_BANK
from .test_console_quiz import Session


async def test_blind_answers_in_the_console(tmp_path):
    async with Session(tmp_path, load_bank(TEST_BANK)) as s:  # Friday 09:00 UTC
        await s.run("/qotd setup time:10:00 tz:UTC topics:open-qs close:2h blind:yes", "/advance 1h")
        question = s.latest(r"Question of the day #1")
        with pytest.raises(BadValue, match=r"\[Answer\] asks for your answer: /click \d+ Answer <text>"):
            await s.run(f"/click {question.number} Answer")
        await s.run("/as ann", f"/click {question.number} Answer Overfitting: it learns the noise, not the signal.",
                    "/as ben", "/answer It fits training data well and new data badly: a gap.")
        notes = [m for m in s.platform.messages.values() if m.post and "🔒" in m.post.title]
        assert [m.private_to for m in notes] == ["ann", "ben"]
        assert "learns the noise" not in "".join(m.text for m in s.platform.messages.values() if not m.private_to)
        await s.run("/advance 2h")
        shown = [m for m in s.platform.messages.values() if m.thread == question.number]
        assert [m.post.title for m in shown] == ["Question #1: 2 answers", "Answer by ann", "Answer by ben"]
        assert shown[1].text.endswith("Overfitting: it learns the noise, not the signal.")
