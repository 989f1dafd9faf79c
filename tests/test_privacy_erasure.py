"""/delete_me as buyers, suppliers and the team live it: a summary of what goes and what
stays, a button to confirm, a refusal naming the open disputes that block it, and after
it a new user where the old one was."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from bot.handlers.terminal import terminal_user_id
from bot.services import reminders
from storage.models import (
    Conversation,
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Evidence,
    Order,
    OrderStatus,
    Payment,
    Reminder,
    ReminderStatus,
    Supplier,
    User,
)
from tests.conftest import ChatDriver
from tests.dispute_helpers import SPEC, make_order, only_dispute, submit_late_claim, tick
from tests.test_dispute_access import press_as
from tests.test_privacy_access import a_file, claim_with_a_file


async def user_row(app: App, name: str) -> User | None:
    async with app.sessions() as session:
        return await session.scalar(select(User).where(User.telegram_id == terminal_user_id(name)))


async def rows(app: App, model: type, *conditions: object) -> list:
    async with app.sessions() as session:
        return list((await session.scalars(select(model).where(*conditions))).all())


async def a_paid_order_with_a_reminder(app: App, clock: FrozenClock) -> int:
    now = clock.now()
    order_id = await make_order(
        app, now, status=OrderStatus.AWAITING_SHIPMENT, delivery_deadline=now + timedelta(days=30)
    )
    async with app.sessions() as session, session.begin():
        order = await session.get(Order, order_id)
        assert order is not None
        session.add(
            Payment(
                order_id=order.id,
                buyer_id=order.buyer_id,
                method="credit_card",
                amount=order.amount,
                currency=order.currency,
                buyer_country="FR",
                created_at=now,
            )
        )
        await reminders.schedule_shipment_deadline(
            session,
            order_id=order.id,
            buyer_id=order.buyer_id,
            deadline=now + timedelta(days=30),
            now=now,
        )
    return order_id


async def a_draft_with_a_design_file(app: App, clock: FrozenClock) -> int:
    order_id = await make_order(app, clock.now(), status=OrderStatus.DRAFT)
    async with app.sessions() as session, session.begin():
        order = await session.get(Order, order_id)
        assert order is not None
        session.add(
            Evidence(
                owner_id=order.buyer_id,
                order_id=order.id,
                item="design",
                telegram_file_id="design-file-id",
                file_name="our-logo.ai",
                created_at=clock.now(),
            )
        )
    return order_id


async def resolved_dispute(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path, *, buyer: str = "alice"
) -> int:
    """A claim with a file, accepted by the supplier, then by the buyer: resolved."""
    order_id = await make_order(app, clock.now(), buyer=buyer, limit="20000")
    await chat.say("/as supplier sam")
    await chat.say(f"/as buyer {buyer}")
    await claim_with_a_file(chat, order_id, a_file(tmp_path, "po-zebra.pdf"))
    dispute = await only_dispute(app)
    await chat.say("/as supplier sam")
    await chat.say(f"/respond {dispute.id}")
    await chat.press("Accept the refund")
    await chat.press("Send the answer")
    await chat.say(f"/as buyer {buyer}")
    await chat.say(f"/resolve {dispute.id}")
    assert "is resolved" in await chat.press("Accept")
    return dispute.id


async def test_a_buyer_erases_their_data_and_comes_back_as_a_new_user(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    dispute_id = await resolved_dispute(app, chat, clock, tmp_path)
    draft_id = await a_draft_with_a_design_file(app, clock)
    paid_id = await a_paid_order_with_a_reminder(app, clock)
    await chat.say("/profile")
    await chat.say("FR")
    await chat.say("Europe/Paris")
    await chat.say("/profile")  # left half-way: a conversation in progress
    alice = await user_row(app, "alice")
    assert alice is not None and alice.country == "FR" and alice.display_name == "alice"
    events_before = await rows(app, DisputeEvent)
    pending = [r.kind for r in await rows(app, Reminder, Reminder.status == ReminderStatus.PENDING)]
    assert pending == [reminders.SHIPMENT_OVERDUE]

    shown = await chat.say("/delete_me")
    assert "Erase your personal data?" in shown
    assert "1 unpaid order with its specification and contract draft" in shown
    assert "1 file you uploaded" in shown  # the draft's design file
    assert "1 reminder not sent yet (cancelled)" in shown
    assert "1 paid order and its payment: the programme must keep its financial" in shown
    assert "1 decided dispute with its order and audit log" in shown
    assert chat.buttons() == ["Erase my data", "Keep my data"]
    shown = await chat.press("Erase my data")
    assert "Your personal data is erased." in shown
    assert "If you write to me again, you start as a new user." in shown

    async with app.sessions() as session:
        old = await session.get(User, alice.id)
        assert old is not None
        assert (old.telegram_id, old.display_name, old.country) == (None, "", None)
        assert (old.locale, old.timezone, old.unreachable) == ("en", "UTC", True)
        assert old.erased_at == clock.now()
        assert await session.get(Conversation, alice.id) is None
        # Never paid: gone with its file.
        assert await session.get(Order, draft_id) is None
        # Paid: the financial record stays, its specification does not.
        paid = await session.get(Order, paid_id)
        assert paid is not None and paid.spec == {} and paid.buyer_id == alice.id
        payment = await session.scalar(select(Payment).where(Payment.order_id == paid_id))
        assert payment is not None and payment.amount == Decimal("20000.00")
        # The decided dispute stays whole, its files only as a fingerprint.
        dispute = await session.get(Dispute, dispute_id)
        assert dispute is not None and dispute.status == DisputeStatus.RESOLVED
        disputed = await session.get(Order, dispute.order_id)
        assert disputed is not None and disputed.spec == SPEC
        (kept,) = (await session.scalars(select(Evidence))).all()
        assert (kept.telegram_file_id, kept.file_name, kept.file_unique_id) == ("", None, None)
        assert (
            kept.size_bytes == len(b"%PDF-1.4\ncontents of po-zebra.pdf")
            and kept.dispute_id == dispute_id
        )
    # The audit log is untouched and now points at a row that names nobody.
    assert [(e.id, e.actor_id, e.kind) for e in await rows(app, DisputeEvent)] == [
        (e.id, e.actor_id, e.kind) for e in events_before
    ]
    statuses = {r.status for r in await rows(app, Reminder, Reminder.recipient_id == alice.id)}
    assert ReminderStatus.PENDING not in statuses and ReminderStatus.CANCELLED in statuses

    # The shipment deadline passes: nothing is pushed to the erased buyer.
    pushed = await tick(chat, clock, timedelta(days=31))
    assert "message for" not in pushed

    # The supplier still reads the whole story; it names no buyer.
    await chat.say("/as supplier sam")
    story = await chat.say(f"/history {dispute_id}")
    assert "claim submitted" in story and "alice" not in story

    # Alice writes again: a new user with nothing of the old one's.
    await chat.say("/as buyer alice")
    assert "Welcome to tradeguard." in await chat.say("/start")
    new = await user_row(app, "alice")
    assert new is not None and new.id != alice.id and new.country is None
    assert "You have no orders yet" in await chat.say("/orders")
    assert "found no dispute #1" in await chat.say(f"/history {dispute_id}")


async def test_an_open_dispute_blocks_erasure_on_either_side_and_names_it(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now(), limit="20000")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)

    for role, name in (("buyer", "alice"), ("supplier", "sam")):
        await chat.say(f"/as {role} {name}")
        before = await user_row(app, name)
        shown = await chat.say("/delete_me")
        assert "I can't erase your data yet" in shown, name
        assert f"Dispute #{dispute.id}: waiting for the supplier's answer" in shown
        assert chat.buttons() == []
        after = await user_row(app, name)
        assert after is not None and before is not None
        assert (after.telegram_id, after.display_name) == (before.telegram_id, name)
        assert await rows(app, Conversation, Conversation.user_id == after.id) == []

    # Once it is resolved, the supplier may go: the company stays in the directory.
    await chat.say(f"/respond {dispute.id}")
    await chat.press("Accept the refund")
    await chat.press("Send the answer")
    await chat.say("/as buyer alice")
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Accept")
    await chat.say("/as supplier sam")
    shown = await chat.say("/delete_me")
    # (sam also speaks for the demo directory's Hangzhou Silkway Textiles.)
    link = next(line for line in shown.splitlines() if "the link between your account" in line)
    assert "Sam Textiles" in link and "in the supplier directory" in link
    await chat.press("Erase my data")
    (company,) = await rows(app, Supplier, Supplier.name == "Sam Textiles")
    assert company.telegram_id is None and company.approved

    # A new claim against the company now reaches it by an invite link.
    second = await make_order(app, clock.now(), buyer="bob")
    await chat.say("/as buyer bob")
    assert "does not chat with me yet" in await submit_late_claim(chat, second)


async def test_nothing_is_erased_without_the_users_own_press(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    await make_order(app, clock.now(), status=OrderStatus.DRAFT)
    await chat.say("/as buyer alice")
    await chat.say("/delete_me")
    erase = chat.button_data("Erase my data")

    shown = await chat.say("yes, erase it")
    assert "Please press “Erase my data” or “Keep my data”." in shown
    assert chat.buttons() == ["Erase my data", "Keep my data"]
    stale = erase  # the summary was shown again: the first button has expired
    erase = chat.button_data("Erase my data")

    # Someone else pressing Alice's button: refused, and Alice's summary still stands.
    assert await press_as(app, "bob", erase) == ("This button has expired.", "")
    assert await press_as(app, "alice", stale) == ("This button has expired.", "")
    assert "Nothing was erased." in await chat.press("Keep my data")
    assert await press_as(app, "alice", erase) == ("This button has expired.", "")

    alice = await user_row(app, "alice")
    assert alice is not None and alice.erased_at is None
    assert len(await rows(app, Order, Order.buyer_id == alice.id)) == 1


async def test_a_claim_opened_after_the_summary_still_blocks_the_erasure(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as supplier sam")
    assert "Erase your personal data?" in await chat.say("/delete_me")
    erase = chat.button_data("Erase my data")

    buyer = ChatDriver(app)
    await buyer.say("/as buyer alice")
    await submit_late_claim(buyer, order_id)
    dispute = await only_dispute(app)

    _notice, shown = await press_as(app, "sam", erase)
    assert "I can't erase your data yet" in shown and f"Dispute #{dispute.id}" in shown
    sam = await user_row(app, "sam")
    assert sam is not None and sam.erased_at is None
    (company,) = await rows(app, Supplier, Supplier.name == "Sam Textiles")
    assert company.telegram_id == terminal_user_id("sam")


async def test_a_team_member_is_told_the_team_is_configuration(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    await chat.say("/as team tess")
    shown = await chat.say("/delete_me")
    assert "You are on the dispute team by the bot's configuration" in shown
    assert "TRADEGUARD_DISPUTE_TEAM" in shown
    shown = await chat.press("Erase my data")
    assert "Your personal data is erased." in shown
    # Still on the team by configuration, as a new user.
    assert "The queue is empty" in await chat.say("/queue")
    rows_for_tess = await rows(app, User, User.erased_at.is_not(None))
    assert len(rows_for_tess) == 1
