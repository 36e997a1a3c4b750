"""Bulk writes of evaluation records: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

No ORM object is built per record: rows are plain tuples in :data:`RECORD_COLUMNS` order,
written through the unit of work's own connection, so they commit or roll back with it.
A record key met twice in one run raises :class:`DuplicateRecordKey` naming both rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from compliance.domain.manifest import EXAMPLE_CHARS, AnswerExample
from compliance.domain.records import BASELINE_GROUP, answer_outcome
from compliance.errors import Conflict
from compliance.metrics.columns import RecordColumns
from compliance.storage.tables import EvalRecord, Persona

__all__ = ["RECORD_COLUMNS", "DuplicateRecordKey", "RecordRow", "RecordStore"]

RECORD_COLUMNS: tuple[str, ...] = (
    "run_id",
    "seq",
    "item_id",
    "cluster_id",
    "persona_id",
    "user_id",
    "task_type",
    "expected_answer",
    "raw_response",
    "parsed_answer",
    "correct",
    "refused",
    "followed_preference",
    "preference_score",
    "reference_score",
    "outcome",
    "label",
    "benchmark",
    "extra",
)
_SEQ, _ITEM, _PERSONA, _USER = 1, 2, 4, 5

RecordRow = tuple[Any, ...]


class DuplicateRecordKey(Conflict):
    """The same (item, persona, user) twice in a run; ``seq``/``first_seq`` locate both."""

    def __init__(self, seq: int, first_seq: int, key: tuple[str, int, str]) -> None:
        self.seq = seq
        self.first_seq = first_seq
        self.key = key
        super().__init__(f"record key {key} repeats the record of seq {first_seq}")


class RecordStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def insert(self, rows: Sequence[RecordRow]) -> None:
        """Append ``rows`` (``RECORD_COLUMNS`` tuples; ``extra`` as JSON text or ``None``)."""
        if not rows:
            return
        dbapi = self._session.connection().connection.dbapi_connection
        if dbapi is None:  # pragma: no cover - a pooled connection always has one
            raise RuntimeError("no DBAPI connection")
        if self._session.get_bind().dialect.name == "postgresql":
            self._copy_postgresql(dbapi, rows)
        else:
            self._executemany_sqlite(dbapi, rows)

    def _executemany_sqlite(self, dbapi: Any, rows: Sequence[RecordRow]) -> None:
        import sqlite3

        marks = ", ".join("?" * len(RECORD_COLUMNS))
        sql = f"INSERT INTO eval_records ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})"  # noqa: S608 (constant names)
        cursor = dbapi.cursor()
        try:
            cursor.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                raise
            raise self._locate_duplicate(rows) from exc
        finally:
            cursor.close()

    def _copy_postgresql(self, dbapi: Any, rows: Sequence[RecordRow]) -> None:
        import psycopg

        sql = f"COPY eval_records ({', '.join(RECORD_COLUMNS)}) FROM STDIN"
        with dbapi.cursor() as cursor:
            cursor.execute("SAVEPOINT record_batch")
            try:
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.errors.UniqueViolation as exc:
                cursor.execute("ROLLBACK TO SAVEPOINT record_batch")
                raise self._locate_duplicate(rows) from exc
            cursor.execute("RELEASE SAVEPOINT record_batch")

    def _locate_duplicate(self, rows: Sequence[RecordRow]) -> DuplicateRecordKey:
        """The first row of ``rows`` whose key an earlier row (here or stored) already has."""
        seen: dict[tuple[str, int, str], int] = {}
        for row in rows:
            key = (row[_ITEM], row[_PERSONA], row[_USER])
            if key in seen:
                return DuplicateRecordKey(row[_SEQ], seen[key], key)
            seen[key] = row[_SEQ]
        run_id = rows[0][0]
        stored = self._session.execute(
            select(EvalRecord.item_id, EvalRecord.persona_id, EvalRecord.user_id, EvalRecord.seq)
            .where(EvalRecord.run_id == run_id)
            .where(
                tuple_(EvalRecord.item_id, EvalRecord.persona_id, EvalRecord.user_id).in_(
                    list(seen)
                )
            )
        ).all()
        earlier = {(item, persona, user): seq for item, persona, user, seq in stored}
        for row in rows:
            key = (row[_ITEM], row[_PERSONA], row[_USER])
            if key in earlier and earlier[key] != row[_SEQ]:
                return DuplicateRecordKey(row[_SEQ], earlier[key], key)
        raise RuntimeError("a unique violation was reported but no repeated key was found")

    def answer_examples(
        self, run_ids: Sequence[int], *, per_group: int = 2, limit: int = 60
    ) -> list[AnswerExample]:
        """A few objective answers of ``run_ids`` that were not correct and have a raw
        response: the first ``per_group`` by item id for each persona and outcome, at most
        ``limit`` (one window query; the same records give the same examples)."""
        if not run_ids:
            return []
        r = EvalRecord
        rank = (
            func.row_number()
            .over(
                partition_by=(r.persona_id, r.correct, r.refused),
                order_by=(r.item_id, r.run_id, r.seq),
            )
            .label("rank")
        )
        inner = (
            select(
                Persona.name,
                Persona.is_baseline,
                r.item_id,
                r.expected_answer,
                r.raw_response,
                r.correct,
                r.refused,
                rank,
            )
            .join(Persona, Persona.id == r.persona_id)
            .where(
                r.run_id.in_(run_ids),
                r.task_type == "objective",
                r.raw_response.is_not(None),
                or_(r.correct.is_(None), r.correct.is_(False)),
            )
            .subquery()
        )
        query = (
            select(inner)
            .where(inner.c.rank <= per_group)
            .order_by(inner.c.is_baseline.desc(), inner.c.name, inner.c.item_id, inner.c.refused)
            .limit(limit)
        )
        examples = []
        for name, baseline, item, expected, response, correct, refused, _ in self._session.execute(
            query
        ):
            outcome = answer_outcome(correct, bool(refused))
            examples.append(
                AnswerExample(
                    item_id=item,
                    persona=BASELINE_GROUP if baseline else name,
                    outcome=outcome.value,
                    expected=expected,
                    response=_cut(str(response)),
                )
            )
        return examples

    def load_columns(self, run_ids: Sequence[int]) -> RecordColumns:
        """The records of ``run_ids`` as the metrics engine's columns (one query per run)."""
        from compliance.storage.columns import load_record_columns

        return load_record_columns(self._session, run_ids)


def _cut(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
