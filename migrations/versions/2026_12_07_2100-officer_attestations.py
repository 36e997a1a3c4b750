"""Officers (accountable persons with their own public keys) and their attestations on
reports; attestations are append-only like the ledger (triggers refuse UPDATE and DELETE).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("key_id", name=op.f("uq_officers_key_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_officers_uid")),
    )
    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("statement", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"],
            ["ledger_entries.seq"],
            name=op.f("fk_attestations_ledger_seq_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_attestations_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_attestations_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
        sa.UniqueConstraint("ledger_seq", name=op.f("uq_attestations_ledger_seq")),
        sa.UniqueConstraint("uid", name=op.f("uq_attestations_uid")),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attestations_officer_id"), ["officer_id"])
        batch_op.create_index(batch_op.f("ix_attestations_report_id"), ["report_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER attestations_append_only BEFORE UPDATE OR DELETE ON attestations "
            "FOR EACH ROW EXECUTE FUNCTION compliance_append_only()"
        )
        op.execute(
            "CREATE TRIGGER attestations_no_truncate BEFORE TRUNCATE ON attestations "
            "FOR EACH STATEMENT EXECUTE FUNCTION compliance_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER attestations_no_{action.lower()} BEFORE {action} ON attestations "
            f"BEGIN SELECT RAISE(ABORT, 'compliance: {action} on attestations is refused: "
            "attestations are append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS attestations_append_only ON attestations")
        op.execute("DROP TRIGGER IF EXISTS attestations_no_truncate ON attestations")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS attestations_no_{action}")
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestations_report_id"))
        batch_op.drop_index(batch_op.f("ix_attestations_officer_id"))
    op.drop_table("attestations")
    op.drop_table("officers")
