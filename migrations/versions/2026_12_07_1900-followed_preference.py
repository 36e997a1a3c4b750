"""Records can carry a preference-following judgement: ``eval_records.followed_preference``
(null when not judged), for the robustness metrics of Okite et al. (2025).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eval_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followed_preference", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eval_records", schema=None) as batch_op:
        batch_op.drop_column("followed_preference")
