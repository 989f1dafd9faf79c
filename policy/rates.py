"""Exchange rates as data: a dated table with its source, to compare money across currencies.

A supplier's assurance limit is in the supplier's currency and an order may be in
another (a EUR order from a supplier with a USD limit). The limit is converted into the
order's currency with the table in ``rates.toml`` (its date and source are shown next to
every converted figure), rounded down so a conversion never promises more cover than the
limit gives. A currency the table lacks gives ``None``: the caller says it cannot compare.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from policy.errors import RulesError
from policy.money import Money, known_currencies

DEFAULT_PATH = Path(__file__).resolve().with_name("rates.toml")


@dataclass(frozen=True)
class RateUsed:
    """One conversion's rate as it was applied: ``rate`` units of ``target`` per unit of
    ``source``, from the table of ``date`` by ``source_name``. A contract version keeps it,
    so the cover it states can be shown and checked after the table is updated."""

    source: str  # the limit's currency
    target: str  # the order's currency
    rate: Decimal
    date: date
    source_name: str

    def convert(self, value: Money) -> Money:
        """``value`` (in ``source``) in ``target``, rounded down: never more cover than the
        limit gives."""
        if value.currency != self.source:
            raise ValueError(f"a {self.source} rate applied to {value.currency}")
        return Money(value.amount * self.rate, self.target).quantized(ROUND_DOWN)


@dataclass(frozen=True)
class ExchangeRates:
    base: str
    date: date
    source: str
    rates: dict[str, Decimal]  # units of the currency per one unit of ``base``

    def convert(self, value: Money, currency: str) -> Money | None:
        """``value`` in ``currency`` (rounded down), or ``None`` if a rate is missing."""
        if value.currency == currency:
            return value
        used = self.rate_used(value.currency, currency)
        return used.convert(value) if used is not None else None

    def rate_used(self, source: str, target: str) -> RateUsed | None:
        """The rate from ``source`` to ``target`` with this table's date and source, or
        ``None`` for the same currency or a currency the table lacks. One rate for both
        the conversion and the record of it, so the two can never disagree."""
        if source == target:
            return None
        one, other = self.rates.get(source), self.rates.get(target)
        if one is None or other is None:
            return None
        return RateUsed(source, target, other / one, self.date, self.source)


def parse_rates(text: str, file: str = "rates.toml") -> ExchangeRates:
    """A rates file, validated; ``RulesError`` (one line naming the key) when malformed."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(file, "", f"not valid TOML: {exc}") from exc
    unknown = set(data) - {"base", "date", "source", "rates"}
    if unknown:
        raise RulesError(file, sorted(unknown)[0], "unknown key")
    currencies = known_currencies()
    base = data.get("base")
    if base not in currencies:
        raise RulesError(file, "base", f"expected an ISO 4217 code such as USD, got {base!r}")
    raw_date = data.get("date")
    try:
        day = raw_date if isinstance(raw_date, date) else date.fromisoformat(str(raw_date))
    except ValueError:
        raise RulesError(
            file, "date", f"expected a date such as 2026-12-04, got {raw_date!r}"
        ) from None
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise RulesError(file, "source", "say where the rates come from")
    table = data.get("rates")
    if not isinstance(table, dict) or not table:
        raise RulesError(file, "rates", 'expected a table of CURRENCY = "rate"')
    rates: dict[str, Decimal] = {}
    for code, raw in table.items():
        key = f"rates.{code}"
        if code not in currencies:
            raise RulesError(file, key, "not an ISO 4217 currency code")
        if not isinstance(raw, str):  # a float would lose digits: rates are quoted strings
            raise RulesError(file, key, f'expected a quoted decimal such as "0.95", got {raw!r}')
        try:
            rate = Decimal(raw)
        except InvalidOperation:
            raise RulesError(file, key, f"expected a decimal, got {raw!r}") from None
        if not rate.is_finite() or rate <= 0:
            raise RulesError(file, key, "must be a positive number")
        rates[code] = rate
    if rates.get(base) != 1:
        raise RulesError(file, f"rates.{base}", "the base currency's rate must be 1")
    return ExchangeRates(base=base, date=day, source=source.strip(), rates=rates)


def load_rates(path: Path | None = None) -> ExchangeRates:
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(path.name, "", f"cannot be read: {exc.strerror or exc}") from exc
    return parse_rates(text, path.name)


@cache
def default_rates() -> ExchangeRates:
    """The packaged table, read once per process (``rates update`` takes effect on restart)."""
    return load_rates()


def update_rates(text: str, path: Path | None = None) -> ExchangeRates:
    """Check ``text`` as a rates file and, only if it is valid, make it the table."""
    rates = parse_rates(text, "new rates")
    target = Path(path) if path is not None else DEFAULT_PATH
    partial = target.with_suffix(".toml.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)  # atomic: a reader sees the old table or the new one
    default_rates.cache_clear()
    return rates
