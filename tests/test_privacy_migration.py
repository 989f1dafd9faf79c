"""Migration 0002 on a database already in use: users' Telegram ids become optional
(erased users have none), every row and reference survives, foreign keys still hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import alembic_config, create_engine, upgrade_database_async

NOW = datetime(2026, 1, 1, tzinfo=UTC)
USER = (
    "INSERT INTO users (telegram_id, display_name, role, locale, timezone, unreachable, "
    "created_at) VALUES (:tid, 'b', 'buyer', 'en', 'UTC', false, :t)"
)
ORDER = (
    "INSERT INTO orders (buyer_id, supplier_id, status, amount, currency, spec, coverage_type, "
    "uses_programme, created_at, updated_at) VALUES (:buyer, 1, 'complete', 10, 'USD', '{}', "
    "'post_delivery', true, :t, :t)"
)


async def test_upgrading_a_database_in_use_keeps_every_row_and_reference(
    database_url: str,
) -> None:
    await upgrade_database_async(database_url, "0001")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(USER), {"tid": 1001, "t": NOW})
            await connection.execute(
                text(
                    "INSERT INTO suppliers (name, country, products, assurance_limit, currency, "
                    "verification, approved, created_at, updated_at) "
                    "VALUES ('s', 'CN', 'x', 10, 'USD', 'gold', true, :t, :t)"
                ),
                {"t": NOW},
            )
            await connection.execute(text(ORDER), {"buyer": 1, "t": NOW})
        await engine.dispose()

        await upgrade_database_async(database_url)

        async with engine.begin() as connection:
            kept = await connection.execute(text("SELECT telegram_id, display_name FROM users"))
            assert kept.all() == [(1001, "b")]
            assert (await connection.execute(text("SELECT buyer_id FROM orders"))).all() == [(1,)]
            # Two erased users at once: NULL never collides under the unique constraint.
            await connection.execute(text(USER), {"tid": None, "t": NOW})
            await connection.execute(text(USER), {"tid": None, "t": NOW})
        with pytest.raises(IntegrityError):  # a Telegram id is still unique
            async with engine.begin() as connection:
                await connection.execute(text(USER), {"tid": 1001, "t": NOW})
        with pytest.raises(IntegrityError):  # and references are still enforced
            async with engine.begin() as connection:
                await connection.execute(text(ORDER), {"buyer": 99, "t": NOW})
    finally:
        await engine.dispose()


async def test_downgrading_refuses_while_erased_users_exist(database_url: str) -> None:
    from alembic import command

    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(USER), {"tid": None, "t": NOW})
    finally:
        await engine.dispose()
    with pytest.raises(RuntimeError, match="erased users have no Telegram id"):
        await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0001")
