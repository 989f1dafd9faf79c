"""The money reached the escrow account: only now is the order paid and shipped.

The bot moves no money (ch4): the buyer pays the programme's escrow account themselves,
by the method chosen in /pay, and the money takes that method's time to arrive (a wire:
3-7 business days). Until the programme's team records its arrival the order waits in
``AWAITING_FUNDS``: the supplier knows it is being paid and holds the goods. Recording
it tells both parties, and starts the watch on the delivery deadline. Like every
service, this takes the caller's session and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import order_log, orders, payments, reminders
from bot.services.authz import Forbidden
from storage.models import Order, OrderStatus, Payment, Supplier, User

# The list the team picks from, the longest waiting first; any other is opened by its
# number (/funds ORDER).
QUEUE_LENGTH = 20


class FundsRefused(ValueError):
    """The order is not waiting for its money (any more); ``order`` says where it is."""

    def __init__(self, order: Order) -> None:
        super().__init__(order.id, order.status)
        self.order = order


async def waiting(session: AsyncSession) -> list[tuple[Order, Supplier, Payment]]:
    """Orders whose buyer chose a method and whose money has not been recorded, the
    longest waiting first."""
    rows = await session.execute(
        select(Order, Supplier, Payment)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .join(Payment, Payment.order_id == Order.id)
        .where(Order.status == OrderStatus.AWAITING_FUNDS, Payment.received_at.is_(None))
        .order_by(Payment.created_at, Order.id)
        .limit(QUEUE_LENGTH)
    )
    return [(order, supplier, payment) for order, supplier, payment in rows.all()]


async def pending(
    session: AsyncSession, order_id: int, actor: User, *, is_team: bool, lock: bool = False
) -> tuple[Order, Payment]:
    """The order and its payment, for a team member to confirm; anyone else, a party to
    the order included, meets ``Forbidden``: nobody records money for their own deal.
    ``lock``: hold the order's row until commit (PostgreSQL), so two members confirming
    at once record it once; SQLite's single writer already orders them."""
    if not is_team or not 0 < order_id <= orders.MAX_ID:
        raise Forbidden()
    order = await session.get(Order, order_id, with_for_update=lock, populate_existing=lock)
    if order is None or order.buyer_id == actor.id:
        raise Forbidden()
    supplier = await orders.supplier_of(session, order)
    if actor.telegram_id is not None and supplier.telegram_id == actor.telegram_id:
        raise Forbidden()
    payment = await payments.payment_of(session, order)
    if order.status != OrderStatus.AWAITING_FUNDS or payment is None:
        raise FundsRefused(order)
    return order, payment


async def confirm(
    session: AsyncSession, order_id: int, actor: User, *, is_team: bool, now: datetime
) -> tuple[Order, Payment]:
    """AWAITING_FUNDS -> AWAITING_SHIPMENT ("Waiting for supplier to ship order", ch4)."""
    order, payment = await pending(session, order_id, actor, is_team=is_team, lock=True)
    payment.received_at = now
    order.status = OrderStatus.AWAITING_SHIPMENT
    order.paid_at = now
    order.updated_at = now
    await order_log.record(
        session, order.id, actor, "team", "paid", now, method=payment.method, payment=payment.id
    )
    await orders.notify_supplier(session, order, reminders.ORDER_PAID, now)
    await reminders.notify_party(
        session,
        kind=reminders.FUNDS_RECEIVED,
        order_id=order.id,
        recipient_id=order.buyer_id,
        now=now,
    )
    if order.delivery_deadline is not None:
        await reminders.schedule_shipment_deadline(
            session,
            order_id=order.id,
            buyer_id=order.buyer_id,
            deadline=order.delivery_deadline,
            now=now,
        )
    return order, payment
