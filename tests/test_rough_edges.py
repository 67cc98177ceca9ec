"""What a week of real use found (issue 8): each bug as it was reported, and the answer rules."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.clock import UTC, ManualClock
from bot.core.daily import LATE, TALK

from .conftest import bank
from .console_run import TEST_BANK, run_script
from .fakes import CHANNEL, advance, command, member, react, reply

ADMIN, ALICE, BOB = member("ada", admin=True), member("alice"), member("bob")
ROOT = Path(__file__).parent.parent


def questions(chat):
    return [s for s in chat.sent if s.kind == "send" and s.post.title.startswith("Question of the day")]


async def posted_open_question(bot, chat, clock, extra=""):
    await bot.handle(command(ADMIN, "qotd", f"setup time:09:00 tz:UTC topics:behavioural {extra}".strip()))
    await advance(bot, clock, timedelta(hours=2, minutes=1))
    return questions(chat)[-1]


# ---- bugs ----------------------------------------------------------------------------------------

async def test_setup_keeps_a_pause_and_says_so(make_bot, chat):
    bot = await make_bot()
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00"))
    await bot.handle(command(ADMIN, "qotd", "pause"))
    await bot.handle(command(ADMIN, "qotd", "setup time:10:00 topics:behavioural"))
    reply_post = chat.last().post
    assert reply_post.title == "Question of the day is set up ✅ — still paused"
    assert dict(reply_post.fields)["Next question"].startswith("paused")
    assert (await bot.store.schedule(1)).paused


async def test_picking_a_question_is_one_query_whatever_the_banks_size(make_bot, chat, clock):
    bot = await make_bot()
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC"))
    statements = []
    run = bot.store._run

    async def counted(sql, args):
        statements.append(sql)
        return await run(sql, args)

    bot.store._run = counted
    await advance(bot, clock, timedelta(hours=2, minutes=1))
    assert len(bank().questions) > 600 and questions(chat)
    assert sum("FROM posts WHERE schedule_id = ? AND cycle = ?" in s for s in statements) == 1
    assert len(statements) < 80  # each feature with due work reads a little at every wake-up


async def test_advance_is_capped_with_a_clear_message(tmp_path):
    script = "/advance 400d\n/advance 100000d\n/advance 1000000000d\n"
    out = await run_script(script, tmp_path / "a.db", "2026-11-20T07:30:00+00:00")
    assert "⚠️ /advance moves the clock at most 366d at a time; repeat it to go further." in out
    assert "⚠️ `100000d` is too long: a duration can be at most 3660d." in out
    assert "⚠️ `1000000000d` is not a duration" in out


async def test_a_start_with_an_offset_is_shown_in_utc(tmp_path):
    out = await run_script("/qotd status\n", tmp_path / "y.db", "2026-11-20T08:00:00+09:00")
    assert "· Thu 19 Nov 23:00 UTC" in out


def test_a_bad_log_level_is_one_clean_line(capsys, monkeypatch):
    monkeypatch.setenv("STUDYBOT_LOG_LEVEL", "LOUD")
    assert main(["console"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Bad setting: STUDYBOT_LOG_LEVEL") and "Traceback" not in err
    monkeypatch.setenv("STUDYBOT_LOG_LEVEL", "debug")  # any capitalisation of a real level is fine
    from bot.config import load_settings
    assert load_settings().log_level == "DEBUG"


def test_a_closed_pipe_ends_the_console_quietly(tmp_path):
    script = "/qotd setup time:09:00\n" + "/advance 1d\n" * 20
    proc = subprocess.Popen([sys.executable, "-m", "bot", "console", "--database", str(tmp_path / "p.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdin.write(script.encode())
    proc.stdin.close()
    assert proc.stdout.readline() and proc.stdout.readline()
    proc.stdout.close()  # like `| head -2`
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()


def test_a_missing_database_folder_is_refused(tmp_path, capsys):
    assert main(["console", "--database", str(tmp_path / "nope" / "x.db")]) == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "nope").exists()


async def test_refusals_say_what_is_wrong(make_bot, chat):
    bot = await make_bot()
    cases = {
        "setup time:09:00 days:": "⚠️ `days:` is empty: give it a value",
        "setup time:09:00 tz:PST": "⚠️ `tz:` `PST` is not a time zone I know: try America/Los_Angeles",
        "setup time:09:00 close:0.5s": "⚠️ `close:` `0.5s` is under a second",
        "setup time:09:00 close:30s": "⚠️ `close:` must be from 1m to 7d",
    }
    for text, start in cases.items():
        await bot.handle(command(ADMIN, "qotd", text))
        assert chat.last().private and chat.last().post.body.startswith(start), text
    await bot.handle(command(ALICE, "practice", "topic:behavioural"))
    assert chat.last().post.body.startswith("⚠️ behavioural has only open questions; practice asks choice questions. "
                                            "Topics you can practise: ")


@pytest.mark.parametrize("tz, zone", [("utc", "UTC"), ("europe/berlin", "Europe/Berlin"), ("EST", "EST")])
async def test_any_capitalisation_of_a_zone_and_a_word_on_fixed_ones(make_bot, chat, tz, zone):
    bot = await make_bot()
    await bot.handle(command(ADMIN, "qotd", f"setup time:09:00 tz:{tz}"))
    assert (await bot.store.schedule(1)).tz == zone
    note = chat.last().post.footer
    assert (note == "EST never follows summer time; for local time all year use America/New_York.") == (zone == "EST")


async def test_an_ambiguous_local_closing_time_shows_its_offset(make_bot, chat):
    clock = ManualClock(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    bot = await make_bot(clock=clock)
    await bot.handle(command(ADMIN, "qotd", "setup time:01:00 tz:America/New_York close:30m topics:behavioural"))
    await advance(bot, clock, timedelta(hours=17, minutes=1))  # Sun 1 Nov 01:00 EDT, the first of two
    footer = questions(chat)[-1].post.footer
    assert "Closes Sun 01 Nov 01:30 UTC-04:00 (America/New_York)." in footer


async def test_console_click_and_delete_ask_for_the_number(tmp_path):
    out = await run_script("/click\n/delete\n", tmp_path / "c.db", "2026-11-20T07:30:00+00:00")
    assert "⚠️ Which message? Usage: /click <msg> <button>" in out
    assert "⚠️ Which message? Usage: /delete <msg>" in out


# ---- answers that aren't answers -------------------------------------------------------------------

async def test_short_replies_are_discussion_and_a_later_real_reply_is_the_answer(make_bot, chat, clock):
    bot = await make_bot()
    question = await posted_open_question(bot, chat, clock)
    thread = f"t-{question.ref.id}"
    for n, text in enumerate([".", "great question!", "👍👍👍 !!!"]):
        await bot.handle(reply(ALICE, thread, text, f"d{n}"))
    assert await bot.store.answers(1) == []
    assert [(m, e) for m, e in chat.reacted if e == TALK] == [("d0", TALK), ("d1", TALK), ("d2", TALK)]
    await bot.handle(reply(ALICE, thread, "Situation: our model drifted; I led the fix.", "real"))
    assert [a.message_id for a in await bot.store.answers(1)] == ["real"] and ("real", "✅") in chat.reacted
    await advance(bot, clock, timedelta(days=1))
    assert [(u, p, r) for u, p, r, _ in await bot.store.ledger(1)] == [("u-alice", 10, "qotd-answer")]


async def test_a_schedule_can_set_its_own_minimum(make_bot, chat, clock):
    bot = await make_bot()
    question = await posted_open_question(bot, chat, clock, "minimum:0")
    await bot.handle(reply(ALICE, f"t-{question.ref.id}", "yes", "y"))
    assert len(await bot.store.answers(1)) == 1


async def test_a_late_reply_is_marked_and_its_author_told_once(make_bot, chat, clock):
    bot = await make_bot()
    question = await posted_open_question(bot, chat, clock, "close:1h")
    await advance(bot, clock, timedelta(hours=2))
    for n in range(2):
        await bot.handle(reply(BOB, f"t-{question.ref.id}", "my answer, a little too late", f"late{n}"))
    assert [(m, e) for m, e in chat.reacted if e == LATE] == [("late0", LATE), ("late1", LATE)]
    assert len(chat.whispers) == 1 and chat.whispers[0][0] == "u-bob"
    assert chat.whispers[0][1].body.startswith("Question #1 closed Fri 20 Nov 10:00 (UTC), so replies no longer count.")
    assert await bot.store.answers(1) == []


async def test_a_letter_typed_in_a_choice_thread_gets_a_hint_once(make_bot, chat, clock):
    bot = await make_bot(bank=__import__("bot.content", fromlist=["load_bank"]).load_bank(TEST_BANK))
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:choice-qs"))
    await advance(bot, clock, timedelta(hours=2, minutes=1))
    thread = f"t-{questions(chat)[-1].ref.id}"
    for text in ("B", "answer: c", "b)"):
        await bot.handle(reply(ALICE, thread, text))
    assert len(chat.whispers) == 1
    assert chat.whispers[0][1].body.startswith("Choices are picked by reacting to question #1 itself with 🇦")


async def test_the_reveal_is_summarised_in_the_channel_with_a_link(make_bot, chat, clock):
    bot = await make_bot()
    question = await posted_open_question(bot, chat, clock, "close:1h")
    answer = reply(ALICE, f"t-{question.ref.id}", "Situation, task, action, result: done.", "a1")
    await bot.handle(answer)
    await bot.handle(react(BOB, answer.message, "👍"))
    await advance(bot, clock, timedelta(hours=1))
    summary = next(s for s in chat.sent if s.kind == "send" and s.post.title == "Question #1 closed")
    assert summary.post.link.id == question.ref.id and summary.ref.channel == CHANNEL
    assert ("Answered by", "alice") in summary.post.fields
    assert "**Best answer:** **alice** (1 👍): Situation, task, action, result: done." in summary.post.body
    closed = [s for s in chat.sent if s.kind == "edit"][-1]
    assert closed.ref.id == question.ref.id and closed.post.title == "Question of the day #1 (closed)"
