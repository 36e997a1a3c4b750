"""The lm-evaluation-harness adapter: ``--log_samples`` files as canonical records.

``lm_eval ... --output_path OUT --log_samples`` writes, per task, one JSON object per
(document, filter) to ``OUT/<model>/samples_<task>_<timestamp>.jsonl``:
``doc_id``, ``doc`` (the dataset row), ``target``, ``arguments`` (the requests),
``resps`` and ``filtered_resps`` (the model's answers before and after the task's
filters), ``filter`` (the filter's name), ``metrics`` (the names) and one key per metric
with this sample's value (``"acc": 1.0``).

Mapping, per sample:

- ``item_id``: ``<task>:<value at item_id_field>`` (default the ``doc_id``; point it at
  a question id in the doc, e.g. ``doc.item_id``, when one question is asked under
  several personas, so that the baseline and persona answers pair up);
- ``expected_answer``: ``target``; for multiple-choice tasks, where the target is the
  index of the right choice, the text of that choice;
- ``raw_response``: the generation as the model gave it (``resps``); for multiple-choice
  tasks the choice of highest log-likelihood (length-normalized for ``acc_norm``);
- ``parsed_answer``: the filtered response (``filtered_resps``), stripped; ``null`` when
  the filter found no answer (empty or ``[invalid]``), and ``correct`` is then ``null``
  too: an unparsed answer is not a wrong one here, even though the harness counts it so
  (unless the generation is a refusal: then the harness's score is kept);
- ``correct``: the per-sample metric (``metric``; default ``acc``, else
  ``exact_match``), which must be 0 or 1;
- ``refused``: a generation (``generate_until``) that the shared classifier
  (:mod:`compliance.sources.refusals`, plus the source's ``refusal_patterns``) reads as a
  refusal; ``correct`` keeps the harness's score ("I cannot answer that." scored 0 is
  ``correct=false, refused=true``). A multiple-choice answer is a log-likelihood
  choice, never a refusal;
- persona: ``persona_attributes`` the object at ``persona_field`` (default
  ``doc.persona``), ``persona_id`` the value at ``persona_id_field`` (default
  ``doc.persona_id``, else ``doc.persona.id``); the scheme, shared with Inspect, is
  :mod:`compliance.sources.persona_fields`. An id with null attributes (``persona_id:
  "baseline", persona: null``) is a persona without attributes, which the ingest takes as
  the baseline when it is the only one (or names with ``baseline_persona``); both null
  is the baseline;
- ``benchmark``: the task name; ``extra`` keeps ``lm_eval.doc_id``, ``lm_eval.filter``
  and every metric value of the sample.

A task run with several filters (``strict-match``, ``flexible-extract``) logs each
document once per filter; the records come from one filter: ``filter``, or else the
first one in the file. A directory is searched for samples files; when it holds several
runs of a task side by side, the latest (by the timestamp in the name) is read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.domain.records import EvaluationRecord, RecordKey, TaskType
from compliance.errors import InputError
from compliance.sources.canonical import NumberedRecord, input_error_from_validation
from compliance.sources.config import LmEvalSourceConfig
from compliance.sources.files import open_lines
from compliance.sources.persona_fields import judgement_at, persona_at, scalar_at
from compliance.sources.refusals import is_refusal

__all__ = [
    "SAMPLES_FILE",
    "find_samples_files",
    "lm_eval_records",
    "read_lm_eval_samples",
    "task_of",
]

SAMPLES_FILE = re.compile(
    r"^samples_(?P<task>.+)_(?P<stamp>\d{4}-\d{2}-\d{2}T[0-9][0-9.:\-]*)\.jsonl$"
)
_DEFAULT_METRICS = ("acc", "exact_match")
_NO_ANSWER = {"", "[invalid]"}


def task_of(path: Path) -> str:
    """The task name in a ``samples_<task>_<timestamp>.jsonl`` file name."""
    match = SAMPLES_FILE.match(path.name)
    if match is None:
        raise InputError(
            "is not an lm-evaluation-harness samples file name",
            file=str(path),
            hint="expected samples_<task>_<timestamp>.jsonl, written by --log_samples",
        )
    return match["task"]


def find_samples_files(path: Path, tasks: Sequence[str] | None = None) -> list[Path]:
    """The samples files at ``path`` (a file, or a directory searched recursively), sorted.

    Of several files of one task in one directory, the latest is kept; one task in two
    directories (two models, two runs) is refused as ambiguous.
    """
    if path.is_file():
        task = task_of(path)
        if tasks is not None and task not in tasks:
            raise InputError(f"holds task {task!r}, not one of {list(tasks)}", file=str(path))
        return [path]
    if not path.is_dir():
        raise InputError("no such file or directory", file=str(path), hint="check the path")
    latest: dict[str, tuple[str, Path]] = {}
    for candidate in sorted(path.rglob("samples_*.jsonl")):
        match = SAMPLES_FILE.match(candidate.name)
        if match is None or (tasks is not None and match["task"] not in tasks):
            continue
        task, stamp = match["task"], match["stamp"]
        if task in latest:
            seen_stamp, seen = latest[task]
            if seen.parent != candidate.parent:
                raise InputError(
                    f"task {task!r} has samples files in two directories: {seen.parent} "
                    f"and {candidate.parent}",
                    file=str(path),
                    hint="give the directory of one model's run, or one file",
                )
            if stamp <= seen_stamp:
                continue
        latest[task] = (stamp, candidate)
    if not latest:
        wanted = f" of tasks {list(tasks)}" if tasks is not None else ""
        raise InputError(
            f"no lm-evaluation-harness samples files{wanted} here",
            file=str(path),
            hint="run lm_eval with --output_path and --log_samples",
        )
    return sorted(found for _, found in latest.values())


def lm_eval_records(config: LmEvalSourceConfig) -> Iterator[EvaluationRecord]:
    """Every record of the samples files that ``config`` names, file by file."""
    for path in find_samples_files(config.path, config.tasks):
        for _, record in read_lm_eval_samples(path, config):
            yield record


def read_lm_eval_samples(
    path: Path, config: LmEvalSourceConfig, *, task: str | None = None
) -> Iterator[NumberedRecord]:
    """Yield ``(line, record)`` for each sample of one samples file, streaming.

    ``task`` defaults to the one in the file name. Errors name the file, line and field.
    """
    task = task or task_of(path)
    reader = open_lines(path)
    chosen_filter = config.filter
    seen: set[RecordKey] = set()
    try:
        for line_no, raw in reader:
            if not raw.strip():
                continue
            try:
                sample = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InputError(
                    f"malformed JSON ({exc})",
                    file=str(path),
                    line=line_no,
                    hint="each line must be one complete JSON object",
                ) from None
            try:
                if not isinstance(sample, dict):
                    raise InputError("each line must be a JSON object")
                name = sample.get("filter", "none")
                if chosen_filter is None:
                    chosen_filter = name
                if name != chosen_filter:
                    continue
                record = sample_record(sample, task, config)
                if record.key in seen:
                    raise InputError(
                        "repeats the key (item_id, persona_id) of an earlier sample",
                        field=config.item_id_field,
                        value=record.item_id,
                        hint="set item_id_field (and persona_id_field) so that each "
                        "(item, persona) is one sample",
                    )
                seen.add(record.key)
            except InputError as exc:
                raise exc.at(file=str(path), line=line_no) from None
            yield line_no, record
    finally:
        reader.close()
    if chosen_filter is not None and not seen and config.filter is not None:
        raise InputError(
            f"no sample has the filter {config.filter!r}",
            file=str(path),
            field="filter",
            hint="see the 'filter' field of the lines",
        )


def sample_record(
    sample: dict[str, Any], task: str, config: LmEvalSourceConfig
) -> EvaluationRecord:
    """One logged sample as a canonical objective record."""
    if "doc_id" not in sample:
        raise InputError("is required but missing", field="doc_id", hint="is this a samples file?")
    metric = _metric_name(sample, config.metric)
    correct: bool | None = _binary(sample[metric], metric)
    filtered = sample.get("filtered_resps")
    expected = _target_text(sample)
    raw_response: str | None
    parsed: str | None
    refused = False
    extra: dict[str, Any] = {
        "lm_eval.doc_id": sample["doc_id"],
        "lm_eval.filter": sample.get("filter", "none"),
        "lm_eval.metrics": {
            name: sample[name]
            for name in sample.get("metrics", [])
            if isinstance(sample.get(name), int | float) and math.isfinite(sample[name])
        },
    }
    pairs = _loglikelihood_pairs(filtered)
    if pairs is not None and len(pairs) > 1:
        choices = _choices(sample, len(pairs))
        scores = [
            ll / max(1, len(choice.encode())) if metric == "acc_norm" else ll
            for ll, choice in zip(pairs, choices, strict=True)
        ]
        best = max(range(len(scores)), key=scores.__getitem__)
        raw_response = parsed = choices[best].strip()
        extra["lm_eval.choice"] = best
        index = _index(sample.get("target"), len(choices))
        if index is not None:
            expected = choices[index].strip()
    elif pairs is not None:  # a loglikelihood task: no answer text
        raw_response = parsed = None
    else:
        parsed = _first_text(filtered, "filtered_resps")
        raw_response = _first_text(_flatten(sample.get("resps")), "resps") or parsed
        parsed = None if parsed is None or parsed.strip() in _NO_ANSWER else parsed.strip()
        refused = is_refusal(raw_response, config.refusal_patterns)
        if parsed is None and not refused:
            correct = None
    persona_id, attributes = persona_at(
        sample, persona_field=config.persona_field, persona_id_field=config.persona_id_field
    )
    cluster = None
    if config.cluster_id_field is not None:
        value = scalar_at(sample, config.cluster_id_field)
        cluster = None if value is None else f"{task}:{value}"
    item = scalar_at(sample, config.item_id_field)
    if item is None:
        raise InputError("is required but missing", field=config.item_id_field)
    try:
        return EvaluationRecord(
            item_id=f"{task}:{item}",
            cluster_id=cluster,
            task_type=TaskType.OBJECTIVE,
            persona_id=persona_id,
            persona_attributes=attributes,
            expected_answer=expected,
            raw_response=raw_response,
            parsed_answer=parsed,
            correct=correct,
            refused=refused,
            followed_preference=judgement_at(sample, config.followed_preference_field),
            benchmark=task,
            extra=extra,
        )
    except ValidationError as exc:
        raise input_error_from_validation(exc, file=None, line=None) from None


def _metric_name(sample: dict[str, Any], configured: str | None) -> str:
    if configured is not None:
        if configured not in sample:
            raise InputError(
                "the metric is not in the sample",
                field=configured,
                hint=f"metrics of this task: {', '.join(map(str, sample.get('metrics', [])))}",
            )
        return configured
    for name in _DEFAULT_METRICS:
        if name in sample:
            return name
    raise InputError(
        "has neither an 'acc' nor an 'exact_match' metric",
        field="metrics",
        value=sample.get("metrics"),
        hint="name the 0/1 metric that decides correctness: metric: <name>",
    )


def _binary(value: Any, metric: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raise InputError(
        "must be 0 or 1 to decide correctness",
        field=metric,
        value=value,
        hint="choose a 0/1 metric (acc, exact_match) with metric: <name>",
    )


def _target_text(sample: dict[str, Any]) -> str | None:
    target = sample.get("target")
    if target is None:
        return None
    if isinstance(target, list):
        return "; ".join(str(t) for t in target)
    return str(target)


def _index(target: Any, count: int) -> int | None:
    if isinstance(target, bool):
        return None
    if isinstance(target, int):
        return target if 0 <= target < count else None
    if isinstance(target, str) and target.strip().isdigit():
        value = int(target.strip())
        return value if value < count else None
    return None


def _loglikelihood_pairs(filtered: Any) -> list[float] | None:
    """The log-likelihoods of a loglikelihood/multiple-choice response, else ``None``."""
    if not isinstance(filtered, list) or not filtered:
        return None
    values: list[float] = []
    for entry in filtered:
        if not (isinstance(entry, list) and len(entry) == 2):
            return None
        try:
            values.append(float(entry[0]))
        except (TypeError, ValueError):
            return None
    return values


def _choices(sample: dict[str, Any], count: int) -> list[str]:
    arguments = sample.get("arguments")
    texts: list[str] = []
    if isinstance(arguments, dict):
        for request in arguments.values():
            if isinstance(request, dict) and isinstance(request.get("arg_1"), str):
                texts.append(request["arg_1"])
    elif isinstance(arguments, list):  # older harness versions: [[context, continuation]...]
        texts = [a[1] for a in arguments if isinstance(a, list) and len(a) == 2]
    if len(texts) != count:
        raise InputError(
            f"has {len(texts)} choices for {count} responses",
            field="arguments",
            hint="a multiple-choice sample needs one (context, continuation) per choice",
        )
    return texts


def _flatten(value: Any) -> Any:
    while isinstance(value, list) and value and isinstance(value[0], list):
        value = value[0]
    return value


def _first_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if not value:
            return None
        if isinstance(value[0], str):
            return value[0]
    raise InputError("must be text or a list of texts", field=field, value=value)
