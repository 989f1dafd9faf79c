"""Sentences for the policy layer's machine codes, in the user's language.

``policy`` decides and says *why* with a code and params; this module is the one place
that words those codes, so every flow explains a refused answer, an ineligible payment
method or a refused dispute ground the same way. Every literal sits inside ``_()`` /
``ngettext()`` for ``pybabel extract``; placeholders are filled after translation, and
any value a user typed passes through ``esc`` (replies are Telegram HTML).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from babel import Locale

from bot.flows.replies import esc
from bot.i18n import _, current_locale, day, money, ngettext, number, percent
from policy.errors import PolicyError, Reason, Refusal
from policy.money import Money
from policy.rules import Processing

Params = Mapping[str, Any]


def _show(value: Any) -> str:
    """A param as the user should see it: money and numbers in their locale, text escaped."""
    if isinstance(value, Money):
        return money(value.amount, value.currency)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return number(value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return day(value)
    if isinstance(value, tuple | list | frozenset | set):
        return ", ".join(_show(v) for v in value)
    return esc(value)


def _countries(codes: str | Iterable[str]) -> str:
    """ "DE" -> "Germany" in the user's language; unknown codes are shown as given."""
    names = Locale.parse(current_locale()).territories
    items = [codes] if isinstance(codes, str) else list(codes)
    return ", ".join(esc(names.get(code, code)) for code in items)


def _fill(template: str, params: Params) -> str:
    """Fill %(name)s placeholders with shown values; unknown names stay visible, not crash."""

    class _Values(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return f"%({key})s"

    return template % _Values({k: _show(v) for k, v in params.items()})


# -- refused answers (PolicyError, MoneyError, SpecError) --------------------------------

_ERRORS: dict[str, Callable[[], str]] = {
    # money
    "amount_format": lambda: _("I could not find an amount in “%(text)s”."),
    "amount_not_finite": lambda: _("That amount is not a number."),
    "amount_not_positive": lambda: _("The amount must be greater than zero."),
    "amount_too_large": lambda: _("“%(text)s” is far larger than any order; please check it."),
    "amount_precision": lambda: _(
        "%(currency)s has %(digits)s decimal places; please round the amount."
    ),
    "currency_ambiguous": lambda: _(
        "“%(symbol)s” can mean %(options)s. Please write the three-letter currency code."
    ),
    "currency_format": lambda: _(
        "Please give one currency, as a three-letter code such as USD or EUR."
    ),
    "currency_missing": lambda: _("Please add the currency, such as USD or EUR."),
    "currency_mismatch": lambda: _(
        "These amounts are in different currencies (%(left)s and %(right)s); without an "
        "exchange rate they cannot be compared."
    ),
    "currency_unknown": lambda: _("“%(currency)s” is not a currency code I know."),
    # other inputs
    "advance_exceeds_order": lambda: _(
        "The advance (%(advance)s) cannot be larger than the order (%(order_amount)s)."
    ),
    "advance_required": lambda: _(
        "Pre-delivery cover protects the advance only, so please give the advance amount."
    ),
    "country_format": lambda: _("Please give the country as a two-letter code, such as US or DE."),
    "limit_negative": lambda: _("An assurance limit cannot be negative."),
    "naive_datetime": lambda: _("Something went wrong with a date. Please try again."),
    "receipt_not_confirmed": lambda: _(
        "The claim period starts when receipt of the goods is confirmed, by you or "
        "automatically by the platform."
    ),
    # colour
    "colour_word": lambda: _(
        "“%(text)s” names a colour but not a shade: a dark red or crimson delivery would "
        "still match it. Please give the Pantone code from a Pantone chart."
    ),
    "pantone_format": lambda: _("“%(text)s” is not a Pantone code I recognise."),
    "colour_part_missing": lambda: _(
        "Which part is %(codes)s for? With several colours, write the part before each "
        "code, so the goods can be checked part by part."
    ),
    "colour_part_twice": lambda: _(
        "“%(part)s” has two colours. Give each part one Pantone code, or name the parts "
        "apart (“outer stripe”, “inner stripe”)."
    ),
    "colour_part_format": lambda: _(
        "“%(part)s” does not name a part of the product. Write the part in words before "
        "its code (body, trim, logo, lining)."
    ),
    "colours_too_many": lambda: _(
        "Please give at most %(max)s colours; attach a colour chart as a design file for more."
    ),
    "pantone_suffix": lambda: _(
        "Please add the suffix to Pantone %(code)s: C for coated or U for uncoated "
        "(TCX or TPX for textiles)."
    ),
    # material
    "material_duplicate": lambda: _(
        "%(material)s appears twice; give each material once, with its share."
    ),
    "material_empty": lambda: _("Please give the material with its share in percent."),
    "material_format": lambda: _("I could not find a material name in “%(text)s”."),
    "material_percent": lambda: _("Please give the share of %(material)s in percent."),
    "material_percent_range": lambda: _(
        "A share must be more than 0%% and at most 100%%; %(percent)s%% is not."
    ),
    "material_sum": lambda: _("The shares add up to %(total)s%%, not 100%%."),
    # sizes, weights, quantities
    "dimension_format": lambda: _("I could not read the dimensions in “%(text)s”."),
    "dimension_not_length": lambda: _(
        "%(unit)s is not a unit of length; use mm, cm, m, in or ft (or L for a volume)."
    ),
    "dimension_unit": lambda: _("Please add a unit to the sizes, such as cm or in."),
    "weight_format": lambda: _("I could not read a weight in “%(text)s”."),
    "weight_not_mass": lambda: _("%(unit)s is not a unit of weight; use g, kg, lb or oz."),
    "weight_unit": lambda: _("Please add a unit of weight, such as g, kg, lb or oz."),
    "count_not_integer": lambda: _("A number of pieces must be a whole number."),
    "quantity_format": lambda: _("I could not read a quantity in “%(text)s”."),
    "quantity_unit": lambda: _(
        "%(unit)s measures length. Give the quantity as a number of pieces, a weight, or "
        "(for liquids) a volume."
    ),
    "volume_not_liquid": lambda: _(
        "Volume is used for liquids only; give a number of pieces or a weight instead."
    ),
    "not_positive": lambda: _("The value must be greater than zero."),
    # sanity bounds: a figure read correctly but beyond what the goods can be
    "weight_range": lambda: _(
        "“%(text)s” is not a plausible weight for one piece (from %(low)s %(low_unit)s to "
        "%(high)s %(high_unit)s). Please check the figure and the unit."
    ),
    "count_range": lambda: _(
        "“%(text)s” is not a plausible number of pieces for one order (from %(low)s to "
        "%(high)s). Please check the figure."
    ),
    "mass_range": lambda: _(
        "“%(text)s” is not a plausible quantity for one order (from %(low)s %(low_unit)s to "
        "%(high)s %(high_unit)s). Please check the figure and the unit."
    ),
    "volume_range": lambda: _(
        "“%(text)s” is not a plausible volume for one order (from %(low)s %(low_unit)s to "
        "%(high)s %(high_unit)s). Please check the figure and the unit."
    ),
    "size_range": lambda: _(
        "“%(text)s” is not a plausible size for the product (each from %(low)s %(low_unit)s "
        "to %(high)s %(high_unit)s). Please check the figures and the unit."
    ),
    "carton_range": lambda: _(
        "“%(text)s” is not a plausible carton size (each side from %(low)s %(low_unit)s to "
        "%(high)s %(high_unit)s). Please check the figures and the unit."
    ),
    "weight_for_size": lambda: _(
        "“%(text)s” is heavier than anything of the size you gave could be (at most "
        "%(max)s %(unit)s). Please check the weight and the size."
    ),
    "number_ambiguous": lambda: _(
        "“%(text)s” means a thousand times more in some countries than in others. "
        "Please write it without a thousands separator."
    ),
    "number_format": lambda: _("I could not read the number “%(text)s”."),
    "unit_ambiguous": lambda: _(
        "“%(unit)s” is a different weight in the US and the UK; please use metric tonnes (t) or kg."
    ),
    "unit_unknown": lambda: _("I do not know the unit “%(unit)s”."),
    # choices
    "shipping_mode": lambda: _(
        "Please choose how the goods travel: air, sea, rail, express, land or post."
    ),
    "inspection_timing": lambda: _(
        "Please choose: no inspection, during production, or before loading."
    ),
    "inspection_provider": lambda: _(
        "Please name the inspection company, such as SGS, Intertek or QIMA."
    ),
    "coverage_type": lambda: _(
        "Please choose pre-delivery cover (the advance only) or post-delivery cover (the "
        "whole payment)."
    ),
    # deadlines
    "deadline_ambiguous": lambda: _(
        "“%(text)s” can be read as two different dates. Please write year-month-day."
    ),
    "deadline_format": lambda: _("I could not read a date in “%(text)s”."),
    "deadline_invalid": lambda: _("“%(text)s” is not a date in the calendar."),
    "deadline_past": lambda: _("The deadline must be after today; %(date)s is not."),
    "deadline_too_far": lambda: _(
        "%(date)s is too far ahead for a delivery deadline; please give a date no later "
        "than %(latest)s."
    ),
    # vague words
    "vague": lambda: _(
        "“%(terms)s” cannot be measured, so the supplier cannot be held to it. Please "
        "give a figure or a standard."
    ),
    "material_vague": lambda: _(
        "“%(terms)s” is not a material. Please name what the product is made of, each "
        "material with its share in percent, adding up to 100."
    ),
    "design_vague": lambda: _(
        "“%(text)s” does not identify a design. Please give the model number or the name "
        "of the variant as the supplier lists it, or upload your design file."
    ),
    "customisation_vague": lambda: _(
        "“%(text)s” does not say what is changed. Please describe each change: what, "
        "where, how big and in which Pantone colour; or press None."
    ),
    "board_vague": lambda: _(
        "“%(text)s” does not fix the carton board. Please give its grade: the number of "
        "plies or walls, the flute and a strength figure such as ECT."
    ),
    "colour_without_code": lambda: _(
        "“%(word)s” names a colour but not a shade: a darker or lighter one would still "
        "match it. Please add the Pantone code."
    ),
    "inspector_party": lambda: _(
        "“%(text)s” is not an independent inspection company: a check by the buyer or "
        "the supplier looks biased in a dispute. Please name the company that inspects."
    ),
    "inspector_vague": lambda: _(
        "“%(text)s” is not the name of an inspection company. Please type the company's name."
    ),
    "received_unmeasurable": lambda: _(
        "“%(text)s” cannot be checked by the dispute team. Please say what you received "
        "with a Pantone code, a percentage, a figure with its unit or a count."
    ),
    "reason_vague": lambda: _(
        "This reason does not say what was or was not met. Name the terms of the contract "
        "and what the evidence showed, with its figures."
    ),
    "question_vague": lambda: _(
        "This question does not say what the party should send or explain. Name the "
        "document, the fact or the figure the dispute team needs."
    ),
    "info_answer_vague": lambda: _(
        "This answer does not give facts the dispute team can check. Please give dates, "
        "figures, document names or what the contract says."
    ),
}

# The policy parsers read English only, so every example shows what to type in English.
# Those that are words are marked for translation so a language may add a gloss (say, the
# word in brackets), but translators keep the typed English form; codes and figures are
# shown as they are.
_EXAMPLES: dict[str, Callable[[], str]] = {
    # "%%" and "% {}": the percent signs stay literal through python-format translation.
    "60% cotton, 40% polyester": lambda: _("60%% cotton, 40%% polyester") % {},
    "steel rod, 0.60% carbon": lambda: _("steel rod, 0.60%% carbon") % {},
    "body PANTONE 186 C, trim PANTONE 2935 C": lambda: _("body PANTONE 186 C, trim PANTONE 2935 C"),
    "sea": lambda: _("sea"),
    "before loading": lambda: _("before loading"),
    "post-delivery": lambda: _("post-delivery"),
    "AQL 2.5 inspection (ISO 2859-1); 100% cotton, 180 g/m², PANTONE 18-1663 TCX": lambda: (
        _("AQL 2.5 inspection (ISO 2859-1); 100%% cotton, 180 g/m², PANTONE 18-1663 TCX") % {}
    ),
    "withstands 10,000 open-close cycles without damage": lambda: _(
        "withstands 10,000 open-close cycles without damage"
    ),
    "breaking load at least 500 N": lambda: _("breaking load at least 500 N"),
    "thickness 2.0 mm ± 0.1 mm": lambda: _("thickness 2.0 mm ± 0.1 mm"),
    "hardness Shore A 40 ± 5": lambda: _("hardness Shore A 40 ± 5"),
    "IPX7: 30 minutes under 1 m of water": lambda: _("IPX7: 30 minutes under 1 m of water"),
    "weight at most 250 g": lambda: _("weight at most 250 g"),
    "model SC-180 silk scarf, paisley print, as listed": lambda: _(
        "model SC-180 silk scarf, paisley print, as listed"
    ),
    "embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C": lambda: _(
        "embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C"
    ),
    "5-ply corrugated, BC flute, 44 ECT": lambda: _("5-ply corrugated, BC flute, 44 ECT"),
    "PANTONE 19-4052 TCX instead of 18-1663 TCX on 120 of 500 pieces": lambda: _(
        "PANTONE 19-4052 TCX instead of 18-1663 TCX on 120 of 500 pieces"
    ),
    (
        "Send the bill of lading and the port's release notice with the date the container "
        "left Ningbo."
    ): lambda: _(
        "Send the bill of lading and the port's release notice with the date the container "
        "left Ningbo."
    ),
    "The container left Ningbo on 3 Nov (bill of lading attached); the port held it 12 days.": (
        lambda: _(
            "The container left Ningbo on 3 Nov (bill of lading attached); the port held it "
            "12 days."
        )
    ),
    (
        "The SGS report of 3 May shows 120 of 500 scarves in PANTONE 19-4052 TCX instead of "
        "18-1663 TCX; 24% of the order is refunded."
    ): lambda: (
        _(
            "The SGS report of 3 May shows 120 of 500 scarves in PANTONE 19-4052 TCX instead "
            "of 18-1663 TCX; 24%% of the order is refunded."
        )
        % {}
    ),
}

KNOWN_ERROR_CODES = frozenset(_ERRORS)


def explain_spec_error(err: PolicyError) -> str:
    """A refused answer, in a sentence, with a precise example of what would do."""
    template = _ERRORS.get(err.code)
    text = _fill(template(), err.params) if template else _("This answer cannot be used.")
    if err.example:
        example = _EXAMPLES[err.example]() if err.example in _EXAMPLES else err.example
        text += "\n" + _("For example: %(example)s") % {"example": esc(example)}
    return text


# -- payment methods ---------------------------------------------------------------------

_METHODS: dict[str, Callable[[], str]] = {
    "online_bank": lambda: _("Online bank payment"),
    "e_checking": lambda: _("E-checking"),
    "credit_card": lambda: _("Credit or debit card"),
    "pay_later": lambda: _("Pay Later"),
    "wire": lambda: _("Wire transfer (T/T)"),
    "western_union": lambda: _("Western Union"),
    "boleto": lambda: _("Boleto"),
}
_NETWORKS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}


def method_name(method_id: str) -> str:
    name = _METHODS.get(method_id)
    return name() if name else esc(method_id)


def _networks(ids: Iterable[str]) -> str:
    return _(" or ").join(_NETWORKS.get(n, esc(n)) for n in ids)


def _reason_country(p: Params) -> str:
    values = {"country": _countries(p["country"]), "allowed": _countries(p.get("allowed", ()))}
    if p.get("allowed"):
        return _("Not available to buyers in %(country)s (only %(allowed)s).") % values
    return _("Not available to buyers in %(country)s.") % values


def _reason_card(p: Params) -> str:
    values = {"network": _NETWORKS.get(p["network"], esc(p["network"]))}
    values["allowed"] = _networks(p["allowed"])
    return _("Only %(allowed)s cards are accepted, not %(network)s.") % values


def _note_fee_unknown(p: Params) -> str:
    if p.get("note") == "non_varying":
        return _("The fee is fixed, but the guide gives no figure: ask before you pay.")
    return _("The guide gives no fee for your country: ask before you pay.")


def _note_fee_readings(p: Params) -> str:
    parts = []
    for low, high, sources in p["readings"]:
        chapters = ", ".join(s.removeprefix("ch") for s in sources)
        parts.append(
            _("%(low)s–%(high)s (chapter %(chapters)s)")
            % {"low": _show(low), "high": _show(high), "chapters": chapters}
        )
    return _(
        "The guide gives conflicting figures for this fee: %(readings)s. The wider range is shown."
    ) % {"readings": "; ".join(parts)}


_REASONS: dict[str, Callable[[Params], str]] = {
    # why a method is out
    "country": _reason_country,
    "currency": lambda p: _fill(_("Does not accept %(currency)s (only %(allowed)s)."), p),
    "per_order_limit": lambda p: _fill(_("Above its limit of %(limit)s per payment."), p),
    "monthly_limit": lambda p: _fill(
        _("Above its monthly limit of %(limit)s: %(remaining)s left this month."), p
    ),
    "card_network": _reason_card,
    # cautions
    "card_network_required": lambda p: (
        _("Only %(allowed)s cards are accepted.") % {"allowed": _networks(p["allowed"])}
    ),
    "chargeback_rate": lambda p: (
        _("A card chargeback succeeds only about %(rate)s of the time.")
        % {"rate": percent(p["rate"])}
    ),
    "fee_free": lambda p: (
        _("Free for buyers in %(countries)s.") % {"countries": _countries(p["countries"])}
    ),
    "fee_other_currency": lambda p: _fill(
        _("The fee is charged in %(currency)s, so no total is shown in your currency."), p
    ),
    "fee_readings": _note_fee_readings,
    "fee_unknown": _note_fee_unknown,
    "limit_unknown": lambda p: _("The guide states no limit for this method."),
    "limit_unverified": lambda p: _fill(
        _(
            "Its limit is %(limit)s. I have no exchange rate for your currency: check "
            "that your payment is within it."
        ),
        p,
    ),
    "month_to_date_unknown": lambda p: _fill(
        _("Monthly limit %(limit)s: I don't know what you already paid this month."), p
    ),
    "most_common": lambda p: _("The most commonly used method."),
    "processing_after_loan": lambda p: _fill(
        _("Processing starts once you sign the loan contract with %(lender)s."), p
    ),
    "recommended": lambda p: _("Recommended by the platform."),
}


def explain_reason(reason: Reason) -> str:
    """Why a payment method is out, or a caution about it (a ``Reason`` code)."""
    if reason.code in _REASONS:
        return _REASONS[reason.code](reason.params)
    if reason.code in _SUGGESTIONS:
        return suggestion_text(reason)
    return _("This method cannot be used for this payment.")


def fee_text(fee_min: Money | None, fee_max: Money | None) -> str:
    if fee_min is None or fee_max is None:
        return _("fee not stated")
    if fee_max.amount == 0:
        return _("free")
    if fee_min == fee_max:
        return money(fee_min.amount, fee_min.currency)
    return _("%(low)s–%(high)s") % {"low": _show(fee_min), "high": _show(fee_max)}


def processing_text(processing: Processing | None) -> str:
    if processing is None:
        return _("processing time not stated")
    low, high = processing.min, processing.max
    values = {"min": low, "max": high, "n": high}
    if processing.unit == "hours":
        text = (
            ngettext("%(n)s hour", "%(n)s hours", high) % values
            if low == high
            else ngettext("%(min)s–%(max)s hour", "%(min)s–%(max)s hours", high) % values
        )
    elif processing.unit == "business_days":
        text = (
            ngettext("%(n)s business day", "%(n)s business days", high) % values
            if low == high
            else ngettext("%(min)s–%(max)s business day", "%(min)s–%(max)s business days", high)
            % values
        )
    else:
        text = (
            ngettext("%(n)s day", "%(n)s days", high) % values
            if low == high
            else ngettext("%(min)s–%(max)s day", "%(min)s–%(max)s days", high) % values
        )
    return _("about %(time)s") % {"time": text} if processing.approximate else text


_SUGGESTIONS: dict[str, Callable[[Params], str]] = {
    "split_or_wire": lambda p: _fill(
        _(
            "The amount is above the limit of every other method open to you (the highest "
            "is %(highest_limit)s). Pay by wire transfer, which has no limit, or split the "
            "payment."
        ),
        p,
    ),
    "split": lambda p: _fill(
        _(
            "The amount is above the limit of every method open to you (the highest is "
            "%(highest_limit)s). Split the payment into smaller ones."
        ),
        p,
    ),
    "no_method": lambda p: (
        _(
            "No payment method of the programme accepts %(currency)s from %(country)s. "
            "Wire transfer accepts AUD, CAD, CNY, EUR, GBP, HKD, JPY, SGD and USD."
        )
        % {"currency": esc(p["currency"]), "country": _countries(p["country"])}
    ),
}


def suggestion_text(suggestion: Reason | None) -> str:
    """What to do when no single method fits (``PaymentAssessment.suggestion``)."""
    if suggestion is None:
        return ""
    builder = _SUGGESTIONS.get(suggestion.code)
    return builder(suggestion.params) if builder else ""


# -- disputes ----------------------------------------------------------------------------


def _grounds_hint() -> str:
    return _(
        "The programme refunds for two reasons only: the goods arrived late, or they differ "
        "from the agreed specification (length, material, weight, colour, ...)."
    )


def _paypal(p: Params) -> str:
    text = _(
        "PayPal cannot be used with Trade Assurance. It is a payment option on the platform "
        "in general, but not for protected orders, and Trade Assurance itself protects your "
        "payment much as PayPal would. If you still have doubts, ask the supplier for "
        "samples and proof that they can be trusted."
    )
    alternatives = p.get("alternatives") or ()
    if alternatives:
        names = ", ".join(method_name(m) for m in alternatives)
        text += "\n" + _("You can pay by: %(methods)s.") % {"methods": names}
    return text


_REFUSALS: dict[str, Callable[[Params], str]] = {
    "subjective": lambda p: (
        _fill(_("“%(phrase)s” is a matter of taste, and taste is not a ground for a refund."), p)
        + " "
        + _grounds_hint()
    ),
    "no_defect": lambda p: (
        _(
            "Goods without defects cannot be returned through the programme: a refund needs a "
            "clear, objective fault."
        )
        + " "
        + _grounds_hint()
    ),
    "no_ground": lambda p: (
        _grounds_hint() + " " + _("Please tell me which of the two happened, and how.")
    ),
    "paypal_not_allowed": _paypal,
}


def explain_refusal(refusal: Refusal) -> str:
    builder = _REFUSALS.get(refusal.code)
    return builder(refusal.params) if builder else _grounds_hint()


_DOCUMENTS: dict[str, Callable[[], str]] = {
    "signed_po_or_invoice": lambda: _("A signed copy of the purchase order (PO) or invoice"),
    "agreed_specifications": lambda: _("The order specifications you agreed on"),
    "design_files": lambda: _("The design drawings or digital design files"),
    "seller_communications": lambda: _(
        "All communication with the seller: texts, voice messages, videos and images"
    ),
    "signed_transaction_receipt": lambda: _("A signed copy of the transaction receipt"),
    "other_documents": lambda: _("Any other document that supports your claim"),
    "inspection_report": lambda: _("The quality inspection report"),
    "defect_media": lambda: _("Photos or videos of the defective goods"),
    "spec_sample_comparison": lambda: _(
        "A comparison of the agreed specifications with a sample of the goods"
    ),
}


def checklist_item_name(item_id: str) -> str:
    """A document or piece of evidence from ``required_documents`` / ``evidence_items``."""
    name = _DOCUMENTS.get(item_id)
    return name() if name else esc(item_id)


KNOWN_REASON_CODES = frozenset(_REASONS) | frozenset(_SUGGESTIONS)
KNOWN_REFUSAL_CODES = frozenset(_REFUSALS)
KNOWN_CHECKLIST_IDS = frozenset(_DOCUMENTS)
KNOWN_METHOD_IDS = frozenset(_METHODS)
