"""The specification and contract draft, worded in the buyer's language, as a PDF.

Everything the guide says belongs in a purchase contract (ch3, ch4) is on it: the
parties, the price and how much of it the programme covers (ch1, ch8), every answer of
the specification, shipping and inspection terms, where to pay (ch5), and the claim and
dispute terms (ch6) both sides sign up to. ``bot.services.spec_sheet`` lays it out.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from babel import Locale

from bot.flows import contract_terms
from bot.flows.order_items import ITEM_STEPS, item_display, item_label, shipping_label
from bot.flows.order_text import (
    money_from,
    order_money,
    rate_line,
    rate_note,
    show,
    supplier_money,
    verification_label,
)
from bot.flows.profile import country_name
from bot.flows.replies import Document, DocumentDraft
from bot.i18n import _, current_locale, current_zone, day, ngettext, percent, use_locale
from bot.services import contracts, spec_sheet
from policy import CoverageType, Money, Rules, ShippingMode, assess_coverage
from policy.rates import default_rates
from storage.models import ContractVersion, Order, Supplier, User

PRODUCT_ITEMS = ("design", "colour", "material", "size", "weight", "quantity", "packaging")
TERMS_ITEMS = ("branding", "customisation", "shipping", "inspection")


def file_name(order: Order) -> str:
    return f"order-{order.id}-specification.pdf"


def build(
    order: Order,
    supplier: Supplier,
    buyer: User,
    rules: Rules,
    now: datetime,
    *,
    version: ContractVersion | None = None,
) -> Document:
    """The PDF, made now (tools and tests; a flow hands ``draft`` to ``App`` instead)."""
    prepared = draft(order, supplier, buyer, rules, now, version=version)
    return prepared.finished(*prepared.make())


def draft(
    order: Order,
    supplier: Supplier,
    buyer: User,
    rules: Rules,
    now: datetime,
    *,
    version: ContractVersion | None = None,
) -> DocumentDraft:
    """Every line worded now, in the reader's language, from the rows as they stand; the
    PDF made later, after the transaction and off the event loop (``bot.workers``)."""
    sections = _sections(order, supplier, buyer, rules, now, version)
    reader = current_locale()
    if reader != "en":
        # Bilingual: the reader's language first, then English, which prevails.
        language = Locale.parse(reader).get_display_name(reader)
        clause = _(
            "This contract is made in {language} and in English. If the two versions "
            "differ, the English version prevails."
        ).format(language=language)
        with use_locale("en", current_zone().key):
            english = _sections(order, supplier, buyer, rules, now, version)
            heading = _("English version (authoritative)")
            english_clause = _(
                "This contract is made in {language} and in English. If the two versions "
                "differ, the English version prevails."
            ).format(language=Locale.parse(reader).get_display_name("en"))
        sections = [
            spec_sheet.Section(_("Language of this contract"), paragraphs=[clause]),
            *sections,
            spec_sheet.Section(heading, paragraphs=[english_clause], new_page=True),
            *english,
        ]
    return DocumentDraft(
        file_name(order),
        partial(spec_sheet.render_checked, _sheet(order, version, now, sections)),
        "application/pdf",
        incomplete_note=_missing_font_note(),
        failed_note=_(
            "The PDF could not be made this time. Press “{button}” on the order in /orders "
            "to get it."
        ).format(button=_("Contract PDF")),
    )


def _sections(
    order: Order,
    supplier: Supplier,
    buyer: User,
    rules: Rules,
    now: datetime,
    version: ContractVersion | None,
) -> list[spec_sheet.Section]:
    return [
        *_version(version),
        _parties(order, supplier, buyer),
        _price(order, supplier, rules, version),
        contract_terms.section(order),
        _items(_("Product specification"), order, PRODUCT_ITEMS),
        _items(_("Branding, customisation, shipping and inspection"), order, TERMS_ITEMS),
        _payment(rules),
        _claims(order, rules),
    ]


def _sheet(
    order: Order, version: ContractVersion | None, now: datetime, sections: list[spec_sheet.Section]
) -> spec_sheet.Sheet:
    # The date on the sheet is the version's (when it was issued), never the download's.
    return spec_sheet.Sheet(
        title=_("Order specification and purchase contract draft"),
        subtitle=_(
            "Order #{id} · prepared on {date} under the Trade Assurance programme · "
            "to be agreed and signed by both parties"
        ).format(id=order.id, date=day(version.created_at if version else now)),
        sections=sections,
        signatures=(_("Buyer"), _("Supplier")),
        signature_fields=(_("Name"), _("Signature"), _("Date")),
        footer=_("Order #{id} · specification and contract draft").format(id=order.id),
        keywords=("tradeguard", f"order-{order.id}"),
    )


def _missing_font_note() -> str:
    return _(
        "Some characters could not be printed in this PDF: the server has no font for "
        "them. The bot's operator must install the fonts the README lists."
    )


def caption(
    order: Order, document: Document | None = None, version: ContractVersion | None = None
) -> str:
    """The message the PDF comes with: a draft until both parties accepted its version,
    saying so when the server lacked a font for it (for a PDF not made yet, ``App`` adds
    that once it is made)."""
    if version is not None and version.buyer_accepted_at and version.supplier_accepted_at:
        text = _("The contract for order #{id}, version {version}, agreed by both parties.")
        text = text.format(id=order.id, version=version.version)
    else:
        text = _("Specification and contract draft for order #{id}.").format(id=order.id)
    if document is not None and document.incomplete:
        text += "\n" + _missing_font_note()
    return text


def _version(version: ContractVersion | None) -> list[spec_sheet.Section]:
    """Which version this is, when both parties accepted it, and its SHA-256."""
    if version is None:
        return []
    agreed = contracts.agreed_at(version)
    return [
        spec_sheet.Section(
            _("Contract version"),
            rows=[
                (_("Version"), str(version.version)),
                (
                    _("Accepted by both parties"),
                    day(agreed) if agreed else _("not yet accepted by both parties"),
                ),
                (_("SHA-256 of the agreed terms"), version.sha256),
            ],
        )
    ]


def _parties(order: Order, supplier: Supplier, buyer: User) -> spec_sheet.Section:
    """Who contracts: the legal names and addresses from the contract terms (or "to be
    agreed"), then who they are in the programme: the buyer's account, the supplier's
    directory entry and assurance limit."""
    terms: dict[str, Any] = (order.spec or {}).get("terms") or {}
    agreed = _("to be agreed")
    account = buyer.display_name or _("Buyer #{id}").format(id=buyer.id)
    if buyer.country:
        account += f" ({country_name(buyer.country)})"
    return spec_sheet.Section(
        _("Parties"),
        rows=[
            (_("Buyer's legal name and address"), str(terms.get("buyer_party") or agreed)),
            (_("Buyer's account in the programme"), account),
            (_("Supplier's legal name and address"), str(terms.get("supplier_party") or agreed)),
            (
                _("Supplier in the programme's directory"),
                f"{supplier.name} ({country_name(supplier.country)}), "
                f"{verification_label(supplier.verification)}",
            ),
            (_("Supplier's assurance limit"), show(supplier_money(supplier))),
        ],
    )


def _price(
    order: Order, supplier: Supplier, rules: Rules, version: ContractVersion | None
) -> spec_sheet.Section:
    amount = order_money(order)
    limit = supplier_money(supplier)
    coverage_item: dict[str, Any] = (order.spec or {}).get("coverage", {})
    rows = [(_("Order amount"), show(amount))]
    if coverage_item:
        rows.append((_("Coverage"), item_display("coverage", coverage_item)))
    # The version's own rate: the cover it states stays the same after ``rates update``.
    used = contracts.rate_of(version)
    if used is None or (used.source, used.target) != (limit.currency, amount.currency):
        used = default_rates().rate_used(limit.currency, amount.currency)
    converted: Money | None = limit if limit.currency == amount.currency else None
    if used is not None:
        converted = used.convert(limit)
        rows.append(
            (_("Supplier's limit in the order's currency"), rate_note(limit, converted, used))
        )
        rows.append((_("Exchange rate used"), rate_line(used)))
    if converted is not None and coverage_item:
        kind = CoverageType(coverage_item["type"])
        advance = None
        if kind == CoverageType.PRE_DELIVERY and coverage_item.get("advance"):
            advance = money_from(coverage_item["advance"])
            rows.append((_("Advance paid before delivery"), show(advance)))
        cover = assess_coverage(
            amount, converted, kind, advance, max_refund_fraction=rules.coverage.max_refund_fraction
        )
        rows.append(
            (
                _("Covered by the programme"),
                _("{covered} ({share} of the order)").format(
                    covered=show(cover.covered), share=percent(cover.percent)
                ),
            )
        )
        if not cover.fully_covered:
            rows.append((_("Not covered"), show(cover.uncovered)))
    return spec_sheet.Section(_("Price and coverage"), rows=rows)


def _items(heading: str, order: Order, items: tuple[str, ...]) -> spec_sheet.Section:
    spec = order.spec or {}
    rows = []
    for item in items:
        assert item in ITEM_STEPS
        value = spec.get(item)
        rows.append((item_label(item), item_display(item, value) if value else _("not answered")))
    return spec_sheet.Section(heading, rows=rows)


def _payment(rules: Rules) -> spec_sheet.Section:
    return spec_sheet.Section(
        _("Payment"),
        paragraphs=[
            _(
                "The buyer pays through the Trade Assurance programme into its escrow account "
                "with {bank}, never into the supplier's own account. The programme releases "
                "the money to the supplier after delivery unless a dispute is opened."
            ).format(bank=rules.programme.escrow_bank)
        ],
    )


def _claims(order: Order, rules: Rules) -> spec_sheet.Section:
    windows = rules.claim_windows
    mode = ShippingMode(order.shipping_mode) if order.shipping_mode else None
    if mode is None and "shipping" in (order.spec or {}):
        mode = ShippingMode(order.spec["shipping"]["mode"])
    paragraphs = [
        _(
            "The goods must match every item of this specification. A measurable deviation "
            "(length, material, weight, colour, quantity, packaging) or delivery after the "
            "deadline entitles the buyer to claim a refund under the programme. Not liking "
            "goods that have no defect is not a ground for a refund."
        ),
        ngettext(
            "The buyer may open a dispute within {n} day of confirming receipt of the goods.",
            "The buyer may open a dispute within {n} days of confirming receipt of the goods.",
            windows.buyer_confirmed_days,
        ).format(n=windows.buyer_confirmed_days),
    ]
    if mode is not None:
        days = windows.auto_confirmed_days[mode]
        paragraphs.append(
            ngettext(
                "If the buyer does not confirm receipt, the platform confirms it automatically "
                "and the buyer then has {n} day to open a dispute (shipping mode: {mode}).",
                "If the buyer does not confirm receipt, the platform confirms it automatically "
                "and the buyer then has {n} days to open a dispute (shipping mode: {mode}).",
                days,
            ).format(mode=shipping_label(mode), n=days)
        )
    response_days = rules.deadlines.supplier_response_days
    paragraphs += [
        ngettext(
            "The supplier has {n} day to respond to a dispute. If the supplier does not "
            "respond, or the response is unsatisfactory, the buyer may escalate it to the "
            "programme's dispute team, whose decision both parties accept.",
            "The supplier has {n} days to respond to a dispute. If the supplier does not "
            "respond, or the response is unsatisfactory, the buyer may escalate it to the "
            "programme's dispute team, whose decision both parties accept.",
            response_days,
        ).format(n=response_days),
        _(
            "A refund cannot exceed the covered amount stated above: the supplier's assurance "
            "limit and, under pre-delivery coverage, the advance."
        ),
    ]
    return spec_sheet.Section(_("Claims and disputes"), paragraphs=paragraphs)
