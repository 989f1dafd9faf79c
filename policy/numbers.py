"""Reading numbers that people type, as ``Decimal`` (never ``float``).

Buyers write "20,000", "20 000", "1.234,56" or "1,5". The one truly ambiguous shape is a
single separator followed by exactly three digits ("1,500" / "1.500"): thousands in one
country, a decimal fraction in another. Callers say what that shape means for them:
money in a two-decimal currency and piece counts cannot have three decimals, so it is a
thousands group; for a weight or a length we refuse rather than guess (a contract that
says 1.5 kg when the buyer meant 1,500 kg protects nobody).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

GroupOfThree = Literal["thousands", "ambiguous"]

# Spaces that people (and Babel-formatted text pasted back) put between digit groups.
_GROUP_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "'": " ", "’": " "})
_SPACED_GROUPS = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?")
_GROUPED = {",": re.compile(r"\d{1,3}(?:,\d{3})+"), ".": re.compile(r"\d{1,3}(?:\.\d{3})+")}
_PLAIN = re.compile(r"\d+(?:\.\d+)?")

NUMBER_PATTERN = r"\d[\d.,'’\u00a0\u202f\u2009]*(?<=\d)|\d"
"""A regex fragment that finds a written number inside a longer text."""

# No amount, size, weight or count in a contract needs more; beyond them a number is a
# typo or an attack, and would overflow Decimal's 28 digits in unit conversion or Babel's
# formatting (and print as "1E-7").
MAX_WHOLE_DIGITS = 15
MAX_DECIMALS = 6


class AmbiguousNumber(ValueError):
    """ "1,500" or "1.500" where the caller cannot tell thousands from decimals."""


def parse_number(text: str, *, group_of_three: GroupOfThree = "ambiguous") -> Decimal:
    """Parse one non-negative written number; raise ``ValueError`` if it is not one, or
    has more than 15 digits before the decimal point or 6 after it."""
    s = text.strip().translate(_GROUP_SPACES)
    if _SPACED_GROUPS.fullmatch(s):
        s = s.replace(" ", "")
    if " " in s:
        raise ValueError(text)
    if "." in s and "," in s:
        s = _both_separators(s, text)
    else:
        for sep in (",", "."):
            if s.count(sep) > 1:
                if not _GROUPED[sep].fullmatch(s):
                    raise ValueError(text)
                s = s.replace(sep, "")
            elif s.count(sep) == 1:
                head, tail = s.split(sep)
                if len(tail) == 3 and 1 <= len(head) <= 3 and not head.startswith("0"):
                    if group_of_three == "ambiguous":
                        raise AmbiguousNumber(text)
                    s = head + tail
                else:
                    s = f"{head}.{tail}"
    if not _PLAIN.fullmatch(s):
        raise ValueError(text)
    whole, _sep, fraction = s.partition(".")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS or len(fraction.rstrip("0")) > MAX_DECIMALS:
        raise ValueError(text)
    try:
        return Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the regex already vetted it
        raise ValueError(text) from exc


def _both_separators(s: str, original: str) -> str:
    """ "1,234.56" or "1.234,56": the last separator is the decimal point."""
    decimal_sep = "." if s.rfind(".") > s.rfind(",") else ","
    group_sep = "," if decimal_sep == "." else "."
    whole, _, fraction = s.rpartition(decimal_sep)
    if decimal_sep in whole or not _GROUPED[group_sep].fullmatch(whole) or not fraction.isdigit():
        raise ValueError(original)
    return whole.replace(group_sep, "") + "." + fraction


def tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros and exponent notation: 1.2E+4 -> 12000, 0.340194277500 -> ..775."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return normal.quantize(Decimal(1))
    return normal
