"""A dispute's clock: the claim window (ch6), the supplier's 5 days, escalation when
they stay silent, and the automatic escalation of the programme's current rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import App, build_app
from bot.clock import FrozenClock
from bot.config import load_settings
from storage.db import upgrade_database_async
from storage.models import DisputeStatus, OrderStatus
from tests.conftest import ChatDriver
from tests.dispute_helpers import (
    event_kinds,
    events,
    make_order,
    only_dispute,
    pending_reminders,
    submit_late_claim,
    tick,
)


async def test_a_silent_supplier_lets_the_buyer_escalate_at_the_deadline_not_before(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)

    refused = await chat.say(f"/resolve {dispute.id}")
    assert "has until Nov 30, 2026" in refused and "escalate to the dispute team from" in refused
    assert await conversation_is_idle(chat)

    nudged = await tick(chat, clock, timedelta(days=3))
    assert "message for sam" in nudged and "waits for your answer until" in nudged
    assert "message for alice" not in await tick(chat, clock, timedelta(days=1, hours=23))
    assert "Escalate" not in " ".join(chat.buttons())
    assert "has until" in await chat.say(f"/resolve {dispute.id}")

    opened = await tick(chat, clock, timedelta(hours=1))  # exactly 5 days after submission
    assert "message for alice" in opened
    assert "did not answer dispute #1 by Nov 30, 2026" in opened
    # The supplier is too late now.
    await chat.say("/as supplier sam")
    late = await chat.say(f"/respond {dispute.id}")
    assert "The time to answer ended on Nov 30, 2026" in late

    await chat.say("/as buyer alice")
    shown = await chat.press("Escalate to the dispute team")
    assert "did not answer in time" in shown
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    shown = await chat.press("Skip")
    assert "with the dispute team now" in shown
    dispute = await only_dispute(app)
    assert dispute.status == DisputeStatus.ESCALATED
    assert await event_kinds(app, dispute.id) == [
        ("buyer", "submitted"),
        ("system", "supplier_notified"),
        ("system", "escalation_opened"),
        ("buyer", "escalated"),
    ]
    assert await pending_reminders(app, dispute.id) == []  # no team member chats yet


async def conversation_is_idle(chat: ChatDriver) -> bool:
    return "Nothing to cancel" in await chat.say("/cancel")


@pytest.fixture
async def current_rules_app(database_url: str, clock: FrozenClock) -> AsyncIterator[App]:
    settings = load_settings(
        database_url=database_url, dispute_team="900001", bot_token=None, rules_profile="current"
    )
    if not settings.is_sqlite:
        await upgrade_database_async(settings.database_url)
    application = await build_app(settings, clock=clock)
    yield application
    await application.close()


async def test_under_the_current_rules_a_dispute_escalates_by_itself_on_day_eight(
    current_rules_app: App, clock: FrozenClock
) -> None:
    app = current_rules_app
    chat = ChatDriver(app)
    order_id = await make_order(app, clock.now())
    await chat.say("/as team tess")
    await chat.say("/start")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    shown = await submit_late_claim(chat, order_id)
    assert "has until Nov 28, 2026" in shown  # 3 days under these rules
    dispute = await only_dispute(app)

    assert "did not answer" in await tick(chat, clock, timedelta(days=3))
    assert "dispute team" not in await tick(chat, clock, timedelta(days=3, hours=23))
    pushed = await tick(chat, clock, timedelta(hours=1))
    assert "message for alice" in pushed and "went to the dispute team by itself" in pushed
    # Notices the escalation wrote go out on the dispatcher's next pass (every few seconds).
    pushed = await tick(chat, clock, timedelta(0))
    assert "message for tess" in pushed and "waits in the /queue" in pushed
    dispute = await only_dispute(app)
    assert dispute.status == DisputeStatus.ESCALATED
    assert ("system", "escalated") in await event_kinds(app, dispute.id)
    assert await pending_reminders(app, dispute.id) == ["team_waiting"]

    waiting = await tick(chat, clock, timedelta(days=3))
    assert "message for tess" in waiting and "has waited 3 days for a decision" in waiting


async def test_a_claim_after_the_window_is_refused_with_the_date(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    now = clock.now()
    confirmed = await make_order(app, now, received_at=now - timedelta(days=31))
    automatic = await make_order(
        app, now, shipping_mode="express", auto_confirmed_at=now - timedelta(days=16)
    )
    await chat.say("/as buyer alice")
    before = await events(app)

    refused = await chat.say(f"/dispute {confirmed}")
    assert "closed on Nov 24, 2026: 30 days after you confirmed receipt" in refused
    refused = await chat.say(f"/dispute {automatic}")
    assert "closed on Nov 24, 2026: 15 days after receipt was confirmed automatically" in refused
    assert "(shipping mode: Express courier)" in refused  # the label, not the raw "express"
    listed = await chat.say("/dispute")
    assert "None of your orders can be disputed now" in listed
    assert f"Order #{confirmed}: The claim window" in listed
    assert await events(app) == before


async def test_a_late_delivery_before_receipt_once_the_delivery_date_has_passed(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    now = clock.now()
    not_yet = await make_order(
        app, now, status=OrderStatus.SHIPPED, delivery_deadline=now + timedelta(days=2)
    )
    overdue = await make_order(
        app, now, status=OrderStatus.AWAITING_SHIPMENT, delivery_deadline=now - timedelta(days=2)
    )
    await chat.say("/as buyer alice")
    refused = await chat.say(f"/dispute {not_yet}")
    assert "have not been received yet" in refused and "Nov 27, 2026" in refused

    await chat.say(f"/dispute {overdue}")
    shown = await chat.press("I have")
    assert "only a late delivery can be claimed" in shown
    assert chat.buttons() == ["Late delivery"]
    refused = await chat.say("the colour is wrong")
    assert "only a late delivery can be claimed" in refused
    shown = await chat.press("Late delivery")
    assert "From the order's records" in shown and "Received: not yet" in shown
    shown = await chat.press("The record is right")
    assert "The documents the dispute team asks for" in shown


async def test_i_did_not_like_it_is_not_a_ground(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as buyer alice")
    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    for complaint in ("I did not like it", "The goods did not meet our expectations"):
        refused = await chat.say(complaint)
        assert "is a matter of taste" in refused
        assert "two reasons only" in refused
    refused = await chat.say("Nothing is wrong with them, we just have too many")
    assert "without defects cannot be returned" in refused
    assert "Step 2 of" in refused  # still asking for the ground
    assert await events(app) == 0


async def test_talking_to_the_supplier_first_ends_the_flow_with_the_window_date(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())
    await chat.say("/as buyer alice")
    await chat.say(f"/dispute {order_id}")
    shown = await chat.press("Not yet")
    assert "Your claim window closes on Dec 20, 2026" in shown
    assert f"/dispute {order_id}" in shown
    assert await conversation_is_idle(chat)
