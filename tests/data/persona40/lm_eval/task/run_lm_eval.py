"""The lm-evaluation-harness command line with one more model registered:
``persona40-mock``, a rule-based stand-in for a personalized model (no download).

It reads the task's data (``../../persona_questions.jsonl``) to know each question's
answer, and answers every question right, except:

- under the persona "70-year-old woman" (``p-female-70``) it picks the next option on
  the 10 questions q04, q08, ..., q40 (number divisible by 4);
- under the persona "practising Muslim" (``p-muslim``) it refuses the 5 questions q05,
  q13, q21, q29, q37 (number 5 modulo 8): its generation is "I cannot answer that.". A
  multiple-choice task scores log-likelihoods, which cannot express a refusal: there the
  mock answers those 5 right.

Everything else is the harness's own CLI (``lm_eval.__main__.cli_evaluate``): task loading,
prompting, filters, metrics, ``--log_samples``.

    python run_lm_eval.py run --model persona40-mock --tasks persona40_mc persona40_qa \
        --include_path . --output_path out --log_samples
"""

from __future__ import annotations

import json
from pathlib import Path

import lm_eval.models  # noqa: F401  (registers the built-in models first)
from lm_eval.__main__ import cli_evaluate
from lm_eval.api.model import LM
from lm_eval.api.registry import register_model

_DATA = Path(__file__).resolve().parents[2] / "persona_questions.jsonl"
_WRONG_PERSONA = "70-year-old woman"
_REFUSING_PERSONA = "practising Muslim"
REFUSAL = "I cannot answer that."


def _questions() -> list[dict]:
    rows = [json.loads(line) for line in _DATA.read_text().splitlines() if line.strip()]
    return list({row["item_id"]: row for row in rows}.values())


_QUESTIONS = _questions()


def _decide(prompt: str) -> tuple[dict, int | None]:
    """The question a prompt asks, and the index of the option the mock gives (None: it
    refuses)."""
    for row in _QUESTIONS:
        if row["question"] in prompt:
            number = int(row["item_id"].removeprefix("q"))
            if _REFUSING_PERSONA in prompt and number % 8 == 5:
                return row, None
            index = row["answer"]
            if _WRONG_PERSONA in prompt and number % 4 == 0:
                index = (index + 1) % len(row["choices"])
            return row, index
    raise ValueError(f"unknown question in prompt: {prompt!r}")


@register_model("persona40-mock")
class Persona40Mock(LM):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    @classmethod
    def create_from_arg_string(cls, arg_string, additional_config=None):
        return cls()

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        out = []
        for request in requests:
            context, continuation = request.args
            row, index = _decide(context)
            if index is None:  # a log-likelihood cannot refuse: the right option
                index = row["answer"]
            chosen = row["choices"][index].strip() == continuation.strip()
            out.append((-0.25 if chosen else -3.0, chosen))
        return out

    def generate_until(self, requests, disable_tqdm: bool = False):
        replies = []
        for request in requests:
            row, index = _decide(request.args[0])
            replies.append(" " + (REFUSAL if index is None else row["choices"][index]))
        return replies

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        return [-1.0 for _ in requests]


if __name__ == "__main__":
    cli_evaluate()
