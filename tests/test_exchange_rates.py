"""Supplier limits in another currency: a dated rates table, its CLI, and where it is used."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.flows.order_text import coverage_lines
from bot.i18n import use_locale
from bot.services.disputes import cap_for
from bot.services.suppliers import coverage_for
from policy import CoverageType, Money, RulesError, load_rules
from policy import rates as rates_module
from policy.rates import default_rates, load_rates, parse_rates
from storage.models import Order, Supplier, Verification
from tests.conftest import ChatDriver

GOOD = """base = "USD"
date = "2026-12-04"
source = "test table"
[rates]
USD = "1"
EUR = "0.8"
"""


def supplier(limit: str = "10000", currency: str = "USD") -> Supplier:
    return Supplier(
        id=1,
        name="S",
        country="CN",
        assurance_limit=Decimal(limit),
        currency=currency,
        verification=Verification.GOLD,
    )


def test_the_packaged_table_has_a_date_a_source_and_converts_rounding_down() -> None:
    table = load_rates()
    assert table.source and table.date.year >= 2026 and table.rates[table.base] == 1
    mine = parse_rates(GOOD)
    assert mine.convert(Money(Decimal(10000), "USD"), "EUR") == Money(Decimal(8000), "EUR")
    # 1 EUR = 1.25 USD; 0.01 EUR more would be a cent of cover the limit does not give.
    assert mine.convert(Money(Decimal("0.019"), "EUR"), "USD") == Money(Decimal("0.02"), "USD")
    assert mine.convert(Money(Decimal("1.003"), "USD"), "EUR") == Money(Decimal("0.80"), "EUR")
    assert mine.convert(Money(Decimal(1), "USD"), "JPY") is None  # no rate: cannot compare


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('date = "2026-12-04"', 'date = "soon"'), "date"),
        (('source = "test table"', 'source = ""'), "source"),
        (('EUR = "0.8"', "EUR = 0.8"), "rates.EUR"),
        (('EUR = "0.8"', 'EUR = "-1"'), "rates.EUR"),
        (('EUR = "0.8"', 'XXY = "2"'), "rates.XXY"),
        (('USD = "1"', 'USD = "2"'), "rates.USD"),
    ],
)
def test_a_malformed_table_is_refused_naming_the_key(change: tuple[str, str], key: str) -> None:
    with pytest.raises(RulesError) as refused:
        parse_rates(GOOD.replace(*change))
    assert refused.value.key == key


def test_rates_update_replaces_the_table_only_when_it_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "rates.toml"
    table.write_text(rates_module.DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(rates_module, "DEFAULT_PATH", table)
    default_rates.cache_clear()
    bad, good = tmp_path / "bad.toml", tmp_path / "good.toml"
    bad.write_text(GOOD.replace('"0.8"', '"zero"'), encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    before = table.read_text(encoding="utf-8")
    assert main(["rates", "update", str(bad)]) == 1
    assert "rates.EUR" in capsys.readouterr().err
    assert table.read_text(encoding="utf-8") == before
    assert main(["rates", "update", str(good)]) == 0
    assert "2026-12-04" in capsys.readouterr().out
    assert default_rates().rates == {"USD": Decimal(1), "EUR": Decimal("0.8")}
    assert main(["rates", "show"]) == 0
    assert "test table" in capsys.readouterr().out
    monkeypatch.undo()
    default_rates.cache_clear()


def test_a_eur_order_is_compared_with_a_usd_limit_and_the_rate_date_is_shown() -> None:
    rules = load_rules()
    order = Money(Decimal(20000), "EUR")
    rate = default_rates().rates["EUR"]
    coverage = coverage_for(rules, supplier(), order)
    assert coverage is not None
    assert coverage.limit == Money(Decimal(10000) * rate, "EUR").quantized("ROUND_DOWN")
    assert coverage.covered == coverage.limit and not coverage.fully_covered
    with use_locale("pt_BR"):
        lines = coverage_lines(supplier(), coverage, order)
    assert "US$\xa010.000,00 (≈" in lines[0] and "4 de dez. de 2026" in lines[0]
    # A currency the table lacks still cannot be compared, and says so.
    assert coverage_for(rules, supplier(currency="XAF"), order) is None


def test_the_dispute_cap_converts_the_limit() -> None:
    order = Order(
        id=1,
        amount=Decimal(20000),
        currency="EUR",
        coverage_type=CoverageType.POST_DELIVERY.value,
        advance_amount=None,
    )
    cap = cap_for(order, supplier(), load_rules())
    rate = default_rates().rates["EUR"]
    assert cap.basis == "limit"
    assert cap.amount == Money(Decimal(10000) * rate, "EUR").quantized("ROUND_DOWN")
    unknown = cap_for(order, supplier(currency="XAF"), load_rules())
    assert unknown.basis == "limit_other_currency"


async def test_search_in_euros_shows_the_converted_limit_and_its_date(chat: ChatDriver) -> None:
    shown = await chat.say("/find scarf 20000 EUR")
    assert "Assurance limit $10,000.00 (≈ €9,520.00 at the exchange rate of Dec 4, 2026)" in shown
    assert "covers €9,520.00 of your order (47.6%)" in shown
