"""The question bank: pydantic models plus the loader and validator for content folders.

One place holds every rule of ../shared/CONTENT.md, so `studybot content check`, the bot's start-up
and CSV import all reject the same things with the same words: file, question id and field.
"""
from __future__ import annotations

import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

MAX_OPTION = 75
MAX_PROMPT = 400
NEAR_DUPLICATE = 90  # rapidfuzz token_sort_ratio at or above which two prompts are the same question
KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Topic(_Model):
    id: str = Field(pattern=KEBAB)
    name: Text
    description: Text
    minimum: int = Field(default=20, ge=0)


class _Question(_Model):
    id: str = Field(pattern=KEBAB, max_length=80)
    topic: str = Field(pattern=KEBAB)
    difficulty: Literal["easy", "medium", "hard"]
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT)
    explanation: Text
    tags: tuple[str, ...] = ()
    source: Text = "general"


class ChoiceQuestion(_Question):
    kind: Literal["choice"]
    choices: tuple[Annotated[str, Field(min_length=1, max_length=MAX_OPTION)], ...] = Field(min_length=2, max_length=6)
    answer: int | str

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices: tuple[str, ...]) -> tuple[str, ...]:
        if len({c.casefold() for c in choices}) != len(choices):
            raise ValueError("two choices are the same")
        if any(re.search(r"\b(all|none) of the above\b", c, re.I) for c in choices):
            raise ValueError('"all/none of the above" is not allowed')
        return choices

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> "ChoiceQuestion":
        self.correct  # raises if not
        return self

    @property
    def correct(self) -> int:
        """Index of the one correct choice; `answer` may be given as index or as the text."""
        if isinstance(self.answer, int):
            if 0 <= self.answer < len(self.choices):
                return self.answer
        elif self.answer in self.choices:
            return self.choices.index(self.answer)
        raise ValueError(f"answer {self.answer!r} is not among the choices")


class ShortQuestion(_Question):
    kind: Literal["short"]
    accept: tuple[Text, ...] = Field(min_length=1)


class OpenQuestion(_Question):
    kind: Literal["open"]
    key_points: tuple[Text, ...] = Field(min_length=3, max_length=6)


Question = Annotated[Union[ChoiceQuestion, ShortQuestion, OpenQuestion], Field(discriminator="kind")]
_question = TypeAdapter(Question)
_topics = TypeAdapter(list[Topic])


@dataclass(frozen=True)
class Problem:
    file: str
    question: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f": {self.question}" if self.question else "") + (f": {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class Bank:
    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, ChoiceQuestion | ShortQuestion | OpenQuestion] = field(default_factory=dict)

    def by_topic(self, topic: str) -> list:
        return [q for q in self.questions.values() if q.topic == topic]

    def select(self, topics=(), kinds=(), difficulty: str | None = None) -> list:
        return [
            q for q in self.questions.values()
            if (not topics or q.topic in topics) and (not kinds or q.kind in kinds)
            and (difficulty is None or q.difficulty == difficulty)
        ]

    def stats(self) -> dict[str, Counter]:
        return {
            "topic": Counter(q.topic for q in self.questions.values()),
            "kind": Counter(q.kind for q in self.questions.values()),
            "difficulty": Counter(q.difficulty for q in self.questions.values()),
        }


def bundled_dir() -> Path:
    """The bundled bank: beside the package in a checkout or container, else where pip put it."""
    for candidate in (Path(__file__).resolve().parent.parent / "content", Path(sys.prefix) / "share/studybot/content"):
        if (candidate / "topics.yaml").is_file():
            return candidate
    raise ContentError([Problem(str(candidate), None, None, "the bundled question bank is missing")])


def _location(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("choice", "short", "open"))


def _read_yaml(path: Path, problems: list[Problem]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"cannot read the file ({exc})"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problems.append(Problem(str(path), None, None, f"is not valid YAML: {where}{getattr(exc, 'problem', exc)}"))
    return None


def parse_questions(items, file: str, problems: list[Problem]) -> list:
    """Validate raw question mappings; each failure becomes a Problem naming file, id and field."""
    if not isinstance(items, list):
        problems.append(Problem(file, None, None, "must be a YAML list of questions"))
        return []
    parsed = []
    for n, raw in enumerate(items, 1):
        qid = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"question #{n}"
        try:
            parsed.append(_question.validate_python(raw))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(file, qid, _location(err["loc"]) or None, err["msg"].removeprefix("Value error, ")))
    return parsed


def load_bank(*folders: Path, check_minimums: bool = True) -> Bank:
    """Load and validate content folders (topics.yaml + questions/*.yaml); raise ContentError listing all."""
    problems: list[Problem] = []
    bank = Bank()
    found: list[tuple[str, object]] = []
    for folder in folders:
        folder = Path(folder)
        topics_file = folder / "topics.yaml"
        if topics_file.is_file():
            try:
                for topic in _topics.validate_python(_read_yaml(topics_file, problems) or []):
                    bank.topics[topic.id] = topic
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(Problem(str(topics_file), None, _location(err["loc"]), err["msg"]))
        files = sorted((folder / "questions").glob("*.yaml")) + sorted((folder / "questions").glob("*.yml"))
        if not files:
            problems.append(Problem(str(folder), None, None, "has no questions/*.yaml files"))
        for path in files:
            data = _read_yaml(path, problems)
            if data is not None:
                found += [(str(path), q) for q in parse_questions(data, str(path), problems)]
    for file, q in found:
        if q.id in bank.questions:
            problems.append(Problem(file, q.id, "id", "duplicate id: it is already used by another question"))
            continue
        if q.topic not in bank.topics:
            problems.append(Problem(file, q.id, "topic", f"unknown topic {q.topic!r}: declare it in topics.yaml"))
        bank.questions[q.id] = q
    files_of = {q.id: file for file, q in found}
    problems += near_duplicates(bank, files_of)
    if check_minimums:
        counts = Counter(q.topic for q in bank.questions.values())
        for topic in bank.topics.values():
            if counts[topic.id] < topic.minimum:
                problems.append(Problem("topics.yaml", None, topic.id,
                                        f"has {counts[topic.id]} questions, under its minimum of {topic.minimum}"))
    if problems:
        raise ContentError(problems)
    return bank


def _normal(prompt: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", prompt.lower())


def near_duplicates(bank: Bank, files_of: dict[str, str]) -> list[Problem]:
    ids = list(bank.questions)
    prompts = [_normal(bank.questions[i].prompt) for i in ids]
    problems = []
    for a, prompt in enumerate(prompts):
        for _, score, b in process.extract(prompt, prompts[a + 1:], scorer=fuzz.token_sort_ratio,
                                           score_cutoff=NEAR_DUPLICATE, limit=None):
            other = ids[a + 1 + b]
            problems.append(Problem(files_of.get(other, "?"), other, "prompt",
                                    f"near-duplicate of {ids[a]} ({score:.0f}% alike)"))
    return problems


def content_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [bundled_dir(), *(extra or [])]
