"""The lm-evaluation-harness command line with one more model registered: ``persona-mock``.

A deterministic stand-in for a personalized model, free of any download: it answers every
question correctly, except that when the prompt carries the 65+ persona ("68-year-old")
it picks the next option on questions q2 and q5. It reads the task's own data file to
know the questions and their answers. Everything else is the harness's own CLI
(``lm_eval.__main__.cli_evaluate``): task loading, prompting, metrics, ``--log_samples``.

    python run_lm_eval.py run --model persona-mock --tasks persona_mc persona_qa \
        --include_path . --output_path out --log_samples
"""

from __future__ import annotations

import json
from pathlib import Path

import lm_eval.models  # noqa: F401  (registers the built-in models first)
from lm_eval.__main__ import cli_evaluate
from lm_eval.api.model import LM
from lm_eval.api.registry import register_model

_DATA = Path(__file__).with_name("persona_questions.jsonl")
_OLDER = "68-year-old"
_SKEWED = {"q2", "q5"}


def _questions() -> list[dict]:
    rows = [json.loads(line) for line in _DATA.read_text().splitlines() if line.strip()]
    return list({row["item_id"]: row for row in rows}.values())


def _answer(prompt: str) -> str:
    """The option text the mock gives for a prompt."""
    for row in _QUESTIONS:
        if row["question"] in prompt:
            index = row["answer"]
            if _OLDER in prompt and row["item_id"] in _SKEWED:
                index = (index + 1) % len(row["choices"])
            return row["choices"][index]
    raise ValueError(f"unknown question in prompt: {prompt!r}")


_QUESTIONS = _questions()


@register_model("persona-mock")
class PersonaMock(LM):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    @classmethod
    def create_from_arg_string(cls, arg_string, additional_config=None):
        return cls()

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        out = []
        for request in requests:
            context, continuation = request.args
            chosen = _answer(context).strip() == continuation.strip()
            out.append((-0.25 if chosen else -3.0, chosen))
        return out

    def generate_until(self, requests, disable_tqdm: bool = False):
        return [" " + _answer(request.args[0]) for request in requests]

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        return [-1.0 for _ in requests]


if __name__ == "__main__":
    cli_evaluate()
