"""The read use cases of the regulator API and the officer portal.

Every function takes an :class:`Access` (the caller's credential, address and the roles
the entry point admits) and promises:

- the credential is checked in the same transaction as the read
  (:func:`~compliance.api.views.common.read`);
- a caller whose token is limited to some models gets :class:`NotFound` for any object
  of another model, exactly as for an object that does not exist, and never sees one in
  a list;
- report reads and artifact downloads are *logged reads*: the access-log row is committed
  with the read, before anything is returned; if it cannot be, :class:`AccessLogUnavailable`
  is raised and nothing is returned;
- lists are keyset paginated with an opaque cursor; a well-formed cursor is never refused
  (it may give an empty page); ``limit`` is capped at :data:`MAX_PAGE`
  (:mod:`compliance.api.views.common`);
- nothing here loads an artifact's bytes whole, except :func:`report_bundle`.

The views returned are frozen dataclasses (the API serializes them as they are).

Why one module of this length: every read use case of the API and the portal goes through
the same credential check and access-log write (`read`, `logged_read`); one module lets a
reviewer see that none is missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from compliance.api.views import responses as v
from compliance.api.views.common import (
    CURSOR_PATTERNS,
    MAX_PAGE,
    Access,
    Deferrer,
    PageCache,
    limit_of,
    logged_read,
    read,
    record_use,
    seq_cursor,
    seq_position,
    time_cursor,
    time_position,
)
from compliance.clock import Clock
from compliance.domain.manifest import ReportManifest
from compliance.domain.regimes import Regime, RegimeMapping
from compliance.errors import NotFound
from compliance.services.attestations import ReportAttestations, attestations_of
from compliance.services.regimes import catalogue, mapping_of, show_regime
from compliance.services.tokens import Principal, admit, lookup_key
from compliance.storage.repositories.api_reads import (
    ArtifactRow,
    ReadRepository,
    ReportRow,
    credentials_and_reports_mark,
)
from compliance.storage.tables import LedgerEntry
from compliance.storage.uow import UnitOfWorkFactory

__all__ = [
    "ARTIFACT_KINDS",
    "CURSOR_PATTERNS",
    "MAX_PAGE",
    "Access",
    "OpenedArtifact",
    "ReportQuery",
    "get_audit",
    "get_ledger_entry",
    "get_model",
    "get_policy",
    "get_regime",
    "get_report",
    "list_audits",
    "list_keys",
    "list_ledger",
    "list_metric_results",
    "list_models",
    "list_policies",
    "list_regimes",
    "list_reports",
    "open_artifact",
    "read_artifact_chunk",
    "report_attestations",
    "report_bundle",
    "report_bundle_head",
    "report_mapping",
]

ARTIFACT_KINDS = {"pdf": "pdf", "html": "html", "json": "manifest"}
"""API kind → stored kind (the JSON artifact is the report manifest)."""
_API_KIND = {stored: api for api, stored in ARTIFACT_KINDS.items()}


@dataclass(frozen=True)
class ReportQuery:
    model: str | None = None
    policy: str | None = None
    issued_from: dt.datetime | None = None
    issued_to: dt.datetime | None = None
    verdict: str | None = None
    cursor: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class OpenedArtifact:
    """An artifact a logged read has opened: what to send, and the status to send."""

    meta: v.ArtifactOut
    handle: int
    filename: str
    status: int
    first: bytes = b""
    """The start of the span, read in the logged transaction."""


# --- registry -----------------------------------------------------------------------------


def list_models(uow_factory: UnitOfWorkFactory, clock: Clock, access: Access) -> list[v.ModelOut]:
    return read(
        uow_factory, clock, access, lambda r, p: [v.model_out(m) for m in r.models(p.models)]
    )


def get_model(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, model_id: str
) -> v.ModelOut:
    def work(repo: ReadRepository, principal: Principal) -> v.ModelOut | None:
        model = repo.model(model_id, principal.models)
        return v.model_out(model) if model is not None else None

    found = read(uow_factory, clock, access, work)
    if found is None:
        raise NotFound("no such model")
    return found


def list_policies(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, *, name: str | None = None
) -> list[v.PolicyOut]:
    return read(
        uow_factory,
        clock,
        access,
        lambda r, _: [v.policy_out(p) for p in r.policies() if name is None or p.name == name],
    )


def get_policy(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, policy_id: str
) -> v.PolicyDetail:
    def work(repo: ReadRepository, principal: Principal) -> v.PolicyDetail | None:
        policy = repo.policy(policy_id)
        return v.policy_detail(policy) if policy is not None else None

    found = read(uow_factory, clock, access, work)
    if found is None:
        raise NotFound("no such policy")
    return found


# --- audits -------------------------------------------------------------------------------


def list_audits(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    *,
    model: str | None = None,
    policy: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> v.AuditPage:
    size, after = limit_of(limit), time_position(cursor, "a", "aud")

    def work(repo: ReadRepository, principal: Principal) -> v.AuditPage:
        rows = repo.audits(
            principal.models, model=model, policy=policy, after=after, limit=size + 1
        )
        items = [v.audit_out(row) for row in rows[:size]]
        last = rows[size - 1].audit if len(rows) > size else None
        following = time_cursor("a", last.started_at, last.uid) if last else None
        return v.AuditPage(items=items, next_cursor=following)

    return read(uow_factory, clock, access, work)


def get_audit(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, audit_id: str
) -> v.AuditDetail:
    def work(repo: ReadRepository, principal: Principal) -> v.AuditDetail | None:
        rows = repo.audits(principal.models, uid=audit_id, limit=1)
        if not rows:
            return None
        findings = repo.findings_of([rows[0].audit.id])[rows[0].audit.id]
        runs = [run.uid for run in repo.runs_of(rows[0].audit.id)]
        return v.audit_detail(rows[0], findings, runs)

    found = read(uow_factory, clock, access, work)
    if found is None:
        raise NotFound("no such audit")
    return found


def list_metric_results(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, audit_id: str
) -> list[v.MetricResultOut]:
    def work(repo: ReadRepository, principal: Principal) -> list[v.MetricResultOut] | None:
        rows = repo.audits(principal.models, uid=audit_id, limit=1)
        if not rows:
            return None
        return [v.metric_out(m) for m in repo.metric_results_of(rows[0].audit.id)]

    found = read(uow_factory, clock, access, work)
    if found is None:
        raise NotFound("no such audit")
    return found


# --- reports ------------------------------------------------------------------------------


def list_reports(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    query: ReportQuery,
    *,
    cache: PageCache | None = None,
    defer: Deferrer | None = None,
) -> v.ReportPage:
    """Reports newest first; with ``cache``, a page is reused while no report was issued
    (reports are append-only and what a page shows of them never changes): serving a
    cached page is one statement, reading the caller's token and the reports' mark from
    one snapshot. ``defer``: see :func:`~compliance.api.views.common.read`."""
    size, after = limit_of(query.limit), time_position(query.cursor, "r", "rep")
    if cache is not None:
        cached = _cached_report_page(uow_factory, clock, access, query, cache, defer)
        if cached is not None:
            return cached

    def work(repo: ReadRepository, principal: Principal) -> v.ReportPage:
        # the mark first: a page read after it is as new as the mark or newer, never older
        # (on PostgreSQL each statement of a transaction may see a newer snapshot)
        mark = repo.reports_mark() if cache is not None else 0
        page = _report_page(repo, principal, query, size, after)
        if cache is not None:
            cache.put((mark, principal.models, query), page)
        return page

    return read(uow_factory, clock, access, work, defer=defer)


def _cached_report_page(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    query: ReportQuery,
    cache: PageCache,
    defer: Deferrer | None,
) -> v.ReportPage | None:
    now = clock()
    key = lookup_key(access.credential)
    with uow_factory.single_statement() as connection:
        found = credentials_and_reports_mark(connection, **key)
    principal = admit(found[0] if found else None, now, access.roles)
    assert found is not None  # admit refuses a token that was not found
    page = cache.get((found[1], principal.models, query))
    if not isinstance(page, v.ReportPage):
        return None
    record_use(uow_factory, principal, now, defer=defer)
    return page


def _report_page(
    repo: ReadRepository,
    principal: Principal,
    query: ReportQuery,
    size: int,
    after: tuple[dt.datetime, str] | None,
) -> v.ReportPage:
    rows = repo.reports(
        principal.models,
        model=query.model,
        policy=query.policy,
        issued_from=query.issued_from,
        issued_to=query.issued_to,
        verdict=query.verdict,
        after=after,
        limit=size + 1,
    )
    items = [v.report_out(row) for row in rows[:size]]
    last = rows[size - 1] if len(rows) > size else None
    following = time_cursor("r", last.issued_at, last.uid) if last else None
    return v.ReportPage(items=items, next_cursor=following)


def get_report(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, report_id: str
) -> v.ReportDetail:
    """One report with its artifacts, findings and ledger entry: a logged read."""

    def work(repo: ReadRepository, principal: Principal) -> tuple[v.ReportDetail | None, str, int]:
        rows = repo.reports(principal.models, uid=report_id, limit=1)
        if not rows:
            return None, report_id, 404
        return _report_detail(repo, rows[0]), report_id, 200

    return logged_read(uow_factory, clock, access, action="read", object_type="report", work=work)


def _report_detail(repo: ReadRepository, row: ReportRow) -> v.ReportDetail:
    findings = repo.findings_of([row.audit_id])[row.audit_id]
    entries = repo.ledger(None, report_id=row.report_id, limit=1)
    artifacts = [_artifact_out(a) for a in repo.artifacts(row.report_id) if a.kind in _API_KIND]
    entry = entries[0].entry if entries else None
    return v.report_detail(row, artifacts, findings, entry, _attestations(repo, row, entry))


def _attestations(
    repo: ReadRepository, row: ReportRow, entry: LedgerEntry | None
) -> ReportAttestations:
    """The report's attestations, verified again; a report without a ledger entry (only
    hand-made rows) has none that could name it."""
    if entry is None:
        return ReportAttestations(row.uid, False, [])
    return attestations_of(row.uid, repo.attestations(row.report_id), entry.entry_hash)


def list_regimes(uow_factory: UnitOfWorkFactory, clock: Clock, access: Access) -> list[Regime]:
    """The regulatory catalogue (any valid token)."""
    return read(uow_factory, clock, access, lambda _r, _p: list(catalogue().values()))


def get_regime(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, regime_id: str
) -> Regime:
    return read(uow_factory, clock, access, lambda _r, _p: show_regime(regime_id))


def report_mapping(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, report_id: str
) -> list[RegimeMapping]:
    """The report's regulatory mapping (its manifest against the catalogue): a logged read."""

    def work(
        repo: ReadRepository, principal: Principal
    ) -> tuple[list[RegimeMapping] | None, str, int]:
        rows = repo.reports(principal.models, uid=report_id, limit=1)
        manifests = (
            [a for a in repo.artifacts(rows[0].report_id) if a.kind == "manifest"] if rows else []
        )
        if not manifests:
            return None, report_id, 404
        content = repo.read_chunk(manifests[0].id, 0, manifests[0].size)
        return mapping_of(ReportManifest.model_validate_json(content)), report_id, 200

    return logged_read(uow_factory, clock, access, action="read", object_type="mapping", work=work)


def report_attestations(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, report_id: str
) -> ReportAttestations:
    """Who signed one report off (officer, role, statement, time, verified), and whether it
    is signed off: a logged read."""

    def work(
        repo: ReadRepository, principal: Principal
    ) -> tuple[ReportAttestations | None, str, int]:
        rows = repo.reports(principal.models, uid=report_id, limit=1)
        if not rows:
            return None, report_id, 404
        entries = repo.ledger(None, report_id=rows[0].report_id, limit=1)
        entry = entries[0].entry if entries else None
        return _attestations(repo, rows[0], entry), report_id, 200

    return logged_read(
        uow_factory, clock, access, action="read", object_type="attestations", work=work
    )


def _artifact_out(row: ArtifactRow) -> v.ArtifactOut:
    return v.ArtifactOut(
        id=row.uid,
        kind=_API_KIND[row.kind],
        content_type=row.content_type,
        sha256=row.sha256,
        size=row.size,
    )


def open_artifact(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    report_id: str,
    kind: str,
    decide: Callable[[v.ArtifactOut], tuple[int, int, int]],
    *,
    action: str = "download",
    first_bytes: int = 0,
) -> OpenedArtifact:
    """Open one artifact for sending: ``decide`` (HTTP conditionals) picks the status and
    the byte span ``[start, end)``; the status is logged with the read, and up to
    ``first_bytes`` of the span are read in that same transaction, before this returns."""
    stored = ARTIFACT_KINDS.get(kind)

    def work(repo: ReadRepository, principal: Principal) -> tuple[OpenedArtifact | None, str, int]:
        rows = repo.reports(principal.models, uid=report_id, limit=1)
        found = [a for a in repo.artifacts(rows[0].report_id) if a.kind == stored] if rows else []
        if not found:
            return None, f"{report_id}/{kind}", 404
        meta = _artifact_out(found[0])
        status, start, end = decide(meta)
        first = b""
        if status in (200, 206) and first_bytes > 0 and end > start:
            first = repo.read_chunk(found[0].id, start, min(first_bytes, end - start))
        name = v.artifact_filename(rows[0], kind)
        return OpenedArtifact(meta, found[0].id, name, status, first), meta.id, status

    return logged_read(uow_factory, clock, access, action=action, object_type="artifact", work=work)


def read_artifact_chunk(
    uow_factory: UnitOfWorkFactory, handle: int, offset: int, length: int
) -> bytes:
    """One slice of an artifact opened by :func:`open_artifact` (its ``handle``)."""
    with uow_factory() as uow:
        return ReadRepository(uow.session).read_chunk(handle, offset, length)


def report_bundle(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, report_id: str
) -> v.BundleParts:
    """A report's artifacts (bytes) and the ledger entries up to its own, or up to its last
    attestation when it has any: a logged read.

    A caller limited to some models gets the other models' report entries sealed (their
    link and signature, nothing of those reports), so its bundle still verifies whole.
    """

    def work(repo: ReadRepository, principal: Principal) -> tuple[v.BundleParts | None, str, int]:
        rows = repo.reports(principal.models, uid=report_id, limit=1)
        if not rows:
            return None, report_id, 404
        detail = _report_detail(repo, rows[0])
        files = {
            _API_KIND[a.kind]: repo.read_chunk(a.id, 0, a.size)
            for a in repo.artifacts(rows[0].report_id)
            if a.kind in _API_KIND
        }
        upto = detail.ledger_seq
        attested = repo.last_attestation_seq(rows[0].report_id)
        if upto and attested:
            upto = max(upto, attested)  # the bundle carries the report's attestations
        entries = repo.ledger(None, upto_seq=upto, limit=1_000_000) if upto else []
        if principal.models is None:
            ledger = [v.ledger_out(e) for e in entries]
        else:
            mine = repo.ledger(principal.models, upto_seq=upto, limit=1_000_000) if upto else []
            shown = {row.entry.seq for row in mine}
            ledger = [
                v.ledger_out(e) if e.entry.seq in shown else v.sealed_ledger_out(e) for e in entries
            ]
        keys = [v.key_out(k) for k in repo.signing_keys()]
        tag = v.bundle_tag(detail, principal.models, keys)
        parts = v.BundleParts(report=detail, files=files, ledger=ledger, keys=keys, tag=tag)
        return parts, report_id, 200

    return logged_read(uow_factory, clock, access, action="bundle", object_type="report", work=work)


def report_bundle_head(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, report_id: str
) -> v.BundleHead:
    """What a HEAD of a report's bundle answers, logged as ``head`` (not a download): the
    report and the bundle's validator, read from what is stored (no artifact's bytes, no
    ledger entries, no zip)."""

    def work(repo: ReadRepository, principal: Principal) -> tuple[v.BundleHead | None, str, int]:
        rows = repo.reports(principal.models, uid=report_id, limit=1)
        if not rows:
            return None, report_id, 404
        detail = _report_detail(repo, rows[0])
        keys = [v.key_out(k) for k in repo.signing_keys()]
        return v.BundleHead(detail, v.bundle_tag(detail, principal.models, keys)), report_id, 200

    return logged_read(uow_factory, clock, access, action="head", object_type="report", work=work)


# --- the ledger and keys ------------------------------------------------------------------


def list_ledger(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    access: Access,
    *,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> v.LedgerPage:
    """Ledger entries in chain order (``kind="checkpoint"`` for the checkpoints only)."""
    size, after = limit_of(limit), seq_position(cursor)

    def work(repo: ReadRepository, principal: Principal) -> v.LedgerPage:
        rows = repo.ledger(principal.models, kind=kind, after_seq=after, limit=size + 1)
        items = [v.ledger_out(row) for row in rows[:size]]
        following = seq_cursor(rows[size - 1].entry.seq) if len(rows) > size else None
        return v.LedgerPage(items=items, next_cursor=following)

    return read(uow_factory, clock, access, work)


def get_ledger_entry(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, entry_hash: str
) -> v.LedgerEntryOut:
    found = read(
        uow_factory,
        clock,
        access,
        lambda r, p: [v.ledger_out(e) for e in r.ledger(p.models, entry_hash=entry_hash, limit=1)],
    )
    if not found:
        raise NotFound("no such ledger entry")
    return found[0]


def list_keys(uow_factory: UnitOfWorkFactory, clock: Clock, access: Access) -> list[v.KeyOut]:
    return read(uow_factory, clock, access, lambda r, p: [v.key_out(k) for k in r.signing_keys()])
