"""A buyer turns an order into a precise specification (ch3) and a contract draft (ch4).

Vague answers are refused with the reason and an example; every answer can be changed
from the review; the draft survives leaving and coming back days later; the PDF holds
every answer, the cover and the programme's claim terms.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from storage.models import Evidence, OrderStatus
from tests.buyer_helpers import (
    SPEC_ANSWERS,
    answer,
    answer_all,
    files_in_tmp,  # noqa: F401  (fixture)
    get_order,
    pdf_text,
    saved_files,
)
from tests.conftest import ChatDriver


async def start_order(chat: ChatDriver) -> None:
    await chat.say("/find scarf 20000 USD")
    await chat.press("Hangzhou")


async def test_vague_answers_are_refused_then_corrected(
    chat: ChatDriver, app: App, tmp_path: Path
) -> None:
    await start_order(chat)
    assert "Step 2 of 17" in await chat.say("Model SC-2041 long silk scarf")

    refused = await chat.say("red")
    assert "“red” names a colour but not a shade" in refused
    assert "For example: PANTONE 18-1663 TCX" in refused
    assert "Step 2 of 17" in refused  # the same question again
    assert "Step 3 of 17" in await chat.say("pantone 18-1663 tcx")

    refused = await chat.say("51% cotton, 50% polyester")
    assert "The shares add up to 101%, not 100%." in refused
    assert "For example: 60% cotton, 40% polyester" in refused
    assert "Step 4 of 17" in await chat.say("60% cotton, 40% polyester")

    for line in SPEC_ANSWERS[3:13]:
        await answer(chat, line)
    refused = await chat.say("good quality")  # the customisation, as a "standard"
    assert "“good quality” cannot be measured" in refused
    assert "For example:" in refused
    shown = await chat.say("embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C")
    assert "Inspection." in shown
    for line in SPEC_ANSWERS[14:]:
        review = await answer(chat, line)
    assert "Colour</b>" not in review  # the terminal shows plain text
    assert "Colour: PANTONE 18-1663 TCX" in review
    assert "Material: 60% cotton, 40% polyester" in review
    assert "Customisation: embroidered logo 5 x 3 cm" in review
    assert (
        "Coverage: Post-delivery: the whole payment is covered, up to $10,000.00 "
        "(50% of the order)" in review
    )

    done = await chat.press("Confirm the specification")
    assert "Order #1 with Hangzhou Silkway Textiles is confirmed." in done
    assert "Status: Sent to the supplier: waiting for their acceptance." in done
    assert "Hangzhou Silkway Textiles is not on the bot yet" in done
    assert "document saved" in done

    order = await get_order(app, 1)
    assert order.status == OrderStatus.CONFIRMED
    assert set(order.spec) == {
        "design", "colour", "material", "size", "weight", "quantity", "packaging",
        "branding", "shipping", "customisation", "inspection", "coverage",
    }  # fmt: skip
    assert all("display" in value for value in order.spec.values())
    assert order.spec["colour"]["display"] == "PANTONE 18-1663 TCX"
    assert order.spec["material"]["components"] == [
        {"name": "cotton", "percent": "60"},
        {"name": "polyester", "percent": "40"},
    ]
    assert order.spec["quantity"]["value"] == "500"
    assert (order.shipping_mode, order.coverage_type, order.advance_amount) == (
        "sea",
        "post_delivery",
        None,
    )
    # The end of the deadline day where the buyer is (UTC for a new user).
    assert order.delivery_deadline == datetime(2027, 3, 1, 23, 59, 59, tzinfo=UTC)
    assert order.confirmed_at == app.clock.now()

    text = pdf_text(saved_files(tmp_path) / "order-1-specification.pdf")
    for expected in (
        "Order specification and purchase contract draft",
        "Hangzhou Silkway Textiles",
        "$20,000.00",
        "$10,000.00 (50% of the order)",
        "Not covered $10,000.00",
        "PANTONE 18-1663 TCX",
        "60% cotton, 40% polyester",
        "180 x 70 cm",
        "120 g",
        "500 pcs",
        "5-ply corrugated, BC flute, 44 ECT",
        "embroidered logo 5 x 3 cm",
        "Sea freight, to arrive by Mar 1, 2027",
        "Inspection before loading into containers, by SGS",
        "Citibank Singapore Limited",
        "within 30 days of confirming receipt",
        "60 days to open a dispute",
        "5 days to respond",
        "Signature",
    ):
        assert expected in text, expected


async def test_editing_an_answer_from_the_review_returns_to_the_review(
    chat: ChatDriver, app: App
) -> None:
    await start_order(chat)
    await answer_all(chat)
    shown = await chat.press("Edit Colour")
    assert "Colour." in shown and "Keep: PANTONE 18-1663 TCX" in chat.buttons()
    review = await chat.say("PANTONE 19-1664 TCX")
    assert "Review: Order #1" in review
    assert "Colour: PANTONE 19-1664 TCX" in review

    # An item of several questions asks each (keeping an answer is one press), then returns.
    await chat.press("Edit Packaging")
    await chat.press("Keep")  # the carton size
    await chat.say("7-ply corrugated, BC flute, 60 ECT")
    review = await chat.press("Minimal plastic")
    assert "Review: Order #1" in review
    assert (
        "Packaging: carton 60 x 40 x 40 cm; board: 7-ply corrugated, BC flute, 60 ECT; "
        "minimal plastic" in review
    )

    # Coverage: pre-delivery needs an advance below the order amount.
    await chat.press("Edit Coverage")
    asked = await chat.press("Pre-delivery")
    assert "Advance." in asked
    refused = await chat.say("20000 USD")
    assert "less than the order amount of $20,000.00" in refused
    refused = await chat.say("5000 EUR")
    assert "in the order's currency, USD" in refused
    review = await chat.say("5000")
    assert (
        "Coverage: Pre-delivery: the advance of $5,000.00 is covered, up to $5,000.00 (25%"
        in review
    )

    # The amount too; the coverage follows it, and an advance above it must be redone.
    await chat.press("Edit Amount")
    review = await chat.say("$8,000")
    assert "Amount: $8,000.00" in review
    assert "the advance of $5,000.00 is covered, up to $5,000.00 (62.5% of the order)" in review
    await chat.press("Edit Amount")
    review = await chat.say("4000 USD")
    assert "Your advance is no longer less than the order amount" in review
    assert "Coverage: not answered yet" in review
    assert "Confirm the specification" not in chat.buttons()
    asked = await chat.press("Answer the missing items")
    assert "Coverage." in asked and "Step 17 of 18" in asked
    review = await chat.press("Post-delivery")
    assert "Review: Order #1" in review
    assert "up to $4,000.00 (100% of the order)" in review
    assert "is confirmed" in await chat.press("Confirm the specification")

    order = await get_order(app, 1)
    assert (order.amount, order.coverage_type) == (Decimal("4000.00"), "post_delivery")
    assert order.spec["colour"]["code"] == "PANTONE 19-1664 TCX"
    assert order.spec["packaging"]["plastic"] == "minimal"


async def test_back_changes_the_previous_answer(chat: ChatDriver, app: App) -> None:
    await start_order(chat)
    await chat.say("Model SC-2041")
    await chat.say("PANTONE 18-1663 TCX")
    back = await chat.say("/back")
    assert "Step 2 of 17" in back and "Keep: PANTONE 18-1663 TCX" in chat.buttons()
    assert "Step 3 of 17" in await chat.say("PANTONE 11-0601 TCX")
    order = await get_order(app, 1)
    assert order.spec["colour"]["display"] == "PANTONE 11-0601 TCX"


async def test_leaving_and_coming_back_a_day_later_continues_where_it_stopped(
    chat: ChatDriver, app: App, clock: FrozenClock
) -> None:
    await start_order(chat)
    for line in SPEC_ANSWERS[:5]:
        await answer(chat, line)

    # A day later the conversation is still at the same question.
    clock.advance(timedelta(days=1))
    assert "Step 7 of 17" in await chat.press("No")

    # The buyer leaves for another command; the draft keeps every answer given.
    await chat.say("/help")
    await chat.say("/find steel 5000 USD")
    clock.advance(timedelta(days=1))
    listed = await chat.say("/orders")
    assert "Draft: not sent to the supplier yet" in listed
    detail = await chat.press("#1 Hangzhou")
    assert "5 of 12 items answered." in detail
    welcome = await chat.press("Continue the specification")
    assert "Welcome back to Order #1 with Hangzhou Silkway Textiles" in welcome
    assert "Next: Quantity." in welcome
    shown = await chat.press("Continue")
    assert "Step 6 of 17" in shown and "is the product a liquid?" in shown
    review = await answer_all(chat, SPEC_ANSWERS[5:])
    assert "Design: Model SC-2041 long silk scarf" in review
    assert "is confirmed" in await chat.press("Confirm the specification")


async def test_a_deadline_must_still_be_ahead_when_confirming(
    chat: ChatDriver, clock: FrozenClock
) -> None:
    await start_order(chat)
    for line in SPEC_ANSWERS[:12]:
        await answer(chat, line)
    refused = await chat.say("2026-11-01")
    assert "The deadline must be after today" in refused
    await chat.say("2026-12-20")
    for line in SPEC_ANSWERS[13:]:
        await answer(chat, line)
    clock.advance(timedelta(days=30))
    refused = await chat.press("Confirm the specification")
    assert "The delivery deadline has passed" in refused
    await chat.press("Edit Shipping")
    await chat.press("Sea freight")
    review = await chat.say("2027-02-01")
    assert "is confirmed" in await chat.press("Confirm the specification")
    assert review


async def test_design_and_branding_files_are_kept_as_evidence(
    chat: ChatDriver, app: App, tmp_path: Path
) -> None:
    design = tmp_path / "scarf-design.pdf"
    design.write_bytes(b"%PDF-1.4 design")
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG logo")
    await start_order(chat)
    shown = await chat.say(f"/file {design}")
    assert "Step 2 of 17" in shown
    for line in SPEC_ANSWERS[1:10]:
        await answer(chat, line)
    added = await chat.say(f"/file {logo}")
    assert "Added logo.png" in added
    await chat.press("Done")
    review = await answer_all(chat, SPEC_ANSWERS[11:])
    assert "Design: Design file: scarf-design.pdf" in review
    assert "Branding: Logo and label files: logo.png" in review
    async with app.sessions() as session:
        files = (await session.scalars(select(Evidence).order_by(Evidence.id))).all()
        assert [(f.item, f.file_name, f.order_id) for f in files] == [
            ("design", "scarf-design.pdf", 1),
            ("branding", "logo.png", 1),
        ]


async def test_order_alone_asks_amount_and_searches_inline(chat: ChatDriver, app: App) -> None:
    assert "How much is the order" in await chat.say("/order")
    assert "Which supplier?" in await chat.say("12000 USD")
    shown = await chat.say("scarf")
    assert "Hangzhou Silkway Textiles" in shown
    started = await chat.press("Shaoxing")
    assert "Draft order #1 with Shaoxing Bright Weaving for $12,000.00" in started
    assert "Step 1 of 17" in started
    order = await get_order(app, 1)
    assert order.status == OrderStatus.DRAFT


async def test_another_buyers_draft_cannot_be_continued(app: App) -> None:
    alice, bob = ChatDriver(app), ChatDriver(app)
    await alice.say("/as buyer alice")
    await bob.say("/as buyer bob")
    await alice.say("/find scarf 20000 USD")
    await alice.press("Hangzhou")
    assert "Order not found" in await bob.say("/order draft:1")
    assert "Order not found" in await bob.say("/order 1")
    assert "#1 not found" in await bob.say("/orders 1")


async def test_liquids_by_volume_no_inspection_and_an_advance(chat: ChatDriver, app: App) -> None:
    await chat.say("/find sunflower oil 40000 USD")
    await chat.press("Qingdao")
    for line in SPEC_ANSWERS[:5]:
        await answer(chat, line)
    await chat.press("No")
    refused = await chat.say("30 L")
    assert "Volume is used for liquids only" in refused
    await chat.say("/back")
    await chat.press("Yes, a liquid")
    assert "Step 8 of 17" in await chat.say("30 L of sunflower oil")
    for line in SPEC_ANSWERS[7:14]:
        await answer(chat, line)
    shown = await chat.press("No third-party inspection")
    assert "a claim that the goods are of poor quality is weaker" in shown
    assert "Coverage." in shown and "Step 16 of 16" in shown  # no provider question
    asked = await chat.press("Pre-delivery")
    assert "Step 17 of 17" in asked
    review = await chat.say("10000")
    assert "Quantity: 30 L sunflower oil" in review
    assert "Inspection: No third-party inspection" in review
    assert "the advance of $10,000.00 is covered, up to $10,000.00 (25% of the order)" in review

    await chat.press("Edit Inspection")
    await chat.press("during production")
    await chat.press("Other")
    review = await chat.say("Bureau Veritas")
    assert "Inspection: Inspection during production, by Bureau Veritas" in review
    await chat.press("Confirm the specification")

    order = await get_order(app, 1)
    assert order.spec["quantity"]["liquid"] is True
    assert (order.spec["quantity"]["kind"], order.spec["quantity"]["base_unit"]) == ("volume", "L")
    assert order.spec["inspection"]["provider"] == "other"
    assert (order.coverage_type, order.advance_amount) == ("pre_delivery", Decimal("10000.00"))
