"""who speaks for a supplier: one-time claim codes and the supplier audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 13:05:00

``supplier_events`` is append-only like ``order_events``: triggers refuse UPDATE and
DELETE on both databases. ``claim_codes`` keeps only the SHA-256 of each code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER supplier_events_no_update BEFORE UPDATE ON supplier_events
    BEGIN SELECT RAISE(ABORT, 'supplier_events is append-only'); END""",
    """CREATE TRIGGER supplier_events_no_delete BEFORE DELETE ON supplier_events
    BEGIN SELECT RAISE(ABORT, 'supplier_events is append-only'); END""",
]
APPEND_ONLY_POSTGRESQL = [
    """CREATE FUNCTION supplier_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'supplier_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER supplier_events_no_change BEFORE UPDATE OR DELETE ON supplier_events
    FOR EACH ROW EXECUTE FUNCTION supplier_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "supplier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_supplier_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_events")),
    )
    with op.batch_alter_table("supplier_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_events_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "claim_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_claim_codes_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_claim_codes_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["users.id"], name=op.f("fk_claim_codes_used_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_codes")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_claim_codes_code_sha256")),
    )
    with op.batch_alter_table("claim_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_codes_supplier_id"), ["supplier_id"], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in APPEND_ONLY_POSTGRESQL if dialect == "postgresql" else APPEND_ONLY_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS supplier_events_no_change ON supplier_events")
        op.execute("DROP FUNCTION IF EXISTS supplier_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS supplier_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS supplier_events_no_delete")
    with op.batch_alter_table("claim_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_codes_supplier_id"))
    op.drop_table("claim_codes")
    with op.batch_alter_table("supplier_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_events_supplier_id"))
    op.drop_table("supplier_events")
