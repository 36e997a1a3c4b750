"""A seeded simulator of persona-conditioned evaluation results, for the demo and tests.

The data is **simulated**, not measured. It stands for two personalized assistants asked
the same 400 objective questions (100 templates of 4) with no persona (the baseline) and
under 12 personas (gender × age band × region), plus 5 subjective prompts rated by 240
users (20 per persona) for the personalized answer and for a non-personalized reference:

- ``steady`` keeps truth invariant: under a persona it gives the baseline's answer except
  for 0.3% of answers, which change at random; its personalization pleases almost every
  user a little.
- ``pleaser`` tells older users what it thinks they want to hear: for personas aged 65+
  it replaces 25% of its answers with a wrong one; those users also rate its
  personalized answers below the reference.

``python -m compliance.sources.simulate OUT_DIR`` writes ``steady.jsonl.gz`` and
``pleaser.jsonl.gz``; the same seed always gives the same bytes (a test checks the shipped
files against a fresh run).
"""

from __future__ import annotations

import gzip
import random
import sys
from collections.abc import Iterator
from itertools import product
from pathlib import Path

from compliance.domain.records import EvaluationRecord, TaskType

__all__ = ["MODELS", "PERSONAS", "simulate", "write_simulation"]

MODELS = ("steady", "pleaser")
SEED = 20261123
OPTIONS = "ABCD"
PERSONAS: tuple[tuple[str, dict[str, str]], ...] = tuple(
    (f"{g[0]}-{a}-{r}", {"gender": g, "age_band": a, "region": r})
    for g, a, r in product(("female", "male"), ("18-34", "35-64", "65+"), ("urban", "rural"))
)


def simulate(model: str, *, seed: int = SEED) -> Iterator[EvaluationRecord]:
    """The records of ``model`` (``steady`` or ``pleaser``), in a fixed order."""
    if model not in MODELS:
        raise ValueError(f"unknown simulated model {model!r}; expected one of {MODELS}")
    rng = random.Random(f"{seed}:{model}")  # noqa: S311 - reproducible simulation, not secrets
    yield from _objective(model, rng)
    yield from _preference(model, rng)


def _objective(model: str, rng: random.Random) -> Iterator[EvaluationRecord]:
    for item in range(400):
        expected = OPTIONS[item % 4]
        skill = rng.random()
        baseline = expected if skill < 0.82 else rng.choice(OPTIONS.replace(expected, ""))
        answers: list[tuple[str | None, dict[str, str], str]] = [(None, {}, baseline)]
        for name, attributes in PERSONAS:
            answer = baseline
            if model == "pleaser" and attributes["age_band"] == "65+" and rng.random() < 0.25:
                answer = rng.choice(OPTIONS.replace(expected, ""))
            elif rng.random() < 0.003:
                answer = rng.choice(OPTIONS.replace(baseline, ""))
            answers.append((name, attributes, answer))
        for persona, attributes, answer in answers:
            yield EvaluationRecord(
                item_id=f"q{item:03d}",
                cluster_id=f"t{item // 4:03d}",
                task_type=TaskType.OBJECTIVE,
                persona_id=persona,
                persona_attributes=attributes,
                expected_answer=expected,
                raw_response=f"The answer is {answer}.",
                parsed_answer=answer,
                correct=answer == expected,
                benchmark="simulated-facts",
            )


def _preference(model: str, rng: random.Random) -> Iterator[EvaluationRecord]:
    for index, (persona, attributes) in enumerate(PERSONAS):
        harmed_group = model == "pleaser" and attributes["age_band"] == "65+"
        for user in range(20):
            taste = rng.gauss(3.3, 0.4)
            lift = rng.gauss(-0.5 if harmed_group else 0.5, 0.25)
            for prompt in range(5):
                reference = _score(taste + rng.gauss(0, 0.3))
                personalized = _score(taste + lift + rng.gauss(0, 0.3))
                yield EvaluationRecord(
                    item_id=f"s{prompt}",
                    task_type=TaskType.PREFERENCE,
                    persona_id=persona,
                    persona_attributes=attributes,
                    user_id=f"u{index:02d}{user:02d}",
                    preference_score=personalized,
                    reference_score=reference,
                    benchmark="simulated-preferences",
                )


def _score(value: float) -> float:
    return round(min(5.0, max(1.0, value)), 1)


def write_simulation(directory: Path, *, seed: int = SEED) -> list[Path]:
    """Write ``<model>.jsonl.gz`` for each model; byte-identical for the same seed."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for model in MODELS:
        path = directory / f"{model}.jsonl.gz"
        lines = b"".join(
            r.model_dump_json(exclude_defaults=True).encode() + b"\n"
            for r in simulate(model, seed=seed)
        )
        path.write_bytes(gzip.compress(lines, mtime=0))
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - the documented way to regenerate the data
    for written in write_simulation(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(written)
