"""Every policy code has a sentence in the bot, with its example (bot/flows/policy_text.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flows import policy_text as text
from bot.i18n import use_locale
from policy import (
    Money,
    Processing,
    Reason,
    SpecError,
    assess_payment_methods,
    classify_ground,
    codes,
    default_rules,
    detect_vague,
    parse_deadline,
    parse_dimensions,
    parse_material,
    parse_pantone,
    parse_quantity,
    parse_weight,
    paypal_answer,
)

RULES = default_rules()


def test_every_code_has_a_sentence() -> None:
    assert codes.ERRORS <= text.KNOWN_ERROR_CODES
    assert codes.REASONS | codes.NOTES | codes.SUGGESTIONS <= text.KNOWN_REASON_CODES
    assert codes.REFUSALS <= text.KNOWN_REFUSAL_CODES
    assert {m.id for m in RULES.payment_methods} <= text.KNOWN_METHOD_IDS
    assert {i.id for i in RULES.documents + RULES.evidence} <= text.KNOWN_CHECKLIST_IDS


@pytest.mark.parametrize(
    ("parse", "answer", "needle"),
    [
        (parse_pantone, "red", "PANTONE 18-1663 TCX"),
        (parse_material, "51% cotton, 50% polyester", "101%"),
        (parse_weight, "250", "250 g"),
        (parse_dimensions, "30 x 20 x 10", "30 x 20 x 10 cm"),
        (lambda t: parse_quantity(t, False), "30 L", "10 kg"),
        (lambda t: parse_deadline(t, date(2026, 6, 1)), "2020-01-01", "2026-08-30"),
        (Money.parse, "¥100", "JPY, CNY"),
    ],
)
def test_a_refused_answer_is_explained_with_an_example(parse, answer: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as caught:  # SpecError and MoneyError alike
        parse(answer)
    with use_locale("en"):
        sentence = text.explain_spec_error(caught.value)
    assert needle in sentence
    assert "%(" not in sentence


def test_vague_words_are_explained() -> None:
    error = detect_vague("good quality")
    assert error is not None
    sentence = text.explain_spec_error(error)
    assert "good quality" in sentence and "AQL" in sentence


def test_user_text_is_escaped() -> None:
    with pytest.raises(SpecError) as caught:
        parse_pantone("<b>red</b>")
    assert "<b>" not in text.explain_spec_error(caught.value)


def test_every_reason_of_a_real_assessment_reads_as_a_sentence() -> None:
    month = {"boleto": Money.of("4900", "USD")}
    cases = [
        assess_payment_methods(RULES, Money.of("100000", "USD"), "US", "amex"),
        assess_payment_methods(RULES, Money.of("600", "USD"), "BR", None, month),
        assess_payment_methods(RULES, Money.of("9000", "EUR"), "FR"),
        assess_payment_methods(RULES, Money.of("100", "CHF"), "CH"),
    ]
    seen = set()
    with use_locale("en"):
        for assessment in cases:
            for method in assessment.methods:
                assert text.method_name(method.method_id) != method.method_id
                text.processing_text(method.processing)
                text.fee_text(method.fee_min, method.fee_max)
                for reason in method.reasons + method.notes:
                    sentence = text.explain_reason(reason)
                    assert sentence and "%(" not in sentence
                    seen.add(reason.code)
            suggestion = text.suggestion_text(assessment.suggestion)
            assert "%(" not in suggestion
    assert {"country", "currency", "per_order_limit", "monthly_limit", "card_network"} <= seen
    assert "Switzerland" in text.suggestion_text(cases[3].suggestion)
    assert "$50,000.00" in text.suggestion_text(cases[0].suggestion)


def test_processing_times() -> None:
    card = Processing(1, 2, "hours", True, None, ("ch5",))
    union = Processing(1, 1, "days", True, None, ("ch5",))
    assert text.processing_text(card) == "about 1–2 hours"
    assert text.processing_text(union) == "about 1 day"
    assert text.processing_text(None) == "processing time not stated"


def test_refusals() -> None:
    paypal = text.explain_refusal(paypal_answer(RULES))
    assert "PayPal cannot be used" in paypal and "E-checking" in paypal
    taste = text.explain_refusal(classify_ground("did not like it"))  # type: ignore[arg-type]
    assert "did not like" in taste and "late" in taste


def test_unknown_codes_do_not_crash() -> None:
    assert text.explain_reason(Reason("something_new", {}))
    assert text.explain_spec_error(SpecError("something_new", {}, "x"))
