"""The money reaches escrow before anything ships: choosing a method in /pay tells the
supplier the order is being paid, not to ship; the programme's team records the money
with /funds, and only then is the supplier told to ship and the delivery date watched.
In the terminal chat, every side played by one person (``/as``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FrozenClock
from bot.services import funds, order_log, payments, reminders
from bot.services import orders as order_service
from policy import Processing, latest_arrival
from storage.models import Order, OrderStatus, Payment, Reminder, User
from storage.users import get_or_create_user
from storage.writes import write_transaction
from tests.buyer_helpers import (
    agreed_order,
    as_buyer,
    as_supplier,
    choose_wire,
    funds_held,
    get_order,
    pending_reminders,
)
from tests.conftest import ChatDriver
from tests.dispute_helpers import only_dispute, submit_late_claim


async def the_payment(app: App) -> Payment:
    async with app.sessions() as session:
        payment = await session.scalar(select(Payment))
        assert payment is not None
        return payment


async def test_the_supplier_ships_only_once_the_team_records_the_money(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await agreed_order(chat, app)
    chosen = await choose_wire(chat, order_id)
    assert "Status: Payment on its way" in chosen
    assert "the money takes 3–7 business days to arrive" in chosen
    told = chat.buffer.getvalue().split("── message for sam ──")[-1]
    assert "the buyer is paying by Wire transfer (T/T)" in told
    assert "Please do not ship yet" in told
    assert await pending_reminders(app, reminders.SHIPMENT_OVERDUE) == []

    # The supplier's page says so, and offers no way to mark it shipped.
    await as_supplier(chat)
    page = await chat.say(f"/orders {order_id}")
    assert "Status: Payment on its way: the supplier ships once it is held in escrow" in page
    assert "Payment by Wire transfer (T/T) chosen" in page
    assert "Mark as shipped" not in chat.buttons()

    # Three days later the wire is in: the team finds it in the list and records it.
    clock.advance(timedelta(days=3))
    await chat.say("/as team tess")
    listed = await chat.say("/funds")
    assert "the longest waiting first" in listed
    [label] = [b for b in chat.buttons() if b.startswith(f"#{order_id} ")]
    assert "Hangzhou Silkway Textiles · $20,000.00 by Wire transfer (T/T) · since" in label
    shown = await chat.press(label)
    assert "The buyer chose Wire transfer (T/T) on Nov 25, 2026" in shown
    done = await chat.press("Yes, the money is held")
    assert f"Recorded: the money for order #{order_id} is held in escrow." in done
    assert "── message for sam ──" in done and "is paid into the programme's escrow" in done
    assert "Ship it as agreed" in done
    assert "── message for you ──" in done
    assert "your payment of $20,000.00 is held in the programme's escrow account" in done

    order = await get_order(app, order_id)
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert order.paid_at == clock.now()
    assert (await the_payment(app)).received_at == clock.now()
    [overdue] = await pending_reminders(app, reminders.SHIPMENT_OVERDUE)
    assert overdue.due_at == order.delivery_deadline
    async with app.sessions() as session:
        events = await order_log.events_of(session, order_id)
        tess = await session.scalar(select(User).where(User.id == events[-1].actor_id))
    assert [(e.kind, e.actor_role) for e in events][-2:] == [
        ("payment_chosen", "buyer"),
        ("paid", "team"),
    ]
    assert tess is not None and tess.display_name == "tess"

    await as_supplier(chat)
    await chat.say(f"/orders {order_id}")
    assert "Mark as shipped" in chat.buttons()

    # The money was recorded: the buyer is never asked whether they sent it.
    clock.advance(timedelta(days=10))
    assert "is not recorded in the escrow account yet" not in await chat.say("/help")

    # Recorded once: a second member's /funds says so and changes nothing.
    await chat.say("/as team tom")
    again = await chat.say(f"/funds {order_id}")
    assert f"The money for order #{order_id} is already recorded as held in escrow." in again
    assert "No order is waiting for its money" in await chat.say("/funds")


async def test_not_yet_records_nothing_and_only_the_team_may_record(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await choose_wire(chat, order_id)

    # The buyer cannot vouch for their own money, nor can the supplier.
    refused = await chat.say(f"/funds {order_id}")
    assert "Unknown command /funds" in refused
    await as_supplier(chat)
    assert "Unknown command /funds" in await chat.say(f"/funds {order_id}")

    # A team member who is this order's buyer is no team member for it.
    await chat.say("/as team you")
    assert f"Order #{order_id} not found." in await chat.say(f"/funds {order_id}")
    assert "Order #99 not found." in await chat.say("/funds 99")
    assert "Order #abc not found." in await chat.say("/funds abc")

    await chat.say("/as team tess")
    await chat.say(f"/funds {order_id}")
    typed = await chat.say("yes")
    assert "Please press a button." in typed
    kept = await chat.press("Not yet")
    assert f"Nothing recorded: order #{order_id} still waits for its money." in kept
    assert "other order" not in kept  # the one left waiting is this one
    assert (await get_order(app, order_id)).status == OrderStatus.AWAITING_FUNDS
    assert (await the_payment(app)).received_at is None


async def test_a_buyer_cancels_before_the_money_arrives_and_it_is_not_counted(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await choose_wire(chat, order_id)
    await chat.say(f"/orders {order_id}")
    asked = await chat.press("Cancel this order")
    assert "The money is not held in escrow yet" in asked
    assert "the programme returns it to you when it arrives" in asked
    done = await chat.press("Yes, cancel it")
    assert "is cancelled" in done
    # The supplier, told it was being paid, hears it is off.
    assert "was cancelled by the buyer before their money reached escrow" in done
    assert (await get_order(app, order_id)).status == OrderStatus.CANCELLED

    # The team, seeing the wire arrive after all, is told to send it back.
    await chat.say("/as team tess")
    late = await chat.say(f"/funds {order_id}")
    assert f"Order #{order_id} was cancelled before its money was recorded." in late
    assert "return it to the buyer" in late

    # A payment never made counts against no monthly limit.
    async with app.sessions() as session:
        buyer = await session.scalar(select(User).where(User.display_name == "you"))
        assert buyer is not None
        totals = await payments.month_totals(session, buyer, app.clock.now())
    assert totals == {}


async def test_a_payment_missing_after_its_methods_time_is_asked_about(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await agreed_order(chat, app)
    chosen_at = clock.now()
    assert chosen_at.weekday() == 2  # a Wednesday: 7 business days end on Friday week
    await choose_wire(chat, order_id)
    expected = latest_arrival(app.rules.method("wire").processing, chosen_at)
    assert expected == chosen_at + timedelta(days=9)

    # Asked a day after the latest arrival, not before.
    clock.set(expected + timedelta(hours=23))
    assert "is not recorded in the escrow account yet" not in await chat.say("/help")
    clock.set(expected + timedelta(days=1, minutes=1))
    asked = await chat.say("/help")
    assert "your payment by Wire transfer (T/T), chosen on Nov 25, 2026, is not recorded" in asked
    assert "it should have arrived by Dec 4, 2026" in asked
    assert f"quoting order #{order_id}" in asked
    assert "See the order" in chat.buttons()


def test_business_days_skip_the_weekend() -> None:
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    wire = Processing(3, 7, "business_days", approximate=False, starts=None, sources=())
    card = Processing(1, 2, "hours", approximate=True, starts=None, sources=())
    assert latest_arrival(wire, friday) == datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    assert latest_arrival(card, friday) == friday + timedelta(hours=2)
    assert latest_arrival(None, friday) == friday + timedelta(days=7)


async def test_the_held_money_counts_towards_the_month(chat: ChatDriver, app: App) -> None:
    order_id = await agreed_order(chat, app, "scarf 3000 USD")
    await choose_wire(chat, order_id)
    async with app.sessions() as session:
        buyer = await session.scalar(select(User).where(User.display_name == "you"))
        assert buyer is not None
        chosen = await payments.month_totals(session, buyer, app.clock.now())
    # A chosen payment counts at once, so two orders cannot both use one monthly limit.
    assert chosen[("wire", "USD")].amount == Decimal("3000.00")
    await funds_held(chat, order_id)
    async with app.sessions() as session:
        held = await payments.month_totals(session, buyer, app.clock.now())
    assert held == chosen
    await as_buyer(chat)


async def test_the_dispute_teams_file_says_when_the_money_was_held(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await agreed_order(chat, app)
    await choose_wire(chat, order_id)
    clock.advance(timedelta(days=4))
    await funds_held(chat, order_id)
    order = await get_order(app, order_id)
    assert order.delivery_deadline is not None
    clock.set(order.delivery_deadline + timedelta(days=20))

    # Nothing shipped: the buyer claims late delivery, the supplier rejects, the buyer
    # escalates, and the team opens the file.
    assert "is submitted" in await submit_late_claim(chat, order_id)
    dispute_id = (await only_dispute(app)).id
    await as_supplier(chat)
    await chat.say(f"/respond {dispute_id}")
    await chat.press("Reject the claim")
    await chat.say("The buyer's wire arrived four days late; we load when the money is held.")
    await chat.press("I have no files")
    await chat.press("Send the answer")
    await as_buyer(chat)
    await chat.say(f"/resolve {dispute_id}")
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    await chat.press("Skip")
    await chat.say("/as team tess")
    shown = await chat.say(f"/queue {dispute_id}")
    assert "$20,000.00 by Wire transfer (T/T), chosen Nov 25, 2026, 9:00" in shown
    assert "held in escrow since Nov 29, 2026, 9:00" in shown


async def test_a_buyer_who_has_not_sent_the_money_may_pay_another_way(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app, "scarf 3000 USD")
    await choose_wire(chat, order_id)
    await chat.say(f"/orders {order_id}")
    asked = await chat.press("Pay another way")
    assert "Do this only if you have not sent the money" in asked
    kept = await chat.press("No, keep it")
    assert "Payment by Wire transfer (T/T) chosen" in kept
    assert (await get_order(app, order_id)).status == OrderStatus.AWAITING_FUNDS

    await chat.press("Pay another way")
    asked = await chat.press("Yes, choose another method")
    assert "Which card do you have?" in asked  # /pay again, from its first question
    methods = await chat.press("Visa")
    assert "Choose the method you will pay with." in methods
    assert (await get_order(app, order_id)).status == OrderStatus.AGREED
    done = await chat.press("Credit or debit card")
    assert "payment by Credit or debit card recorded" in done
    assert "the money takes about 1–2 hours to arrive" in done
    told = chat.buffer.getvalue().split("── message for sam ──")[-1]
    assert "the buyer is paying by Credit or debit card" in told

    # One payment stands, the card: the wire counts against nothing, and is not asked
    # about; the log keeps what was chosen first.
    async with app.sessions() as session:
        rows = (await session.scalars(select(Payment))).all()
        buyer = await session.scalar(select(User).where(User.display_name == "you"))
        assert buyer is not None
        totals = await payments.month_totals(session, buyer, app.clock.now())
        events = await order_log.events_of(session, order_id)
    assert [p.method for p in rows] == ["credit_card"]
    assert set(totals) == {("credit_card", "USD")}
    withdrawn = [e for e in events if e.kind == "payment_withdrawn"]
    assert [e.payload["method"] for e in withdrawn] == ["wire"]
    overdue = [
        r.payload.get("payment") for r in await pending_reminders(app, reminders.FUNDS_OVERDUE)
    ]
    assert overdue == [rows[0].id]

    # Once the money is held, there is no other way to pay.
    await funds_held(chat, order_id)
    await chat.say(f"/orders {order_id}")
    assert "Pay another way" not in chat.buttons()


async def team_member(app: App, telegram_id: int) -> User:
    async with app.sessions() as session, session.begin():
        member, _new = await get_or_create_user(
            session,
            telegram_id,
            display_name=f"member {telegram_id}",
            locale="en",
            timezone="UTC",
            now=app.clock.now(),
        )
        return member


async def team_confirms(app: App, order_id: int, member: User) -> str:
    """The team's confirmation on the path an update's unit of work takes (on SQLite,
    the one writer queue): "recorded", or "refused" when the order had moved on."""
    try:
        async with write_transaction(app.sessions) as session:
            actor = await session.get(User, member.id)
            assert actor is not None
            await funds.confirm(session, order_id, actor, is_team=True, now=app.clock.now())
    except funds.FundsRefused:
        return "refused"
    return "recorded"


async def test_two_members_confirming_at_once_record_the_money_once(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await choose_wire(chat, order_id)
    members = [await team_member(app, 900100 + n) for n in (1, 2)]

    results = await asyncio.gather(*(team_confirms(app, order_id, m) for m in members))
    assert sorted(results) == ["recorded", "refused"]
    async with app.sessions() as session:
        events = await order_log.events_of(session, order_id)
        notices = await session.scalar(
            select(func.count()).where(Reminder.kind == reminders.ORDER_PAID)
        )
    assert [e.kind for e in events].count("paid") == 1
    assert notices == 1


@pytest.mark.parametrize("buyer_action", ["withdraw", "cancel"])
async def test_the_buyer_changing_course_while_the_team_records_leaves_one_story(
    chat: ChatDriver, app: App, buyer_action: str
) -> None:
    order_id = await agreed_order(chat, app)
    await choose_wire(chat, order_id)
    member = await team_member(app, 900101)

    async def buyer() -> str:
        try:
            async with write_transaction(app.sessions) as session:
                user = await session.scalar(select(User).where(User.display_name == "you"))
                order = await session.get(Order, order_id)
                assert user is not None and order is not None
                if buyer_action == "withdraw":
                    await payments.withdraw_choice(session, order, user, app.clock.now())
                else:
                    await order_service.cancel(session, order, user, app.clock.now())
        except order_service.WrongStatus:
            return "refused"
        return "done"

    results = set(await asyncio.gather(team_confirms(app, order_id, member), buyer()))
    assert results in ({"recorded", "refused"}, {"refused", "done"})
    order = await get_order(app, order_id)
    async with app.sessions() as session:
        kinds = [e.kind for e in await order_log.events_of(session, order_id)]
        held = await session.scalar(select(Payment).where(Payment.received_at.is_not(None)))
    if "recorded" in results:  # the money is held: the supplier ships, nothing undone
        assert order.status == OrderStatus.AWAITING_SHIPMENT and held is not None
        assert "payment_withdrawn" not in kinds and "cancelled" not in kinds
    else:
        assert order.status in (OrderStatus.AGREED, OrderStatus.CANCELLED) and held is None
        assert "paid" not in kinds
