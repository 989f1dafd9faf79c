"""Orders for dispute tests, written straight into the database (the buyer journey's
flows are tested on their own), and small readers for what a dispute left behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.handlers.terminal import terminal_user_id
from bot.services import contracts
from storage.models import (
    ContractVersion,
    Dispute,
    DisputeEvent,
    Evidence,
    Order,
    OrderStatus,
    Payment,
    Reminder,
    ReminderStatus,
    Supplier,
    Verification,
)
from storage.users import get_or_create_user

SPEC: dict[str, dict[str, Any]] = {
    "design": {"display": "Model FS-200 scarf, design file v3 agreed", "custom": True},
    "colour": {"display": "PANTONE 18-1663 TCX", "code": "18-1663 TCX"},
    "material": {"display": "100% cotton"},
    "size": {"display": "180 × 70 cm"},
    "weight": {"display": "150 g"},
    "quantity": {"display": "2,000 pieces", "liquid": False},
    "packaging": {"display": "carton 60 × 40 × 40 cm; board: 5-ply; no plastic"},
    "branding": {"display": "woven label with our logo, 3 × 1 cm"},
    "shipping": {"display": "Sea freight, to arrive by 1 Nov 2026", "mode": "sea"},
    "customisation": {"display": "none"},
    "inspection": {"display": "No third-party inspection", "timing": "none"},
    "coverage": {"display": "Post-delivery: the whole payment is covered", "type": "post_delivery"},
}

INSPECTED_BEFORE_LOADING: dict[str, Any] = {
    "display": "Before loading, by SGS",
    "timing": "before_loading",
    "provider": "sgs",
}


async def user_id(app: App, name: str, now: datetime) -> int:
    """The user row behind a terminal name (created as if they had written to the bot)."""
    async with app.sessions() as session, session.begin():
        user, _created = await get_or_create_user(
            session,
            terminal_user_id(name),
            display_name=name,
            locale="en",
            timezone="UTC",
            now=now,
        )
        return user.id


async def make_order(
    app: App,
    now: datetime,
    *,
    buyer: str = "alice",
    supplier: str | None = "sam",
    supplier_chats: bool = True,
    supplier_name: str = "Sam Textiles",
    amount: str = "20000",
    limit: str = "10000",
    status: OrderStatus = OrderStatus.COMPLETE,
    shipping_mode: str = "sea",
    delivery_deadline: datetime | None = None,
    received_at: datetime | None = None,
    auto_confirmed_at: datetime | None = None,
    uses_programme: bool = True,
    spec: dict[str, Any] | None = None,
) -> int:
    """A paid order from ``buyer`` to a supplier with a ``limit`` assurance limit.

    ``supplier`` is the terminal name of the supplier's Telegram account (None: the
    directory has no Telegram id for them); ``supplier_chats`` says whether that account
    has written to the bot already (then claims reach them at once)."""
    buyer_id = await user_id(app, buyer, now)
    if supplier is not None and supplier_chats:
        await user_id(app, supplier, now)
    if received_at is None and auto_confirmed_at is None and status == OrderStatus.COMPLETE:
        received_at = now - timedelta(days=5)
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Supplier).where(Supplier.name == supplier_name))
        if row is None:
            row = await _supplier(session, supplier_name, supplier, limit, now)
        order = Order(
            buyer_id=buyer_id,
            supplier_id=row.id,
            status=status,
            amount=Decimal(amount),
            currency="USD",
            spec=spec or SPEC,
            shipping_mode=shipping_mode,
            delivery_deadline=delivery_deadline or now - timedelta(days=20),
            coverage_type="post_delivery",
            uses_programme=uses_programme,
            confirmed_at=now - timedelta(days=60),
            # Awaiting funds: a method was chosen, the money is not held yet.
            paid_at=None if status == OrderStatus.AWAITING_FUNDS else now - timedelta(days=59),
            receipt_confirmed_at=received_at,
            auto_confirmed_at=auto_confirmed_at,
            created_at=now - timedelta(days=60),
            updated_at=now,
        )
        session.add(order)
        await session.flush()
        if status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
            # The contract as both parties accepted it (the supplier not yet, if CONFIRMED).
            content = contracts.content_of(order, row)
            session.add(
                ContractVersion(
                    order_id=order.id,
                    version=1,
                    content=content,
                    sha256=contracts.digest(content),
                    created_at=order.confirmed_at,
                    buyer_accepted_at=order.confirmed_at,
                    supplier_accepted_at=(
                        None if status == OrderStatus.CONFIRMED else order.confirmed_at
                    ),
                )
            )
            await session.flush()
        if status == OrderStatus.AWAITING_FUNDS:
            session.add(
                Payment(
                    order_id=order.id,
                    buyer_id=buyer_id,
                    method="wire",
                    amount=order.amount,
                    currency=order.currency,
                    buyer_country="US",
                    created_at=now - timedelta(days=1),
                )
            )
            await session.flush()
        return order.id


async def _supplier(
    session: AsyncSession, name: str, telegram: str | None, limit: str, now: datetime
) -> Supplier:
    row = Supplier(
        name=name,
        country="CN",
        products="scarf",
        assurance_limit=Decimal(limit),
        currency="USD",
        verification=Verification.GOLD,
        telegram_id=terminal_user_id(telegram) if telegram is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def count(app: App, model: type[Any]) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def events(app: App) -> int:
    return await count(app, DisputeEvent)


async def only_dispute(app: App) -> Dispute:
    async with app.sessions() as session:
        rows = (await session.scalars(select(Dispute))).all()
        assert len(rows) == 1, rows
        return rows[0]


async def event_kinds(app: App, dispute_id: int) -> list[tuple[str, str]]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(DisputeEvent)
            .where(DisputeEvent.dispute_id == dispute_id)
            .order_by(DisputeEvent.id)
        )
        return [(e.actor_role, e.kind) for e in rows.all()]


async def evidence(app: App) -> list[Evidence]:
    async with app.sessions() as session:
        return list((await session.scalars(select(Evidence).order_by(Evidence.id))).all())


async def pending_reminders(app: App, dispute_id: int) -> list[str]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(Reminder.kind).where(
                Reminder.subject_type == "dispute",
                Reminder.subject_id == dispute_id,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
        return sorted(rows.all())


async def submit_late_claim(chat: Any, order_id: int, *, refund: str = "The whole order") -> str:
    """The shortest road through /dispute: late delivery, no documents, submitted."""
    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    await chat.press("Late delivery")
    shown = await chat.press("The record is right")
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    await chat.press(refund)
    return str(await chat.press("Submit"))


async def quality_claim_up_to_the_inspection_report(chat: Any, order_id: int) -> str:
    """/dispute: not as specified (the colour), no documents, up to the evidence list's
    inspection report; what is shown there."""
    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    await chat.press("Not as specified")
    await chat.press("Colour")
    await chat.press("Done")
    shown = str(await chat.say("PANTONE 19-1664 TCX"))
    while "quality inspection report" not in shown:
        shown = await chat.press("I don't have it")
    return shown


async def tick(chat: Any, clock: Any, delta: timedelta) -> str:
    """Let time pass and run the dispatcher as the terminal does; return what it printed."""
    clock.advance(delta)
    start = chat.buffer.tell()
    await chat.chat.dispatcher.dispatch_due()
    chat.buffer.seek(start)
    return str(chat.buffer.read())
