"""`tradeguard run` pushes reminders in-process: the clockwork finds a claim-window
reminder once it falls due, the buyer's phone shows it in their language, and its
button opens the dispute for that very order. Both frameworks, by long polling."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from telegram_helpers import RUNTIMES, Person, bot_settings, running

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.services import reminders
from emulator import BotAPIEmulator
from storage.models import Order, OrderStatus, Reminder, ReminderStatus, Supplier, User

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param), reminder_poll_seconds=0.2)


async def delivered_order(app: App, telegram_id: int) -> tuple[int, str]:
    """A complete order for the user with ``telegram_id``: (order id, supplier name)."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        buyer = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        supplier = await session.scalar(select(Supplier).order_by(Supplier.id).limit(1))
        assert buyer is not None and supplier is not None
        order = Order(
            buyer_id=buyer.id,
            supplier_id=supplier.id,
            status=OrderStatus.COMPLETE,
            amount=Decimal("20000.00"),
            currency="USD",
            shipping_mode="sea",
            receipt_confirmed_at=now,
            created_at=now - timedelta(days=40),
            updated_at=now,
        )
        session.add(order)
        await session.flush()
        await reminders.schedule_claim_window(
            session,
            order_id=order.id,
            buyer_id=buyer.id,
            deadline=now + timedelta(days=30),
            now=now,
        )
        return order.id, supplier.name


async def test_run_pushes_a_reminder_when_it_falls_due_and_its_button_opens_the_dispute(
    app: App, emu: BotAPIEmulator, clock: FrozenClock
) -> None:
    async with running(app, "polling"):
        bia = Person(emu, 4101, "Bia", language="pt-br")
        await bia.say("/start")
        order_id, supplier = await delivered_order(app, bia.id)

        await asyncio.sleep(0.6)  # several clock rounds: nothing is due yet
        assert all(f"#{order_id}" not in (m.get("text") or "") for m in emu.bot_messages(bia.id))

        clock.advance(timedelta(days=23, minutes=1))  # 7 days before the window closes
        notice = await bia.wait_for(f"#{order_id}")
        assert "daqui a 7 dias" in notice["text"]  # in her language, plural and all
        assert bia.labels(notice) == ["Abrir uma disputa", "Ver o pedido"]

        await bia.press(notice, "Abrir uma disputa")
        opened = await bia.next()
        assert opened["text"].startswith("Etapa 1 de")  # the dispute flow, for this order
        assert supplier in opened["text"]

    async with app.sessions() as session:
        statuses = (await session.scalars(select(Reminder.status).order_by(Reminder.due_at))).all()
    assert statuses[0] == ReminderStatus.SENT
    assert set(statuses[1:]) == {ReminderStatus.PENDING}  # 3, 1 and 0 days: not yet due
