"""A small, real world for the API tests, and a live server to ask it.

Audits are real (ingested simulated data, shipped policies, the audit use case), and so
are the reports, their artifacts (manifest, HTML, PDF), the signed ledger and the key when
the audit use case issues reports (``run_audit(..., key_path=...)``). The direct-insert
helpers stand in where a test needs a shape the pipeline does not make (one huge PDF, a
database that refuses the access log) or before that work landed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from compliance.bootstrap import App
from compliance.domain.ids import new_uid
from compliance.paths import bundled_data
from compliance.services.audit import AuditRequest, run_audit
from compliance.services.ingest import IngestRequest, ingest_records
from compliance.services.policies import add_policy
from compliance.services.publish import append_checkpoint, ensure_signing_key
from compliance.services.registry import register_model_version
from compliance.services.tokens import create_token
from compliance.sources.local import FileFormat, open_record_file
from compliance.storage.tables import LedgerEntry, Report, ReportArtifact, SigningKey

BASE = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
PDF_SIZE = 300_000


def fake_pdf(label: str, size: int = PDF_SIZE) -> bytes:
    """Bytes that start and end like a PDF, ``size`` long, distinct per label."""
    head = f"%PDF-1.7\n% compliance test report {label}\n".encode()
    tail = b"\n%%EOF\n"
    filler = hashlib.sha256(label.encode()).hexdigest().encode() * (size // 64 + 1)
    return head + filler[: size - len(head) - len(tail)] + tail


def report_html(title: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{title}</title><style>body{{font-family:sans-serif;margin:2rem}}"
        "h1{color:#0d2a4a}</style></head><body>"
        f"<h1>{title}</h1><p>Executive summary: see the findings.</p>"
        "<script>document.title='scripts must not run'</script></body></html>"
    ).encode()


@dataclass
class World:
    app: App
    reports: dict[str, str] = field(default_factory=dict)  # label -> report uid
    audits: dict[str, str] = field(default_factory=dict)  # label -> audit uid
    tokens: dict[str, str] = field(default_factory=dict)  # label -> secret
    token_ids: dict[str, str] = field(default_factory=dict)  # label -> tok uid
    models: dict[str, str] = field(default_factory=dict)  # name -> mdl uid
    entries: list[str] = field(default_factory=list)  # ledger entry hashes in order

    def token(self, label: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[label]}"}


class SteppingClock:
    """A clock the world sets: each audit and report happens at its slot's time."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def quick_rendering(real: Collection[str] = ()) -> Iterator[Callable[[str], None]]:
    """Stand-in HTML and PDF renderings while issuing reports (WeasyPrint takes seconds a
    report), except for the labels in ``real``; yields ``use(label)`` to say which report
    is issued next. Everything else of the pipeline (manifest, signatures, ledger) is real."""
    from compliance.services import publish

    current = {"label": ""}
    real_render = publish.render_report

    def render(manifest: Any, integrity: Any) -> tuple[bytes, bytes]:
        label = current["label"]
        if label in real:
            return real_render(manifest, integrity)
        return report_html(f"{manifest.identity.model.name} {label}"), fake_pdf(label)

    def use(label: str) -> None:
        current["label"] = label

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish, "render_report", render)
        yield use


def real_pipeline() -> bool:
    """Whether the audit use case issues reports itself (the publishing work has landed)."""
    return "key_path" in inspect.signature(run_audit).parameters


def load_world(app: App, clock: SteppingClock, *, real_rendering: Collection[str] = ()) -> World:
    """The world; reports in ``real_rendering`` get the real HTML and PDF renderings."""
    world = World(app)
    # steady 1.1 regressed (it answers like the pleaser); 1.2 is steady again
    versions = [
        ("steady", "1.0", "steady"),
        ("steady", "1.1", "pleaser"),
        ("steady", "1.2", "steady"),
        ("pleaser", "1.0", "pleaser"),
    ]
    for model, version, data in versions:
        register_model_version(
            app.uow_factory, app.clock, model, version, owner="tests", risk_tier="limited"
        )
        path = bundled_data("personalized") / f"{data}.jsonl.gz"
        request = IngestRequest(
            model=model,
            version=version,
            origin=f"file:{path}",
            format="canonical",
            benchmark="personalized-sim",
            file=str(path),
        )
        with open_record_file(path, FileFormat.CANONICAL) as records:
            ingest_records(app.uow_factory, app.clock, request, records)
    for path in sorted(bundled_data("policies").glob("*.yaml")):
        add_policy(app.uow_factory, app.clock, path)
    plan = [  # label, model, version, policy, slot offset (days)
        ("steady-truth-1", "steady", "1.0", "truth-invariance", 0),
        ("pleaser-truth-1", "pleaser", "1.0", "truth-invariance", 0),
        ("steady-truth-2", "steady", "1.1", "truth-invariance", 1),
        ("steady-pers-1", "steady", "1.1", "personalization", 1),
        ("steady-truth-3", "steady", "1.2", "truth-invariance", 2),
    ]
    key_path = app.settings.resolved_signing_key_path
    real = real_pipeline()
    if real:
        ensure_signing_key(app.uow_factory, app.clock, key_path)
        append_checkpoint(app.uow_factory, app.clock, key_path)
    else:
        add_signing_key(app, "key-1")
        append_ledger(app, kind="checkpoint", report=None)
    for label, model, version, policy, day in plan:
        slot = BASE + dt.timedelta(days=day)
        clock.now = slot + dt.timedelta(hours=1, minutes=len(world.reports))
        request = AuditRequest(model, version, policy, slot=slot, trigger="slot")
        if real:
            with quick_rendering(real_rendering) as use:
                use(label)
                result = run_audit(app.uow_factory, app.clock, request, key_path=key_path)
            world.reports[label] = result.report_id
        else:
            result = run_audit(app.uow_factory, app.clock, request)
            world.reports[label] = issue_report(app, result.id, issued_at=clock.now)
            append_ledger(app, kind="report", report=world.reports[label])
        world.audits[label] = result.id
    clock.now = BASE + dt.timedelta(days=3)
    if real:
        append_checkpoint(app.uow_factory, app.clock, key_path)
    else:
        append_ledger(app, kind="checkpoint", report=None)
    with app.uow_factory() as uow:
        world.models = {m.name: m.uid for m in uow.models.list()}
        world.entries = [e.entry_hash for e in uow.ledger.entries()]
    specs = {
        "regulator": ("regulator", None),
        "regulator-steady": ("regulator", ["steady"]),
        "officer": ("officer", None),
        "officer-pleaser": ("officer", ["pleaser"]),
        "admin": ("admin", None),
    }
    clock.now = dt.datetime.now(dt.UTC)
    for label, (role, models) in specs.items():
        made = create_token(app.uow_factory, app.clock, label, role, models=models)
        world.tokens[label], world.token_ids[label] = made.secret, made.token.id
    return world


def issue_report(app: App, audit_uid: str, *, issued_at: dt.datetime) -> str:
    """Write the next report of an audit's series with manifest, HTML and PDF artifacts
    (the stand-in used before the audit use case issued reports itself)."""
    with app.uow_factory(write=True) as uow:
        audit = uow.audits.get(audit_uid)
        assert audit is not None and audit.manifest is not None
        _, model, policy = uow.audits.describe(audit)
        previous = uow.reports.latest_in_series(model.id, policy.name)
        label = f"{model.name} {policy.name} v{(previous.version + 1) if previous else 1}"
        report = Report(
            uid=new_uid("rep"),
            audit_id=audit.id,
            model_id=model.id,
            policy_name=policy.name,
            version=previous.version + 1 if previous else 1,
            supersedes_id=previous.id if previous else None,
            verdict=audit.verdict or "inconclusive",
            issued_at=issued_at,
            manifest_sha256=audit.manifest_sha256 or "",
        )
        contents = {
            "manifest": ("application/json", audit.manifest),
            "html": ("text/html; charset=utf-8", report_html(label)),
            "pdf": ("application/pdf", fake_pdf(label)),
        }
        artifacts = [
            ReportArtifact(
                uid=new_uid("art"),
                kind=kind,
                content_type=content_type,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                content=content,
            )
            for kind, (content_type, content) in contents.items()
        ]
        uow.reports.add(report, artifacts)
        uow.commit()
        return report.uid


def add_signing_key(app: App, key_id: str) -> None:
    with app.uow_factory(write=True) as uow:
        uow.session.add(
            SigningKey(
                key_id=key_id,
                algorithm="ed25519",
                public_key=hashlib.sha256(key_id.encode()).hexdigest(),
                created_at=BASE,
            )
        )
        uow.commit()


def append_ledger(app: App, *, kind: str, report: str | None) -> str:
    """A stand-in ledger entry (hashes linked, signature not real)."""
    with app.uow_factory(write=True) as uow:
        last = uow.ledger.last()
        seq = last.seq + 1 if last else 1
        prev = last.entry_hash if last else "0" * 64
        report_row = uow.reports.get(report) if report else None
        payload = json.dumps(
            {"seq": seq, "kind": kind, "report": report, "prev": prev}, sort_keys=True
        ).encode()
        entry_hash = hashlib.sha256(prev.encode() + payload).hexdigest()
        uow.ledger.append(
            LedgerEntry(
                seq=seq,
                kind=kind,
                report_id=report_row.id if report_row else None,
                payload=payload,
                prev_hash=prev,
                entry_hash=entry_hash,
                key_id="key-1",
                signature="ab" * 32,
                created_at=BASE + dt.timedelta(minutes=seq),
            )
        )
        uow.commit()
    return entry_hash


@contextmanager
def live_server(asgi: FastAPI, **options: Any) -> Iterator[str]:
    """Serve ``asgi`` with uvicorn on a free loopback port, in a thread; yields the base URL.
    ``options`` go to ``uvicorn.Config`` (e.g. the proxy settings ``serve`` uses)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(asgi, log_level="warning", access_log=False, lifespan="off", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def minimal_report(app: App, *, pdf: bytes, model: str = "solo") -> str:
    """A report with one PDF artifact on rows written directly (no audit computation)."""
    from compliance.storage.tables import Audit, Model, ModelVersion, Policy

    with app.uow_factory(write=True) as uow:
        session = uow.session
        row_model = Model(uid=new_uid("mdl"), name=model, created_at=BASE)
        version = ModelVersion(uid=new_uid("ver"), model=row_model, version="1", created_at=BASE)
        policy = Policy(
            uid=new_uid("pol"),
            name=f"p-{model}",
            version="1",
            source_text=f"name: p-{model}",
            sha256="0" * 64,
            created_at=BASE,
        )
        session.add_all([row_model, version, policy])
        session.flush()
        audit = Audit(
            uid=new_uid("aud"),
            audit_key=f"{version.uid}/{policy.uid}/manual",
            model_version_id=version.id,
            policy_id=policy.id,
            trigger="manual",
            status="succeeded",
            verdict="pass",
            started_at=BASE,
            finished_at=BASE,
        )
        session.add(audit)
        session.flush()
        report = Report(
            uid=new_uid("rep"),
            audit_id=audit.id,
            model_id=row_model.id,
            policy_name=f"p-{model}",
            version=1,
            verdict="pass",
            issued_at=BASE,
            manifest_sha256="0" * 64,
        )
        artifact = ReportArtifact(
            uid=new_uid("art"),
            kind="pdf",
            content_type="application/pdf",
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            content=pdf,
        )
        uow.reports.add(report, [artifact])
        uow.commit()
        return report.uid
