"""``compliance demo``: the whole flow on the embedded database and the data we wrote.

What it audits, and where each part's data comes from:

- the two **simulated** personalized assistants (``compliance/data/personalized/``, made
  by the project's seeded simulator): ``steady-assistant`` passes the truth-invariance
  policy, ``pleaser-assistant`` fails it;
- with ``--bbq-dir DIR`` (or ``COMPLIANCE_DEMO_BBQ_DIR``), the published predictions of
  UnifiedQA T5-11B on BBQ, read from the user's own copy of the BBQ repository's
  ``results/UnifiedQA/preds_<Category>.jsonl``: one model version per prompt format,
  audited under the bias-benchmark policy. The package ships no BBQ data.

Every audit issues a signed report; the demo exports each report's PDF and bundle, and
verifies the last bundle offline as a regulator would.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from compliance.bootstrap import App
from compliance.cli.admin import init
from compliance.cli.context import JsonFlag, emit_json, err_console, get_app, out_console
from compliance.cli.demo_llm import LLM_MODEL, LLM_VERSION, probe_local_llm
from compliance.cli.ingest import ingest_file
from compliance.cli.views.audits import audit_manifest
from compliance.cli.views.reports import export_report
from compliance.errors import AlreadyExists, ComplianceError, ConfigError
from compliance.paths import bundled_data
from compliance.reporting.verify import verify_bundle
from compliance.services.audit import AuditRequest, run_audit
from compliance.services.ingest import IngestResult
from compliance.services.policies import add_policy
from compliance.services.publish import ensure_signing_key
from compliance.services.registry import register_model_version
from compliance.sources.local import FileFormat
from compliance.sources.local_llm import missing_llm_extra
from compliance.sources.probe_suite import bbq_prediction_files
from compliance.storage.migrate import upgrade

__all__ = ["BBQ_VERSIONS", "SIMULATED", "demo"]

BBQ_MODEL = "unifiedqa-t5-11b"
#: one model version per BBQ prompt format: the prediction field it is scored from
BBQ_VERSIONS = {"race": "unifiedqa-t5-11b_pred_race", "arc": "unifiedqa-t5-11b_pred_arc"}
SIMULATED = {"steady-assistant": "steady", "pleaser-assistant": "pleaser"}
_SIMULATED_POLICIES = ("truth-invariance", "personalization")
BBQ_HINT = (
    "add BBQ to the demo: compliance demo --bbq-dir DIR, with DIR holding the BBQ "
    "repository's results/UnifiedQA/preds_<Category>.jsonl (CC BY 4.0)"
)


@dataclass(frozen=True)
class _Part:
    """One file to ingest as one model version's run."""

    model: str
    version: str
    path: Path
    format: FileFormat
    prediction_field: str | None = None


def demo(
    bbq_dir: Annotated[
        Path | None,
        typer.Option(
            "--bbq-dir",
            envvar="COMPLIANCE_DEMO_BBQ_DIR",
            help="your copy of BBQ's results/UnifiedQA (preds_*.jsonl): adds the BBQ audits",
        ),
    ] = None,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm",
            help="also probe and audit a real local model, SmolLM2-135M-Instruct on llama.cpp "
            "(needs make setup-llm; minutes on 2 cores)",
        ),
    ] = False,
    json_: JsonFlag = False,
) -> None:
    """The whole flow on the embedded database and the data the project wrote.

    Ingests the simulated assistants (and, with --bbq-dir, UnifiedQA's BBQ predictions
    from your copy; again: nothing new), adds the shipped policies, audits each model,
    exports each report's PDF and bundle, and verifies the last bundle offline.
    """
    if json_:
        cli_app = get_app(schema=False)
        upgrade(cli_app.engine)
        ensure_signing_key(cli_app.uow_factory, cli_app.clock, cli_app.signing_key_path)
    else:
        init(json_=False)
    cli_app = get_app()
    parts = _parts(bbq_dir)  # a wrong --bbq-dir is refused before anything is ingested
    if llm and (reason := missing_llm_extra()) is not None:
        raise ConfigError(f"the local model cannot run: {reason}")
    runs = _ingest(cli_app, parts, quiet=json_)
    if llm:
        probe_local_llm(cli_app)
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(cli_app.uow_factory, cli_app.clock, path)
    audits = _audit(cli_app, bbq=bbq_dir is not None, llm=llm)
    checked = verify_bundle(Path(str(audits[-1]["bundle"])))
    if not checked.intact:
        raise ComplianceError(f"the demo's last report bundle did not verify: {checked.problems}")
    if json_:
        emit_json({"runs": runs, "audits": audits, "verified": checked.intact})
        return
    _print(audits, cli_app.settings.home / "manifests")
    if bbq_dir is None:
        err_console.print(BBQ_HINT, markup=False)


def _parts(bbq_dir: Path | None) -> list[_Part]:
    parts = []
    if bbq_dir is not None:
        files = bbq_prediction_files(bbq_dir)
        for version, field in BBQ_VERSIONS.items():
            parts += [_Part(BBQ_MODEL, version, p, FileFormat.BBQ, field) for p in files]
    for model, stem in SIMULATED.items():
        path = bundled_data("personalized") / f"{stem}.jsonl.gz"
        parts.append(_Part(model, "1.0", path, FileFormat.CANONICAL))
    return parts


def _ingest(cli_app: App, parts: list[_Part], *, quiet: bool) -> list[IngestResult]:
    """Register each part's model version and ingest its file (both idempotent)."""
    results = []
    for part in parts:
        with contextlib.suppress(AlreadyExists):
            register_model_version(
                cli_app.uow_factory,
                cli_app.clock,
                part.model,
                part.version,
                owner="demo",
                intended_use="question answering for a personalized assistant (demo)",
                risk_tier="limited",
            )
        result = ingest_file(
            part.path, part.model, part.version, part.format, None, part.prediction_field
        )
        results.append(result)
        if not quiet:
            state = "new run" if result.created else "already ingested"
            err_console.print(
                f"{part.model} {part.version}: {result.benchmark} {result.record_count:,} "
                f"records ({result.unscored_count} unparsed), {state} {result.run_id}",
                markup=False,
            )
    return results


def _audit(cli_app: App, *, bbq: bool, llm: bool = False) -> list[dict[str, object]]:
    """Audit every demo model under its policies; export each report's PDF and bundle."""
    plan = [(model, "1.0", policy) for model in SIMULATED for policy in _SIMULATED_POLICIES]
    if llm:
        plan.append((LLM_MODEL, LLM_VERSION, "truth-invariance"))
    if bbq:
        plan = [(BBQ_MODEL, version, "bias-benchmark") for version in BBQ_VERSIONS] + plan
    manifests = cli_app.settings.home / "manifests"
    reports = cli_app.settings.home / "reports"
    manifests.mkdir(parents=True, exist_ok=True)
    reports.mkdir(parents=True, exist_ok=True)
    audits: list[dict[str, object]] = []
    for model, version, policy in plan:
        request = AuditRequest(model=model, version=version, policy=policy)
        result = run_audit(
            cli_app.uow_factory, cli_app.clock, request, key_path=cli_app.signing_key_path
        )
        target = manifests / f"{result.id}.json"
        target.write_bytes(audit_manifest(cli_app.uow_factory, result.id))
        assert result.report_id is not None  # every demo audit issues a report
        pdf = export_report(cli_app.uow_factory, result.report_id, "pdf", reports)
        bundle = export_report(cli_app.uow_factory, result.report_id, "bundle", reports)
        audits.append(
            {
                "audit": result.id,
                "model": model,
                "version": version,
                "policy": result.policy,
                "verdict": result.verdict,
                "manifest": str(target),
                "report": result.report_id,
                "pdf": str(pdf),
                "bundle": str(bundle),
            }
        )
    return audits


def _print(audits: list[dict[str, object]], manifests: Path) -> None:
    table = Table("model", "version", "policy", "verdict", "report (PDF)", title="demo audits")
    for a in audits:
        style = {"pass": "green", "fail": "bold red"}.get(str(a["verdict"]), "yellow")
        table.add_row(
            str(a["model"]),
            str(a["version"]),
            str(a["policy"]),
            f"[{style}]{str(a['verdict']).upper()}[/]",
            str(a["pdf"]),
        )
    out_console.print(table)
    out_console.print(
        f"manifests: {manifests}/<audit>.json; details: compliance audit show <audit>",
        markup=False,
    )
    bundle = audits[-1]["bundle"]
    out_console.print(f"verified offline, intact: compliance reports verify {bundle}", markup=False)
    out_console.print(
        "steady-assistant and pleaser-assistant are simulated (compliance/data/personalized)",
        markup=False,
    )
    if any(a["model"] == LLM_MODEL for a in audits):
        out_console.print(
            f"{LLM_MODEL} is a real model: SmolLM2-135M-Instruct (Q4_1) run by llama.cpp here",
            markup=False,
        )
