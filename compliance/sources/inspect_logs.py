"""The Inspect AI adapter: eval logs (``.eval`` and ``.json``) as canonical records.

Read with the standard library only (``zipfile``, ``json``); ``inspect_ai`` is not needed.

- A ``.json`` log is one object: ``eval`` (the task, model, ``config.epochs``,
  ``scorers``), ``status``, ``results``, and ``samples``.
- A ``.eval`` log is a zip archive: ``header.json`` (the same object without samples;
  ``_journal/start.json`` while the run is in progress) and one member per sample and
  epoch, ``samples/<id>_epoch_<n>.json``. Inspect writes its members with DEFLATE up to
  version 0.3.17x and with Zstandard (zip method 93) since; Python reads Zstandard members
  itself from 3.14 on, and before that with the ``zstandard`` package when it is
  installed (else the log is refused with a hint).

Mapping, per sample (one record per sample and epoch):

- ``item_id``: the sample ``id``, or the value of the metadata key ``item_id_key`` (the
  question shared by one question's persona samples); with several epochs,
  ``<item>#<epoch>``, and ``cluster_id`` the item, so the epochs resample together;
- ``expected_answer``: ``target`` (a list is joined with ``; ``); ``parsed_answer``: the
  scorer's ``answer`` (null when empty); both turned from an option letter into the
  option's text when the sample has ``choices``; the letters stay in ``extra``;
- ``raw_response``: the output's completion;
- ``correct``: the value of the score of ``scorer`` (default the log's first scorer):
  ``C``, 1 or true is correct, ``I``, 0 or false is wrong (both lists configurable);
  anything else (``P`` partial, ``N`` no answer) is unscored (``null``);
- ``refused``: the completion read as a refusal by the shared classifier
  (:mod:`compliance.sources.refusals`, plus the source's ``refusal_patterns``); the
  scorer's verdict stays in ``correct`` ("I cannot answer that." scored ``I`` is
  ``correct=false, refused=true``);
- persona, path-style as for lm-eval (:mod:`compliance.sources.persona_fields`): the
  attributes at ``persona_field`` (default ``metadata.persona``: an object, or null), the
  id at ``persona_id_field`` (default ``metadata.persona_id``, else
  ``metadata.persona.id``), as an Inspect task writes them::

      Sample(..., metadata={"persona_id": "p-female-65",
                            "persona": {"gender": "female", "age_band": "65+"}})
      Sample(..., metadata={"persona_id": "baseline", "persona": None})

  No id and no attributes is the baseline; an id with null attributes is a persona
  without attributes, which the ingest takes as the baseline when it is the only one (or
  names with ``baseline_persona``). The older keys ``persona_key``/``persona_id_key``
  still read (``metadata.<persona_key>.<persona_id_key>``; their old defaults are the new
  defaults, so configs stored before read the new layout too);
- ``benchmark``: the task name.

Samples that ended in an error have no answer and yield no record.

Why one module of this length: the two layouts of an Inspect log (.eval zip, .json) are read
by one sample mapper, with the archive bounds of the hostile-input limits next to the reads
they guard.
"""

from __future__ import annotations

import importlib
import io
import json
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from compliance.config import InputLimits
from compliance.domain.records import EvaluationRecord, RecordKey, TaskType
from compliance.errors import InputError
from compliance.sources.canonical import input_error_from_validation
from compliance.sources.config import InspectSourceConfig
from compliance.sources.files import RATIO_FLOOR_BYTES
from compliance.sources.persona_fields import judgement_at, persona_at
from compliance.sources.refusals import is_refusal

__all__ = ["ZIP_ZSTANDARD", "find_inspect_logs", "inspect_records", "read_inspect_log"]

ZIP_ZSTANDARD = 93
_STDLIB_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_INDEX_FILES = {"logs.json", "listing.json"}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CHUNK = 1 << 20


def find_inspect_logs(path: Path) -> list[Path]:
    """The logs at ``path``: the file itself, or the ``.eval`` and ``.json`` files under it."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError("no such file or directory", file=str(path), hint="check the path")
    found = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix in {".eval", ".json"} and p.name not in _INDEX_FILES
    )
    if not found:
        raise InputError(
            "no Inspect logs (.eval or .json) here",
            file=str(path),
            hint="inspect eval writes them to ./logs, or to --log-dir",
        )
    return found


def inspect_records(config: InspectSourceConfig) -> Iterator[EvaluationRecord]:
    """Every record of the logs that ``config`` names; a key repeated across logs is refused."""
    seen: dict[RecordKey, str] = {}
    for path in find_inspect_logs(config.path):
        for record in read_inspect_log(path, config):
            first = seen.setdefault(record.key, str(path))
            if first != str(path):
                raise InputError(
                    f"repeats the key {record.key} of a record of {first}",
                    file=str(path),
                    hint="give one log per run (or a directory with one run of each task)",
                )
            yield record


def read_inspect_log(path: Path, config: InspectSourceConfig) -> Iterator[EvaluationRecord]:
    """Yield one record per sample and epoch of one log file, ``.eval`` or ``.json``."""
    if not path.is_file():
        raise InputError("no such file", file=str(path), hint="check the path")
    if zipfile.is_zipfile(path):
        yield from _read_eval(path, config)
    elif path.suffix == ".eval":
        raise InputError(
            "is not a zip archive, as .eval logs are", file=str(path), hint="is it complete?"
        )
    else:
        yield from _read_json(path, config)


# -- the two containers ---------------------------------------------------------------


def _read_json(path: Path, config: InspectSourceConfig) -> Iterator[EvaluationRecord]:
    limit = InputLimits().max_member_bytes
    if path.stat().st_size > limit:
        raise InputError(
            f"the JSON log is larger than {limit} bytes (COMPLIANCE_MAX_MEMBER_BYTES), "
            "and is read whole; nothing was stored",
            file=str(path),
            hint="write the log as .eval (one member per sample), or raise "
            "COMPLIANCE_MAX_MEMBER_BYTES",
        )
    try:
        with path.open("rb") as handle:
            log = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"malformed JSON ({exc})", file=str(path)) from None
    if not isinstance(log, dict) or not isinstance(log.get("eval"), dict):
        raise InputError(
            "is not an Inspect eval log (no 'eval' object)",
            file=str(path),
            hint="give a log written by inspect eval (--log-format json)",
        )
    samples = log.get("samples")
    if not isinstance(samples, list) or not samples:
        raise InputError(
            "the log has no samples",
            file=str(path),
            field="samples",
            hint="run inspect eval with sample logging on (the default)",
        )
    mapper = _SampleMapper(log, config)
    seen: set[RecordKey] = set()
    order = _sample_order(log)
    ranked = sorted(
        range(len(samples)),
        key=lambda i: order(*_json_sample_place(samples[i])),
    )
    for index in ranked:
        sample = samples[index]
        where = f"samples[{index}]"
        try:
            record = mapper.record(sample)
            if record is not None:
                _check_unique(record, seen)
        except InputError as exc:
            raise _located(exc, str(path), where) from None
        if record is not None:
            yield record


def _read_eval(path: Path, config: InspectSourceConfig) -> Iterator[EvaluationRecord]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"cannot open the archive ({exc})", file=str(path)) from None
    with archive:
        names = set(archive.namelist())
        header_name = next((n for n in ("header.json", "_journal/start.json") if n in names), None)
        if header_name is None:
            raise InputError(
                "has neither header.json nor _journal/start.json",
                file=str(path),
                hint="is this an Inspect .eval log?",
            )
        header = _member_json(archive, archive.getinfo(header_name), path)
        if not isinstance(header, dict) or not isinstance(header.get("eval"), dict):
            raise InputError("is not an Inspect eval header", file=f"{path}!{header_name}")
        members = [
            info
            for info in archive.infolist()
            if info.filename.startswith("samples/") and info.filename.endswith(".json")
        ]
        if not members:
            raise InputError(
                "the log has no samples",
                file=str(path),
                hint="run inspect eval with sample logging on (the default)",
            )
        members.sort(key=_member_order(header))
        mapper = _SampleMapper(header, config)
        seen: set[RecordKey] = set()
        for info in members:
            sample = _member_json(archive, info, path)
            try:
                record = mapper.record(sample)
                if record is not None:
                    _check_unique(record, seen)
            except InputError as exc:
                raise _located(exc, f"{path}!{info.filename}", None) from None
            if record is not None:
                yield record


def _sample_order(header: dict[str, Any]) -> Callable[[str, int, str], tuple[int, int, str]]:
    """The one order of a log's samples, whichever container holds them: by epoch, then
    as the dataset lists them (``eval.dataset.sample_ids``), then by member name. A
    ``.eval`` and the ``.json`` of the same log (``inspect log convert`` sorts its
    samples otherwise) so give the same records in the same order: the same run."""
    dataset = header["eval"].get("dataset")
    ids = (dataset.get("sample_ids") if isinstance(dataset, dict) else None) or []
    position = {str(sample_id): i for i, sample_id in enumerate(ids)}

    def key(sample_id: str, epoch: int, name: str) -> tuple[int, int, str]:
        return (epoch, position.get(sample_id, len(position)), name)

    return key


def _member_order(header: dict[str, Any]) -> Callable[[zipfile.ZipInfo], tuple[int, int, str]]:
    order = _sample_order(header)

    def key(info: zipfile.ZipInfo) -> tuple[int, int, str]:
        stem = info.filename.removeprefix("samples/").removesuffix(".json")
        sample_id, _, epoch = stem.rpartition("_epoch_")
        return order(sample_id, int(epoch) if epoch.isdigit() else 0, info.filename)

    return key


def _json_sample_place(sample: Any) -> tuple[str, int, str]:
    """A JSON log sample's ``(id, epoch, the name its .eval member would have)``."""
    if not isinstance(sample, dict):
        return ("", 0, "")
    sample_id, epoch = str(sample.get("id")), sample.get("epoch")
    epoch = epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else 0
    return (sample_id, epoch, f"samples/{sample_id}_epoch_{epoch}.json")


def _member_json(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> Any:
    data = _member_bytes(archive, info, path)
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"malformed JSON ({exc})", file=f"{path}!{info.filename}") from None


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """The member's bytes, refused (before and while reading) past ``max_member_bytes`` or
    the compression ratio: its declared sizes are checked first, then the bytes that come
    out of the decompressor are counted, so a member lying about its size is stopped too."""
    where = f"{path}!{info.filename}"
    limits = InputLimits()
    _check_declared(info, where, limits)
    try:
        if info.compress_type in _STDLIB_METHODS or sys.version_info >= (3, 14):
            with archive.open(info) as member:
                return _read_bounded(member, where, limits.max_member_bytes)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise InputError(f"the archive member is corrupt ({exc})", file=where) from None
    if info.compress_type == ZIP_ZSTANDARD:
        return _zstd_member(path, info, where, limits.max_member_bytes)
    raise InputError(
        f"unsupported zip compression method {info.compress_type}",
        file=where,
        hint="convert the log to JSON: inspect log convert LOG --to json --output-dir DIR",
    )


def _check_declared(info: zipfile.ZipInfo, where: str, limits: InputLimits) -> None:
    if info.file_size > limits.max_member_bytes:
        raise _member_too_large(where, limits.max_member_bytes, declared=info.file_size)
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
        raise InputError(
            f"the archive member expands {ratio:.0f} times, more than "
            f"{limits.max_compression_ratio:g} (COMPLIANCE_MAX_COMPRESSION_RATIO): "
            "a zip bomb? nothing was stored",
            file=where,
            hint="check where the log came from, or raise COMPLIANCE_MAX_COMPRESSION_RATIO",
        )


def _read_bounded(stream: IO[bytes], where: str, limit: int) -> bytes:
    """All of ``stream``, refused as soon as more than ``limit`` bytes come out of it."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise _member_too_large(where, limit, declared=None)
        chunks.append(chunk)
    return b"".join(chunks)


def _member_too_large(where: str, limit: int, *, declared: int | None) -> InputError:
    said = f"declares {declared} bytes" if declared is not None else "expands"
    return InputError(
        f"the archive member {said}, more than {limit} (COMPLIANCE_MAX_MEMBER_BYTES); "
        "nothing was stored",
        file=where,
        hint="check where the log came from, or raise COMPLIANCE_MAX_MEMBER_BYTES",
    )


def _zstd_member(path: Path, info: zipfile.ZipInfo, where: str, limit: int) -> bytes:
    """A Zstandard-compressed member, through the optional ``zstandard`` package."""
    try:
        zstandard = importlib.import_module("zstandard")
    except ImportError:
        raise InputError(
            "the log is Zstandard-compressed (as inspect-ai writes it since 0.3.17x) and "
            "this Python cannot decompress it",
            file=str(path),
            hint="pip install zstandard, or use Python 3.14+, or convert the log: "
            "inspect log convert LOG --to json --output-dir DIR",
        ) from None
    with path.open("rb") as handle:
        handle.seek(info.header_offset)
        fixed = handle.read(_LOCAL_HEADER.size)
        if len(fixed) != _LOCAL_HEADER.size:
            raise InputError("the archive is truncated", file=where)
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(fixed)
        if signature != b"PK\x03\x04":
            raise InputError("the archive member has no local header", file=where)
        handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        compressed = handle.read(info.compress_size)
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(compressed), read_across_frames=True
        )
        data: bytes = _read_bounded(reader, where, limit)
    except zstandard.ZstdError as exc:
        raise InputError(f"the archive member is corrupt ({exc})", file=where) from None
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise InputError("the archive member fails its size or CRC check", file=where)
    return data


# -- one sample -----------------------------------------------------------------------


class _SampleMapper:
    """Maps the samples of one log, knowing its header (task, epochs, scorers)."""

    def __init__(self, header: dict[str, Any], config: InspectSourceConfig) -> None:
        spec = header["eval"]
        self.config = config
        self.task = str(spec.get("task") or "inspect")
        self.epochs = int((spec.get("config") or {}).get("epochs") or 1)
        scorers = [s.get("name") for s in spec.get("scorers") or [] if isinstance(s, dict)]
        self.scorer = config.scorer or next((str(s) for s in scorers if s), None)

    def record(self, sample: Any) -> EvaluationRecord | None:
        if not isinstance(sample, dict):
            raise InputError("a sample must be a JSON object")
        if sample.get("error"):
            return None
        for name in ("id", "epoch"):
            if name not in sample:
                raise InputError("is required but missing", field=name)
        metadata = sample.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise InputError("must be an object", field="metadata", value=metadata)
        base = str(sample["id"])
        if self.config.item_id_key is not None:
            value = metadata.get(self.config.item_id_key)
            if value is None:
                raise InputError(
                    "is required but missing",
                    field=f"metadata.{self.config.item_id_key}",
                    hint="set item_id_key to a metadata key every sample has",
                )
            base = str(value)
        epoch = sample["epoch"]
        item_id = base if self.epochs == 1 else f"{base}#{epoch}"
        choices = sample.get("choices") if isinstance(sample.get("choices"), list) else None
        target = _target(sample.get("target"))
        name, score = self._score(sample)
        value = score.get("value")
        answer = score.get("answer")
        if answer is not None and not isinstance(answer, str):
            answer = str(answer)
        if answer is not None and not answer.strip():
            answer = None  # the scorer found no answer (a refusal, say): unparsed
        persona_id, attributes = persona_at(
            sample,
            persona_field=self.config.persona_field,
            persona_id_field=self.config.persona_id_field,
        )
        completion = _completion(sample.get("output"))
        extra: dict[str, Any] = {
            "inspect.sample_id": sample["id"],
            "inspect.epoch": epoch,
            "inspect.scorer": name,
            "inspect.score": value,
        }
        if choices is not None:
            extra["inspect.target"] = target
            extra["inspect.answer"] = answer
        try:
            return EvaluationRecord(
                item_id=item_id,
                cluster_id=base if self.epochs > 1 else None,
                task_type=TaskType.OBJECTIVE,
                persona_id=persona_id,
                persona_attributes=attributes,
                expected_answer=_option_text(target, choices),
                raw_response=completion,
                parsed_answer=_option_text(answer, choices),
                correct=self._correct(value, name),
                refused=is_refusal(completion, self.config.refusal_patterns),
                followed_preference=judgement_at(sample, self.config.followed_preference_field),
                benchmark=self.task,
                extra=extra,
            )
        except ValidationError as exc:
            raise input_error_from_validation(exc, file=None, line=None) from None

    def _score(self, sample: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        scores = sample.get("scores")
        if not isinstance(scores, dict) or not scores:
            raise InputError(
                "the sample has no scores",
                field="scores",
                hint="score the log first: inspect score LOG",
            )
        name = self.scorer or next(iter(scores))
        score = scores.get(name)
        if not isinstance(score, dict):
            raise InputError(
                "the scorer is not in the sample's scores",
                field=f"scores.{name}",
                hint=f"scorers in this log: {', '.join(map(str, scores))}; set scorer",
            )
        return name, score

    def _correct(self, value: Any, scorer: str) -> bool | None:
        if isinstance(value, dict | list):
            raise InputError(
                "holds several values; a 0/1 or C/I value is needed",
                field=f"scores.{scorer}.value",
                value=value,
                hint="choose a scorer with one value per sample",
            )
        if _member(value, self.config.correct_values):
            return True
        if _member(value, self.config.incorrect_values):
            return False
        return None


def _member(value: Any, allowed: list[str | int | float | bool]) -> bool:
    # 1 == True in Python: compare type families so that "1" is not 1, but 1.0 is 1.
    return any(
        value == option and isinstance(value, str) == isinstance(option, str) for option in allowed
    )


def _target(target: Any) -> str | None:
    if target is None:
        return None
    if isinstance(target, list):
        return "; ".join(str(t) for t in target)
    return str(target)


def _option_text(value: str | None, choices: list[Any] | None) -> str | None:
    if value is None or choices is None:
        return value
    letter = value.strip().upper()
    if len(letter) == 1 and letter in _LETTERS[: len(choices)]:
        return str(choices[_LETTERS.index(letter)])
    return value


def _completion(output: Any) -> str | None:
    if not isinstance(output, dict):
        return None
    completion = output.get("completion")
    if isinstance(completion, str):
        return completion
    choices = output.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return None
    content = (choices[0].get("message") or {}).get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        ]
        return "".join(texts) or None
    return None


def _check_unique(record: EvaluationRecord, seen: set[RecordKey]) -> None:
    if record.key in seen:
        raise InputError(
            "repeats the key (item_id, persona_id) of an earlier sample",
            field="id",
            value=record.item_id,
            hint="set item_id_key and persona_key so that each (item, persona) is one sample",
        )
    seen.add(record.key)


def _located(exc: InputError, file: str, where: str | None) -> InputError:
    field = exc.field if where is None else (f"{where}.{exc.field}" if exc.field else where)
    return InputError(
        exc.problem,
        file=exc.file or file,
        line=exc.line,
        field=field,
        value=exc.value,
        hint=exc.hint,
    )
