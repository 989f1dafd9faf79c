"""Sanity bounds for the figures of an order, in base units (kg, L, cm, pieces).

A parser can read "99999999 kg" perfectly and still be wrong to accept it as the weight of
a scarf: a contract term nobody could meet protects nobody, and such figures are typos
(an extra zero, the wrong unit) far more often than real. So each figure has a plausible
range for what it describes, wide enough for the trade's extremes (a 40 t press, a
bulk-carrier load, ten million screws) and narrow enough to catch the slip. Outside it
the answer is refused with the range, and the buyer corrects it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from policy.errors import SpecError

What = Literal["piece_weight", "count", "mass_quantity", "volume_quantity", "size", "carton"]


@dataclass(frozen=True)
class Bound:
    low: Decimal
    high: Decimal
    unit: str  # the base unit the limits are in
    code: str  # the SpecError code when outside
    example: str
    shown: tuple[str, str, str, str]  # the limits as people say them: "1", "mg", "50", "t"


BOUNDS: dict[What, Bound] = {
    # One piece: a gram of thread to a heavy machine tool shipped as breakbulk.
    "piece_weight": Bound(
        Decimal("0.000001"), Decimal(50_000), "kg", "weight_range", "250 g", ("1", "mg", "50", "t")
    ),
    # One order: ten million screws is a large order, a trillion pieces is a typo.
    "count": Bound(
        Decimal(1),
        Decimal(100_000_000),
        "pcs",
        "count_range",
        "100 pcs",
        ("1", "pcs", "100000000", "pcs"),
    ),
    # One order by mass or volume: up to a large bulk carrier's load.
    "mass_quantity": Bound(
        Decimal("0.001"),
        Decimal(100_000_000),
        "kg",
        "mass_range",
        "10 kg",
        ("1", "g", "100000", "t"),
    ),
    "volume_quantity": Bound(
        Decimal("0.001"),
        Decimal(100_000_000),
        "L",
        "volume_range",
        "30 L",
        ("1", "ml", "100000", "m³"),
    ),
    # A product's sizes: a tenth of a millimetre to a 100 m roll or cable.
    "size": Bound(
        Decimal("0.01"),
        Decimal(10_000),
        "cm",
        "size_range",
        "30 x 20 x 10 cm",
        ("0.1", "mm", "100", "m"),
    ),
    # A shipping carton's sides: a pallet-sized box at most.
    "carton": Bound(
        Decimal(1), Decimal(300), "cm", "carton_range", "60 x 40 x 40 cm", ("1", "cm", "3", "m")
    ),
}

# Osmium, the densest element, is 22.59 g/cm³: nothing weighs more than its bounding box
# filled with it. A heavier weight for the given size is a wrong figure or unit.
MAX_DENSITY_KG_PER_CM3 = Decimal("0.0226")


def check_bounds(what: What, value: Decimal, text: str) -> None:
    """Raise ``SpecError(<what>_range)`` if ``value`` (in the base unit) is implausible."""
    bound = BOUNDS[what]
    if not bound.low <= value <= bound.high:
        low, low_unit, high, high_unit = bound.shown
        params = {
            "text": text,
            "low": Decimal(low),
            "low_unit": low_unit,
            "high": Decimal(high),
            "high_unit": high_unit,
        }
        raise SpecError(bound.code, params, bound.example)


def check_weight_for_size(weight_kg: Decimal, sizes_cm: Sequence[Decimal], text: str) -> None:
    """Refuse a piece weight its own size cannot hold (three sizes: a bounding box)."""
    if len(sizes_cm) != 3:
        return  # a flat "180 x 70 cm" or a labelled diameter: no volume to compare with
    volume = sizes_cm[0] * sizes_cm[1] * sizes_cm[2]
    heaviest = volume * MAX_DENSITY_KG_PER_CM3
    if weight_kg > heaviest:
        params = {"text": text, "max": heaviest.quantize(Decimal("0.001")), "unit": "kg"}
        raise SpecError("weight_for_size", params, "250 g")
