"""The nightly job queue's tables (Procrastinate 3.10) on PostgreSQL; nothing on SQLite.

The SQL is Procrastinate's own ``procrastinate/sql/schema.sql`` of release 3.10.0, kept
next to the revisions (``migrations/procrastinate/schema-3.10.0.sql``, MIT licence) so
that the schema a database gets does not depend on the installed release. Idempotent: a
database where ``procrastinate schema --apply`` already made the tables is left as it is.
Upgrading Procrastinate past a release that changes its schema takes a new revision that
applies that release's ``sql/migrations/*.sql`` files.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).resolve().parent.parent / "procrastinate" / "schema-3.10.0.sql"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    present = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar()
    if present is not None:
        return
    # psycopg sends the file as one simple query (no parameters): its % signs stay as they are
    bind.connection.driver_connection.execute(SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in ("events", "periodic_defers", "jobs", "workers"):
        op.execute(f"DROP TABLE IF EXISTS procrastinate_{table} CASCADE")
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
        "AND p.proname LIKE 'procrastinate\\_%' LOOP EXECUTE 'DROP FUNCTION ' || f.sig || "
        "' CASCADE'; END LOOP; END $$"
    )
    for kind in ("job_to_defer_v1", "job_event_type", "job_status"):
        op.execute(f"DROP TYPE IF EXISTS procrastinate_{kind} CASCADE")
