"""`/stats [member]` (issue 11): answers given, accuracy per topic, streak, points per week over the
last 8 weeks, as text and as a PNG chart with one bar per week that had points."""
import io
import struct
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.content import load_bank
from bot.core.chart import BAR, HEIGHT, WIDTH, week_bars
from bot.core.chat import ChannelRef
from bot.core.daily import LETTERS

from ..fakes import advance, command, member, press, react

BANK = load_bank(Path(__file__).parent.parent / "data" / "bank")  # topics open-qs and choice-qs
ADMIN, ALICE, BOB = member("ada", admin=True), member("alice"), member("bob")
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def bars(data: bytes) -> int:
    """How many bars a chart shows: the most separate runs of the bar colour along any pixel row."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    colour, pixels = bytes.fromhex(BAR[1:]), image.tobytes()
    width, height = image.size
    most = 0
    for y in range(height):
        row = [pixels[i:i + 3] == colour for i in range(y * width * 3, (y + 1) * width * 3, 3)]
        most = max(most, sum(1 for x, hit in enumerate(row) if hit and (x == 0 or not row[x - 1])))
    return most


def test_a_chart_is_a_png_of_its_size_with_a_bar_per_week_that_had_points(tmp_path):
    path = week_bars([f"w{n}" for n in range(8)], [0, 3, 0, 5, 1, 0, 0, 9], "Points", tmp_path / "c" / "x.png")
    data = path.read_bytes()
    assert png_size(data) == (WIDTH, HEIGHT) == (800, 400)
    assert bars(data) == 4
    assert bars(week_bars(["a"] * 8, [0] * 8, "Points", path).read_bytes()) == 0  # drawn again, in place
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.png"]  # no partial file left behind


@pytest.fixture
async def bot(make_bot, tmp_path):
    return await make_bot(bank=BANK, charts=tmp_path / "charts")


async def test_stats_in_text_and_as_a_chart(bot, chat, clock, tmp_path):
    async with bot.store.transaction():  # points in each of the seven weeks before this one
        group = await bot.store.group("test", "g1")
        for weeks in range(1, 8):
            earlier = clock.now() - timedelta(weeks=weeks)
            await bot.scores.award(group, ALICE.id, 5 * weeks, "bonus", f"test:{weeks}", earlier)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:Europe/Berlin topics:choice-qs close:12h"))
    await advance(bot, clock, timedelta(hours=1, minutes=30))
    await bot.handle(react(ALICE, chat.last("send").ref, LETTERS[0]))  # Friday: right
    await advance(bot, clock, timedelta(days=1))
    await bot.handle(react(ALICE, chat.last("send").ref, LETTERS[1]))  # Saturday: wrong
    await advance(bot, clock, timedelta(hours=12))
    await bot.handle(command(ALICE, "quiz", "topic:choice-qs count:1 seconds:30"))
    await bot.handle(press(ALICE, chat.last("send").ref, chat.last("send").post.buttons[0].id))  # right
    await advance(bot, clock, timedelta(seconds=30))
    await bot.handle(command(ALICE, "practice", "count:1"))  # Saturday's miss is due: answered right
    await bot.handle(press(ALICE, chat.last("send").ref, chat.last("respond").post.buttons[0].id))

    await bot.handle(command(BOB, "stats", "@alice"))
    shown = chat.last("respond")
    assert not shown.private and shown.post.title == "Stats — alice"
    assert shown.post.body.splitlines() == [
        "**Answers given:** 4 — question of the day 2, quiz 1, practice 1",
        "**Streak here:** current 2, best 2, 🧊 0 freezes held",
        "**Accuracy per topic** (choice questions: of the day, in quizzes and in practice)",
        "• **Choice questions**: 3/4 right (75%)"]
    [(name, weekly)] = shown.post.fields
    assert name == "Points per week, last 8 (from Monday)"
    assert weekly.split(" · ") == ["28 Sep **35**", "5 Oct **30**", "12 Oct **25**", "19 Oct **20**", "26 Oct **15**",
                                   "2 Nov **10**", "9 Nov **5**", "16 Nov **45**"]  # this week: 20 + 10 + 15
    assert Path(shown.post.image).parent == tmp_path / "charts"
    assert png_size(shown.image) == (800, 400) and bars(shown.image) == 8  # the file as it was uploaded


async def test_stats_of_a_newcomer_elsewhere_and_of_nobody(bot, chat):
    await bot.handle(command(BOB, "stats", channel=ChannelRef("test", "g1", "no-schedule")))
    shown = chat.last("respond")
    assert "**Answers given:** 0" in shown.post.body and "no question of the day in this channel" in shown.post.body
    assert "• no choice questions answered yet" in shown.post.body and bars(shown.image) == 0
    await bot.handle(command(BOB, "stats", "mallory"))
    assert chat.last("respond").post.body == "⚠️ I don't know a member called `mallory` here yet."


def test_start_up_never_imports_matplotlib_only_a_chart_does(tmp_path):
    """The core and a console session run without matplotlib; the first /stats brings it in."""
    script = f"""
import asyncio, io, sys
from datetime import datetime
from bot.__main__ import run_console
from bot.config import load_settings
import bot.core.app
assert "matplotlib" not in sys.modules, "importing the core imported matplotlib"
out = io.StringIO()
settings = load_settings(database={str(tmp_path / 'db.sqlite')!r})
asyncio.run(run_console(settings, datetime(2026, 11, 20, 9), stdin=io.StringIO("/leaderboard\\n/help\\n"), stdout=out))
assert "matplotlib" not in sys.modules, "starting the console imported matplotlib"
asyncio.run(run_console(settings, datetime(2026, 11, 20, 9), stdin=io.StringIO("/stats\\n"), stdout=out))
assert "matplotlib" in sys.modules and "🖼 image: " in out.getvalue(), out.getvalue()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent.parent)
    assert done.returncode == 0, done.stderr
