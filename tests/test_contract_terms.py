"""Contract terms: Incoterms 2020 and ISO 2859-1 as data, asked from the review, and printed
on the PDF in the reader's language and in English (the authoritative version)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.app import App
from policy import CoverageType, Money, ShippingMode
from policy.terms import incoterms_for, payment_schedule, sampling, tables, unit_price
from tests.buyer_helpers import answer_all, files_in_tmp, get_order, pdf_text, saved_files  # noqa: F401
from tests.conftest import ChatDriver


def test_the_eleven_incoterms_2020_and_the_sea_only_four() -> None:
    assert len(tables().incoterms) == 11
    assert {r.code for r in incoterms_for(ShippingMode.SEA)} == set(tables().incoterms)
    air = {r.code for r in incoterms_for(ShippingMode.AIR)}
    assert air == {"EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP"}


@pytest.mark.parametrize(
    ("level", "lot", "letter", "size"),
    [("II", 1200, "J", 80), ("II", 1201, "K", 125), ("I", 500, "F", 20), ("III", 10, "C", 5)],
)
def test_iso_2859_1_code_letters_and_sample_sizes(
    level: str, lot: int, letter: str, size: int
) -> None:
    plan = sampling(level, lot)
    assert (plan.code_letter, plan.sample_size) == (letter, size)


def test_the_payment_schedule_follows_the_coverage_type() -> None:
    total, advance = Money(Decimal(20000), "USD"), Money(Decimal(6000), "USD")
    pre = payment_schedule(total, CoverageType.PRE_DELIVERY, advance)
    assert [(i.kind, i.amount) for i in pre] == [
        ("advance", advance),
        ("balance", Money(Decimal(14000), "USD")),
    ]
    post = payment_schedule(total, CoverageType.POST_DELIVERY, None)
    assert [(i.kind, i.amount) for i in post] == [("full", total)]
    assert unit_price(total, Decimal(1200)) == Money(Decimal("16.66"), "USD")


async def test_terms_are_asked_from_the_review_and_printed_in_both_languages(
    chat: ChatDriver, app: App, tmp_path
) -> None:
    await chat.say("/find scarf 20000 USD")
    await chat.press("Hangzhou")
    review = await answer_all(chat)
    assert "Delivery rule (Incoterms 2020): to be agreed" in review  # listed before any answer
    assert "Supplier's legal name and address: to be agreed" in review
    assert "Contract terms: Incoterms, tolerance, inspection, parties" in chat.buttons()[-1]
    asked = await chat.press("Contract terms: Incoterms, tolerance, inspection, parties")
    assert "Incoterms 2020" in asked and "FOB · Free On Board" in chat.buttons()  # sea freight
    assert "named port of shipment" in await chat.press("FOB · Free On Board")
    assert "Destination." in await chat.say("Ningbo, China")
    assert "Quantity tolerance." in await chat.say("Rua Augusta 100, São Paulo, Brazil")
    assert "from 0 to 20" in await chat.say("35")  # refused, asked again
    assert "ISO 2859-1" in await chat.press("±5%")
    assert "Buyer." in await chat.press("II (the usual level)")
    assert "Supplier." in await chat.say("Loja Azul Ltda, Rua Augusta 100, São Paulo")
    back = await chat.say("Hangzhou Silkway Textiles Co., Ltd., 8 Silk Road, Hangzhou")
    assert "Review" in back and review
    for shown in (
        "Delivery rule (Incoterms 2020): FOB Ningbo, China",
        "Destination: Rua Augusta 100, São Paulo, Brazil",
        "Quantity tolerance: ±5%",
        "Inspection level (ISO 2859-1): II (the usual level)",
        "Buyer's legal name and address: Loja Azul Ltda, Rua Augusta 100, São Paulo",
        "Supplier's legal name and address: Hangzhou Silkway Textiles Co., Ltd., 8 Silk Road",
    ):
        assert shown in back, back
    await chat.press("Confirm the specification")
    order = await get_order(app, 1)
    assert order.spec["terms"]["incoterm"] == "FOB"
    assert order.spec["terms"]["tolerance"] == "5"
    text = pdf_text(next(saved_files(tmp_path).glob("*.pdf")))
    assert "FOB Ningbo, China" in text
    assert "general inspection level II" in text and "50 pieces sampled" in text
    assert "Loja Azul Ltda" in text and "±5%" in text
    # The legal names head the contract, in its Parties section, before any term.
    parties = text[text.index("Parties") : text.index("Contract terms")]
    assert "Loja Azul Ltda, Rua Augusta 100" in parties
    assert "Hangzhou Silkway Textiles Co., Ltd." in parties
