"""The exchange rate a contract version's cover was computed with: recorded with the
version (rate, date, source) when the order's currency differs from the supplier limit's,
and shown with the cover on the order's page and in the contract, from the version, so a
later ``rates update`` does not change what an issued version stated."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.flows.order_text import rate_line
from bot.i18n import use_locale
from bot.services import contracts
from bot.services.disputes import cap_for
from policy import Money, load_rules
from policy import rates as rates_module
from policy.rates import RateUsed, default_rates, parse_rates
from storage.models import ContractVersion, Order, Supplier
from tests.buyer_helpers import confirmed_order, files_in_tmp, pdf_text, saved_files  # noqa: F401
from tests.conftest import ChatDriver

LATER = """base = "USD"
date = "2027-01-15"
source = "a later table"
[rates]
USD = "1"
EUR = "0.5"
"""


async def versions_of(app: App, order_id: int) -> list[ContractVersion]:
    async with app.sessions() as session:
        found = await session.scalars(
            select(ContractVersion)
            .where(ContractVersion.order_id == order_id)
            .order_by(ContractVersion.version)
        )
        return list(found)


async def test_a_eur_order_against_a_usd_limit_records_and_shows_the_rate(
    chat: ChatDriver, app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = default_rates()
    order_id = await confirmed_order(chat, "scarf 20000 EUR")
    (version,) = await versions_of(app, order_id)
    assert (version.rate_from, version.rate_to) == ("USD", "EUR")
    assert Decimal(version.rate or "0") == table.rates["EUR"]
    assert version.rate_date == table.date == date(2026, 12, 4)
    assert version.rate_source == table.source

    # The contract states the rate beside the cover, with its date and source.
    text = pdf_text(next(saved_files(tmp_path).glob("*.pdf")))
    assert "1 USD = 0.952 EUR, exchange rate of Dec 4, 2026" in text
    assert "European Central Bank" in text
    assert "€9,520.00 (47.6% of the order)" in text

    # The table is updated: the issued version keeps stating its own rate.
    path = tmp_path / "rates.toml"
    path.write_text(rates_module.DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(rates_module, "DEFAULT_PATH", path)
    rates_module.update_rates(LATER)
    try:
        shown = await chat.say(f"/orders {order_id}")
        assert "Exchange rate used: 1 USD = 0.952 EUR, exchange rate of Dec 4, 2026" in shown
        assert "European Central Bank" in shown and "a later table" not in shown
    finally:
        monkeypatch.undo()
        default_rates.cache_clear()


async def test_an_order_in_the_limit_currency_records_no_rate(chat: ChatDriver, app: App) -> None:
    order_id = await confirmed_order(chat, "scarf 20000 USD")
    (version,) = await versions_of(app, order_id)
    assert (version.rate, version.rate_date, version.rate_source) == (None, None, None)
    assert contracts.rate_of(version) is None
    assert "Exchange rate used" not in await chat.say(f"/orders {order_id}")


async def test_issue_takes_the_table_it_is_given_and_reissue_keeps_the_rate(
    chat: ChatDriver, app: App
) -> None:
    order_id = await confirmed_order(chat, "scarf 20000 EUR")
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    async with app.sessions() as session, session.begin():
        order = await session.get(Order, order_id)
        assert order is not None
        supplier = await session.get(Supplier, order.supplier_id)
        assert supplier is not None and supplier.currency == "USD"
        second = await contracts.issue(session, order, supplier, now, rates=parse_rates(LATER))
        second.supplier_accepted_at = now
        third = await contracts.reissue(session, order, second, now)
        for version in (second, third):
            used = contracts.rate_of(version)
            assert used is not None
            assert (used.source, used.target, used.rate) == ("USD", "EUR", Decimal("0.5"))
            assert (used.date, used.source_name) == (date(2027, 1, 15), "a later table")
            assert used.convert(supplier_limit(supplier)).amount == supplier.assurance_limit / 2
        assert third.sha256 == second.sha256


def supplier_limit(supplier: Supplier) -> Money:
    return Money(Decimal(supplier.assurance_limit), supplier.currency)


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("pt_BR", "1 USD = 0,952 EUR, câmbio de 4 de dez. de 2026 (ECB)"),
        ("zh_Hans", "1 USD = 0.952 EUR，2026年12月4日 的汇率（ECB）"),
        ("ru", "1 USD = 0,952 EUR, курс на 4 дек. 2026\u202fг. (ECB)"),
    ],
)
def test_the_rate_line_is_worded_in_the_readers_language(locale: str, shown: str) -> None:
    used = RateUsed("USD", "EUR", Decimal("0.9520"), date(2026, 12, 4), "ECB")
    with use_locale(locale):
        assert rate_line(used) == shown


def test_the_dispute_cap_uses_the_agreed_versions_rate() -> None:
    order = Order(id=1, amount=Decimal(20000), currency="EUR", coverage_type="post_delivery")
    supplier = Supplier(
        id=1, name="S", country="CN", assurance_limit=Decimal(10000), currency="USD"
    )
    rules = load_rules()
    agreed = parse_rates(LATER).rate_used("USD", "EUR")
    assert cap_for(order, supplier, rules, rate=agreed).amount == Money(Decimal(5000), "EUR")
    today = cap_for(order, supplier, rules).amount  # no version's rate: today's table
    assert today == Money(Decimal("9520.00"), "EUR")
