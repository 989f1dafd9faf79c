"""Money as ``Decimal`` plus an ISO 4217 currency.

Refunds are decided on these values, so a float (binary, inexact) is refused outright,
and amounts in two currencies never meet: the programme gives us no exchange rates, so
adding USD to EUR raises ``CurrencyMismatch`` instead of silently mixing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel.numbers import get_currency_precision, list_currencies

from policy.errors import CurrencyMismatch, MoneyError
from policy.numbers import MAX_WHOLE_DIGITS, parse_number

# CLDR lists these codes, but they are metals or test markers, not money a buyer pays in.
_NOT_MONEY = frozenset({"XXX", "XTS", "XAU", "XAG", "XPD", "XPT"})

# What people type instead of a code. "$" alone means US dollars, as the guide uses it.
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "USD$": "USD",
    "€": "EUR",
    "£": "GBP",
    "R$": "BRL",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "HK$": "HKD",
    "S$": "SGD",
    "₹": "INR",
    "RMB": "CNY",  # the guide's name for the yuan (ch5); ISO 4217 says CNY
    "元": "CNY",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "EURO": "EUR",
    "EUROS": "EUR",
}
# "¥" is both the yen and the yuan: asking is cheaper than refunding the wrong currency.
_AMBIGUOUS_SYMBOLS = {"¥": ("JPY", "CNY"), "￥": ("JPY", "CNY")}

_CODE = re.compile(r"[A-Z]{3}")
# Money may be grouped with plain spaces ("20 000 EUR"); measures may not ("30 20" is two).
_MONEY_NUMBER = r"\d[\d.,'’ \u00a0\u202f\u2009]*(?<=\d)|\d"
_NUMBER = re.compile(rf"(?P<sign>[-+−])?\s*(?P<number>{_MONEY_NUMBER})\s*(?P<k>[kK](?![A-Za-z]))?")

EXAMPLE = "20000 USD"
# Far above any order or assurance limit, and what the database column (18 digits, two
# of them decimals) and Babel's formatting (28 significant digits) can hold: a larger
# typed amount is a typo or an attack, refused before it reaches either.
MAX_AMOUNT = Decimal(10) ** 15


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes known to Babel's CLDR data, minus metals and test codes."""
    return frozenset(list_currencies()) - _NOT_MONEY


@cache
def currency_precision(currency: str) -> int:
    """Minor-unit digits: 2 for USD, 0 for JPY, 3 for KWD."""
    return int(get_currency_precision(currency))


def check_currency(currency: Any) -> str:
    if not isinstance(currency, str) or not _CODE.fullmatch(currency):
        raise MoneyError("currency_format", {"currency": str(currency)}, EXAMPLE)
    if currency not in known_currencies():
        raise MoneyError("currency_unknown", {"currency": currency}, EXAMPLE)
    return currency


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the currency's minor unit (cents for USD, whole yen for JPY)."""
    return amount.quantize(Decimal(1).scaleb(-currency_precision(currency)), rounding=rounding)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
            raise TypeError(f"Money amount must be Decimal, not {type(amount).__name__}")
        if isinstance(amount, int):
            object.__setattr__(self, "amount", Decimal(amount))
        elif not amount.is_finite():
            raise MoneyError("amount_not_finite", {"amount": str(amount)}, EXAMPLE)
        check_currency(self.currency)

    # -- construction ------------------------------------------------------------------

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """``Money.of("20000", "USD")``: a convenience for code and tests (no floats)."""
        if isinstance(amount, str):
            amount = Decimal(amount)
        return cls(amount, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def parse(
        cls, text: str, default_currency: str | None = None, *, positive: bool = True
    ) -> Money:
        """Read what a buyer typed: "20000 USD", "$20,000", "USD 20,000.50", "20 000 EUR".

        ``default_currency`` applies when the text names none. Amounts must be positive
        unless ``positive=False`` (a supplier may have a zero assurance limit).
        """
        return _parse(cls, text, default_currency, positive)

    # -- arithmetic in one currency ----------------------------------------------------

    def _same(self, other: Money) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise TypeError(
                f"Money can be multiplied by Decimal or int, not {type(factor).__name__}"
            )
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    # -- helpers -----------------------------------------------------------------------

    def quantized(self, rounding: str = ROUND_HALF_UP) -> Money:
        return Money(quantize(self.amount, self.currency, rounding), self.currency)

    def is_positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        # Plain and locale-free, for logs; the bot formats with Babel for people.
        return f"{self.amount} {self.currency}"


def _resolve_currency(token: str) -> str:
    token = token.strip()
    if token in _AMBIGUOUS_SYMBOLS:
        raise MoneyError(
            "currency_ambiguous",
            {"symbol": token, "options": _AMBIGUOUS_SYMBOLS[token]},
            "20000 CNY",
        )
    upper = token.upper()
    if upper in _SYMBOLS:
        return _SYMBOLS[upper]
    if re.fullmatch(r"[A-Za-z]{3}", token):
        return check_currency(upper)
    raise MoneyError("currency_unknown", {"currency": token}, EXAMPLE)


def _parse(cls: type[Money], text: str, default: str | None, positive: bool) -> Money:
    if not isinstance(text, str):
        raise TypeError("Money.parse expects text")
    found = _NUMBER.search(text)
    if found is None:
        raise MoneyError("amount_format", {"text": text}, EXAMPLE)
    before, after = text[: found.start()].strip(), text[found.end() :].strip()
    if before.endswith(("-", "−")):  # "-$20" or "USD -20"
        raise MoneyError("amount_not_positive", {"text": text}, EXAMPLE)
    tokens = [t for t in (before, after) if t]
    codes = {_resolve_currency(t) for t in tokens}
    if len(codes) > 1:  # "$20 EUR"; the same currency twice ("$20 USD") is harmless
        raise MoneyError("currency_format", {"currency": " / ".join(tokens)}, EXAMPLE)
    currency = codes.pop() if codes else default
    if currency is None:
        raise MoneyError("currency_missing", {"text": text}, EXAMPLE)
    check_currency(currency)
    # Three digits after a lone separator cannot be cents in a two-decimal currency.
    grouping = "thousands" if currency_precision(currency) < 3 else "ambiguous"
    try:
        amount = parse_number(found["number"], group_of_three=grouping)
    except ValueError as exc:
        whole = re.split(r"[.,](?=\d{1,3}$)", found["number"])[0]  # without the cents
        digits = sum(ch.isdigit() for ch in whole)
        code = "amount_too_large" if digits > MAX_WHOLE_DIGITS else "amount_format"
        raise MoneyError(code, {"text": text}, EXAMPLE) from exc
    if found["k"]:
        amount *= 1000
    if found["sign"] in ("-", "−"):
        amount = -amount
    if amount.as_tuple().exponent < -currency_precision(currency):  # type: ignore[operator]
        raise MoneyError(
            "amount_precision",
            {"text": text, "currency": currency, "digits": currency_precision(currency)},
            EXAMPLE,
        )
    if amount < 0 or (positive and amount == 0):
        raise MoneyError("amount_not_positive", {"text": text}, EXAMPLE)
    if amount > MAX_AMOUNT:
        raise MoneyError("amount_too_large", {"text": text}, EXAMPLE)
    return cls(amount, currency)
