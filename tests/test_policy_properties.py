"""Properties of the calculators, over many generated amounts, limits and buyers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from policy import (
    CoverageType,
    Money,
    ShippingMode,
    assess_coverage,
    assess_payment_methods,
    claim_window,
    days_left,
    default_rules,
    fee_range,
    is_open,
    max_refund,
    paypal_answer,
)

RULES = default_rules()
CURRENCIES = ["USD", "EUR", "CNY", "JPY", "GBP", "BRL", "CHF"]
COUNTRIES = ["US", "FR", "DE", "BR", "GB", "CN", "AU", "CH"]

amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("100000000"), places=2, allow_nan=False
)
limits = st.decimals(min_value=Decimal(0), max_value=Decimal("100000000"), places=2)


def usd(value: Decimal) -> Money:
    return Money(value, "USD")


def assert_no_float(value: Any, path: str = "result") -> None:
    """Walk a returned value: dataclasses, mappings, sequences; no float anywhere."""
    assert not isinstance(value, float), f"float at {path}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            assert_no_float(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            assert_no_float(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            assert_no_float(item, f"{path}[{i}]")
    elif isinstance(value, Enum | str | int | Decimal | datetime | type(None)):
        return


# -- coverage ----------------------------------------------------------------------------


@given(order=amounts, limit=limits)
def test_coverage_never_exceeds_the_limit_or_the_amount(order: Decimal, limit: Decimal) -> None:
    cover = assess_coverage(usd(order), usd(limit))
    assert cover.covered <= usd(limit)
    assert cover.covered <= usd(order)
    assert cover.covered + cover.uncovered == usd(order)
    assert Decimal(0) <= cover.percent <= Decimal(1)
    assert_no_float(cover)


@given(order=amounts, limit=limits, share=st.decimals(min_value="0.01", max_value=1, places=2))
def test_pre_delivery_cover_never_exceeds_the_advance(
    order: Decimal, limit: Decimal, share: Decimal
) -> None:
    advance = (order * share).quantize(Decimal("0.01"))
    assume(advance > 0)
    cover = assess_coverage(usd(order), usd(limit), CoverageType.PRE_DELIVERY, usd(advance))
    assert cover.covered <= usd(advance)
    assert cover.covered <= usd(limit)
    assert (
        max_refund(usd(order), usd(limit), CoverageType.PRE_DELIVERY, usd(advance)) == cover.covered
    )


@given(order=amounts, low=limits, high=limits)
def test_a_higher_limit_never_covers_less(order: Decimal, low: Decimal, high: Decimal) -> None:
    low, high = sorted((low, high))
    assert (
        assess_coverage(usd(order), usd(low)).covered
        <= assess_coverage(usd(order), usd(high)).covered
    )


# -- payment methods ---------------------------------------------------------------------


@given(
    a=amounts,
    b=amounts,
    method=st.sampled_from(RULES.payment_methods),
    country=st.sampled_from(COUNTRIES),
)
def test_fees_are_monotone_in_the_amount(a: Decimal, b: Decimal, method: Any, country: str) -> None:
    small, large = sorted((a, b))
    low, high = fee_range(method, usd(small), country), fee_range(method, usd(large), country)
    assert (low is None) == (high is None)
    if low is not None and high is not None:
        assert low[0] <= high[0] and low[1] <= high[1]
        assert low[0] <= low[1]


@given(
    amount=amounts,
    currency=st.sampled_from(CURRENCIES),
    country=st.sampled_from(COUNTRIES),
    network=st.sampled_from([None, "visa", "mastercard", "amex"]),
    spent=st.one_of(st.none(), limits),
)
def test_a_method_over_its_limit_is_never_eligible(
    amount: Decimal, currency: str, country: str, network: str | None, spent: Decimal | None
) -> None:
    payment = Money(amount, currency)
    month = None if spent is None else {"boleto": usd(spent)}
    result = assess_payment_methods(RULES, payment, country, network, month)
    for assessed in result.methods:
        account = RULES.method(assessed.method_id).account_for(country)
        if not assessed.eligible or account is None:
            continue
        assert currency in account.currencies
        limit = account.per_order_limit
        if limit is not None and limit.currency == currency:
            assert payment <= limit
        monthly = account.monthly_limit
        if monthly is not None and monthly.currency == currency:
            assert payment + (usd(spent) if spent is not None else usd(Decimal(0))) <= monthly
    assert_no_float(result)


@given(amount=amounts, country=st.sampled_from(COUNTRIES))
def test_eligible_methods_come_first_cheapest_first(amount: Decimal, country: str) -> None:
    methods = assess_payment_methods(RULES, usd(amount), country).methods
    flags = [m.eligible for m in methods]
    assert flags == sorted(flags, reverse=True)
    known = [m.total_max.amount for m in methods if m.eligible and m.total_max is not None]
    assert known == sorted(known)
    assert len(methods) == 7


def test_paypal_answer_has_no_float() -> None:
    assert_no_float(paypal_answer(RULES))


# -- claim windows -----------------------------------------------------------------------


@given(
    mode=st.sampled_from(list(ShippingMode)),
    buyer=st.booleans(),
    offset=st.integers(min_value=-10 * 86400, max_value=90 * 86400),
)
def test_days_left_is_never_negative_and_zero_on_the_last_day(
    mode: ShippingMode, buyer: bool, offset: int
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    window = claim_window(RULES, mode, start if buyer else None, None if buyer else start)
    now = start + timedelta(seconds=offset)
    left = days_left(window, now)
    assert 0 <= left <= window.days
    if window.deadline - timedelta(days=1) <= now:
        assert left == 0
    assert is_open(window, now) == (start <= now < window.deadline)
