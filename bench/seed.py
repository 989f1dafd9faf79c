"""Bulk rows for benchmarks: users, suppliers, orders, disputes and reminders.

Millions of rows cannot go through the ORM one by one: SQLite gets SQLAlchemy Core
``executemany`` in large chunks inside one transaction, PostgreSQL gets ``COPY``
(asyncpg's ``copy_records_to_table``). Ids are given explicitly, so rows can refer to
each other without reading anything back; PostgreSQL's sequences are moved past them
afterwards, so the app's own inserts do not collide.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services import contracts
from storage.models import (
    ContractVersion,
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Order,
    OrderStatus,
    Reminder,
    ReminderStatus,
    Role,
    Supplier,
    User,
    Verification,
)

CHUNK = 20_000

# What a confirmed specification looks like in the orders table (see bot/flows/order.py).
SPEC: dict[str, dict[str, Any]] = {
    "design": {"display": "Model FS-200 scarf, design file v3 agreed", "custom": True},
    "colour": {"display": "PANTONE 18-1663 TCX", "code": "18-1663 TCX"},
    "material": {"display": "100% cotton"},
    "size": {"display": "180 × 70 cm"},
    "weight": {"display": "150 g"},
    "quantity": {"display": "2,000 pieces", "liquid": False},
    "packaging": {"display": "carton 60 × 40 × 40 cm; board: 5-ply; no plastic"},
    "branding": {"display": "woven label with our logo, 3 × 1 cm"},
    "shipping": {"display": "Sea freight", "mode": "sea"},
    "customisation": {"display": "none"},
    "inspection": {"display": "No third-party inspection", "timing": "none"},
    "coverage": {"display": "Post-delivery", "type": "post_delivery"},
}


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


async def next_id(engine: AsyncEngine, model: Any) -> int:
    table = _table(model)
    async with engine.connect() as connection:
        highest = await connection.scalar(select(func.max(table.c.id)))
    return int(highest or 0) + 1


async def insert_rows(engine: AsyncEngine, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys) in bulk; returns how many."""
    table = _table(model)
    if engine.dialect.name == "postgresql":
        return await _copy(engine, table, rows)
    count = 0
    async with engine.begin() as connection:
        for chunk in _chunks(rows):
            await connection.execute(table.insert(), chunk)
            count += len(chunk)
    return count


async def _copy(engine: AsyncEngine, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    async with engine.begin() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for chunk in _chunks(rows):
            columns = list(chunk[0])
            as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
            records = [
                tuple(json.dumps(row[c]) if c in as_json else row[c] for c in columns)
                for row in chunk
            ]
            await driver.copy_records_to_table(table.name, records=records, columns=columns)
            count += len(chunk)
        if "id" in table.c:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                )
            )
    return count


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics, as a database in service would have."""
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


# -- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdRange:
    first: int
    count: int

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.first, self.first + self.count))

    def __getitem__(self, index: int) -> int:
        return self.first + index


async def users(
    engine: AsyncEngine,
    count: int,
    *,
    first_telegram_id: int,
    now: datetime,
    timezone: str = "UTC",
    role: Role = Role.BUYER,
) -> IdRange:
    first = await next_id(engine, User)
    await insert_rows(
        engine,
        User,
        (
            {
                "id": first + i,
                "telegram_id": first_telegram_id + i,
                "display_name": f"Bench user {first_telegram_id + i}",
                "role": role.value,
                "locale": "en",
                "timezone": timezone,
                "country": "US",
                "unreachable": False,
                "created_at": now,
            }
            for i in range(count)
        ),
    )
    return IdRange(first, count)


async def suppliers(
    engine: AsyncEngine,
    count: int,
    *,
    now: datetime,
    telegram_ids: list[int] | None = None,
    products: str = "benchwidget",
    limit: Decimal = Decimal("10000"),
) -> IdRange:
    first = await next_id(engine, Supplier)
    await insert_rows(
        engine,
        Supplier,
        (
            {
                "id": first + i,
                "name": f"Bench Supplier {first + i}",
                "country": "CN",
                "products": products,
                "assurance_limit": limit,
                "currency": "USD",
                "verification": Verification.GOLD.value,
                "telegram_id": telegram_ids[i] if telegram_ids else None,
                "approved": True,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ),
    )
    return IdRange(first, count)


async def orders(
    engine: AsyncEngine,
    count: int,
    *,
    buyer_of: Any,
    supplier_of: Any,
    now: datetime,
    status: OrderStatus = OrderStatus.COMPLETE,
) -> IdRange:
    """``count`` orders; ``buyer_of(i)`` / ``supplier_of(i)`` give the i-th order's buyer
    and supplier ids. A complete order was paid, and its receipt was confirmed five days
    ago, so its claim window is open (what /dispute needs). An agreed one is unpaid, its
    delivery deadline ahead (give it a contract both accepted: ``agreed_contracts``)."""
    first = await next_id(engine, Order)
    complete = status == OrderStatus.COMPLETE
    paid = status not in (OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.AGREED)
    await insert_rows(
        engine,
        Order,
        (
            {
                "id": first + i,
                "buyer_id": buyer_of(i),
                "supplier_id": supplier_of(i),
                "status": status.value,
                "amount": Decimal("20000.00"),
                "currency": "USD",
                "spec": SPEC,
                "shipping_mode": "sea",
                "delivery_deadline": now + timedelta(days=-20 if paid else 60),
                "coverage_type": "post_delivery",
                "uses_programme": True,
                "confirmed_at": now - timedelta(days=60),
                "paid_at": now - timedelta(days=59) if paid else None,
                "receipt_confirmed_at": now - timedelta(days=5) if complete else None,
                "created_at": now - timedelta(days=60),
                "updated_at": now,
            }
            for i in range(count)
        ),
    )
    return IdRange(first, count)


async def agreed_contracts(
    engine: AsyncEngine, order_ids: IdRange, *, buyer_of: Any, supplier_of: Any, now: datetime
) -> IdRange:
    """Version 1 of each order's contract, accepted by the buyer and then the supplier: what
    makes an agreed order payable (``bot.services.contracts``)."""
    first = await next_id(engine, ContractVersion)
    rows = []
    for i, order_id in enumerate(order_ids):
        content = {
            "order": order_id,
            "buyer": buyer_of(i),
            "supplier": {"id": supplier_of(i)},
            "amount": "20000.00",
            "currency": "USD",
            "spec": SPEC,
        }
        rows.append(
            {
                "id": first + i,
                "order_id": order_id,
                "version": 1,
                "content": content,
                "sha256": contracts.digest(content),
                "created_at": now - timedelta(days=2),
                "buyer_accepted_at": now - timedelta(days=2),
                "supplier_accepted_at": now - timedelta(days=1),
            }
        )
    await insert_rows(engine, ContractVersion, rows)
    return IdRange(first, order_ids.count)


async def disputes(
    engine: AsyncEngine, order_ids: IdRange, *, buyer_of: Any, supplier_of: Any, now: datetime
) -> IdRange:
    """One submitted late-delivery dispute per order, each with its audit event."""
    first = await next_id(engine, Dispute)
    await insert_rows(
        engine,
        Dispute,
        (
            {
                "id": first + i,
                "order_id": order_id,
                "buyer_id": buyer_of(i),
                "supplier_id": supplier_of(i),
                "status": DisputeStatus.SUBMITTED.value,
                "ground": "late_delivery",
                "details": {"agreed": "2026-01-01", "delivered": "2026-01-15"},
                "requested_amount": Decimal("20000.00"),
                "cap_amount": Decimal("10000.00"),
                "currency": "USD",
                "submitted_at": now - timedelta(days=1),
                "response_due_at": now + timedelta(days=4),
                "escalation_opens_at": now + timedelta(days=4),
                "idempotency_key": f"bench-{first + i}",
                "version": 1,
            }
            for i, order_id in enumerate(order_ids)
        ),
    )
    event_first = await next_id(engine, DisputeEvent)
    await insert_rows(
        engine,
        DisputeEvent,
        (
            {
                "id": event_first + i,
                "dispute_id": first + i,
                "actor_id": buyer_of(i),
                "actor_role": "buyer",
                "kind": "submitted",
                "payload": {},
                "created_at": now - timedelta(days=1),
            }
            for i in range(order_ids.count)
        ),
    )
    return IdRange(first, order_ids.count)


async def reminders(
    engine: AsyncEngine,
    count: int,
    *,
    kind: str,
    recipient_of: Any,
    subject_of: Any,
    due_of: Any,
    now: datetime,
    payload: dict[str, Any] | None = None,
    status: ReminderStatus = ReminderStatus.PENDING,
    urgent: bool = False,
) -> IdRange:
    first = await next_id(engine, Reminder)
    await insert_rows(
        engine,
        Reminder,
        (
            {
                "id": first + i,
                "kind": kind,
                "recipient_id": recipient_of(i),
                "due_at": due_of(i),
                "expires_at": None,
                "subject_type": "order",
                "subject_id": subject_of(i),
                "payload": payload or {},
                "urgent": urgent,
                "status": status.value,
                "attempts": 0,
                "dedup_key": f"bench:{kind}:{first + i}",
                "created_at": now,
            }
            for i in range(count)
        ),
    )
    return IdRange(first, count)
