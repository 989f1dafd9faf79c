"""Typed, key-naming reads of the rules file.

Every read goes through ``Table`` so that a bad value fails at start-up with ONE line
that names the file and the dotted key, the way an operator would look for it:
``rules.toml: payment_methods.boleto.monthly_limit: expected a decimal amount, got 'abc'``.
Unknown keys fail too: a misspelt ``monthy_limit`` must not silently mean "no limit".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from policy.errors import RulesError
from policy.money import Money, known_currencies

_SOURCE = re.compile(r"ch(?:[1-9]|10)|help_page|operator")
_DECIMAL = re.compile(r"-?\d+(?:\.\d+)?")
_COUNTRY = re.compile(r"[A-Z]{2}")
NONE = "none"


class Table:
    def __init__(self, data: Mapping[str, Any], key: str, file: str) -> None:
        self.data, self.key, self.file = data, key, file
        self._seen: set[str] = set()

    # -- plumbing ----------------------------------------------------------------------

    def path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name: str | None, problem: str) -> RulesError:
        return RulesError(self.file, self.path(name) if name else self.key, problem)

    def has(self, name: str) -> bool:
        self._seen.add(name)
        return name in self.data

    def raw(self, name: str) -> Any:
        if not self.has(name):
            raise self.fail(name, "missing")
        return self.data[name]

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._seen)
        if unknown:
            raise self.fail(unknown[0], "unknown key (misspelt?)")

    def names(self) -> Iterator[str]:
        """Keys of a table used as a mapping (e.g. payment method ids)."""
        for name in self.data:
            self._seen.add(name)
            yield name

    # -- nested tables -----------------------------------------------------------------

    def table(self, name: str) -> Table:
        value = self.raw(name)
        if not isinstance(value, Mapping):
            raise self.fail(name, f"expected a table, got {_show(value)}")
        return Table(value, self.path(name), self.file)

    def tables(self, name: str) -> list[Table]:
        value = self.raw(name)
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.fail(name, f"expected an array of tables ([[{self.path(name)}]])")
        if not value:
            raise self.fail(name, "expected at least one entry")
        return [Table(v, f"{self.path(name)}[{i}]", self.file) for i, v in enumerate(value)]

    # -- scalars -----------------------------------------------------------------------

    def text(self, name: str, choices: frozenset[str] | None = None) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"expected text, got {_show(value)}")
        if choices is not None and value not in choices:
            allowed = ", ".join(sorted(choices))
            raise self.fail(name, f"expected one of {allowed}, got {_show(value)}")
        return value

    def optional_text(self, name: str, choices: frozenset[str] | None = None) -> str | None:
        return self.text(name, choices) if self.has(name) else None

    def integer(self, name: str, minimum: int = 0) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"expected a whole number, got {_show(value)}")
        if value < minimum:
            raise self.fail(name, f"expected a number of at least {minimum}, got {value}")
        return value

    def optional_integer(self, name: str, minimum: int = 0) -> int | None:
        return self.integer(name, minimum) if self.has(name) else None

    def flag(self, name: str, default: bool = False) -> bool:
        if not self.has(name):
            return default
        value = self.data[name]
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {_show(value)}")
        return value

    def decimal(self, name: str) -> Decimal:
        return self._decimal(name, self.raw(name))

    def percent(self, name: str) -> Decimal:
        """A percentage written "2.95", returned as the fraction Decimal("0.0295")."""
        value = self.decimal(name)
        if not Decimal(0) <= value <= Decimal(100):
            raise self.fail(name, f"expected a percentage between 0 and 100, got '{value}'")
        return value / 100

    def money(self, name: str) -> Money:
        value = self.raw(name)
        if not isinstance(value, str):
            raise self.fail(
                name, f"expected an amount with a currency such as '5000 USD', got {_show(value)}"
            )
        parts = value.split()
        self._decimal(name, parts[0] if parts else value)
        if len(parts) != 2:
            raise self.fail(
                name, f"expected an amount with a currency such as '5000 USD', got {_show(value)}"
            )
        amount = self._decimal(name, parts[0])
        if amount < 0:
            raise self.fail(name, f"expected an amount of at least 0, got {_show(value)}")
        if parts[1] not in known_currencies():
            raise self.fail(name, f"expected an ISO 4217 currency code, got {_show(parts[1])}")
        return Money(amount, parts[1])

    def optional_money(self, name: str) -> Money | None:
        return self.money(name) if self.has(name) else None

    def _decimal(self, name: str, value: Any) -> Decimal:
        if isinstance(value, float):
            # A TOML float is already binary: 2.95 is not 2.95. Make the operator quote it.
            raise self.fail(
                name,
                f'expected a decimal written as a string, e.g. "{value}", got the float {value}',
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if not isinstance(value, str) or not _DECIMAL.fullmatch(value.strip()):
            raise self.fail(name, f"expected a decimal amount, got {_show(value)}")
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:  # pragma: no cover - the regex vetted it
            raise self.fail(name, f"expected a decimal amount, got {_show(value)}") from exc

    # -- lists -------------------------------------------------------------------------

    def text_list(self, name: str, choices: frozenset[str] | None = None) -> tuple[str, ...]:
        value = self.raw(name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(name, f"expected a list of text, got {_show(value)}")
        if choices is not None:
            for item in value:
                if item not in choices:
                    allowed = ", ".join(sorted(choices))
                    raise self.fail(name, f"expected items among {allowed}, got {_show(item)}")
        return tuple(value)

    def currencies(self, name: str) -> tuple[str, ...]:
        codes = self.text_list(name)
        for code in codes:
            if code not in known_currencies():
                raise self.fail(name, f"expected ISO 4217 currency codes, got {_show(code)}")
        return codes

    def countries(self, name: str) -> frozenset[str] | None:
        """ISO 3166 alpha-2 codes; ``["*"]`` (no restriction) becomes ``None``."""
        codes = self.text_list(name)
        if codes == ("*",):
            return None
        for code in codes:
            if not _COUNTRY.fullmatch(code):
                raise self.fail(
                    name, f'expected ISO 3166 alpha-2 country codes or ["*"], got {_show(code)}'
                )
        return frozenset(codes)

    def sources(self) -> tuple[str, ...]:
        value = self.raw("source")
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
            raise self.fail("source", f"expected a chapter such as 'ch5', got {_show(value)}")
        for item in items:
            if not _SOURCE.fullmatch(item):
                raise self.fail(
                    "source",
                    "expected a chapter such as 'ch5' (or 'help_page', 'operator'), "
                    f"got {_show(item)}",
                )
        return tuple(items)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
