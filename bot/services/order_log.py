"""The order audit log: one append-only row per state change of an order.

Services call ``record`` in the transaction of the change itself, so the log and the
state can never disagree. The table refuses UPDATE and DELETE (migration 0003).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OrderEvent, User

Role = Literal["buyer", "supplier", "team", "system"]


async def record(
    session: AsyncSession,
    order_id: int,
    actor: User | None,
    role: Role,
    kind: str,
    now: datetime,
    **payload: Any,
) -> OrderEvent:
    event = OrderEvent(
        order_id=order_id,
        actor_id=actor.id if actor is not None else None,
        actor_role=role,
        kind=kind,
        payload=payload,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def events_of(session: AsyncSession, order_id: int) -> list[OrderEvent]:
    rows = await session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    )
    return list(rows.all())
