"""Sizes, weights and quantities with units (ch3), as ``Decimal`` values.

pint recognises units and supplies conversion factors; we run it with ``Decimal``
magnitudes so that 12 in becomes exactly 30.48 cm, never 30.479999... Only the units
below are accepted: pint alone would read "pcs" as parsecs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Literal

from policy.bounds import check_bounds
from policy.errors import SpecError
from policy.numbers import NUMBER_PATTERN, AmbiguousNumber, parse_number, tidy

Kind = Literal["length", "mass", "volume"]
BASE_UNIT: dict[str, str] = {"length": "cm", "mass": "kg", "volume": "L"}
_PINT_BASE = {"length": "centimeter", "mass": "kilogram", "volume": "liter"}

# alias (lower case) -> (symbol we show, pint unit, kind)
_UNITS: dict[str, tuple[str, str, Kind]] = {}


def _define(symbol: str, pint_name: str, kind: Kind, *aliases: str) -> None:
    for alias in (symbol, *aliases):
        _UNITS[alias.lower()] = (symbol, pint_name, kind)


_define("mm", "millimeter", "length", "millimetre", "millimetres", "millimeter", "millimeters")
_define("cm", "centimeter", "length", "centimetre", "centimetres", "centimeter", "centimeters")
_define("m", "meter", "length", "metre", "metres", "meter", "meters")
_define("in", "inch", "length", "inch", "inches", '"', "″")
_define("ft", "foot", "length", "foot", "feet", "′")
_define("mg", "milligram", "mass", "milligram", "milligrams")
_define("g", "gram", "mass", "gr", "gram", "grams", "gramme", "grammes")
_define("kg", "kilogram", "mass", "kgs", "kilo", "kilos", "kilogram", "kilograms")
_define("t", "metric_ton", "mass", "tonne", "tonnes", "mt")
_define("lb", "pound", "mass", "lbs", "pound", "pounds")
_define("oz", "ounce", "mass", "ounce", "ounces")
_define("ml", "milliliter", "volume", "millilitre", "millilitres", "milliliter", "milliliters")
_define("cl", "centiliter", "volume", "centilitre", "centilitres")
_define("L", "liter", "volume", "l", "ltr", "litre", "litres", "liter", "liters")
_define("gal", "gallon", "volume", "gallon", "gallons", "usgal")
# pint has no "cubic_meter" (it raised UndefinedUnitError on "2 m3"); a power it has.
_define("m³", "meter ** 3", "volume", "m3", "cbm", "m^3")

# "ton" is 907 kg in the US and 1016 kg in the UK: ask rather than guess.
_AMBIGUOUS_UNITS = {"ton": "2 t", "tons": "2 t"}

_COUNT_UNITS = {
    "pcs": "pcs", "pc": "pcs", "piece": "pcs", "pieces": "pcs", "unit": "pcs",
    "units": "pcs", "item": "pcs", "items": "pcs", "ea": "pcs", "nos": "pcs",
    "set": "sets", "sets": "sets", "pair": "pairs", "pairs": "pairs",
}  # fmt: skip

WEIGHT_EXAMPLE = "250 g"
DIMENSIONS_EXAMPLE = "30 x 20 x 10 cm"
COUNT_EXAMPLE = "100 pcs"
MASS_EXAMPLE = "10 kg"
VOLUME_EXAMPLE = "30 L"

_UNIT_TOKEN = r"[A-Za-zµ³′″\"^3]+"
_NUM_UNIT = re.compile(rf"(?P<sign>[-−])?\s*(?P<num>{NUMBER_PATTERN})\s*(?P<unit>{_UNIT_TOKEN})?")


@cache
def _registry():  # type: ignore[no-untyped-def]
    import pint  # imported late: building the registry costs ~0.4 s, once

    return pint.UnitRegistry(non_int_type=Decimal)


@cache
def _factor(pint_name: str, kind: Kind) -> Decimal:
    registry = _registry()
    magnitude = registry.Quantity(Decimal(1), pint_name).to(_PINT_BASE[kind]).magnitude
    if not isinstance(magnitude, Decimal):  # pragma: no cover - a pint regression
        raise TypeError(f"pint returned {type(magnitude).__name__} for {pint_name}")
    return magnitude


@dataclass(frozen=True)
class Measure:
    value: Decimal
    unit: str  # as shown: "cm", "in", "kg", "lb", "L", "gal"
    kind: Kind
    base_value: Decimal  # the same amount in cm, kg or L
    base_unit: str

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"


def unit_of(token: str) -> tuple[str, Kind] | None:
    """("cm", "length") for "centimetres"; None for a word that is not a unit we know."""
    found = _UNITS.get(token.lower()) or _UNITS.get(token)
    return (found[0], found[2]) if found else None


def measure(value: Decimal, unit_token: str) -> Measure:
    symbol, pint_name, kind = _UNITS[unit_token.lower()]
    base = tidy(value * _factor(pint_name, kind))
    # Shown without trailing zeros: "0001.000 L" printed as "1.000 L" reads as a thousand
    # litres where the point groups thousands, and the contract's own text re-read refused.
    return Measure(tidy(value), symbol, kind, base, BASE_UNIT[kind])


def _number(raw: str, code_example: str, *, group_of_three: str = "ambiguous") -> Decimal:
    try:
        return parse_number(raw, group_of_three=group_of_three)  # type: ignore[arg-type]
    except AmbiguousNumber as exc:
        raise SpecError("number_ambiguous", {"text": raw}, code_example) from exc
    except ValueError as exc:
        raise SpecError("number_format", {"text": raw}, code_example) from exc


def _positive(value: Decimal, sign: str | None, text: str, example: str) -> None:
    if sign or value <= 0:
        raise SpecError("not_positive", {"text": text}, example)


# -- weight ------------------------------------------------------------------------------

_WEIGHT_PREFIX = re.compile(r"^\s*(?:(?:net|gross)\s+)?(?:weight|wt\.?)?\s*[:=]?\s*", re.I)
_WEIGHT_SUFFIX = re.compile(
    r"\s*(?:each|net|gross|per\s+(?:piece|pc|unit|item)|/\s*(?:pcs?|piece|unit|item))\.?\s*$", re.I
)


def parse_weight(text: str) -> Measure:
    """A weight with a unit of mass: "250 g", "1.5 kg", "3 lb", "12 oz"."""
    core = _WEIGHT_SUFFIX.sub("", _WEIGHT_PREFIX.sub("", text or ""))
    match = _NUM_UNIT.fullmatch(core.strip())
    if match is None:
        raise SpecError("weight_format", {"text": text}, WEIGHT_EXAMPLE)
    value = _number(match["num"], WEIGHT_EXAMPLE)
    _positive(value, match["sign"], text, WEIGHT_EXAMPLE)
    token = match["unit"]
    if token is None:
        raise SpecError("weight_unit", {"text": text}, WEIGHT_EXAMPLE)
    if token.lower() in _AMBIGUOUS_UNITS:
        raise SpecError("unit_ambiguous", {"unit": token}, _AMBIGUOUS_UNITS[token.lower()])
    unit = unit_of(token)
    if unit is None:
        raise SpecError("unit_unknown", {"unit": token}, WEIGHT_EXAMPLE)
    if unit[1] != "mass":
        raise SpecError("weight_not_mass", {"unit": unit[0], "kind": unit[1]}, WEIGHT_EXAMPLE)
    weight = measure(value, token)
    check_bounds("piece_weight", weight.base_value, text)
    return weight


# -- dimensions --------------------------------------------------------------------------

_LABELS = {
    "l": "length", "length": "length", "len": "length", "long": "length",
    "w": "width", "width": "width", "wide": "width",
    "h": "height", "height": "height", "high": "height", "tall": "height",
    "d": "depth", "depth": "depth", "deep": "depth",
    "ø": "diameter", "dia": "diameter", "diam": "diameter", "diameter": "diameter",
    "thickness": "thickness", "thick": "thickness",
    "volume": "volume", "vol": "volume", "capacity": "volume",
}  # fmt: skip
_DIM_SPLIT = re.compile(
    r"\s*(?:,(?!\d)|(?<!\d),|;|\band\b|\s+(?:x|by)\s+|(?<=[\d\"″])x(?=\s*[\dø])|(?<=cm|mm|in|ft)x(?=\s*\d))\s*",
    re.I,
)
_DIM_PART = re.compile(
    rf"(?P<label>[^\d\s:.,-]+)?\.?\s*[:=]?\s*(?P<sign>[-−])?(?P<num>{NUMBER_PATTERN})"
    rf"\s*(?P<unit>{_UNIT_TOKEN})?\s*(?P<label2>[A-Za-z()]+)?",
)


@dataclass(frozen=True)
class Dimension:
    label: str | None  # "height", "diameter", ... or None in "30 x 20 x 10 cm"
    measure: Measure

    def __str__(self) -> str:
        return f"{self.label} {self.measure}" if self.label else str(self.measure)


@dataclass(frozen=True)
class Dimensions:
    parts: tuple[Dimension, ...]

    @property
    def text(self) -> str:
        """Normalised: "30 x 20 x 10 cm", or "height 90 cm, diameter 60 cm"."""
        units = {p.measure.unit for p in self.parts}
        if len(units) == 1 and not any(p.label for p in self.parts):
            return " x ".join(str(p.measure.value) for p in self.parts) + f" {units.pop()}"
        return ", ".join(str(p) for p in self.parts)

    @property
    def metric(self) -> tuple[Decimal, ...]:
        """Each part in its base unit (cm for lengths, L for a volume)."""
        return tuple(p.measure.base_value for p in self.parts)

    def __str__(self) -> str:
        return self.text


def parse_dimensions(text: str, what: Literal["size", "carton"] = "size") -> Dimensions:
    """Sizes with units: "30 x 20 x 10 cm", "Ø 60 cm x 90 cm", "height 90 cm, diameter 60 cm".

    ``what`` picks the plausible range: a product's sizes or a shipping carton's sides."""
    cleaned = (text or "").replace("×", " x ").replace("*", " x ").replace("⌀", "Ø").strip()
    pieces = [p for p in _DIM_SPLIT.split(cleaned) if p and p.strip()]
    if not pieces:
        raise SpecError("dimension_format", {"text": text}, DIMENSIONS_EXAMPLE)
    raw: list[tuple[str | None, Decimal, str | None]] = []
    for piece in pieces:
        raw.append(_dimension_part(piece.strip(), text))
    # A trailing unit covers the bare numbers before it: "30 x 20 x 10 cm".
    unit: str | None = None
    filled: list[tuple[str | None, Decimal, str | None]] = []
    for label, value, token in reversed(raw):
        unit = token or unit
        filled.append((label, value, unit))
    parts: list[Dimension] = []
    for label, value, token in reversed(filled):
        if token is None:
            raise SpecError("dimension_unit", {"text": text}, DIMENSIONS_EXAMPLE)
        found = unit_of(token)
        if found is None or found[1] == "mass":
            code = "dimension_not_length" if found else "unit_unknown"
            raise SpecError(code, {"unit": token}, DIMENSIONS_EXAMPLE)
        part = Dimension(label, measure(value, token))
        if part.measure.kind == "length":
            check_bounds(what, part.measure.base_value, text)
        parts.append(part)
    return Dimensions(tuple(parts))


def _dimension_part(piece: str, text: str) -> tuple[str | None, Decimal, str | None]:
    match = _DIM_PART.fullmatch(piece)
    if match is None:
        raise SpecError("dimension_format", {"text": text}, DIMENSIONS_EXAMPLE)
    value = _number(match["num"], DIMENSIONS_EXAMPLE)
    _positive(value, match["sign"], text, DIMENSIONS_EXAMPLE)
    label_words = [w for w in (match["label"], match["label2"]) if w]
    token = match["unit"]
    if token and unit_of(token) is None and token.lower() in _LABELS and not match["label2"]:
        label_words.append(token)  # "90 high": the word after the number is a label
        token = None
    if token and token.lower() in _AMBIGUOUS_UNITS:
        raise SpecError("unit_ambiguous", {"unit": token}, DIMENSIONS_EXAMPLE)
    if token and unit_of(token) is None:
        raise SpecError("unit_unknown", {"unit": token}, DIMENSIONS_EXAMPLE)
    labels = {_LABELS.get(w.strip("()").lower()) for w in label_words}
    if None in labels or len(labels) > 1:
        raise SpecError("dimension_format", {"text": text}, DIMENSIONS_EXAMPLE)
    return (labels.pop() if labels else None), value, token


# -- quantity ----------------------------------------------------------------------------


class QuantityKind(StrEnum):
    COUNT = "count"
    MASS = "mass"
    VOLUME = "volume"


@dataclass(frozen=True)
class Quantity:
    kind: QuantityKind
    value: Decimal
    unit: str  # "pcs", "sets", "pairs", or a unit symbol
    base_value: Decimal  # count, kg or L
    base_unit: str
    item: str | None = None  # "knives" in "100 knives", "sunflower oil" in "30L of ..."

    def __str__(self) -> str:
        return f"{self.value} {self.unit}" + (f" {self.item}" if self.item else "")


# "1 000 pcs": digit groups split by plain spaces are one number (parse_number reads
# them); without this the count was 1 and "000 pcs" became the item's name.
_SPACED_NUMBER = r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?(?!\d)"
_QUANTITY = re.compile(
    # The unit must end the word: "100 t-shirts" is a hundred shirts, not 100 tonnes.
    rf"\s*(?P<sign>[-−])?\s*(?P<num>{_SPACED_NUMBER}|{NUMBER_PATTERN})"
    rf"\s*(?:(?P<unit>{_UNIT_TOKEN})(?![-\w]))?"
    r"\.?(?P<rest>.*)",
    re.S,
)


def parse_quantity(text: str, liquid: bool = False) -> Quantity:
    """A count ("100 pcs", "250 units", "100"), a mass ("10 kg", "2 t") or, for liquids
    only, a volume ("30 L", "500 ml", "5 gal"); ch3: "Volume is used for liquids only"."""
    example = VOLUME_EXAMPLE if liquid else COUNT_EXAMPLE
    match = _QUANTITY.fullmatch(text or "")
    if match is None:
        raise SpecError("quantity_format", {"text": text}, example)
    token = match["unit"]
    rest = " ".join(((token or "") + match["rest"]).split())
    unit = unit_of(token) if token else None
    if token and token.lower() in _AMBIGUOUS_UNITS:
        raise SpecError("unit_ambiguous", {"unit": token}, _AMBIGUOUS_UNITS[token.lower()])
    if unit is None:
        return _count(match["num"], match["sign"], token, rest, text)
    value = _number(match["num"], example)
    _positive(value, match["sign"], text, example)
    item = _item(match["rest"])
    if unit[1] == "length":
        raise SpecError("quantity_unit", {"unit": unit[0]}, example)
    if unit[1] == "volume" and not liquid:
        raise SpecError("volume_not_liquid", {"unit": unit[0]}, MASS_EXAMPLE)
    m = measure(value, token)
    kind = QuantityKind.MASS if m.kind == "mass" else QuantityKind.VOLUME
    check_bounds(
        "mass_quantity" if kind == QuantityKind.MASS else "volume_quantity", m.base_value, text
    )
    return Quantity(kind, m.value, m.unit, m.base_value, m.base_unit, item)


def _count(raw: str, sign: str | None, token: str | None, rest: str, text: str) -> Quantity:
    # Counts are whole numbers, so "1,000" can only mean a thousand.
    value = _number(raw, COUNT_EXAMPLE, group_of_three="thousands")
    _positive(value, sign, text, COUNT_EXAMPLE)
    if value != value.to_integral_value():
        raise SpecError("count_not_integer", {"text": text}, COUNT_EXAMPLE)
    unit, item = "pcs", _item(rest)
    if token and token.lower() in _COUNT_UNITS:
        unit = _COUNT_UNITS[token.lower()]
        item = _item(rest[len(token) :])
    value = value.quantize(Decimal(1))
    check_bounds("count", value, text)
    return Quantity(QuantityKind.COUNT, value, unit, value, unit, item)


def _item(rest: str) -> str | None:
    words = re.sub(r"^\s*\.?\s*(?:of\s+)?", "", rest or "").strip()
    return words or None
