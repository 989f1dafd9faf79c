"""A paid order changed before shipment, with the supplier's agreement: the agreed
version stays in force until the supplier accepts the new one, the buyer may keep the
agreed version instead, and what the escrow holds (amount, coverage) cannot change."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services import amendments, order_log
from bot.services import orders as order_service
from storage.models import OrderStatus, User
from tests.buyer_helpers import (
    agreed_order,
    as_buyer,
    as_supplier,
    files_in_tmp,  # noqa: F401  (fixture)
    get_order,
)
from tests.conftest import ChatDriver
from tests.test_order_lifecycle import kinds, pay, versions


async def open_for_changes(chat: ChatDriver, order_id: int) -> str:
    await chat.say(f"/orders {order_id}")
    asked = await chat.press("Change the specification")
    assert "The amount and the coverage stay as paid" in asked, asked
    opened = await chat.press("Yes, change it")
    assert "is open for changes" in opened, opened
    assert "the buyer is changing the specification of this paid order" in opened  # to sam
    return await chat.press("Continue")  # every answer is in: to the review


async def test_a_paid_order_is_changed_when_the_supplier_accepts_the_new_version(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    review = await open_for_changes(chat, order_id)
    assert "Size: 180 x 70 cm" in review

    # The supplier is told not to ship and cannot mark it shipped meanwhile.
    await as_supplier(chat)
    shown = await chat.say(f"/orders {order_id}")
    assert "Status: Paid; the buyer is changing the specification" in shown, shown
    assert "Version 1 stays in force until you accept the new one" in shown
    assert "Mark as shipped" not in chat.buttons()

    await as_buyer(chat)
    shown = await chat.say(f"/orders {order_id}")
    assert "Cancel this order" not in chat.buttons()  # still paid: only by agreement
    assert "Keep the agreed version" in chat.buttons()
    await chat.press("Continue the specification")
    await chat.press("Continue")
    await chat.press("Edit Size")
    review = await chat.say("200 x 70 cm")
    assert "Size: 200 x 70 cm" in review, review
    await chat.press("Confirm the specification")

    await as_supplier(chat)
    shown = await chat.say(f"/orders {order_id}")
    assert "Contract version 2" in shown and "Waiting for your acceptance." in shown, shown
    accepted = await chat.press("Accept the contract")
    assert "It is paid: ship under it." in accepted, accepted
    assert "Mark as shipped" in chat.buttons()
    assert "the supplier ships under this version" in accepted  # the buyer's notice

    order = await get_order(app, order_id)
    assert order.status == OrderStatus.AWAITING_SHIPMENT and order.paid_at is not None
    assert order.spec["size"]["display"] == "200 x 70 cm"
    rows = await versions(app, order_id)
    assert [(v.version, v.supplier_accepted_at is not None) for v in rows] == [
        (1, True),
        (2, True),
    ]
    assert rows[0].sha256 != rows[1].sha256
    assert await kinds(app, order_id) == [
        "created",
        "confirmed",
        "contract_accepted",
        "payment_chosen",
        "paid",
        "amendment_started",
        "confirmed",
        "contract_accepted",
    ]


async def test_the_amount_of_a_paid_order_stays_and_the_buyer_can_keep_the_agreed_version(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    await open_for_changes(chat, order_id)
    await chat.press("Edit Size")
    await chat.say("200 x 70 cm")
    await chat.press("Edit Amount")
    await chat.say("25000 USD")
    refused = await chat.press("Confirm the specification")
    assert "This order is paid: its amount and coverage stay as agreed" in refused, refused
    assert (await get_order(app, order_id)).status == OrderStatus.DRAFT  # nothing sent

    await chat.say("/cancel")
    await chat.say(f"/orders {order_id}")
    kept = await chat.press("Keep the agreed version")
    assert "The agreed terms stand again, as version 2 (the same SHA-256)" in kept, kept
    order = await get_order(app, order_id)
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert str(order.amount) == "20000.00" and order.spec["size"]["display"] == "180 x 70 cm"
    first, restored = await versions(app, order_id)
    assert restored.sha256 == first.sha256 and restored.content == first.content
    assert restored.supplier_accepted_at == first.supplier_accepted_at
    assert "Ask to cancel the order" in chat.buttons()
    assert (await kinds(app, order_id))[-1] == "amendment_withdrawn"
    assert "the buyer kept the agreed terms" in kept  # the notice to sam


async def test_a_paid_order_under_change_is_not_cancelled_by_the_buyer_alone(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    await open_for_changes(chat, order_id)
    order = await get_order(app, order_id)
    async with app.sessions() as session, session.begin():
        order = await session.get(type(order), order_id)
        buyer = await session.get(User, order.buyer_id)
        assert order is not None and buyer is not None
        assert amendments.being_amended(order)
        with pytest.raises(order_service.WrongStatus):
            await order_service.cancel(session, order, buyer, order.updated_at)
    assert (await get_order(app, order_id)).status == OrderStatus.DRAFT
    async with app.sessions() as session:
        assert "cancelled" not in [e.kind for e in await order_log.events_of(session, order_id)]
