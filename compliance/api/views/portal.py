"""The officer portal's own reads: the dashboard and one series' history.

Same promises as :mod:`compliance.api.views.reads`: the credential is checked in the
read's transaction, and a token limited to some models sees only those models (a series of
another model is :class:`NotFound`).
"""

from __future__ import annotations

from compliance.api.views import responses as v
from compliance.api.views.common import Access, read
from compliance.clock import Clock
from compliance.errors import NotFound
from compliance.services.tokens import Principal
from compliance.storage.repositories.api_reads import ReadRepository
from compliance.storage.uow import UnitOfWorkFactory

__all__ = ["dashboard", "series"]


def dashboard(uow_factory: UnitOfWorkFactory, clock: Clock, access: Access) -> v.Dashboard:
    """Every model the caller sees, with the newest report of each of its series."""

    def work(repo: ReadRepository, principal: Principal) -> v.Dashboard:
        models = [v.model_out(m) for m in repo.models(principal.models)]
        latest = [v.report_out(row) for row in repo.latest_reports(principal.models)]
        policies = sorted({r.policy.name for r in latest})
        return v.Dashboard(models=models, policies=policies, latest=latest, viewer=principal.name)

    return read(uow_factory, clock, access, work)


def series(
    uow_factory: UnitOfWorkFactory, clock: Clock, access: Access, model_id: str, policy: str
) -> v.SeriesView:
    """Every version of one series (model × policy name), oldest first, with findings."""

    def work(repo: ReadRepository, principal: Principal) -> v.SeriesView | None:
        rows = repo.reports(
            principal.models, model_uid=model_id, policy=policy, limit=10_000, newest_first=False
        )
        if not rows:
            return None
        findings = repo.findings_of([row.audit_id for row in rows])
        points = [
            v.SeriesPoint(
                report=v.report_out(row),
                findings=[v.finding_out(f) for f in findings[row.audit_id]],
            )
            for row in rows
        ]
        model = v.ModelRef(id=rows[0].model_uid, name=rows[0].model_name)
        return v.SeriesView(model=model, policy=policy, versions=points)

    found = read(uow_factory, clock, access, work)
    if found is None:
        raise NotFound("no such series")
    return found
