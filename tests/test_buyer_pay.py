"""A buyer chooses how to pay for a confirmed order (ch3, ch5, ch10)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.app import App
from bot.services import reminders
from storage.models import OrderStatus, Payment, Reminder
from tests.buyer_helpers import (
    agreed_order,
    confirmed_order,
    files_in_tmp,  # noqa: F401  (fixture)
    get_order,
    user_named,
)
from tests.conftest import ChatDriver


async def test_western_union_is_out_above_2500_for_a_us_buyer(chat: ChatDriver, app: App) -> None:
    order_id = await agreed_order(chat, app, "scarf 3000 USD", "Hangzhou")
    asked = await chat.say(f"/pay {order_id}")
    assert "Payment methods depend on where you pay from." in asked
    asked = await chat.press("United States")
    assert "Visa and Mastercard only" in asked
    shown = await chat.press("Visa")

    assert (
        "Paying for Order #1 with Hangzhou Silkway Textiles: $3,000.00, from United States" in shown
    )
    assert "never into the supplier's own account" in shown
    assert "Western Union: Above its limit of $2,500.00 per payment." in shown
    assert "Boleto: Not available to buyers in United States (only Brazil)." in shown
    # Eligible ones with fee, total and arrival time; the wire fee keeps both readings.
    assert "Wire transfer (T/T): fee $20.00–$50.00, total $3,020.00 to $3,050.00" in shown
    assert "arrives in 3–7 business days" in shown
    assert "The guide gives conflicting figures for this fee" in shown
    assert "Credit or debit card: fee $88.50, total $3,088.50, arrives in about 1–2 hours" in shown
    labels = chat.buttons()
    assert not any("Western Union" in label for label in labels)
    assert any(label.startswith("Wire transfer (T/T)") for label in labels)

    # Someone typing "paypal" gets the programme's answer, and the same choice again.
    refused = await chat.say("can I use paypal?")
    assert "PayPal cannot be used with Trade Assurance" in refused
    assert "ask the supplier for samples" in refused

    done = await chat.press("Wire transfer")
    assert "payment by Wire transfer (T/T) recorded" in done
    assert "Status: Payment on its way: the supplier ships once it is held in escrow." in done
    assert "By Wire transfer (T/T) the money takes 3–7 business days to arrive." in done
    # Nothing ships on a promise: the supplier waits for the money to be held.
    assert "Quote order #1 with the payment." in done
    assert "ships once the programme confirms the money is held in escrow" in done

    order = await get_order(app, order_id)
    assert order.status == OrderStatus.AWAITING_FUNDS
    assert order.paid_at is None  # paid when the money is held, not when it is promised
    buyer = await user_named(app, "you")
    assert buyer.country == "US"  # kept for next time
    async with app.sessions() as session:
        payment = await session.scalar(select(Payment))
        assert payment is not None
        assert (payment.method, payment.amount, payment.buyer_country, payment.card_network) == (
            "wire",
            Decimal("3000.00"),
            "US",
            "visa",
        )
        assert (payment.fee_min, payment.fee_max) == (Decimal("20.00"), Decimal("50.00"))
        overdue = await session.scalar(
            select(Reminder).where(Reminder.kind == reminders.SHIPMENT_OVERDUE)
        )
        assert overdue is None  # the delivery date is watched once the money is held

    # Chosen once: the order is not waiting for a choice any more.
    again = await chat.say(f"/pay {order_id}")
    assert "is not waiting for payment. Status: Payment on its way" in again


async def test_another_buyers_order_is_not_found(app: App) -> None:
    alice, bob = ChatDriver(app), ChatDriver(app)
    await alice.say("/as buyer alice")
    await bob.say("/as buyer bob")
    order_id = await confirmed_order(alice)
    refused = await bob.say(f"/pay {order_id}")
    assert f"Order #{order_id} not found." in refused
    # Exactly what a missing order gets: nothing tells Bob the order exists.
    assert "Order #999 not found." in await bob.say("/pay 999")
    assert "No order is waiting for payment" in await bob.say("/pay")
    assert "not found" in await bob.say("/pay abc")
    assert "not found" in await bob.say("/pay 99999999999999999999")
    assert (await get_order(app, order_id)).status == OrderStatus.CONFIRMED


async def test_a_draft_cannot_be_paid(chat: ChatDriver) -> None:
    await chat.say("/find scarf 20000 USD")
    await chat.press("Hangzhou")
    refused = await chat.say("/pay 1")
    assert "Order #1 is still a draft" in refused


async def test_no_card_and_a_known_country_skip_straight_to_the_methods(
    chat: ChatDriver, app: App
) -> None:
    await chat.say("/profile")
    await chat.press("Germany")
    await chat.say("Europe/Berlin")
    order_id = await agreed_order(chat, app, "scarf 3000 USD", "Hangzhou")
    asked = await chat.say("/pay")  # the only confirmed order is chosen by itself
    assert "Which card do you have?" in asked
    shown = await chat.press("No card")
    assert "Credit or debit card: You have no Visa or Mastercard card." in shown
    assert "E-checking: Not available to buyers in Germany (only United States)." in shown
    # Online bank payment from Germany takes EUR only.
    assert "Online bank payment: Does not accept USD (only EUR)." in shown
    assert [label.split(" · ")[0] for label in chat.buttons()] == [
        "Wire transfer (T/T)",
        "Pay Later",
    ]
    await chat.press("Wire transfer")
    assert (await get_order(app, order_id)).status == OrderStatus.AWAITING_FUNDS


async def test_boletos_monthly_limit_counts_this_months_payments(
    chat: ChatDriver, app: App
) -> None:
    await chat.say("/profile")
    await chat.press("Brazil")
    await chat.say("America/Sao_Paulo")
    first = await agreed_order(chat, app, "scarf 3000 USD", "Hangzhou")
    second = await agreed_order(chat, app, "scarf 3000 USD", "Hangzhou")

    asked = await chat.say("/pay")
    assert "Which order do you want to pay?" in asked
    await chat.press(f"#{first}")
    await chat.press("No card")
    await chat.press("Boleto")

    shown = await chat.say(f"/pay {second}")
    if "Which card" in shown:
        shown = await chat.press("No card")
    assert "Boleto: Above its monthly limit of $5,000.00: $2,000.00 left this month." in shown
    assert not any(label.startswith("Boleto") for label in chat.buttons())
