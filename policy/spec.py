"""Order-specification answers, each parsed to a typed value or refused (ch3).

Every parser returns a value or raises ``SpecError(code, params, example)``; ``example``
is a precise answer the user could give instead. The parsers themselves live in small
modules by subject (colours, materials, measures, dates, vague); this module is the one
place a flow imports them from, plus the closed choices: shipping mode, inspection and
coverage type.
"""

from __future__ import annotations

import re

from policy.answers import check_inspector
from policy.colour_parts import ColourPart, parse_colours
from policy.colours import PantoneColour, parse_pantone
from policy.dates import parse_deadline
from policy.enums import CoverageType, InspectionProvider, InspectionTiming, ShippingMode
from policy.errors import SpecError
from policy.materials import Component, Material, parse_material
from policy.measures import (
    Dimension,
    Dimensions,
    Measure,
    Quantity,
    QuantityKind,
    parse_dimensions,
    parse_quantity,
    parse_weight,
)
from policy.vague import detect_vague, require_precise, vague_terms

__all__ = [
    "ColourPart",
    "Component",
    "CoverageType",
    "Dimension",
    "Dimensions",
    "InspectionProvider",
    "InspectionTiming",
    "Material",
    "Measure",
    "PantoneColour",
    "Quantity",
    "QuantityKind",
    "ShippingMode",
    "SpecError",
    "detect_vague",
    "parse_colours",
    "parse_coverage_type",
    "parse_deadline",
    "parse_dimensions",
    "parse_inspection_company",
    "parse_inspection_provider",
    "parse_inspection_timing",
    "parse_material",
    "parse_pantone",
    "parse_quantity",
    "parse_shipping_mode",
    "parse_weight",
    "require_precise",
    "vague_terms",
]

_SHIPPING = {
    ShippingMode.AIR: ("air", "air freight", "air cargo", "by air", "plane", "airplane", "flight"),
    ShippingMode.SEA: ("sea", "sea freight", "ocean", "ocean freight", "by sea", "ship", "vessel",
                       "container ship", "fcl", "lcl", "boat"),
    ShippingMode.RAIL: ("rail", "rail freight", "train", "by train", "railway", "by rail"),
    ShippingMode.EXPRESS: ("express", "courier", "dhl", "fedex", "ups", "tnt", "ems",
                           "express courier"),
    ShippingMode.LAND: ("land", "truck", "trucking", "road", "by road", "lorry", "by truck",
                        "land freight"),
    ShippingMode.POST: ("post", "postal", "mail", "by post", "china post", "epacket",
                        "registered mail"),
}  # fmt: skip
_SHIPPING_WORDS = {word: mode for mode, words in _SHIPPING.items() for word in words}

_PROVIDERS = {
    InspectionProvider.PLATFORM: ("platform", "alibaba", "alibaba inspection",
                                  "alibaba inspection service", "trade assurance inspection"),
    InspectionProvider.ASIA_INSPECTION: ("asia inspection", "asiainspection", "qima"),
    InspectionProvider.INTERTEK: ("intertek",),
    InspectionProvider.SGS: ("sgs",),
    InspectionProvider.OTHER: ("other", "bureau veritas", "bv", "tuv", "tüv", "v-trust"),
}  # fmt: skip
_TIMINGS = {
    InspectionTiming.NONE: ("none", "no", "no inspection", "without inspection"),
    InspectionTiming.DURING_PRODUCTION: ("during production", "dupro", "in production",
                                         "during manufacturing"),
    InspectionTiming.BEFORE_LOADING: ("before loading", "pre-shipment", "pre shipment",
                                      "preshipment", "before shipping", "container loading",
                                      "loading supervision", "psi"),
}  # fmt: skip
_COVERAGE = {
    CoverageType.PRE_DELIVERY: ("pre-delivery", "pre delivery", "predelivery", "advance",
                                "before delivery", "pre_delivery"),
    CoverageType.POST_DELIVERY: ("post-delivery", "post delivery", "postdelivery",
                                 "after delivery", "whole payment", "post_delivery"),
}  # fmt: skip


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", (text or "").lower()).split())


def parse_shipping_mode(text: str) -> ShippingMode:
    """ "ocean" -> sea, "train" -> rail, "truck" -> land, "DHL" -> express."""
    key = _key(text)
    if key in _SHIPPING_WORDS:
        return _SHIPPING_WORDS[key]
    # "sea freight to Hamburg": one mode named among other words is fine; two is a question.
    modes = {_SHIPPING_WORDS[w] for w in key.split() if w in _SHIPPING_WORDS}
    if len(modes) == 1:
        return modes.pop()
    raise SpecError("shipping_mode", {"text": text}, "sea")


def parse_inspection_timing(text: str) -> InspectionTiming:
    key = _key(text)
    for timing, words in _TIMINGS.items():
        if key in words or key == timing.value.replace("_", " "):
            return timing
    raise SpecError("inspection_timing", {"text": text}, "before loading")


def parse_inspection_provider(text: str) -> InspectionProvider:
    """The inspecting company. A name we do not list is ``OTHER`` (the flow keeps the text)."""
    key = _key(text)
    if not key:
        raise SpecError("inspection_provider", {"text": text}, "SGS")
    for provider, words in _PROVIDERS.items():
        if key in words or any(w in key.split() for w in words if " " not in w):
            return provider
        if any(" " in w and w in key for w in words):
            return provider
    return InspectionProvider.OTHER


def parse_coverage_type(text: str) -> CoverageType:
    key = _key(text)
    for kind, words in _COVERAGE.items():
        if key in words:
            return kind
    raise SpecError("coverage_type", {"text": text}, "post-delivery")


def parse_inspection_company(text: str) -> tuple[InspectionProvider, str | None]:
    """A typed inspection company: a listed one (no name kept), or ``OTHER`` with its name,
    which must be a company and not the buyer or the supplier ("me myself")."""
    provider = parse_inspection_provider(text)
    if provider != InspectionProvider.OTHER:
        return provider, None
    return provider, check_inspector(text)
