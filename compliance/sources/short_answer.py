"""Scoring a short-answer reply against an item's accepted answers.

A short-answer item has no options: its ``answer`` and ``aliases`` are the accepted
replies. A reply is scored in three steps:

1. **The answer span** (:func:`answer_span`): the text after the last ``answer:`` or
   ``answer is`` when the reply has one, else the reply's first non-empty line; cut at the
   end of its first sentence.
2. **Normalization** (:func:`normalize`), of the span and of every accepted answer alike:
   Unicode NFKC, case folded, curly quotes made straight, number words made digits
   (``twelve`` → ``12``, ``twenty-seven`` → ``27``, ``one thousand`` → ``1000``),
   thousands separators dropped (``1,000`` → ``1000``), other punctuation made spaces,
   the articles *a*, *an*, *the* dropped, whitespace collapsed.
3. **The verdict** (:func:`score_short_answer`):

   - a **numeric** answer (``12``) is matched on the numbers of the span that are not
     already in the question (``7 plus 5 is 12`` names 12): right when that is exactly
     the answer, *ambiguous* (``None``, counted as unparsed) when the answer is among
     several (``12 or 13``), wrong otherwise;
   - any other answer is right when one accepted answer appears in the span as whole
     words (``It is Paris.`` for ``Paris``), wrong otherwise;
   - an empty reply has no span: ``None``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["answer_span", "normalize", "score_short_answer"]

_UNITS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORDS = _UNITS.keys() | _TENS.keys() | _SCALES.keys()
_ARTICLES = {"a", "an", "the"}
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "´": "'", "`": "'"})

_MARKER = re.compile(r"\banswer\s*(?:is|would be|:)\s*:?", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NOT_WORD = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


def answer_span(reply: str) -> str:
    """The part of ``reply`` that states its answer (see the module's step 1)."""
    text = reply.strip()
    markers = list(_MARKER.finditer(text))
    if markers:
        text = text[markers[-1].end() :].strip()
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return _SENTENCE_END.split(line, maxsplit=1)[0].strip()


def normalize(text: str) -> str:
    """``text`` normalized for comparison (see the module's step 2)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = _THOUSANDS.sub("", text)
    text = _NOT_WORD.sub(" ", text.replace("-", " "))
    words = [w for w in _numbers_as_digits(text.split()) if w not in _ARTICLES]
    return " ".join(words)


def _numbers_as_digits(words: list[str]) -> list[str]:
    """Runs of number words replaced by their value (``one hundred five`` → ``105``)."""
    out: list[str] = []
    total = current = 0
    in_number = False
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "and" and in_number and following in _NUMBER_WORDS:
            continue
        if word not in _NUMBER_WORDS:
            if in_number:
                out.append(str(total + current))
                total = current = 0
                in_number = False
            out.append(word)
            continue
        in_number = True
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif _SCALES[word] == 100:
            current = (current or 1) * 100
        else:
            total += (current or 1) * _SCALES[word]
            current = 0
    if in_number:
        out.append(str(total + current))
    return out


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def _contains(span: str, phrase: str) -> bool:
    return bool(phrase) and re.search(rf"(?<!\S){re.escape(phrase)}(?!\S)", span) is not None


def score_short_answer(reply: str | None, accepted: list[str], question: str) -> bool | None:
    """True right, False wrong, None unparsed (no span, or several numbers including the
    answer); see the module's step 3."""
    if reply is None or not reply.strip():
        return None
    span = normalize(answer_span(reply))
    if not span:
        return None
    answers = [normalize(a) for a in accepted]
    numeric = [a for a in answers if _is_number(a)]
    if numeric:
        asked = set(_NUMBER.findall(normalize(question)))
        named = {float(n) for n in _NUMBER.findall(span) if n not in asked}
        wanted = {float(a) for a in numeric}
        if named and named <= wanted:
            return True
        if named & wanted:
            return None
        if named:
            return False
    return any(_contains(span, a) for a in answers if a)
