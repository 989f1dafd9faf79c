"""A thousand due reminders through `tradeguard scheduler` against a Bot API emulator
that enforces Telegram's flood limits (30 messages a second overall, one a second per
chat, 429 with retry_after beyond that).

Every reminder is a real claim-window reminder for a real order; five fall due for each
of 200 buyers at once (as after downtime), so the dispatcher must spread each buyer's
messages out instead of queueing behind one chat.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from conftest import START
from sqlalchemy import func, select
from telegram_helpers import TOKEN, bot_settings

from bot.app import App, build_app
from bot.config import Settings
from bot.handlers.lifecycle import Plan
from bot.handlers.runtime import create_runtime
from bot.services import reminders
from emulator import BotAPIEmulator
from storage.db import upgrade_database_async
from storage.models import Order, OrderStatus, Reminder, ReminderStatus, Supplier, User

pytestmark = pytest.mark.timeout(240)

BUYERS = 200
ORDERS_EACH = 5
OVERALL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1


class TickingClock:
    """Real time, starting at the suite's fixed morning (so quiet hours never apply)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.origin = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.origin)


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN) as emulator:
        emulator.rate_limit(OVERALL_PER_SECOND, PER_CHAT_PER_SECOND)
        yield emulator


@pytest.fixture
def settings(database_url: str, emu: BotAPIEmulator) -> Settings:
    return bot_settings(
        database_url,
        emu,
        "aiogram",
        send_rate_per_second=OVERALL_PER_SECOND,
        send_rate_per_chat_per_second=PER_CHAT_PER_SECOND,
        reminder_poll_seconds=0.5,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    if not settings.is_sqlite:
        await upgrade_database_async(settings.database_url)
    application = await build_app(settings, clock=TickingClock(START))
    yield application
    await application.close()


async def seed_due_claim_reminders(app: App, emu: BotAPIEmulator) -> list[int]:
    """200 buyers with five delivered orders each; each order's 7-day reminder is due."""
    now = app.clock.now()
    deadline = now + timedelta(days=7) - timedelta(minutes=1)
    buyer_ids = [700_000 + n for n in range(BUYERS)]
    for telegram_id in buyer_ids:  # each has a private chat with the bot
        emu.user(telegram_id, first_name=f"Buyer {telegram_id}")
    async with app.sessions() as session, session.begin():
        supplier = await session.scalar(select(Supplier).order_by(Supplier.id).limit(1))
        assert supplier is not None, "the demo directory is loaded at start"
        for telegram_id in buyer_ids:
            buyer = User(
                telegram_id=telegram_id,
                display_name=f"Buyer {telegram_id}",
                locale="en",
                timezone="UTC",
                created_at=now,
            )
            session.add(buyer)
            await session.flush()
            for _ in range(ORDERS_EACH):
                order = Order(
                    buyer_id=buyer.id,
                    supplier_id=supplier.id,
                    status=OrderStatus.COMPLETE,
                    amount=Decimal("1200.00"),
                    currency="USD",
                    receipt_confirmed_at=now - timedelta(days=23),
                    created_at=now - timedelta(days=60),
                    updated_at=now,
                )
                session.add(order)
                await session.flush()
                # Scheduled an hour ago: the 7-days-before reminder is due now, the
                # 3, 1 and 0 ones stay pending in the future.
                await reminders.schedule_claim_window(
                    session,
                    order_id=order.id,
                    buyer_id=buyer.id,
                    deadline=deadline,
                    now=now - timedelta(hours=1),
                )
    return buyer_ids


async def count(app: App, status: ReminderStatus) -> int:
    async with app.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Reminder).where(Reminder.status == status)
            )
            or 0
        )


async def test_a_thousand_due_reminders_arrive_once_within_the_flood_limits(
    app: App, emu: BotAPIEmulator
) -> None:
    buyer_ids = await seed_due_claim_reminders(app, emu)
    due = BUYERS * ORDERS_EACH
    async with create_runtime(app, Plan.scheduler()) as runtime:  # `tradeguard scheduler`
        deadline = time.monotonic() + 180
        while await count(app, ReminderStatus.SENT) < due:
            assert time.monotonic() < deadline, "the reminders did not all go out in time"
            await asyncio.sleep(0.5)
        retry_after_waits = runtime.dispatcher.deliverer.retry_after_waits  # type: ignore[attr-defined]

    # Every due reminder went out once, and nothing else did.
    assert await count(app, ReminderStatus.SENT) == due
    assert await count(app, ReminderStatus.PENDING) == due * 3  # the 3-, 1- and 0-day ones
    accepted = [r for r in emu.requests if r.method == "sendMessage" and r.status == 200]
    assert len(accepted) == due
    per_chat: dict[int, list[float]] = defaultdict(list)
    texts: set[tuple[int, str]] = set()
    for request in accepted:
        chat = int(request.params["chat_id"])
        per_chat[chat].append(request.time)
        texts.add((chat, request.params["text"]))
    assert sorted(per_chat) == buyer_ids
    assert all(len(times) == ORDERS_EACH for times in per_chat.values())
    assert len(texts) == due  # five different orders per buyer, none twice
    assert all("your time to open a dispute ends" in text for _chat, text in texts)

    # No 429 was left unhandled: each one was waited out and the message sent later.
    rejected = emu.stats["rejected_429"]
    assert rejected == retry_after_waits
    assert len([r for r in emu.requests if r.method == "sendMessage"]) == due + rejected

    # What Telegram saw: never two messages to one chat within a second, never more
    # than 30 within any second overall.
    for times in per_chat.values():
        assert all(b - a >= 1 / PER_CHAT_PER_SECOND for a, b in itertools.pairwise(times))
    moments = sorted(request.time for request in accepted)
    window = OVERALL_PER_SECOND
    assert all(moments[i + window] - moments[i] >= 1.0 for i in range(len(moments) - window))
