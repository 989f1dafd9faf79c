"""users.telegram_id nullable: /delete_me unlinks the Telegram account

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:10:00

A user who erases their data keeps, at most, a pseudonymous row that payments and
decided disputes still point to; its Telegram id becomes NULL so the same account
starts again as a new user (NULLs never collide under the unique constraint).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite_foreign_keys(on: bool) -> None:
    # SQLite changes NOT NULL only by rebuilding the table (batch mode drops and renames
    # it); with foreign keys enforced, dropping a referenced table would fail or cascade.
    # The pragma takes effect when no transaction is open yet, as on an existing database.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade() -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('telegram_id', existing_type=sa.BigInteger(), nullable=True)
    _sqlite_foreign_keys(True)


def downgrade() -> None:
    # An erased user has no Telegram id to give back; refuse rather than invent one.
    erased = op.get_bind().execute(
        sa.text("SELECT count(*) FROM users WHERE telegram_id IS NULL")
    ).scalar()
    if erased:
        raise RuntimeError(f"{erased} erased users have no Telegram id: cannot downgrade")
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('telegram_id', existing_type=sa.BigInteger(), nullable=False)
    _sqlite_foreign_keys(True)
