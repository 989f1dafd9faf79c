"""A buyer's specification answers: precise ones are normalised, vague ones refused (ch3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policy import (
    CoverageType,
    InspectionProvider,
    InspectionTiming,
    QuantityKind,
    ShippingMode,
    SpecError,
    detect_vague,
    parse_coverage_type,
    parse_deadline,
    parse_dimensions,
    parse_inspection_provider,
    parse_inspection_timing,
    parse_material,
    parse_pantone,
    parse_quantity,
    parse_shipping_mode,
    parse_weight,
    require_precise,
)
from policy.codes import SPEC_ERRORS

TODAY = date(2026, 6, 1)


def refused(parse, *args) -> SpecError:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as caught:
        parse(*args)
    error = caught.value
    assert error.code in SPEC_ERRORS
    assert error.example, "every refusal carries a precise example"
    return error


# -- colour ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PANTONE 18-1663 TCX", "PANTONE 18-1663 TCX"),
        ("18-1663 TPX", "PANTONE 18-1663 TPX"),
        ("11-0601 TCX", "PANTONE 11-0601 TCX"),
        ("pantone 18 - 1663 tcx", "PANTONE 18-1663 TCX"),
        ("186 C", "PANTONE 186 C"),
        ("Pantone 186 C", "PANTONE 186 C"),
        ("PMS 186 C", "PANTONE 186 C"),
        ("pms 186c", "PANTONE 186 C"),
        ("7621 U", "PANTONE 7621 U"),
        ("Pantone Warm Red C", "PANTONE Warm Red C"),
        ("Pantone Cool Gray 11 C", "PANTONE Cool Gray 11 C"),
        ("PANTONE 18-1663 TCX (Fiery Red)", "PANTONE 18-1663 TCX"),
    ],
)
def test_pantone_codes_are_normalised(text: str, code: str) -> None:
    assert parse_pantone(text).code == code


@pytest.mark.parametrize("text", ["red", "dark red", "crimson", "navy blue", "Bright RED please"])
def test_colour_words_are_refused(text: str) -> None:
    error = refused(parse_pantone, text)
    assert error.code == "colour_word"
    assert error.example == "PANTONE 18-1663 TCX"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("186", "pantone_suffix"),
        ("#FF0000", "pantone_format"),
        ("RAL 3020", "pantone_format"),
        ("", "pantone_format"),
    ],
)
def test_other_colour_answers_are_refused(text: str, code: str) -> None:
    assert refused(parse_pantone, text).code == code


# -- material ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("60% cotton, 40% polyester", "60% cotton, 40% polyester"),
        ("100% cotton", "100% cotton"),
        ("cotton 60%, polyester 40%", "60% cotton, 40% polyester"),
        ("Cotton: 60% / Polyester: 40%", "60% cotton, 40% polyester"),
        ("95% cotton and 5% elastane", "95% cotton, 5% elastane"),
        ("33.3% wool, 33.3% silk, 33.4% PET", "33.3% wool, 33.3% silk, 33.4% PET"),
        ("0.60% carbon-content steel rod", "100% steel rod (0.60% carbon)"),
        ("steel rod, 0.60% carbon", "100% steel rod (0.60% carbon)"),
    ],
)
def test_material_compositions_are_normalised(text: str, normal: str) -> None:
    assert parse_material(text).text == normal


def test_a_composition_of_101_percent_is_refused_with_the_total() -> None:
    error = refused(parse_material, "51% cotton, 50% polyester")
    assert error.code == "material_sum"
    assert error.params["total"] == Decimal(101)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cotton", "material_percent"),
        ("60% cotton, polyester", "material_percent"),
        ("60% cotton, 40% cotton", "material_duplicate"),
        ("0% cotton, 100% silk", "material_percent_range"),
        ("", "material_empty"),
    ],
)
def test_imprecise_materials_are_refused(text: str, code: str) -> None:
    assert refused(parse_material, text).code == code


# -- dimensions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal", "metric"),
    [
        ("30 x 20 x 10 cm", "30 x 20 x 10 cm", ("30", "20", "10")),
        ("30x20x10cm", "30 x 20 x 10 cm", ("30", "20", "10")),
        ("30 cm × 20 cm × 10 cm", "30 x 20 x 10 cm", ("30", "20", "10")),
        ("Ø 60 cm x 90 cm", "diameter 60 cm, 90 cm", ("60", "90")),
        ("height 90 cm, diameter 60 cm", "height 90 cm, diameter 60 cm", ("90", "60")),
        ("12 in x 8 in", "12 x 8 in", ("30.48", "20.32")),
        ('12" x 8"', "12 x 8 in", ("30.48", "20.32")),
        ("1,5 m x 2 m", "1.5 x 2 m", ("150", "200")),
        ("L 30 x W 20 x H 10 cm", "length 30 cm, width 20 cm, height 10 cm", ("30", "20", "10")),
        (
            "height 90 cm, diameter 60 cm, volume 200 L",
            "height 90 cm, diameter 60 cm, volume 200 L",
            ("90", "60", "200"),
        ),
    ],
)
def test_dimensions_keep_their_unit_and_get_a_metric_value(
    text: str, normal: str, metric: tuple[str, ...]
) -> None:
    parsed = parse_dimensions(text)
    assert parsed.text == normal
    assert parsed.metric == tuple(Decimal(m) for m in metric)
    assert all(isinstance(p.measure.value, Decimal) for p in parsed.parts)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("30 x 20 x 10", "dimension_unit"),
        ("30 kg x 20 kg", "dimension_not_length"),
        ("0 x 20 cm", "not_positive"),
        ("30 x 20 parsecs", "unit_unknown"),
        ("big", "dimension_format"),
    ],
)
def test_dimensions_without_a_length_unit_are_refused(text: str, code: str) -> None:
    assert refused(parse_dimensions, text).code == code


# -- weight ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "kg"),
    [
        ("250 g", "250", "g", "0.25"),
        ("1.5 kg", "1.5", "kg", "1.5"),
        ("1,5 kg", "1.5", "kg", "1.5"),
        ("3 lb", "3", "lb", "1.36077711"),
        ("12 oz", "12", "oz", "0.3401942775"),
        ("net weight: 250g each", "250", "g", "0.25"),
    ],
)
def test_weights_need_a_unit_of_mass(text: str, value: str, unit: str, kg: str) -> None:
    weight = parse_weight(text)
    assert (weight.value, weight.unit, weight.base_value, weight.base_unit) == (
        Decimal(value),
        unit,
        Decimal(kg),
        "kg",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("250", "weight_unit"),
        ("30 cm", "weight_not_mass"),
        ("2 L", "weight_not_mass"),
        ("0 g", "not_positive"),
        ("-5 kg", "not_positive"),
        ("1,500 kg", "number_ambiguous"),
        ("2 tons", "unit_ambiguous"),
        ("heavy", "weight_format"),
    ],
)
def test_weights_without_a_mass_unit_are_refused(text: str, code: str) -> None:
    assert refused(parse_weight, text).code == code


# -- quantity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "liquid", "kind", "base", "unit"),
    [
        ("100 pcs", False, QuantityKind.COUNT, "100", "pcs"),
        ("250 units", False, QuantityKind.COUNT, "250", "pcs"),
        ("100", False, QuantityKind.COUNT, "100", "pcs"),
        ("1,000 pcs", False, QuantityKind.COUNT, "1000", "pcs"),
        ("100 t-shirts", False, QuantityKind.COUNT, "100", "pcs"),
        ("10 kg", False, QuantityKind.MASS, "10", "kg"),
        ("2 t", False, QuantityKind.MASS, "2000", "kg"),
        ("30 L", True, QuantityKind.VOLUME, "30", "L"),
        ("500 ml", True, QuantityKind.VOLUME, "0.5", "L"),
        ("5 gal", True, QuantityKind.VOLUME, "18.92705892", "L"),
    ],
)
def test_quantities(text: str, liquid: bool, kind: QuantityKind, base: str, unit: str) -> None:
    quantity = parse_quantity(text, liquid)
    assert (quantity.kind, quantity.base_value, quantity.base_unit) == (kind, Decimal(base), unit)


@pytest.mark.parametrize(
    ("text", "liquid", "code"),
    [
        ("30 L", False, "volume_not_liquid"),
        ("0 pcs", False, "not_positive"),
        ("-3 pcs", False, "not_positive"),
        ("2.5 pcs", False, "count_not_integer"),
        ("5 m", False, "quantity_unit"),
        ("many", False, "quantity_format"),
    ],
)
def test_bad_quantities_are_refused(text: str, liquid: bool, code: str) -> None:
    assert refused(parse_quantity, text, liquid).code == code


# -- choices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("air", ShippingMode.AIR),
        ("Ocean freight", ShippingMode.SEA),
        ("train", ShippingMode.RAIL),
        ("truck", ShippingMode.LAND),
        ("road", ShippingMode.LAND),
        ("courier", ShippingMode.EXPRESS),
        ("DHL", ShippingMode.EXPRESS),
        ("post", ShippingMode.POST),
    ],
)
def test_shipping_modes_and_synonyms(text: str, mode: ShippingMode) -> None:
    assert parse_shipping_mode(text) is mode


def test_an_unclear_shipping_mode_is_refused() -> None:
    assert refused(parse_shipping_mode, "ship by air").code == "shipping_mode"


def test_inspection_and_coverage_choices() -> None:
    assert parse_inspection_timing("during production") is InspectionTiming.DURING_PRODUCTION
    assert parse_inspection_timing("pre-shipment") is InspectionTiming.BEFORE_LOADING
    assert parse_inspection_timing("none") is InspectionTiming.NONE
    assert parse_inspection_provider("QIMA") is InspectionProvider.ASIA_INSPECTION
    assert parse_inspection_provider("Asia Inspection") is InspectionProvider.ASIA_INSPECTION
    assert parse_inspection_provider("SGS") is InspectionProvider.SGS
    assert parse_inspection_provider("Alibaba inspection service") is InspectionProvider.PLATFORM
    assert parse_inspection_provider("Bureau Veritas") is InspectionProvider.OTHER
    assert parse_coverage_type("pre-delivery") is CoverageType.PRE_DELIVERY
    assert parse_coverage_type("post-delivery") is CoverageType.POST_DELIVERY


# -- deadline ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-31",
        "31.12.2026",
        "31/12/2026",
        "12/31/2026",
        "Dec 31 2026",
        "31 December 2026",
        "December 31, 2026",
        "31st Dec 2026",
    ],
)
def test_deadline_forms(text: str) -> None:
    assert parse_deadline(text, TODAY) == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-06-01", "deadline_past"),  # today is not in the future
        ("2025-12-31", "deadline_past"),
        ("03/04/2027", "deadline_ambiguous"),
        ("31.02.2027", "deadline_invalid"),
        ("next month", "deadline_format"),
    ],
)
def test_deadlines_that_cannot_bind_are_refused(text: str, code: str) -> None:
    error = refused(parse_deadline, text, TODAY)
    assert error.code == code
    assert parse_deadline(error.example, TODAY) > TODAY  # the example itself is valid


# -- vague words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "good quality",
        "High quality cotton",
        "well-made",
        "nice",
        "premium leather",
        "best",
        "durable",
        "sturdy box",
    ],
)
def test_vague_quality_words_are_refused(text: str) -> None:
    error = detect_vague(text)
    assert error is not None and error.code == "vague" and error.example
    with pytest.raises(SpecError):
        require_precise(text)


@pytest.mark.parametrize(
    "text",
    [
        "AQL 2.5, 180 g/m²",
        "durable: 10,000 open-close cycles",
        "goods packed in 5-ply cartons",
        "best before 2027-01-01",
    ],
)
def test_precise_answers_pass(text: str) -> None:
    assert detect_vague(text) is None
    assert require_precise(text) == text
