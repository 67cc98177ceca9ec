"""Mock-interview pairs and an interview goal, driven through the real console: a pair's private
thread (its messages marked private, its buttons refused to others), packs only the interviewer
sees, and /goal's plan."""
from __future__ import annotations

import pytest

from bot.adapters.console import CHANNEL, ConsoleChat
from bot.core.clock import BadValue

from .conftest import bank
from .test_console_quiz import Session


async def test_a_mock_pair_talks_in_a_private_thread(tmp_path):
    async with Session(tmp_path, bank()) as s:  # Friday 09:00 UTC
        await s.run("/mock setup day:sat time:10:00 tz:UTC length:40m", "/as ann", "/mock join", "/as ben",
                    "/mock join", "/advance 1d2h")  # paired Friday 10:00; the slot ended Saturday 10:40
        [root] = [m for m in s.platform.messages.values() if m.text.startswith("🔒 Mock interview")]
        assert sorted(root.members) == ["ann", "ben"] and root.thread is None
        intro = s.latest("Mock interview — .*")
        assert intro.thread == root.number and intro.members == root.members
        out = s.out.getvalue()
        assert f"#{intro.number} studybot in thread #{root.number} (private: " in out
        packs = [m for m in s.platform.messages.values() if m.post and m.post.title.startswith("Your interviewer pack")]
        assert sorted(m.private_to for m in packs) == ["ann", "ben"] and not any(m.thread for m in packs)
        again = await ConsoleChat(s.platform).open_private(CHANNEL, root.members, root.text.removeprefix("🔒 "))
        assert again.channel == str(root.number)  # the same thread

        form = s.latest("Feedback for .*")
        rater = form.post.ping[0]
        await s.run("/as cat")
        with pytest.raises(BadValue, match=f"Message #{form.number} is private to someone else."):
            await s.run(f"/click {form.number} Clarity 4")
        await s.run(f"/as {rater}", f"/click {form.number} Clarity 4", f"/click {form.number} Depth 3",
                    f"/click {form.number} Structure 5")
        assert "privately: Clarity 4/5 · Depth 3/5 · Structure 5/5. +15 points" in s.out.getvalue()
        await s.run("> good session, thanks!")
        said = list(s.platform.messages.values())[-1]
        assert said.thread == root.number and said.members == root.members


async def test_a_goal_in_the_console(tmp_path):
    async with Session(tmp_path, bank()) as s:
        await s.run("/goal date:2026-12-18 topics:statistics-probability minutes:20")
        plan = s.latest("Your plan to Fri 18 Dec 2026")
        assert plan.private_to == "you" and "**28 days to go.**" in plan.text
        await s.run("/practice count:2")
        assert "2 of them are today's plan to your interview." in s.latest(r"Practice 1/2").text
