"""/stats in the real console: the chart is written to a file next to the database, and the console
prints where, so it can be opened."""
import re

from .console_run import run_script


async def test_the_console_prints_where_the_chart_is(tmp_path):
    out = await run_script("/leaderboard topic:choice-qs\n/stats\n", tmp_path / "console.db", "2026-11-20T09:00")
    assert "Leaderboard in Choice questions — this week (from Mon 16 Nov)" in out
    assert "Stats — you" in out
    [path] = re.findall(r"🖼 image: (\S+)", out)
    assert path.startswith(str(tmp_path / "console-charts")) and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
