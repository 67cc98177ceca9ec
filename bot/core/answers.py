"""Short-answer matching: forgiving about typos, strict about what changes the meaning.

A typed answer is compared with every `accept` entry of a `short` question after both are put in a
normal form. A near spelling (rapidfuzz `fuzz.ratio` at or above THRESHOLD) is accepted, except
where a small edit is a different answer, not a typo:
- short answers (3 characters or fewer) must match exactly: "L1" is not "L2", "MAE" is not "MSE";
- numbers and roman numerals must agree: "type I" is not "type II", "float16" is not "bfloat16";
- a dropped or added negating prefix is the opposite: "reducible error" is not "irreducible error".
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from rapidfuzz import fuzz

THRESHOLD = 85  # fuzz.ratio, 0-100
EXACT_ONLY = 3  # normal forms this short must match exactly
MAX_TYPED = 200  # longer messages are chat, not answers
ARTICLES = {"a", "an", "the"}
NEGATIONS = ("ir", "il", "im", "in", "un", "non", "dis", "a")
_ROMAN = re.compile(r"(i{1,3}|iv|vi{0,3}|ix|x)")
_APOSTROPHE = re.compile(r"['’`]")
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
_PUNCTUATION = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)|_")


def normalise(text: str) -> str:
    """Casefold, unify Unicode forms, drop apostrophes ("Little's" = "Littles"), turn other
    punctuation into spaces ("/" too, so "1/e" and "1 / e" agree but "1e" stays different),
    keep decimal points, drop the articles a/an/the and collapse spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHE.sub("", text)
    text = _DECIMAL.sub(".", text)  # "3,5" and "3.5" are the same number
    words = _PUNCTUATION.sub(" ", text).split()
    return " ".join(w for w in words if w not in ARTICLES)


def _key_tokens(words: list[str]) -> list[str]:
    """The words a typo may not touch: anything with a digit, and roman numerals."""
    return sorted(w for w in words if any(c.isdigit() for c in w) or _ROMAN.fullmatch(w))


def _negated(typed: list[str], accepted: list[str]) -> bool:
    """True when a typed word is an accepted word with a negating prefix added or removed."""
    extra, missing = set(typed) - set(accepted), set(accepted) - set(typed)
    return any(a == p + t or t == p + a for t in extra for a in missing for p in NEGATIONS)


def close_enough(typed: str, accepted: str) -> bool:
    """Both in normal form: the same answer, give or take a typo."""
    if typed == accepted:
        return True
    if min(len(typed), len(accepted)) <= EXACT_ONLY:
        return False
    typed_words, accepted_words = typed.split(), accepted.split()
    if _key_tokens(typed_words) != _key_tokens(accepted_words) or _negated(typed_words, accepted_words):
        return False
    return fuzz.ratio(typed, accepted) >= THRESHOLD


def matches(typed: str, accept: Iterable[str]) -> bool:
    """Does a typed answer match any accepted answer?"""
    if len(typed) > MAX_TYPED:
        return False
    mine = normalise(typed)
    return bool(mine) and any(close_enough(mine, normalise(a)) for a in accept)
