"""Material as a percentage composition that sums to exactly 100 (ch3).

"60% cotton, 40% polyester", "cotton 60%, polyester 40%", "100% cotton". A composition
that adds up to 101 % is not a typo the supplier can be held to, so it is refused.

The guide's other example, "0.60% carbon-content steel rod", is one material with a
grade figure, not a composition: 0.60 % carbon does not leave 99.40 % of anything named.
We read it (and "steel rod, 0.60% carbon") as 100 % steel rod with a content note
"carbon 0.60 %". That reading applies only when the base is a metal and the percentage
names an alloying element; any other part without a share is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from policy.errors import SpecError
from policy.numbers import parse_number, tidy
from policy.vague import vague_terms

EXAMPLE = "60% cotton, 40% polyester"
GRADE_EXAMPLE = "steel rod, 0.60% carbon"

_HUNDRED = Decimal(100)
_PCT = r"(?P<pct>\d+(?:[.,]\d+)?)\s*%"
_LEADING = re.compile(rf"{_PCT}\s*(?P<name>.+)", re.S)
# The share starts at the first digit of a run: tried from inside a run it reads the same
# digits again, and on a long run of digits that was quadratic (4,096 digits: 0.3 s).
_TRAILING = re.compile(rf"(?P<name>.+?)\s*[:=-]?\s*(?<!\d){_PCT}", re.S)
# Split on separators, but never inside a decimal comma ("0,60% carbon").
# A dash between spaces separates too ("60% cotton - 40% polyester"), never one inside a
# name ("elastane-free", "T-400").
_SPLIT = re.compile(r"\s*(?:,(?!\d)|(?<!\d),|;|/|\+|&|\band\b)\s*|\s+[-–—]\s+", re.I)

_METALS = re.compile(
    r"\b(?:steel|iron|alloy|aluminium|aluminum|brass|bronze|copper|titanium|zinc|nickel|"
    r"metal|stainless)\b",
    re.I,
)
_ELEMENTS = frozenset({
    "carbon", "chromium", "chrome", "nickel", "manganese", "molybdenum", "silicon", "sulfur",
    "sulphur", "phosphorus", "copper", "zinc", "tin", "lead", "vanadium", "titanium",
    "tungsten", "cobalt", "magnesium", "aluminium", "aluminum", "niobium", "boron", "nitrogen",
})  # fmt: skip
_GRADE_BRACKET = re.compile(r"\s*\(([^()]*%[^()]*)\)")
_GRADE = re.compile(rf"{_PCT}\s*(?P<element>[a-z]+)(?:[-\s]content)?\s+(?P<base>.+)", re.I | re.S)


@dataclass(frozen=True)
class Component:
    name: str
    percent: Decimal

    def __str__(self) -> str:
        return f"{self.percent}% {self.name}"


@dataclass(frozen=True)
class Material:
    components: tuple[Component, ...]  # shares that sum to exactly 100
    contents: tuple[Component, ...] = ()  # grade figures of a metal, e.g. carbon 0.60 %

    @property
    def text(self) -> str:
        """Normalised: "60% cotton, 40% polyester"; "100% steel rod (0.60% carbon)"."""
        main = ", ".join(str(c) for c in self.components)
        if self.contents:
            main += " (" + ", ".join(str(c) for c in self.contents) + ")"
        return main

    def __str__(self) -> str:
        return self.text


# Without separators ("60% cotton 40% polyester", "cotton 60% polyester 40%") a part holds
# several shares: a new share starts where a number follows a word (leading form) or
# after each percent sign (trailing form). Whitespace only, so "0,60%" stays whole.
# "50%cotton50%polyester": typed without any space, the share still starts at its number.
# Without a space only before a share ("T400" stays a name).
_BEFORE_NUMBER = re.compile(r"(?<=[^\W\d_])(?:\s+(?=\d)|(?=\d+(?:[.,]\d+)?\s*%))")
_AFTER_PERCENT = re.compile(r"(?<=%)\s+(?=[^\W\d_])")


def _unjoined(part: str) -> list[str]:
    if part.count("%") < 2:
        return [part]
    leading = part.lstrip()[:1].isdigit()
    return [p for p in (_BEFORE_NUMBER if leading else _AFTER_PERCENT).split(part) if p.strip()]


def parse_material(text: str) -> Material:
    if terms := vague_terms(text):
        # "good quality" is no material: say what a material answer is, not "give the
        # share of good quality in percent".
        raise SpecError("material_vague", {"terms": terms, "text": text}, EXAMPLE)
    # The normalised form "100% steel rod (0.60% carbon)" reads back: the bracket holds
    # the grade figures, parts like any other.
    unbracketed = _GRADE_BRACKET.sub(r", \1", (text or "").strip().rstrip("."))
    split = _SPLIT.split(unbracketed)
    parts = [q for p in split if p.strip() for q in _unjoined(p)]
    if not parts:
        raise SpecError("material_empty", {}, EXAMPLE)
    if len(parts) == 1 and (grade := _grade_in_one(parts[0])):
        return grade
    shares: list[Component] = []
    bare: list[str] = []
    for part in parts:
        component = _component(part)
        if component is None:
            if "%" in part:  # a share we could not read ("\u200b100%", "Infinity%")
                raise SpecError("material_format", {"text": part.strip()}, EXAMPLE)
            bare.append(_name(part))
        else:
            shares.append(component)
    if bare:
        return _with_base(bare, shares)
    if (grade := _full_base_with_contents(shares)) is not None:
        return grade
    return _composition(shares)


def _full_base_with_contents(shares: list[Component]) -> Material | None:
    """ "100% steel rod, 0.60% carbon": a whole metal base plus element contents."""
    bases = [c for c in shares if c.percent == _HUNDRED and _METALS.search(c.name)]
    contents = [c for c in shares if c not in bases]
    if len(bases) != 1 or not contents or any(c.name not in _ELEMENTS for c in contents):
        return None
    _check_contents(contents)
    return Material((bases[0],), tuple(contents))


def _composition(shares: list[Component]) -> Material:
    names = [c.name.lower() for c in shares]
    for name in names:
        if names.count(name) > 1:
            raise SpecError("material_duplicate", {"material": name}, EXAMPLE)
    total = sum((c.percent for c in shares), Decimal(0))
    if total != _HUNDRED:
        raise SpecError("material_sum", {"total": tidy(total)}, EXAMPLE)
    return Material(tuple(shares))


def _with_base(bare: list[str], shares: list[Component]) -> Material:
    """ "steel rod, 0.60% carbon": a metal base without a share plus element contents."""
    base = bare[0]
    grade_like = all(c.name.lower() in _ELEMENTS for c in shares)
    if len(bare) == 1 and shares and grade_like and _METALS.search(base):
        _check_contents(shares)
        return Material((Component(base, _HUNDRED),), tuple(shares))
    raise SpecError("material_percent", {"material": base}, EXAMPLE)


def _grade_in_one(part: str) -> Material | None:
    """ "0.60% carbon-content steel rod" -> 100 % steel rod, carbon 0.60 %."""
    match = _GRADE.fullmatch(part.strip())
    if not match or match["element"].lower() not in _ELEMENTS or not _METALS.search(match["base"]):
        return None
    content = Component(match["element"].lower(), _percent(match["pct"]))
    _check_contents([content])
    return Material((Component(_name(match["base"]), _HUNDRED),), (content,))


def _component(part: str) -> Component | None:
    match = _LEADING.fullmatch(part.strip()) or _TRAILING.fullmatch(part.strip())
    if match is None:
        return None
    name = _name(match["name"])
    # A name holding another share ("T400 40% polyester") is two parts run together.
    if not re.search(r"[^\W\d_]", name) or "%" in name:
        raise SpecError("material_format", {"text": part}, EXAMPLE)
    return Component(name, _percent(match["pct"]))


def _percent(raw: str) -> Decimal:
    try:
        value = parse_number(raw, group_of_three="thousands")
    except ValueError as exc:  # more digits than any share has
        raise SpecError("number_format", {"text": raw}, EXAMPLE) from exc
    if not Decimal(0) < value <= _HUNDRED:
        raise SpecError("material_percent_range", {"percent": value}, EXAMPLE)
    return value


def _check_contents(contents: list[Component]) -> None:
    if sum((c.percent for c in contents), Decimal(0)) >= _HUNDRED:
        raise SpecError("material_sum", {"total": sum(c.percent for c in contents)}, GRADE_EXAMPLE)


def _name(raw: str) -> str:
    name = re.sub(r"^\s*(?:of\s+)", "", raw.strip(" .:-=")).strip()
    # Lower case, except acronyms such as PET, ABS, TPU that lose meaning in lower case.
    return " ".join(w if w.isupper() and len(w) <= 5 else w.lower() for w in name.split())
