"""Disputes as the people in them live them: the buyer opens one step by step, the
supplier answers, the buyer accepts or escalates, the dispute team decides."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select

from bot.app import App
from bot.clock import FrozenClock
from bot.services import disputes
from bot.services.disputes import DisputeRefused
from policy import Money
from storage.models import ContractVersion, DisputeStatus, User
from tests.conftest import ChatDriver
from tests.dispute_helpers import (
    event_kinds,
    evidence,
    make_order,
    only_dispute,
    pending_reminders,
    quality_claim_up_to_the_inspection_report,
    submit_late_claim,
    tick,
)


def a_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    # Real first bytes: evidence is judged by what a file is, not by its name.
    magic = {"pdf": b"%PDF-1.4\n", "jpg": b"\xff\xd8\xff\xe0", "png": b"\x89PNG\r\n\x1a\n"}
    path.write_bytes(magic.get(name.rsplit(".", 1)[-1], b"") + f"contents of {name}".encode())
    return path


async def test_late_delivery_claim_resolved_when_the_supplier_accepts(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    now = clock.now()
    order_id = await make_order(
        app,
        now,
        amount="5000",
        delivery_deadline=now - timedelta(days=20),
        received_at=now - timedelta(days=3),
    )
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")

    shown = await chat.say("/dispute")
    assert "Which order" in shown
    shown = await chat.press(f"#{order_id}")
    assert "approach the supplier directly" in shown
    shown = await chat.press("I have")
    assert "Late delivery" in chat.buttons() and "Not as specified" in chat.buttons()
    shown = await chat.press("Late delivery")
    # The facts come from the order's record: nothing to type, lateness computed.
    assert "From the order's records" in shown and "17 days late" in shown
    assert "Received: " in shown and "(confirmed by the buyer)" in shown
    shown = await chat.press("The record is right")

    # The documents of chapter 7, one at a time: a file, or "I don't have it". The
    # purchase order and the agreed specification are the agreed contract: not asked.
    assert "purchase order" not in shown and "specifications" not in shown
    assert "design drawings" in shown
    shown = await chat.say(f"/file {a_file(tmp_path, 'drawing.pdf')}")
    assert "Received: drawing.pdf" in shown and "1 file received" in shown
    shown = await chat.press("Next")
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    assert "How much refund" in shown
    assert "at most $5,000.00" in shown
    shown = await chat.press("The whole order")
    assert "Your dispute, ready to submit" in shown
    assert "Late delivery" in shown and "✅" in shown and "❌" in shown
    assert "The agreed contract, version 1" in shown and "attached by the platform" in shown
    shown = await chat.press("Submit")
    assert "Dispute #" in shown and "is submitted" in shown
    assert "message for sam" in shown and "A claim has been opened against you" in shown

    dispute = await only_dispute(app)
    assert dispute.status == DisputeStatus.SUBMITTED
    assert dispute.requested_amount == Decimal("5000.00")
    assert dispute.details["contracted"] < dispute.details["actual"]
    assert [(e.item, e.file_name) for e in await evidence(app)] == [("design_files", "drawing.pdf")]
    # The case file starts with the contract both parties accepted.
    assert dispute.details["contract"]["version"] == 1
    assert dispute.details["checklist"]["signed_po_or_invoice"] is True
    assert dispute.details["checklist"]["agreed_specifications"] is True
    assert "escalation_open" in await pending_reminders(app, dispute.id)

    # The supplier answers from the notice's button: they accept.
    await chat.say("/as supplier sam")
    shown = await chat.press("Answer the claim")
    assert "Late delivery" in shown and "Contracted delivery date" in shown
    assert "file attached: local-" in shown  # the buyer's drawing, re-sent by its file id
    assert "The agreed contract, version 1" in shown  # the case file's first item
    # ... which is the purchase order and the specification: not listed again below it.
    assert "purchase order (PO)" not in shown and "specifications you agreed" not in shown
    assert "❌ A signed copy of the transaction receipt" in shown  # the buyer's own still are
    assert "document saved:" in shown and "specification.pdf" in shown  # and its PDF
    shown = await chat.press("Accept the refund")
    shown = await chat.press("Send the answer")
    assert "on its way to the buyer" in shown
    assert "message for alice" in shown and "accepts the full refund of $5,000.00" in shown
    assert await pending_reminders(app, dispute.id) == []

    await chat.say("/as buyer alice")
    shown = await chat.press("Accept or escalate")
    shown = await chat.press("Accept the refund of $5,000.00")
    assert "is resolved: refund $5,000.00" in shown
    assert "message for sam" in shown and "accepted your answer" in shown

    dispute = await only_dispute(app)
    assert dispute.status == DisputeStatus.RESOLVED
    assert dispute.resolved_amount == Decimal("5000.00")
    assert await event_kinds(app, dispute.id) == [
        ("buyer", "submitted"),
        ("system", "supplier_notified"),
        ("supplier", "supplier_answered"),
        ("buyer", "resolved"),
    ]
    history = await chat.say(f"/history {dispute.id}")
    assert "claim submitted: Late delivery" in history
    assert "accepted the supplier's answer: refund $5,000.00" in history


async def test_not_as_specified_partial_offer_escalated_and_decided_within_the_limit(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    # The guide's example (ch1): a $20,000 order, a supplier with a $10,000 limit.
    order_id = await make_order(app, clock.now(), amount="20000", limit="10000")
    await chat.say("/as team tess")
    await chat.say("/start")  # tess has a chat with the bot: the queue notice reaches her
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")

    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    # Free text is classified by policy: this names a fault, so it is a spec dispute.
    shown = await chat.say("The colour is wrong: crimson instead of the agreed Pantone")
    assert "Which agreed items differ" in shown
    assert any("Colour: PANTONE 18-1663 TCX" in label for label in chat.buttons())
    assert not any("Coverage" in label for label in chat.buttons())
    await chat.press("Colour")
    shown = await chat.press("Material")
    assert "☑ Colour" in shown and "☑ Material" in shown
    shown = await chat.press("Done")
    assert "1 of 2" in shown and "PANTONE 18-1663 TCX" in shown
    refused = await chat.say("a nice red, not good quality")
    assert "cannot be measured" in refused and "1 of 2" in refused
    refused = await chat.say("wrong blue")  # a colour word: any blue would match it
    assert "“blue” names a colour but not a shade" in refused and "1 of 2" in refused
    assert "For example: PANTONE 19-4052 TCX instead of 18-1663 TCX" in refused
    refused = await chat.say("not what we agreed")  # nothing the team could measure
    assert "cannot be checked by the dispute team" in refused and "1 of 2" in refused
    await chat.say("PANTONE 19-1664 TCX")
    shown = await chat.say("80% cotton, 20% polyester")
    assert "design drawings" in shown and "purchase order" not in shown

    await chat.say(f"/file {a_file(tmp_path, 'drawing.pdf')}")
    shown = await chat.press("Next")
    while "quality inspection report" not in shown:
        shown = await chat.press("I don't have it")
    shown = await chat.press("I don't have it")  # no inspection report
    assert "Photos or videos" in shown
    await chat.say(f"/file {a_file(tmp_path, 'shade.jpg')}")
    await chat.say(f"/file {a_file(tmp_path, 'label.jpg')}")
    shown = await chat.press("Next")
    shown = await chat.press("I don't have it")
    assert "How much refund" in shown
    assert "at most $10,000.00 (the supplier's assurance limit)" in shown
    refused = await chat.say("25000")
    assert "at most the order amount, $20,000.00" in refused
    shown = await chat.say("20000 USD")
    assert "pays at most $10,000.00" in shown
    assert "Missing: The quality inspection report. Your claim is weaker without it" in shown
    assert "✅ Photos or videos of the defective goods: provided" in shown
    shown = await chat.press("Submit")
    assert "is submitted" in shown and "message for sam" in shown
    dispute = await only_dispute(app)
    assert dispute.cap_amount == Decimal("10000.00")
    assert dispute.details["items"]["colour"] == {
        "agreed": "PANTONE 18-1663 TCX",
        "received": "PANTONE 19-1664 TCX",
    }
    assert [e.file_name for e in await evidence(app)] == ["drawing.pdf", "shade.jpg", "label.jpg"]

    # The supplier offers part of the refund, with an explanation and a file.
    await chat.say("/as supplier sam")
    shown = await chat.say(f"/respond {dispute.id}")
    assert "received “PANTONE 19-1664 TCX”" in shown and "shade.jpg" in shown
    await chat.press("Offer a partial")
    assert "less than the $20,000.00" in await chat.say("20000")
    await chat.say("5000")
    assert "cannot be measured" in await chat.say("Our scarves are good quality")
    await chat.say("Lab dip 19-1664 TCX was approved by the buyer on 2 Sep 2026; see the email.")
    await chat.say(f"/file {a_file(tmp_path, 'lab_dip_email.pdf')}")
    shown = await chat.press("Done")
    assert "You offer a partial refund of $5,000.00" in shown
    shown = await chat.press("Send the answer")
    assert "message for alice" in shown and "offers a partial refund of $5,000.00" in shown

    # The buyer finds it unsatisfactory and escalates at once (ch6).
    await chat.say("/as buyer alice")
    shown = await chat.press("Accept or escalate")
    # The supplier's whole answer, files included, before the buttons.
    assert "Their explanation: “Lab dip 19-1664 TCX was approved" in shown
    assert "They sent 1 file" in shown and "lab_dip_email.pdf" in shown
    assert "Accept the refund of $5,000.00" in chat.buttons()
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    shown = await chat.say("The lab dip was for a sample run, not for the bulk order.")
    assert "with the dispute team now" in shown
    assert "message for tess" in shown and "waits in the /queue" in shown
    assert "message for sam" in shown

    # The team reads the whole file and decides; the cap holds.
    await chat.say("/as team tess")
    shown = await chat.say("/queue")
    shown = await chat.press(f"#{dispute.id}")
    assert "Specification of order" in shown and "• Colour: PANTONE 18-1663 TCX" in shown
    assert "Payment" in shown and "$20,000.00" in shown
    assert "lab_dip_email.pdf" in shown and "Counter-evidence (supplier)" in shown
    assert "Timeline of dispute" in shown and "escalated to the dispute team" in shown
    assert "The agreed contract, version 1" in shown and "specification.pdf" in shown
    refused = await chat.say("15000")
    assert "cannot exceed $10,000.00: the supplier's assurance limit" in refused
    await chat.say("10000")
    assert "at least 40 characters" in await chat.say("ok")
    refused = await chat.say("The supplier was nice, but the goods are not of good quality.")
    assert "does not say what was or was not met" in refused
    assert "For example: The SGS report of 3 May" in refused
    await chat.say(
        "PANTONE 19-1664 TCX delivered where 18-1663 TCX was agreed; the lab dip approval "
        "covered samples only. Refund limited by the assurance limit."
    )
    shown = await chat.press("Record the decision")
    assert "closed with a refund of $10,000.00" in shown
    assert "message for alice" in shown and "message for sam" in shown
    assert "decided dispute #1</b>" not in shown  # markup stripped in the terminal
    assert shown.count("The dispute team decided dispute") == 2

    dispute = await only_dispute(app)
    assert dispute.status == DisputeStatus.CLOSED
    assert dispute.decided_amount == Decimal("10000.00")
    assert await event_kinds(app, dispute.id) == [
        ("buyer", "submitted"),
        ("system", "supplier_notified"),
        ("supplier", "supplier_answered"),
        ("buyer", "escalated"),
        ("team", "decided"),
        ("team", "closed"),
    ]
    assert await pending_reminders(app, dispute.id) == []


async def test_the_decision_service_refuses_more_than_the_cap(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    """The cap is enforced in the service, not only by the flow's question."""
    order_id = await make_order(app, clock.now(), amount="20000", limit="10000")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    await tick(chat, clock, timedelta(days=5))
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    await chat.press("Skip")
    await chat.say("/as team tess")
    await chat.say("/start")
    async with app.sessions() as session, session.begin():
        tess = await session.scalar(select(User).where(User.display_name == "tess"))
        assert tess is not None
        try:
            await disputes.decide(
                session,
                tess,
                dispute.id,
                is_team=True,
                amount=Money.of("15000", "USD"),
                reason="too much",
                now=clock.now(),
            )
        except DisputeRefused as exc:
            assert exc.code == "over_cap"
        else:
            raise AssertionError("a decision above the cap was accepted")


async def test_a_not_as_specified_claim_goes_on_only_with_proof(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    shown = await quality_claim_up_to_the_inspection_report(chat, order_id)
    assert "Send at least one of these" in shown and "(optional)" not in shown
    for _item in range(3):
        shown = await chat.press("I don't have it")
    # The list ends without a file: the buyer is told why and walks it again.
    assert "must be backed by proof" in shown and "1 of 3" in shown
    assert "How much refund" not in shown
    shown = await chat.press("I don't have it")  # still no inspection report
    assert "2 of 3: Photos or videos" in shown
    await chat.say(f"/file {a_file(tmp_path, 'defect.jpg')}")
    shown = await chat.press("Next")
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    await chat.press("The whole order")
    shown = await chat.press("Submit")
    assert "is submitted" in shown
    kept = await evidence(app)
    assert [file.item for file in kept] == ["defect_media"]


async def test_a_claim_on_an_order_without_a_contract_still_lists_its_checklist(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    async with app.sessions() as session, session.begin():  # an order from before contracts
        await session.execute(delete(ContractVersion).where(ContractVersion.order_id == order_id))
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    assert "is submitted" in await submit_late_claim(chat, order_id)
    await chat.say("/as supplier sam")
    shown = await chat.say(f"/respond {(await only_dispute(app)).id}")
    assert "Documents and evidence:" in shown and "📎" not in shown
    assert "❌ A signed copy of the purchase order" in shown, shown
    assert "❌ All communication with the seller" in shown
