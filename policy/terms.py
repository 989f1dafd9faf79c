"""Contract terms as data: Incoterms 2020 and ISO 2859-1 sampling, and the payment
schedule the coverage type implies.

The guide asks for a precise contract (ch3, ch4) but names no delivery rule or sampling
plan; a professional purchase contract names both, so they come from the standards
themselves (``contract_terms.toml``) and the flow only lets the parties choose.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from policy.enums import CoverageType, ShippingMode
from policy.errors import SpecError
from policy.money import Money
from policy.numbers import tidy

PATH = Path(__file__).resolve().with_name("contract_terms.toml")


# More than a fifth over or under is a different order, not a tolerance.
MAX_TOLERANCE = Decimal(20)
TOLERANCE_EXAMPLE = "5"
_TOLERANCE = re.compile(r"(?:±|\+/?-|\+-)?\s*(?P<num>\d{1,2}(?:[.,]\d{1,2})?)\s*%?")


@dataclass(frozen=True)
class Incoterm:
    code: str  # "FOB"
    name: str  # "Free On Board" (the ICC's English name, never translated)
    sea_only: bool
    place: str  # delivery | destination | shipment_port | destination_port
    carriage: str  # who pays the main carriage: seller | buyer
    insurance: str


@dataclass(frozen=True)
class Sampling:
    level: str  # I, II, III
    lot: int
    code_letter: str
    sample_size: int


@dataclass(frozen=True)
class Tables:
    incoterms: dict[str, Incoterm]
    levels: tuple[str, ...]
    default_level: str
    aql_values: tuple[Decimal, ...]
    aql_defaults: dict[str, Decimal]  # defect class -> AQL
    code_letters: tuple[tuple[int | None, dict[str, str]], ...]
    sample_sizes: dict[str, int]


@cache
def tables() -> Tables:
    data: dict[str, Any] = tomllib.loads(PATH.read_text(encoding="utf-8"))
    incoterms = {
        code: Incoterm(
            code=code,
            name=row["name"],
            sea_only=row["modes"] == "sea",
            place=row["place"],
            carriage=row["carriage"],
            insurance=row["insurance"],
        )
        for code, row in data["incoterms"].items()
    }
    aql = data["aql"]
    return Tables(
        incoterms=incoterms,
        levels=tuple(aql["levels"]),
        default_level=aql["default_level"],
        aql_values=tuple(Decimal(v) for v in aql["values"]),
        aql_defaults={k: Decimal(v) for k, v in aql["defaults"].items()},
        code_letters=tuple(
            (row.get("up_to"), {lv: row[lv] for lv in aql["levels"]}) for row in aql["code_letters"]
        ),
        sample_sizes=dict(aql["sample_sizes"]),
    )


def incoterms_for(mode: ShippingMode | str | None) -> tuple[Incoterm, ...]:
    """The rules that fit the shipping mode: the sea-only four only for sea freight."""
    rules = tables().incoterms.values()
    if mode is None or ShippingMode(mode) == ShippingMode.SEA:
        return tuple(rules)
    return tuple(rule for rule in rules if not rule.sea_only)


def sampling(level: str, lot: int) -> Sampling:
    """ISO 2859-1 single sampling, normal inspection: code letter and sample size."""
    data = tables()
    if level not in data.levels:
        raise ValueError(f"unknown inspection level {level!r}")
    lot = max(lot, 2)
    for up_to, letters in data.code_letters:
        if up_to is None or lot <= up_to:
            letter = letters[level]
            return Sampling(level, lot, letter, min(data.sample_sizes[letter], lot))
    raise AssertionError("the last row has no upper bound")


@dataclass(frozen=True)
class Instalment:
    kind: str  # "advance" | "balance" | "full"
    amount: Money


def payment_schedule(
    total: Money, coverage: CoverageType | str, advance: Money | None
) -> tuple[Instalment, ...]:
    """What is paid when, as the coverage type implies (ch8): under pre-delivery cover an
    advance before production and the balance before shipment; under post-delivery
    cover the whole amount through the programme, released after delivery."""
    if CoverageType(coverage) == CoverageType.PRE_DELIVERY and advance is not None:
        return (Instalment("advance", advance), Instalment("balance", total - advance))
    return (Instalment("full", total),)


def unit_price(total: Money, pieces: Decimal) -> Money | None:
    """The price of one unit (rounded down to the currency's minor unit), when countable."""
    if pieces <= 0:
        return None
    return Money(total.amount / pieces, total.currency).quantized(ROUND_DOWN)


def parse_tolerance(text: str) -> Decimal:
    """The quantity tolerance in percent, 0 to 20: "5", "±5%", "+/- 2.5 %". A plain pattern,
    not ``Decimal(text)``, which read "1e1" as 10 and "-0" as a tolerance."""
    match = _TOLERANCE.fullmatch(" ".join((text or "").split()))
    value = Decimal(match["num"].replace(",", ".")) if match else None
    if value is None or value > MAX_TOLERANCE:
        raise SpecError("tolerance_range", {"text": text, "max": MAX_TOLERANCE}, TOLERANCE_EXAMPLE)
    return tidy(value)  # "10", never "1E+1" (Decimal.normalize gave that on the contract)
