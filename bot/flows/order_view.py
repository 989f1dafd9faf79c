"""What an order's page says: every fact of its life, for whichever party is looking.

Status, the contract version and who accepted it when (with its SHA-256), payment,
shipment (date, carrier, tracking), receipt, the claim deadline and the dispute with
its state and outcome. Nothing here changes anything.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows import info_texts
from bot.flows.base import Ctx
from bot.flows.dispute_texts import status_label as dispute_status
from bot.flows.order_items import item_display, item_label, shipping_label
from bot.flows.order_text import order_money, rate_line, show
from bot.flows.policy_text import method_name
from bot.flows.replies import esc
from bot.i18n import _, day, moment, money
from bot.services import amendments, cancellation, contracts, disputes, payments, supplier_orders
from bot.services.supplier_orders import Side
from policy import ShippingMode
from policy.rates import RateUsed, default_rates
from storage.models import (
    ContractVersion,
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Order,
    OrderStatus,
    Supplier,
)

# A dispute in these states has settled the order: no more shipping or claim buttons.
SETTLED = (DisputeStatus.RESOLVED, DisputeStatus.DECIDED, DisputeStatus.CLOSED)


async def dispute_of(session: AsyncSession, order: Order) -> Dispute | None:
    return await session.scalar(
        select(Dispute).where(Dispute.order_id == order.id).order_by(Dispute.id.desc()).limit(1)
    )


def contract_lines(version: ContractVersion | None, side: Side) -> list[str]:
    if version is None:
        return []
    lines = [_("Contract version {n}").format(n=version.version)]
    if version.buyer_accepted_at is not None:
        lines.append(
            _("Accepted by the buyer: {when}").format(when=moment(version.buyer_accepted_at))
        )
    if version.supplier_accepted_at is not None:
        lines.append(
            _("Accepted by the supplier: {when}").format(when=moment(version.supplier_accepted_at))
        )
    elif version.changes_requested_at is not None:
        lines.append(
            _("The supplier asked for changes on {when}: “{reason}”").format(
                when=moment(version.changes_requested_at), reason=esc(version.change_reason or "")
            )
        )
    else:
        lines.append(
            _("Waiting for your acceptance.")
            if side == "supplier"
            else _("Waiting for the supplier's acceptance.")
        )
    lines.append(_("SHA-256: <code>{sha}</code>").format(sha=version.sha256))
    return lines


def shipment_lines(order: Order) -> list[str]:
    if order.shipped_at is None or order.ship_date is None:
        return []
    mode = shipping_label(ShippingMode(order.shipping_mode)) if order.shipping_mode else "?"
    return [
        _(
            "Shipped on {date} by {carrier} ({mode}), tracking number <code>{tracking}</code>"
        ).format(
            date=day(order.ship_date),
            carrier=esc(order.carrier or ""),
            mode=mode,
            tracking=esc(order.tracking_number or ""),
        )
    ]


def dispute_lines(dispute: Dispute | None) -> list[str]:
    if dispute is None:
        return []
    line = _("Dispute #{id}: {state}").format(id=dispute.id, state=dispute_status(dispute.status))
    outcome = dispute.decided_amount if dispute.decided_amount is not None else None
    if outcome is None:
        outcome = dispute.resolved_amount
    if outcome is not None and dispute.status in SETTLED:
        line += " · " + _("refund {amount}").format(amount=money(outcome, dispute.currency))
    return [line]


async def history_lines(ctx: Ctx, order: Order, side: Side) -> list[str]:
    lines = []
    if order.confirmed_at:
        lines.append(_("Specification confirmed: {when}").format(when=moment(order.confirmed_at)))
    lines += contract_lines(await contracts.current(ctx.session, order.id), side)
    if order.paid_at:
        payment = await payments.payment_of(ctx.session, order)
        method = method_name(payment.method) if payment else "?"
        lines.append(
            _("Paid: {when}, by {method}").format(when=moment(order.paid_at), method=method)
        )
    elif order.status == OrderStatus.AWAITING_FUNDS:
        payment = await payments.payment_of(ctx.session, order)
        if payment is not None:
            lines.append(
                _("Payment by {method} chosen: {when}; not yet held in escrow").format(
                    method=method_name(payment.method), when=moment(payment.created_at)
                )
            )
    if amendments.being_amended(order):
        agreed = await contracts.in_force(ctx.session, order.id)
        lines.append(
            (
                _(
                    "The buyer is changing this paid order. Version {n} stays in force until "
                    "you accept the new one; please do not ship meanwhile."
                )
                if side == "supplier"
                else _(
                    "You are changing this paid order. Version {n} stays in force until the "
                    "supplier accepts the new one, or until you keep it."
                )
            ).format(n=agreed.version if agreed is not None else 1)
        )
    lines += shipment_lines(order)
    if order.shipped_at is not None and supplier_orders.needs_inspection_report(order):
        report = await supplier_orders.inspection_report(ctx.session, order)
        if report is not None:  # an order shipped before reports were asked for has none
            lines.append(
                _("Inspection report shipped with the goods: {name}").format(
                    name=esc(report.file_name or _("file"))
                )
            )
    if order.receipt_confirmed_at:
        lines.append(
            _("Receipt confirmed by the buyer: {when}").format(
                when=moment(order.receipt_confirmed_at)
            )
        )
    if order.auto_confirmed_at:
        lines.append(
            _("Receipt confirmed by the platform: {when}").format(
                when=moment(order.auto_confirmed_at)
            )
        )
    asked_by = await cancellation.pending_request(ctx.session, order)
    if asked_by == side:
        lines.append(_("You asked to cancel this order; waiting for the other party's answer."))
    elif asked_by == "buyer":
        lines.append(_("The buyer asks to cancel this order before shipment."))
    elif asked_by == "supplier":
        lines.append(_("The supplier asks to cancel this order before shipment."))
    dispute = await dispute_of(ctx.session, order)
    lines += dispute_lines(dispute)
    if dispute is not None:
        # The team's question and what became of it, then the decision's reason: what a
        # party needs to understand the outcome without opening /history.
        lines += await info_texts.request_lines_of(ctx.session, dispute, ctx.now)
        lines += await decision_lines(ctx.session, dispute)
    return lines


async def decision_lines(session: AsyncSession, dispute: Dispute) -> list[str]:
    if dispute.decided_amount is None:
        return []
    decision = await session.scalar(
        select(DisputeEvent)
        .where(DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind == disputes.DECIDED)
        .order_by(DisputeEvent.id.desc())
        .limit(1)
    )
    if decision is None:
        return []
    return [
        _("Decided by the dispute team on {when}. Reason: “{reason}”").format(
            when=moment(decision.created_at), reason=esc((decision.payload or {}).get("reason", ""))
        )
    ]


def terms_lines(order: Order, used: RateUsed | None = None) -> list[str]:
    """Amount, coverage, shipping and inspection; with the cover, the exchange rate it was
    computed with (``used``: the contract version's, or today's for a draft)."""
    spec = order.spec or {}
    lines = [_("Amount: {amount}").format(amount=show(order_money(order)))]
    for item in ("coverage", "shipping", "inspection"):
        if item in spec:
            lines.append(f"{item_label(item)}: {esc(item_display(item, spec[item]))}")
        if item == "coverage" and item in spec and used is not None:
            lines.append(f"{_('Exchange rate used')}: {rate_line(used)}")
    return lines


async def rate_for(session: AsyncSession, order: Order, supplier: Supplier) -> RateUsed | None:
    """The rate the order's cover is computed with: the one its latest contract version
    recorded; before any version (or one issued before rates were recorded), today's."""
    used = contracts.rate_of(await contracts.current(session, order.id))
    if used is not None and (used.source, used.target) == (supplier.currency, order.currency):
        return used
    return default_rates().rate_used(supplier.currency, order.currency)
