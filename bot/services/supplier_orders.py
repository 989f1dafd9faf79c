"""An order's life on the supplier's side: accept the contract or ask for changes, then
mark the goods shipped.

The supplier of an order is the Telegram account bound to its directory entry
(``Supplier.telegram_id``); nobody else may act for them, and an order that is not
theirs looks exactly like a missing one. Every step is audited in ``order_events`` and
told to the buyer through the outbox. Like every service, these never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import amendments, contracts, order_log, reminders
from bot.services.orders import MAX_ID, OrderNotFound, WrongStatus
from policy import InspectionTiming, Rules, ShippingMode
from storage.models import ContractVersion, Evidence, Order, OrderStatus, Supplier, User

Side = Literal["buyer", "supplier"]
MAX_REASON = 500
MAX_CARRIER = 64
MAX_TRACKING = 64


class BadShipment(ValueError):
    """A ship date, carrier or tracking number the order cannot take; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


INSPECTION_REPORT = "inspection_report"  # Evidence.item of the report the goods ship with


@dataclass(frozen=True)
class ReportFile:
    """The inspection report as Telegram holds it (values already fit to keep)."""

    file_id: str
    file_unique_id: str | None
    file_name: str | None
    mime_type: str | None
    size: int | None


def needs_inspection_report(order: Order) -> bool:
    """The contract asks for a third-party inspection before loading (ch3): the goods
    leave with its report, which the buyer receives with the shipping notice."""
    inspection = (order.spec or {}).get("inspection") or {}
    return bool(inspection.get("timing") == InspectionTiming.BEFORE_LOADING)


async def inspection_report(session: AsyncSession, order: Order) -> Evidence | None:
    return await session.scalar(
        select(Evidence)
        .where(Evidence.order_id == order.id, Evidence.item == INSPECTION_REPORT)
        .order_by(Evidence.id.desc())
        .limit(1)
    )


def _mine(user: User):  # type: ignore[no-untyped-def]
    """Orders the user placed, or that were placed with a supplier entry bound to them."""
    conditions = [Order.buyer_id == user.id]
    if user.telegram_id is not None:  # an erased user's row speaks for no account
        conditions.append(
            Order.supplier_id.in_(
                select(Supplier.id).where(Supplier.telegram_id == user.telegram_id)
            )
        )
    return or_(*conditions)


async def party_order(session: AsyncSession, user: User, order_id: int) -> tuple[Order, Side]:
    """The order and the user's side of it, or ``OrderNotFound``."""
    if not 0 < order_id <= MAX_ID:
        raise OrderNotFound()
    order = await session.get(Order, order_id)
    if order is None:
        raise OrderNotFound()
    if order.buyer_id == user.id:
        return order, "buyer"
    # A supplier sees an order once the buyer sent it to them, never an unsent draft.
    if user.telegram_id is not None and _sent(order):
        supplier = await session.get(Supplier, order.supplier_id)
        if supplier is not None and supplier.telegram_id == user.telegram_id:
            return order, "supplier"
    raise OrderNotFound()


def _sent(order: Order) -> bool:
    return order.confirmed_at is not None


def _visible(user: User):  # type: ignore[no-untyped-def]
    # A buyer's own drafts, but a supplier's orders only once sent to them.
    return or_(Order.buyer_id == user.id, Order.confirmed_at.is_not(None))


async def count_for(session: AsyncSession, user: User) -> int:
    statement = select(func.count()).select_from(Order).where(_mine(user), _visible(user))
    return int(await session.scalar(statement) or 0)


async def list_for(
    session: AsyncSession, user: User, *, offset: int = 0, limit: int = 5
) -> list[tuple[Order, Supplier]]:
    """Both sides' orders, newest first, with the supplier of each (one query)."""
    rows = await session.execute(
        select(Order, Supplier)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .where(_mine(user), _visible(user))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(order, supplier) for order, supplier in rows.all()]


def _supplier_only(side: Side, order: Order) -> None:
    if side != "supplier":
        raise OrderNotFound()


async def _pending_version(session: AsyncSession, order: Order) -> ContractVersion:
    if order.status != OrderStatus.CONFIRMED:
        raise WrongStatus(order, (OrderStatus.CONFIRMED,))
    version = await contracts.current(session, order.id)
    if version is None:
        # Confirmed before contract versions existed (migration 0003): freeze it now.
        supplier = await session.get(Supplier, order.supplier_id)
        assert supplier is not None
        version = await contracts.issue(
            session, order, supplier, order.confirmed_at or order.updated_at
        )
    return version


async def accept(
    session: AsyncSession, order: Order, side: Side, actor: User, now: datetime, *, version: int
) -> ContractVersion:
    """CONFIRMED -> AGREED: the supplier accepts the version they were shown. A button
    for an older version (the buyer re-sent since) is refused, so nobody accepts terms
    they did not read."""
    _supplier_only(side, order)
    current = await _pending_version(session, order)
    if current.version != version:
        raise WrongStatus(order, (OrderStatus.CONFIRMED,))
    current.supplier_accepted_at = now
    order.status = OrderStatus.AGREED
    order.updated_at = now
    if order.paid_at is not None:  # an amended paid order: in force, waiting for shipment
        await amendments.settle_agreed(session, order, now)
    await order_log.record(
        session,
        order.id,
        actor,
        "supplier",
        "contract_accepted",
        now,
        version=current.version,
        sha256=current.sha256,
    )
    await reminders.notify_party(
        session,
        kind=reminders.CONTRACT_ACCEPTED,
        order_id=order.id,
        recipient_id=order.buyer_id,
        now=now,
        payload={"version": current.version},
    )
    return current


async def request_changes(
    session: AsyncSession,
    order: Order,
    side: Side,
    actor: User,
    now: datetime,
    *,
    version: int,
    reason: str,
) -> ContractVersion:
    """CONFIRMED -> DRAFT: the supplier wants other terms; the buyer edits and re-sends."""
    _supplier_only(side, order)
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise ValueError("a reason is needed")
    current = await _pending_version(session, order)
    if current.version != version:
        raise WrongStatus(order, (OrderStatus.CONFIRMED,))
    current.changes_requested_at = now
    current.change_reason = reason
    order.status = OrderStatus.DRAFT
    order.updated_at = now
    await order_log.record(
        session, order.id, actor, "supplier", "changes_requested", now, version=current.version
    )
    await reminders.notify_party(
        session,
        kind=reminders.CHANGES_REQUESTED,
        order_id=order.id,
        recipient_id=order.buyer_id,
        now=now,
        payload={"version": current.version},
    )
    return current


def auto_receipt_at(rules: Rules, mode: ShippingMode, ship_date: date) -> datetime:
    """When the platform confirms receipt for a silent buyer: days after the ship date."""
    days = rules.claim_windows.auto_confirm_after_days[mode]
    return datetime.combine(ship_date, time.min, tzinfo=UTC) + timedelta(days=days)


def check_shipment(order: Order, today: date, ship_date: date, carrier: str, tracking: str) -> None:
    paid_on = (order.paid_at or order.confirmed_at or order.created_at).date()
    if ship_date > today:
        raise BadShipment("future")
    if ship_date < paid_on - timedelta(days=1):  # a day's grace for time zones
        raise BadShipment("before_payment")
    if not carrier or len(carrier) > MAX_CARRIER:
        raise BadShipment("carrier")
    if not tracking or len(tracking) > MAX_TRACKING:
        raise BadShipment("tracking")


async def mark_shipped(
    session: AsyncSession,
    order: Order,
    side: Side,
    actor: User,
    now: datetime,
    rules: Rules,
    *,
    ship_date: date,
    today: date,
    carrier: str,
    tracking: str,
    report: ReportFile | None = None,
    days_before: tuple[int, ...] = (7, 3, 1, 0),
) -> datetime:
    """AWAITING_SHIPMENT -> SHIPPED by the supplier; the shipping mode is the contract's,
    and an inspection before loading is on record with its report. Returns when receipt
    will be confirmed automatically if the buyer stays silent."""
    _supplier_only(side, order)
    if order.status != OrderStatus.AWAITING_SHIPMENT:
        raise WrongStatus(order, (OrderStatus.AWAITING_SHIPMENT,))
    carrier, tracking = " ".join(carrier.split()), "".join(tracking.split())
    check_shipment(order, today, ship_date, carrier, tracking)
    if needs_inspection_report(order) and report is None:
        raise BadShipment("inspection_report")
    if report is not None:
        session.add(
            Evidence(
                owner_id=actor.id,
                order_id=order.id,
                item=INSPECTION_REPORT,
                telegram_file_id=report.file_id,
                file_unique_id=report.file_unique_id,
                file_name=report.file_name,
                mime_type=report.mime_type,
                size_bytes=report.size,
                created_at=now,
            )
        )
    mode = ShippingMode(order.shipping_mode or "sea")
    order.status = OrderStatus.SHIPPED
    order.shipped_at = now
    order.ship_date = ship_date
    order.carrier = carrier
    order.tracking_number = tracking
    order.updated_at = now
    await order_log.record(
        session,
        order.id,
        actor,
        "supplier",
        "shipped",
        now,
        ship_date=ship_date.isoformat(),
        carrier=carrier,
        tracking=tracking,
        mode=mode.value,
        **({"inspection_report": report.file_name or report.file_id} if report else {}),
    )
    await reminders.cancel_for_order(
        session, order_id=order.id, kinds=(reminders.SHIPMENT_OVERDUE,)
    )
    due = auto_receipt_at(rules, mode, ship_date)
    await reminders.notify_party(
        session,
        kind=reminders.ORDER_SHIPPED,
        order_id=order.id,
        recipient_id=order.buyer_id,
        now=now,
    )
    await reminders.schedule_auto_receipt(
        session,
        order_id=order.id,
        buyer_id=order.buyer_id,
        due_at=due,
        claim_days=rules.claim_windows.auto_confirmed_days[mode],
        days_before=days_before,
        now=now,
    )
    return max(due, now)
