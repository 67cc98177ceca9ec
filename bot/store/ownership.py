"""Data ownership: a consistent copy of the live database, a group's data as CSV, and restoring a copy.

These run in the `studybot db …` commands, beside a running bot (backup, export) or instead of it
(restore), each on its own sqlite3 connection:
- a backup uses SQLite's online backup API in a single step, that is inside one read transaction:
  in WAL mode the bot keeps writing meanwhile, and the copy is the database as of one instant;
- an export reads every table in one read transaction too, so its files agree with each other;
- a running bot keeps a shared lock on `<database>.lock` while its store is open (`hold`), so a
  restore, which needs that lock exclusively, cannot pull the file from under it.
"""
from __future__ import annotations

import csv
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from .migrations import MIGRATIONS

try:
    import fcntl
except ImportError:  # not POSIX: no lock, and restore relies on the heartbeat check alone
    fcntl = None

_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting with these


class OwnershipError(Exception):
    """Why a backup, export or restore was refused, in one line for the command line."""


# ---- the lock a running bot holds -------------------------------------------------------------------

def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def hold(database: Path) -> int | None:
    """Share-lock the database's lock file and return its descriptor (close it to let go); the
    operating system lets go too when the process dies, so a crashed bot never blocks a restore."""
    if fcntl is None or str(database) == ":memory:":
        return None
    fd = os.open(lock_path(Path(database)), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a restore runs
    return fd


def _exclusive(database: Path) -> int | None:
    if fcntl is None:
        return None
    fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OwnershipError(f"A running studybot has {database} open: stop it first, then restore.") from None
    return fd


# ---- backup and restore -----------------------------------------------------------------------------

def _open_existing(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise OwnershipError(f"There is no database at {path}.")
    db = sqlite3.connect(path, timeout=5.0)
    db.row_factory = sqlite3.Row
    return db


def _check(db: sqlite3.Connection, path: Path, whole: bool = True) -> int:
    """The schema version of a sound studybot database, or OwnershipError saying what is wrong with it.
    `whole` reads every page (a copy about to be trusted); without it, only the schema is looked at."""
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0] if whole else "ok"
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise OwnershipError(f"{path} is not a SQLite database ({exc}).") from None
    if ok != "ok":
        raise OwnershipError(f"{path} is damaged: {ok}.")
    if not version or "groups" not in tables:
        raise OwnershipError(f"{path} is not a studybot database.")
    if version > len(MIGRATIONS):
        raise OwnershipError(f"{path} was made by a newer studybot (schema {version}; this one knows "
                             f"{len(MIGRATIONS)}): upgrade first.")
    return version


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """The whole of `source` into `target` in one backup step, then as one self-contained file."""
    with closing(sqlite3.connect(target)) as out:
        source.backup(out)  # pages=-1: every page in one step, under one read transaction of the source
        out.execute("PRAGMA journal_mode=DELETE")


def backup(database: Path, target: Path) -> int:
    """Copy the database, live or not, to a new file `target`; returns the copy's schema version."""
    if target.exists():
        raise OwnershipError(f"{target} already exists: a backup never overwrites, so name a new file.")
    if not target.parent.is_dir():
        raise OwnershipError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_open_existing(database)) as source:
            _copy(source, partial)
        with closing(sqlite3.connect(partial)) as copy:
            version = _check(copy, database)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)  # a backup that was interrupted never looks finished
    return version


def restore(source: Path, database: Path) -> Path | None:
    """Replace the database with the backup `source`, unless a running bot holds it. The database it
    replaces is kept beside it first; returns that file (None when there was no database)."""
    with closing(_open_existing(source)) as backup_db:
        _check(backup_db, source)
        lock = _exclusive(database)
        try:
            kept = None
            if database.is_file():
                stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
                kept = database.with_name(f"{database.name}.before-restore-{stamp}")
                with closing(sqlite3.connect(database)) as old:
                    _copy(old, kept)
            with closing(sqlite3.connect(database)) as target:
                backup_db.backup(target)  # through SQLite, so a WAL file the old database left is dealt with
            return kept
        finally:
            if lock is not None:
                os.close(lock)


# ---- export -----------------------------------------------------------------------------------------

_EXPORTS = {
    "members.csv": "SELECT user_id, name FROM members WHERE group_id = :g ORDER BY name, user_id",
    "answers.csv": """
        SELECT 'qotd' AS source, s.channel AS channel, p.number AS question, p.question_id, r.user_id AS user_id,
               m.name, r.text AS answer,
               NULL AS correct, r.at AS answered_at,
               (SELECT count(*) FROM upvotes u WHERE u.post_id = r.post_id AND u.message_id = r.message_id
                AND u.voter != r.user_id) AS upvotes
        FROM replies r JOIN posts p ON p.id = r.post_id JOIN schedules s ON s.id = p.schedule_id
        LEFT JOIN members m ON m.group_id = s.group_id AND m.user_id = r.user_id
        WHERE s.group_id = :g AND r.deleted = 0 AND r.counts = 1
          AND r.rowid = (SELECT f.rowid FROM replies f WHERE f.post_id = r.post_id AND f.user_id = r.user_id
                         AND f.deleted = 0 AND f.counts = 1 ORDER BY f.at, f.rowid LIMIT 1)
        UNION ALL
        SELECT 'qotd', s.channel, p.number, p.question_id, c.user_id, m.name, char(65 + c.option),
               CASE WHEN p.status != 'closed' THEN NULL ELSE EXISTS (SELECT 1 FROM ledger l WHERE l.group_id = :g
                    AND l.reason = 'qotd-correct' AND l.source = 'post:' || p.id AND l.user_id = c.user_id) END,
               NULL, NULL
        FROM choice_reactions c JOIN posts p ON p.id = c.post_id JOIN schedules s ON s.id = p.schedule_id
        LEFT JOIN members m ON m.group_id = s.group_id AND m.user_id = c.user_id
        WHERE s.group_id = :g AND c.seq = (SELECT max(x.seq) FROM choice_reactions x WHERE x.post_id = c.post_id
                                           AND x.user_id = c.user_id)
        UNION ALL
        SELECT 'quiz', q.channel, q.id || '.' || (a.round + 1), r.question_id, a.user_id, m.name, a.answer, a.correct,
               a.answered_at, NULL
        FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
        JOIN quiz_rounds r ON r.quiz_id = a.quiz_id AND r.round = a.round
        LEFT JOIN members m ON m.group_id = q.group_id AND m.user_id = a.user_id
        WHERE q.group_id = :g
        ORDER BY source, channel, question, user_id""",
    "ledger.csv": """SELECT l.*, m.name FROM ledger l LEFT JOIN members m ON m.group_id = l.group_id
                     AND m.user_id = l.user_id WHERE l.group_id = :g ORDER BY l.id""",
    "streaks.csv": """SELECT c.channel, s.*, m.name FROM streaks s JOIN schedules c ON c.id = s.schedule_id
                      LEFT JOIN members m ON m.group_id = c.group_id AND m.user_id = s.user_id
                      WHERE c.group_id = :g ORDER BY c.channel, s.current DESC, s.user_id""",
}


def _cell(value):
    """Member text that a spreadsheet would run as a formula is written with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def groups(database: Path) -> list[tuple[int, str, str]]:
    """(id, platform, external id) of every group, for saying which ones exist."""
    with closing(_open_existing(database)) as db:
        return [tuple(r) for r in db.execute("SELECT id, platform, external_id FROM groups ORDER BY id")]


def _group_id(db: sqlite3.Connection, wanted: str) -> int:
    platform, _, external = wanted.rpartition(":")
    rows = db.execute("SELECT id, platform, external_id FROM groups WHERE external_id = ? "
                      "AND (? = '' OR platform = ?)", (external, platform, platform)).fetchall()
    if not rows and wanted.isdigit():
        rows = db.execute("SELECT id, platform, external_id FROM groups WHERE id = ?", (int(wanted),)).fetchall()
    known = ", ".join(f"{r['platform']}:{r['external_id']}" for r in db.execute("SELECT * FROM groups ORDER BY id"))
    if not rows:
        raise OwnershipError(f"No group {wanted!r} here. Groups: {known or 'none yet'}.")
    if len(rows) > 1:
        raise OwnershipError(f"{wanted!r} names a group on several platforms: say which, e.g. "
                             f"{rows[0]['platform']}:{rows[0]['external_id']}.")
    return rows[0]["id"]


def export(database: Path, group: str, out: Path) -> dict[str, int]:
    """Write a group's members, answers, points ledger and streaks as CSV files into `out`; rows per file.
    `group` is the platform's id of the server or workspace (`discord:1234` when it is ambiguous)."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    with closing(_open_existing(database)) as db:
        _check(db, database, whole=False)
        db.execute("BEGIN")  # one read transaction: the files agree with each other
        group_id = _group_id(db, group)
        for name, sql in _EXPORTS.items():
            cursor = db.execute(sql, {"g": group_id})
            with open(out / name, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow([d[0] for d in cursor.description])
                rows = 0
                for row in cursor:
                    writer.writerow([_cell(v) for v in row])
                    rows += 1
            written[name] = rows
        db.execute("COMMIT")
    return written
