"""A pt-BR and a zh contract say every value in the reader's language, with every glyph.

The specification is answered in English (its stored ``display`` sentences are English),
then the contract is rendered for a Brazilian and a Chinese reader, read back with
pdftotext, its fonts listed with pdffonts and its first page drawn to PNG with pdftoppm.
CI installs the fonts (.ci/fonts.sh); without them this test fails, which is the point:
a Chinese contract without a CJK font is not a contract.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image

from bot.flows import order_sheet
from bot.flows.order_items import (
    coverage_label,
    plastic_label,
    provider_label,
    shipping_label,
    timing_label,
    unit_label,
)
from bot.flows.order_text import verification_label
from bot.i18n import _, use_locale
from bot.services.spec_sheet import cjk_font, unicode_font
from policy import (
    CoverageType,
    InspectionProvider,
    InspectionTiming,
    Money,
    ShippingMode,
    load_rules,
)
from policy.coverage import assess_coverage
from storage.models import Order, OrderStatus, Supplier, User, Verification

NOW = datetime(2026, 10, 1, 9, tzinfo=UTC)
PROPER_NAMES = {"SGS", "Intertek", "Asia Inspection (QIMA)"}


def english_values() -> set[str]:
    """Every value the bot words itself, in English."""
    with use_locale("en"):
        labels = {shipping_label(m) for m in ShippingMode}
        labels |= {timing_label(t) for t in InspectionTiming}
        labels |= {provider_label(p) for p in InspectionProvider}
        labels |= {coverage_label(c) for c in CoverageType}
        labels |= {plastic_label(p) for p in ("none", "minimal", "allowed")}
        labels |= {unit_label(u) for u in ("pcs", "sets", "pairs")}
        labels |= {verification_label(v) for v in Verification}
        labels |= {_("No branding"), _("None"), _("Pre-delivery"), _("Post-delivery")}
        labels |= {"to arrive by", "the advance of", "is covered", "of the order"}
    return labels - PROPER_NAMES


def english_spec() -> dict:
    from bot.flows.order_items import compose

    data = {
        "design": {"display": "Model A-12", "kind": "variant", "custom": False},
        "colour": {"display": "PANTONE 186 C", "code": "PANTONE 186 C", "system": "pantone"},
        "material": {"display": "100% cotton", "components": [], "contents": []},
        "size": {"display": "180 x 70 cm", "parts": []},
        "weight": {"display": "1.5 kg", "value": "1.5", "unit": "kg"},
        "liquid": False,
        "quantity": {"display": "1200 pcs", "kind": "count", "value": "1200", "unit": "pcs"},
        "carton": {"display": "60 x 40 x 40 cm"},
        "board": "5-ply",
        "plastic": "none",
        "branding": {"display": "No branding", "files": []},
        "customisation": {"display": "None", "none": True},
        "shipping_mode": "sea",
        "deadline": "2026-11-05",
        "inspection_timing": "before_loading",
        "inspection_provider": {"provider": "platform", "name": None},
        "coverage_type": "pre_delivery",
        "advance": {"amount": "6000", "currency": "USD"},
        "incoterm": "FOB",
        "incoterm_place": "Ningbo, China",
        "destination": "Santos, Brasil",
        "tolerance": "5",
        "aql_level": "II",
        "buyer_party": "Loja Azul Ltda, São Paulo",
        "supplier_party": "宁波纺织有限公司, 宁波",
    }
    amount, limit = Money(Decimal(20000), "USD"), Money(Decimal(10000), "USD")
    with use_locale("en"):
        return compose(
            data,
            amount,
            lambda kind, advance: assess_coverage(amount, limit, kind, advance),
            "UTC",
        )


def objects() -> tuple[Order, Supplier, User]:
    buyer = User(id=7, display_name="Comprador 李", locale="pt_BR", country="BR")
    supplier = Supplier(
        id=3,
        name="Ningbo Textiles",
        country="CN",
        assurance_limit=Decimal(10000),
        currency="USD",
        verification=Verification.GOLD,
    )
    order = Order(
        id=42,
        buyer_id=7,
        supplier_id=3,
        status=OrderStatus.CONFIRMED,
        amount=Decimal(20000),
        currency="USD",
        spec=english_spec(),
        shipping_mode="sea",
        coverage_type="pre_delivery",
    )
    return order, supplier, buyer


def load(font_path: Path, index: int) -> TTFont:
    if font_path.suffix == ".ttc":
        return TTCollection(str(font_path)).fonts[index]
    return TTFont(str(font_path))


def covers(font_path: Path, index: int, characters: set[str]) -> set[str]:
    cmap = load(font_path, index).getBestCmap()
    return {ch for ch in characters if ord(ch) in cmap}


@pytest.mark.parametrize(
    ("locale", "money", "date"),
    [
        ("pt_BR", "US$\xa020.000,00", "5 de nov. de 2026"),
        ("zh_Hans", "US$20,000.00", "2026年11月5日"),
    ],
)
def test_a_localised_contract_has_no_english_value_and_no_missing_glyph(
    tmp_path: Path, locale: str, money: str, date: str
) -> None:
    assert unicode_font() is not None and cjk_font() is not None, "run .ci/fonts.sh first"
    order, supplier, buyer = objects()
    with use_locale(locale):
        document = order_sheet.build(order, supplier, buyer, load_rules(), NOW)
        sea, platform = shipping_label("sea"), provider_label("platform")
    assert not document.incomplete
    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(document.content)

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    with use_locale("en"):
        heading = _("English version (authoritative)")
    # Bilingual: the reader's language, then English (which prevails) on its own pages.
    flat, english_part = re.sub(r"\s+", " ", text).split(heading)
    for english in english_values():
        assert not re.search(rf"(?<!\w){re.escape(english)}(?!\w)", flat), english
    assert "Sea freight" in english_part and "FOB Ningbo, China" in english_part
    assert "FOB Ningbo, China" in flat and "Loja Azul Ltda" in flat
    assert sea in flat and platform in flat
    assert money.replace("\xa0", " ") in flat.replace("\xa0", " ")
    assert date in flat.replace(" ", "") or date in flat

    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts  # every font embedded
    if locale.startswith("zh"):
        path, index = cjk_font()  # type: ignore[misc]
        cjk_name = load(path, index)["name"].getDebugName(6)
        assert cjk_name and any(cjk_name in line for line in fonts), fonts

    # No missing glyph: every printed character is in the main font or the CJK fallback.
    printed = {ch for ch in text if not ch.isspace()}
    main = unicode_font()[0]  # type: ignore[index]
    path, index = cjk_font()  # type: ignore[misc]
    lacking = printed - covers(main, 0, printed) - covers(path, index, printed)
    assert not lacking, lacking
    assert "\ufffd" not in text

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    (png,) = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        grey = image.convert("L")
        dark = sum(1 for value in grey.getdata() if value < 128)
    assert dark > 2000  # the page has text on it, not blank boxes only


def test_without_a_cjk_font_the_reader_is_told_with_the_pdf(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.services import spec_sheet

    order, supplier, buyer = objects()
    with use_locale("zh_Hans"):
        complete = order_sheet.build(order, supplier, buyer, load_rules(), NOW)
        told = order_sheet.caption(order, complete)
        monkeypatch.setattr(spec_sheet, "cjk_font", lambda: None)  # as on a bare machine
        lacking = order_sheet.build(order, supplier, buyer, load_rules(), NOW)
        warned = order_sheet.caption(order, lacking)
    assert not complete.incomplete and lacking.incomplete
    assert warned.startswith(told) and len(warned) > len(told)
    assert "README" in warned and "服务器" in warned  # in the reader's language
