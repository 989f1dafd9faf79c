"""Nobody is both parties of one order: an account bound to a supplier cannot order
from it, refused in the service (whatever the caller) and told plainly in the chat."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FrozenClock
from bot.handlers.terminal import terminal_user_id
from bot.services import orders
from policy import CoverageType, Money, ShippingMode
from storage.models import Order, OrderEvent, Supplier, User
from tests.conftest import ChatDriver
from tests.dispute_helpers import SPEC, make_order, user_id


async def sam_and_his_company(app: App, clock: FrozenClock) -> tuple[int, int]:
    """Sam's account is bound to Sam Textiles (he also buys, from Olga Co)."""
    await make_order(app, clock.now(), buyer="sam", supplier="olga", supplier_name="Olga Co")
    await make_order(app, clock.now(), buyer="alice", supplier="sam")
    async with app.sessions() as session:
        company = await session.scalar(select(Supplier.id).where(Supplier.name == "Sam Textiles"))
    assert company is not None
    return await user_id(app, "sam", clock.now()), company


async def order_count(app: App) -> tuple[int, int]:
    async with app.sessions() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Order)) or 0),
            int(await session.scalar(select(func.count()).select_from(OrderEvent)) or 0),
        )


async def test_the_service_refuses_an_order_from_ones_own_company(
    app: App, clock: FrozenClock
) -> None:
    sam_id, company_id = await sam_and_his_company(app, clock)
    now = clock.now()
    async with app.sessions() as session, session.begin():
        sam = await session.get(User, sam_id)
        company = await session.get(Supplier, company_id)
        other = await session.scalar(select(Supplier).where(Supplier.name == "Olga Co"))
        assert sam is not None and company is not None and other is not None
        with pytest.raises(orders.OwnCompany):
            await orders.create_draft(session, sam, company, Money.of("500", "USD"), now)
        # A draft with another supplier cannot be switched to his own company either...
        draft = await orders.create_draft(session, sam, other, Money.of("500", "USD"), now)
        with pytest.raises(orders.OwnCompany):
            await orders.change_draft_terms(session, draft, sam, now, supplier=company)
        assert draft.supplier_id == other.id
        # ...nor confirmed once it points at it (bound after the draft was written).
        draft.supplier_id = company.id
        draft.spec = SPEC
        with pytest.raises(orders.OwnCompany):
            await orders.confirm(
                session,
                draft,
                sam,
                now,
                shipping_mode=ShippingMode.SEA,
                delivery_deadline=now + timedelta(days=30),
                coverage_type=CoverageType.POST_DELIVERY,
                advance=None,
            )
        assert draft.status == "draft"
        # Anyone else orders from Sam Textiles as usual.
        alice = await session.scalar(
            select(User).where(User.telegram_id == terminal_user_id("alice"))
        )
        assert alice is not None
        mine = await orders.create_draft(session, alice, company, Money.of("500", "USD"), now)
        assert mine.amount == Decimal("500")


async def test_the_chat_says_why_and_writes_nothing(
    app: App, chat: ChatDriver, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    _sam_id, company_id = await sam_and_his_company(app, clock)
    before = await order_count(app)
    await chat.say("/as supplier sam")
    with caplog.at_level(logging.INFO, logger="bot.security"):
        said = await chat.say(f"/order new:{company_id}:20000:USD")
    assert "nobody can be both the buyer and the supplier of one order" in said
    assert any("own company" in r.getMessage() for r in caplog.records)
    assert await order_count(app) == before

    # Through the setup steps (/order with a product word) the choice is refused too.
    await chat.say("/order scarf 20000 USD")
    said = await chat.press("Sam Textiles")
    assert "nobody can be both the buyer and the supplier of one order" in said
    assert await order_count(app) == before
