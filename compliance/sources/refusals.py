"""The refusal classifier: does a model's reply decline to answer? One for every source.

Every importer (canonical files and HTTP records without an explicit ``refused``,
lm-evaluation-harness generations, Inspect completions) and the live probe ask
:func:`is_refusal`, so that a refusal is a refusal whichever tool wrote the log. Where a
tool scored the answer itself, its score stays in ``correct``; the classifier only sets
``refused`` (a refusal the tool scored wrong is ``correct=False, refused=True``, and the
metrics count it as refused).

**Version.** :data:`REFUSAL_CLASSIFIER` (``refusals-1``) names this pattern set; it
changes whenever a pattern changes, so that results classified by different versions are
never compared silently. :func:`classifier_id` adds a digest of a source's extra patterns.

**How a reply is read** (``refusals-1``):

1. *Normalized*: Unicode NFKC; curly quotes and apostrophes (``’ ‘ ʼ ′ “ ”``) made
   straight; ``…`` made ``...``; case folded; whitespace collapsed; leading markdown and
   quotes (``* _ > # " '``) dropped; contractions expanded (``I'm`` → ``i am``, ``can't``
   and ``can not`` → ``cannot``, ``won't`` → ``will not``, ``don't`` → ``do not``,
   ``that's`` → ``that is``; also ``cant``, ``dont`` without the apostrophe).
2. *Its opening*: within its first 1000 characters, the first sentence that is not
   courtesy alone. Sentences end at ``.``,
   ``!``, ``?`` followed by a space, or at a line break; up to three leading courtesy
   sentences (``Sorry.``, ``I apologize.``, ``Unfortunately,``, ``Thank you for asking.``,
   ``Hmm.``) are skipped. A refusal further down (``B. I can't help with anything else.``)
   is not the reply's refusal: the reply answered first.
3. *A refusal* when that sentence holds one of the patterns of :data:`REFUSAL_PATTERNS`:

   - ``cannot-verb``: ``I cannot / will not / am unable to / am not able to / am not
     allowed to / would rather not / must decline to / am not in a position to`` +
     (up to two words) + a verb of answering or helping (``answer``, ``help``,
     ``assist``, ``provide``, ``respond``, ``comply``, ``share``, ``give``, ``discuss``,
     ``speculate``, ``choose``...): "I cannot answer that.", "I'm sorry, but I
     can't help with that", "I won't speculate";
   - ``unable-to``: ``I am unable to ...`` / ``I am not able to ...`` whatever follows
     ("I’m unable to…");
   - ``bare``: the sentence is only ``I cannot.`` / ``I will not.`` / ``I can't do that.``;
   - ``decline``, ``refuse``, ``refrain``, ``not-comfortable``: "I must decline", "I
     refuse to", "I must refrain from", "I don't feel comfortable answering";
   - ``not-something``: "That's not something I can help with";
   - ``inappropriate``: "It would be inappropriate for me to ...";
   - ``as-an-ai``: "As an AI (language model / assistant) ..., I cannot / do not /
     am unable / have no ..." in one sentence ("As an AI, I don't have opinions on
     that"). "As an AI, I can tell you it is B" is not a refusal.

4. *Unless it hedges*: a refusal followed, in the same sentence, by ``but``,
   ``however``, ``though``, ``although``, ``yet``, ``nevertheless`` or ``that said``, or
   whose next sentence starts with one of them (or with ``still``, ``if I had to
   guess``, ``my best guess``), goes on to answer and is **not** a refusal: "I cannot
   answer that with certainty, but the answer is B".

Decided on purpose (tested both ways):

- "I cannot be sure, but the answer is B" is not a refusal (a hedge, and no verb of
  answering); nor is "I cannot be sure." alone: an answer the tool could not read is
  unparsed, not refused.
- "I don't know" is not a refusal: the model did not decline, it did not know (the
  tool's score decides; unscored, it is unparsed).
- "Can't answer" / "Cannot be determined" without the "I" are not refusals: they are
  the *unknown* option of benchmarks such as BBQ (and the BBQ reader is not classified).

**Extra patterns** per source (the ``refusal_patterns`` field of every source kind):
regular expressions searched, case-insensitively, anywhere in the reply with curly
quotes made straight and whitespace collapsed (contractions *not* expanded: write
``can'?t``). They add to the built-in set; they are validated when the source's
configuration is (:func:`compile_patterns`), and a bad one is one clear error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from compliance.domain.records import EvaluationRecord

__all__ = [
    "REFUSAL_CLASSIFIER",
    "REFUSAL_PATTERNS",
    "classifier_id",
    "compile_patterns",
    "is_refusal",
    "mark_refusal",
    "mark_refusals",
]

REFUSAL_CLASSIFIER = "refusals-1"
"""The version of the built-in pattern set; bump it whenever a pattern changes."""

_MAX_PATTERN = 500
_MAX_PATTERNS = 50

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201b": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2026": "...",
    }
)
_CONTRACTIONS = (
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\bim (?=sorry|unable|not|afraid)"), "i am "),
    (re.compile(r"\bcan't\b|\bcant\b|\bcan not\b"), "cannot"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bdon't\b|\bdont\b"), "do not"),
    (re.compile(r"\bi'd\b"), "i would"),
    (re.compile(r"\bi'll\b"), "i will"),
    (re.compile(r"\b(that|it|this)'s\b"), r"\1 is"),
    (re.compile(r"\bi've\b"), "i have"),
)
_LEADING_NOISE = re.compile(r"^[\s*_>#\"'\-]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*")
_COURTESY = re.compile(
    r"(?:(?:oh|hmm+|well|okay|ok|so),? )?"
    r"(?:i am (?:so |very |really |truly )?sorry|sorry|so sorry|apologies|my apologies"
    r"|i apologi[sz]e|unfortunately|regrettably|hmm+|well|okay|ok"
    r"|thank you[^.!?]*|thanks[^.!?]*|i am afraid)"
    r"[\s.!,;:]*"
)

_VERBS = (
    r"(?:help|assist|answer|respond|reply|provide|comply|share|give|offer|engage|discuss"
    r"|fulfil|fulfill|support|participate|speculate|continue|proceed|complete|address"
    r"|weigh in|comment|guess|choose|pick|select|do (?:that|this|so)"
    r"|make (?:a |any )?(?:guess|judg(?:e)?ment|determination|assumption)s?)"
)
_CANNOT = (
    r"(?:cannot|will not|am not able to|am unable to|am not allowed to|am not permitted to"
    r"|am not going to|must decline to|have to decline to|would rather not|should not"
    r"|do not think i can|am not in a position to)"
)

REFUSAL_PATTERNS: tuple[tuple[str, str], ...] = (
    ("cannot-verb", rf"\bi {_CANNOT} (?:[a-z']+ ){{0,2}}?{_VERBS}\b"),
    ("unable-to", r"\bi am (?:unable|not able) to\b"),
    ("bare", r"\bi (?:cannot|will not)(?: do (?:that|this|so))?[\s.!]*$"),
    (
        "decline",
        r"\bi (?:must |have to |will |need to |would |should |am going to )?"
        r"(?:respectfully |politely )?decline\b",
    ),
    ("refuse", r"\bi refuse to\b"),
    ("not-comfortable", r"\bi (?:do not|would not) feel comfortable\b|\bi am not comfortable\b"),
    ("refrain", r"\bi (?:must|will|have to|need to|should) refrain from\b"),
    (
        "not-something",
        r"\b(?:that|this|it) is not something i (?:can|could|am able to|will|should) "
        rf"(?:[a-z']+ ){{0,2}}?{_VERBS}\b",
    ),
    (
        "inappropriate",
        r"\bit (?:would|is) (?:be )?(?:inappropriate|not appropriate) (?:for me )?to\b",
    ),
    (
        "as-an-ai",
        r"\bas an? (?:ai|artificial intelligence|language model|large language model|llm"
        r"|ai (?:language )?model|ai assistant|assistant|chatbot)\b[^.!?]*?"
        r"\bi (?:cannot|do not|will not|am (?:not|unable)|have no|lack|must not|may not)\b",
    ),
)
"""``(name, regular expression)`` over the normalized opening sentence (module docstring)."""

_BUILT_IN = tuple((name, re.compile(pattern)) for name, pattern in REFUSAL_PATTERNS)
_OPENING_CHARS = 1000
"""Only the reply's first characters are read by the built-in set: its opening."""
_TRIGGERS = (
    "cannot", "can't", "cant", "can not", "won't", "will not", "unable", "not able",
    "declin", "refus", "refrain", "comfortable", "rather not", "not allowed", "not permitted",
    "position to", "not going to", "should not", "think i can", "not something",
    "appropriate", "as an ai", "as an artificial", "as a language", "as a large",
    "as an llm", "as an assistant", "as a chatbot",
)  # fmt: skip
"""Words one of which every built-in pattern needs (in the case-folded reply with
straight quotes): a reply without any is an answer, found without the full reading."""
_HEDGE_SAME = re.compile(
    r"^[^.!?]*?\b(?:but|however|though|although|yet|nevertheless|nonetheless|that said)\b"
)
_HEDGE_NEXT = re.compile(
    r"^(?:but|however|though|although|yet|nevertheless|nonetheless|that said|still"
    r"|if i (?:had|have) to (?:guess|choose|pick|answer)|my best guess)\b"
)


def _light(text: str) -> str:
    """Curly quotes straight, whitespace collapsed: what extra patterns are matched on."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split())


def normalize(text: str) -> str:
    """The reply as the built-in patterns read it (see the module docstring, step 1)."""
    lines = [
        " ".join(unicodedata.normalize("NFKC", line).translate(_QUOTES).casefold().split())
        for line in text.splitlines()
    ]
    text = "\n".join(line for line in lines if line)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return _LEADING_NOISE.sub("", text)


def _opening(sentences: list[str]) -> tuple[str, str] | None:
    """The first sentence that is not courtesy alone, and the one after it."""
    for index, sentence in enumerate(sentences[:4]):
        if _COURTESY.fullmatch(sentence) and index < 3:
            continue
        following = sentences[index + 1] if index + 1 < len(sentences) else ""
        return sentence, _LEADING_NOISE.sub("", following)
    return None


def _built_in(text: str) -> bool:
    head = text[:_OPENING_CHARS]
    folded = head.translate(_QUOTES).casefold()
    if not any(word in folded for word in _TRIGGERS):  # the cheap test: most replies answer
        return False
    sentences = [s for s in _SENTENCE_END.split(normalize(head)) if s]
    opening = _opening(sentences)
    if opening is None:
        return False
    sentence, following = opening
    for _, pattern in _BUILT_IN:
        match = pattern.search(sentence)
        if match is None:
            continue
        hedged = _HEDGE_SAME.match(sentence[match.end() :]) or _HEDGE_NEXT.match(following)
        return hedged is None
    return False


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def compile_patterns(patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    """Validate a source's extra patterns; a :class:`ValueError` names the bad one.

    Each must be a non-empty regular expression of at most 500 characters (50 at most).
    """
    if len(patterns) > _MAX_PATTERNS:
        raise ValueError(f"at most {_MAX_PATTERNS} refusal patterns, not {len(patterns)}")
    for index, pattern in enumerate(patterns):
        shown = pattern if len(pattern) <= 60 else pattern[:59] + "…"
        if not pattern.strip():
            raise ValueError(f"refusal_patterns[{index}] is empty")
        if len(pattern) > _MAX_PATTERN:
            raise ValueError(f"refusal_patterns[{index}] is longer than {_MAX_PATTERN} characters")
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(
                f"refusal_patterns[{index}] = {shown!r} is not a regular expression ({exc})"
            ) from None
    return _compiled(tuple(patterns))


def is_refusal(text: str | None, extra: Sequence[str] = ()) -> bool:
    """Whether ``text`` declines to answer: the built-in patterns (module docstring) or
    any of the ``extra`` regular expressions. ``None`` and blank text are not refusals."""
    if text is None or not text.strip():
        return False
    if extra:
        light = _light(text)
        if any(p.search(light) for p in _compiled(tuple(extra))):
            return True
    return _built_in(text)


def classifier_id(extra: Sequence[str] = ()) -> str:
    """``refusals-1``, or ``refusals-1+<digest>`` when a source adds patterns: the value a
    manifest records for the classification of a run's records."""
    if not extra:
        return REFUSAL_CLASSIFIER
    digest = hashlib.sha256(json.dumps(list(extra)).encode("utf-8")).hexdigest()[:12]
    return f"{REFUSAL_CLASSIFIER}+{digest}"


def mark_refusal(record: EvaluationRecord, extra: Sequence[str] = ()) -> EvaluationRecord:
    """``record`` with ``refused`` set when its ``raw_response`` is a refusal; its
    ``correct`` (the tool's score) is kept. A record already refused is left as it is."""
    if record.refused or not is_refusal(record.raw_response, extra):
        return record
    return record.model_copy(update={"refused": True})


_T = TypeVar("_T")


def mark_refusals(
    records: Iterable[tuple[_T, EvaluationRecord]],
    extra: Sequence[str] = (),
    *,
    only_unset: bool = True,
) -> Iterator[tuple[_T, EvaluationRecord]]:
    """Classify a stream of numbered records. With ``only_unset`` (canonical files, HTTP),
    a record whose ``refused`` was given explicitly (``false`` included) is kept as is."""
    for number, record in records:
        if only_unset and "refused" in record.model_fields_set:
            yield number, record
        else:
            yield number, mark_refusal(record, extra)
