"""The question bank: pydantic models plus the loader and validator for content folders.

One place holds every rule of ../shared/CONTENT.md, so `studybot content check`, the bot's start-up
and CSV import all reject the same things with the same words: file, question id and field.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator,
                      model_validator)
from rapidfuzz import fuzz, process

from .answers import matching

MAX_OPTION = 75
MAX_PROMPT = 400  # characters of prose; a fenced code block (```python … ```) may add up to MAX_CODE
MAX_CODE = 900
_FENCE = re.compile(r"```[\w+-]*\n.*?```", re.S)
NEAR_DUPLICATE = 90  # rapidfuzz token_sort_ratio at or above which two prompts are the same question
SIMILAR = 0.35  # share of content words (Jaccard) at or above which `content check` warns that two prompts may overlap
GIVEAWAY_MIN = 30  # choice questions a folder needs before the giveaway check can tell skew from chance
GIVEAWAY_P = 0.01  # chance of failing a fair folder, shared (Bonferroni) among every length rank and position tested
MIN_REJECT = 2
REVIEWED = "reviewed-pairs.yaml"
KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
KINDS = ("choice", "short", "open")
DIFFICULTIES = ("easy", "medium", "hard")
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
    prompt: Text
    explanation: Text
    tags: tuple[Text, ...] = ()
    source: Text = "general"

    @field_validator("prompt")
    @classmethod
    def _prompt_length(cls, prompt: str) -> str:
        """Prose must read in 20 seconds; a code snippet to read is measured on its own."""
        code = sum(len(m) for m in _FENCE.findall(prompt))
        if len(prompt) - code > MAX_PROMPT:
            raise ValueError(f"at most {MAX_PROMPT} characters of text (this one has {len(prompt) - code})")
        if code > MAX_CODE:
            raise ValueError(f"a code block of at most {MAX_CODE} characters (this one has {code})")
        return prompt


class ChoiceQuestion(_Question):
    kind: Literal["choice"]
    choices: tuple[Annotated[str, Field(min_length=1, max_length=MAX_OPTION)], ...] = Field(min_length=2, max_length=6)
    answer: str  # always the exact text of the correct choice once validated, however the file gave it

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices: tuple[str, ...]) -> tuple[str, ...]:
        seen = Counter(c.casefold() for c in choices)
        twice = next((c for c in choices if seen[c.casefold()] > 1), None)
        if twice is not None:
            raise ValueError(f"two choices are the same ({twice!r})")
        lazy = next((c for c in choices if re.search(r"\b(all|none) of the above\b", c, re.I)), None)
        if lazy is not None:
            raise ValueError(f"{lazy!r} is not allowed: write a distractor people really pick")
        return choices

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_text(cls, answer, info: ValidationInfo):
        """Accept the index or the text, store the text: YAML and CSV then give equal models."""
        if isinstance(answer, bool) or not isinstance(answer, (int, str)):
            raise ValueError("must be the correct choice's number (0 is the first) or its exact text")
        choices = info.data.get("choices")
        if choices is None:  # the choices themselves are wrong; that error is already reported
            return str(answer)
        if isinstance(answer, int):
            if not 0 <= answer < len(choices):
                raise ValueError(f"{answer} is out of range: the {len(choices)} choices are numbered "
                                 f"0 to {len(choices) - 1}")
            return choices[answer]
        answer = answer.strip()
        if answer not in choices:
            near = process.extractOne(answer, choices, scorer=fuzz.ratio, score_cutoff=80)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ValueError(f"{answer!r} is not among the choices; it must match one exactly{hint}")
        return answer

    @property
    def correct(self) -> int:
        """Index of the one correct choice."""
        return self.choices.index(self.answer)


class ShortQuestion(_Question):
    kind: Literal["short"]
    accept: tuple[Text, ...] = Field(min_length=1)
    reject: tuple[Text, ...] = Field(min_length=MIN_REJECT)  # wrong answers people type, which the matcher must refuse

    @field_validator("reject")
    @classmethod
    def _refused(cls, reject: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """A wrong answer the matcher takes would score a member for it: catch that here, not in a quiz."""
        accept = info.data.get("accept") or ()  # bad accept entries are reported already
        taken = [(r, a) for r in reject if (a := matching(r, accept)) is not None]
        if taken:
            raise ValueError("; ".join(f"{r!r} is accepted by the matcher (matches {a!r})" for r, a in taken))
        return reject


class OpenQuestion(_Question):
    kind: Literal["open"]
    key_points: tuple[Text, ...] = Field(min_length=3, max_length=6)


AnyQuestion = Union[ChoiceQuestion, ShortQuestion, OpenQuestion]
Question = Annotated[AnyQuestion, Field(discriminator="kind")]
_question = TypeAdapter(Question)


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
    questions: dict[str, AnyQuestion] = field(default_factory=dict)

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


def display(path: Path) -> str:
    """A path as the reader typed it: relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ pydantic errors in plain words

def _location(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in KINDS)


def _quoted(values) -> str:
    values = [repr(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


# pydantic error type -> message; fields come from the error's ctx plus `value` and `length`
_MESSAGES = {
    "missing": "is required",
    "model_attributes_type": "must be a mapping of fields (id: …, topic: …, kind: …)",
    "model_type": "must be a mapping of fields (id: …, topic: …, kind: …)",
    "dict_type": "must be a mapping of fields (id: …, topic: …, kind: …)",
    "literal_error": "must be {expected} (not {value!r})",
    "string_pattern_mismatch": "must be kebab-case: lowercase letters, digits and single hyphens (not {value!r})",
    "string_too_short": "must not be empty",
    "string_too_long": "at most {max_length} characters (this one has {length})",
    "too_short": "needs at least {min_length} entries (this one has {actual_length})",
    "too_long": "at most {max_length} entries (this one has {actual_length})",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "int_type": "must be a whole number (not {value!r})",
    "int_parsing": "must be a whole number (not {value!r})",
    "int_from_float": "must be a whole number (not {value!r})",
    "greater_than_equal": "must be at least {ge}",
}
_REQUIRED = {"reject": f"list at least {MIN_REJECT} wrong answers people type, which the matcher must refuse"}


def _human(err: dict) -> tuple[str | None, str]:
    """(field, message) for one pydantic error, in words a question author can act on."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    where = _location(err["loc"]) or None
    if kind == "extra_forbidden":
        what = f"a {err['loc'][0]} question" if err["loc"] and err["loc"][0] in KINDS else "this entry"
        return where, f"is not a field of {what} (check the spelling, or remove it)"
    if kind == "union_tag_not_found":
        return "kind", f"is required: {_quoted(KINDS)}"
    if kind == "union_tag_invalid":
        return "kind", f"must be {_quoted(KINDS)} (not {ctx.get('tag')!r})"
    if kind == "string_type":
        hint = "; put it in quotes" if isinstance(value, (bool, int, float)) else ""
        return where, f"must be text (not {value!r}{hint})"
    if kind == "missing" and where in _REQUIRED:
        return where, f"is required: {_REQUIRED[where]}"
    if kind in _MESSAGES:
        length = len(value) if isinstance(value, (str, list, tuple)) else None
        return where, _MESSAGES[kind].format(**ctx, value=value, length=length)
    return where, err["msg"].removeprefix("Value error, ")


def _problems(exc: ValidationError, file: str, name: str | None) -> list[Problem]:
    errors = exc.errors()
    # pydantic counts a list's length without its bad items; "needs at least 2 entries" would then blame the list
    # for an item that is already reported, so keep only the item's own error.
    item_errors = {err["loc"][:-1] for err in errors if err["loc"] and isinstance(err["loc"][-1], int)}
    return [Problem(file, name, *_human(err)) for err in errors
            if not (err["type"] == "too_short" and err["loc"] in item_errors)]


# ------------------------------------------------------------------ reading files

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the bank loads ~15x faster at start-up


def _read_yaml(path: Path, problems: list[Problem]):
    try:
        text = path.read_text(encoding="utf-8")
        try:
            return yaml.load(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:  # re-parse in pure Python: its messages are clearer, and the same on every install
            return yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(display(path), None, None, f"cannot read the file ({exc})"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problems.append(Problem(display(path), None, None, f"is not valid YAML: {where}{getattr(exc, 'problem', exc)}"))
    return None


def parse_question(raw, file: str, fallback: str, problems: list[Problem]):
    """One raw mapping to a question model, or None with its Problems added (named `fallback` if it has no id)."""
    name = str(raw["id"]) if isinstance(raw, dict) and raw.get("id") else fallback
    try:
        return _question.validate_python(raw)
    except ValidationError as exc:
        problems += _problems(exc, file, name)
        return None


def parse_questions(items, file: str, problems: list[Problem]) -> list:
    """Validate raw question mappings; each failure becomes a Problem naming file, id and field."""
    if not isinstance(items, list):
        problems.append(Problem(file, None, None, "must be a YAML list of questions (each item starting with '- id:')"))
        return []
    parsed = (parse_question(raw, file, f"question #{n}", problems) for n, raw in enumerate(items, 1))
    return [q for q in parsed if q is not None]


def read_topics(path: Path, problems: list[Problem]) -> list[tuple[str, Topic]]:
    """The topics a topics.yaml declares, each with its file; a bad entry does not hide the good ones."""
    data = _read_yaml(path, problems)
    file = display(path)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(file, None, None, "must be a YAML list of topics (each item starting with '- id:')"))
        return []
    topics = []
    for n, raw in enumerate(data, 1):
        name = str(raw["id"]) if isinstance(raw, dict) and raw.get("id") else f"topic #{n}"
        try:
            topics.append((file, Topic.model_validate(raw)))
        except ValidationError as exc:
            problems += _problems(exc, file, name)
    return topics


def read_folder(folder: Path, problems: list[Problem], *, require_questions: bool = True,
                skip: Collection[Path] = ()) -> tuple[list[tuple[str, Topic]], list[tuple[str, AnyQuestion]]]:
    """Topics and questions of one content folder, each paired with the file it came from.

    topics.yaml is optional: a group's own folder may only add questions to topics declared elsewhere.
    """
    folder = Path(folder)
    if require_questions and not folder.is_dir():
        problems.append(Problem(display(folder), None, None, "is not a folder (check the path, or STUDYBOT_CONTENT_DIRS)"))
        return [], []
    topics = read_topics(folder / "topics.yaml", problems) if (folder / "topics.yaml").is_file() else []
    skip = {Path(p).resolve() for p in skip}
    files = [p for p in sorted((folder / "questions").glob("*.yaml")) + sorted((folder / "questions").glob("*.yml"))
             if p.resolve() not in skip]
    if not files and require_questions:
        problems.append(Problem(display(folder), None, None, "has no questions/*.yaml files"))
    questions = []
    for path in files:
        data, name = _read_yaml(path, problems), display(path)
        if data is not None:
            questions += [(name, q) for q in parse_questions(data, name, problems)]
    return topics, questions


# ------------------------------------------------------------------ rules across the bank

def assemble(topics: list[tuple[str, Topic]], questions: list[tuple[str, AnyQuestion]], problems: list[Problem],
             check_minimums: bool | Collection[str] = True) -> Bank:
    """Apply the whole-bank rules (ids, topics, duplicate prompts, minimums) to already-parsed content.

    `check_minimums` is True for every topic, False for none, or the ids of the topics to check
    (CSV import checks only the topics it writes to; the bundled bank's own minimums are CI's job).
    """
    bank = Bank()
    topic_files: dict[str, str] = {}
    for file, topic in topics:
        if topic.id in bank.topics:
            problems.append(Problem(file, topic.id, "id", f"duplicate topic: already declared in {topic_files[topic.id]}"))
            continue
        bank.topics[topic.id] = topic
        topic_files[topic.id] = file
    files_of: dict[str, str] = {}
    for file, q in questions:
        if q.id in bank.questions:
            problems.append(Problem(file, q.id, "id", f"duplicate id: already used in {files_of[q.id]}"))
            continue
        if q.topic not in bank.topics:
            known = ", ".join(bank.topics) or "none"
            problems.append(Problem(file, q.id, "topic", f"unknown topic {q.topic!r}; known topics: {known} "
                                                         "(declare new ones in topics.yaml)"))
        bank.questions[q.id] = q
        files_of[q.id] = file
    problems += near_duplicates(bank, files_of)
    if check_minimums:
        counts = Counter(q.topic for q in bank.questions.values())
        wanted = bank.topics if check_minimums is True else check_minimums
        for topic in (bank.topics[t] for t in wanted if t in bank.topics):
            if counts[topic.id] < topic.minimum:
                problems.append(Problem(topic_files[topic.id], topic.id, "minimum",
                                        f"has {_count(counts[topic.id])}, fewer than its minimum of {topic.minimum}"))
    return bank


def _read_folders(folders, problems: list[Problem]) -> tuple[list, dict[Path, list[tuple[str, AnyQuestion]]]]:
    """Every folder's topics, and its questions kept apart per folder (the giveaway check judges each on its own)."""
    topics, questions = [], {}
    for folder in map(Path, folders):
        t, questions[folder] = read_folder(folder, problems)
        topics += t
    return topics, questions


def load_bank(*folders: Path, check_minimums: bool = True) -> Bank:
    """Load and validate content folders (topics.yaml + questions/*.yaml); raise ContentError listing all."""
    problems: list[Problem] = []
    topics, per_folder = _read_folders(folders, problems)
    bank = assemble(topics, [fq for qs in per_folder.values() for fq in qs], problems, check_minimums)
    if problems:
        raise ContentError(problems)
    return bank


def check_bank(*folders: Path) -> tuple[Bank, list[Problem], list[Problem]]:
    """Everything load_bank checks plus what only `content check` (CI, authors) asks: (bank, problems, warnings).

    These rules judge the bank as a whole rather than a question, so the bot does not refuse to start over them.
    Problems: a folder whose right answers can be guessed from their length or position.
    Warnings: prompts sharing many words (unless listed in a folder's reviewed-pairs.yaml).
    """
    problems: list[Problem] = []
    topics, per_folder = _read_folders(folders, problems)
    questions = [fq for qs in per_folder.values() for fq in qs]
    bank = assemble(topics, questions, problems)
    for folder, qs in per_folder.items():
        problems += giveaways(display(folder), [q for _, q in qs if q.kind == "choice"])
    reviewed, warnings = set(), []
    for folder in map(Path, folders):
        if (folder / REVIEWED).is_file():
            reviewed |= read_reviewed(folder / REVIEWED, bank, problems, warnings)
    warnings += similar_prompts(bank, dict((q.id, f) for f, q in reversed(questions)), reviewed)
    return bank, problems, warnings


def _count(n: int) -> str:
    return f"{n} question" + ("" if n == 1 else "s")


def _normal(prompt: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", prompt.lower()).split())


def near_duplicates(bank: Bank, files_of: dict[str, str]) -> list[Problem]:
    """Prompts that are the same, or so alike (rapidfuzz) that they ask one idea twice; the later one is blamed."""
    ids = list(bank.questions)
    prompts = [_normal(bank.questions[i].prompt) for i in ids]
    # token_sort_ratio is ratio() of the sorted words: sort each prompt once instead of at every comparison
    words = [" ".join(sorted(p.split())) for p in prompts]
    first: dict[str, str] = {}
    problems = []
    for a, prompt in enumerate(prompts):
        if prompt in first:
            problems.append(Problem(files_of.get(ids[a], "?"), ids[a], "prompt", f"duplicate prompt: the same as {first[prompt]}"))
            continue
        first[prompt] = ids[a]
        for _, score, b in process.extract(words[a], words[a + 1:], scorer=fuzz.ratio,
                                           score_cutoff=NEAR_DUPLICATE, limit=None):
            other = ids[a + 1 + b]
            if prompts[a + 1 + b] != prompt:
                problems.append(Problem(files_of.get(other, "?"), other, "prompt",
                                        f"near-duplicate prompt: {score:.0f}% alike to {ids[a]}"))
    return problems


def check_one(raw: dict, bank: Bank,
              others: Collection[tuple[str, str]] = ()) -> tuple[AnyQuestion | None, list[Problem]]:
    """A question from outside the content folders (a group's own suggestion), held to the bank's rules:
    its model, a declared topic, and a prompt that repeats no question of the bank nor of `others`
    ((id, prompt) pairs). Returns the question, or None, and every problem found."""
    problems: list[Problem] = []
    question = parse_question(raw, "suggestion", None, problems)
    if question is None:
        return None, problems
    if question.topic not in bank.topics:
        problems.append(Problem("suggestion", None, "topic",
                                f"unknown topic {question.topic!r}; topics: {', '.join(bank.topics)}"))
    pool = [(q.id, q.prompt) for q in bank.questions.values()] + list(others)
    mine = " ".join(sorted(_normal(question.prompt).split()))
    found = process.extractOne(mine, [" ".join(sorted(_normal(p).split())) for _, p in pool],
                               scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE)
    if found:
        problems.append(Problem("suggestion", None, "prompt",
                                f"near-duplicate prompt: {found[1]:.0f}% alike to {pool[found[2]][0]}"))
    return (None if problems else question), problems


# ------------------------------------------------------------------ what only `content check` asks

def _tail(observed: int, chances: list[float]) -> float:
    """Two-sided p-value of `observed` hits in independent trials with these chances (exact Poisson-binomial):
    questions have 2 to 6 options, so each has its own chance of putting the answer in a given place."""
    dist = [1.0]  # dist[k]: probability of k hits so far
    for p in chances:
        dist = [a * (1 - p) + b * p for a, b in zip(dist + [0.0], [0.0] + dist)]
    return min(1.0, 2 * min(sum(dist[:observed + 1]), sum(dist[observed:])))


def _ranks(q: ChoiceQuestion) -> list[int]:
    """Each option's length rank, 0 for the longest; equal lengths share the better rank."""
    lengths = [len(c) for c in q.choices]
    return [sum(other > mine for other in lengths) for mine in lengths]


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")  # 2 to 6: a question has at most 6 options


def _stands_out(q: ChoiceQuestion) -> float:
    """How far the right option's length is from the others' mean: the more, the easier to spot."""
    others = [len(c) for i, c in enumerate(q.choices) if i != q.correct]
    return abs(len(q.answer) - sum(others) / len(others))


def giveaways(folder: str, questions: list[ChoiceQuestion]) -> list[Problem]:
    """Fail a folder whose right answers are told apart by length rank or position more often than chance allows.

    Under a fair bank the right option is any of a question's n options alike: each length rank and each
    position is tested two-sided against that, and only folders large enough to tell skew from chance.
    """
    if len(questions) < GIVEAWAY_MIN:
        return []
    tests = []  # (what, hit per question, chance per question, offenders first)
    ranks = [_ranks(q) for q in questions]
    for r in range(max(len(q.choices) for q in questions)):
        what = "the longest option" if r == 0 else f"the {_ordinal(r + 1)}-longest option"
        tests.append((what, [rs[q.correct] == r for q, rs in zip(questions, ranks)],
                      [rs.count(r) / len(rs) for rs in ranks], sorted(questions, key=_stands_out, reverse=True)))
        tests.append((f"option {chr(65 + r)}", [q.correct == r for q in questions],
                      [1 / len(q.choices) if r < len(q.choices) else 0.0 for q in questions], questions))
    tests = [t for t in tests if any(t[2])]
    problems = []
    for what, hits, chances, order in tests:
        observed, expected = sum(hits), sum(chances)
        p = _tail(observed, chances)
        if p < GIVEAWAY_P / len(tests):
            message = (f"the correct answer is {what} in {observed} of {len(questions)} choice questions, "
                       f"expected about {expected:.0f} (p = {p:.1g}): write the distractors to match")
            if observed > expected:
                hit = {q.id for q, h in zip(questions, hits) if h}
                worst = [q.id for q in order if q.id in hit][:10]
                message += f"; for example {', '.join(worst)}"
            problems.append(Problem(folder, None, None, message))
    return problems


_STOP = frozenset("""a an the and or but if then than so of to in on at by for from with into onto about over under
between after before while as is are was were be been being it its this that these those there their they them
we you your our i he she his her which what why how when where who whom whose does do did done can could would
should will shall may might must not no has have had more most less any each""".split())


def _content_words(prompt: str) -> frozenset[str]:
    """The words that carry a prompt's meaning: common words dropped, a plural s ignored."""
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _normal(prompt).split() if w not in _STOP)


def similar_prompts(bank: Bank, files_of: dict[str, str], reviewed: Collection[frozenset[str]] = ()) -> list[Problem]:
    """Warn about prompts that share many content words: one idea asked twice, or one giving away the other.

    Only a warning, because related questions may rightly share their words; a reviewed pair is listed in
    reviewed-pairs.yaml and not warned about again. Pairs the hard near-duplicate rule fails are left to it.
    """
    ids = list(bank.questions)
    words = [_content_words(bank.questions[i].prompt) for i in ids]
    warnings = []
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            union = len(words[a] | words[b])
            share = len(words[a] & words[b]) / union if union else 0
            pair = frozenset((ids[a], ids[b]))
            if SIMILAR <= share and pair not in reviewed and not _near(bank, *pair):
                warnings.append(Problem(files_of.get(ids[b], "?"), ids[b], "prompt",
                                        f"shares {share:.0%} of its content words with {ids[a]}: one idea asked "
                                        f"twice? If not, list [{ids[a]}, {ids[b]}] in {REVIEWED}"))
    return warnings


def _near(bank: Bank, a: str, b: str) -> bool:
    """Already a near-duplicate error: no need to warn as well."""
    one, two = _normal(bank.questions[a].prompt), _normal(bank.questions[b].prompt)
    return one == two or fuzz.token_sort_ratio(one, two) >= NEAR_DUPLICATE


class ReviewedPair(_Model):
    pair: tuple[Annotated[str, Field(pattern=KEBAB)], Annotated[str, Field(pattern=KEBAB)]]
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, raw):
        """`- [id-a, id-b]` is short for `- pair: [id-a, id-b]`."""
        return {"pair": raw} if isinstance(raw, list) else raw


def read_reviewed(path: Path, bank: Bank, problems: list[Problem], warnings: list[Problem]) -> set[frozenset[str]]:
    """The pairs of a reviewed-pairs.yaml (in any order); a pair naming a question that is gone is a warning."""
    data, file = _read_yaml(path, problems), display(path)
    if data is None:
        return set()
    if not isinstance(data, list):
        problems.append(Problem(file, None, None, "must be a YAML list of pairs (each item like '- [id-a, id-b]')"))
        return set()
    pairs = set()
    for n, raw in enumerate(data, 1):
        try:
            pair = ReviewedPair.model_validate(raw).pair
        except ValidationError as exc:
            problems += _problems(exc, file, f"pair #{n}")
            continue
        gone = [repr(i) for i in pair if i not in bank.questions]
        if gone:
            what = f"{gone[0]} is not a question id" if len(gone) == 1 else f"{' and '.join(gone)} are not question ids"
            warnings.append(Problem(file, f"pair #{n}", None, f"{what} any more (renamed or removed?): "
                                                              "fix or remove the pair"))
        pairs.add(frozenset(pair))
    return pairs


# ------------------------------------------------------------------ stats

def format_stats(bank: Bank) -> str:
    """Counts per topic, kind and difficulty with percentages, then one row per topic, for `content stats`."""
    total = len(bank.questions) or 1
    stats = bank.stats()
    by_topic = {t: Counter() for t in bank.topics}
    for q in bank.questions.values():
        by_topic.setdefault(q.topic, Counter()).update((q.kind, q.difficulty))

    def share(counter: Counter, keys) -> str:
        return "   ".join(f"{k} {counter[k]} ({counter[k] / total:.0%})" for k in keys)

    width = max([len("topic"), *map(len, by_topic)])
    cols = (*KINDS, *DIFFICULTIES)
    head = f"{'topic':<{width}}  {'total':>5} {'share':>6}   " + " ".join(f"{c:>6}" for c in cols)
    lines = [f"{len(bank.questions)} questions in {len(bank.topics)} topics", "",
             f"by kind:        {share(stats['kind'], KINDS)}",
             f"by difficulty:  {share(stats['difficulty'], DIFFICULTIES)}", "", head, "-" * len(head)]
    for topic, counts in by_topic.items():
        n = stats["topic"][topic]
        minimum = bank.topics[topic].minimum if topic in bank.topics else 0
        flag = f"  under its minimum of {minimum}" if n < minimum else ""
        lines.append(f"{topic:<{width}}  {n:>5} {n / total:>6.0%}   " + " ".join(f"{counts[c]:>6}" for c in cols) + flag)
    lines.append("-" * len(head))
    everything = stats["kind"] + stats["difficulty"]
    lines.append(f"{'all':<{width}}  {len(bank.questions):>5} {'100%':>6}   " + " ".join(f"{everything[c]:>6}" for c in cols))
    return "\n".join(lines)


def content_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [bundled_dir(), *(extra or [])]
