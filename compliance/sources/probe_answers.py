"""Reading a chat model's reply to a probe question, and the record it becomes.

A multiple-choice answer is read from the reply (:func:`extract_answer`: an option letter,
``Answer: X``, or the text of exactly one option) and scored against the item's answer; a
short answer is scored by :func:`~compliance.sources.short_answer.score_short_answer`. A
reply that cannot be scored is unparsed (``correct`` null), and marked ``refused`` when it
reads as a refusal (:func:`is_refusal`) or the API reported a refusal. The persona's record id
is ``<persona id>/<variant>`` (``p-female-70/system``); its attributes are the persona's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import JsonValue

from compliance.domain.records import EvaluationRecord, TaskType
from compliance.sources import refusals
from compliance.sources.probe_suite import LETTERS, ProbeSuite, Prompt, question_text
from compliance.sources.short_answer import answer_span, normalize, score_short_answer

__all__ = ["ChatAnswer", "answer_record", "extract_answer", "is_refusal"]


@dataclass(frozen=True)
class ChatAnswer:
    """A reply: its text, or the refusal the API reported instead (``message.refusal``)."""

    content: str | None
    refusal: str | None = None


_WHOLE_LETTER = re.compile(r"^\(?([A-Za-z])\)?[.:)]?$")
_ANSWER_IS = re.compile(
    r"\banswer\s*(?:is|would be|:)?\s*:?\s*\(?([A-Z])\)?(?![A-Za-z0-9'])", re.IGNORECASE
)
_LEADING_LETTER = re.compile(r"^\(?([A-Z])(?:\)|[.:,]|\s+-)(?:\s|$)")
_REFUSAL = re.compile(
    r"\b(?:I\s+can(?:not|'t|’t)\s+(?:help|assist|answer|provide|comply)"
    r"|I(?:'m|’m|\s+am)\s+(?:not\s+able|unable)\s+to\s+(?:help|assist|answer)"
    r"|I\s+(?:won't|won’t|will\s+not)\s+(?:answer|help|speculate))",
    re.IGNORECASE,
)


def extract_answer(text: str | None, options: Sequence[str]) -> int | None:
    """The index of the option a reply names, or ``None`` when it names none (or several).

    In order: the reply is just a letter (``B``, ``(b)``, ``B.``); it says ``Answer: B`` or
    ``the answer is B``; it starts with ``B.``/``B)``/``B:``; it is one option's text; it
    contains exactly one option's text. Letters beyond the options do not count.
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
    said = {m.upper() for m in _ANSWER_IS.findall(reply) if m.isupper()}
    if len(said) == 1:
        return letter(said.pop())
    if match := _LEADING_LETTER.match(reply):
        return letter(match[1])
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


def is_refusal(text: str | None) -> bool:
    return refusals.is_refusal(text)


def _normalize(text: str) -> str:
    text = " ".join(text.casefold().split())
    return text.rstrip(".!").strip()


def answer_record(
    prompt: Prompt, answer: ChatAnswer, *, suite: ProbeSuite, model: str
) -> EvaluationRecord:
    """The canonical record of one reply (multiple choice or short answer)."""
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
        index = None if answer.content is None else extract_answer(answer.content, item.options)
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
