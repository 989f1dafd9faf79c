"""A buyer follows an order from payment to receipt, and the claim window after it (ch4, ch6)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FrozenClock
from bot.flows.replies import Incoming, Sender
from bot.handlers.terminal import terminal_user_id
from bot.services import reminders
from storage.models import OrderStatus
from tests.buyer_helpers import (
    agreed_order,
    choose_wire,
    confirmed_order,
    files_in_tmp,  # noqa: F401  (fixture)
    funds_held,
    get_order,
    pdf_text,
    pending_reminders,
    saved_files,
    ship_order,
)
from tests.conftest import ChatDriver


async def paid_order(chat: ChatDriver, app: App, query: str = "scarf 20000 USD") -> int:
    order_id = await agreed_order(chat, app, query)
    await choose_wire(chat, order_id)
    await funds_held(chat, order_id)
    return order_id


async def test_from_payment_to_receipt_and_the_claim_window(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await paid_order(chat, app)
    listed = await chat.say("/orders")
    assert "#1 Hangzhou Silkway Textiles · $20,000.00" in listed
    assert "Waiting for supplier to ship order" in listed
    detail = await chat.press("#1 Hangzhou")
    assert "Paid: Nov 25, 2026" in detail and "by Wire transfer (T/T)" in detail
    assert "I received the goods" not in chat.buttons()  # not before shipping
    assert len(await pending_reminders(app, reminders.SHIPMENT_OVERDUE)) == 1

    clock.advance(timedelta(days=20))
    shipped = await ship_order(chat, order_id)
    assert "has shipped." in shipped  # the buyer's notice
    assert await pending_reminders(app, reminders.SHIPMENT_OVERDUE) == []  # nothing is overdue now
    assert len(await pending_reminders(app, reminders.AUTO_RECEIPT)) == 1
    shown = await chat.say(f"/orders {order_id}")
    assert "Status: Shipped: waiting for the buyer to confirm receipt" in shown
    assert "I received the goods" in chat.buttons()

    clock.advance(timedelta(days=10))
    received_at = clock.now()
    asked = await chat.press("I received the goods")
    # A deliberate step: it releases the payment and starts the claim window.
    assert "releases the payment to the supplier" in asked, asked
    shown = await chat.press("Yes, I have the goods")
    assert "Order complete. You have 30 days" in shown
    assert "Status: Order complete" in shown
    order = await get_order(app, order_id)
    assert order.status == OrderStatus.COMPLETE
    assert order.receipt_confirmed_at == received_at
    assert await pending_reminders(app, reminders.AUTO_RECEIPT) == []  # the buyer did it first
    deadline = received_at + timedelta(days=30)
    claim = await pending_reminders(app, reminders.CLAIM_WINDOW_CLOSING)
    assert [r.due_at for r in claim] == [
        deadline - timedelta(days=7),
        deadline - timedelta(days=3),
        deadline - timedelta(days=1),
        deadline - timedelta(hours=12),
    ]

    clock.advance(timedelta(days=2))
    listed = await chat.say("/orders")
    assert "Order complete" in listed
    assert "Open a dispute by Jan 24, 2027, 9:00\u202fAM" in listed
    assert "(28 days left)." in listed

    # A week before the end, the reminder arrives with a button back to the order.
    clock.set(deadline - timedelta(days=7, minutes=-1))
    pushed = await chat.say("/help")
    assert "── message for you ──" in pushed
    assert "your time to open a dispute ends in 7 days" in pushed
    assert "See the order" in chat.buttons()
    shown = await chat.press("See the order")
    assert "Order #1 with Hangzhou Silkway Textiles" in shown
    assert "Open a dispute by" in shown

    clock.set(deadline + timedelta(minutes=1))
    listed = await chat.say("/orders")
    assert "Claim window closed on Jan 24, 2027." in listed


async def test_shipment_overdue_reminder(chat: ChatDriver, app: App, clock: FrozenClock) -> None:
    order_id = await paid_order(chat, app)
    order = await get_order(app, order_id)
    assert order.delivery_deadline is not None
    # Due at the end of the deadline day; quiet hours hold it until 08:00 the next morning.
    clock.set(order.delivery_deadline + timedelta(minutes=1))
    assert "message for you" not in await chat.say("/help")
    clock.set(order.delivery_deadline + timedelta(hours=8, minutes=1))
    pushed = await chat.say("/help")
    assert "the goods were due by Mar 1, 2027, and no shipment is confirmed" in pushed
    assert "Open a dispute" in chat.buttons()


async def test_the_spec_sheet_again_and_cancelling(
    chat: ChatDriver, app: App, tmp_path: Path
) -> None:
    order_id = await confirmed_order(chat)
    (saved_files(tmp_path) / f"order-{order_id}-specification.pdf").unlink()
    await chat.say("/orders")
    await chat.press(f"#{order_id}")
    shown = await chat.press("Contract PDF")
    assert "document saved" in shown
    assert "PANTONE 18-1663 TCX" in pdf_text(
        saved_files(tmp_path) / f"order-{order_id}-specification.pdf"
    )

    asked = await chat.press("Cancel this order")
    assert "Cancel Order #1" in asked
    await chat.press("No, keep it")
    assert (await get_order(app, order_id)).status == OrderStatus.CONFIRMED
    await chat.press("Cancel this order")
    shown = await chat.press("Yes, cancel it")
    assert "Order #1 with Hangzhou Silkway Textiles is cancelled." in shown
    assert (await get_order(app, order_id)).status == OrderStatus.CANCELLED
    assert "Choose how to pay" not in chat.buttons()
    assert "is not waiting for payment" in await chat.say(f"/pay {order_id}")


async def test_another_buyers_order_is_refused_everywhere(app: App) -> None:
    alice, bob = ChatDriver(app), ChatDriver(app)
    await alice.say("/as buyer alice")
    await bob.say("/as buyer bob")
    order_id = await confirmed_order(alice)
    assert f"Order #{order_id} not found." in await bob.say(f"/orders {order_id}")
    assert "You have no orders yet" in await bob.say("/orders")
    # A shortcut button signed for Alice does nothing for Bob.
    listed = await alice.say("/orders")
    assert "#1" in listed
    token = alice.button_data("#1")
    outcome = await app.handle(
        Incoming(sender=Sender(terminal_user_id("bob"), "bob"), callback=token)
    )
    assert outcome.callback_notice == "This button has expired."
    assert (await get_order(app, order_id)).status == OrderStatus.CONFIRMED


async def test_no_orders_yet(chat: ChatDriver) -> None:
    assert "You have no orders yet. Send /find" in await chat.say("/orders")


async def test_an_orders_page_leads_to_payment(chat: ChatDriver, app: App) -> None:
    order_id = await agreed_order(chat, app)
    await chat.say("/orders")
    detail = await chat.press(f"#{order_id} Hangzhou")
    assert "Status: Contract agreed by both parties: waiting for payment" in detail
    assert "Open a dispute" not in chat.buttons()  # nothing paid, nothing to claim
    asked = await chat.press("Choose how to pay")
    assert "Payment methods depend on where you pay from." in asked
    shown = await chat.press("United States")
    # $20,000 is above the card limit ($12,000), so the card network does not matter.
    assert "Which card" not in shown
    assert "Credit or debit card: Above its limit of $12,000.00 per payment." in shown
    done = await chat.press("Wire transfer")
    assert "Status: Payment on its way: the supplier ships once it is held in escrow." in done
    shown = await chat.press("My orders")
    assert f"Order #{order_id} with Hangzhou Silkway Textiles" in shown
    assert (await get_order(app, order_id)).status == OrderStatus.AWAITING_FUNDS
