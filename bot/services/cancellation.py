"""Cancelling a paid order before it ships, with the other party's agreement.

Before payment the buyer cancels alone (``orders.cancel``). Once paid, either party may
ask, and the order is cancelled only when the other agrees; nothing changes if they
decline. The request lives in the audit log itself (the latest ``cancel_requested``
not yet answered), so there is no second copy of the truth to keep in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import order_log, reminders
from bot.services.orders import OrderNotFound, WrongStatus, supplier_of, supplier_user_id
from storage.models import Order, OrderEvent, OrderStatus, User

if TYPE_CHECKING:  # supplier_orders imports amendments, which asks this module
    from bot.services.supplier_orders import Side

ASKABLE = (OrderStatus.AWAITING_SHIPMENT,)
ANSWERS = ("cancel_declined", "cancelled_by_agreement", "shipped")


async def pending_request(session: AsyncSession, order: Order) -> Side | None:
    """The side whose cancellation request waits for an answer, if any."""
    if order.status not in ASKABLE:
        return None
    rows = await session.scalars(
        select(OrderEvent)
        .where(
            OrderEvent.order_id == order.id,
            OrderEvent.kind.in_(("cancel_requested", *ANSWERS)),
        )
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    last = rows.first()
    if last is None or last.kind != "cancel_requested":
        return None
    return "buyer" if last.actor_role == "buyer" else "supplier"


async def _other_party(session: AsyncSession, order: Order, side: Side) -> int | None:
    if side == "supplier":
        return order.buyer_id
    return await supplier_user_id(session, await supplier_of(session, order))


async def request(
    session: AsyncSession, order: Order, side: Side, actor: User, now: datetime
) -> None:
    if order.status not in ASKABLE:
        raise WrongStatus(order, ASKABLE)
    if await pending_request(session, order) is not None:
        raise WrongStatus(order, ())  # one request at a time
    await order_log.record(session, order.id, actor, side, "cancel_requested", now)
    await reminders.notify_party(
        session,
        kind=reminders.CANCEL_REQUESTED,
        order_id=order.id,
        recipient_id=await _other_party(session, order, side),
        now=now,
        payload={"by": side},
    )


async def answer(
    session: AsyncSession, order: Order, side: Side, actor: User, now: datetime, *, agree: bool
) -> None:
    """The other party agrees (the order is cancelled) or declines (nothing changes)."""
    asked_by = await pending_request(session, order)
    if asked_by is None:
        raise WrongStatus(order, ())
    if asked_by == side:
        raise OrderNotFound()  # nobody agrees with themselves
    if agree:
        order.status = OrderStatus.CANCELLED
        order.updated_at = now
        await reminders.cancel_for_order(
            session, order_id=order.id, kinds=(reminders.SHIPMENT_OVERDUE,)
        )
    kind = "cancelled_by_agreement" if agree else "cancel_declined"
    await order_log.record(session, order.id, actor, side, kind, now, asked_by=asked_by)
    await reminders.notify_party(
        session,
        kind=reminders.CANCEL_ANSWERED,
        order_id=order.id,
        recipient_id=await _other_party(session, order, side),
        now=now,
        payload={"agreed": agree},
    )
