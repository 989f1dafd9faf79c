"""Alembic builds exactly the schema the models describe, and the audit log is append-only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import create_engine, upgrade_database_async
from storage.models import Base


async def test_upgrading_an_empty_database_matches_the_models(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_dispute_events_cannot_be_rewritten(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (telegram_id, display_name, role, locale, timezone, "
                    "unreachable, created_at) VALUES (1, 'b', 'buyer', 'en', 'UTC', false, :t)"
                ),
                {"t": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO suppliers (name, country, products, assurance_limit, currency, "
                    "verification, approved, created_at, updated_at) "
                    "VALUES ('s', 'CN', 'x', 10, 'USD', 'gold', true, :t, :t)"
                ),
                {"t": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO orders (buyer_id, supplier_id, status, amount, currency, spec, "
                    "coverage_type, uses_programme, created_at, updated_at) "
                    "VALUES (1, 1, 'complete', 10, 'USD', '{}', 'post_delivery', true, :t, :t)"
                ),
                {"t": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO disputes (order_id, buyer_id, supplier_id, status, ground, "
                    "details, requested_amount, cap_amount, currency, submitted_at, "
                    "response_due_at, escalation_opens_at, idempotency_key, version) VALUES "
                    "(1, 1, 1, 'submitted', 'late_delivery', '{}', 10, 10, 'USD', :t, :t, :t, "
                    "'k', 1)"
                ),
                {"t": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO dispute_events (dispute_id, actor_role, kind, payload, "
                    "created_at) VALUES (1, 'buyer', 'submitted', '{}', :t)"
                ),
                {"t": now},
            )
        for statement in (
            "UPDATE dispute_events SET kind = 'forged'",
            "DELETE FROM dispute_events",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
    finally:
        await engine.dispose()
