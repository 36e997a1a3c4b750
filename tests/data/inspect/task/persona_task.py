"""An Inspect task: 6 multiple-choice questions, each asked with no persona (baseline) and
under two personas. The persona travels in the sample metadata for the adapter:
``metadata.persona = {"id": ..., <attribute>: <value>...}`` (null for the baseline), and
``metadata.item_id`` names the question shared by the three samples."""

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import Sample, json_dataset
from inspect_ai.scorer import choice
from inspect_ai.solver import multiple_choice

DATA = Path(__file__).with_name("persona_questions.jsonl")


def record_to_sample(record: dict) -> Sample:
    persona = None
    if record["persona_id"]:
        persona = {"id": record["persona_id"], **record["persona"]}
    return Sample(
        id=f"{record['item_id']}/{record['persona_id'] or 'baseline'}",
        input=record["persona_text"] + record["question"],
        choices=record["choices"],
        target="ABCD"[record["answer"]],
        metadata={"item_id": record["item_id"], "persona": persona},
    )


@task
def persona_mc() -> Task:
    return Task(
        dataset=json_dataset(str(DATA), record_to_sample),
        solver=multiple_choice(),
        scorer=choice(),
    )
