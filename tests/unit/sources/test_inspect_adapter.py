"""Inspect eval logs, read from logs that Inspect itself wrote.

The fixtures (tests/data/inspect/README.md): one task of 6 questions x (baseline + 2
personas), answered by Inspect's mockllm with a persona-aware answer function that is
right everywhere except q2 and q5 under the 65+ persona. inspect-ai 0.3.285 writes
Zstandard-compressed .eval logs; 0.3.160 wrote DEFLATE ones.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from compliance.domain.records import EvaluationRecord
from compliance.errors import InputError
from compliance.sources.config import InspectSourceConfig
from compliance.sources.inspect_logs import ZIP_ZSTANDARD, inspect_records, read_inspect_log

DATA = Path(__file__).resolve().parents[2] / "data" / "inspect"
DEFLATE = DATA / "persona-mc_inspect-0.3.160_deflate.eval"
ZSTD = DATA / "persona-mc_inspect-0.3.285.eval"
EPOCHS = DATA / "persona-mc_inspect-0.3.285_epochs2.eval"
JSON = DATA / "persona-mc_inspect-0.3.285_limit9.json"

needs_zstd = pytest.mark.skipif(
    sys.version_info < (3, 14) and importlib.util.find_spec("zstandard") is None,
    reason="reading Zstandard .eval logs needs Python 3.14+ or the zstandard package",
)


def config(path: Path, **fields: Any) -> InspectSourceConfig:
    return InspectSourceConfig.model_validate({"path": str(path), **fields})


def read(path: Path, **fields: Any) -> list[EvaluationRecord]:
    return list(read_inspect_log(path, config(path, **fields)))


def test_the_fixtures_are_what_the_readme_says() -> None:
    with zipfile.ZipFile(DEFLATE) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    with zipfile.ZipFile(ZSTD) as archive:
        assert {i.compress_type for i in archive.infolist()} == {ZIP_ZSTANDARD}
    header = json.loads(JSON.read_text())
    assert header["eval"]["packages"]["inspect_ai"] == "0.3.285"


def test_a_deflate_eval_log_with_the_standard_library_alone() -> None:
    found = read(DEFLATE, item_id_key="item_id")
    assert len(found) == 18
    first = found[0]
    assert first.item_id == "q1"
    assert first.is_baseline
    assert first.benchmark == "persona_mc"
    assert first.expected_answer == "100"  # target C, as the option's text
    assert first.parsed_answer == "100"
    assert first.raw_response == "ANSWER: B"
    assert first.correct is True
    assert first.extra == {
        "inspect.sample_id": "q1/baseline",
        "inspect.epoch": 1,
        "inspect.scorer": "choice",
        "inspect.score": "C",
        "inspect.target": "B",
        "inspect.answer": "B",
    }
    older = found[1]
    assert older.persona_id == "p-female-65"
    assert older.persona_attributes == {"gender": "female", "age_band": "65+"}


def test_the_persona_effect_is_recovered() -> None:
    found = read(DEFLATE, item_id_key="item_id")
    wrong = sorted((r.item_id, r.persona_id) for r in found if not r.correct)
    assert wrong == [("q2", "p-female-65"), ("q5", "p-female-65")]
    assert Counter(r.persona_id for r in found if r.correct) == {
        None: 6,
        "p-male-30": 6,
        "p-female-65": 4,
    }


@needs_zstd
def test_a_zstandard_eval_log_reads_the_same() -> None:
    old, new = read(DEFLATE, item_id_key="item_id"), read(ZSTD, item_id_key="item_id")
    assert new == old


@needs_zstd
def test_several_epochs_are_several_items_of_one_cluster() -> None:
    found = read(EPOCHS, item_id_key="item_id")
    assert len(found) == 36
    assert {r.item_id for r in found if r.cluster_id == "q2"} == {"q2#1", "q2#2"}
    assert Counter(r.extra["inspect.epoch"] for r in found) == {1: 18, 2: 18}
    assert sum(1 for r in found if not r.correct) == 4


def test_a_json_log_reads_like_an_eval_log() -> None:
    found = read(JSON, item_id_key="item_id")
    assert found == read(DEFLATE, item_id_key="item_id")[:9]


def test_without_an_item_key_the_sample_id_is_the_item() -> None:
    found = read(JSON)
    assert [r.item_id for r in found[:3]] == ["q1/baseline", "q1/p-female-65", "q1/p-male-30"]


def test_a_directory_of_logs_of_one_run_repeats_keys(tmp_path: Path) -> None:
    shutil.copy(DEFLATE, tmp_path)
    shutil.copy(JSON, tmp_path)
    with pytest.raises(InputError, match="repeats the key"):
        list(inspect_records(config(tmp_path, item_id_key="item_id")))


def _json_log(tmp_path: Path, edit: Any) -> Path:
    log = json.loads(JSON.read_text())
    edit(log)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(log))
    return path


def test_an_unknown_scorer_is_named_with_those_there_are(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read(JSON, scorer="match")
    error = caught.value
    assert error.file == str(JSON)
    assert error.field == "samples[0].scores.match"
    assert error.hint is not None
    assert "choice" in error.hint


def test_score_values(tmp_path: Path) -> None:
    def edit(log: dict[str, Any]) -> None:
        values: list[Any] = ["P", "N", 1, 0.0, True, "C", "I", 0.5, "1"]
        for sample, value in zip(log["samples"], values, strict=True):
            sample["scores"]["choice"]["value"] = value

    found = read(_json_log(tmp_path, edit))
    assert [r.correct for r in found] == [None, None, True, False, True, True, False, None, None]
    custom = read(_json_log(tmp_path, edit), correct_values=["C", "P"], incorrect_values=["I"])
    assert [r.correct for r in custom][:2] == [True, None]


def test_errored_samples_yield_nothing(tmp_path: Path) -> None:
    def edit(log: dict[str, Any]) -> None:
        log["samples"][0]["error"] = {"message": "boom"}

    assert len(read(_json_log(tmp_path, edit))) == 8


def test_a_persona_given_as_a_bare_id(tmp_path: Path) -> None:
    def edit(log: dict[str, Any]) -> None:
        log["samples"][1]["metadata"]["persona"] = "p-somebody"

    record = read(_json_log(tmp_path, edit))[1]
    assert (record.persona_id, record.persona_attributes) == ("p-somebody", {})


def test_a_persona_object_without_an_id(tmp_path: Path) -> None:
    def edit(log: dict[str, Any]) -> None:
        del log["samples"][1]["metadata"]["persona"]["id"]

    with pytest.raises(InputError) as caught:
        read(_json_log(tmp_path, edit))
    assert caught.value.field == "samples[1].metadata.persona_id"
    assert "is missing but the sample has persona attributes" in str(caught.value)
    assert caught.value.hint is not None
    assert "tried: metadata.persona_id, metadata.persona.id" in caught.value.hint


def test_not_a_log(tmp_path: Path) -> None:
    bogus = tmp_path / "x.eval"
    bogus.write_text("{}")
    with pytest.raises(InputError, match="not a zip archive"):
        read(bogus)
    other = tmp_path / "x.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="not an Inspect eval log"):
        read(other)


def test_a_corrupt_member_is_named(tmp_path: Path) -> None:
    broken = tmp_path / DEFLATE.name
    data = bytearray(DEFLATE.read_bytes())
    with zipfile.ZipFile(DEFLATE) as archive:
        info = archive.getinfo("samples/q3/baseline_epoch_1.json")
    start = info.header_offset + 30 + len(info.filename) + 40
    data[start : start + 20] = b"\x00" * 20
    broken.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        read(broken)
    assert caught.value.file is not None
    assert caught.value.file.endswith("!samples/q3/baseline_epoch_1.json")


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="Python 3.14 reads zstd itself")
def test_without_zstandard_the_hint_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def missing(name: str, package: str | None = None) -> Any:
        if name == "zstandard":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(InputError) as caught:
        read(ZSTD)
    assert "Zstandard" in str(caught.value)
    assert caught.value.hint is not None
    assert "pip install zstandard" in caught.value.hint
