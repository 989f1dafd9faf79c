"""Every machine code the policy layer emits, by where it appears.

The bot must have a sentence for each (tests check ``bot/flows/policy_text.py`` against
these sets), so adding a code here without its translation fails the build.
"""

from __future__ import annotations

# PolicyError / MoneyError / SpecError .code
MONEY_ERRORS = frozenset({
    "amount_format", "amount_not_finite", "amount_not_positive", "amount_precision",
    "amount_too_large", "currency_ambiguous", "currency_format", "currency_missing",
    "currency_mismatch", "currency_unknown",
})  # fmt: skip
INPUT_ERRORS = frozenset({
    "advance_exceeds_order", "advance_required", "country_format", "limit_negative",
    "naive_datetime", "receipt_not_confirmed",
})  # fmt: skip
SPEC_ERRORS = frozenset({
    "colour_word", "pantone_format", "pantone_suffix",
    "colours_too_many", "colour_part_missing", "colour_part_twice", "colour_part_format",
    "material_duplicate", "material_empty", "material_format", "material_percent",
    "material_percent_range", "material_sum",
    "dimension_format", "dimension_not_length", "dimension_unit",
    "weight_format", "weight_not_mass", "weight_unit",
    "count_not_integer", "quantity_format", "quantity_unit", "volume_not_liquid",
    "not_positive", "number_ambiguous", "number_format", "unit_ambiguous", "unit_unknown",
    "shipping_mode", "inspection_timing", "inspection_provider", "coverage_type",
    "deadline_ambiguous", "deadline_format", "deadline_invalid", "deadline_past",
    "deadline_too_far",
    "weight_range", "count_range", "mass_range", "volume_range", "size_range", "carton_range",
    "weight_for_size",
    "vague", "material_vague", "design_vague", "customisation_vague", "board_vague",
    "colour_without_code", "inspector_party", "inspector_vague", "received_unmeasurable",
    "reason_vague", "place_vague", "party_incomplete", "tolerance_range",
    "question_vague", "info_answer_vague",
})  # fmt: skip
ERRORS = MONEY_ERRORS | INPUT_ERRORS | SPEC_ERRORS

# MethodAssessment.reasons: why a payment method is not eligible
REASONS = frozenset({
    "country", "currency", "per_order_limit", "monthly_limit", "card_network",
})  # fmt: skip
# MethodAssessment.notes: cautions that do not rule a method out
NOTES = frozenset({
    "card_network_required", "chargeback_rate", "fee_free", "fee_other_currency",
    "fee_readings", "fee_unknown", "limit_unknown", "limit_unverified", "month_to_date_unknown",
    "most_common", "processing_after_loan", "recommended",
})  # fmt: skip
# PaymentAssessment.suggestion
SUGGESTIONS = frozenset({"split_or_wire", "split", "no_method"})
# Refusal.code
REFUSALS = frozenset({"subjective", "no_defect", "no_ground", "paypal_not_allowed"})
