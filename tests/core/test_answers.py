"""Short-answer matching: numbers in digits or words, metric cut-offs, and every short question of the bank.

The table lists answers that must match and answers that must not: a forgiving matcher is only useful
while it still refuses the wrong number, the opposite term and the neighbouring metric.
"""
from pathlib import Path

import pytest
import yaml

from bot.content import bundled_dir
from bot.answers import matches, matching

MUST_MATCH = [
    # a number in digits or words, with or without its unit or noun
    ("4 columns", ("4",)), ("Four columns", ("4",)), ("four", ("4",)), ("4", ("4",)),
    ("4", ("4 columns",)), ("four", ("4 columns",)), ("Four columns", ("4 columns",)), ("4 colums", ("4 columns",)),
    ("the 4 columns", ("4 columns",)), ("4.", ("4",)),
    # one value, many spellings
    ("21/6", ("3.5",)), ("3½", ("3.5",)), ("3.5", ("3.5",)), ("3,5", ("3.5",)), ("3.50", ("3.5",)),
    ("three and a half", ("3.5",)), ("Three and a half", ("7/2",)), ("7/2", ("3.5",)), ("7 / 2", ("3.5",)),
    ("3 1/2", ("3.5",)), ("3 and a half", ("3.5",)), ("3.5", ("three and a half",)),
    ("twenty-one", ("21",)), ("twenty one", ("21",)), ("a hundred and five", ("105",)), ("one hundred", ("100",)),
    ("two thousand", ("2,000",)), ("1,000", ("1000",)), ("ten", ("10 folds",)), ("nineteen", ("19",)),
    ("half", ("0.5",)), ("a half", ("1/2",)), (".5", ("0.5",)), ("a quarter", ("1/4",)), ("one third", ("1/3",)),
    ("two thirds", ("2/3",)), ("three quarters", ("0.75",)), ("two and three quarters", ("2.75",)),
    ("36.8 %", ("36.8%",)), ("36.8 percent", ("36.8%",)), ("36.8", ("36.8%",)), ("minus one", ("-1",)),
    # a metric's cut-off is not part of its name
    ("MRR@k", ("MRR",)), ("MRR@10", ("MRR",)), ("mrr @ k", ("MRR",)), ("NDCG@5", ("nDCG",)),
    ("precision@5", ("precision@k",)), ("MRR", ("MRR@k",)),
    # the rules that were there before numbers
    ("Irreducable eror", ("irreducible error",)), ("l1", ("L1",)), ("1 / e", ("1/e",)),
    ("type 2 error", ("type 2 error",)),
]

MUST_NOT_MATCH = [
    # a different number is never a typo, whatever its unit
    ("5 columns", ("4 columns",)), ("5", ("4 columns",)), ("five", ("4",)), ("five columns", ("4",)),
    ("forty", ("4",)), ("fourteen", ("4",)), ("four hundred", ("4",)), ("-4", ("4",)), ("minus four", ("4",)),
    ("0.35", ("3.5",)), ("35", ("3.5",)), ("3", ("3.5",)), ("three", ("3.5",)), ("three and a quarter", ("3.5",)),
    ("1/3", ("0.33",)), ("0.33", ("1/3",)), ("2/3", ("3/2",)), ("1,000", ("1.0",)), ("0.368", ("36.8%",)),
    ("3 columns and a half", ("3.5",)),
    # the same number of something else, or more than one number
    ("4 rows", ("4 columns",)), ("4 or 5", ("4",)), ("4 5", ("4",)), ("4x", ("4",)),
    # "1/e" is not the number 1 with a unit
    ("1", ("1/e",)), ("1e", ("1/e", "1 / e")), ("e", ("1/e",)), ("one", ("1/e",)),
    # cut-offs do not make different metrics the same, and two stated cut-offs must agree
    ("MRR@k", ("MAP",)), ("recall@k", ("precision@k",)), ("precision@1", ("precision@5",)), ("MAP@10", ("MRR",)),
    # short answers exact, digits and roman numerals agree, negation prefixes
    ("L2", ("L1",)), ("MSE", ("MAE",)), ("type I error", ("type II error",)), ("float16", ("bfloat16",)),
    ("reducible error", ("irreducible error",)), ("directed cyclic graph", ("directed acyclic graph",)),
    ("zero-shot", ("one-shot",)), ("", ("4",)), ("x" * 300, ("x" * 300,)),
]


@pytest.mark.parametrize("typed, accept", MUST_MATCH, ids=lambda v: v if isinstance(v, str) else None)
def test_must_match(typed, accept):
    assert matches(typed, accept)


@pytest.mark.parametrize("typed, accept", MUST_NOT_MATCH, ids=lambda v: v if isinstance(v, str) else None)
def test_must_not_match(typed, accept):
    assert not matches(typed, accept)


def test_matching_names_the_accepted_answer_that_matched():
    assert matching("four columns", ("five", "4", "4 columns")) == "4"
    assert matching("five", ("4", "4 columns")) is None


# ------------------------------------------------------------------ every short question of the bundled bank

def _shorts() -> list:
    """Read straight from the YAML, so that a question the model refuses is still tested, not skipped."""
    found = []
    for path in sorted((bundled_dir() / "questions").glob("*.yaml")):
        found += [q for q in yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
                  if isinstance(q, dict) and q.get("kind") == "short"]
    return found


@pytest.mark.parametrize("question", _shorts(), ids=lambda q: q.get("id"))
def test_every_accept_matches_and_every_reject_is_refused(question):
    accept, reject = question.get("accept") or [], question.get("reject") or []
    assert len(reject) >= 2, f"{question['id']} names {len(reject)} wrong answer(s) to reject; it needs at least 2"
    assert [a for a in accept if not matches(a, accept)] == []
    assert [(r, matching(r, accept)) for r in reject if matching(r, accept)] == []


@pytest.mark.parametrize("typed, accept, expected", [
    ("type one error", ["type two error"], False),  # number words are not typos
    ("first order", ["second order"], False),
    ("1", ["1 - precision"], False),  # a subtraction, not "1 precision"
    ("1", ["1 over e"], False),
    ("1", ["one twelfth"], False),
    ("4 dollars", ["4", "4 columns"], False),  # the question's own noun for that number
    ("4 columns", ["4", "4 columns"], True),
    ("4", ["4-bit NormalFloat"], False),  # a name that starts with a number is not a quantity
    ("4", ["4 columns"], True),
])
def test_numbers_keep_their_meaning(typed, accept, expected):
    assert matches(typed, accept) is expected
