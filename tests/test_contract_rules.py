"""Unit tests: the contract digest is canonical, and the automatic receipt follows the
rules per shipping mode."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services import contracts
from bot.services.supplier_orders import auto_receipt_at
from policy import ShippingMode, default_rules


def test_the_digest_depends_on_the_terms_not_on_key_order() -> None:
    first = {"amount": "20000", "spec": {"colour": {"display": "红色"}, "size": "1 m"}}
    same = {"spec": {"size": "1 m", "colour": {"display": "红色"}}, "amount": "20000"}
    changed = {"amount": "20001", "spec": {"colour": {"display": "红色"}, "size": "1 m"}}
    assert contracts.digest(first) == contracts.digest(same)
    assert contracts.digest(first) != contracts.digest(changed)
    assert len(contracts.digest(first)) == 64


def test_receipt_is_confirmed_automatically_after_the_rules_days_for_each_mode() -> None:
    rules = default_rules()
    shipped = date(2026, 12, 1)
    midnight = datetime(2026, 12, 1, tzinfo=UTC)
    days = {mode: (auto_receipt_at(rules, mode, shipped) - midnight).days for mode in ShippingMode}
    assert days[ShippingMode.SEA] == 60
    assert days[ShippingMode.EXPRESS] == 10
    assert days[ShippingMode.AIR] == 20
    assert days[ShippingMode.RAIL] == days[ShippingMode.LAND] == 40  # rail counts as land
