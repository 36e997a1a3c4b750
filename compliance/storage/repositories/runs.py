"""Evaluation runs: immutable, content-addressed batches of records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compliance.domain.ids import new_uid
from compliance.storage.tables import EvaluationRun, ModelVersion

__all__ = ["RunRepository"]


class RunRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def start(
        self,
        version: ModelVersion,
        *,
        benchmark: str,
        fmt: str,
        origin: str,
        now: dt.datetime,
        source_id: int | None = None,
    ) -> EvaluationRun:
        """A run row to attach records to; its hash and count are set by :meth:`seal`."""
        run = EvaluationRun(
            uid=new_uid("run"),
            model_version_id=version.id,
            source_id=source_id,
            benchmark=benchmark,
            format=fmt,
            origin=origin,
            record_count=0,
            content_sha256="pending:" + new_uid("run"),
            created_at=now,
        )
        self._session.add(run)
        self._session.flush()
        return run

    def seal(self, run: EvaluationRun, *, content_sha256: str, record_count: int) -> None:
        run.content_sha256 = content_sha256
        run.record_count = record_count
        self._session.flush()

    def find_by_content(self, version_id: int, content_sha256: str) -> EvaluationRun | None:
        return self._session.scalars(
            select(EvaluationRun).where(
                EvaluationRun.model_version_id == version_id,
                EvaluationRun.content_sha256 == content_sha256,
            )
        ).one_or_none()

    def get(self, uid: str) -> EvaluationRun | None:
        return self._session.scalars(
            select(EvaluationRun).where(EvaluationRun.uid == uid)
        ).one_or_none()

    def for_version(self, version_id: int) -> list[EvaluationRun]:
        return list(
            self._session.scalars(
                select(EvaluationRun)
                .where(EvaluationRun.model_version_id == version_id)
                .order_by(EvaluationRun.created_at, EvaluationRun.id)
            )
        )

    def latest_per_benchmark(self, version_id: int) -> list[EvaluationRun]:
        """The newest run of each benchmark of a model version, by benchmark name."""
        newest = (
            select(EvaluationRun.benchmark, func.max(EvaluationRun.id).label("id"))
            .where(EvaluationRun.model_version_id == version_id)
            .group_by(EvaluationRun.benchmark)
            .subquery()
        )
        return list(
            self._session.scalars(
                select(EvaluationRun)
                .join(newest, newest.c.id == EvaluationRun.id)
                .order_by(EvaluationRun.benchmark)
            )
        )

    def count_per_version(self, version_ids: list[int]) -> dict[int, int]:
        """How many runs each of ``version_ids`` has (absent: none)."""
        if not version_ids:
            return {}
        rows = self._session.execute(
            select(EvaluationRun.model_version_id, func.count())
            .where(EvaluationRun.model_version_id.in_(version_ids))
            .group_by(EvaluationRun.model_version_id)
        ).all()
        return {version_id: count for version_id, count in rows}  # noqa: C416 (Row tuples)
