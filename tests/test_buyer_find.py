"""A buyer looks for a supplier whose assurance limit covers the order (ch1, ch4, ch9)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.app import App
from storage.models import Order, OrderStatus, Supplier, Verification
from tests.buyer_helpers import files_in_tmp, user_named  # noqa: F401  (fixture)
from tests.conftest import ChatDriver


async def test_the_guides_example_shows_half_of_the_order_covered(chat: ChatDriver) -> None:
    shown = await chat.say("/find scarf 20000 USD")
    assert "Suppliers of “scarf” for an order of $20,000.00" in shown
    # The $10,000 limit covers half of a $20,000 order, and the rest is said plainly.
    assert "Hangzhou Silkway Textiles (China), Gold supplier" in shown
    assert "Assurance limit $10,000.00: covers $10,000.00 of your order (50%)." in shown
    assert "$10,000.00 of your $20,000.00 would not be covered." in shown
    assert "prefer a supplier whose limit covers the whole order" in shown
    # Best cover first, then Gold before Verified before none, then the higher limit.
    assert chat.buttons() == [
        "1. Shaoxing Bright Weaving · 100% covered",
        "2. Hangzhou Silkway Textiles · 50% covered",
        "3. Yiwu Little Star Accessories · 7.5% covered",
    ]


async def test_amount_and_keyword_can_be_asked_one_by_one(chat: ChatDriver) -> None:
    assert "What product are you buying?" in await chat.say("/find")
    assert "How much do you intend to order" in await chat.say("scarves")
    refused = await chat.say("20000")
    assert "Please add the currency" in refused
    shown = await chat.say("$20,000")
    assert "for an order of $20,000.00" in shown
    # Another word on the results page searches again with the same amount.
    again = await chat.say("USD 30000 steel rod")
    assert "Suppliers of “steel rod” for an order of $30,000.00" in again
    assert chat.buttons()[0].startswith("1. Ningbo Steelcraft · 100% covered")


async def test_a_verified_supplier_ranks_below_gold_at_equal_cover(chat: ChatDriver) -> None:
    await chat.say("/find t-shirt 20000 USD")
    labels = chat.buttons()
    # Both cover 100 %: Gold (Guangzhou, $60,000) before Verified (Dhaka, $25,000).
    assert labels[0].startswith("1. Guangzhou Evergreen Apparel")
    assert labels[1].startswith("2. Dhaka Knit Works")


async def test_no_results_suggests_other_words(chat: ChatDriver) -> None:
    shown = await chat.say("/find scraf 500 USD")
    assert "No covered supplier sells “scraf” yet." in shown
    assert "scarf" in chat.buttons()
    found = await chat.press("scarf")
    assert "Hangzhou Silkway Textiles" in found


async def test_results_are_paged_five_at_a_time(chat: ChatDriver) -> None:
    shown = await chat.say("/find oil 1000 USD")
    assert "page 1 of 1" in shown
    shown = await chat.say("/find e 1000 USD")  # matches most of the directory by name
    assert "page 1 of" in shown
    assert len([b for b in chat.buttons() if "covered" in b]) == 5
    second = await chat.press("Next")
    assert "page 2 of" in second
    assert chat.buttons()[0].startswith("6. ")
    assert any("Previous" in b for b in chat.buttons())


async def test_unapproved_suppliers_are_not_found(chat: ChatDriver, app: App) -> None:
    async with app.sessions() as session, session.begin():
        now = app.clock.now()
        session.add(
            Supplier(
                name="Pending Scarf Co",
                country="CN",
                products="scarf",
                assurance_limit=Decimal("900000"),
                currency="USD",
                verification=Verification.GOLD,
                approved=False,
                created_at=now,
                updated_at=now,
            )
        )
    shown = await chat.say("/find scarf 20000 USD")
    assert "Pending Scarf Co" not in shown


async def test_choosing_a_supplier_starts_a_draft_order(chat: ChatDriver, app: App) -> None:
    await chat.say("/find scarf 20000 USD")
    started = await chat.press("Hangzhou")
    assert "Draft order #1 with Hangzhou Silkway Textiles for $20,000.00" in started
    assert "Step 1 of 17" in started and "Design." in started
    buyer = await user_named(app, "you")
    async with app.sessions() as session:
        order = await session.scalar(select(Order))
        assert order is not None
        assert (order.buyer_id, order.status) == (buyer.id, OrderStatus.DRAFT)
        assert (order.amount, order.currency, order.uses_programme) == (
            Decimal("20000.00"),
            "USD",
            True,
        )
    # /orders lists the draft at once.
    listed = await chat.say("/orders")
    assert "#1" in listed and "Draft: not sent to the supplier yet" in listed


async def test_a_made_up_supplier_cannot_start_an_order(chat: ChatDriver, app: App) -> None:
    refused = await chat.say("/order new:999:100:USD")
    assert "That supplier is not in the directory" in refused
    refused = await chat.say("/order new:1:-5:USD")
    assert "That supplier is not in the directory" in refused
    async with app.sessions() as session:
        assert await session.scalar(select(Order)) is None
