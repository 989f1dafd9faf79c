"""Two-party orders in the terminal chat: the supplier sees the order, accepts the
contract or asks for changes, ships with a tracking number; the buyer pays only an
agreed contract and confirms receipt, or the platform does by the rules' clock. Every
step is in the order's audit log."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.app import App
from bot.clock import FrozenClock
from bot.flows.replies import Incoming, Sender
from bot.flows.tokens import shortcut_token
from bot.handlers.terminal import terminal_user_id
from bot.services import contracts, order_log, reminders, supplier_orders
from storage.models import (
    ContractVersion,
    Dispute,
    DisputeStatus,
    Evidence,
    OrderEvent,
    OrderStatus,
    Reminder,
    ReminderStatus,
    User,
)
from tests.buyer_helpers import (
    agreed_order,
    as_buyer,
    as_supplier,
    bind_supplier,
    choose_wire,
    confirmed_order,
    files_in_tmp,  # noqa: F401  (fixture)
    funds_held,
    get_order,
    inspection_report_file,
    pdf_text,
    saved_files,
    ship_order,
)
from tests.conftest import ChatDriver
from tests.dispute_helpers import quality_claim_up_to_the_inspection_report


async def kinds(app: App, order_id: int) -> list[str]:
    async with app.sessions() as session:
        return [e.kind for e in await order_log.events_of(session, order_id)]


async def versions(app: App, order_id: int) -> list[ContractVersion]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(ContractVersion)
            .where(ContractVersion.order_id == order_id)
            .order_by(ContractVersion.version)
        )
        return list(rows.all())


async def pay(chat: ChatDriver, order_id: int) -> str:
    chosen = await choose_wire(chat, order_id)
    await funds_held(chat, order_id)
    return chosen


async def ship(chat: ChatDriver, order_id: int) -> str:
    return await ship_order(chat, order_id)


async def test_a_contract_needs_both_parties_before_payment(
    chat: ChatDriver, app: App, tmp_path
) -> None:
    await bind_supplier(app)
    await as_supplier(chat)
    await chat.say("/help")
    await as_buyer(chat)
    order_id = await confirmed_order(chat)
    refused = await chat.say(f"/pay {order_id}")
    assert "the supplier has not accepted this version of the contract" in refused
    assert (await get_order(app, order_id)).status == OrderStatus.CONFIRMED

    # The supplier was told at once, and sees the order with the contract to accept.
    assert "── message for sam ──" in chat.buffer.getvalue()
    assert "New order for Hangzhou Silkway Textiles" in chat.buffer.getvalue()
    await as_supplier(chat)
    assert "to you as the supplier" in await chat.say("/orders")
    shown = await chat.say(f"/orders {order_id}")
    [first] = await versions(app, order_id)
    assert "Contract version 1" in shown and first.sha256 in shown
    assert "Waiting for your acceptance." in shown
    assert "Choose how to pay" not in chat.buttons()
    buyer = await buyer_of(app, order_id)
    assert buyer.display_name  # the supplier knows whom the order is for
    assert f"You are the supplier of this order, for {buyer.display_name}." in shown

    # They ask for changes, with a reason; the order is the buyer's draft again.
    await chat.press("Ask for changes")
    blank = await chat.say("   ")
    assert "Please write what should change" in blank
    sent = await chat.say("Packaging: 7-ply cartons please")
    assert "Sent to the buyer" in sent
    assert "── message for you ──" in sent
    assert "the supplier asks for changes: “Packaging: 7-ply cartons please”" in sent
    assert (await get_order(app, order_id)).status == OrderStatus.DRAFT

    await as_buyer(chat)
    told = await chat.say(f"/orders {order_id}")
    assert "The supplier asked for changes on" in told
    await chat.press("Continue the specification")
    review = await chat.press("Continue")
    assert "Confirm the specification" in chat.buttons(), review
    again = await chat.press("Confirm the specification")
    assert "is confirmed" in again
    first, second = await versions(app, order_id)
    assert second.version == 2 and second.supplier_accepted_at is None

    # The old version's acceptance is gone with it; the new one is accepted.
    await as_supplier(chat)
    await chat.say(f"/orders {order_id}")
    accepted = await chat.press("Accept the contract")
    assert "You accepted version 2" in accepted
    assert "the supplier accepted version 2 of the contract" in accepted
    await as_buyer(chat)

    # The PDF states the version, the acceptance date and the digest, for either party.
    await chat.say(f"/orders {order_id}")
    await chat.press("Contract PDF")
    sheet = pdf_text(saved_files(tmp_path) / f"order-{order_id}-specification.pdf")
    agreed = (await versions(app, order_id))[1]
    assert agreed.sha256 in sheet.replace(" ", "")
    assert "Accepted by both parties" in sheet and "Nov 25, 2026" in sheet
    assert agreed.sha256 == contracts.digest(agreed.content)

    assert "payment by Wire transfer (T/T) recorded" in await pay(chat, order_id)
    assert await kinds(app, order_id) == [
        "created",
        "confirmed",
        "changes_requested",
        "confirmed",
        "contract_accepted",
        "payment_chosen",
        "paid",
    ]


async def test_shipment_then_receipt_by_the_clock_sets_the_claim_window(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    shown = await chat.say(f"/orders {order_id}")
    # The buyer never marks it shipped nor picks how receipt was confirmed.
    labels = chat.buttons()
    assert not any("shipping documents" in b or "auto-confirmed" in b for b in labels)
    assert "Mark as shipped" not in labels and "I received the goods" not in labels

    clock.advance(timedelta(days=3))
    done = await ship(chat, order_id)
    assert "is marked shipped; the buyer has been told" in done
    assert "the platform confirms it on Jan 27, 2027" in done  # 60 days after, for sea
    assert "has shipped." in done
    pushed = await chat.say(f"/orders {order_id}")
    assert "by Maersk (Sea freight), tracking number MSKU1234567" in pushed
    assert "Status: Shipped: waiting for the buyer to confirm receipt" in pushed
    assert "I received the goods" in chat.buttons()

    # The buyer stays silent: the platform confirms receipt when the rules say.
    order = await get_order(app, order_id)
    assert order.ship_date is not None
    clock.advance(timedelta(days=61))
    pushed = await chat.say("/help")
    assert "the platform confirmed it automatically" in pushed
    assert "You have 60 days" in pushed
    order = await get_order(app, order_id)
    assert order.status == OrderStatus.COMPLETE
    assert order.auto_confirmed_at is not None and order.receipt_confirmed_at is None
    shown = await chat.say(f"/orders {order_id}")
    assert "Receipt confirmed by the platform" in shown
    assert "Open a dispute by Mar 28, 2027" in shown and "(58 days left)" in shown, shown
    assert await kinds(app, order_id) == [
        "created",
        "confirmed",
        "contract_accepted",
        "payment_chosen",
        "paid",
        "shipped",
        "receipt_auto_confirmed",
    ]


async def test_the_buyer_confirms_receipt_and_the_supplier_hears_it(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    await ship(chat, order_id)
    await chat.say(f"/orders {order_id}")
    await chat.press("I received the goods")
    kept = await chat.press("No, not yet")
    assert "Status: Shipped: waiting for the buyer to confirm receipt" in kept
    assert (await get_order(app, order_id)).status == OrderStatus.SHIPPED
    await chat.press("I received the goods")
    done = await chat.press("Yes, I have the goods")
    assert "You have 30 days" in done
    assert "the buyer confirmed receipt of the goods" in done
    assert "receipt_confirmed" in await kinds(app, order_id)


async def test_another_party_cannot_act_on_the_order(chat: ChatDriver, app: App) -> None:
    order_id = await agreed_order(chat, app)
    # Mallory is neither party: the order looks missing, and nothing changes.
    await chat.say("/as supplier mallory")
    for line in (f"/orders {order_id}", f"/pay {order_id}"):
        assert f"Order #{order_id} not found" in await chat.say(line)
    # The buyer cannot accept for the supplier, nor ship; the supplier cannot pay.
    await as_buyer(chat)
    await chat.say(f"/orders {order_id}")
    assert "Accept the contract" not in chat.buttons()
    await as_supplier(chat)
    assert f"Order #{order_id} not found" in await chat.say(f"/pay {order_id}")
    before = await kinds(app, order_id)
    assert before == ["created", "confirmed", "contract_accepted"]


async def test_order_events_cannot_be_rewritten(chat: ChatDriver, app: App) -> None:
    await confirmed_order(chat)
    for statement in ("UPDATE order_events SET kind = 'forged'", "DELETE FROM order_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with app.sessions() as session, session.begin():
                await session.execute(text(statement))


async def test_a_forged_button_for_someone_elses_order_is_refused_and_logged(
    chat: ChatDriver, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    order_id = await agreed_order(chat, app)
    before = await kinds(app, order_id)
    mallory = terminal_user_id("mallory")
    # A shortcut correctly signed for Mallory herself, naming the buyer's order: the
    # signature is fine, the order is not hers; the ship flow is refused the same way.
    for command in ("orders", "pay"):
        token = shortcut_token(app.secret, mallory, command, str(order_id))
        with caplog.at_level(logging.INFO, logger="bot.security"):
            outcome = await app.handle(Incoming(sender=Sender(mallory, "mallory"), callback=token))
        said = " ".join(r.text for r in outcome.replies)
        assert f"Order #{order_id} not found" in said
    assert any("refused order" in r.getMessage() for r in caplog.records)
    # A signature for someone else is refused before any flow runs.
    sams = shortcut_token(app.secret, terminal_user_id("sam"), "orders", str(order_id))
    outcome = await app.handle(Incoming(sender=Sender(mallory, "mallory"), callback=sams))
    assert outcome.callback_notice == "This button has expired."
    assert await kinds(app, order_id) == before
    assert (await get_order(app, order_id)).status == OrderStatus.AGREED


async def test_a_paid_order_is_cancelled_only_with_the_other_partys_agreement(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    assert "Cancel this order" not in chat.buttons()  # paid: not alone any more

    # The supplier asks; the buyer keeps the order, and nothing changes.
    await as_supplier(chat)
    await chat.say(f"/orders {order_id}")
    await chat.press("Ask to cancel the order")
    asked = await chat.press("Yes, ask to cancel")
    assert "the supplier asks to cancel this paid order before shipment" in asked
    assert "Agree to cancel" not in chat.buttons()  # nobody agrees with themselves
    assert "You asked to cancel this order" in asked
    await as_buyer(chat)
    shown = await chat.say(f"/orders {order_id}")
    assert "The supplier asks to cancel this order before shipment." in shown
    kept = await chat.press("Keep the order")
    assert "the other party wants to keep the order; it goes ahead" in kept
    assert (await get_order(app, order_id)).status == OrderStatus.AWAITING_SHIPMENT

    # The buyer asks; the supplier agrees: cancelled, and the overdue reminder with it.
    await chat.press("Ask to cancel the order")
    await chat.press("Yes, ask to cancel")
    await as_supplier(chat)
    await chat.say(f"/orders {order_id}")
    done = await chat.press("Agree to cancel")
    assert "is cancelled: the other party agreed" in done
    assert (await get_order(app, order_id)).status == OrderStatus.CANCELLED
    assert "Mark as shipped" not in chat.buttons()
    assert (await kinds(app, order_id))[-5:] == [
        "paid",
        "cancel_requested",
        "cancel_declined",
        "cancel_requested",
        "cancelled_by_agreement",
    ]


async def test_the_supplier_corrects_a_shipping_answer_from_the_review(
    chat: ChatDriver, app: App
) -> None:
    order_id = await shipping_started(chat, app)
    review = await chat.say("MSKU0000000")
    assert "Step 4 of 4" in review  # the contract has an inspection before loading
    review = await chat.say(f"/file {inspection_report_file()}")
    assert "Tracking number: MSKU0000000" in review
    assert "Inspection report: sgs-report.pdf" in review
    await chat.press("Change the tracking number")
    review = await chat.say("MSKU7654321")
    assert "Tracking number: MSKU7654321" in review, review  # back on the review, corrected
    assert "Carrier: Maersk" in review
    await chat.press("Yes, it has shipped")
    order = await get_order(app, order_id)
    assert order.status == OrderStatus.SHIPPED and order.tracking_number == "MSKU7654321"


async def test_goods_inspected_before_loading_ship_with_the_report_the_buyer_receives(
    chat: ChatDriver, app: App, tmp_path: Path
) -> None:
    order_id = await shipping_started(chat, app)  # the contract: SGS inspects before loading
    asked = await chat.say("MSKU0000000")
    assert "inspection before loading" in asked and "report" in asked
    assert "a PDF, a photo of it or an office document" in asked  # what is accepted
    # Not a report: a sentence, then a program dressed as a PDF.
    refused = await chat.say("passed, all fine")
    assert "Please send the inspection report as a file" in refused
    fake = tmp_path / "report.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 60)
    refused = await chat.say(f"/file {fake}")
    assert "I can't accept report.pdf as the inspection report" in refused
    assert "office documents" in refused  # what it does accept
    review = await chat.say(f"/file {inspection_report_file()}")
    assert "Inspection report: sgs-report.pdf" in review
    before = chat.buffer.tell()
    await chat.press("Yes, it has shipped")
    pushed = chat.buffer.getvalue()[before:]

    # Kept with the order, in the record, and sent to the buyer with the shipping notice.
    async with app.sessions() as session:
        order = await get_order(app, order_id)
        report = await supplier_orders.inspection_report(session, order)
        assert report is not None and report.file_name == "sgs-report.pdf"
        shipped = await session.scalar(
            select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == "shipped")
        )
        assert shipped is not None and shipped.payload["inspection_report"] == "sgs-report.pdf"
    assert "has shipped" in pushed and "inspection report from before loading is attached" in pushed
    assert f"(file attached: {report.telegram_file_id})" in pushed
    # The order's page keeps saying so, for both parties.
    shown = await chat.say(f"/orders {order_id}")  # the supplier's
    assert "Inspection report shipped with the goods: sgs-report.pdf" in shown
    await as_buyer(chat)
    shown = await chat.say(f"/orders {order_id}")
    assert "Inspection report shipped with the goods: sgs-report.pdf" in shown


async def test_receipt_is_confirmed_by_the_clock_for_a_buyer_who_blocked_the_bot(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    await ship(chat, order_id)
    order = await get_order(app, order_id)
    async with app.sessions() as session, session.begin():
        buyer = await session.get(User, order.buyer_id)
        assert buyer is not None
        buyer.unreachable = True  # a 403 from Telegram marked them so
    clock.advance(timedelta(days=61))
    await as_supplier(chat)
    told = await chat.say("/help")  # the clock confirms receipt; the supplier's notice is queued
    told += await chat.say("/help")
    # Nobody can tell the buyer, yet the programme's clock still ran: the supplier hears it.
    assert "receipt was confirmed automatically" in told, told
    order = await get_order(app, order_id)
    assert order.status == OrderStatus.COMPLETE and order.auto_confirmed_at is not None
    assert "receipt_auto_confirmed" in await kinds(app, order_id)


async def test_no_overdue_shipment_reminder_once_the_buyer_has_claimed(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    order = await get_order(app, order_id)
    assert order.delivery_deadline is not None
    async with app.sessions() as session, session.begin():
        now = clock.now()
        session.add(
            Dispute(
                order_id=order_id,
                buyer_id=order.buyer_id,
                supplier_id=order.supplier_id,
                status=DisputeStatus.SUBMITTED,
                ground="late_delivery",
                requested_amount=order.amount,
                cap_amount=order.amount,
                currency=order.currency,
                submitted_at=now,
                response_due_at=now + timedelta(days=5),
                escalation_opens_at=now + timedelta(days=5),
                idempotency_key="test-overdue-with-claim",
            )
        )
    # Past the deadline and past any quiet hours, so the reminder is due for certain.
    clock.advance(order.delivery_deadline - clock.now() + timedelta(hours=12))
    told = await chat.say("/help")
    assert "no shipment is confirmed" not in told
    async with app.sessions() as session:
        overdue = (
            await session.scalars(
                select(Reminder).where(
                    Reminder.kind == reminders.SHIPMENT_OVERDUE, Reminder.subject_id == order_id
                )
            )
        ).all()
    assert [row.status for row in overdue] == [ReminderStatus.CANCELLED]


async def buyer_of(app: App, order_id: int) -> User:
    order = await get_order(app, order_id)
    async with app.sessions() as session:
        buyer = await session.get(User, order.buyer_id)
        assert buyer is not None
        return buyer


async def shipping_started(chat: ChatDriver, app: App) -> int:
    """A paid order the supplier is marking shipped, up to its tracking number."""
    order_id = await agreed_order(chat, app)
    await pay(chat, order_id)
    await as_supplier(chat)
    await chat.say(f"/orders {order_id}")
    await chat.press("Mark as shipped")
    await chat.press("Today")
    await chat.say("Maersk")
    return order_id


async def test_a_quality_claim_offers_the_report_the_goods_shipped_with(
    chat: ChatDriver, app: App
) -> None:
    order_id = await agreed_order(chat, app)  # the contract: SGS inspects before loading
    await pay(chat, order_id)
    await ship(chat, order_id)  # with the inspector's report
    await chat.say(f"/orders {order_id}")
    await chat.press("I received the goods")
    await chat.press("Yes, I have the goods")
    shown = await quality_claim_up_to_the_inspection_report(chat, order_id)
    assert "sent the inspector's report from before loading" in shown
    shown = await chat.press("Add the report the goods shipped with")
    assert "Added: sgs-report.pdf" in shown and "1 file received" in shown
    # Added once: the offer is gone, and the buyer may still send a report of their own.
    assert "Add the report the goods shipped with" not in chat.buttons()
    shown = await chat.press("Next")
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    await chat.press("The whole order")
    review = await chat.press("Submit")
    assert "is submitted" in review and "Missing: The quality inspection report" not in review

    async with app.sessions() as session:
        order = await get_order(app, order_id)
        shipped = await supplier_orders.inspection_report(session, order)
        dispute = await session.scalar(select(Dispute).where(Dispute.order_id == order_id))
        assert shipped is not None and dispute is not None
        claimed = (
            await session.scalars(select(Evidence).where(Evidence.dispute_id == dispute.id))
        ).all()
    assert [(e.item, e.telegram_file_id) for e in claimed] == [
        ("inspection_report", shipped.telegram_file_id)
    ]
    assert dispute.details["checklist"]["inspection_report"] is True
