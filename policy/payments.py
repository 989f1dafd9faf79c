"""Which payment methods a buyer may use under the programme, and what each costs (ch3, ch5).

Every method is assessed and returned, eligible or not, with machine-readable reasons:
the buyer should see *why* a method is out (country, currency, limit, card network), and
the bot words those reasons in the buyer's language.

Two kinds of ``Reason`` appear on a ``MethodAssessment``:
- ``reasons``: why the method is NOT eligible (empty when it is);
- ``notes``: cautions that do not rule it out (fee unknown, limit quoted in another
  currency, card network not yet known, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from policy.errors import CurrencyMismatch, PolicyError, Reason, Refusal
from policy.money import Money
from policy.rules import Account, FeeReading, PaymentMethod, Processing, Rules, default_rules

__all__ = [
    "MethodAssessment",
    "PaymentAssessment",
    "Processing",
    "assess_payment_methods",
    "fee_range",
    "is_paypal",
    "latest_arrival",
    "normalise_card_network",
    "paypal_answer",
]

_NETWORK_ALIASES = {
    "visa": "visa",
    "mastercard": "mastercard",
    "master card": "mastercard",
    "master": "mastercard",
    "mc": "mastercard",
    "maestro": "maestro",
    "amex": "amex",
    "american express": "amex",
    "discover": "discover",
    "jcb": "jcb",
    "unionpay": "unionpay",
    "union pay": "unionpay",
    "diners": "diners",
    "diners club": "diners",
}
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO"})  # CLDR regions, not countries
_PAYPAL = re.compile(r"\bpay\s*-?\s*pal\b|paypal\.(?:me|com)", re.IGNORECASE)


@dataclass(frozen=True)
class MethodAssessment:
    method_id: str
    name: str
    eligible: bool
    reasons: tuple[Reason, ...]  # why not eligible; empty when eligible
    fee_min: Money | None  # None: the guide gives no figure for this buyer
    fee_max: Money | None
    total_min: Money | None  # amount + fee; None when unknown or in another currency
    total_max: Money | None
    processing: Processing | None
    notes: tuple[Reason, ...] = ()
    recommended: bool = False


@dataclass(frozen=True)
class PaymentAssessment:
    amount: Money
    buyer_country: str
    methods: tuple[MethodAssessment, ...]  # eligible (cheapest first), then the rest
    suggestion: Reason | None = None  # e.g. split_or_wire when every limit is too low

    @property
    def eligible(self) -> tuple[MethodAssessment, ...]:
        return tuple(m for m in self.methods if m.eligible)

    @property
    def ineligible(self) -> tuple[MethodAssessment, ...]:
        return tuple(m for m in self.methods if not m.eligible)

    def method(self, method_id: str) -> MethodAssessment:
        for m in self.methods:
            if m.method_id == method_id:
                return m
        raise KeyError(method_id)


def assess_payment_methods(
    rules: Rules,
    amount: Money,
    buyer_country: str,
    card_network: str | None = None,
    month_to_date: Mapping[str, Money] | None = None,
) -> PaymentAssessment:
    """Assess every method of chapter 5 for this payment.

    ``month_to_date`` maps a method id to what the buyer has already paid by it this
    month; it matters for monthly limits (Boleto: $5,000 a month).
    """
    country = _check_country(buyer_country)
    if amount.amount <= 0:
        raise PolicyError("amount_not_positive", {"amount": amount})
    network = normalise_card_network(card_network) if card_network else None
    month_to_date = month_to_date or {}
    assessed = [
        _assess(method, amount, country, network, month_to_date.get(method.id))
        for method in rules.payment_methods
    ]
    order = {m.id: m.position for m in rules.payment_methods}
    eligible = sorted((a for a in assessed if a.eligible), key=lambda a: _cost_key(a, order))
    ineligible = sorted((a for a in assessed if not a.eligible), key=lambda a: order[a.method_id])
    return PaymentAssessment(
        amount=amount,
        buyer_country=country,
        methods=tuple(eligible + ineligible),
        suggestion=_suggestion(rules, assessed, amount, country),
    )


def fee_range(
    method: PaymentMethod, amount: Money, buyer_country: str
) -> tuple[Money, Money] | None:
    """The fee for this payment as (lowest, highest); None when the guide gives no figure.

    Where chapters disagree (wire transfer: $30-$50 in ch3, $20-$50 in ch5) the widest
    range wins: it is the only one both chapters support.
    """
    readings = method.fee
    kind = readings[0].kind
    if kind == "percent":
        rates = [r.rate for r in readings if r.rate is not None]
        return (amount * min(rates)).quantized(), (amount * max(rates)).quantized()
    if kind == "range":
        lows = [r.min for r in readings if r.min is not None]
        highs = [r.max for r in readings if r.max is not None]
        return min(lows), max(highs)
    if kind == "free":
        if any(r.countries is None or buyer_country in r.countries for r in readings):
            zero = Money.zero(amount.currency)
            return zero, zero
        return None
    return None


def normalise_card_network(text: str) -> str:
    key = " ".join(text.lower().replace("-", " ").split())
    return _NETWORK_ALIASES.get(key, key.replace(" ", ""))


def is_paypal(text: str) -> bool:
    """Does the buyer ask to pay by PayPal? ("paypal", "Pay Pal", "paypal.me/...")"""
    return bool(_PAYPAL.search(text or ""))


def paypal_answer(rules: Rules | None = None) -> Refusal:
    """PayPal cannot be used with the programme (ch10): say so, and offer what can.

    The guide's explanation, for the bot to word: PayPal is a payment option on the
    platform in general but not with Trade Assurance; the programme itself protects
    the payment much as PayPal would; a worried buyer can ask for samples and proof
    of the supplier's trustworthiness.
    """
    rules = rules or default_rules()
    alternatives = [m.id for m in sorted(rules.payment_methods, key=lambda m: not m.recommended)]
    return Refusal(
        "paypal_not_allowed",
        {
            "allowed": rules.paypal.allowed,
            "available_outside_programme": rules.paypal.available_outside_programme,
            "alternatives": tuple(alternatives),
            "advice": "ask_samples_and_proof",
            "sources": rules.paypal.sources,
        },
    )


# -- one method --------------------------------------------------------------------------


def _assess(
    method: PaymentMethod,
    amount: Money,
    country: str,
    network: str | None,
    spent: Money | None,
) -> MethodAssessment:
    reasons: list[Reason] = []
    notes: list[Reason] = []
    account = method.account_for(country)
    if account is None:
        allowed = sorted({c for a in method.accounts for c in a.countries or ()})
        reasons.append(Reason("country", {"country": country, "allowed": tuple(allowed)}))
    currencies = account.currencies if account else _all_currencies(method)
    if amount.currency not in currencies:
        reasons.append(
            Reason("currency", {"currency": amount.currency, "allowed": tuple(currencies)})
        )
    if account is not None and amount.currency in currencies:
        _check_limits(account, amount, spent, reasons, notes)
    if method.card is not None:
        allowed_networks = method.card.networks
        if network is None:
            notes.append(Reason("card_network_required", {"allowed": allowed_networks}))
        elif network not in allowed_networks:
            reasons.append(
                Reason("card_network", {"network": network, "allowed": allowed_networks})
            )
        notes.append(Reason("chargeback_rate", {"rate": method.card.chargeback_success_rate}))

    fees = fee_range(method, amount, country)
    _fee_notes(method, fees, amount, notes)
    fee_min, fee_max = fees if fees is not None else (None, None)
    same = fees is not None and fees[0].currency == amount.currency
    if method.recommended:
        notes.append(Reason("recommended", {}))
    if method.most_common:
        notes.append(Reason("most_common", {}))
    if method.processing and method.processing.starts == "loan_agreed":
        notes.append(Reason("processing_after_loan", {"lender": method.lender}))
    return MethodAssessment(
        method_id=method.id,
        name=method.name,
        eligible=not reasons,
        reasons=tuple(reasons),
        fee_min=fee_min,
        fee_max=fee_max,
        total_min=amount + fee_min if same and fee_min is not None else None,
        total_max=amount + fee_max if same and fee_max is not None else None,
        processing=method.processing,
        notes=tuple(notes),
        recommended=method.recommended,
    )


def _check_limits(
    account: Account,
    amount: Money,
    spent: Money | None,
    reasons: list[Reason],
    notes: list[Reason],
) -> None:
    limit = account.per_order_limit
    if limit is not None:
        if limit.currency != amount.currency:
            # No exchange rates: we cannot tell whether EUR 9,000 is under "$10,000".
            notes.append(Reason("limit_unverified", {"limit": limit}))
        elif amount > limit:
            reasons.append(Reason("per_order_limit", {"limit": limit}))
    elif not account.unlimited and account.monthly_limit is None:
        notes.append(Reason("limit_unknown", {}))
    monthly = account.monthly_limit
    if monthly is None:
        return
    if spent is not None and spent.currency != monthly.currency:
        raise CurrencyMismatch(monthly.currency, spent.currency)
    if spent is None:
        notes.append(Reason("month_to_date_unknown", {"limit": monthly}))
        spent = Money.zero(monthly.currency)
    if monthly.currency != amount.currency:
        notes.append(Reason("limit_unverified", {"limit": monthly}))
        return
    if spent + amount > monthly:
        remaining = max(monthly - spent, Money.zero(monthly.currency))
        reasons.append(
            Reason(
                "monthly_limit",
                {"limit": monthly, "month_to_date": spent, "remaining": remaining},
            )
        )


def _fee_notes(
    method: PaymentMethod,
    fees: tuple[Money, Money] | None,
    amount: Money,
    notes: list[Reason],
) -> None:
    kind = method.fee[0].kind
    if fees is None:
        note = next((r.note for r in method.fee if r.note), None)
        notes.append(Reason("fee_unknown", {"note": note}))
    elif fees[0].currency != amount.currency:
        notes.append(Reason("fee_other_currency", {"currency": fees[0].currency}))
    if kind == "free" and fees is not None:
        notes.append(Reason("fee_free", {"countries": _free_countries(method.fee)}))
    if kind == "range" and len({(r.min, r.max) for r in method.fee}) > 1:
        # Keep the disagreement visible: the buyer sees which chapter said what.
        readings = tuple((r.min, r.max, r.sources) for r in method.fee)
        notes.append(Reason("fee_readings", {"readings": readings}))


def _free_countries(readings: tuple[FeeReading, ...]) -> tuple[str, ...]:
    return tuple(sorted({c for r in readings for c in (r.countries or ())}))


def _all_currencies(method: PaymentMethod) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for account in method.accounts:
        seen.update(dict.fromkeys(account.currencies))
    return tuple(seen)


def _cost_key(a: MethodAssessment, order: Mapping[str, int]) -> tuple[bool, Decimal, Decimal, int]:
    """Cheapest first by highest then lowest total; unknown totals after known ones."""
    if a.total_max is None or a.total_min is None:
        return (True, Decimal(0), Decimal(0), order[a.method_id])
    return (False, a.total_max.amount, a.total_min.amount, order[a.method_id])


# -- the whole picture -------------------------------------------------------------------


def _suggestion(
    rules: Rules, assessed: list[MethodAssessment], amount: Money, country: str
) -> Reason | None:
    """Say so when the payment is above every stated limit open to this buyer.

    "Open" means the buyer's country and currency fit. Wire transfer has no limit (ch5),
    so the usual way out is a wire, or splitting the payment across methods.
    """
    open_ = [a for a in assessed if not _has(a, "country", "currency")]
    if not open_:
        return Reason("no_method", {"country": country, "currency": amount.currency})
    limited = [a for a in open_ if _limit_of(rules, a.method_id, country, amount) is not None]
    over = [a for a in limited if _has(a, "per_order_limit", "monthly_limit")]
    if not limited or len(over) < len(limited):
        return None
    limits = [_limit_of(rules, a.method_id, country, amount) for a in over]
    highest = max(limit for limit in limits if limit is not None)
    unlimited = tuple(
        a.method_id
        for a in open_
        if a.eligible and (acc := rules.method(a.method_id).account_for(country)) and acc.unlimited
    )
    code = "split_or_wire" if unlimited else "split"
    return Reason(code, {"highest_limit": highest, "unlimited": unlimited})


def _limit_of(rules: Rules, method_id: str, country: str, amount: Money) -> Money | None:
    """The stated limit that binds this payment, if it is in the payment's currency."""
    account = rules.method(method_id).account_for(country)
    if account is None:
        return None
    for limit in (account.per_order_limit, account.monthly_limit):
        if limit is not None and limit.currency == amount.currency:
            return limit
    return None


def _has(a: MethodAssessment, *codes: str) -> bool:
    return any(r.code in codes for r in a.reasons)


def _check_country(country: str) -> str:
    code = (country or "").strip().upper()
    # Format only: the methods' own country lists decide what is served.
    if len(code) != 2 or not code.isascii() or not code.isalpha() or code in _NOT_COUNTRIES:
        raise PolicyError("country_format", {"country": country})
    return code


# When the guide gives no time for a method, a payment still missing after a week is
# worth asking about.
UNSTATED_PROCESSING = timedelta(days=7)


def latest_arrival(processing: Processing | None, start: datetime) -> datetime:
    """When money sent at ``start`` should be in escrow at the latest, by the method's
    processing time (ch5): "3-7 business days" counts seven weekdays, Saturdays and
    Sundays skipped. For Pay Later the time runs from the loan agreement, which the bot
    does not see; counted from ``start`` it is the earliest such moment."""
    if processing is None:
        return start + UNSTATED_PROCESSING
    if processing.unit == "hours":
        return start + timedelta(hours=processing.max)
    if processing.unit != "business_days":
        return start + timedelta(days=processing.max)
    moment, left = start, processing.max
    while left:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment
