"""A late-delivery dispute through the real frameworks (aiogram and python-telegram-bot
against the Bot API emulator), from claim to decision: the lateness comes from the
contract and the supplier's shipment record, an executable named "receipt.pdf" is
refused by its first bytes with the size limit stated, the buyer sees the supplier's
rejection, explanation and file before confirming the escalation; the dispute team asks
the supplier for more information and cannot decide until the answer comes, the
supplier answers with a file from the push's button, the team decides with a reason,
both parties hear it and the order's page shows the question, its answer and the
decision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from telegram_helpers import RUNTIMES, TEAM_MEMBER, Person, bot_settings, running, texts

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from emulator import BotAPIEmulator
from storage.models import Dispute, DisputeStatus, Evidence, Order, Supplier, User
from tests.dispute_helpers import make_order
from tests.test_privacy_telegram import files_to, press, with_buttons_or

pytestmark = pytest.mark.timeout(120)

EXPLANATION = "Shipped on the contracted day; the carrier held the container at port 12 days."
QUESTION = "Please send the bill of lading with the date the container was loaded at Ningbo."
ANSWER = "Loaded at Ningbo 35 days ago, 5 days before the contracted date; bill of lading attached."
REASON = (
    "The bill of lading shows loading 5 days before the contracted delivery date; the 12 "
    "days the port held the container are the carrier's delay, not the supplier's."
)
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


async def test_late_delivery_from_the_record_rejected_escalated_asked_about_and_decided(
    app: App, emu: BotAPIEmulator, clock: FrozenClock
) -> None:
    async with running(app, "polling"):
        alice, sam = Person(emu, 7001, "Alice"), Person(emu, 7002, "Sam")
        tess = Person(emu, TEAM_MEMBER, "Tess")
        for person in (alice, sam, tess):
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
        await tess.wait_for("waits in the /queue")

        # Tess asks Sam for the bill of lading; the decision waits for the answer.
        await emu.send_text(tess.user, f"/ask {dispute.id}")
        await tess.wait_for("Whom do you ask")
        await press(emu, tess, "Ask the supplier", then="Your question to the supplier")
        await emu.send_text(tess.user, QUESTION)
        await tess.wait_for("Answer due in 3 days")
        await press(emu, tess, "Send the question", then="sent to the supplier")
        asked = await sam.wait_for("The dispute team asks you about dispute")
        assert QUESTION in texts(asked)
        await emu.send_text(tess.user, f"/queue {dispute.id}")
        await tess.wait_for("waits for the supplier's answer")

        # Sam answers from the push's button, in words and with a file.
        await emu.press_button(sam.user, asked, "Answer the dispute team")
        await sam.wait_for("Your answer, with facts")
        await emu.send_text(sam.user, ANSWER)
        await sam.wait_for("Send the documents")
        await emu.send_document(sam.user, b"%PDF-1.4 bill of lading", "bill-of-lading.pdf")
        await sam.wait_for("1 file received")
        await press(emu, sam, "Done", then="1 file attached")
        await press(emu, sam, "Send the answer", then="with the dispute team")
        answered = await tess.wait_for("The supplier answered the team's question")
        assert ANSWER in texts(answered)

        # Tess opens the file (the answer is in it) and decides with a reason.
        await emu.press_button(tess.user, answered, "Open the file")
        await tess.wait_for("Refund decided")
        said = "\n".join(texts(m) for m in emu.bot_messages(tess.id))
        assert "Answered on" in said and ANSWER in said
        await press(emu, tess, "No refund", then="The reason, for both parties")
        await emu.send_text(tess.user, "Supplier not at fault.")
        await tess.wait_for("at least 40 characters")
        await emu.send_text(tess.user, REASON)
        await tess.wait_for("Decision on dispute")
        await press(emu, tess, "Record the decision", then="Decision recorded")
        for person in (alice, sam):
            decided = await person.wait_for("The dispute team decided dispute")
            assert REASON in texts(decided) and "refund $0.00" in texts(decided)

        # The order's page shows the question, its answer and the decision with its reason.
        await emu.send_text(alice.user, f"/orders {order_id}")
        page = texts(await alice.wait_for(f"Dispute #{dispute.id}"))
        assert f"Dispute #{dispute.id}: closed · refund $0.00" in page
        assert "The dispute team asked the supplier on" in page and QUESTION in page
        assert ANSWER in page and f"Reason: “{REASON}”" in page
        assert not emu.errors, list(emu.errors)
