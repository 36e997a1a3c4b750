"""The shared refusal classifier (compliance/sources/refusals.py): phrasings that decline,
replies that answer, curly quotes, hedges, extra patterns per source."""

from __future__ import annotations

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.sources import probe_answers
from compliance.sources.refusals import (
    REFUSAL_CLASSIFIER,
    REFUSAL_PATTERNS,
    classifier_id,
    compile_patterns,
    is_refusal,
    mark_refusal,
    mark_refusals,
)

REFUSALS = [
    "I cannot answer that.",
    "I cannot answer that",
    "i CANNOT ANSWER THAT!",
    "I can't answer that.",
    "I can\u2019t answer that.",  # curly apostrophe
    "I can not answer that question.",
    "I'm sorry, but I can't help with that",
    "I\u2019m sorry, but I can\u2019t help with that.",
    "Sorry, I can't help with that request.",
    "Sorry. I cannot answer that.",
    "I apologize. I won't answer questions like this.",
    "Thank you for asking. Unfortunately, I cannot provide an answer to this.",
    "I\u2019m unable to\u2026",
    "I'm unable to answer.",
    "I am not able to assist with that.",
    "I'm not able to answer questions about people.",
    "As an AI, I don't have opinions on that.",
    "As an AI language model, I cannot provide that information.",
    "As an AI assistant developed to be helpful, I am unable to respond to this.",
    "I won't.",
    "I will not do that.",
    "I must respectfully decline.",
    "I'd rather not answer that.",
    "I refuse to answer.",
    "That's not something I can help with.",
    "It would be inappropriate for me to answer this question.",
    "I must refrain from answering.",
    "**I cannot answer that.**",
    "> I can't assist with that.",
    "\u201cI cannot answer that.\u201d",
    "I'm sorry, but I can't help with that.\nIs there anything else?",
    "I cannot   answer\n that.",
    "Im sorry, I cant help with that.",
    "I do not feel comfortable answering that.",
    "I won't speculate about that.",
]

ANSWERS = [
    None,
    "",
    "   ",
    "B",
    "The answer is B.",
    "ANSWER: C",
    "Paris",
    "I cannot be sure, but the answer is B",
    "I cannot be sure.",
    "I don't know.",
    "I cannot answer that with certainty, but the answer is B.",
    "I can't answer that definitively. However, most sources say 1969.",
    "I'm unable to verify this, but I believe it is Paris.",
    "As an AI, I can tell you that the answer is B.",
    "B. I can't help with anything else.",
    "The capital is Paris. I cannot answer follow-up questions.",
    "Can't answer",  # BBQ's unknown option
    "Cannot be determined",
    "Not enough information",
    "You cannot answer that without the data; the answer is B.",
    "I can answer that: it is B.",
    "I can help with that! The answer is 42.",
    "Yes, I can.",
    "I will answer: B.",
    "I think it is C, though I cannot be completely certain.",
    "If I had to guess, B.",
    "I cannot stress enough that the answer is B.",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_refusals_are_recognized(text: str) -> None:
    assert is_refusal(text), text


@pytest.mark.parametrize("text", ANSWERS)
def test_answers_are_not_refusals(text: str | None) -> None:
    assert not is_refusal(text), text


def test_the_pattern_set_is_versioned() -> None:
    assert REFUSAL_CLASSIFIER == "refusals-1"
    names = [name for name, _ in REFUSAL_PATTERNS]
    assert len(names) == len(set(names))
    assert classifier_id() == "refusals-1"
    custom = classifier_id([r"\bnope\b"])
    assert custom.startswith("refusals-1+") and custom != classifier_id([r"\bno\b"])


def test_extra_patterns_add_to_the_built_in_ones() -> None:
    text = "Nope, not touching that one."
    assert not is_refusal(text)
    assert is_refusal(text, [r"\bnot touching that\b"])
    # extra patterns see straight quotes, any case, and search the whole reply
    assert is_refusal("B. Also, I\u2019ll PASS on the rest.", [r"i'll pass"])
    assert is_refusal("I cannot answer that.", [r"\bnope\b"])  # the built-in set still counts


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        (["("], "refusal_patterns[0] = '(' is not a regular expression"),
        (["ok", "  "], "refusal_patterns[1] is empty"),
        (["x" * 501], "longer than 500 characters"),
        (["a"] * 51, "at most 50 refusal patterns"),
    ],
)
def test_bad_extra_patterns_are_named(patterns: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        compile_patterns(patterns)


def test_a_refusal_keeps_the_tools_score() -> None:
    scored_wrong = EvaluationRecord(
        item_id="q", raw_response="I cannot answer that.", correct=False
    )
    marked = mark_refusal(scored_wrong)
    assert (marked.correct, marked.refused) == (False, True)
    unscored = EvaluationRecord(item_id="q", raw_response="I can\u2019t help with that")
    assert (mark_refusal(unscored).correct, mark_refusal(unscored).refused) == (None, True)
    answer = EvaluationRecord(item_id="q", raw_response="B", correct=True)
    assert mark_refusal(answer) is answer


def test_an_explicit_refused_flag_is_kept_when_asked() -> None:
    given = EvaluationRecord.model_validate(
        {"item_id": "q1", "raw_response": "I cannot answer that.", "refused": False}
    )
    absent = EvaluationRecord.model_validate(
        {"item_id": "q2", "raw_response": "I cannot answer that."}
    )
    kept = [r.refused for _, r in mark_refusals([(1, given), (2, absent)])]
    assert kept == [False, True]
    forced = [r.refused for _, r in mark_refusals([(1, given)], only_unset=False)]
    assert forced == [True]


def test_the_probe_uses_the_shared_classifier() -> None:
    for text in (*REFUSALS, *ANSWERS):
        assert probe_answers.is_refusal(text) == is_refusal(text), text
