"""when a payment reached the escrow account

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 20:30:00

Choosing a method no longer tells the supplier to ship: the order waits in
"awaiting_funds" until the programme's team confirms the money is held. The order's
status is a plain string column, so the new status needs no DDL. Payments recorded
before this revision moved their order on at once; they count as received when their
order was marked paid.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE payments SET received_at = "
        "(SELECT orders.paid_at FROM orders WHERE orders.id = payments.order_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("received_at")
