"""Sources can be disabled and removed: ``enabled``, ``removed_at`` (a soft delete, so the
runs a removed source pulled still name it), and names unique among the sources not
removed (a partial unique index replaces the unique constraint).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "removed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_sources_name"), type_="unique")
        batch_op.create_index(
            "uq_sources_name_live",
            ["name"],
            unique=True,
            sqlite_where=sa.text(_LIVE),
            postgresql_where=sa.text(_LIVE),
        )


def downgrade() -> None:
    # removed sources go with the columns that mark them (their runs keep no source)
    op.execute(
        "UPDATE evaluation_runs SET source_id = NULL WHERE source_id IN "
        "(SELECT id FROM sources WHERE removed_at IS NOT NULL)"
    )
    op.execute("DELETE FROM sources WHERE removed_at IS NOT NULL")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index("uq_sources_name_live")
        batch_op.create_unique_constraint(batch_op.f("uq_sources_name"), ["name"])
        batch_op.drop_column("removed_at")
        batch_op.drop_column("enabled")
