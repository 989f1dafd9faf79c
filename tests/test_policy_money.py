"""Money: Decimal amounts with an ISO 4217 currency, parsed from what buyers type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policy import CurrencyMismatch, Money, MoneyError, PolicyError, assess_coverage
from policy.codes import MONEY_ERRORS


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("20000 USD", "20000", "USD"),
        ("$20,000", "20000", "USD"),
        ("USD 20,000.50", "20000.50", "USD"),
        ("20 000 EUR", "20000", "EUR"),
        ("20\u00a0000 EUR", "20000", "EUR"),
        ("€1.234,56", "1234.56", "EUR"),
        ("20.000 EUR", "20000", "EUR"),  # three digits after one dot cannot be cents
        ("20k usd", "20000", "USD"),
        ("US$ 5", "5", "USD"),
        ("100 RMB", "100", "CNY"),
        ("R$ 250,90", "250.90", "BRL"),
        ("5000 JPY", "5000", "JPY"),
    ],
)
def test_parse_what_buyers_type(text: str, amount: str, currency: str) -> None:
    parsed = Money.parse(text)
    assert parsed == Money(Decimal(amount), currency)
    assert isinstance(parsed.amount, Decimal)


def test_the_default_currency_applies_when_none_is_given() -> None:
    assert Money.parse("1,500.25", "EUR") == Money.of("1500.25", "EUR")
    assert Money.parse("30 USD", "EUR").currency == "USD"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("20000", "currency_missing"),
        ("abc", "amount_format"),
        ("20 XYZ", "currency_unknown"),
        ("¥100", "currency_ambiguous"),
        ("-5 USD", "amount_not_positive"),
        ("0 USD", "amount_not_positive"),
        ("$20 EUR", "currency_format"),
        ("5.5 JPY", "amount_precision"),
        ("99999999999999999999999999999999 USD", "amount_too_large"),
    ],
)
def test_parse_refusals_carry_a_code(text: str, code: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Money.parse(text)
    assert caught.value.code == code
    assert code in MONEY_ERRORS
    assert isinstance(caught.value, PolicyError) and isinstance(caught.value, ValueError)


def test_a_zero_limit_can_be_parsed_when_asked() -> None:
    assert Money.parse("0 USD", positive=False) == Money.zero("USD")


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(20000.0, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", "USD") * 1.5  # type: ignore[operator]


@pytest.mark.parametrize(
    ("currency", "code"),
    [
        ("usd", "currency_format"),
        ("US", "currency_format"),
        ("ABC", "currency_unknown"),
        ("XAU", "currency_unknown"),
    ],
)
def test_currency_must_be_a_known_iso_code(currency: str, code: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Money(Decimal(1), currency)
    assert caught.value.code == code


def test_arithmetic_stays_in_one_currency() -> None:
    assert Money.of("10.10", "USD") + Money.of("5", "USD") == Money.of("15.10", "USD")
    assert Money.of("10", "USD") > Money.of("9.99", "USD")
    with pytest.raises(CurrencyMismatch) as caught:
        Money.of("10", "USD") + Money.of("10", "EUR")
    assert caught.value.code == "currency_mismatch"
    assert caught.value.params == {"left": "USD", "right": "EUR"}


def test_quantize_to_minor_units() -> None:
    assert Money.of("10.005", "USD").quantized() == Money.of("10.01", "USD")
    assert Money.of("10.5", "JPY").quantized().amount == Decimal("11")


def test_coverage_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        assess_coverage(Money.of("20000", "USD"), Money.of("10000", "EUR"))
