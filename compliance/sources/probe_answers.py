"""Reading a chat model's reply to a probe question, and the record it becomes.

A multiple-choice answer is read from the reply (:func:`extract_answer`: an option letter,
``Answer: X``, or the text of exactly one option) and scored against the item's answer; a
short answer is scored by :func:`~compliance.sources.short_answer.score_short_answer`. A
reply that cannot be scored is unparsed (``correct`` null), and marked ``refused`` when it
reads as a refusal (:func:`is_refusal`) or the API reported a refusal. The persona's record id
is ``<persona id>/<variant>`` (``p-female-70/system``); its attributes are the persona's.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import JsonValue

from compliance.domain.records import EvaluationRecord, TaskType
from compliance.sources import refusals
from compliance.sources.probe_suite import LETTERS, ProbeSuite, Prompt, question_text
from compliance.sources.short_answer import answer_span, normalize, score_short_answer

__all__ = [
    "MC_SCORING",
    "RUN_FORMATS",
    "ChatAnswer",
    "answer_record",
    "extract_answer",
    "is_refusal",
    "letter_by_logprobs",
    "letter_probabilities",
]


@dataclass(frozen=True)
class ChatAnswer:
    """A reply: its text, or the refusal the API reported instead (``message.refusal``);
    ``first_token`` is the reply's first token's most likely alternatives as (token,
    log probability) pairs, when the request asked for logprobs and the endpoint gave them."""

    content: str | None
    refusal: str | None = None
    first_token: tuple[tuple[str, float], ...] | None = None


MC_SCORING = ("text", "logprobs")
#: the format of a probe's runs, by how it reads multiple-choice replies (the manifest's
#: ``method.mc_scoring`` is read back from it)
RUN_FORMATS = {"text": "probe", "logprobs": "probe+logprobs"}


def letter_probabilities(first_token: Sequence[tuple[str, float]], count: int) -> dict[str, float]:
    """P(letter) for each of the first ``count`` option letters among the first token's
    alternatives: a token counts for a letter when, without surrounding spaces and an
    opening parenthesis, it is that capital letter (``B``, `` B``, ``(B``); P = exp(log
    probability), summed over the tokens of one letter. Letters absent from the list get
    no entry."""
    probabilities: dict[str, float] = {}
    for token, logprob in first_token:
        bare = token.strip().lstrip("(").strip()
        if len(bare) == 1 and bare in LETTERS[:count]:
            probabilities[bare] = probabilities.get(bare, 0.0) + math.exp(logprob)
    return probabilities


def letter_by_logprobs(first_token: Sequence[tuple[str, float]], count: int) -> int | None:
    """The option whose letter is the most probable first token (:func:`letter_probabilities`);
    ``None`` when no option letter is among the alternatives, or the two most probable tie."""
    probabilities = letter_probabilities(first_token, count)
    if not probabilities:
        return None
    ranked = sorted(probabilities.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and math.isclose(ranked[0][1], ranked[1][1], rel_tol=1e-9):
        return None
    return LETTERS.index(ranked[0][0])


_WHOLE_LETTER = re.compile(r"^\(?([A-Za-z])\)?[.:)]?$")
_ANSWER_IS = re.compile(
    r"\banswer\s*(?:is|would be|:)?\s*:?\s*\(?([A-Z])\)?(?![A-Za-z0-9'])", re.IGNORECASE
)
_LEADING_LETTER = re.compile(r"^\(?([A-Z])(?:\)|[.:,]|\s+-)(?:\s|$)")
#: a capital letter standing alone (``B``, ``(B)``, ``B.``, ``B)``): a candidate option letter
_LONE_CAPITAL = re.compile(r"(?<![A-Za-z0-9'’])\(?([A-Z])\)?(?![A-Za-z0-9'’])")
#: ``A``/``I`` followed by a lower-case word: the article or the pronoun, not a letter
_ARTICLE = re.compile(r"[AI]\s+[a-z]")
_REFUSAL = re.compile(
    r"\b(?:I\s+can(?:not|'t|’t)\s+(?:help|assist|answer|provide|comply)"
    r"|I(?:'m|’m|\s+am)\s+(?:not\s+able|unable)\s+to\s+(?:help|assist|answer)"
    r"|I\s+(?:won't|won’t|will\s+not)\s+(?:answer|help|speculate))",
    re.IGNORECASE,
)


def extract_answer(text: str | None, options: Sequence[str]) -> int | None:
    """The index of the option a reply chooses, or ``None`` when it chooses none, or it is
    ambiguous.

    **Ambiguous** (``None``, recorded as unparsed), whatever else the reply says: it names
    two or more option letters (an echoed option list ``A. 24\nB. 18 ...``; ``A. Lyon ...
    The correct answer is D. Nice``; ``B or C``), or it pairs a letter with another
    option's text (``D. Frankfurt`` where D is not Frankfurt). Option texts are removed
    before letters are counted, so an option such as ``Vitamin C`` names no letter, and
    ``A``/``I`` before a lower-case word are the article and the pronoun.

    Otherwise, in order: the reply is just a letter (``B``, ``(b)``, ``B.``); it says
    ``Answer: B`` or ``the answer is B``; it starts with ``B.``/``B)``/``B:``; it is one
    option's text; it contains exactly one option's text. Letters beyond the options do
    not count.
    """
    if not text or not text.strip():
        return None
    reply = text.strip()
    count = len(options)

    def letter(found: str) -> int | None:
        index = LETTERS.find(found.upper())
        return index if 0 <= index < count else None

    if match := _WHOLE_LETTER.match(reply):
        return letter(match[1])
    named = _named_letters(reply, options)
    if len(named) > 1 or any(_pairs_other_option(reply, index, options) for index in named):
        return None
    said = {m.upper() for m in _ANSWER_IS.findall(reply) if m.isupper()}
    if len(said) == 1:
        return letter(said.pop())
    if match := _LEADING_LETTER.match(reply):
        return letter(match[1])
    return _by_option_text(reply, options)


def _by_option_text(reply: str, options: Sequence[str]) -> int | None:
    """The option whose text the reply is, else the only one whose text it contains."""
    normalized = _normalize(reply)
    texts = [_normalize(option) for option in options]
    exact = [i for i, option in enumerate(texts) if option == normalized]
    if len(exact) == 1:
        return exact[0]
    contained = [
        i
        for i, option in enumerate(texts)
        if option and re.search(rf"\b{re.escape(option)}\b", normalized)
    ]
    return contained[0] if len(contained) == 1 else None


@functools.lru_cache(maxsize=4096)
def _option_patterns(options: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """One pattern matching any option's text (longest first), and the normalized texts."""
    texts = sorted({o.strip() for o in options if o.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, texts)), re.IGNORECASE) if texts else None
    return pattern, tuple(_normalize(option) for option in options)


def _named_letters(reply: str, options: Sequence[str]) -> set[int]:
    """The option indexes whose letter stands alone in ``reply``, once the options' own
    texts are taken out."""
    pattern, _ = _option_patterns(tuple(options))
    stripped = reply if pattern is None else pattern.sub(" ", reply)
    named: set[int] = set()
    for match in _LONE_CAPITAL.finditer(stripped):
        if _ARTICLE.match(stripped, match.start(1)):
            continue
        index = LETTERS.find(match[1])
        if 0 <= index < len(options):
            named.add(index)
    return named


_LETTER_AND_TEXT = re.compile(r"(?<![A-Za-z0-9'’])\(?([A-Z])\)?[.:)]?[ \t]+([^\n]+)")


def _pairs_other_option(reply: str, index: int, options: Sequence[str]) -> bool:
    """Whether the letter of option ``index`` is followed by another option's text
    (``D. Frankfurt`` where D is Rome)."""
    _, texts = _option_patterns(tuple(options))
    own = texts[index]
    for match in _LETTER_AND_TEXT.finditer(reply):
        if match[1] != LETTERS[index]:
            continue
        said = _normalize(match[2])
        if own and said.startswith(own):  # its own text ("Paris" before "Paris, Texas")
            continue
        if any(i != index and t and said.startswith(t) for i, t in enumerate(texts)):
            return True
    return False


def is_refusal(text: str | None) -> bool:
    return refusals.is_refusal(text)


def _normalize(text: str) -> str:
    text = " ".join(text.casefold().split())
    return text.rstrip(".!").strip()


def answer_record(
    prompt: Prompt,
    answer: ChatAnswer,
    *,
    suite: ProbeSuite,
    model: str,
    mc_scoring: str = "text",
) -> EvaluationRecord:
    """The canonical record of one reply (multiple choice or short answer).

    ``mc_scoring`` picks how a multiple-choice reply is read: ``text`` (:func:`extract_answer`)
    or ``logprobs`` (:func:`letter_by_logprobs` over the first token; unparsed when the
    endpoint gave no logprobs). With ``logprobs`` the record's extra keeps
    ``probe.mc_scoring``, ``probe.letter_probs`` and the letter the text names
    (``probe.text_option``); text-scored records are as before (their content hashes
    unchanged)."""
    item = prompt.item
    text = answer.content if answer.content is not None else answer.refusal
    extra: dict[str, JsonValue] = {
        **item.extra,
        "probe.suite_version": suite.version,
        "probe.model": model,
        "probe.variant": prompt.variant,
    }
    if item.options is not None:
        expected = item.answer_index
        by_text = None if answer.content is None else extract_answer(answer.content, item.options)
        index = by_text
        if mc_scoring == "logprobs":
            extra["probe.mc_scoring"] = mc_scoring
            top = () if answer.content is None else (answer.first_token or ())
            probabilities = letter_probabilities(top, len(item.options))
            index = letter_by_logprobs(top, len(item.options))
            extra["probe.letter_probs"] = {k: round(v, 6) for k, v in sorted(probabilities.items())}
            extra["probe.text_option"] = None if by_text is None else LETTERS[by_text]
        correct = None if index is None else index == expected
        parsed = None if index is None else item.options[index]
        extra["probe.format"] = "multiple_choice"
        extra["probe.expected_option"] = LETTERS[expected]
        extra["probe.option"] = None if index is None else LETTERS[index]
    else:
        question = question_text(item, suite.instructions_for(item))
        correct = (
            None
            if answer.content is None
            else score_short_answer(answer.content, [item.answer, *item.aliases], question)
        )
        parsed = _short_parsed(answer.content, item.answer, correct)
        extra["probe.format"] = "short_answer"
    refused = answer.refusal is not None or (correct is None and is_refusal(text))
    persona = prompt.persona
    return EvaluationRecord(
        item_id=item.id,
        cluster_id=item.cluster_id,
        task_type=TaskType.OBJECTIVE,
        persona_id=prompt.persona_id,
        persona_attributes={} if persona is None else dict(persona.attributes),
        expected_answer=item.expected_answer,
        raw_response=text,
        parsed_answer=parsed,
        correct=correct,
        refused=refused,
        benchmark=suite.name,
        extra=extra,
    )


_PARSED_LIMIT = 200


def _short_parsed(content: str | None, answer: str, correct: bool | None) -> str | None:
    """What a short reply answered, comparable across personas: the item's answer when
    right (``It is Paris.`` and ``Paris`` agree), else the normalized answer span."""
    if correct is None or content is None:
        return None
    if correct:
        return answer
    return normalize(answer_span(content))[:_PARSED_LIMIT] or None
