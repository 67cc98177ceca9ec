"""Short-answer matching: forgiving about typos and spelling out numbers, strict about what changes the meaning.

A typed answer is compared with every `accept` entry of a `short` question after both are put in a
normal form. A near spelling (rapidfuzz `fuzz.ratio` at or above THRESHOLD) is accepted, except
where a small edit is a different answer, not a typo:
- short answers (3 characters or fewer) must match exactly: "L1" is not "L2", "MAE" is not "MSE";
- numbers and roman numerals must agree: "type I" is not "type II", "float16" is not "bfloat16";
- a dropped or added negating prefix is the opposite: "reducible error" is not "irreducible error".

An answer that is a number, with or without a unit or noun after it, is compared by value: "four",
"4 columns" and "Four columns" are all "4"; "7/2", "3½", "3,5" and "three and a half" are all 3.5;
a different value never matches ("5 columns" is not "4 columns", "0.35" is not "3.5"). A metric's
cut-off is not part of its name: "MRR@10" and "mrr @ k" are "MRR" (two different numbers still differ).
"""
from __future__ import annotations

import re
from functools import lru_cache
import unicodedata
from fractions import Fraction
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
_AT_K = re.compile(r"(?<=\w)\s*@\s*(k|\d+)\b", re.I)

_UNITS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10 ** 6}
_PARTS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}
_PARTS |= {w + s: n for n, w in enumerate("fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(), 4)
           for s in ("", "s")}
_PARTS |= {"hundredth": 100, "hundredths": 100, "thousandth": 1000, "thousandths": 1000}
_NUMBER_WORDS = {*_UNITS, *_TENS, *_SCALES, *_PARTS}
_THOUSANDS = re.compile(r"\b[1-9]\d{0,2}(?:,\d{3})+\b(?!,\d)")
_TOKEN = re.compile(r"\d+(?:\.\d+)?/\d+(?:\.\d+)?|[\w.]+|[^\w\s]")  # "7/2" stays one word; "1/e" is three
_NUMERAL = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(?:/(\d+(?:\.\d+)?))?")


@lru_cache(maxsize=4096)  # pure, and the bank's accept lists are matched over and over
def normalise(text: str) -> str:
    """Casefold, unify Unicode forms, drop apostrophes ("Little's" = "Littles"), turn other
    punctuation into spaces ("/" too, so "1/e" and "1 / e" agree but "1e" stays different),
    keep decimal points, drop the articles a/an/the and collapse spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHE.sub("", text)
    text = _DECIMAL.sub(".", text)  # "3,5" and "3.5" are the same number
    words = _PUNCTUATION.sub(" ", text).split()
    return " ".join(w for w in words if w not in ARTICLES)


# ------------------------------------------------------------------ numbers, in digits or in words

def _words(text: str) -> list[str]:
    """Words for reading a number: like normalise, but "7/2", a leading minus and other punctuation survive,
    and "½" becomes " 1/2" (NFKC would glue "3½" into "31⁄2")."""
    text = "".join(f" {Fraction(unicodedata.numeric(c)).limit_denominator(10)} "
                   if unicodedata.category(c) == "No" and 0 < unicodedata.numeric(c, 0) < 1 else c for c in text)
    text = _APOSTROPHE.sub("", unicodedata.normalize("NFKC", text).casefold().replace("⁄", "/"))
    text = _THOUSANDS.sub(lambda m: m[0].replace(",", ""), text)  # "1,000" is a thousand, "3,5" is 3.5
    text = _DECIMAL.sub(".", text).replace("%", " percent ")
    text = re.sub(r"(?<=\d)\s*/\s*(?=\d)", "/", text)
    text = re.sub(r"^\s*([-−]|minus\b|negative\b)\s*", " minus ", text)
    text = re.sub(r"\s[-−]\s", " minus ", text).replace("-", " ").replace("_", " ")  # "1 - p" is a subtraction
    return [w.rstrip(".") for w in _TOKEN.findall(text) if w.rstrip(".")]


def _cardinal(words: list[str], i: int) -> tuple[int | None, int]:
    """A whole number spelt out from words[i] ("twenty one", "a hundred and five"): (value, next index)."""
    total = current = 0
    start, last = i, None
    while i < len(words):
        w, following = words[i], words[i + 1] if i + 1 < len(words) else ""
        if w in ("a", "an") and following in _SCALES and last is None:
            current, last = 1, "unit"
        elif w in _UNITS and (last in (None, "scale") or last == "tens" and 0 < _UNITS[w] < 10):
            current, last = current + _UNITS[w], "unit"
        elif w in _TENS and last in (None, "scale"):
            current, last = current + _TENS[w], "tens"
        elif w in _SCALES and last in ("unit", "tens"):
            total, current = (total, current * 100) if w == "hundred" else (total + current * _SCALES[w], 0)
            last = "scale"
        elif not (w == "and" and last == "scale" and (following in _UNITS or following in _TENS)):
            break
        i += 1
    return (total + current, i) if i > start else (None, i)


def _amount(words: list[str], i: int) -> tuple[Fraction | None, int]:
    """A whole number, decimal or fraction at words[i], in digits or words: (value, next index)."""
    numeral = _NUMERAL.fullmatch(words[i]) if i < len(words) else None
    if numeral:
        over = Fraction(numeral[2] or 1)
        value, i = (Fraction(numeral[1]) / over if over else None), i + 1
    else:
        value, i = _cardinal(words, i)
    if i < len(words) and words[i] in _PARTS and (value is not None or words[i] in ("half", "quarter")):
        return Fraction(1 if value is None else value) / _PARTS[words[i]], i + 1  # "two thirds", "half"
    return value, i


@lru_cache(maxsize=4096)
def number(text: str) -> tuple[Fraction, str] | None:
    """The value of an answer that is a number, and the words after it ("4 columns" -> (4, "columns")).

    None when the answer does not start with a number, or names more than one ("4 or 5", "1/e" is not a number).
    """
    words = [w for w in _words(text) if w != "the"]
    sign = -1 if words[:1] == ["minus"] else 1
    i = 1 if sign < 0 else 0
    if words[i:i + 1] in (["a"], ["an"]) and words[i + 1:i + 2] and words[i + 1] in _PARTS:
        words[i] = "one"  # "a half", "a quarter"
    value, i = _amount(words, i)
    if value is None:
        return None
    if words[i:i + 1] == ["and"] or (i < len(words) and _NUMERAL.fullmatch(words[i]) and "/" in words[i]):
        j = i + 1 if words[i] == "and" else i
        if words[j:j + 1] in (["a"], ["an"]):
            words[j] = "one"
        part, k = _amount(words, j)
        if part is not None and 0 < part < 1 and value.denominator == 1:
            value, i = value + part, k  # "three and a half", "3 1/2"
    rest = [w for w in words[i:] if w not in ARTICLES]
    if not all(w.isalpha() and w not in _NUMBER_WORDS for w in rest) or rest[:1] and rest[0] in _OPERATORS:
        return None  # "4 or 5", "1/e", "2 x 3", "1 over e": an expression, not a number with its noun
    return sign * value, " ".join(rest)


# ------------------------------------------------------------------ comparing

_OPERATORS = {"over", "times", "plus", "minus", "divided", "by", "per", "x", "or", "to", "and", "squared", "cubed",
              "root", "power", "e", "pi", "log", "ln", "exp", "sqrt"}
_ORDINALS = {"first", "second", "third", "fourth", "fifth", "1st", "2nd", "3rd"}


def _key_tokens(words: list[str]) -> list[str]:
    """The words a typo may not touch: anything with a digit, roman numerals, number words and
    ordinals ("type one error" is not "type two error", however close the letters)."""
    return sorted(w for w in words if any(c.isdigit() for c in w) or _ROMAN.fullmatch(w)
                  or w in _NUMBER_WORDS or w in _ORDINALS)


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


def _cut_off(text: str) -> tuple[str, set[str]]:
    """Drop "@k" / "@10" after a metric's name, and say which cut-offs were named."""
    return _AT_K.sub("", text), {k.casefold() for k in _AT_K.findall(text)}


def same_answer(typed: str, accepted: str) -> bool:
    """One typed answer against one accepted answer, both as written."""
    typed, typed_k = _cut_off(typed)
    accepted, accepted_k = _cut_off(accepted)
    typed_k, accepted_k = typed_k - {"k"}, accepted_k - {"k"}  # "@k" stands for any cut-off
    if typed_k and accepted_k and typed_k != accepted_k:
        return False  # precision@1 is not precision@5
    mine, theirs = number(typed), number(accepted)
    if mine and theirs:
        if mine[0] != theirs[0]:
            return False  # a different number is never a typo
        if not theirs[1] or not mine[1] and " " not in theirs[1] or \
                mine[1] and close_enough(normalise(mine[1]), normalise(theirs[1])):
            return True  # "4" and "4 columns": one unit or noun is optional; a longer name is not ("4-bit NormalFloat")
    typed, accepted = normalise(typed), normalise(accepted)
    return bool(typed) and close_enough(typed, accepted)


def matches(typed: str, accept: Iterable[str]) -> bool:
    """Does a typed answer match any accepted answer? A number's noun must be one the question uses
    for that number, when it names any: "4 dollars" is not "4 columns"."""
    if len(typed) > MAX_TYPED:
        return False
    accept = list(accept)
    mine = number(typed)
    if mine and mine[1]:
        nouns = [n[1] for n in map(number, accept) if n and n[0] == mine[0] and n[1]]
        if nouns and not any(close_enough(normalise(mine[1]), normalise(noun)) for noun in nouns):
            return False
    return any(same_answer(typed, a) for a in accept)


def matching(typed: str, accept: Iterable[str]) -> str | None:
    """The first accepted answer a typed one matches, to name it in messages."""
    return next((a for a in accept if matches(typed, [a])), None)
