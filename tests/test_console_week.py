"""A whole week of the question of the day, driven through the console's stdin (issue 2)."""
import re
import sqlite3
from pathlib import Path

from bot.core.commands import COMMANDS

from .console_run import run_script

QOTD_SUBCOMMANDS = [c.split()[1] for c in COMMANDS if c.startswith("qotd ")]  # the table grows; the rule stays

WEEK = (Path(__file__).parent / "data" / "week.txt").read_text()


def block(output: str, number: int) -> str:
    """The printed lines of message #number."""
    match = re.search(rf"^#{number} .*?(?=^#\d+ |^— |\Z)", output, re.S | re.M)
    assert match, f"message #{number} was never printed"
    return match.group(0)


async def test_a_week_of_questions(tmp_path):
    out = await run_script(WEEK, tmp_path / "week.db", "2026-11-20T07:30:00+00:00")

    # Set up on a Friday morning; the first question comes at 09:00 Berlin = 08:00 UTC.
    assert "Next question: Fri 20 Nov 09:00 (Europe/Berlin)" in block(out, 1)
    assert block(out, 2).startswith("#2 studybot · Fri 20 Nov 08:00 UTC\n  Question of the day #1")
    # Each first reply is acknowledged; a second reply is discussion and is not.
    for answer in (3, 4, 5):
        assert f"✅ studybot on #{answer}\n" in out
    assert "✅ studybot on #6" not in out
    # Friday's close: alice has two upvotes (her own is ignored), so she has the best answer.
    friday = block(out, 7)
    assert "Answered: 3" in friday and "Best answer: alice (2 👍)" in friday
    # The weekend has no post: the next question is Monday's at 08:00 UTC.
    assert block(out, 12).startswith("#12 studybot · Mon 23 Nov 08:00 UTC\n  Question of the day #2")
    # Monday 09:00 is also the weekly digest's default time: it follows the question (Friday's answerers
    # were asked to review their own answers privately first, #8 to #10).
    assert block(out, 13).startswith("#13 studybot · Mon 23 Nov 08:00 UTC\n  Weekly digest: Mon 16 Nov to Sun 22 Nov")
    assert "Sat 21 Nov 08:00 UTC\n  Question of the day" not in out
    # Carol deleted her Monday answer: one answer left.
    assert "Answered: 1" in block(out, 17)
    # Restart with a closing and a post due while down: each happens once, at start-up.
    assert out.count("Question #2 is closed") == 1
    assert out.count("Question of the day #3\n") == 1
    assert block(out, 20).startswith("#20 studybot · Tue 24 Nov 08:30 UTC\n  Question of the day #3")
    # The choice question: alice's latest pick (🇦) counts, bob is wrong, carol withdrew hers.
    wednesday = block(out, 29)
    assert "Answered: 2" in wednesday and "Got it right: alice\n" in wednesday
    # Streaks: alice answered all five; bob missed Monday and Thursday; carol only Friday.
    assert "alice: current streak 5, best 5" in block(out, 36)
    assert "bob: current streak 0, best 2" in block(out, 37)
    assert "carol: current streak 0, best 1" in block(out, 38)
    # This week: alice 17 (Mon) + 10 (Tue) + 20 (Wed) + 20 (Thu); bob 10 (Tue) + 10 (Wed).
    assert "🥇 alice — 67 pts\n  🥈 bob — 20 pts ← you" in block(out, 39)
    # All time adds Friday: alice 10 + 2×2 + 5, bob 10 + 2, carol 10.
    assert "🥇 alice — 86 pts\n  🥈 bob — 32 pts ← you\n  🥉 carol — 10 pts" in block(out, 40)
    assert "You have no points in this period yet." in block(out, 41)

    with sqlite3.connect(tmp_path / "week.db") as db:
        ledger = db.execute("SELECT reason, count(*), sum(points) FROM ledger GROUP BY reason ORDER BY reason").fetchall()
        posts = db.execute("SELECT count(*), count(DISTINCT local_date) FROM posts").fetchone()
    assert ledger == [("qotd-answer", 9, 90), ("qotd-best", 2, 10), ("qotd-correct", 2, 20), ("qotd-upvotes", 3, 8)]
    assert posts == (6, 6)


async def test_restarting_again_does_nothing_twice(tmp_path):
    script = WEEK.split("/as alice\n> alice: tuesday answer")[0] + "/restart\n/restart 30m\n"
    out = await run_script(script, tmp_path / "again.db", "2026-11-20T07:30:00+00:00")
    assert out.count("Question #2 is closed") == 1
    assert out.count("Question of the day #3\n") == 1
    assert out.count("— studybot is up") == 4


async def test_dst_week_keeps_nine_local(tmp_path):
    """Berlin leaves summer time on Sun 25 Oct 2026: 09:00 local is 07:00 UTC before, 08:00 after."""
    script = "/qotd setup time:09:00 tz:Europe/Berlin days:mon-fri\n/advance 7d\n"
    out = await run_script(script, tmp_path / "dst.db", "2026-10-22T12:00:00+00:00")
    headers = re.findall(r"^#\d+ studybot · (.*) UTC\n  Question of the day #\d+$", out, re.M)
    assert headers == ["Fri 23 Oct 07:00", "Mon 26 Oct 08:00", "Tue 27 Oct 08:00", "Wed 28 Oct 08:00",
                       "Thu 29 Oct 08:00"]


async def test_bad_input_is_refused_and_changes_nothing(tmp_path):
    script = "\n".join([
        "/qotd setup time:25:00", "/qotd setup time:09:00 tz:Mars/Base", "/qotd setup time:09:00 close:-1h",
        "/qotd setup time:09:00 topics:cooking", "/qotd setup time:09:00 colour:blue", "/qotd setup",
        "/qotd dance", "/frobnicate", "/as mallory", "/qotd setup time:09:00", "/qotd now", "/qotd status",
    ]) + "\n"
    out = await run_script(script, tmp_path / "bad.db", "2026-11-20T07:30:00+00:00")
    replies = re.findall(r"\(only you can see this\) · .*\n  (.*)", out)
    assert replies == [
        "⚠️ `time:` `25:00` is not a time of day: use 24-hour HH:MM, from 00:00 to 23:59.",
        "⚠️ `tz:` `Mars/Base` is not a time zone I know: use an IANA name such as Europe/Berlin, "
        "America/New_York, Asia/Kolkata or UTC.",
        "⚠️ `close:` `-1h` is negative: a duration counts forward, like 30m, 2h or 1d.",
        "⚠️ Unknown topic `cooking`. Topics: open-qs, choice-qs.",
        "⚠️ `/qotd setup` has no option `colour:`. Valid options: time:, tz:, days:, topics:, close:, minimum:, blind:.",
        "⚠️ `/qotd setup` needs `time:` (HH:MM, 24-hour, in the zone below). "
        "Usage: `/qotd setup time:… [tz:…] [days:…] [topics:…] [close:…] [minimum:…] [blind:…]`",
        f"⚠️ `dance` is not a `/qotd` subcommand. Try: {', '.join(QOTD_SUBCOMMANDS)}.",
        f"⚠️ I don't know `/frobnicate`. Commands: {', '.join(sorted({c.split()[0] for c in COMMANDS}))}.",
        "⚠️ Only admins can use `/qotd setup`.",
        "⚠️ Only admins can use `/qotd now`.",
        "⚠️ No question of the day is set up in this channel. An admin can start one with `/qotd setup time:09:00`.",
    ]
    with sqlite3.connect(tmp_path / "bad.db") as db:
        assert db.execute("SELECT count(*) FROM schedules").fetchone() == (0,)


async def test_console_message_references(tmp_path):
    script = "hello\n/react #1 +1\n/react x +1\n/react 9 +1\n/edit 1\n/as bob\n/edit 1 mine now\n"
    out = await run_script(script, tmp_path / "refs.db", "2026-11-20T07:30:00+00:00")
    assert "👍 you on #1" in out
    assert "⚠️ There is no message x." in out and "⚠️ There is no message 9." in out
    assert "⚠️ Usage: /edit <msg> <text>" in out and "(#1 edited)" not in out
    assert "⚠️ Message #1 is not yours to change." in out
