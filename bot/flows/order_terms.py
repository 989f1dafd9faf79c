"""The contract terms a purchase contract carries beyond the specification: the delivery
rule (Incoterms 2020) and its named place, the destination, the quantity tolerance, the
ISO 2859-1 inspection level, and the parties' legal names and addresses.

They are asked from the review ("Set the contract terms"), one question after another,
and then the flow returns to the review; they are not counted among the specification's
items, so a draft can be confirmed with some still "to be agreed". The answers are one
``terms`` entry of the contract (``order_items.compose``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.flows.base import Answer, Choice, Ctx, Invalid, Prompt, Step
from bot.flows.contract_terms import aql
from bot.flows.policy_text import explain_spec_error
from bot.i18n import _, number, percent
from policy import PolicyError
from policy.answers import check_party, check_place
from policy.terms import incoterms_for, parse_tolerance, tables

OPEN = "_terms"  # flow-data flag: the buyer is answering the terms from the review
TERMS_STEPS = (
    "incoterm",
    "incoterm_place",
    "destination",
    "tolerance",
    "aql_level",
    "buyer_party",
    "supplier_party",
)
MAX_PLACE = 300


def place_label(kind: str) -> str:
    labels = {
        "delivery": _("the named place of delivery"),
        "destination": _("the named place of destination"),
        "shipment_port": _("the named port of shipment"),
        "destination_port": _("the named port of destination"),
    }
    return labels[kind]


def level_label(level: str) -> str:
    labels = {
        "I": _("I (smaller sample)"),
        "II": _("II (the usual level)"),
        "III": _("III (larger sample)"),
    }
    return labels[level]


def _typed(answer: Answer, limit: int = MAX_PLACE) -> str:
    text = " ".join((answer.text or "").split())
    if answer.pressed or not text or len(text) > limit:
        raise Invalid(
            _("Please type it, in at most {n} characters.").format(n=number(Decimal(limit)))
        )
    return text


async def ask_incoterm(ctx: Ctx) -> Prompt:
    rules = incoterms_for(ctx.data.get("shipping_mode"))
    buttons = [Choice(f"{rule.code} · {rule.name}", rule.code) for rule in rules]
    return Prompt(
        text=_(
            "<b>Delivery rule (Incoterms 2020).</b> Who pays the carriage and the insurance, "
            "and where the risk passes from the supplier to you. The four sea rules (FAS, "
            "FOB, CFR, CIF) are offered for sea freight only."
        ),
        choices=[buttons[i : i + 2] for i in range(0, len(buttons), 2)],
        accepts_text=False,
    )


async def take_incoterm(ctx: Ctx, answer: Answer) -> str:
    codes = {rule.code for rule in incoterms_for(ctx.data.get("shipping_mode"))}
    if not answer.pressed or answer.choice not in codes:
        raise Invalid(_("Choose one of the rules with the buttons."))
    return str(answer.choice)


async def ask_incoterm_place(ctx: Ctx) -> Prompt:
    rule = tables().incoterms[ctx.data["incoterm"]]
    return Prompt(
        text=_(
            "<b>Named place.</b> {rule} needs {place}, for example <code>Ningbo, China</code>."
        ).format(rule=rule.code, place=place_label(rule.place))
    )


def _checked(check: Callable[[str], Any], text: str) -> Any:
    try:
        return check(text)
    except PolicyError as exc:
        raise Invalid(explain_spec_error(exc)) from exc


async def take_place(ctx: Ctx, answer: Answer) -> str:
    return str(_checked(check_place, _typed(answer)))


async def take_party(ctx: Ctx, answer: Answer) -> str:
    return str(_checked(check_party, _typed(answer)))


async def ask_destination(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Destination.</b> Where must the goods finally arrive? A full address, or a "
            "city and country."
        )
    )


async def ask_tolerance(ctx: Ctx) -> Prompt:
    presets = (0, 3, 5, 10)
    return Prompt(
        text=_(
            "<b>Quantity tolerance.</b> By how many percent may the delivered quantity differ "
            "from the order, more or less? Press one or type a number from 0 to 20."
        ),
        choices=[[Choice(f"±{n}%", str(n)) for n in presets]],
    )


async def take_tolerance(ctx: Ctx, answer: Answer) -> str:
    raw = str(answer.choice) if answer.pressed else (answer.text or "")
    return str(_checked(parse_tolerance, raw))


async def ask_aql_level(ctx: Ctx) -> Prompt:
    defaults = tables().aql_defaults
    return Prompt(
        text=_(
            "<b>Inspection level (ISO 2859-1).</b> The general inspection level sets how many "
            "pieces the inspector samples. The lot is accepted with at most AQL "
            "{critical} critical, {major} major and {minor} minor defects."
        ).format(
            critical=aql(defaults["critical"]),
            major=aql(defaults["major"]),
            minor=aql(defaults["minor"]),
        ),
        choices=[[Choice(level_label(level), level) for level in tables().levels]],
        accepts_text=False,
    )


async def take_aql_level(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in tables().levels:
        raise Invalid(_("Choose a level with the buttons."))
    return str(answer.choice)


async def ask_buyer_party(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_("<b>Buyer.</b> Your company's legal name and full address, as on the contract.")
    )


async def ask_supplier_party(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Supplier.</b> The supplier's legal name and full address, as on their "
            "business licence."
        )
    )


async def take_supplier_party(ctx: Ctx, answer: Answer) -> str:
    from bot.flows.order_steps import sync_draft  # the steps module imports the items

    ctx.data["supplier_party"] = await take_party(ctx, answer)
    ctx.data.pop(OPEN, None)  # the last question: back to the review
    await sync_draft(ctx)  # the terms become the draft's ``terms`` entry
    return str(ctx.data["supplier_party"])


def _open(ctx: Ctx) -> bool:
    return bool(ctx.data.get(OPEN))


def terms_steps() -> tuple[Step, ...]:
    handlers: dict[str, tuple[Any, Any]] = {
        "incoterm": (ask_incoterm, take_incoterm),
        "incoterm_place": (ask_incoterm_place, take_place),
        "destination": (ask_destination, take_place),
        "tolerance": (ask_tolerance, take_tolerance),
        "aql_level": (ask_aql_level, take_aql_level),
        "buyer_party": (ask_buyer_party, take_party),
        "supplier_party": (ask_supplier_party, take_supplier_party),
    }
    return tuple(
        Step(name, ask, take, when=_open, counted=False) for name, (ask, take) in handlers.items()
    )


def review_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The terms answered so far, each as (label, value), for the review; the rest are
    "to be agreed", as the contract prints them."""
    agreed = _("to be agreed")
    code = data.get("incoterm")
    rule = tables().incoterms.get(code) if isinstance(code, str) else None
    if rule is not None:
        place = data.get("incoterm_place")
        delivery = f"{rule.code} {place}" if place else f"{rule.code} ({agreed})"
    else:
        delivery = agreed
    tolerance = data.get("tolerance")
    try:
        shown_tolerance = f"±{percent(Decimal(str(tolerance)) / 100)}" if tolerance else agreed
    except (InvalidOperation, ArithmeticError):
        shown_tolerance = agreed
    level = data.get("aql_level")
    return [
        (_("Delivery rule (Incoterms 2020)"), delivery),
        (_("Destination"), str(data.get("destination") or agreed)),
        (_("Quantity tolerance"), shown_tolerance),
        (
            _("Inspection level (ISO 2859-1)"),
            level_label(level) if level in tables().levels else agreed,
        ),
        (_("Buyer's legal name and address"), str(data.get("buyer_party") or agreed)),
        (_("Supplier's legal name and address"), str(data.get("supplier_party") or agreed)),
    ]


def terms_item(data: dict[str, Any]) -> dict[str, Any] | None:
    """The contract's ``terms`` entry, once every question was answered."""
    if not all(step in data for step in TERMS_STEPS):
        return None
    return {step: data[step] for step in TERMS_STEPS}
