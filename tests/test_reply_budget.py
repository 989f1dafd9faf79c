"""Replies are not held behind the push budget (issue 18), on both runtimes.

Twelve reminders are due at once, for twelve other buyers, and the push budget is one
message a second: the outbox is saturated for twelve seconds. Meanwhile one user
sends ten commands, one after another, each waiting for its answer. Each answer must
come at once, not take a turn in the broadcast's queue: so while the ten answers go
out, at most a few pushes do (the budget lets one through a second). Before the
change, the python-telegram-bot runtime sent its replies through the same 1/s limiter,
so ten answers took ten seconds and half the pushes went out between them. Counted,
not timed: what is compared is how many pushes Telegram received between the first
and the last answer.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from telegram_helpers import RUNTIMES, Person, bot_settings, running

from bot.app import App
from bot.config import Settings
from bot.services import reminders
from emulator import BotAPIEmulator
from storage.models import Order, OrderStatus, Supplier, User

pytestmark = pytest.mark.timeout(90)

PUSHED = [760_000 + n for n in range(12)]
ANSWERS = 10
PUSHES_PER_SECOND = 1.0


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(
        database_url,
        emu,
        str(request.param),
        send_rate_per_second=PUSHES_PER_SECOND,
        send_rate_per_chat_per_second=PUSHES_PER_SECOND,
        reminder_poll_seconds=0.2,
    )


async def seed_due_reminders(app: App, emu: BotAPIEmulator) -> None:
    """A delivered order for each pushed buyer, whose 7-days-left reminder is due now."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        supplier = await session.scalar(select(Supplier).order_by(Supplier.id).limit(1))
        assert supplier is not None
        for telegram_id in PUSHED:
            emu.user(telegram_id, first_name=f"Buyer {telegram_id}")
            buyer = User(
                telegram_id=telegram_id,
                display_name=f"Buyer {telegram_id}",
                locale="en",
                timezone="UTC",
                created_at=now,
            )
            session.add(buyer)
            await session.flush()
            order = Order(
                buyer_id=buyer.id,
                supplier_id=supplier.id,
                status=OrderStatus.COMPLETE,
                amount=Decimal("900.00"),
                currency="USD",
                receipt_confirmed_at=now - timedelta(days=23),
                created_at=now - timedelta(days=60),
                updated_at=now,
            )
            session.add(order)
            await session.flush()
            await reminders.schedule_claim_window(
                session,
                order_id=order.id,
                buyer_id=buyer.id,
                deadline=now + timedelta(days=7) - timedelta(minutes=1),
                now=now - timedelta(hours=1),
            )


def pushes_received(emu: BotAPIEmulator) -> int:
    return sum(
        1
        for r in emu.requests
        if r.method == "sendMessage" and r.status == 200 and int(r.params["chat_id"]) in PUSHED
    )


async def test_answers_go_out_at_once_while_the_push_budget_is_saturated(
    app: App, emu: BotAPIEmulator
) -> None:
    await seed_due_reminders(app, emu)
    ana = Person(emu, 4301, "Ana")
    async with running(app, "polling"):
        # The broadcast is under way: the first push is in, eleven are waiting.
        await emu.wait_for_message(PUSHED[0], timeout=10)
        first = await ana.say("/help")
        assert "/find" in first["text"]
        before = pushes_received(emu)
        for _ in range(ANSWERS - 1):
            answer = await ana.say("/help")
            assert "/find" in answer["text"]
        during = pushes_received(emu) - before

        # The answers did not take turns with the broadcast ...
        assert during <= 3, f"{during} pushes went out between the {ANSWERS} answers"
        # ... and the broadcast was still going: the budget was saturated throughout.
        assert pushes_received(emu) < len(PUSHED)
