"""Late delivery is judged on the order's record, not on dates the buyer types: the
contracted date from the contract, the shipment and the receipt from the order, the
lateness computed. A buyer who says the record is wrong adds a note that the supplier
and the team read as a disputed fact."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from bot.services import disputes
from bot.services.delivery_record import delivery_record
from bot.services.disputes import Claim, DisputeRefused
from policy import Ground, Money
from storage.models import Order, User
from tests.conftest import ChatDriver
from tests.dispute_helpers import make_order, only_dispute


async def test_typed_dates_are_ignored_and_lateness_comes_from_the_record(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    now = clock.now()
    order_id = await make_order(
        app, now, delivery_deadline=now - timedelta(days=40), received_at=now - timedelta(days=6)
    )
    await chat.say("/as buyer alice")
    async with app.sessions() as session, session.begin():
        alice = await session.scalar(select(User).where(User.display_name == "alice"))
        assert alice is not None
        # A forged claim: dates of the buyer's choosing, "34 days late".
        claim = Claim(
            order_id=order_id,
            ground=Ground.LATE_DELIVERY,
            details={"contracted": "2026-01-01", "actual": "2026-11-01", "days_late": 300},
            requested=Money.of("1000", "USD"),
            checklist={},
            files=(),
            idempotency_key=secrets.token_urlsafe(24),
        )
        ctx_team = disputes.Team(frozenset(), 7)
        opened = await disputes.open_dispute(
            session, alice, claim, rules=app.rules, team=ctx_team, now=now
        )
        details = opened.dispute.details
    assert details["days_late"] == 34
    assert details["contracted"] == (now - timedelta(days=40)).date().isoformat()
    assert details["actual"] == (now - timedelta(days=6)).date().isoformat()
    assert details["source"] == "record" and details["received_by"] == "buyer"


async def test_on_time_by_the_record_needs_a_note_saying_what_is_wrong(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    now = clock.now()
    order_id = await make_order(
        app, now, delivery_deadline=now - timedelta(days=5), received_at=now - timedelta(days=9)
    )
    await chat.say("/as team tess")
    await chat.say("/start")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    shown = await chat.press("Late delivery")
    assert "From the order's records" in shown and "not late" in shown
    refused = await chat.press("The record is right")
    assert "cannot be claimed as late" in refused
    await chat.press("Something in it is wrong")
    refused = await chat.say("wrong")
    assert "at least 15 characters" in refused
    note = "Receipt was confirmed by mistake; the goods came 12 days after the contracted date."
    shown = await chat.say(note)
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    await chat.press("The whole order")
    shown = await chat.press("Submit")
    assert "is submitted" in shown
    dispute = await only_dispute(app)
    assert dispute.details["days_late"] == 0 and dispute.details["record_note"] == note

    # The supplier reads it as a disputed fact.
    await chat.say("/as supplier sam")
    shown = await chat.say(f"/respond {dispute.id}")
    assert "Disputed by the buyer: the record is wrong" in shown and "12 days after" in shown


async def test_without_a_note_an_on_time_record_refuses_the_claim(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    now = clock.now()
    order_id = await make_order(
        app, now, delivery_deadline=now - timedelta(days=5), received_at=now - timedelta(days=9)
    )
    await chat.say("/as buyer alice")
    async with app.sessions() as session, session.begin():
        alice = await session.scalar(select(User).where(User.display_name == "alice"))
        assert alice is not None
        claim = Claim(
            order_id=order_id,
            ground=Ground.LATE_DELIVERY,
            details={"contracted": "2026-01-01", "actual": "2026-11-01"},
            requested=Money.of("1000", "USD"),
            checklist={},
            files=(),
            idempotency_key=secrets.token_urlsafe(24),
        )
        try:
            await disputes.open_dispute(
                session, alice, claim, rules=app.rules, team=disputes.Team(frozenset(), 7), now=now
            )
        except DisputeRefused as exc:
            assert exc.code == "not_late_by_record"
        else:
            raise AssertionError("a claim the record shows on time was opened without a note")


def test_the_record_reads_shipment_and_automatic_receipt() -> None:
    order = Order(
        delivery_deadline=None,
        ship_date=date(2026, 10, 1),
        carrier="Maersk",
        tracking_number="MAEU123",
        receipt_confirmed_at=None,
        auto_confirmed_at=None,
        amount=Decimal(1),
    )
    record = delivery_record(order)
    assert record.shipped == date(2026, 10, 1) and record.carrier == "Maersk"
    assert record.received is None and record.days_late(date(2026, 12, 1)) == 0
