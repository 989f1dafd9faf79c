"""The cap is a property of the dispute, checked in one place (``disputes.check_refund``):
no refund, whoever proposes or accepts it, exceeds min(asked, covered, paid).

The guide's example (ch1): a $20,000 order, a supplier with a $10,000 assurance limit,
a buyer asking for the whole $20,000. Each path is tried in the service, where no
flow's question can help, and through the conversations with typed and forged amounts.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from bot.services import disputes
from bot.services.disputes import DisputeRefused
from policy import Money
from storage.models import Conversation, Dispute, DisputeStatus, Payment, User
from tests.conftest import ChatDriver
from tests.dispute_helpers import event_kinds, make_order, only_dispute, submit_late_claim, tick
from tests.hardening_helpers import Person, reply_text


async def person(app: App, name: str) -> User:
    async with app.sessions() as session:
        user = await session.scalar(select(User).where(User.display_name == name))
        assert user is not None
        return user


async def claim_over_the_cap(app: App, chat: ChatDriver, clock: FrozenClock) -> Dispute:
    """Alice asks for the whole $20,000 from Sam, whose limit is $10,000."""
    order_id = await make_order(app, clock.now(), amount="20000", limit="10000")
    await chat.say("/as team tess")
    await chat.say("/start")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    assert dispute.requested_amount == Decimal("20000.00")
    assert dispute.cap_amount == Decimal("10000.00")
    return dispute


async def refused_code(app: App, call: object) -> str:
    """Run ``call(session)`` in a transaction that must be refused; nothing is written."""
    async with app.sessions() as session, session.begin():
        with pytest.raises(DisputeRefused) as caught:
            await call(session)  # type: ignore[operator]
    return caught.value.code


async def test_supplier_acceptance_above_the_cap_is_refused(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute = await claim_over_the_cap(app, chat, clock)
    sam = await person(app, "sam")
    code = await refused_code(
        app,
        lambda session: disputes.respond(
            session,
            sam,
            dispute.id,
            is_team=False,
            answer="accept",
            offer=None,
            explanation="",
            files=[],
            now=clock.now(),
        ),
    )
    assert code == "over_cap"
    assert (await only_dispute(app)).status == DisputeStatus.SUBMITTED


async def test_partial_offer_above_the_cap_is_refused_and_the_cap_itself_allowed(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute = await claim_over_the_cap(app, chat, clock)
    sam = await person(app, "sam")

    def offer(amount: str) -> object:
        return lambda session: disputes.respond(
            session,
            sam,
            dispute.id,
            is_team=False,
            answer="partial",
            offer=Money.of(amount, "USD"),
            explanation="",
            files=[],
            now=clock.now(),
        )

    assert await refused_code(app, offer("10000.01")) == "over_cap"
    assert await refused_code(app, offer("19999")) == "over_cap"
    async with app.sessions() as session, session.begin():
        await offer("10000")(session)  # type: ignore[operator]
    assert (await only_dispute(app)).supplier_offer == Decimal("10000.00")


async def test_buyer_acceptance_of_an_offer_above_the_cap_is_refused(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute = await claim_over_the_cap(app, chat, clock)
    # An offer that got past the supplier's check (written before the cap applied to
    # every path, or by anything but ``respond``): the buyer's acceptance still refuses.
    async with app.sessions() as session, session.begin():
        row = await session.get(Dispute, dispute.id)
        assert row is not None
        row.status = DisputeStatus.SUPPLIER_RESPONDED
        row.supplier_answer = "accept"
        row.supplier_offer = Decimal("20000")
    alice = await person(app, "alice")
    code = await refused_code(
        app,
        lambda session: disputes.accept_answer(
            session, alice, dispute.id, is_team=False, now=clock.now()
        ),
    )
    assert code == "over_cap"
    after = await only_dispute(app)
    assert after.status == DisputeStatus.SUPPLIER_RESPONDED and after.resolved_amount is None


async def test_team_decision_above_the_cap_is_refused(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute = await claim_over_the_cap(app, chat, clock)
    await tick(chat, clock, timedelta(days=5))
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    await chat.press("Skip")
    assert (await only_dispute(app)).status == DisputeStatus.ESCALATED
    tess = await person(app, "tess")

    def decide(amount: str) -> object:
        return lambda session: disputes.decide(
            session,
            tess,
            dispute.id,
            is_team=True,
            amount=Money.of(amount, "USD"),
            reason="The goods arrived 20 days after the contracted date of delivery.",
            now=clock.now(),
        )

    assert await refused_code(app, decide("10000.01")) == "over_cap"
    assert (await only_dispute(app)).status == DisputeStatus.ESCALATED


async def test_the_cap_is_never_more_than_what_was_paid(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now(), amount="20000", limit="50000")
    alice = await person_after(app, chat, "alice")
    async with app.sessions() as session, session.begin():
        session.add(
            Payment(
                order_id=order_id,
                buyer_id=alice.id,
                method="wire",
                amount=Decimal("8000"),
                currency="USD",
                buyer_country="DE",
                created_at=clock.now(),
            )
        )
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    shown = await submit_late_claim(chat, order_id)
    assert "is submitted" in shown
    dispute = await only_dispute(app)
    assert dispute.cap_amount == Decimal("8000.00")
    assert dispute.details["cap_basis"] == "paid"
    assert disputes.refund_ceiling(dispute) == Money.of("8000", "USD")


async def person_after(app: App, chat: ChatDriver, name: str) -> User:
    await chat.say(f"/as buyer {name}")
    await chat.say("/start")
    return await person(app, name)


async def test_typed_and_forged_amounts_in_the_conversations_are_refused(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute = await claim_over_the_cap(app, chat, clock)

    # The supplier is not offered "accept $20,000" and is told why.
    await chat.say("/as supplier sam")
    shown = await chat.say(f"/respond {dispute.id}")
    assert not any("Accept the refund" in label for label in chat.buttons())
    assert "more than the programme covers ($10,000.00" in shown
    # A press of a key the step never offered (the nonce is right): expired, nothing kept.
    nonce = chat.button_data("Offer a partial").split(":")[1]
    forged = await Person(app, "sam").press_token(f"t:{nonce}:7")
    assert forged.callback_notice == "This button has expired."
    # The stored choices themselves forged to offer "accept": the flow still refuses.
    sam = await person(app, "sam")
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Conversation).where(Conversation.user_id == sam.id))
        assert row is not None
        row.choices = {**row.choices, "7": "accept"}
    refused = reply_text(await Person(app, "sam").press_token(f"t:{nonce}:7"))
    assert "cannot exceed $10,000.00" in refused
    await chat.say(f"/respond {dispute.id}")  # the driver's buttons are from before
    shown = await chat.press("Offer a partial")
    assert "At most $10,000.00" in shown
    refused = await chat.say("15000")
    assert "cannot exceed $10,000.00: the supplier's assurance limit" in refused
    await chat.say("10000")
    await chat.press("No explanation")
    await chat.press("I have no files")
    shown = await chat.press("Send the answer")
    assert "on its way to the buyer" in shown
    assert (await only_dispute(app)).supplier_offer == Decimal("10000.00")

    # The buyer escalates; the team types too much, then forges the stored amount.
    await chat.say("/as buyer alice")
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    await chat.press("Skip")
    await chat.say("/as team tess")
    await chat.say(f"/queue {dispute.id}")
    refused = await chat.say("$25,000")
    assert "cannot exceed $10,000.00" in refused
    # The amount button's stored value forged to $25,000: refused as if typed.
    tess = await person(app, "tess")
    nonce = chat.button_data("No refund").split(":")[1]
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Conversation).where(Conversation.user_id == tess.id))
        assert row is not None
        row.choices = {**row.choices, "0": {"amount": "25000", "currency": "USD"}}
    refused = reply_text(await Person(app, "tess").press_token(f"t:{nonce}:0"))
    assert "cannot exceed $10,000.00" in refused
    await chat.say(f"/queue {dispute.id}")
    await chat.say("10000")
    await chat.say(
        "The goods arrived twenty days after the contracted delivery date; the supplier "
        "offered the cap and the record confirms the delay."
    )
    # Flow data is the server's, but were it ever wrong the service would still refuse.
    async with app.sessions() as session, session.begin():
        row = await session.scalar(select(Conversation).where(Conversation.user_id == tess.id))
        assert row is not None and Decimal(row.data["amount"]["amount"]) == 10000
        row.data = {**row.data, "amount": {"amount": "25000", "currency": "USD"}}
    refused = await chat.press("Record the decision")
    assert "cannot exceed $10,000.00" in refused
    assert (await only_dispute(app)).status == DisputeStatus.ESCALATED
    assert ("team", "decided") not in await event_kinds(app, dispute.id)
