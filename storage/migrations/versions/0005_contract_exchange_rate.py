"""the exchange rate a contract version's cover was computed with

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:45:00

A EUR order from a supplier with a USD limit is covered up to the limit converted at
the table's rate; the version records that rate, its date and source, so the contract
states the same cover after ``rates update``. Versions issued before have none (NULL):
they are shown with the current table, as they were.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contract_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_from", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("rate_to", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("rate", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("rate_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rate_source", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contract_versions", schema=None) as batch_op:
        for column in ("rate_source", "rate_date", "rate", "rate_to", "rate_from"):
            batch_op.drop_column(column)
