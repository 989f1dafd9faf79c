"""Changing a paid order before it ships, with the supplier's agreement.

The buyer reopens the specification of a paid, unshipped order; the supplier is told
not to ship while it is being changed. Confirming it issues a new contract version that
the supplier accepts (the order is then waiting for shipment again, under the new
version) or sends back with a reason. Until the supplier accepts, the buyer may keep the
agreed version instead: its terms are restored and re-issued as a new version with the
same SHA-256 and the original acceptance dates, so the latest version is always the one
in force or the one proposed.

What the escrow holds cannot change this way: the amount, its currency and the coverage
(with its advance) stay as paid. A different price is a cancellation by agreement and a
new order. Every step is in ``order_events``; like every service, these never commit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import cancellation, contracts, order_log, reminders
from bot.services.orders import WrongStatus, buyers_own, notify_supplier
from policy import CoverageType
from storage.models import ContractVersion, Dispute, Order, OrderStatus, User

# The terms the escrow payment fixed, as named in the contract's content.
FIXED_TERMS = ("amount", "currency", "coverage_type", "advance")


class PaidTermsFixed(ValueError):
    """The amended specification changes what was paid for; ``terms`` names which."""

    def __init__(self, terms: list[str]) -> None:
        super().__init__(", ".join(terms))
        self.terms = terms


def being_amended(order: Order) -> bool:
    """A paid order whose specification is reopened or whose new version awaits the
    supplier (a paid order is otherwise waiting for shipment or further on)."""
    return order.paid_at is not None and order.status in (
        OrderStatus.DRAFT,
        OrderStatus.CONFIRMED,
    )


async def can_start(session: AsyncSession, order: Order) -> bool:
    """Paid, not shipped, no dispute and no cancellation request waiting."""
    if order.status != OrderStatus.AWAITING_SHIPMENT:
        return False
    if await session.scalar(select(Dispute.id).where(Dispute.order_id == order.id)):
        return False
    return await cancellation.pending_request(session, order) is None


async def start(session: AsyncSession, order: Order, actor: User, now: datetime) -> Order:
    """AWAITING_SHIPMENT -> DRAFT, still paid: the buyer reopens the specification."""
    buyers_own(order, actor)
    if not await can_start(session, order):
        raise WrongStatus(order, (OrderStatus.AWAITING_SHIPMENT,))
    agreed = await contracts.in_force(session, order.id)
    order.status = OrderStatus.DRAFT
    order.updated_at = now
    await order_log.record(
        session,
        order.id,
        actor,
        "buyer",
        "amendment_started",
        now,
        version=agreed.version if agreed is not None else None,
    )
    await notify_supplier(session, order, reminders.AMENDMENT_STARTED, now)
    return order


async def check_fixed_terms(
    session: AsyncSession, order: Order, *, coverage_type: str, advance: Decimal | None
) -> None:
    """Refuse a new version of a paid order that changes what the escrow holds: the
    order's amount and currency, and the coverage answered (type and advance)."""
    if order.paid_at is None:
        return
    agreed = await contracts.in_force(session, order.id)
    if agreed is None:
        return
    paid = agreed.content
    proposed = {
        "amount": Decimal(order.amount),
        "currency": order.currency,
        "coverage_type": coverage_type,
        "advance": advance if coverage_type == CoverageType.PRE_DELIVERY else None,
    }
    held = {
        "amount": Decimal(paid["amount"]),
        "currency": paid["currency"],
        "coverage_type": paid["coverage_type"],
        "advance": Decimal(paid["advance"]) if paid.get("advance") is not None else None,
    }
    changed = [term for term in FIXED_TERMS if proposed[term] != held[term]]
    if changed:
        raise PaidTermsFixed(changed)


async def settle_agreed(session: AsyncSession, order: Order, now: datetime) -> None:
    """The supplier accepted the new version of a paid order: back to waiting for
    shipment, with the shipment reminder moved to the new deadline."""
    order.status = OrderStatus.AWAITING_SHIPMENT
    await _reschedule_shipment(session, order, now)


async def withdraw(
    session: AsyncSession, order: Order, actor: User, now: datetime
) -> ContractVersion:
    """Keep the agreed version: its terms come back and are re-issued unchanged."""
    buyers_own(order, actor)
    if not being_amended(order):
        raise WrongStatus(order, (OrderStatus.DRAFT, OrderStatus.CONFIRMED))
    agreed = await contracts.in_force(session, order.id)
    if agreed is None:
        raise WrongStatus(order, ())
    content = agreed.content
    order.spec = dict(content["spec"])
    order.shipping_mode = content["shipping_mode"]
    deadline = content.get("delivery_deadline")
    order.delivery_deadline = datetime.fromisoformat(deadline) if deadline else None
    order.amount, order.currency = Decimal(content["amount"]), content["currency"]
    order.coverage_type = content["coverage_type"]
    advance = content.get("advance")
    order.advance_amount = Decimal(advance) if advance is not None else None
    restored = await contracts.reissue(session, order, agreed, now)
    order.status = OrderStatus.AWAITING_SHIPMENT
    order.updated_at = now
    await order_log.record(
        session,
        order.id,
        actor,
        "buyer",
        "amendment_withdrawn",
        now,
        version=restored.version,
        restores=agreed.version,
        sha256=restored.sha256,
    )
    await notify_supplier(
        session,
        order,
        reminders.AMENDMENT_WITHDRAWN,
        now,
        payload={"version": restored.version, "restores": agreed.version},
    )
    await _reschedule_shipment(session, order, now)
    return restored


async def _reschedule_shipment(session: AsyncSession, order: Order, now: datetime) -> None:
    await reminders.cancel_for_order(
        session, order_id=order.id, kinds=(reminders.SHIPMENT_OVERDUE,)
    )
    if order.delivery_deadline is not None:
        version = await contracts.current(session, order.id)
        await reminders.schedule_shipment_deadline(
            session,
            order_id=order.id,
            buyer_id=order.buyer_id,
            deadline=order.delivery_deadline,
            now=now,
            version=version.version if version is not None else 1,
        )
