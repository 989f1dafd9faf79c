"""What the buyer's order reminders say: a payment not yet in escrow when its method
says it should be (ch5), the claim window closing (ch6) and a shipment that has not
come by the contract's deadline (ch1: late delivery is a ground).

Each carries shortcut buttons that open the right place: the order in /orders, or the
dispute flow for that order. A reminder whose order has moved on says nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.flows.notices import NoticeCtx, renders
from bot.flows.order_text import order_title
from bot.flows.policy_text import method_name
from bot.flows.replies import Button, Reply
from bot.flows.tokens import shortcut_token
from bot.i18n import _, day, moment, ngettext
from bot.services import disputes, reminders
from storage.models import Dispute, Order, OrderStatus, Payment, Reminder, Supplier


async def _order(ctx: NoticeCtx, reminder: Reminder) -> tuple[Order, Supplier] | None:
    order = await ctx.session.get(Order, reminder.subject_id or 0)
    if order is None or order.buyer_id != ctx.recipient.id:
        return None
    supplier = await ctx.session.get(Supplier, order.supplier_id)
    return (order, supplier) if supplier is not None else None


def _buttons(ctx: NoticeCtx, order: Order) -> tuple[tuple[Button, ...], ...]:
    me, arg = ctx.recipient.telegram_id, str(order.id)
    return (
        (
            Button(_("Open a dispute"), shortcut_token(ctx.secret, me, "dispute", arg)),
            Button(_("See the order"), shortcut_token(ctx.secret, me, "orders", arg)),
        ),
    )


@renders(reminders.CLAIM_WINDOW_CLOSING)
async def claim_window_closing(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder)
    if found is None:
        return None
    order, supplier = found
    if order.status != OrderStatus.COMPLETE:
        return None
    disputed = await ctx.session.scalar(select(Dispute.id).where(Dispute.order_id == order.id))
    if disputed is not None:
        return None  # already claimed: the dispute's own reminders take over
    deadline = datetime.fromisoformat(reminder.payload["deadline"])
    days = int(reminder.payload.get("days_before", 0))
    if days == 0:
        when = _("today, at {time}").format(time=moment(deadline))
    else:
        when = ngettext("in {n} day, on {time}", "in {n} days, on {time}", days).format(
            n=days, time=moment(deadline)
        )
    return Reply(
        text="\n".join(
            [
                _("<b>{title}</b>: your time to open a dispute ends {when}.").format(
                    title=order_title(order, supplier), when=when
                ),
                _(
                    "If the goods arrived late or differ from the specification, open a "
                    "dispute before then; afterwards the programme cannot refund you."
                ),
            ]
        ),
        buttons=_buttons(ctx, order),
    )


@renders(reminders.FUNDS_OVERDUE)
async def funds_overdue(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder)
    if found is None or found[0].status != OrderStatus.AWAITING_FUNDS:
        return None  # recorded or cancelled since: nothing is missing
    order, supplier = found
    payment = await ctx.session.get(Payment, int(reminder.payload.get("payment", 0)))
    if payment is None or payment.order_id != order.id or payment.received_at is not None:
        return None
    see = Button(
        _("See the order"),
        shortcut_token(ctx.secret, ctx.recipient.telegram_id, "orders", str(order.id)),
    )
    return Reply(
        text="\n".join(
            [
                _(
                    "<b>{title}</b>: your payment by {method}, chosen on {chosen}, is not "
                    "recorded in the escrow account yet; by that method it should have "
                    "arrived by {date}."
                ).format(
                    title=order_title(order, supplier),
                    method=method_name(payment.method),
                    chosen=day(payment.created_at),
                    date=day(datetime.fromisoformat(reminder.payload["expected_by"])),
                ),
                _(
                    "If you sent it, check with your bank that it went to the programme's "
                    "escrow account quoting order #{id}, and keep the bank's receipt. If you "
                    "have not, pay now or cancel the order. The supplier does not ship "
                    "before the money is held."
                ).format(id=order.id),
            ]
        ),
        buttons=((see,),),
    )


@renders(reminders.SHIPMENT_OVERDUE)
async def shipment_overdue(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder)
    if found is None:
        return None
    order, supplier = found
    if order.status != OrderStatus.AWAITING_SHIPMENT:
        return None  # shipped (or settled) since: nothing is overdue
    if await disputes.dispute_of_order(ctx.session, order.id) is not None:
        return None  # the buyer already claimed: suggesting a claim would only confuse
    deadline = datetime.fromisoformat(reminder.payload["deadline"])
    return Reply(
        text="\n".join(
            [
                _(
                    "<b>{title}</b>: the goods were due by {date}, and no shipment is confirmed."
                ).format(title=order_title(order, supplier), date=day(deadline)),
                _(
                    "Ask the supplier first; if the delivery is late, you can claim a refund "
                    "for late delivery. Keep every message with the supplier as evidence. If "
                    "the goods did ship, the supplier marks the order shipped with its "
                    "tracking number."
                ),
            ]
        ),
        buttons=_buttons(ctx, order),
    )
