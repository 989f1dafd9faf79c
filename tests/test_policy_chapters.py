"""Each figure of the guide, chapter by chapter, checked through the public functions.

If an operator edits rules.toml away from the guide, these tests say which figure moved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from policy import (
    CoverageType,
    Ground,
    InspectionProvider,
    InspectionTiming,
    Money,
    Refusal,
    ShippingMode,
    SpecError,
    assess_coverage,
    assess_payment_methods,
    auto_escalation_at,
    claim_window,
    classify_ground,
    contract_documents,
    default_rules,
    escalation_opens_at,
    evidence_items,
    fee_range,
    is_paypal,
    load_rules,
    max_refund,
    parse_material,
    parse_pantone,
    parse_quantity,
    parse_shipping_mode,
    paypal_answer,
    required_documents,
    supplier_response_due,
)
from policy.spec import detect_vague

RULES = default_rules()
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def assess(amount: Money, country: str, **kwargs: object):
    return assess_payment_methods(RULES, amount, country, **kwargs)  # type: ignore[arg-type]


# -- chapter 1: what is covered and how much ---------------------------------------------


def test_ch1_a_20000_order_with_a_10000_limit_is_half_covered() -> None:
    cover = assess_coverage(usd("20000"), usd("10000"))
    assert cover.covered == usd("10000")
    assert cover.uncovered == usd("10000")
    assert cover.percent == Decimal("0.5")
    example = RULES.coverage
    assert (example.example_order, example.example_limit) == (usd("20000"), usd("10000"))
    assert example.example_fraction == Decimal("0.5")


def test_ch1_a_refund_can_be_100_percent_when_the_limit_allows() -> None:
    assert RULES.coverage.max_refund_fraction == Decimal(1)
    cover = assess_coverage(usd("8000"), usd("10000"))
    assert cover.covered == usd("8000") and cover.percent == 1 and cover.fully_covered


def test_ch1_the_programme_started_in_2015_and_covers_two_grounds() -> None:
    assert RULES.programme.launched_year == 2015
    assert RULES.grounds.valid == (Ground.LATE_DELIVERY, Ground.NOT_AS_SPECIFIED)


# -- chapter 3: charges, specifications, inspection --------------------------------------


def test_ch3_the_service_itself_is_free() -> None:
    assert RULES.programme.service_fee == usd("0")


@pytest.mark.parametrize(
    ("method", "country", "amount", "low", "high"),
    [
        ("pay_later", "US", "10000", "0", "0"),  # free for US buyers only
        ("credit_card", "US", "10000", "295.00", "295.00"),  # 2.95 %
        ("western_union", "US", "1000", "4.9", "45"),
        ("wire", "US", "1000", "20", "50"),  # ch3 $30-$50 and ch5 $20-$50: the wider
    ],
)
def test_ch3_transaction_fees(method: str, country: str, amount: str, low: str, high: str) -> None:
    assessed = assess(usd(amount), country).method(method)
    assert (assessed.fee_min, assessed.fee_max) == (usd(low), usd(high))


def test_ch3_pay_later_is_free_only_for_us_buyers() -> None:
    assert fee_range(RULES.method("pay_later"), usd("1000"), "CA") is None


def test_ch3_both_readings_of_the_wire_fee_stay_visible() -> None:
    readings = {(r.min, r.max, r.sources) for r in RULES.method("wire").fee}
    assert readings == {(usd("30"), usd("50"), ("ch3",)), (usd("20"), usd("50"), ("ch5",))}
    notes = {n.code: n.params for n in assess(usd("1000"), "US").method("wire").notes}
    assert len(notes["fee_readings"]["readings"]) == 2


def test_ch3_the_guides_own_precise_examples_are_accepted() -> None:
    examples = RULES.spec_examples
    assert [parse_material(m).text for m in examples.materials] == [
        "100% steel rod (0.60% carbon)",
        "100% cotton shirt",
    ]
    assert [str(parse_quantity(q)) for q in examples.counts] == [
        "100 pcs knives",
        "250 pcs fidget spinners",
    ]
    assert [parse_quantity(q).base_value for q in examples.masses] == [10, 25]
    oil = parse_quantity(examples.liquid_volumes[0], liquid=True)
    assert (oil.value, oil.unit, oil.item) == (30, "L", "sunflower oil")
    assert [parse_shipping_mode(m) for m in examples.shipping_modes] == [
        ShippingMode.AIR,
        ShippingMode.SEA,
        ShippingMode.RAIL,
        ShippingMode.EXPRESS,
    ]


def test_ch3_the_guides_vague_examples_are_refused() -> None:
    for word in RULES.spec_examples.colour_words:
        with pytest.raises(SpecError) as caught:
            parse_pantone(word)
        assert caught.value.code == "colour_word"
    for phrase in RULES.spec_examples.vague:
        error = detect_vague(phrase)
        assert error is not None and error.code == "vague"


def test_ch3_inspection_options() -> None:
    inspection = RULES.inspection
    assert inspection.timings == (
        InspectionTiming.DURING_PRODUCTION,
        InspectionTiming.BEFORE_LOADING,
    )
    assert inspection.providers == (
        InspectionProvider.PLATFORM,
        InspectionProvider.ASIA_INSPECTION,
        InspectionProvider.INTERTEK,
        InspectionProvider.SGS,
    )
    assert inspection.third_party_preferred


# -- chapter 4: the money waits in escrow ------------------------------------------------


def test_ch4_payments_go_to_the_programmes_citibank_account() -> None:
    assert RULES.programme.escrow_bank == "Citibank Singapore Limited"


# -- chapter 5: payment methods ----------------------------------------------------------

CH5_LIMITS = [
    # method, country, amount just inside, amount just over (None: no stated limit)
    ("online_bank", "US", usd("50000"), usd("50000.01")),
    ("credit_card", "US", usd("12000"), usd("12000.01")),
    ("western_union", "US", usd("2500"), usd("2500.01")),
    ("boleto", "BR", usd("5000"), usd("5000.01")),  # a monthly limit, nothing paid yet
    ("wire", "US", usd("1000000000"), None),  # "There is no transaction limit"
]


@pytest.mark.parametrize(("method", "country", "inside", "over"), CH5_LIMITS)
def test_ch5_limits(method: str, country: str, inside: Money, over: Money | None) -> None:
    month = {"boleto": usd("0")}
    assert assess(inside, country, card_network="visa", month_to_date=month).method(method).eligible
    if over is not None:
        out = assess(over, country, card_network="visa", month_to_date=month).method(method)
        assert not out.eligible
        assert {r.code for r in out.reasons} <= {"per_order_limit", "monthly_limit"}


CH5_WHO = (
    [
        # method, country, currency, eligible
        ("online_bank", "US", "USD", True),
        ("online_bank", "FR", "EUR", True),
        ("online_bank", "DE", "EUR", True),
        ("online_bank", "FR", "USD", False),
        ("online_bank", "GB", "GBP", False),
        ("e_checking", "US", "USD", True),
        ("e_checking", "CA", "USD", False),
        ("pay_later", "US", "USD", True),
        ("pay_later", "US", "EUR", False),
        ("western_union", "US", "USD", True),
        ("western_union", "MX", "USD", False),
        ("boleto", "BR", "USD", True),
        ("boleto", "BR", "BRL", False),
        ("boleto", "AR", "USD", False),
    ]
    + [
        ("wire", "AU", c, True)
        for c in ("AUD", "CAD", "EUR", "GBP", "HKD", "JPY", "CNY", "SGD", "USD")
    ]
    + [
        ("wire", "CH", "CHF", False),
    ]
)


@pytest.mark.parametrize(("method", "country", "currency", "eligible"), CH5_WHO)
def test_ch5_countries_and_currencies(
    method: str, country: str, currency: str, eligible: bool
) -> None:
    assessed = assess(Money.of("1000", currency), country).method(method)
    assert assessed.eligible is eligible, assessed.reasons


def test_ch5_online_bank_limit_for_eur_accounts_is_quoted_in_dollars() -> None:
    """The guide gives "$10,000" for the EUR accounts; no FX data, so it is a caution."""
    assessed = assess(eur("9000"), "FR").method("online_bank")
    assert assessed.eligible
    assert [n.params["limit"] for n in assessed.notes if n.code == "limit_unverified"] == [
        usd("10000")
    ]


PROCESSING = [
    ("online_bank", 4, 5, "business_days", True),
    ("credit_card", 1, 2, "hours", True),
    ("pay_later", 1, 3, "business_days", False),
    ("wire", 3, 7, "business_days", False),
    ("western_union", 1, 1, "days", True),
]


@pytest.mark.parametrize(("method", "low", "high", "unit", "approximate"), PROCESSING)
def test_ch5_processing_times(
    method: str, low: int, high: int, unit: str, approximate: bool
) -> None:
    processing = assess(usd("100"), "US").method(method).processing
    assert processing is not None
    assert (processing.min, processing.max, processing.unit) == (low, high, unit)
    assert processing.approximate is approximate


@pytest.mark.parametrize("method", ["e_checking", "boleto"])
def test_ch5_processing_time_the_guide_does_not_give_is_none(method: str) -> None:
    country = "BR" if method == "boleto" else "US"
    assert assess(usd("100"), country).method(method).processing is None


def test_ch5_online_bank_fee_is_15_to_30_dollars() -> None:
    assessed = assess(usd("1000"), "US").method("online_bank")
    assert (assessed.fee_min, assessed.fee_max) == (usd("15"), usd("30"))
    assert (assessed.total_min, assessed.total_max) == (usd("1015"), usd("1030"))


def test_ch5_e_checking_is_recommended_with_a_fixed_fee_of_unknown_size() -> None:
    assessed = assess(usd("1000"), "US").method("e_checking")
    assert assessed.recommended
    assert assessed.fee_min is None and assessed.total_max is None
    assert {"recommended", "fee_unknown"} <= {n.code for n in assessed.notes}
    fee_note = next(n for n in assessed.notes if n.code == "fee_unknown")
    assert fee_note.params["note"] == "non_varying"


def test_ch5_card_fee_chargeback_and_networks() -> None:
    card = RULES.method("credit_card")
    assert card.card is not None
    assert card.card.networks == ("visa", "mastercard")
    assert card.card.chargeback_success_rate == Decimal("0.03")
    assert fee_range(card, usd("12000"), "US") == (usd("354.00"), usd("354.00"))


def test_ch5_boleto_fee_and_month_to_date() -> None:
    month = {"boleto": usd("4000")}
    assessed = assess(usd("1000"), "BR", month_to_date=month).method("boleto")
    assert assessed.eligible and assessed.fee_min == usd("13.50")
    over = assess(usd("1000.01"), "BR", month_to_date=month).method("boleto")
    assert [r.code for r in over.reasons] == ["monthly_limit"]
    assert over.reasons[0].params["remaining"] == usd("1000")


def test_ch5_pay_later_is_usd_only_through_kabbage() -> None:
    method = RULES.method("pay_later")
    assert method.accounts[0].currencies == ("USD",)
    assert method.lender == "Kabbage"
    assert method.processing is not None and method.processing.starts == "loan_agreed"


def test_ch5_wire_is_the_way_out_above_every_other_limit() -> None:
    assessment = assess(usd("60000"), "US", card_network="visa")
    assert assessment.suggestion is not None
    assert assessment.suggestion.code == "split_or_wire"
    assert assessment.suggestion.params["highest_limit"] == usd("50000")
    assert assessment.method("wire").eligible


def test_ch5_rmb_is_the_iso_code_cny() -> None:
    assert RULES.currency_aliases == {"RMB": "CNY"}
    assert Money.parse("100 RMB") == Money.of("100", "CNY")


# -- chapter 6: disputes: grounds, claim windows, five days ------------------------------


@pytest.mark.parametrize(
    ("mode", "days"),
    [
        (ShippingMode.EXPRESS, 15),
        (ShippingMode.AIR, 30),
        (ShippingMode.SEA, 60),
        (ShippingMode.LAND, 60),
        (ShippingMode.POST, 60),
        (ShippingMode.RAIL, 60),  # rail counts as land
    ],
)
def test_ch6_claim_window_after_automatic_confirmation(mode: ShippingMode, days: int) -> None:
    window = claim_window(RULES, mode, None, T0)
    assert (window.basis, window.days, window.deadline) == (
        "auto_confirmed",
        days,
        T0 + timedelta(days=days),
    )


@pytest.mark.parametrize("mode", list(ShippingMode))
def test_ch6_claim_window_after_the_buyer_confirms_is_30_days(mode: ShippingMode) -> None:
    window = claim_window(RULES, mode, T0, T0 + timedelta(days=3))
    assert (window.basis, window.days, window.opens_at) == ("buyer_confirmed", 30, T0)


def test_ch6_the_supplier_has_five_days_then_the_buyer_may_escalate() -> None:
    assert supplier_response_due(RULES, T0) == T0 + timedelta(days=5)
    assert escalation_opens_at(RULES, T0) == T0 + timedelta(days=5)
    assert auto_escalation_at(RULES, T0) is None
    assert RULES.deadlines.escalate_on_unsatisfactory_answer


def test_ch6_current_help_pages_profile_3_days_escalate_day_4_auto_day_8() -> None:
    current = load_rules(profile="current")
    assert supplier_response_due(current, T0) == T0 + timedelta(days=3)
    assert escalation_opens_at(current, T0) == T0 + timedelta(days=3)  # day 4 begins
    assert auto_escalation_at(current, T0) == T0 + timedelta(days=7)  # day 8 begins


@pytest.mark.parametrize("text", ["I did not like the goods", "They did not meet my expectations"])
def test_ch6_dislike_is_not_a_ground(text: str) -> None:
    verdict = classify_ground(text)
    assert isinstance(verdict, Refusal) and verdict.code == "subjective"


# -- chapter 7: documents and evidence ---------------------------------------------------


def test_ch7_required_documents() -> None:
    assert [d.id for d in required_documents(RULES) if d.required] == [
        "signed_po_or_invoice",
        "agreed_specifications",
        "design_files",
        "seller_communications",
        "signed_transaction_receipt",
    ]
    assert all(d.sources == ("ch7",) for d in RULES.documents)
    without_design = [d.id for d in required_documents(RULES, custom_design=False)]
    assert "design_files" not in without_design


def test_ch7_evidence_and_the_inspection_report_that_weakens_a_claim_when_missing() -> None:
    items = evidence_items(RULES, Ground.NOT_AS_SPECIFIED)
    assert [e.id for e in items] == ["inspection_report", "defect_media", "spec_sample_comparison"]
    assert [e.id for e in items if e.weakens_claim_if_missing] == ["inspection_report"]
    assert all("ch7" in e.sources for e in items)


# -- chapter 8: coverage types -----------------------------------------------------------


def test_ch8_pre_delivery_covers_the_advance_only() -> None:
    cover = assess_coverage(usd("20000"), usd("50000"), CoverageType.PRE_DELIVERY, usd("6000"))
    assert cover.refundable_base == usd("6000")
    assert cover.covered == usd("6000") and cover.percent == Decimal("0.3")
    assert RULES.coverage.refundable[CoverageType.PRE_DELIVERY] == "advance"


def test_ch8_post_delivery_covers_every_part_up_to_the_limit() -> None:
    with_advance = assess_coverage(
        usd("20000"), usd("15000"), CoverageType.POST_DELIVERY, usd("6000")
    )
    assert with_advance.refundable_base == usd("20000")
    assert with_advance.covered == usd("15000")
    assert RULES.coverage.refundable[CoverageType.POST_DELIVERY] == "whole_payment"


# -- chapter 9: maximise the refund ------------------------------------------------------


def test_ch9_a_higher_limit_means_more_refund_and_pre_shipping_inspection_is_advised() -> None:
    refunds = [max_refund(usd("20000"), usd(limit)) for limit in ("500", "10000", "30000")]
    assert refunds == [usd("500"), usd("10000"), usd("20000")]
    assert RULES.inspection.prefer_before_shipping


# -- chapter 10: PayPal, cards, goods without defects ------------------------------------


def test_ch10_paypal_is_not_allowed() -> None:
    assert is_paypal("Can I pay with PayPal?") and is_paypal("pay pal") and not is_paypal("wire")
    answer = paypal_answer(RULES)
    assert answer.code == "paypal_not_allowed"
    assert answer.params["available_outside_programme"] is True
    assert answer.params["alternatives"][0] == "e_checking"  # the recommended one first
    assert not RULES.paypal.allowed


@pytest.mark.parametrize(
    ("network", "ok"), [("Visa", True), ("MasterCard", True), ("Amex", False), ("JCB", False)]
)
def test_ch10_only_visa_and_mastercard(network: str, ok: bool) -> None:
    card = assess(usd("100"), "US", card_network=network).method("credit_card")
    assert card.eligible is ok
    assert ok or card.reasons[0].code == "card_network"


@pytest.mark.parametrize(
    "text", ["I'm just not satisfied", "There are no defects, I changed my mind"]
)
def test_ch10_goods_without_defects_are_not_refunded(text: str) -> None:
    verdict = classify_ground(text)
    assert isinstance(verdict, Refusal) and verdict.code in {"subjective", "no_defect"}


def test_ch10_deviations_are_solid_grounds() -> None:
    for text in ("The length is different from the contract", "wrong material", "colour is wrong"):
        assert classify_ground(text) == Ground.NOT_AS_SPECIFIED


def test_ch7_the_agreed_contract_stands_for_the_po_and_the_specification() -> None:
    assert contract_documents(RULES) == ("signed_po_or_invoice", "agreed_specifications")
    asked = [d.id for d in required_documents(RULES, has_contract=True)]
    assert "signed_po_or_invoice" not in asked and "agreed_specifications" not in asked
    assert "seller_communications" in asked and "signed_transaction_receipt" in asked
