"""The rules file: an operator edits figures there, and a mistake fails loudly at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy import Money, RulesError, default_rules, load_rules
from policy.rules import DEFAULT_PATH

ORIGINAL = DEFAULT_PATH.read_text(encoding="utf-8")


def write_rules(tmp_path: Path, old: str, new: str) -> Path:
    assert old in ORIGINAL, f"fixture drift: {old!r} is no longer in rules.toml"
    path = tmp_path / "rules.toml"
    path.write_text(ORIGINAL.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_packaged_rules_load_and_are_cached() -> None:
    rules = default_rules()
    assert rules is default_rules()
    assert rules.profile == "guide"
    assert [m.id for m in rules.payment_methods] == [
        "online_bank",
        "e_checking",
        "credit_card",
        "pay_later",
        "wire",
        "western_union",
        "boleto",
    ]


def test_an_operator_changes_a_limit_in_the_file_not_in_code(tmp_path: Path) -> None:
    path = write_rules(tmp_path, 'monthly_limit = "5000 USD"', 'monthly_limit = "7500 USD"')
    boleto = load_rules(path).method("boleto")
    assert boleto.accounts[0].monthly_limit == Money.of("7500", "USD")


def test_a_broken_value_fails_at_load_with_one_line_naming_the_key(tmp_path: Path) -> None:
    path = write_rules(tmp_path, 'monthly_limit = "5000 USD"', 'monthly_limit = "abc"')
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert message == (
        "rules.toml: payment_methods.boleto.monthly_limit: expected a decimal amount, got 'abc'"
    )
    assert "\n" not in message
    assert caught.value.key == "payment_methods.boleto.monthly_limit"


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            'percent = "1.35"',
            "percent = 1.35",
            "payment_methods.boleto.fee[0].percent",
            "float",
        ),
        (
            'per_order_limit = "2500 USD"',
            'per_order_limit = "2500"',
            "payment_methods.western_union.per_order_limit",
            "currency",
        ),
        (
            'per_order_limit = "2500 USD"',
            'per_order_limit = "2500 XYZ"',
            "payment_methods.western_union.per_order_limit",
            "ISO 4217",
        ),
        (
            'monthly_limit = "5000 USD"',
            'monthy_limit = "5000 USD"',
            "payment_methods.boleto.monthy_limit",
            "unknown key",
        ),
        ("buyer_confirmed_days = 30", 'buyer_confirmed_days = "30"', "claim_windows", "whole"),
        ("express = 15\n", "", "claim_windows.auto_confirmed_days.express", "missing"),
        (
            "supplier_response_days = 5",
            "",
            "dispute_deadlines.guide.supplier_response_days",
            "missing",
        ),
        (
            'kind = "percent"\npercent = "1.35"',
            'kind = "percentage"\npercent = "1.35"',
            "payment_methods.boleto.fee[0].kind",
            "expected one of",
        ),
        (
            'countries = ["BR"]',
            'countries = ["Brazil"]',
            "payment_methods.boleto.countries",
            "alpha-2",
        ),
        ('min = "20 USD"', 'min = "60 USD"', "payment_methods.wire.fee[1].max", "at least min"),
        ('source = "ch8"', 'source = "chapter 8"', "coverage.types", "chapter"),
    ],
)
def test_every_kind_of_mistake_names_its_key(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    with pytest.raises(RulesError) as caught:
        load_rules(write_rules(tmp_path, old, new))
    message = str(caught.value)
    assert message.startswith("rules.toml: " + key), message
    assert problem in message
    assert "\n" not in message


def test_invalid_toml_is_one_line_too(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "format = 1", "format = = 1")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert str(caught.value).startswith("rules.toml: not valid TOML")
    assert "\n" not in str(caught.value)


def test_profiles_are_chosen_by_name() -> None:
    guide, current = load_rules(profile="guide"), load_rules(profile="current")
    assert guide.deadlines.supplier_response_days == 5
    assert current.deadlines.supplier_response_days == 3
    assert set(guide.deadline_profiles) == {"guide", "current"}
    with pytest.raises(RulesError) as caught:
        load_rules(profile="fastest")
    assert str(caught.value) == (
        "rules.toml: dispute_deadlines: unknown profile 'fastest'; available: current, guide"
    )


def test_every_entry_names_its_source_chapter() -> None:
    rules = default_rules()
    entries = [
        rules.programme,
        rules.coverage,
        rules.claim_windows,
        *rules.deadline_profiles.values(),
        rules.grounds,
        *rules.documents,
        *rules.evidence,
        rules.inspection,
        rules.paypal,
        rules.spec_examples,
    ]
    for method in rules.payment_methods:
        entries += [method, *method.accounts, *method.fee]
        entries += [x for x in (method.processing, method.card) if x is not None]
    for entry in entries:
        assert entry.sources, entry
        for source in entry.sources:
            assert source in {f"ch{n}" for n in range(1, 11)} | {"help_page", "operator"}
