"""An order's life on the buyer's side: draft -> confirmed (sent to the supplier) ->
agreed (the supplier accepted) -> awaiting funds (a method chosen) -> awaiting shipment
(the money is in escrow, ``bot.services.funds``) -> shipped -> complete.

Each transition takes the acting user and refuses anyone but the order's buyer, so a
flow cannot move someone else's order even if it was handed a foreign id; the
supplier's steps are in ``bot.services.supplier_orders``. Every transition writes an
``order_events`` row and tells the other party through the outbox. Reminders follow
the state: the money reaching escrow schedules the shipment-deadline check, the
supplier's shipment cancels it, and receipt (by the buyer or automatically) schedules
the claim-window reminders (ch6). Like every service, these take the caller's session
and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from bot.services import contracts, order_log, reminders
from policy import ClaimWindow, CoverageType, Money, Rules, ShippingMode, claim_window
from storage.models import (
    ContractVersion,
    Evidence,
    Order,
    OrderEvent,
    OrderStatus,
    Supplier,
    User,
)

# The answers a confirmed order must have: the contract's items, shared with disputes.
# Asked from the review and not required to confirm: the contract terms (Incoterms, place,
# tolerance, inspection level, parties); "to be agreed" on the contract until answered.
OPTIONAL_ITEMS = ("terms",)
SPEC_ITEMS = (
    "design",
    "colour",
    "material",
    "size",
    "weight",
    "quantity",
    "packaging",
    "branding",
    "shipping",
    "customisation",
    "inspection",
    "coverage",
)
# Statuses a buyer can still walk away from without a dispute: nothing was paid.
# AWAITING_FUNDS too: the supplier was told not to ship yet, so nothing of theirs is at
# stake; money already on its way is returned by the programme.
CANCELLABLE = (
    OrderStatus.DRAFT,
    OrderStatus.CONFIRMED,
    OrderStatus.AGREED,
    OrderStatus.AWAITING_FUNDS,
)
# Statuses in which the buyer may change the terms: a new version both must accept.
AMENDABLE = (OrderStatus.CONFIRMED, OrderStatus.AGREED)


class OrderNotFound(PermissionError):
    """No such order for this user. Someone else's order looks exactly like a missing one,
    so an id guessed in ``/pay 12`` reveals nothing."""


class WrongStatus(ValueError):
    """The order is real and the user's, but not in a state where this step applies."""

    def __init__(self, order: Order, expected: Sequence[OrderStatus]) -> None:
        super().__init__(f"order {order.id} is {order.status}, expected {list(expected)}")
        self.status = order.status
        self.expected = tuple(expected)


class NotAgreed(ValueError):
    """The contract's current version lacks the supplier's acceptance: it cannot be paid."""


class OwnCompany(PermissionError):
    """The buyer's Telegram account is bound to this supplier: nobody is both parties of
    one order (they would accept their own contract and answer their own claims)."""


def speaks_for(supplier: Supplier, user: User) -> bool:
    return user.telegram_id is not None and supplier.telegram_id == user.telegram_id


def _not_own_company(supplier: Supplier, actor: User) -> None:
    if speaks_for(supplier, actor):
        raise OwnCompany()


class IncompleteSpec(ValueError):
    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"missing answers: {', '.join(missing)}")
        self.missing = tuple(missing)


def buyers_own(order: Order | None, actor: User) -> Order:
    """The order if the actor placed it; anyone else gets "not found", never "not yours"."""
    if order is None or order.buyer_id != actor.id:
        raise OrderNotFound()
    return order


_own = buyers_own  # the short name this module's transitions use


async def hold(session: AsyncSession, order: Order) -> None:
    """Read the order again and keep its row until commit (PostgreSQL): a transition the
    team may make at the same moment (``funds.confirm``) then waits, or finds it moved."""
    await session.refresh(order, with_for_update=True)


def _expect(order: Order, *statuses: OrderStatus) -> None:
    if order.status not in statuses:
        raise WrongStatus(order, statuses)


# Ids are 32-bit integers in both databases; a typed "/pay 99999999999" must be "not found",
# not a driver overflow.
MAX_ID = 2**31 - 1


async def get_own_order(
    session: AsyncSession, actor: User, order_id: int, *, with_supplier: bool = False
) -> Order:
    """``with_supplier``: its supplier too, in the same query, for ``supplier_of`` to find
    in the session (a draft's every answer needs both: one statement instead of two)."""
    if not 0 < order_id <= MAX_ID:
        raise OrderNotFound()
    if not with_supplier:
        return _own(await session.get(Order, order_id), actor)
    # contains_eager: the order holds its supplier, so the (weak) identity map keeps it.
    order = await session.scalar(
        select(Order)
        .join(Order.supplier)
        .options(contains_eager(Order.supplier))
        .where(Order.id == order_id)
    )
    return _own(order, actor)


async def supplier_of(session: AsyncSession, order: Order) -> Supplier:
    supplier = await session.get(Supplier, order.supplier_id)
    assert supplier is not None  # a foreign key; the row cannot vanish under an order
    return supplier


async def count_orders(session: AsyncSession, buyer: User) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Order).where(Order.buyer_id == buyer.id)
        )
        or 0
    )


async def list_orders(
    session: AsyncSession, buyer: User, *, offset: int = 0, limit: int = 5
) -> list[tuple[Order, Supplier]]:
    """Newest first, with the supplier of each (one query, no lazy loads)."""
    rows = await session.execute(
        select(Order, Supplier)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .where(Order.buyer_id == buyer.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(order, supplier) for order, supplier in rows.all()]


async def orders_in_status(
    session: AsyncSession, buyer: User, status: OrderStatus
) -> list[tuple[Order, Supplier]]:
    rows = await session.execute(
        select(Order, Supplier)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .where(Order.buyer_id == buyer.id, Order.status == status)
        .order_by(Order.id)
    )
    return [(order, supplier) for order, supplier in rows.all()]


# -- the draft ---------------------------------------------------------------------------


async def create_draft(
    session: AsyncSession, actor: User, supplier: Supplier, amount: Money, now: datetime
) -> Order:
    """The order exists from the first answer on, so /orders lists it and it can be
    continued after the conversation was left for another command."""
    _not_own_company(supplier, actor)
    order = Order(
        buyer_id=actor.id,
        supplier_id=supplier.id,
        status=OrderStatus.DRAFT,
        amount=amount.amount,
        currency=amount.currency,
        spec={},
        uses_programme=True,
        coverage_type=CoverageType.POST_DELIVERY.value,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()
    await order_log.record(session, order.id, actor, "buyer", "created", now)
    return order


async def change_draft_terms(
    session: AsyncSession,
    order: Order,
    actor: User,
    now: datetime,
    *,
    supplier: Supplier | None = None,
    amount: Money | None = None,
) -> Order:
    _own(order, actor)
    _expect(order, OrderStatus.DRAFT)
    if supplier is not None:
        _not_own_company(supplier, actor)
        order.supplier_id = supplier.id
    if amount is not None:
        order.amount, order.currency = amount.amount, amount.currency
    order.updated_at = now
    return order


def missing_items(order: Order) -> list[str]:
    spec = order.spec or {}
    return [item for item in SPEC_ITEMS if "display" not in spec.get(item, {})]


async def confirm(
    session: AsyncSession,
    order: Order,
    actor: User,
    now: datetime,
    *,
    shipping_mode: ShippingMode,
    delivery_deadline: datetime,
    coverage_type: CoverageType,
    advance: Money | None,
) -> Order:
    """DRAFT -> CONFIRMED: the specification is the contract from now on."""
    _own(order, actor)
    _expect(order, OrderStatus.DRAFT)
    missing = missing_items(order)
    if missing:
        raise IncompleteSpec(missing)
    if advance is not None and advance.currency != order.currency:
        raise ValueError("the advance must be in the order's currency")
    supplier = await supplier_of(session, order)
    # Checked again here: the account may have been bound to the supplier since the draft.
    _not_own_company(supplier, actor)
    order.shipping_mode = ShippingMode(shipping_mode).value
    order.delivery_deadline = delivery_deadline
    order.coverage_type = CoverageType(coverage_type).value
    order.advance_amount = (
        advance.amount
        if advance is not None and coverage_type == CoverageType.PRE_DELIVERY
        else None
    )
    order.uses_programme = True
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = now
    order.updated_at = now
    version = await contracts.issue(session, order, supplier, now)
    await order_log.record(
        session,
        order.id,
        actor,
        "buyer",
        "confirmed",
        now,
        version=version.version,
        sha256=version.sha256,
    )
    await reminders.notify_party(
        session,
        kind=reminders.ORDER_TO_REVIEW,
        order_id=order.id,
        recipient_id=await supplier_user_id(session, supplier),
        now=now,
        payload={"version": version.version},
    )
    return order


async def amend(session: AsyncSession, order: Order, actor: User, now: datetime) -> Order:
    """CONFIRMED/AGREED -> DRAFT: the buyer changes the terms before paying. Confirming
    again issues a new version the supplier must accept afresh."""
    _own(order, actor)
    _expect(order, *AMENDABLE)
    previous = order.status
    order.status = OrderStatus.DRAFT
    order.updated_at = now
    await order_log.record(session, order.id, actor, "buyer", "amending", now, was=previous.value)
    return order


async def cancel(session: AsyncSession, order: Order, actor: User, now: datetime) -> Order:
    _own(order, actor)
    await hold(session, order)  # awaiting funds, the team may be recording the money
    _expect(order, *CANCELLABLE)
    if order.paid_at is not None:
        # A paid order being amended is still paid: cancelled only by agreement.
        raise WrongStatus(order, ())
    previous = order.status
    order.status = OrderStatus.CANCELLED
    order.updated_at = now
    await order_log.record(session, order.id, actor, "buyer", "cancelled", now, was=previous.value)
    if previous != OrderStatus.DRAFT or await contracts.current(session, order.id) is not None:
        # The supplier saw a version of this contract: they hear it is off.
        await notify_supplier(
            session, order, reminders.ORDER_CANCELLED, now, {"was": previous.value}
        )
    return order


async def notify_supplier(
    session: AsyncSession,
    order: Order,
    kind: str,
    now: datetime,
    payload: dict[str, object] | None = None,
) -> None:
    """An order notice to its supplier's chat, if they have one."""
    await reminders.notify_party(
        session,
        kind=kind,
        order_id=order.id,
        recipient_id=await supplier_user_id(session, await supplier_of(session, order)),
        now=now,
        payload=payload,
    )


async def supplier_user_id(session: AsyncSession, supplier: Supplier) -> int | None:
    """The supplier's chat with the bot, if they have one: only then can we write to them."""
    if supplier.telegram_id is None:
        return None
    return await session.scalar(select(User.id).where(User.telegram_id == supplier.telegram_id))


async def contract_of(session: AsyncSession, order: Order) -> ContractVersion | None:
    return await contracts.current(session, order.id)


# -- after confirmation -------------------------------------------------------------------


async def choose_payment(
    session: AsyncSession, order: Order, actor: User, now: datetime, *, method: str
) -> OrderEvent:
    """AGREED -> AWAITING_FUNDS: the buyer chose how to pay; only a contract both parties
    accepted can be paid. The money reaches the escrow account in the method's own time
    (a wire: 3-7 business days), so the supplier hears the order is being paid, not that
    it is paid: ``funds.confirm`` moves it on when the programme holds the money.
    Returns the choice's event: its id names this choice for good (a withdrawn choice's
    payment row goes, and SQLite may give its id to the next one)."""
    _own(order, actor)
    if order.status == OrderStatus.CONFIRMED:
        raise NotAgreed(order.id)
    _expect(order, OrderStatus.AGREED)
    version = await contracts.current(session, order.id)
    if not contracts.agreed(version):
        raise NotAgreed(order.id)
    assert version is not None
    order.status = OrderStatus.AWAITING_FUNDS
    order.updated_at = now
    event = await order_log.record(
        session, order.id, actor, "buyer", "payment_chosen", now, version=version.version
    )
    await notify_supplier(session, order, reminders.PAYMENT_COMING, now, {"method": method})
    return event


async def confirm_receipt(
    session: AsyncSession,
    order: Order,
    actor: User,
    now: datetime,
    rules: Rules,
    *,
    days_before: Sequence[int] = (7, 3, 1, 0),
) -> ClaimWindow:
    """SHIPPED -> COMPLETE by the buyer: the 30-day claim window starts now (ch6)."""
    _own(order, actor)
    _expect(order, OrderStatus.SHIPPED)
    order.receipt_confirmed_at = now
    window = window_of(order, rules)
    assert window is not None
    await order_log.record(session, order.id, actor, "buyer", "receipt_confirmed", now)
    await _complete(session, order, now, window.deadline, days_before)
    await notify_supplier(session, order, reminders.RECEIPT_CONFIRMED, now)
    return window


async def auto_confirm_receipt(
    session: AsyncSession,
    order: Order,
    now: datetime,
    *,
    claim_days: int,
    days_before: Sequence[int] = (7, 3, 1, 0),
) -> bool:
    """SHIPPED -> COMPLETE by the platform, at the moment the rules give for the shipping
    mode (the buyer never picks this). False when the order moved on already."""
    if order.status != OrderStatus.SHIPPED:
        return False
    order.auto_confirmed_at = now
    await order_log.record(session, order.id, None, "system", "receipt_auto_confirmed", now)
    await _complete(session, order, now, now + timedelta(days=claim_days), days_before)
    return True


async def _complete(
    session: AsyncSession,
    order: Order,
    now: datetime,
    deadline: datetime,
    days_before: Sequence[int],
) -> None:
    order.status = OrderStatus.COMPLETE
    order.updated_at = now
    await reminders.cancel_for_order(
        session, order_id=order.id, kinds=(reminders.SHIPMENT_OVERDUE, reminders.AUTO_RECEIPT)
    )
    await reminders.schedule_claim_window(
        session,
        order_id=order.id,
        buyer_id=order.buyer_id,
        deadline=deadline,
        now=now,
        days_before=days_before,
    )


def window_of(order: Order, rules: Rules) -> ClaimWindow | None:
    """The claim window, or None before receipt was confirmed either way."""
    if order.receipt_confirmed_at is None and order.auto_confirmed_at is None:
        return None
    return claim_window(
        rules,
        ShippingMode(order.shipping_mode),
        order.receipt_confirmed_at,
        order.auto_confirmed_at,
    )


def order_money(order: Order) -> Money:
    return Money(Decimal(order.amount), order.currency)


def advance_money(order: Order) -> Money | None:
    if order.advance_amount is None:
        return None
    return Money(Decimal(order.advance_amount), order.currency)


async def save_spec(
    session: AsyncSession, order: Order, actor: User, now: datetime, spec: dict[str, Any]
) -> Order:
    """Replace the draft's answers with the flow's current ones (complete items only)."""
    _own(order, actor)
    _expect(order, OrderStatus.DRAFT)
    unknown = set(spec) - set(SPEC_ITEMS) - set(OPTIONAL_ITEMS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    # A new dict, so the JSON column sees a change (in-place edits are not tracked).
    order.spec = dict(spec)
    order.updated_at = now
    return order


async def attach_file(
    session: AsyncSession,
    order: Order,
    actor: User,
    now: datetime,
    *,
    item: str,
    file_id: str,
    file_unique_id: str | None,
    file_name: str | None,
    mime_type: str | None,
    size: int | None,
) -> Evidence:
    """A design or branding file: kept as evidence of what was agreed (ch7)."""
    _own(order, actor)
    _expect(order, OrderStatus.DRAFT)
    evidence = Evidence(
        owner_id=actor.id,
        order_id=order.id,
        item=item,
        telegram_file_id=file_id,
        file_unique_id=file_unique_id,
        file_name=(file_name or "")[:256] or None,
        mime_type=mime_type,
        size_bytes=size,
        created_at=now,
    )
    session.add(evidence)
    await session.flush()
    return evidence
