"""A supplier registers in the bot; the dispute team approves it before buyers see it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.app import App
from storage.models import Supplier, Verification
from tests.buyer_helpers import files_in_tmp, user_named  # noqa: F401  (fixture)
from tests.conftest import ChatDriver


async def register(chat: ChatDriver, name: str = "Suzhou Silk Road Co") -> str:
    await chat.say("/as supplier sam")
    assert "Step 1 of 5" in await chat.say("/supplier")
    await chat.say(name)
    await chat.press("China")
    await chat.say("silk scarf, scarf; shawl")
    refused = await chat.say("lots")
    assert "I could not find an amount" in refused
    await chat.say("25000 USD")
    review = await chat.press("Gold supplier")
    assert f"Company: {name}" in review
    assert "Products: silk scarf, scarf, shawl" in review
    assert "Assurance limit: $25,000.00" in review
    return await chat.press("Submit for review")


async def test_a_registration_is_searchable_only_once_approved(chat: ChatDriver, app: App) -> None:
    # The team member has talked to the bot before, so they can be told.
    await chat.say("/as team tess")
    await chat.say("/help")
    submitted = await register(chat)
    assert "waiting for the dispute team's review" in submitted
    assert "message for tess" in submitted
    assert "New supplier registration to review: Suzhou Silk Road Co." in submitted

    sam = await user_named(app, "sam")
    async with app.sessions() as session:
        supplier = await session.scalar(
            select(Supplier).where(Supplier.name == "Suzhou Silk Road Co")
        )
        assert supplier is not None
        # An application speaks for nobody: the account is bound when the team approves.
        assert (supplier.approved, supplier.telegram_id, supplier.registered_by_id) == (
            False,
            None,
            sam.id,
        )
        assert (supplier.assurance_limit, supplier.verification) == (
            Decimal("25000.00"),
            Verification.GOLD,
        )

    await chat.say("/as buyer bea")
    assert "Suzhou Silk Road Co" not in await chat.say("/find scarf 20000 USD")
    assert "Unknown command /approve" in await chat.say("/approve")

    await chat.say("/as team tess")
    listed = await chat.say("/approve")
    assert "Suzhou Silk Road Co (China)" in listed
    assert "Assurance limit: $25,000.00" in listed
    approved = await chat.press("Approve")
    assert "Approved: Suzhou Silk Road Co is now in the directory." in approved
    assert "message for sam" in approved
    assert "Your registration of Suzhou Silk Road Co is approved." in approved

    await chat.say("/as buyer bea")
    found = await chat.say("/find scarf 20000 USD")
    assert "Suzhou Silk Road Co (China), Gold supplier" in found
    async with app.sessions() as session:
        supplier = await session.scalar(
            select(Supplier).where(Supplier.name == "Suzhou Silk Road Co")
        )
        assert supplier is not None and supplier.telegram_id == sam.telegram_id
    await chat.say("/as supplier sam")
    assert "already in the directory as Suzhou Silk Road Co" in await chat.say("/supplier")


async def test_a_rejected_registration_can_be_corrected_and_sent_again(
    chat: ChatDriver, app: App
) -> None:
    await register(chat, "Sam Trading")
    await chat.say("/as team tess")
    rejected = await chat.say("/approve")
    rejected = await chat.press("Reject")
    assert "Rejected: Sam Trading." in rejected
    assert "was not approved" in rejected and "register again with /supplier" in rejected
    async with app.sessions() as session:
        assert await session.scalar(select(Supplier).where(Supplier.name == "Sam Trading")) is None
    assert "No supplier registration is waiting" in await chat.say("/approve")

    again = await register(chat, "Sam Trading Ltd")
    assert "waiting for the dispute team's review" in again


async def test_a_directory_name_cannot_be_taken_over(chat: ChatDriver) -> None:
    await chat.say("/as supplier mallory")
    await chat.say("/supplier")
    await chat.say("Hangzhou Silkway Textiles")
    await chat.press("China")
    await chat.say("scarf")
    await chat.say("900000 USD")
    await chat.press("Gold supplier")
    refused = await chat.press("Submit for review")
    assert "already in the directory" in refused
