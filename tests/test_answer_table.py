"""What buyers really type at each specification step, with the verdict a contract needs.

Each row is run through the same policy function the step calls (``bot/flows/
order_steps.py``, ``order_terms.py``, ``dispute.py``, ``team.py``): accepted answers
read back as the normalised value the contract prints; refused ones carry a code the bot
words in every language (``KNOWN_ERROR_CODES``) and a precise example to type instead.
When a row here fails because a parser is wrong, the parser is fixed, not the row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

import pytest

from bot.flows.policy_text import KNOWN_ERROR_CODES, explain_spec_error
from bot.i18n import use_locale
from policy import (
    PolicyError,
    parse_colours,
    parse_coverage_type,
    parse_deadline,
    parse_dimensions,
    parse_inspection_company,
    parse_inspection_timing,
    parse_material,
    parse_quantity,
    parse_shipping_mode,
    parse_weight,
)
from policy.answers import (
    check_board,
    check_customisation,
    check_decision_reason,
    check_design,
    check_info_answer,
    check_info_question,
    check_party,
    check_place,
    check_received,
)
from policy.colour_parts import ColourPart
from policy.terms import parse_tolerance

TODAY = date(2026, 12, 7)

# The step's name -> the function its answer goes through, as the flow calls it.
STEPS: dict[str, Callable[[str], Any]] = {
    "design": check_design,
    "colour": parse_colours,
    "material": parse_material,
    "size": parse_dimensions,
    "weight": parse_weight,
    "quantity": lambda t: parse_quantity(t, liquid=False),
    "quantity (liquid)": lambda t: parse_quantity(t, liquid=True),
    "carton": lambda t: parse_dimensions(t, "carton"),
    "board": check_board,
    "shipping": parse_shipping_mode,
    "deadline": lambda t: parse_deadline(t, TODAY),
    "customisation": check_customisation,
    "inspection": parse_inspection_timing,
    "inspector": parse_inspection_company,
    "coverage": parse_coverage_type,
    "incoterm place": check_place,
    "destination": check_place,
    "tolerance": parse_tolerance,
    "party": check_party,
    "received": check_received,
    "team reason": check_decision_reason,
    "team question": check_info_question,
    "answer to the team": check_info_answer,
}

OK = "accepted"
SGS_REASON = (
    "The SGS report of 3 May shows 120 of 500 scarves in PANTONE 19-4052 TCX instead of "
    "18-1663 TCX; 24% of the order is refunded."
)

# (step, what the buyer typed, "accepted" or the refusal's code, the value as read back)
TABLE: list[tuple[str, str, str, str | None]] = [
    # design: a model or variant the supplier lists
    (
        "design",
        "model SC-180 silk scarf, paisley print",
        OK,
        "model SC-180 silk scarf, paisley print",
    ),
    ("design", "x", "design_vague", None),
    ("design", "same as before", "design_vague", None),
    ("design", "good quality", "vague", None),
    ("design", "red", "design_vague", None),
    ("design", "navy blue", "design_vague", None),
    ("design", "Variant B, 180 x 70 cm, as on the listing", OK, None),
    # colour: Pantone codes, one per part when several
    ("colour", "PANTONE 18-1663 TCX", OK, "PANTONE 18-1663 TCX"),
    ("colour", "186 C", OK, "PANTONE 186 C"),
    ("colour", "pms 186c", OK, "PANTONE 186 C"),
    ("colour", "body PMS 186 C, trim PMS 2935 C", OK, "body PANTONE 186 C; trim PANTONE 2935 C"),
    ("colour", "body PMS 186 C\ntrim PMS 2935 C", OK, "body PANTONE 186 C; trim PANTONE 2935 C"),
    ("colour", "186 C (body), 2935 C (trim)", OK, "body PANTONE 186 C; trim PANTONE 2935 C"),
    ("colour", "PANTONE 19-4052 TCX (Classic Blue)", OK, "PANTONE 19-4052 TCX"),
    (
        "colour",
        "PMS 186 C for the body and PMS 2935 C for the trim",
        OK,
        "body PANTONE 186 C; trim PANTONE 2935 C",
    ),
    ("colour", "186 C, 2935 C", "colour_part_missing", None),
    ("colour", "body 186 C, body 2935 C", "colour_part_twice", None),
    ("colour", "186", "pantone_suffix", None),
    ("colour", "red", "colour_word", None),
    ("colour", "dark red", "colour_word", None),
    ("colour", "good quality", "pantone_format", None),
    # material: shares in percent adding up to 100, with or without separators
    ("material", "60% cotton, 40% polyester", OK, "60% cotton, 40% polyester"),
    ("material", "60% cotton 40% polyester", OK, "60% cotton, 40% polyester"),
    ("material", "cotton 60% polyester 40%", OK, "60% cotton, 40% polyester"),
    ("material", "60 % cotton / 40 % polyester", OK, "60% cotton, 40% polyester"),
    ("material", "50%cotton50%polyester", OK, "50% cotton, 50% polyester"),
    ("material", "60% cotton - 40% polyester", OK, "60% cotton, 40% polyester"),
    ("material", "100% silk", OK, "100% silk"),
    ("material", "0.60% carbon-content steel rod", OK, "100% steel rod (0.60% carbon)"),
    ("material", "100% steel rod (0.60% carbon)", OK, "100% steel rod (0.60% carbon)"),
    ("material", "60% T400 40% polyester", "material_format", None),
    ("material", "100% cotton 50% poly", "material_sum", None),
    ("material", "60% cotton 40% polyester 10% elastane", "material_sum", None),
    ("material", "101% cotton", "material_percent_range", None),
    ("material", "cotton", "material_percent", None),
    ("material", "good quality", "material_vague", None),
    ("material", "red", "material_percent", None),
    # size
    ("size", "180 x 70 cm", OK, "180 x 70 cm"),
    ("size", "30x20x10cm", OK, "30 x 20 x 10 cm"),
    ("size", "height 90 cm, diameter 60 cm", OK, "height 90 cm, diameter 60 cm"),
    ("size", "12 x 8 in", OK, "12 x 8 in"),
    ("size", "180 by 70 cm", OK, "180 x 70 cm"),
    ("size", "180 x 70", "dimension_unit", None),
    ("size", "big", "dimension_format", None),
    ("size", "0 x 10 cm", "not_positive", None),
    ("size", "99999 x 1 m", "size_range", None),
    # weight of one piece (a scarf)
    ("weight", "120 g", OK, "120 g"),
    ("weight", "1.5 kg", OK, "1.5 kg"),
    ("weight", "net weight 200 g each", OK, "200 g"),
    ("weight", "3 lb", OK, "3 lb"),
    ("weight", "99999999 kg", "weight_range", None),
    ("weight", "250", "weight_unit", None),
    ("weight", "1,500 kg", "number_ambiguous", None),
    ("weight", "2 tons", "unit_ambiguous", None),
    ("weight", "250 cm", "weight_not_mass", None),
    ("weight", "-5 kg", "not_positive", None),
    ("weight", "heavy", "weight_format", None),
    # quantity: count or mass; volume only for liquids
    ("quantity", "500 pcs", OK, "500 pcs"),
    ("quantity", "1,000 pieces", OK, "1000 pcs"),
    ("quantity", "1 000 pcs", OK, "1000 pcs"),
    ("quantity", "12 500 scarves", OK, "12500 pcs scarves"),
    ("quantity", "200 sets", OK, "200 sets"),
    ("quantity", "10 kg", OK, "10 kg"),
    ("quantity", "2 t", OK, "2 t"),
    ("quantity", "1000000000000 pcs", "count_range", None),
    ("quantity", "100.5 pcs", "count_not_integer", None),
    ("quantity", "0 pcs", "not_positive", None),
    ("quantity", "30 L", "volume_not_liquid", None),
    ("quantity", "500 m", "quantity_unit", None),
    ("quantity", "lots", "quantity_format", None),
    ("quantity (liquid)", "30 L", OK, "30 L"),
    ("quantity (liquid)", "500 ml", OK, "500 ml"),
    ("quantity (liquid)", "2 m3", OK, "2 m³"),
    ("quantity (liquid)", "5 cbm", OK, "5 m³"),
    ("quantity (liquid)", "200 pcs", OK, "200 pcs"),
    ("quantity (liquid)", "99999999999 L", "volume_range", None),
    # packaging
    ("carton", "60 x 40 x 40 cm", OK, "60 x 40 x 40 cm"),
    ("carton", "600 x 40 x 40 cm", "carton_range", None),
    ("board", "5-ply corrugated, BC flute, 44 ECT", OK, None),
    ("board", "double wall", OK, None),
    ("board", "strong box", "vague", None),
    ("board", "x", "board_vague", None),
    ("board", "5", "board_vague", None),
    ("board", "box 3", "board_vague", None),
    ("board", "7 ply", OK, None),
    ("board", "32 ECT", OK, None),
    ("board", "200 g/m² test liner", OK, None),
    ("board", "200# burst", OK, None),
    # shipping mode and deadline
    ("shipping", "sea", OK, "sea"),
    ("shipping", "ocean freight", OK, "sea"),
    ("shipping", "DHL", OK, "express"),
    ("shipping", "sea freight to Hamburg", OK, "sea"),
    ("shipping", "sea or air", "shipping_mode", None),
    ("shipping", "fast", "shipping_mode", None),
    ("deadline", "2027-03-01", OK, "2027-03-01"),
    ("deadline", "31.03.2027", OK, "2027-03-31"),
    ("deadline", "March 31 2027", OK, "2027-03-31"),
    ("deadline", "12/31/2027", OK, "2027-12-31"),
    ("deadline", "2027/03/01", OK, "2027-03-01"),
    ("deadline", "31-03-2027", OK, "2027-03-31"),
    ("deadline", "01-03-2027", "deadline_ambiguous", None),
    ("deadline", "9999-12-31", "deadline_too_far", None),
    ("deadline", "2099-01-01", "deadline_too_far", None),
    ("deadline", "2026-12-01", "deadline_past", None),
    ("deadline", "03/04/2027", "deadline_ambiguous", None),
    ("deadline", "2027-02-30", "deadline_invalid", None),
    ("deadline", "asap", "deadline_format", None),
    # customisation
    (
        "customisation",
        "embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C",
        OK,
        None,
    ),
    ("customisation", "thread red", "colour_without_code", None),
    ("customisation", "nice logo", "vague", None),
    ("customisation", "x", "customisation_vague", None),
    ("customisation", "12345", "customisation_vague", None),
    ("customisation", "5 - 3", "customisation_vague", None),
    ("customisation", "logo printed", "customisation_vague", None),
    ("customisation", "embroidered monogram on the cuff", "customisation_vague", None),
    ("customisation", "printed logo 4 x 2 cm on the front", OK, None),
    ("customisation", "remove the neck label", OK, None),
    # inspection
    ("inspection", "before loading", OK, "before_loading"),
    ("inspection", "dupro", OK, "during_production"),
    ("inspection", "sometimes", "inspection_timing", None),
    ("inspector", "SGS", OK, "sgs"),
    ("inspector", "QIMA", OK, "asia_inspection"),
    ("inspector", "TUV Rheinland", OK, "other: TUV Rheinland"),
    ("inspector", "me myself", "inspector_party", None),
    ("inspector", "the supplier", "inspector_party", None),
    ("inspector", "x", "inspector_vague", None),
    ("inspector", "red", "inspector_vague", None),
    ("coverage", "post-delivery", OK, "post_delivery"),
    ("coverage", "advance", OK, "pre_delivery"),
    ("coverage", "full", "coverage_type", None),
    # contract terms
    ("incoterm place", "Ningbo, China", OK, "Ningbo, China"),
    ("incoterm place", "x", "place_vague", None),
    ("destination", "Rua Augusta 100, São Paulo, Brazil", OK, None),
    ("destination", "as usual", "place_vague", None),
    ("tolerance", "5", OK, "5"),
    ("tolerance", "±2.5%", OK, "2.5"),
    ("tolerance", "10", OK, "10"),
    ("tolerance", "35", "tolerance_range", None),
    ("tolerance", "1e1", "tolerance_range", None),
    ("party", "Loja Azul Ltda, Rua Augusta 100, São Paulo", OK, None),
    ("party", "宁波纺织有限公司, 宁波", OK, None),
    ("party", "ACME", "party_incomplete", None),
    ("party", "x", "party_incomplete", None),
    # disputes: what was received, and the team's reason
    ("received", "PANTONE 19-4052 TCX instead of 18-1663 TCX on 120 of 500 pieces", OK, None),
    ("received", "170 x 70 cm instead of 180 x 70 cm", OK, None),
    ("received", "450 pcs instead of 500", OK, None),
    ("received", "wrong blue", "colour_without_code", None),
    ("received", "too small", "received_unmeasurable", None),
    ("received", "good quality", "vague", None),
    ("team reason", SGS_REASON, OK, None),
    ("team reason", "ok", "reason_vague", None),
    (
        "team reason",
        "good quality, nice supplier, good work, great job overall",
        "reason_vague",
        None,
    ),
    ("team reason", "ok ok ok ok ok ok ok ok ok ok ok ok ok ok", "reason_vague", None),
    (
        "team question",
        "Please send the SGS inspection report of 3 May and the packing list for carton 12.",
        OK,
        None,
    ),
    (
        "team question",
        "Please send more information about the order as soon as possible",
        "question_vague",
        None,
    ),
    ("team question", "is the quality good?", "question_vague", None),
    (
        "answer to the team",
        "The goods left Ningbo on 3 May, bill of lading COSU123456, 40 cartons of 50 pieces.",
        OK,
        None,
    ),
    ("answer to the team", "it was fine, good quality", "vague", None),
    ("answer to the team", "see file", "info_answer_vague", None),
]


def shown(value: Any) -> str:
    """The accepted value as the contract prints it."""
    if isinstance(value, tuple) and value and isinstance(value[0], ColourPart):
        return "; ".join(f"{p.part} {p.colour}" if p.part else str(p.colour) for p in value)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Enum):
        provider, name = value
        return f"{provider.value}: {name}" if name else str(provider.value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "text", value))


def _id(step: str, text: str, verdict: str) -> str:
    typed = text if len(text) <= 40 else text[:39] + "…"
    return f"{step}: {typed!r} {'ok' if verdict == OK else 'refused ' + verdict}"


@pytest.mark.parametrize(
    ("step", "text", "verdict", "reads"),
    [pytest.param(*row, id=_id(*row[:3])) for row in TABLE],
)
def test_an_answer_gets_the_verdict_a_contract_needs(
    step: str, text: str, verdict: str, reads: str | None
) -> None:
    parse = STEPS[step]
    if verdict == OK:
        value = parse(text)
        if reads is not None:
            assert shown(value) == reads
        return
    with pytest.raises(PolicyError) as caught:
        parse(text)
    error = caught.value
    assert error.code == verdict
    # A refusal the buyer can act on: why, in their language, and what to type instead.
    assert error.code in KNOWN_ERROR_CODES
    assert error.example
    with use_locale("en"):
        said = explain_spec_error(error)
    assert "This answer cannot be used" not in said
    assert "For example:" in said


def test_the_table_covers_every_step_with_both_verdicts() -> None:
    assert len(TABLE) >= 60
    for step in STEPS:
        verdicts = {verdict == OK for s, _t, verdict, _r in TABLE if s == step}
        assert verdicts == {True, False}, step
