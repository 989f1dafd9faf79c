"""A late-delivery dispute through the real frameworks (aiogram and python-telegram-bot
against the Bot API emulator): the lateness comes from the contract and the supplier's
shipment record, an executable named "receipt.pdf" is refused by its first bytes with
the size limit stated, and the buyer sees the supplier's rejection, explanation and file
before confirming the escalation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from telegram_helpers import RUNTIMES, Person, bot_settings, running, texts

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from emulator import BotAPIEmulator
from storage.models import Dispute, DisputeStatus, Evidence, Order, Supplier, User
from tests.dispute_helpers import make_order
from tests.test_privacy_telegram import files_to, press, with_buttons_or

pytestmark = pytest.mark.timeout(120)

EXPLANATION = "Shipped on the contracted day; the carrier held the container at port 12 days."
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param))


async def shipped_late(app: App, clock: FrozenClock, buyer: Person, supplier: Person) -> int:
    """Contracted for 30 days ago, shipped 35 days ago by sea, received 8 days ago."""
    now = clock.now()
    order_id = await make_order(
        app,
        now,
        supplier="sam-company",
        limit="50000",
        delivery_deadline=now - timedelta(days=30),
        received_at=now - timedelta(days=8),
    )
    async with app.sessions() as session, session.begin():
        buyer_row = await session.scalar(select(User).where(User.telegram_id == buyer.id))
        assert buyer_row is not None
        await session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(
                buyer_id=buyer_row.id,
                ship_date=(now - timedelta(days=35)).date(),
                carrier="Maersk",
                tracking_number="MSKU7777777",
                shipped_at=now - timedelta(days=35),
            )
        )
        await session.execute(update(Supplier).values(telegram_id=supplier.id))
    return order_id


def day_of(value: date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


async def test_late_delivery_from_the_record_rejected_with_evidence_then_escalated(
    app: App, emu: BotAPIEmulator, clock: FrozenClock
) -> None:
    async with running(app, "polling"):
        alice, sam = Person(emu, 7001, "Alice"), Person(emu, 7002, "Sam")
        for person in (alice, sam):
            await person.say("/start")
        order_id = await shipped_late(app, clock, alice, sam)
        today = clock.now().date()

        # The record, not the buyer, says when: contract, shipment, receipt, 22 days late.
        await emu.send_text(alice.user, f"/dispute {order_id}")
        await emu.wait_for_message(alice.id, with_buttons_or(emu, ""))
        await press(emu, alice, "I have")
        record = await press(emu, alice, "Late delivery")
        shown = texts(record)
        assert "From the order's records" in shown
        assert f"Contracted delivery date: {day_of(today - timedelta(days=30))}" in shown
        assert "Maersk, tracking MSKU7777777" in shown
        assert f"Received: {day_of(today - timedelta(days=8))}" in shown
        assert "22 days late" in shown
        await press(emu, alice, "The record is right")

        # A Windows executable called receipt.pdf: refused by its bytes, the limit stated.
        await emu.send_document(alice.user, WINDOWS_EXE, "receipt.pdf", "application/pdf")
        refused = await alice.wait_for("can't accept")
        assert "receipt.pdf" in texts(refused) and "20 MB" in texts(refused)
        await emu.send_document(alice.user, b"%PDF-1.4 purchase order", "po.pdf")
        await alice.wait_for("1 file received")
        shown = await press(emu, alice, "Next")
        while "How much refund" not in texts(shown):
            shown = await press(emu, alice, "I don't have it")
        await press(emu, alice, "The whole order")
        await press(emu, alice, "Submit", then="is submitted")
        async with app.sessions() as session:
            dispute = (await session.scalars(select(Dispute))).one()
            names = [e.file_name for e in (await session.scalars(select(Evidence))).all()]
        assert dispute.details["days_late"] == 22 and "receipt.pdf" not in names

        # Sam rejects it with an explanation and a file.
        await sam.wait_for("A claim has been opened against you")
        await emu.send_text(sam.user, f"/respond {dispute.id}")
        await sam.wait_for("How do you answer")
        await press(emu, sam, "Reject the claim", then="Explain your answer")
        await emu.send_text(sam.user, EXPLANATION)
        await sam.wait_for("counter-evidence")
        await emu.send_document(sam.user, b"%PDF-1.4 port hold notice", "port-hold.pdf")
        await sam.wait_for("1 file received")
        await press(emu, sam, "Done")
        await press(emu, sam, "Send the answer", then="on its way to the buyer")

        # Alice sees the whole answer and Sam's file before the buttons, then confirms.
        before = len(files_to(emu, alice.id))
        await alice.wait_for("rejects the claim")
        await emu.send_text(alice.user, f"/resolve {dispute.id}")
        choice = await alice.wait_for("You can take it to the dispute team")
        said = "\n".join(texts(m) for m in emu.bot_messages(alice.id))
        assert f"Their explanation: “{EXPLANATION}”" in said
        assert len(files_to(emu, alice.id)) == before + 1  # port-hold.pdf, sent to her
        assert alice.labels(choice) == [
            "Withdraw my claim (no refund)",
            "Escalate to the dispute team (final)",
        ]
        confirm = await press(emu, alice, "Escalate to the dispute team")
        assert "their decision is final" in texts(confirm)
        await press(emu, alice, "Yes, escalate")
        await press(emu, alice, "Skip", then="with the dispute team now")
        async with app.sessions() as session:
            row = await session.get(Dispute, dispute.id)
            assert row is not None and row.status == DisputeStatus.ESCALATED
        assert not emu.errors, list(emu.errors)
