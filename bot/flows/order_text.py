"""Wording shared by the buyer's flows: suppliers, coverage, statuses, amounts typed.

One place for these sentences so /find, /order, /pay and /orders describe a supplier
or an order the same way.
"""

from __future__ import annotations

from decimal import Decimal

from bot.flows.base import Invalid
from bot.flows.policy_text import explain_spec_error
from bot.flows.profile import country_name
from bot.flows.replies import esc
from bot.i18n import _, day, money, percent, rate
from policy import Coverage, Money, PolicyError
from policy.rates import RateUsed, default_rates
from storage.models import Order, OrderStatus, Supplier, Verification

PAGE_SIZE = 5


def verification_label(level: Verification | str) -> str:
    labels = {
        Verification.GOLD: _("Gold supplier"),
        Verification.VERIFIED: _("Verified supplier"),
        Verification.NONE: _("not verified"),
    }
    return labels.get(Verification(level), _("not verified"))


def status_label(status: OrderStatus | str) -> str:
    # The programme's own status names where the guide gives them (ch4).
    labels = {
        OrderStatus.DRAFT: _("Draft: not sent to the supplier yet"),
        OrderStatus.CONFIRMED: _("Sent to the supplier: waiting for their acceptance"),
        OrderStatus.AGREED: _("Contract agreed by both parties: waiting for payment"),
        OrderStatus.AWAITING_FUNDS: _(
            "Payment on its way: the supplier ships once it is held in escrow"
        ),
        OrderStatus.AWAITING_SHIPMENT: _("Waiting for supplier to ship order"),
        OrderStatus.SHIPPED: _("Shipped: waiting for the buyer to confirm receipt"),
        OrderStatus.COMPLETE: _("Order complete"),
        OrderStatus.CANCELLED: _("Cancelled"),
    }
    return labels[OrderStatus(status)]


def order_status(order: Order) -> str:
    """The status as the parties should read it: a paid order whose contract is being
    changed is still paid, not a draft."""
    if order.paid_at is not None and order.status in (OrderStatus.DRAFT, OrderStatus.CONFIRMED):
        if order.status == OrderStatus.CONFIRMED:
            return _("Paid; a changed contract waits for the supplier's acceptance")
        return _("Paid; the buyer is changing the specification")
    return status_label(order.status)


def supplier_money(supplier: Supplier) -> Money:
    return Money(Decimal(supplier.assurance_limit), supplier.currency)


def show(value: Money) -> str:
    return money(value.amount, value.currency)


def supplier_line(supplier: Supplier) -> str:
    return _("<b>{name}</b> ({country}), {verification}").format(
        name=esc(supplier.name),
        country=esc(country_name(supplier.country)),
        verification=verification_label(supplier.verification),
    )


def coverage_lines(supplier: Supplier, coverage: Coverage | None, order: Money) -> list[str]:
    """The limit, what it covers of this order, and the uncovered rest in plain words."""
    limit = supplier_money(supplier)
    if coverage is None:
        return [
            _(
                "Assurance limit {limit}: in another currency than your order, so I cannot "
                "say how much of it is covered. Ask the supplier before you order."
            ).format(limit=show(limit))
        ]
    # A limit in another currency was converted: the figure says at which day's rate.
    converted = coverage.limit.currency != limit.currency
    return [
        _("Assurance limit {limit}: covers {covered} of your order ({share}).").format(
            limit=rate_note(limit, coverage.limit) if converted else show(limit),
            covered=show(coverage.covered),
            share=percent(coverage.percent),
        ),
        *_uncovered(coverage, order),
    ]


def _uncovered(coverage: Coverage, order: Money) -> list[str]:
    if coverage.fully_covered:
        return []
    return [
        _("{uncovered} of your {order} would not be covered.").format(
            uncovered=show(coverage.uncovered), order=show(order)
        )
    ]


def rate_note(limit: Money, converted: Money, used: RateUsed | None = None) -> str:
    """ "US$10,000.00 (≈ €9,520.00 at the rate of 4 Dec 2026)": the rate's date is shown,
    because a converted limit is only as good as the day of its rate. ``used`` is the
    rate a contract version recorded; without one, today's table."""
    when = used.date if used is not None else default_rates().date
    return _("{limit} (≈ {converted} at the exchange rate of {date})").format(
        limit=show(limit), converted=show(converted), date=day(when)
    )


def rate_line(used: RateUsed) -> str:
    """ "1 USD = 0.952 EUR, exchange rate of 4 Dec 2026 (European Central Bank ...)": which
    rate the cover was computed with, of which day, from where, so either party can
    check it."""
    return _("1 {source} = {rate} {target}, exchange rate of {date} ({origin})").format(
        source=used.source,
        rate=rate(used.rate),
        target=used.target,
        date=day(used.date),
        origin=esc(used.source_name),
    )


def high_limit_advice() -> str:
    return _(
        "Tip: prefer a supplier whose limit covers the whole order. The higher the "
        "assurance limit, the more of your money can be refunded if something goes wrong."
    )


def order_title(order: Order, supplier: Supplier) -> str:
    return _("Order #{id} with {supplier}").format(id=order.id, supplier=esc(supplier.name))


def order_money(order: Order) -> Money:
    return Money(Decimal(order.amount), order.currency)


def parse_amount(text: str) -> Money:
    """An order amount as typed ("20000 USD", "$20,000", "USD 20000"), or ``Invalid``."""
    try:
        return Money.parse(text or "")
    except PolicyError as exc:
        raise Invalid(explain_spec_error(exc)) from exc


def split_query(text: str) -> tuple[str, Money | None]:
    """ "scarf 20000 USD" -> ("scarf", 20000 USD); the amount may come first or be absent.

    The longest run of words at either end that reads as money is the amount; the rest
    is the product keyword.
    """
    words = text.split()
    for cut in range(len(words)):
        for amount_words, keyword_words in (
            (words[cut:], words[:cut]),
            (words[: len(words) - cut], words[len(words) - cut :]),
        ):
            if not amount_words:
                continue
            try:
                found = Money.parse(" ".join(amount_words))
            except (PolicyError, TypeError):
                continue
            return " ".join(keyword_words), found
    # A bare number ("scarf 20000") is an amount without a currency: the amount step
    # will ask for it properly rather than search for "20000".
    return " ".join(w for w in words if not w.replace(",", "").replace(".", "").isdigit()), None


def money_data(value: Money) -> dict[str, str]:
    """Money in flow data / JSON: the amount as a string, never a float."""
    return {"amount": str(value.amount), "currency": value.currency}


def money_from(data: dict[str, str]) -> Money:
    return Money(Decimal(data["amount"]), data["currency"])
