"""CSV import and export of the question bank, for organisers who would rather use a spreadsheet.

One row per question, columns `COLUMNS`. List fields (choices, accept, reject, key_points, tags) are joined
with " | "; inside an item `\\|` is a literal "|" and `\\\\` a literal backslash (any other backslash
is kept as typed). `answer` is the exact text of the correct choice. Rows go through the same
models and whole-bank rules as the YAML files (bot.content), so a CSV can never smuggle in what
`studybot content check` would reject; docs/content.md is the user-facing description.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import yaml

from .content import (AnyQuestion, Bank, ContentError, Problem, assemble, bundled_dir, display, parse_question,
                      read_folder)

COLUMNS = ("id", "topic", "kind", "difficulty", "prompt", "choices", "answer", "accept", "reject", "key_points",
           "explanation", "tags", "source")
LISTS = ("choices", "accept", "reject", "key_points", "tags")
SEPARATOR = " | "


def join_items(items: Iterable[str]) -> str:
    """One list field as one cell: escape backslashes and pipes, then join with " | "."""
    return SEPARATOR.join(item.replace("\\", "\\\\").replace("|", "\\|") for item in items)


def split_items(cell: str) -> list[str]:
    """The inverse of join_items: split on unescaped "|", unescape, strip. An empty cell is no items."""
    if not cell.strip():
        return []
    items, current = [], []
    for token in re.findall(r"\\[\\|]|\||[^\\|]+|\\", cell):
        if token == "|":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(token[1] if token in ("\\\\", "\\|") else token)
    items.append("".join(current).strip())
    return items


def to_row(q: AnyQuestion) -> dict[str, str]:
    data = q.model_dump()
    return {c: join_items(data[c]) if c in LISTS else str(data[c]) for c in COLUMNS if c in data}


def write_csv(questions: Iterable[AnyQuestion], out: TextIO) -> int:
    """Write questions as CSV rows to an open text stream (opened with newline=""); return how many."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    n = 0
    for n, q in enumerate(questions, 1):
        writer.writerow(to_row(q))
    return n


def export_csv(bank: Bank, path: Path) -> int:
    with open(path, "w", encoding="utf-8", newline="") as out:
        return write_csv(bank.questions.values(), out)


def from_row(row: dict[str, str]) -> dict:
    """A CSV row as the raw mapping a YAML file would hold: empty cells are absent fields."""
    raw = {}
    for column in COLUMNS:
        cell = (row.get(column) or "").strip()
        if cell:
            raw[column] = split_items(cell) if column in LISTS else cell
    return raw


def read_csv(path: Path, problems: list[Problem]) -> list[tuple[str, AnyQuestion]]:
    """Parse and validate every row; each question comes with its "FILE row N" label for error messages."""
    name = display(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in COLUMNS if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            if missing or unknown:
                what = "; ".join(part for part in (missing and f"missing column(s) {', '.join(missing)}",
                                                   unknown and f"unknown column(s) {', '.join(unknown)}") if part)
                problems.append(Problem(name, None, None, f"{what}; the header must be {','.join(COLUMNS)}"))
                return []
            rows = list(enumerate(reader, 2))  # row 1 is the header, as a spreadsheet numbers them
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(name, None, None, f"cannot read the CSV file ({exc})"))
        return []
    if not rows:
        problems.append(Problem(name, None, None, "has no question rows"))
    questions = []
    for n, row in rows:
        label = f"{name} row {n}"
        if None in row:  # csv puts cells beyond the header under the key None
            problems.append(Problem(label, row.get("id") or None, None,
                                    f"has more cells than the header's {len(COLUMNS)} columns (an unquoted comma?)"))
            continue
        q = parse_question(from_row(row), label, "(no id)", problems)
        if q is not None:
            questions.append((label, q))
    return questions


class _Dumper(yaml.SafeDumper):
    """Writes YAML that looks like the hand-written bank: indented lists, long text folded."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else ">" if len(value) > 90 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _yaml_text(questions: list[AnyQuestion], source: str) -> str:
    items = []
    for q in questions:
        data = q.model_dump(mode="json")
        items.append({c: data[c] for c in COLUMNS if c in data and data[c] != []})
    body = yaml.dump(items, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# Imported from {source} by `studybot content import`.\n\n{body}"


def import_csv(csv_path: Path, folder: Path, *, standalone: bool = False, replace: bool = False) -> list[Path]:
    """Validate a CSV and write it as FOLDER/questions/<topic>.yaml; return the files written.

    Rows are checked with everything the bot would load beside them: the bundled bank (unless
    `standalone`) and the folder's own topics.yaml and other question files. Topics must already be
    declared there. A file that exists is only overwritten with `replace`. On any problem a
    ContentError is raised and nothing is written.
    """
    csv_path, folder = Path(csv_path), Path(folder)
    problems: list[Problem] = []
    imported = read_csv(csv_path, problems)
    targets = {folder / "questions" / f"{q.topic}.yaml" for _, q in imported}
    topics, existing = [], []
    if not standalone:
        topics, existing = read_folder(bundled_dir(), problems)
    t, q = read_folder(folder, problems, require_questions=False, skip=targets)  # replaced, or refused below
    topics += t
    existing += q
    if not replace:
        problems += [Problem(display(p), None, None, "already exists; import with --replace to overwrite it")
                     for p in sorted(targets) if p.exists()]
    assemble(topics, existing + imported, problems, check_minimums={q.topic for _, q in imported})
    if problems:
        raise ContentError(problems)
    by_file: dict[Path, list[AnyQuestion]] = {}
    for _, q in imported:
        by_file.setdefault(folder / "questions" / f"{q.topic}.yaml", []).append(q)
    (folder / "questions").mkdir(parents=True, exist_ok=True)
    for path, questions in by_file.items():
        path.write_text(_yaml_text(questions, csv_path.name), encoding="utf-8")
    return sorted(by_file)
