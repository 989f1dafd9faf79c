"""The contract terms section of the PDF: delivery rule and place, destination, price per
unit and total, payment schedule (from the coverage type), tolerance, inspection level
and sample size (ISO 2859-1) with the AQL of each defect class. The parties' legal names
and addresses head the contract, in ``order_sheet``'s Parties section. Worded in the
current language; ``order_sheet`` renders it once in the reader's language and once in
English, the authoritative version.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from bot.flows.order_text import money_from, order_money, show
from bot.i18n import _, current_locale, number, percent
from bot.services import spec_sheet
from policy import CoverageType
from policy.terms import payment_schedule, sampling, tables, unit_price
from storage.models import Order


def section(order: Order) -> spec_sheet.Section:
    spec = order.spec or {}
    terms: dict[str, Any] = spec.get("terms") or {}
    agreed = _("to be agreed")
    total = order_money(order)
    rows: list[tuple[str, str]] = []

    code = terms.get("incoterm")
    if code in tables().incoterms:
        rule = tables().incoterms[code]
        rows.append((_("Delivery rule (Incoterms 2020)"), f"{rule.code} {terms['incoterm_place']}"))
        rows.append(
            (
                _("Carriage and insurance"),
                _("main carriage paid by the {carriage}; insurance by the {insurance}").format(
                    carriage=_party(rule.carriage), insurance=_party(rule.insurance)
                ),
            )
        )
    else:
        rows.append((_("Delivery rule (Incoterms 2020)"), agreed))
    rows.append((_("Destination"), str(terms.get("destination") or agreed)))

    quantity = spec.get("quantity") or {}
    pieces = (
        Decimal(quantity["value"])
        if quantity.get("kind") == "count" and quantity.get("value")
        else None
    )
    price = unit_price(total, pieces) if pieces else None
    if price is not None:
        rows.append((_("Unit price"), show(price)))
    rows.append((_("Total"), show(total)))

    coverage = spec.get("coverage") or {}
    kind = CoverageType(coverage.get("type") or order.coverage_type)
    advance = money_from(coverage["advance"]) if coverage.get("advance") else None
    rows.append((_("Payment schedule"), _schedule(total, kind, advance)))

    tolerance = terms.get("tolerance")
    rows.append(
        (
            _("Quantity tolerance"),
            f"±{percent(Decimal(tolerance) / 100)}" if tolerance is not None else agreed,
        )
    )

    level = terms.get("aql_level") or tables().default_level
    if pieces:
        plan = sampling(level, int(pieces))
        inspection = _(
            "general inspection level {level}, single sampling, normal inspection: "
            "{sample} pieces sampled (code letter {letter}) from a lot of {lot}"
        ).format(
            level=level, sample=number(plan.sample_size), letter=plan.code_letter,
            lot=number(plan.lot),
        )  # fmt: skip
    else:
        inspection = _("general inspection level {level}").format(level=level)
    rows.append((_("Inspection (ISO 2859-1)"), inspection))
    defaults = tables().aql_defaults
    rows.append(
        (
            _("Defect classes (AQL)"),
            _("critical {critical} · major {major} · minor {minor}").format(
                critical=aql(defaults["critical"]),
                major=aql(defaults["major"]),
                minor=aql(defaults["minor"]),
            ),
        )
    )
    return spec_sheet.Section(_("Contract terms"), rows=rows)


def aql(value: Decimal) -> str:
    """An AQL as the standard writes it (2.5, 4.0, 0), with the locale's decimal sign."""
    return format_decimal(value, format="0.0##" if value else "0", locale=current_locale())


def _party(who: str) -> str:
    return _("supplier") if who == "seller" else _("buyer")


def _schedule(total: Any, kind: CoverageType, advance: Any) -> str:
    parts = []
    for instalment in payment_schedule(total, kind, advance):
        if instalment.kind == "advance":
            parts.append(
                _("advance before production: {amount}").format(amount=show(instalment.amount))
            )
        elif instalment.kind == "balance":
            parts.append(
                _("balance before shipment: {amount}").format(amount=show(instalment.amount))
            )
        else:
            parts.append(
                _(
                    "the whole {amount} into the programme's escrow account, released to the "
                    "supplier after delivery"
                ).format(amount=show(instalment.amount))
            )
    return "; ".join(parts)
