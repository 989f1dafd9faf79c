"""Recording how a buyer pays for a confirmed order, and what they paid this month.

The bot does not move money: the buyer pays the programme's escrow account themselves
(ch4, ch5). What we keep is the method they chose, with its fee range as it stood, so
monthly limits (Boleto: $5,000 a month) can be checked against later payments.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import order_log, orders, reminders
from policy import (
    MethodAssessment,
    Money,
    PaymentAssessment,
    Rules,
    assess_payment_methods,
    latest_arrival,
)
from storage.models import Order, OrderStatus, Payment, User


class MethodNotEligible(ValueError):
    """The method was fine when shown but is not now (e.g. the monthly total moved)."""


def month_start(now: datetime) -> datetime:
    """Monthly limits count from the first of the month, UTC: one rule for every buyer."""
    utc = now.astimezone(UTC)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def month_totals(
    session: AsyncSession, buyer: User, now: datetime
) -> dict[tuple[str, str], Money]:
    """What this buyer recorded per (method, currency) since the month began; a payment
    whose order was cancelled before the money arrived was never made."""
    rows = await session.execute(
        select(Payment.method, Payment.currency, func.sum(Payment.amount))
        .join(Order, Order.id == Payment.order_id)
        .where(
            Payment.buyer_id == buyer.id,
            Payment.created_at >= month_start(now),
            or_(Payment.received_at.is_not(None), Order.status != OrderStatus.CANCELLED),
        )
        .group_by(Payment.method, Payment.currency)
    )
    return {
        (method, currency): Money(Decimal(total), currency)
        for method, currency, total in rows.all()
    }


def month_to_date(
    rules: Rules, country: str, totals: Mapping[tuple[str, str], Money]
) -> dict[str, Money]:
    """The totals policy needs: per method, in the currency its monthly limit is set in.

    Payments in another currency cannot be added to that limit without exchange rates,
    which the programme does not give us; policy flags such limits as unverified.
    """
    result: dict[str, Money] = {}
    for method in rules.payment_methods:
        account = method.account_for(country)
        if account is None or account.monthly_limit is None:
            continue
        currency = account.monthly_limit.currency
        result[method.id] = totals.get((method.id, currency), Money.zero(currency))
    return result


async def assess(
    session: AsyncSession,
    rules: Rules,
    buyer: User,
    order: Order,
    country: str,
    card_network: str | None,
    now: datetime,
) -> PaymentAssessment:
    totals = await month_totals(session, buyer, now)
    return assess_payment_methods(
        rules,
        orders.order_money(order),
        country,
        card_network=card_network,
        month_to_date=month_to_date(rules, country, totals),
    )


async def record_payment(
    session: AsyncSession,
    order: Order,
    actor: User,
    now: datetime,
    *,
    method: MethodAssessment,
    country: str,
    card_network: str | None,
) -> Payment:
    """Record the chosen method; the order waits for the money to reach escrow."""
    if not method.eligible:
        raise MethodNotEligible(method.method_id)
    # Checks the owner and the status first.
    choice = await orders.choose_payment(session, order, actor, now, method=method.method_id)
    payment = Payment(
        order_id=order.id,
        buyer_id=actor.id,
        method=method.method_id,
        amount=order.amount,
        currency=order.currency,
        fee_min=_in_currency(method.fee_min, order.currency),
        fee_max=_in_currency(method.fee_max, order.currency),
        buyer_country=country,
        card_network=card_network,
        created_at=now,
    )
    session.add(payment)
    await session.flush()
    await reminders.schedule_funds_overdue(
        session,
        order_id=order.id,
        buyer_id=actor.id,
        expected_by=latest_arrival(method.processing, now),
        payment_id=payment.id,
        choice_id=choice.id,
        now=now,
    )
    return payment


async def withdraw_choice(session: AsyncSession, order: Order, actor: User, now: datetime) -> str:
    """AWAITING_FUNDS -> AGREED: the buyer will pay another way (a loan refused, a card
    over its limit after all). The choice was a promise, not money: its row goes, so it
    counts against no monthly limit, and the order's log keeps what was chosen and when.
    Returns the withdrawn method."""
    orders.buyers_own(order, actor)
    await orders.hold(session, order)  # the team may be recording the money right now
    payment = await payment_of(session, order)
    if order.status != OrderStatus.AWAITING_FUNDS or payment is None:
        raise orders.WrongStatus(order, (OrderStatus.AWAITING_FUNDS,))
    await order_log.record(
        session,
        order.id,
        actor,
        "buyer",
        "payment_withdrawn",
        now,
        method=payment.method,
        chosen_at=payment.created_at.isoformat(),
    )
    await session.delete(payment)
    await reminders.cancel_for_order(session, order_id=order.id, kinds=(reminders.FUNDS_OVERDUE,))
    order.status = OrderStatus.AGREED
    order.updated_at = now
    await session.flush()
    return payment.method


def _in_currency(fee: Money | None, currency: str) -> Decimal | None:
    # The row has one currency column: a fee quoted in another (a $ wire fee on a EUR
    # payment) is left out rather than stored under the wrong currency.
    return fee.amount if fee is not None and fee.currency == currency else None


async def payment_of(session: AsyncSession, order: Order) -> Payment | None:
    return await session.scalar(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc())
    )
