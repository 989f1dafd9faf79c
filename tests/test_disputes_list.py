"""/disputes for both parties, and an order's page once a dispute is on it."""

from __future__ import annotations

from bot.app import App
from bot.clock import FrozenClock
from tests.conftest import ChatDriver
from tests.dispute_helpers import make_order, submit_late_claim


async def test_both_parties_list_the_dispute_and_the_order_shows_it(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    order_id = await make_order(app, clock.now())  # alice's, from Sam Textiles (sam)
    await chat.say("/as buyer alice")
    assert "You have no disputes" in await chat.say("/disputes")
    await submit_late_claim(chat, order_id)

    listed = await chat.say("/disputes")
    assert f"Dispute #1 on order #{order_id} (your claim): waiting for the supplier" in listed
    assert "Refund asked: $20,000.00" in listed
    shown = await chat.press(f"Order #{order_id}")
    assert "Dispute #1: waiting for the supplier's answer" in shown
    assert "Open a dispute" not in chat.buttons()  # one dispute per order

    await chat.say("/as supplier sam")
    listed = await chat.say("/disputes")
    assert f"Dispute #1 on order #{order_id} (a claim against you)" in listed

    await chat.say("/as buyer bob")
    assert "You have no disputes" in await chat.say("/disputes")
