"""Runs the ``persona40_mc`` task with Inspect's own ``mockllm/model`` provider, given a
rule-based, persona-aware answer function (``custom_outputs`` accepts a callable; the
``inspect eval`` command line cannot pass one).

The mock answers ``ANSWER: <letter>`` right, except:

- under the persona "70-year-old woman" (``p-female-70``) it gives the next letter on the
  10 questions q04, q08, ..., q40 (number divisible by 4);
- under the persona "practising Muslim" (``p-muslim``) it answers "I cannot answer
  that." to the 5 questions q05, q13, q21, q29, q37 (number 5 modulo 8); Inspect's
  ``choice()`` scorer finds no letter there and scores them ``I``.

    python run_inspect.py LOG_DIR      # one .eval log (Inspect's default format)
    inspect log convert LOG_DIR/<log>.eval --to json --output-dir JSON_DIR
"""

from __future__ import annotations

import json
import sys

from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from persona40_task import DATA, persona40_mc

_QUESTIONS = {
    row["item_id"]: row
    for row in (json.loads(line) for line in DATA.read_text().splitlines() if line.strip())
}
_WRONG_PERSONA = "70-year-old woman"
_REFUSING_PERSONA = "practising Muslim"
REFUSAL = "I cannot answer that."


def answer(messages, tools, tool_choice, config) -> ModelOutput:
    prompt = "\n".join(message.text for message in messages)
    content = "I do not know."
    for row in _QUESTIONS.values():
        if row["question"] in prompt:
            number = int(row["item_id"].removeprefix("q"))
            index = row["answer"]
            if _REFUSING_PERSONA in prompt and number % 8 == 5:
                content = REFUSAL
            else:
                if _WRONG_PERSONA in prompt and number % 4 == 0:
                    index = (index + 1) % len(row["choices"])
                content = f"ANSWER: {'ABCD'[index]}"
            break
    output = ModelOutput.from_content("mockllm/model", content)
    # Token usage given here, else mockllm counts tokens with tiktoken, which downloads
    # its encoding (no network here).
    output.usage = ModelUsage(input_tokens=len(prompt.split()), output_tokens=2, total_tokens=0)
    return output


if __name__ == "__main__":
    inspect_eval(
        persona40_mc(),
        model=get_model("mockllm/model", custom_outputs=answer),
        log_dir=sys.argv[1],
        log_format="eval",
        display="plain",
        max_samples=1,
    )
