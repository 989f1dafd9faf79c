"""Who speaks for a supplier, through the real frameworks (aiogram and python-telegram-bot
against the Bot API emulator): a dispute invitation the buyer forwards to a second
account opens nothing for it nor for the buyer (refused, logged, nothing written); the
account bound to the supplier answers with it."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select, update
from telegram_helpers import RUNTIMES, TEAM_MEMBER, Person, bot_settings, running, texts

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from emulator import BotAPIEmulator
from storage.models import (
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Order,
    Reminder,
    Supplier,
    SupplierEvent,
    User,
)
from tests.dispute_helpers import make_order

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param))


def with_buttons_or(emu: BotAPIEmulator, needle: str) -> Any:
    return lambda message: bool(emu.buttons(message)) or needle in texts(message)


async def press(emu: BotAPIEmulator, person: Person, part: str, then: str = "\0") -> dict:
    """Press the button containing ``part`` under the newest message that has buttons;
    return the next message with buttons (or containing ``then``)."""
    message = next(m for m in reversed(emu.bot_messages(person.id)) if emu.buttons(m))
    label = next(b["text"] for row in emu.buttons(message) for b in row if part in b["text"])
    await emu.press_button(person.user, message, label)
    return await emu.wait_for_message(person.id, with_buttons_or(emu, then))


async def snapshot(app: App) -> tuple[Any, ...]:
    """What a refused invitation must leave as it was."""
    async with app.sessions() as session:
        return (
            await session.scalar(select(func.count()).select_from(DisputeEvent)),
            await session.scalar(select(func.count()).select_from(Reminder)),
            await session.scalar(select(func.count()).select_from(User)),
            tuple((await session.execute(select(Supplier.id, Supplier.telegram_id))).all()),
            tuple((await session.execute(select(Dispute.id, Dispute.status))).all()),
        )


async def test_a_forwarded_invitation_opens_the_claim_only_for_the_bound_supplier(
    app: App, emu: BotAPIEmulator, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(app, "polling"):
        alice, alice_two = Person(emu, 6001, "Alice"), Person(emu, 6002, "Alice (2nd phone)")
        sam = Person(emu, 6003, "Sam")
        await alice.say("/start")
        await alice_two.say("/start")
        # The directory binds Sam's account to the company; Sam has never written to us.
        order_id = await make_order(
            app, clock.now(), supplier="sam", supplier_chats=False, limit="30000"
        )
        async with app.sessions() as session, session.begin():
            buyer = await session.scalar(select(User).where(User.telegram_id == alice.id))
            assert buyer is not None
            await session.execute(
                update(Order).where(Order.id == order_id).values(buyer_id=buyer.id)
            )
            await session.execute(update(Supplier).values(telegram_id=sam.id))

        await emu.send_text(alice.user, f"/dispute {order_id}")
        await emu.wait_for_message(alice.id, with_buttons_or(emu, ""))
        await press(emu, alice, "I have")
        await press(emu, alice, "Late delivery")
        shown = await press(emu, alice, "The record is right")
        while "How much refund" not in texts(shown):
            shown = await press(emu, alice, "I don't have it")
        await press(emu, alice, "The whole order")
        submitted = await press(emu, alice, "Submit", then="is submitted")
        found = re.search(r"/start (inv_[A-Za-z0-9_-]+)", texts(submitted))
        assert found is not None, texts(submitted)
        invite = f"/start {found.group(1)}"

        # Alice forwards it to her second account, and tries it herself.
        before = await snapshot(app)
        with caplog.at_level(logging.INFO, logger="bot.security"):
            said = texts(await alice_two.say(invite))
            assert "belongs to another Telegram account" in said
            assert "How do you answer" not in said
            assert "forward it to them" in texts(await alice.say(invite))
        refusals = [
            r for r in caplog.records if r.name == "bot.security" and "invitation" in r.getMessage()
        ]
        assert [("invite_taken" in r.getMessage(), r.levelno) for r in refusals] == [
            (True, logging.WARNING),
            (False, logging.WARNING),
        ]
        assert "invite_own" in refusals[1].getMessage()
        assert await snapshot(app) == before
        assert not [m for m in emu.bot_messages(alice_two.id) if "How do you answer" in texts(m)]

        # Sam opens the same link from the bound account and answers.
        await emu.send_text(sam.user, invite)
        await sam.wait_for("How do you answer")
        await press(emu, sam, "Accept the refund")
        done = await press(emu, sam, "Send the answer", then="on its way")
        assert "Your answer is on its way to the buyer" in texts(done)
        async with app.sessions() as session:
            dispute = (await session.scalars(select(Dispute))).one()
            assert dispute.status == DisputeStatus.SUPPLIER_RESPONDED
            kinds = (
                await session.scalars(
                    select(DisputeEvent.kind).where(DisputeEvent.dispute_id == dispute.id)
                )
            ).all()
        assert "supplier_reached" in kinds and "supplier_answered" in kinds
        assert not emu.errors, list(emu.errors)


async def test_a_claim_code_binds_the_account_that_sends_it_once(
    app: App, emu: BotAPIEmulator, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(app, "polling"):
        team, quinn = Person(emu, TEAM_MEMBER, "Tess"), Person(emu, 6101, "Quinn")
        mallory = Person(emu, 6102, "Mallory")
        await make_order(app, clock.now(), supplier=None, supplier_name="Quiet Mills")
        async with app.sessions() as session:
            company = await session.scalar(select(Supplier).where(Supplier.name == "Quiet Mills"))
        assert company is not None
        issued = texts(await team.say(f"/claimcode {company.id}"))
        found = re.search(r"Claim code for Quiet Mills \(#\d+\): ([A-Z2-9-]{14})", issued)
        assert found is not None, issued
        code = found.group(1)

        assert "now speaks for Quiet Mills" in texts(await quinn.say(f"/claim {code}"))
        with caplog.at_level(logging.INFO, logger="bot.security"):
            assert "already been used" in texts(await mallory.say(f"/claim {code}"))
        assert any("claim code (used)" in r.getMessage() for r in caplog.records)
        async with app.sessions() as session:
            bound = await session.get(Supplier, company.id)
            assert bound is not None and bound.telegram_id == quinn.id
            kinds = (
                await session.scalars(
                    select(SupplierEvent.kind).where(SupplierEvent.supplier_id == company.id)
                )
            ).all()
        assert list(kinds) == ["claim_code_issued", "claim_code_redeemed", "bound"]
        assert not emu.errors, list(emu.errors)
