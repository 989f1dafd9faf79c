"""Attacks on objects that are not the attacker's: another buyer's order numbers typed or
put into signed buttons, buttons replayed or forged, invitation links guessed, a
supplier acting on a claim as if they were the buyer, a buyer posing as the dispute
team. Each attempt is refused in the same words a missing object gets, leaves a line in
the ``bot.security`` log, and changes no row.

(Strangers reading or answering someone's dispute by number, the team deciding its own
case and a double-pressed submit are in ``test_dispute_access.py``; foreign step tokens
in ``test_flow_engine.py``.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FrozenClock
from bot.flows import tokens
from bot.flows.replies import Incoming, Outcome, Sender
from bot.services import disputes
from bot.services.authz import Forbidden
from policy import Money
from storage.models import Dispute, DisputeStatus, Order, OrderStatus, Payment, Supplier
from tests.buyer_helpers import (  # noqa: F401  (fixture)
    answer_all,
    bind_supplier,
    files_in_tmp,
)
from tests.conftest import ChatDriver
from tests.dispute_helpers import make_order, only_dispute, submit_late_claim
from tests.hardening_helpers import (
    Person,
    Records,
    recording,
    reply_text,
    report,
    security_records,
    snapshot,
)

EXPIRED = "This button has expired."


@pytest.fixture
async def records() -> AsyncIterator[Records]:
    with recording(logging.INFO) as kept:
        yield kept


class Attempts:
    """Runs attempts, each of which must be refused with a ``bot.security`` log line."""

    def __init__(self, records: Records, section: str) -> None:
        self.records = records
        self.section = section
        self.made = 0
        self.warnings = 0

    async def by(
        self, person: Person, label: str, *, text: str | None = None, data: str | None = None
    ) -> Outcome:
        start = len(self.records.records)
        if text is not None:
            outcome = await person.say(text)
        else:
            assert data is not None
            outcome = await person.press_token(data)
        logged = security_records(self.records, start)
        assert logged, f"{label}: refused without a log line"
        assert not self.records.errors_since(start), f"{label}: crashed"
        self.made += 1
        self.warnings += sum(r.levelno >= logging.WARNING for r in logged)
        return outcome

    def report(self) -> None:
        report(
            "tampering",
            {
                f"{self.section}": self.made,
                "refused_and_logged": self.made,
                "logged_as_warning": self.warnings,
            },
        )


def same_words(text: str) -> str:
    """A reply with its numbers blanked: an existing order's answer must read like a
    missing one's, or the number would reveal that the order exists."""
    return re.sub(r"\d+", "N", text)


def signed(app: App, person: Person, command: str, arg: str) -> str:
    """A button the bot could have made for ``person``: correctly signed for them."""
    return tokens.shortcut_token(app.secret, person.telegram_id, command, arg)


async def test_another_buyers_orders_by_number_in_commands_and_buttons(
    app: App, clock: FrozenClock, records: Records
) -> None:
    now = clock.now()
    draft = await make_order(app, now, buyer="alice", status=OrderStatus.DRAFT)
    confirmed = await make_order(
        app,
        now,
        buyer="alice",
        status=OrderStatus.CONFIRMED,
        delivery_deadline=now + timedelta(days=60),
    )
    complete = await make_order(app, now, buyer="alice")  # paid, received: claimable
    missing = 999_999
    mallory = Person(app, "mallory")
    await make_order(app, now, buyer="mallory", supplier_name="Mallory's Own Supplier")
    # A registration waiting for review: not in the directory, so no order can use it.
    applicant = ChatDriver(app)
    await applicant.say("/as supplier sue")
    for line in ("/supplier", "Sue Silk Mill Ltd", "CN", "silk", "5000 USD"):
        await applicant.say(line)
    await applicant.press("Gold")
    await applicant.press("Submit")
    async with app.sessions() as session:
        pending = await session.scalar(select(Supplier.id).where(Supplier.approved.is_(False)))
    assert pending is not None
    await mallory.say("/help")  # Mallory exists before the snapshot
    before = await snapshot(app)

    attempts = Attempts(records, "foreign_orders")
    typed = [
        "/orders {id}",
        "/orders #{id}",
        "/pay {id}",
        "/order {id}",
        "/order draft:{id}",
        "/dispute {id}",
    ]
    for template in typed:
        for victim in (draft, confirmed, complete):
            said = await attempts.by(mallory, template, text=template.format(id=victim))
            nothing = await mallory.say(template.format(id=missing))
            assert same_words(reply_text(said)) == same_words(reply_text(nothing)), template
            assert "alice" not in reply_text(said).lower()
            await mallory.say("/cancel")
    # Buttons the bot could have signed for Mallory, carrying Alice's order numbers.
    for command, victim in (
        ("pay", confirmed),
        ("orders", complete),
        ("dispute", complete),
        ("order", draft),
    ):
        pressed = await attempts.by(
            mallory, command, data=signed(app, mallory, command, str(victim))
        )
        nothing = await mallory.press_token(signed(app, mallory, command, str(missing)))
        assert same_words(reply_text(pressed)) == same_words(reply_text(nothing)), command
        await mallory.say("/cancel")
    # A new order with a supplier the team has not approved (the id is guessable).
    said = await attempts.by(mallory, "new", text=f"/order new:{pending}:100:USD")
    assert "not in the directory" in reply_text(said)
    # Her own list shows her own order only.
    listing = reply_text(await mallory.say("/orders"))
    assert all(f"#{victim} " not in listing for victim in (draft, confirmed, complete))

    await mallory.say("/cancel")
    assert await snapshot(app) == before
    attempts.report()


async def test_replayed_and_forged_buttons_change_nothing(
    app: App, chat: ChatDriver, records: Records
) -> None:
    await chat.say("/as buyer alice")
    alice = Person(app, "alice")
    attempts = Attempts(records, "replayed_or_forged_buttons")
    await chat.say("/find scarf 3000 USD")
    await chat.press("Hangzhou")
    await answer_all(chat)
    confirm = chat.button_data("Confirm the specification")
    await chat.press("Confirm the specification")
    async with app.sessions() as session:
        order = await session.scalar(select(Order).order_by(Order.id.desc()))
    assert order is not None and order.status == OrderStatus.CONFIRMED
    pay_button = signed(app, alice, "pay", str(order.id))  # as the confirmation gave it

    # The confirmation, pressed again: the step is gone, nothing is confirmed twice.
    before = await snapshot(app)
    outcome = await attempts.by(alice, "confirm again", data=confirm)
    assert outcome.callback_notice == EXPIRED and outcome.replies == []
    assert await snapshot(app) == before

    # The supplier accepts the contract, so it can be paid.
    await bind_supplier(app)
    await chat.say("/as supplier sam")
    await chat.say(f"/orders {order.id}")
    await chat.press("Accept the contract")
    await chat.say("/as buyer alice")

    # Paying, then the method's button again: one payment.
    await chat.say(f"/pay {order.id}")
    await chat.press("Germany")
    await chat.press("No card")
    wire = chat.button_data("Wire transfer")
    await chat.press("Wire transfer")
    before = await snapshot(app)
    outcome = await attempts.by(alice, "pay again", data=wire)
    assert outcome.callback_notice == EXPIRED
    # The old "Choose how to pay" shortcut runs /pay again, which refuses a paid order.
    again = await alice.press_token(pay_button)
    assert f"#{order.id}" in reply_text(again) and not again.callback_notice
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
    assert await snapshot(app) == before

    # Forged: Alice's own shortcut with another key's signature, a cut signature, and
    # her button pressed by Mallory.
    mallory = Person(app, "mallory")
    await mallory.say("/help")
    before = await snapshot(app)
    mac = hmac.new(
        b"not-the-secret", f"{alice.telegram_id}:orders:{order.id}".encode(), hashlib.sha256
    )
    foreign_key = base64.urlsafe_b64encode(mac.digest()[:12]).decode().rstrip("=")
    good = signed(app, alice, "orders", str(order.id))
    for label, who, data in (
        ("other key", alice, f"g:orders:{order.id}:{foreign_key}"),
        ("cut signature", alice, good[:-2]),
        ("no signature", alice, f"g:orders:{order.id}:"),
        ("someone else's", mallory, good),
        ("another command", alice, good.replace("g:orders:", "g:pay:")),
    ):
        start = len(records.records)
        outcome = await attempts.by(who, label, data=data)
        assert outcome.callback_notice == EXPIRED and outcome.replies == [], label
        assert any(r.levelno == logging.WARNING for r in security_records(records, start)), label
    assert await snapshot(app) == before
    attempts.report()


async def test_guessed_invitation_links_are_refused(
    app: App, chat: ChatDriver, clock: FrozenClock, records: Records
) -> None:
    # Quinn's account is bound to Quiet Mills but has never written to the bot.
    order_id = await make_order(
        app, clock.now(), supplier="quinn", supplier_chats=False, supplier_name="Quiet Mills"
    )
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    token = dispute.invite_token
    assert token is not None
    mallory = Person(app, "mallory")
    await mallory.say("/help")
    await chat.chat.dispatcher.dispatch_due()
    before = await snapshot(app)
    attempts = Attempts(records, "guessed_links")

    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    guesses = [f"inv_{secrets.token_urlsafe(n)}" for n in (6, 12, 18, 24, 32) for _ in range(20)]
    guesses += [
        f"inv_{token[:-1]}",
        f"inv_{token[1:]}",
        f"inv_{token}A",
        f"inv_{token.swapcase()}",
        f"inv_{flipped}",
        f"INV_{token}",
        f"inv-{token}",
        f"inv__{token}",
        f"inv_{token[:8]}%",
        "inv_",
        "inv_%",
        "inv_*",
        "ord_1",
        "team_1",
        "admin_1",
        "_",
        "dispute_1",
    ]
    for payload in guesses:
        said = reply_text(await attempts.by(mallory, payload, text=f"/start {payload}"))
        assert "not valid" in said or "has expired" in said, (payload, said)
    assert await snapshot(app) == before

    # The real link still works for the supplier: guessing did not burn it.
    await chat.say("/as supplier quinn")
    assert "A buyer has opened dispute" in await chat.say(f"/start inv_{token}")
    attempts.report()


async def test_a_supplier_cannot_act_for_the_buyer_nor_on_another_claim(
    app: App, chat: ChatDriver, clock: FrozenClock, records: Records
) -> None:
    now = clock.now()
    order_a = await make_order(app, now)  # alice's claim against Sam Textiles (sam)
    order_b = await make_order(app, now, buyer="bob", supplier="olga", supplier_name="Olga Co")
    await chat.say("/as supplier sam")
    await chat.say("/as supplier olga")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_a)
    await chat.say("/as buyer bob")
    await submit_late_claim(chat, order_b)
    async with app.sessions() as session:
        claim_a = await session.scalar(select(Dispute).where(Dispute.order_id == order_a))
        claim_b = await session.scalar(select(Dispute).where(Dispute.order_id == order_b))
    assert claim_a is not None and claim_b is not None
    # Sam answers, so the buyer has something to accept or escalate.
    await chat.say("/as supplier sam")
    await chat.say(f"/respond {claim_a.id}")
    await chat.press("Reject the claim")
    await chat.say("Shipped on 1 Nov 2026 by sea as agreed; bill of lading B/L 778.")
    await chat.press("I have no files")
    await chat.press("Send the answer")
    await chat.chat.dispatcher.dispatch_due()
    sam, olga = Person(app, "sam"), Person(app, "olga")
    before = await snapshot(app)
    attempts = Attempts(records, "supplier_overreach")

    # Sam, on his own claim, takes the buyer's part: accept, escalate, open it again.
    for text in (f"/resolve {claim_a.id}", f"/dispute {order_a}"):
        said = reply_text(await attempts.by(sam, text, text=text))
        assert f"no dispute #{claim_a.id}" in said or f"no order #{order_a}" in said, said
    said = reply_text(
        await attempts.by(sam, "button", data=signed(app, sam, "resolve", str(claim_a.id)))
    )
    assert f"no dispute #{claim_a.id}" in said
    # Olga, with a claim of her own, reaches for Sam's: answer it, decide it, read its file.
    for text in (f"/respond {claim_a.id}", f"/resolve {claim_a.id}", f"/history {claim_a.id}"):
        said = reply_text(await attempts.by(olga, text, text=text))
        assert "Late delivery" not in said and f"no dispute #{claim_a.id}" in said, said
    assert await snapshot(app) == before

    # The services say the same to any transport: no flow, no team flag, no way round.
    async with app.sessions() as session, session.begin():
        sam_user = await sam.user()
        olga_user = await olga.user()
        refund = Money(Decimal("100"), "USD")
        calls = (
            disputes.respond(
                session,
                olga_user,
                claim_a.id,
                is_team=False,
                answer="accept",
                offer=None,
                explanation="",
                files=[],
                now=now,
            ),
            disputes.accept_answer(session, sam_user, claim_a.id, is_team=False, now=now),
            disputes.escalate(
                session,
                sam_user,
                claim_a.id,
                is_team=False,
                rules=app.rules,
                team=disputes.Team(frozenset(app.team), 3),
                now=now,
            ),
            disputes.decide(
                session, sam_user, claim_a.id, is_team=True, amount=refund, reason="x", now=now
            ),
        )
        for call in calls:
            with pytest.raises(Forbidden):
                await call
    assert await snapshot(app) == before
    assert (await only_status(app, claim_a.id)) == DisputeStatus.SUPPLIER_RESPONDED
    attempts.report()


async def only_status(app: App, dispute_id: int) -> DisputeStatus:
    async with app.sessions() as session:
        dispute = await session.get(Dispute, dispute_id)
        assert dispute is not None
        return dispute.status


async def test_a_buyer_posing_as_the_dispute_team_is_refused(
    app: App, chat: ChatDriver, clock: FrozenClock, records: Records
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    clock.advance(timedelta(days=6))  # Sam stays silent: Alice may escalate
    await chat.chat.dispatcher.dispatch_due()  # the "you may escalate" notice, first
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    await chat.press("Skip")
    assert (await only_status(app, dispute.id)) == DisputeStatus.ESCALATED
    team_member = Person(app, "tess")
    app.team.add(team_member.telegram_id)
    mallory, alice = Person(app, "mallory", "en"), Person(app, "alice")
    await mallory.say("/help")
    await chat.chat.dispatcher.dispatch_due()
    before = await snapshot(app)
    attempts = Attempts(records, "posing_as_team")

    for person in (mallory, alice):
        for text in (
            "/queue",
            f"/queue {dispute.id}",
            f"/QUEUE {dispute.id}",
            f"/queue@tradeguard_bot {dispute.id}",
            "/approve",
        ):
            said = reply_text(await attempts.by(person, text, text=text))
            assert said.startswith("Unknown command"), said  # the team's commands stay unseen
        # A team member's button, and one the bot might sign for the buyer themself.
        for data in (
            signed(app, team_member, "queue", str(dispute.id)),
            signed(app, person, "queue", str(dispute.id)),
            signed(app, person, "approve", ""),
        ):
            outcome = await attempts.by(person, data, data=data)
            assert outcome.callback_notice == EXPIRED and outcome.replies == []
    assert await snapshot(app) == before
    # A display name is no credential either.
    start = len(records.records)
    impostor = await app.handle(
        Incoming(sender=Sender(mallory.telegram_id, "Dispute team"), text=f"/queue {dispute.id}")
    )
    assert reply_text(impostor).startswith("Unknown command")
    assert security_records(records, start)

    # A member who leaves the team while a file is open cannot record the decision.
    await team_member.say(f"/queue {dispute.id}")
    await team_member.say("100 USD")
    await team_member.say("The goods arrived 20 days late according to the bill of lading.")
    app.team.discard(team_member.telegram_id)
    conversation = await team_member.conversation()
    assert conversation is not None and conversation.step == "review"
    record_key = next(k for k, v in conversation.choices.items() if v == "record")
    record = tokens.step_token(conversation.nonce, record_key)
    said = reply_text(await attempts.by(team_member, "left the team", data=record))
    assert "no longer yours to decide" in said
    assert (await only_status(app, dispute.id)) == DisputeStatus.ESCALATED

    # And the service refuses a decision from anyone not on the team, or from a party.
    async with app.sessions() as session, session.begin():
        refund = Money(Decimal("100"), "USD")
        for user, is_team in ((await mallory.user(), False), (await alice.user(), True)):
            with pytest.raises(Forbidden):
                await disputes.decide(
                    session,
                    user,
                    dispute.id,
                    is_team=is_team,
                    amount=refund,
                    reason="x",
                    now=clock.now(),
                )
    assert (await only_status(app, dispute.id)) == DisputeStatus.ESCALATED
    attempts.report()
