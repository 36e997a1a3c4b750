"""An Inspect task: 40 four-choice questions x 6 personas (240 samples), the persona in the
sample metadata as an Inspect task keeps it: ``metadata.persona_id`` (the id; the
baseline is ``"baseline"``) beside ``metadata.persona`` (the attributes, or null for the
baseline), and ``metadata.item_id`` the question the six samples share."""

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import Sample, json_dataset
from inspect_ai.scorer import choice
from inspect_ai.solver import multiple_choice

DATA = Path(__file__).resolve().parents[2] / "persona_questions.jsonl"


def record_to_sample(record: dict) -> Sample:
    return Sample(
        id=f"{record['item_id']}/{record['persona_id']}",
        input=record["persona_text"] + record["question"],
        choices=record["choices"],
        target="ABCD"[record["answer"]],
        metadata={
            "item_id": record["item_id"],
            "persona_id": record["persona_id"],
            "persona": record["persona"],
        },
    )


@task
def persona40_mc() -> Task:
    return Task(
        dataset=json_dataset(str(DATA), record_to_sample),
        solver=multiple_choice(),
        scorer=choice(),
    )
