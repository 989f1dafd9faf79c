"""Who may read or act on a dispute: its buyer, the supplier it is against, the dispute
team. Everyone else is told it does not exist, by command or by button, and nothing is
written. Also: a double-pressed "submit" creates one dispute, and the supplier invite."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from bot.flows import tokens
from bot.flows.replies import Incoming, Sender
from bot.handlers.terminal import terminal_user_id
from bot.services import disputes
from bot.services.disputes import Claim, EvidenceFile, Team
from policy import Ground, Money
from storage.models import Dispute, DisputeEvent, DisputeStatus, Evidence, Reminder, Supplier, User
from tests.conftest import ChatDriver
from tests.dispute_helpers import (
    count,
    event_kinds,
    events,
    make_order,
    only_dispute,
    pending_reminders,
    submit_late_claim,
)


async def press_as(app: App, name: str, data: str) -> tuple[str | None, str]:
    """Send a button press as ``name`` straight to the app (a forged callback)."""
    outcome = await app.handle(Incoming(sender=Sender(terminal_user_id(name), name), callback=data))
    return outcome.callback_notice, "\n".join(reply.text for reply in outcome.replies)


async def written(app: App) -> tuple[int, int, int]:
    return await count(app, DisputeEvent), await count(app, Evidence), await count(app, Reminder)


async def test_strangers_can_neither_read_nor_answer_a_dispute(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now(), limit="20000")
    # Another buyer, and a supplier from another company with a claim of its own.
    await make_order(app, clock.now(), buyer="bob", supplier="olga", supplier_name="Olga Co")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)

    # Sam opens the claim: his step buttons and the notice's shortcut exist now.
    await chat.say("/as supplier sam")
    sam_shortcut = tokens.shortcut_token(
        app.secret, terminal_user_id("sam"), "respond", str(dispute.id)
    )
    await chat.say(f"/respond {dispute.id}")
    sam_accept = chat.button_data("Accept the refund")

    before = await written(app)
    stranger = ChatDriver(app)
    for who, role in (("bob", "buyer"), ("olga", "supplier")):
        await stranger.say(f"/as {role} {who}")
        for command in ("history", "respond", "resolve", "queue", "dispute"):
            said = await stranger.say(f"/{command} {dispute.id}")
            assert "Dispute #1" not in said and "Late delivery" not in said
            assert (
                "found no dispute #1" in said
                or "Unknown command /queue" in said
                or "found no order #1" in said
            ), (who, command, said)
        # Sam's own buttons, pressed by someone else.
        for data in (sam_shortcut, sam_accept):
            notice, replies = await press_as(app, who, data)
            assert notice == "This button has expired." and replies == ""
        # A button the bot might really have given this user (signed for them): the
        # command still checks who they are.
        own = tokens.shortcut_token(app.secret, terminal_user_id(who), "respond", str(dispute.id))
        notice, replies = await press_as(app, who, own)
        assert "found no dispute #1" in replies
        # A team-only command is refused by the engine before it runs, signed or not.
        own = tokens.shortcut_token(app.secret, terminal_user_id(who), "queue", str(dispute.id))
        notice, replies = await press_as(app, who, own)
        assert notice == "This button has expired." and replies == ""
    assert await written(app) == before

    # The parties and the team can read it; reading writes nothing either.
    assert "Timeline of dispute #1" in await chat.say(f"/history {dispute.id}")
    await chat.say("/as buyer alice")
    assert "Timeline of dispute #1" in await chat.say(f"/history {dispute.id}")
    await chat.say("/as team tess")
    assert "Timeline of dispute #1" in await chat.say(f"/history {dispute.id}")
    assert await written(app) == before

    # Sam's step button still works for Sam: it was never used by the others.
    await chat.say("/as supplier sam")
    shown = await chat.say(f"/respond {dispute.id}")
    shown = await chat.press("Accept the refund")
    assert "You accept the full refund" in shown


async def test_a_buyer_cannot_answer_their_own_claim_nor_the_team_decide_its_own(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as supplier sam")
    await chat.say("/as team alice")  # alice is on the team and is the buyer
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    before = await written(app)
    assert "found no dispute #1" in await chat.say(f"/respond {dispute.id}")
    assert "found no dispute #1" in await chat.say(f"/queue {dispute.id}")
    assert await written(app) == before


async def test_a_double_pressed_submit_creates_one_dispute(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    await chat.press("Late delivery")
    shown = await chat.press("The record is right")
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    await chat.press("The whole order")
    submit = chat.button_data("Submit")

    first, second = await asyncio.gather(
        press_as(app, "alice", submit), press_as(app, "alice", submit)
    )
    notices = sorted([first[0] or "", second[0] or ""])
    assert notices == ["", "This button has expired."]
    assert await count(app, Dispute) == 1
    assert "is submitted" in first[1] + second[1]


async def test_the_same_idempotency_key_returns_the_same_dispute(
    app: App, clock: FrozenClock
) -> None:
    """A retried submission (the same flow's key) is recognised by the service itself."""
    order_id = await make_order(app, clock.now())
    claim = Claim(
        order_id=order_id,
        ground=Ground.LATE_DELIVERY,
        details={"contracted": "2026-11-05", "actual": "2026-11-20"},
        requested=Money.of("20000", "USD"),
        checklist={},
        files=(),
        idempotency_key="the-same-key",
    )
    team = Team(frozenset(), 3)
    results = []
    for _attempt in range(2):
        async with app.sessions() as session, session.begin():
            alice = await session.scalar(
                select(User).where(User.telegram_id == terminal_user_id("alice"))
            )
            assert alice is not None
            opened = await disputes.open_dispute(
                session, alice, claim, rules=app.rules, team=team, now=clock.now()
            )
            results.append((opened.dispute.id, opened.created))
    assert results == [(results[0][0], True), (results[0][0], False)]
    assert await count(app, Dispute) == 1
    assert await events(app) == 2  # submitted, supplier_notified: once


async def test_a_supplier_without_a_chat_is_invited_by_a_link(
    app: App, chat: ChatDriver, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    # The directory binds Quinn's account to Quiet Mills; Quinn never wrote to the bot.
    order_id = await make_order(
        app, clock.now(), supplier="quinn", supplier_chats=False, supplier_name="Quiet Mills"
    )
    app.bot_username = "tradeguard_bot"  # type: ignore[attr-defined]  # as getMe sets it
    await chat.say("/as buyer alice")
    shown = await submit_late_claim(chat, order_id)
    assert "does not chat with me yet" in shown
    assert "message for" not in shown
    assert "none is registered yet" not in shown
    dispute = await only_dispute(app)
    assert dispute.invite_token is not None
    command = f"/start inv_{dispute.invite_token}"
    assert command in shown
    assert f"https://t.me/tradeguard_bot?start=inv_{dispute.invite_token}" in shown
    assert len(f"inv_{dispute.invite_token}") <= 64

    # The buyer cannot answer through their own link; nor can an account it is forwarded
    # to. Both are logged, and nothing is written.
    before = await written(app)
    with caplog.at_level(logging.INFO, logger="bot.security"):
        assert "forward it to them" in await chat.say(command)
        await chat.say("/as supplier mallory")
        assert "belongs to another Telegram account" in await chat.say(command)
        assert "not valid" in await chat.say("/start inv_made-up-token")
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.security"]
    assert [m.split(":")[0].split(" to user")[0] for m in refusals] == [
        "refused invitation (invite_own)",
        "refused invitation (invite_taken)",
        "refused invitation (invite_invalid)",
    ]
    assert await written(app) == before
    async with app.sessions() as session:
        supplier = await session.scalar(select(Supplier).where(Supplier.name == "Quiet Mills"))
        assert supplier is not None and supplier.telegram_id == terminal_user_id("quinn")

    # Quinn, the bound account, opens it: the claim, and the nudges now that we can write.
    await chat.say("/as supplier quinn")
    shown = await chat.say(command)
    assert "A buyer has opened dispute #1 against your company" in shown
    assert "Contracted delivery date" in shown and "How do you answer dispute #1" in shown
    assert ("supplier", "supplier_reached") in await event_kinds(app, dispute.id)
    assert "supplier_response_due" in await pending_reminders(app, dispute.id)
    await chat.say("/cancel")

    # Quinn answers within the 5 days.
    await chat.say("/as supplier quinn")
    await chat.say(f"/respond {dispute.id}")
    await chat.press("Reject the claim")
    await chat.say("Shipped on 1 Nov 2026 by sea as agreed; bill of lading B/L 778 attached.")
    await chat.press("I have no files")
    shown = await chat.press("Send the answer")
    assert "message for alice" in shown and "rejects the claim" in shown
    await chat.say("/as buyer alice")
    shown = await chat.press("Accept or escalate")
    # The whole answer before the buttons; ending it on top, escalating below.
    assert "Their explanation: “Shipped on 1 Nov 2026 by sea" in shown
    assert "They sent no files." in shown
    assert chat.buttons() == [
        "Withdraw my claim (no refund)",
        "Escalate to the dispute team (final)",
    ]
    # Withdrawing asks first; "No" goes back with nothing changed.
    shown = await chat.press("Withdraw my claim")
    assert "ends with no refund" in shown
    await chat.press("No, go back")
    assert (await only_dispute(app)).status == DisputeStatus.SUPPLIER_RESPONDED
    await chat.press("Withdraw my claim")
    shown = await chat.press("Yes, withdraw my claim")
    assert "You withdrew your claim" in shown
    assert (await only_dispute(app)).resolved_amount == 0


async def test_an_invitation_binds_nobody_while_the_supplier_has_no_account(
    app: App, chat: ChatDriver, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Opening a link used to bind whoever opened it: the buyer's second account could
    # become the supplier and accept its own claim.
    order_id = await make_order(app, clock.now(), supplier=None, supplier_name="Quiet Mills")
    await chat.say("/as buyer alice")
    shown = await submit_late_claim(chat, order_id)
    assert "none is registered yet" in shown and "to link their account" in shown
    dispute = await only_dispute(app)
    command = f"/start inv_{dispute.invite_token}"
    before = await written(app)
    with caplog.at_level(logging.INFO, logger="bot.security"):
        await chat.say("/as supplier alice-second-phone")
        said = await chat.say(command)
    assert "none is registered yet" in said and "to link their account" in said
    assert any(
        "invite_unbound" in r.getMessage() and r.levelno == logging.WARNING
        for r in caplog.records
        if r.name == "bot.security"
    )
    assert await written(app) == before
    async with app.sessions() as session:
        supplier = await session.scalar(select(Supplier).where(Supplier.name == "Quiet Mills"))
        assert supplier is not None and supplier.telegram_id is None
    assert f"no dispute #{dispute.id} of yours" in await chat.say(f"/respond {dispute.id}")


async def test_answering_ends_the_supplier_reminders_and_the_escalation_notice(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now(), limit="20000")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    assert await pending_reminders(app, dispute.id) == [
        "escalation_open",
        "supplier_response_due",
        "supplier_response_due",
    ]
    clock.advance(timedelta(days=1))
    await chat.say("/as supplier sam")
    await chat.say(f"/respond {dispute.id}")
    await chat.press("Accept the refund")
    await chat.press("Send the answer")
    assert await pending_reminders(app, dispute.id) == []


async def test_the_service_refuses_a_not_as_specified_claim_without_evidence(
    app: App, clock: FrozenClock
) -> None:
    """The flow asks for proof; the service checks it too, whatever calls it."""
    order_id = await make_order(app, clock.now())

    def claim(*items: str) -> Claim:
        return Claim(
            order_id=order_id,
            ground=Ground.NOT_AS_SPECIFIED,
            details={"items": {"colour": {"agreed": "PANTONE 18-1663 TCX", "received": "19-1664"}}},
            requested=Money.of("1000", "USD"),
            checklist={},
            files=tuple(
                EvidenceFile(item=item, file_id=f"f-{item}", mime="image/jpeg") for item in items
            ),
            idempotency_key=f"key-{'-'.join(items)}",
        )

    async with app.sessions() as session, session.begin():
        alice = await session.scalar(
            select(User).where(User.telegram_id == terminal_user_id("alice"))
        )
        assert alice is not None
        for items in ((), ("seller_communications",)):
            with pytest.raises(disputes.DisputeRefused) as refused:
                await disputes.open_dispute(
                    session,
                    alice,
                    claim(*items),
                    rules=app.rules,
                    team=Team(frozenset(), 3),
                    now=clock.now(),
                )
            assert refused.value.code == "no_proof"
        opened = await disputes.open_dispute(
            session,
            alice,
            claim("defect_media"),
            rules=app.rules,
            team=Team(frozenset(), 3),
            now=clock.now(),
        )
        assert opened.created
    assert await count(app, Dispute) == 1
