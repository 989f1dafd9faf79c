"""One validation layer for typed answers: sanity bounds per figure, deadlines within a
plausible horizon, materials as a list with or without separators, and no exception
other than a ``SpecError`` for any string whatever (property tests)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy import (
    SpecError,
    parse_deadline,
    parse_dimensions,
    parse_material,
    parse_pantone,
    parse_quantity,
    parse_weight,
)
from policy.answers import (
    check_board,
    check_customisation,
    check_decision_reason,
    check_design,
    check_inspector,
    check_received,
)
from policy.bounds import BOUNDS, check_weight_for_size
from policy.codes import SPEC_ERRORS
from policy.dates import MAX_DEADLINE_DAYS

TODAY = date(2026, 12, 6)


def code_of(parse, text: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecError) as caught:
        parse(text)
    assert caught.value.code in SPEC_ERRORS
    assert caught.value.example
    return caught.value.code


# -- materials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("60% cotton 40% polyester", "60% cotton, 40% polyester"),
        ("cotton 60% polyester 40%", "60% cotton, 40% polyester"),
        ("95% cotton 5% elastane", "95% cotton, 5% elastane"),
        ("50.5% cotton 49.5% PET", "50.5% cotton, 49.5% PET"),
        ("60 % cotton 40 % polyester", "60% cotton, 40% polyester"),
        ("70% wool, 20% silk 10% cashmere", "70% wool, 20% silk, 10% cashmere"),
        ("0.60% carbon-content steel rod", "100% steel rod (0.60% carbon)"),
    ],
)
def test_materials_are_a_list_with_or_without_separators(text: str, normalised: str) -> None:
    assert parse_material(text).text == normalised


def test_shares_without_separators_are_summed_as_typed() -> None:
    with pytest.raises(SpecError) as caught:
        parse_material("100% cotton 50% poly")
    assert caught.value.code == "material_sum"
    assert caught.value.params["total"] == Decimal(150)


# -- deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9999-12-31", "2099-01-01", "31.12.2040"])
def test_a_deadline_beyond_the_horizon_is_refused(text: str) -> None:
    assert code_of(lambda t: parse_deadline(t, TODAY), text) == "deadline_too_far"


def test_the_last_plausible_day_is_accepted_and_the_next_refused() -> None:
    last = TODAY + timedelta(days=MAX_DEADLINE_DAYS)
    assert parse_deadline(last.isoformat(), TODAY) == last
    later = (last + timedelta(days=1)).isoformat()
    assert code_of(lambda t: parse_deadline(t, TODAY), later) == "deadline_too_far"


# -- bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "text", "code"),
    [
        (parse_weight, "99999999 kg", "weight_range"),
        (parse_weight, "60 t", "weight_range"),
        (parse_weight, "0.0001 mg", "weight_range"),
        (parse_quantity, "1000000000000 pcs", "count_range"),
        (parse_quantity, "200000 t", "mass_range"),
        (lambda t: parse_quantity(t, liquid=True), "200000000 L", "volume_range"),
        (parse_dimensions, "30 x 20 x 100000 cm", "size_range"),
        (lambda t: parse_dimensions(t, "carton"), "600 x 40 x 40 cm", "carton_range"),
    ],
)
def test_figures_beyond_their_plausible_range_are_refused(parse, text: str, code: str) -> None:  # type: ignore[no-untyped-def]
    assert code_of(parse, text) == code


def test_the_extremes_of_the_trade_still_pass() -> None:
    assert parse_weight("40 t").base_value == Decimal(40000)
    assert parse_quantity("10,000,000 pcs").value == Decimal(10_000_000)
    assert parse_quantity("50000 t").base_value == Decimal(50_000_000)
    assert parse_dimensions("100 m").metric == (Decimal(10000),)
    assert parse_dimensions("120 x 80 x 100 cm", "carton").metric[0] == Decimal(120)


def test_a_weight_its_size_cannot_hold_is_refused() -> None:
    box = (Decimal(30), Decimal(20), Decimal(10))  # 6 litres: at most ~136 kg of osmium
    check_weight_for_size(Decimal(100), box, "100 kg")
    with pytest.raises(SpecError) as caught:
        check_weight_for_size(Decimal(200), box, "200 kg")
    assert caught.value.code == "weight_for_size"
    check_weight_for_size(Decimal(200), box[:2], "200 kg")  # flat: nothing to compare


# -- properties: any string, no exception but SpecError, and bounds hold -------------------

_SHAPES = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"-?\d{1,20}([.,]\d{1,8})? ?(kg|g|mg|t|lb|oz|pcs|sets|L|ml|m3|cm|mm|m|in)?"),
    st.from_regex(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,5}"),
    st.from_regex(r"(\d{1,3}(\.\d)? ?% ?[a-z]{1,8},? ?){1,4}"),
)
_PARSERS = {
    "weight": parse_weight,
    "quantity": parse_quantity,
    "liquid": lambda t: parse_quantity(t, liquid=True),
    "size": parse_dimensions,
    "carton": lambda t: parse_dimensions(t, "carton"),
    "material": parse_material,
    "colour": parse_pantone,
    "deadline": lambda t: parse_deadline(t, TODAY),
    "design": check_design,
    "customisation": check_customisation,
    "board": check_board,
    "inspector": check_inspector,
    "received": check_received,
    "reason": check_decision_reason,
}


@settings(max_examples=300, deadline=None)
@given(text=_SHAPES, which=st.sampled_from(sorted(_PARSERS)))
def test_no_string_raises_anything_but_a_spec_error(text: str, which: str) -> None:
    try:
        value = _PARSERS[which](text)
    except SpecError as error:
        assert error.code in SPEC_ERRORS
        return
    if which == "weight":
        assert BOUNDS["piece_weight"].low <= value.base_value <= BOUNDS["piece_weight"].high
    elif which in ("quantity", "liquid"):
        kind = {"count": "count", "mass": "mass_quantity", "volume": "volume_quantity"}
        bound = BOUNDS[kind[value.kind.value]]  # type: ignore[index]
        assert bound.low <= value.base_value <= bound.high
    elif which in ("size", "carton"):
        bound = BOUNDS[which]  # type: ignore[index]
        lengths = [p.measure.base_value for p in value.parts if p.measure.kind == "length"]
        assert all(bound.low <= v <= bound.high for v in lengths)
    elif which == "material":
        assert sum(c.percent for c in value.components) == 100
    elif which == "deadline":
        assert TODAY < value <= TODAY + timedelta(days=MAX_DEADLINE_DAYS)
