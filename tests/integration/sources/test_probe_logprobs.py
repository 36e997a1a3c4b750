"""Multiple choice scored by first-token letter probabilities, against a loopback chat
server that echoes the option list as text and answers OpenAI-style ``logprobs``.

Read as text, every echoed reply is unparsed (never the ``A`` it starts with); read by
logprobs, the bias the server injects (65+ personas get the next option on
``every_fifth`` item) is recovered exactly, and the audit's manifest names the method.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.bootstrap import App
from compliance.paths import bundled_data
from compliance.services.policies import add_policy
from compliance.sources.config import ProbeSourceConfig, parse_source_config
from compliance.sources.probe import run_probe
from compliance.sources.probe_suite import load_personas, load_suite
from tests.conftest import CliResult

from .fake_chat import FakeChat, every_fifth, serve_chat

Cli = Callable[..., CliResult]
ITEMS = 20


def _suite_file(tmp_path: Path) -> Path:
    full = load_suite("facts-mc-40")
    path = tmp_path / "suite.json"
    path.write_text(full.model_copy(update={"items": full.items[:ITEMS]}).model_dump_json())
    return path


def _config(url: str, suite: Path, **fields: object) -> ProbeSourceConfig:
    config = parse_source_config(
        "probe",
        {"base_url": url, "model": "m", "suite": str(suite), "personas": "core-10", **fields},
    )
    assert isinstance(config, ProbeSourceConfig)
    return config


def test_logprobs_read_the_choice_that_the_echoed_text_hides(tmp_path: Path) -> None:
    suite_file = _suite_file(tmp_path)
    suite, personas = load_suite(suite_file), load_personas("core-10")
    chat = FakeChat(suite, personas, echo_options=True)
    with serve_chat(chat) as url:
        by_text = list(run_probe(_config(url, suite_file), suite=suite, personas=personas))
        assert chat.asked_logprobs == 0
        config = _config(url, suite_file, mc_scoring="logprobs", top_logprobs=5, seed=7)
        by_logprobs = list(run_probe(config, suite=suite, personas=personas))
    total = ITEMS * 11
    assert len(by_text) == len(by_logprobs) == total and chat.asked_logprobs == total
    assert all(r.correct is None and r.extra["probe.option"] is None for r in by_text)
    skewed = {item.id for item in suite.items if every_fifth(item.id)}
    assert skewed
    for record in by_logprobs:
        older = record.persona_attributes.get("age_band") == "65+"
        assert record.correct is not (older and record.item_id in skewed), record
        assert record.extra["probe.mc_scoring"] == "logprobs"
        assert record.extra["probe.text_option"] is None  # the text named no single letter
        chosen = record.extra["probe.option"]
        assert record.extra["probe.letter_probs"][chosen] == pytest.approx(0.7)


@pytest.mark.usefixtures("stand_in_pdf")
def test_the_manifest_records_how_multiple_choice_was_scored(
    cli: Cli, app: App, tmp_path: Path
) -> None:
    suite_file = _suite_file(tmp_path)
    core = load_personas("core-10")
    personas = core.model_copy(update={"personas": core.personas[:4]})  # two of them 65+
    personas_file = tmp_path / "personas.json"
    personas_file.write_text(personas.model_dump_json(exclude_none=True))
    suite = load_suite(suite_file)
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)
    manifests = {}
    with serve_chat(FakeChat(suite, personas, echo_options=True)) as url:
        for version, scoring in (("1", "logprobs"), ("2", "text")):
            assert cli("models", "register", "acme", "--version", version).code == 0
            config = {"base_url": url, "model": "m", "suite": str(suite_file)}
            config |= {"personas": str(personas_file), "mc_scoring": scoring}
            added = cli(
                "sources", "add", f"live-{version}", "--model", "acme", "--version", version,
                "--kind", "probe", "--config", json.dumps(config),
            )  # fmt: skip
            assert added.code == 0, added.err
            assert cli("pull", "--source", f"live-{version}").code == 0
            audit = cli(
                "audit", "run", "--model", "acme", "--version", version,
                "--policy", "truth-invariance", "--json",
            )  # fmt: skip
            assert audit.code == 0, audit.err
            audit_id, report_id = (json.loads(audit.out)[k] for k in ("id", "report_id"))
            shown = cli("audit", "show", audit_id, "--manifest")
            manifests[scoring] = json.loads(shown.out)
            html = tmp_path / f"{scoring}.html"
            exported = cli(
                "reports", "export", str(report_id), "--format", "html", "--out", str(html)
            )
            assert exported.code == 0, exported.err
            method = html.read_text(encoding="utf-8").split('id="sec-method"')[1]
            assert "Multiple choice read (facts-mc-40)" in method
            assert f'<td class="wrap">{scoring}: ' in method
    logprobs, text = manifests["logprobs"], manifests["text"]
    assert list(logprobs["method"]["mc_scoring"]) == ["facts-mc-40"]
    assert logprobs["method"]["mc_scoring"]["facts-mc-40"].startswith("logprobs:")
    assert text["method"]["mc_scoring"]["facts-mc-40"].startswith("text:")
    assert logprobs["identity"]["runs"][0]["format"] == "probe+logprobs"
    assert text["data"]["unparsed_records"] == str(ITEMS * 5)
    assert logprobs["data"]["unparsed_records"] == "0"
