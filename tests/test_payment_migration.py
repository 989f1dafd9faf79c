"""Migration 0006 on a database in use: a payment recorded before it moved its order on
at once, so it counts as received when its order was paid; a new column, no row lost."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from storage.db import create_engine, upgrade_database_async
from storage.models import Payment
from tests.test_privacy_migration import ORDER, USER

PAID = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


async def test_payments_made_before_count_as_received_when_their_order_was_paid(
    database_url: str,
) -> None:
    await upgrade_database_async(database_url, "0005")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(USER), {"tid": 1001, "t": PAID})
            await connection.execute(
                text(
                    "INSERT INTO suppliers (name, country, products, assurance_limit, currency, "
                    "verification, approved, created_at, updated_at) "
                    "VALUES ('s', 'CN', 'x', 10, 'USD', 'gold', true, :t, :t)"
                ),
                {"t": PAID},
            )
            await connection.execute(text(ORDER), {"buyer": 1, "t": PAID})
            await connection.execute(text("UPDATE orders SET paid_at = :t"), {"t": PAID})
            await connection.execute(
                text(
                    "INSERT INTO payments (order_id, buyer_id, method, amount, currency, "
                    "buyer_country, created_at) VALUES (1, 1, 'wire', 10, 'USD', 'US', :t)"
                ),
                {"t": PAID},
            )
        await engine.dispose()

        await upgrade_database_async(database_url)

        async with engine.connect() as connection:
            received = (await connection.execute(select(Payment.received_at))).scalars().all()
        assert received == [PAID]
    finally:
        await engine.dispose()
