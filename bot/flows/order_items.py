"""How the order flow's answers become the contract's items, and back.

The flow asks small questions (the carton size, then its board grade, then plastic);
the contract (``order.spec``, shared with disputes) holds one entry per item of the
guide's list (ch3), each with a ``display`` sentence and machine fields (numbers as
strings). ``compose`` builds the items from the answers; ``decompose`` gives the
answers back from a stored draft so a buyer can continue it later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.flows.order_terms import terms_item
from bot.flows.order_text import money_data, money_from, show
from bot.i18n import _, day, number, percent
from policy import CoverageType, InspectionProvider, InspectionTiming, Money, ShippingMode

# Item id -> the flow's steps that answer it, in order. Optional parts (the provider
# when there is no inspection, the advance under post-delivery cover) may be absent.
ITEM_STEPS: dict[str, tuple[str, ...]] = {
    "design": ("design",),
    "colour": ("colour",),
    "material": ("material",),
    "size": ("size",),
    "weight": ("weight",),
    "quantity": ("liquid", "quantity"),
    "packaging": ("carton", "board", "plastic"),
    "branding": ("branding",),
    "shipping": ("shipping_mode", "deadline"),
    "customisation": ("customisation",),
    "inspection": ("inspection_timing", "inspection_provider"),
    "coverage": ("coverage_type", "advance"),
}
STEP_ITEM = {step: item for item, steps in ITEM_STEPS.items() for step in steps}
SPEC_STEPS = tuple(step for steps in ITEM_STEPS.values() for step in steps)


def item_label(item: str) -> str:
    labels = {
        "design": _("Design"),
        "colour": _("Colour"),
        "material": _("Material"),
        "size": _("Size"),
        "weight": _("Weight"),
        "quantity": _("Quantity"),
        "packaging": _("Packaging"),
        "branding": _("Branding"),
        "shipping": _("Shipping"),
        "customisation": _("Customisation"),
        "inspection": _("Inspection"),
        "coverage": _("Coverage"),
    }
    return labels[item]


def shipping_label(mode: ShippingMode | str) -> str:
    labels = {
        ShippingMode.AIR: _("Air freight"),
        ShippingMode.SEA: _("Sea freight"),
        ShippingMode.RAIL: _("Rail freight"),
        ShippingMode.EXPRESS: _("Express courier"),
        ShippingMode.LAND: _("Land freight (truck)"),
        ShippingMode.POST: _("Post"),
    }
    return labels[ShippingMode(mode)]


def plastic_label(value: str) -> str:
    labels = {
        "none": _("no plastic"),
        "minimal": _("minimal plastic"),
        "allowed": _("plastic allowed"),
    }
    return labels[value]


def timing_label(timing: InspectionTiming | str) -> str:
    labels = {
        InspectionTiming.NONE: _("No third-party inspection"),
        InspectionTiming.DURING_PRODUCTION: _("Inspection during production"),
        InspectionTiming.BEFORE_LOADING: _("Inspection before loading into containers"),
    }
    return labels[InspectionTiming(timing)]


def provider_label(provider: InspectionProvider | str) -> str:
    labels = {
        InspectionProvider.PLATFORM: _("the platform's inspection service"),
        InspectionProvider.ASIA_INSPECTION: _("Asia Inspection (QIMA)"),
        InspectionProvider.INTERTEK: _("Intertek"),
        InspectionProvider.SGS: _("SGS"),
        InspectionProvider.OTHER: _("another inspection company"),
    }
    return labels[InspectionProvider(provider)]


def coverage_label(kind: CoverageType | str) -> str:
    labels = {
        CoverageType.PRE_DELIVERY: _("Pre-delivery coverage"),
        CoverageType.POST_DELIVERY: _("Post-delivery coverage"),
    }
    return labels[CoverageType(kind)]


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def deadline_instant(deadline: date, zone: str) -> datetime:
    """The end of the deadline day where the buyer is, as an aware UTC instant."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return datetime.combine(deadline, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def unit_label(unit: str) -> str:
    """A count's unit in the reader's language; unit symbols (kg, l) are international."""
    labels = {"pcs": _("pcs"), "sets": _("sets"), "pairs": _("pairs")}
    return labels.get(unit, unit)


def _amount(value: dict[str, Any]) -> str:
    return f"{number(Decimal(value['value']))} {unit_label(value['unit'])}"


def colours_display(parts: list[dict[str, Any]]) -> str:
    """ "body: PANTONE 186 C; trim: PANTONE 2935 C"; the parts stay as the buyer typed them."""
    # Translators: between the colours of a product's parts, "body: …; trim: …".
    return _("; ").join(
        _("{part}: {code}").format(part=p["part"], code=p["code"]) if p.get("part") else p["code"]
        for p in parts
    )


def item_display(item: str, value: dict[str, Any]) -> str:
    """An item as the reader reads it, rebuilt in their language from its machine fields.

    The stored ``display`` was worded in the language of whoever answered, on the day they
    answered; a contract is read by both parties, each in their own language, so the
    values the bot words (modes, inspection, coverage, money, dates, numbers) are worded
    again here. What people typed (a design, a material, a size) stays as written.
    """
    try:
        return _item_display(item, value)
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return str(value.get("display", ""))  # a draft older than its machine fields


def _item_display(item: str, value: dict[str, Any]) -> str:
    if item == "design" and value.get("kind") == "file":
        return _("Design file: {name}").format(name=value["file_name"])
    if item == "colour" and value.get("parts"):
        return colours_display(value["parts"])
    if item == "weight":
        return _amount(value)
    if item == "quantity" and value.get("kind") in ("count", "mass", "volume"):
        shown = _amount(value)
        return f"{shown} {value['item']}" if value.get("item") else shown
    if item == "packaging":
        return _("carton {size}; board: {board}; {plastic}").format(
            size=value["carton"]["display"],
            board=value["board"],
            plastic=plastic_label(value["plastic"]),
        )
    if item == "branding":
        names = ", ".join(f["file_name"] for f in value["files"])
        if not names:
            return _("No branding")
        return _("Logo and label files: {names}").format(names=names)
    if item == "customisation" and value.get("none"):
        return _("None")
    if item == "shipping":
        return _("{mode}, to arrive by {date}").format(
            mode=shipping_label(value["mode"]), date=day(date.fromisoformat(value["deadline"]))
        )
    if item == "inspection":
        if value["timing"] == InspectionTiming.NONE:
            return timing_label(value["timing"])
        known = value.get("provider") not in (None, InspectionProvider.OTHER)
        name = provider_label(value["provider"]) if known else value["provider_name"]
        return _("{timing}, by {provider}").format(
            timing=timing_label(value["timing"]), provider=name
        )
    if item == "coverage":
        return _coverage_display(
            CoverageType(value["type"]),
            money_from(value["advance"]) if value.get("advance") else None,
            money_from(value["covered"]) if value.get("covered") else None,
            Decimal(value["percent"]) if value.get("percent") else None,
        )
    return str(value["display"])


def _coverage_display(
    kind: CoverageType, advance: Money | None, cover: Money | None, share: Decimal | None
) -> str:
    if kind == CoverageType.PRE_DELIVERY and advance is not None:
        display = _("Pre-delivery: the advance of {advance} is covered").format(
            advance=show(advance)
        )
    else:
        display = _("Post-delivery: the whole payment is covered")
    if cover is not None:
        display += _(", up to {covered} ({share} of the order)").format(
            covered=show(cover), share=percent(share or Decimal(0))
        )
    return display


def describe_step(step: str, value: Any) -> str:
    """One answer as the buyer reads it (the "Keep: ..." button, the review)."""
    if isinstance(value, dict) and "display" in value:
        return str(value["display"])
    describers: dict[str, Callable[[Any], str]] = {
        "liquid": lambda v: yes_no(bool(v)),
        "board": str,
        "plastic": plastic_label,
        "shipping_mode": shipping_label,
        "deadline": lambda v: day(date.fromisoformat(v)),
        "inspection_timing": timing_label,
        "inspection_provider": lambda v: str(v.get("name") or provider_label(v["provider"])),
        "coverage_type": coverage_label,
        "advance": lambda v: show(money_from(v)),
    }
    return describers[step](value)


# -- answers -> items ----------------------------------------------------------------------


def compose(
    data: dict[str, Any],
    order: Money,
    covered: Callable[[CoverageType, Money | None], Any],
    zone: str,
) -> dict[str, dict[str, Any]]:
    """Every item whose answers are all given, as the contract stores it.

    ``covered(kind, advance)`` returns the policy's ``Coverage`` for this order, so the
    coverage item records what the buyer was shown when they chose it.
    """
    items: dict[str, dict[str, Any]] = {}
    for item in ("design", "colour", "material", "size", "weight", "branding", "customisation"):
        if item in data:
            items[item] = dict(data[item])
    if "liquid" in data and "quantity" in data:
        items["quantity"] = {**data["quantity"], "liquid": bool(data["liquid"])}
    if all(step in data for step in ("carton", "board", "plastic")):
        items["packaging"] = {
            "display": _("carton {size}; board: {board}; {plastic}").format(
                size=data["carton"]["display"],
                board=data["board"],
                plastic=plastic_label(data["plastic"]),
            ),
            "carton": data["carton"],
            "board": data["board"],
            "plastic": data["plastic"],
        }
    if "shipping_mode" in data and "deadline" in data:
        deadline = date.fromisoformat(data["deadline"])
        items["shipping"] = {
            "display": _("{mode}, to arrive by {date}").format(
                mode=shipping_label(data["shipping_mode"]), date=day(deadline)
            ),
            "mode": data["shipping_mode"],
            "deadline": data["deadline"],
            "deadline_at": deadline_instant(deadline, zone).isoformat(),
        }
    inspection = _inspection(data)
    if inspection is not None:
        items["inspection"] = inspection
    coverage = _coverage(data, order, covered)
    if coverage is not None:
        items["coverage"] = coverage
    terms = terms_item(data)
    if terms is not None:
        items["terms"] = terms
    return items


def _inspection(data: dict[str, Any]) -> dict[str, Any] | None:
    timing = data.get("inspection_timing")
    if timing is None:
        return None
    if timing == InspectionTiming.NONE:
        return {"display": timing_label(timing), "timing": timing, "provider": None}
    provider = data.get("inspection_provider")
    if provider is None:
        return None
    name = provider.get("name") or provider_label(provider["provider"])
    return {
        "display": _("{timing}, by {provider}").format(timing=timing_label(timing), provider=name),
        "timing": timing,
        "provider": provider["provider"],
        "provider_name": name,
    }


def _coverage(
    data: dict[str, Any], order: Money, covered: Callable[[CoverageType, Money | None], Any]
) -> dict[str, Any] | None:
    kind = data.get("coverage_type")
    if kind is None:
        return None
    advance = (
        money_from(data["advance"])
        if kind == CoverageType.PRE_DELIVERY and "advance" in data
        else None
    )
    if kind == CoverageType.PRE_DELIVERY and (advance is None or not advance < order):
        return None  # an advance is required, and it must stay below the order
    result = covered(CoverageType(kind), advance)
    if result is None:  # limit in another currency: the cover cannot be computed
        share, cover = None, None
    else:
        share, cover = result.percent, result.covered
    return {
        "display": _coverage_display(CoverageType(kind), advance, cover, share),
        "type": kind,
        "advance": money_data(advance) if advance is not None else None,
        "covered": money_data(cover) if cover is not None else None,
        "percent": str(share) if share is not None else None,
    }


# -- items -> answers ----------------------------------------------------------------------


def decompose(spec: dict[str, Any]) -> dict[str, Any]:
    """The flow's answers from a stored draft (the inverse of ``compose``)."""
    data: dict[str, Any] = {}
    for item in ("design", "colour", "material", "size", "weight", "branding", "customisation"):
        if item in spec:
            data[item] = spec[item]
    if "quantity" in spec:
        quantity = dict(spec["quantity"])
        data["liquid"] = bool(quantity.pop("liquid", False))
        data["quantity"] = quantity
    if "packaging" in spec:
        for part in ("carton", "board", "plastic"):
            data[part] = spec["packaging"][part]
    if "shipping" in spec:
        data["shipping_mode"] = spec["shipping"]["mode"]
        data["deadline"] = spec["shipping"]["deadline"]
    if "inspection" in spec:
        inspection = spec["inspection"]
        data["inspection_timing"] = inspection["timing"]
        if inspection.get("provider"):
            known = inspection["provider"] != InspectionProvider.OTHER
            data["inspection_provider"] = {
                "provider": inspection["provider"],
                "name": None if known else inspection.get("provider_name"),
            }
    if "coverage" in spec:
        data["coverage_type"] = spec["coverage"]["type"]
        if spec["coverage"].get("advance"):
            data["advance"] = spec["coverage"]["advance"]
    data.update(spec.get("terms") or {})
    return data
