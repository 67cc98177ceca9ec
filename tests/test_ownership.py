"""Data ownership (issue 11): `studybot db backup|export|restore`. A backup taken while the bot keeps
writing is the database as of one instant; a restore never pulls the file from under a running bot."""
import asyncio
import csv
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.content import load_bank
from bot.health import heartbeat_path
from bot.store.ownership import OwnershipError, backup, export, restore

from .fakes import advance, command, member, react, reply

BANK = load_bank(Path(__file__).parent / "data" / "bank")
ADMIN, ALICE, BOB = member("ada", admin=True), member("alice"), member("bob")


def dump(path: Path) -> dict:
    """Every row of every table, and the schema version: what "equal row for row" compares."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        rows = {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
        rows["user_version"] = db.execute("PRAGMA user_version").fetchone()
    return rows


async def test_a_backup_taken_while_writes_continue_restores_to_the_source_at_its_instant(make_bot, tmp_path):
    source, copy, restored = tmp_path / "studybot.db", tmp_path / "backup.db", tmp_path / "restored.db"
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC"))
    states = [dump(source)]  # the database after every commit, read by another connection
    run = bot.store._run

    async def recorded(sql, args):
        cursor = await run(sql, args)
        if sql == "COMMIT":
            states.append(dump(source))
        return cursor

    bot.store._run = recorded

    async def write(n: int) -> None:  # a new member's command: a unit of work that writes two rows
        await bot.handle(command(member(f"member{n}"), "topics"))

    for n in range(5):
        await write(n)
    taking = asyncio.create_task(asyncio.to_thread(backup, source, copy))
    n = 5
    while not taking.done():  # the bot keeps writing while the copy is taken
        await write(n)
        n += 1
    assert await taking == dump(source)["user_version"][0]
    for _ in range(3):
        await write(n)
        n += 1
    restore(copy, restored)
    after = dump(restored)
    assert after in states  # exactly the source as of one committed instant, nothing torn
    instant = states.index(after)
    assert 5 <= instant < len(states) - 3  # after the first writes; writes went on after it
    assert after["members"] != states[-1]["members"] and after["user_version"] == states[-1]["user_version"]


async def test_restore_refuses_a_database_a_running_bot_holds(make_bot, tmp_path, capsys):
    source, copy = tmp_path / "studybot.db", tmp_path / "monday.db"
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC"))
    assert main(["db", "backup", str(copy), "--database", str(source)]) == 0
    assert capsys.readouterr().out.startswith(f"Backed up {source} to {copy} (schema ")
    await bot.handle(command(ADMIN, "qotd", "pause"))
    with pytest.raises(OwnershipError, match="A running studybot has .* open: stop it first, then restore."):
        restore(copy, source)
    assert main(["db", "restore", str(copy), "--database", str(source)]) == 1
    assert "stop it first" in capsys.readouterr().err
    await bot.store.close()
    heartbeat_path(source).touch()  # an adapter elsewhere (another container on the same volume) is alive
    assert main(["db", "restore", str(copy), "--database", str(source)]) == 1
    assert "its heartbeat is fresh" in capsys.readouterr().err
    heartbeat_path(source).unlink()
    assert main(["db", "restore", str(copy), "--database", str(source)]) == 0
    kept = sorted(tmp_path.glob("studybot.db.before-restore-*"))
    assert len(kept) == 1 and f"kept as {kept[0]}" in capsys.readouterr().out
    bot = await make_bot(bank=BANK)  # the restored database: the pause never happened
    assert not (await bot.store.schedules())[0].paused
    assert dump(kept[0])["schedules"][0] != dump(copy)["schedules"][0]


async def test_backup_and_restore_refuse_what_would_lose_data(tmp_path):
    source, taken = tmp_path / "studybot.db", tmp_path / "taken.db"
    with pytest.raises(OwnershipError, match="There is no database at"):
        backup(source, taken)
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE groups (id INTEGER)")
        db.execute("PRAGMA user_version = 99")
    taken.write_text("not a database")
    with pytest.raises(OwnershipError, match="already exists: a backup never overwrites"):
        backup(source, taken)
    with pytest.raises(OwnershipError, match="is not a SQLite database"):
        restore(taken, tmp_path / "new.db")
    with pytest.raises(OwnershipError, match="was made by a newer studybot"):
        restore(source, tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()
    with pytest.raises(OwnershipError, match="was made by a newer studybot"):
        backup(source, tmp_path / "b2.db")
    assert not list(tmp_path.glob("b2.db*"))  # no half-made copy is left behind


async def test_export_writes_a_groups_members_answers_ledger_and_streaks(make_bot, chat, clock, tmp_path):
    bot = await make_bot(bank=BANK)
    await bot.handle(command(ADMIN, "qotd", "setup time:09:00 tz:UTC topics:open-qs close:2h"))
    await advance(bot, clock, timedelta(hours=2, minutes=30))
    thread = f"t-{[s for s in chat.sent if s.kind == 'send'][-1].ref.id}"
    answer = reply(ALICE, thread, "=HYPERLINK(\"http://x\") is how I would explain it")
    await bot.handle(answer)
    await bot.handle(reply(BOB, thread, "bob's plain answer, long enough"))
    await bot.handle(react(BOB, answer.message, "👍"))
    await advance(bot, clock, timedelta(hours=2))
    out = tmp_path / "export"
    assert main(["db", "export", "--group", "g1", "--out", str(out), "--database", str(tmp_path / "studybot.db")]) == 0

    def rows(name):
        with open(out / name, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    assert sorted(r["name"] for r in rows("members.csv")) == ["ada", "alice", "bob"]
    answers = {r["name"]: r for r in rows("answers.csv")}
    assert answers["alice"]["answer"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert answers["alice"]["upvotes"] == "1" and answers["bob"]["question"] == "1"
    assert sorted((r["name"], r["reason"], r["points"]) for r in rows("ledger.csv")) == [
        ("alice", "qotd-answer", "10"), ("alice", "qotd-best", "5"), ("alice", "qotd-upvotes", "2"),
        ("bob", "qotd-answer", "10")]
    assert sorted((r["name"], r["current"]) for r in rows("streaks.csv")) == [("alice", "1"), ("bob", "1")]
    with pytest.raises(OwnershipError, match=r"No group 'g9' here. Groups: test:g1."):
        export(tmp_path / "studybot.db", "g9", out)
