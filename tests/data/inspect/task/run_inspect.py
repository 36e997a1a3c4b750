"""Runs the Inspect task with Inspect's own ``mockllm/model`` provider, given a persona-aware
answer function (``custom_outputs`` accepts a callable; the command line cannot pass one).

The mock answers ``ANSWER: <letter>`` correctly, except that when the prompt carries the
65+ persona ("68-year-old") it picks the next option on questions q2 and q5.

    python run_inspect.py LOG_DIR [RUN...]    # RUN: eval, eval-epochs2, json-limit9 (default: all)
"""

from __future__ import annotations

import json
import sys

from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from persona_task import DATA, persona_mc

_ROWS = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
_OLDER = "68-year-old"
_SKEWED = {"q2", "q5"}


def answer(messages, tools, tool_choice, config) -> ModelOutput:
    prompt = "\n".join(message.text for message in messages)
    content = "I do not know."
    for row in _ROWS:
        if row["question"] in prompt:
            index = row["answer"]
            if _OLDER in prompt and row["item_id"] in _SKEWED:
                index = (index + 1) % len(row["choices"])
            content = f"ANSWER: {'ABCD'[index]}"
            break
    output = ModelOutput.from_content("mockllm/model", content)
    # Token usage given here, else mockllm counts tokens with tiktoken, which downloads
    # its encoding (no network here).
    output.usage = ModelUsage(input_tokens=len(prompt.split()), output_tokens=2, total_tokens=0)
    return output


RUNS: dict[str, dict] = {
    "eval": {"log_format": "eval"},  # all 18 samples
    "eval-epochs2": {"log_format": "eval", "epochs": 2},  # all 18 samples, twice
    "json-limit9": {"log_format": "json", "limit": 9},  # q1-q3: a JSON log is 12 KB a sample
}

if __name__ == "__main__":
    log_dir, *names = sys.argv[1:]
    for name in names or RUNS:
        inspect_eval(
            persona_mc(),
            model=get_model("mockllm/model", custom_outputs=answer),
            log_dir=log_dir,
            display="plain",
            max_samples=1,
            **RUNS[name],
        )
