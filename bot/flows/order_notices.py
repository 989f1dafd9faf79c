"""What the two parties of an order hear from each other, and the platform's automatic
confirmation of receipt.

Each notice says what happened and carries a "See the order" button (signed for the
recipient). A notice whose order has moved on, or whose recipient is no longer that
party, says nothing. ``AUTO_RECEIPT`` also performs the confirmation, through the
service, at the row's due time: the moment the rules give for the shipping mode.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.notices import NoticeCtx, performs, renders
from bot.flows.order_items import shipping_label
from bot.flows.order_text import order_money, order_title, show
from bot.flows.policy_text import method_name
from bot.flows.replies import Button, Reply, esc
from bot.flows.tokens import shortcut_token
from bot.i18n import _, day, moment, ngettext
from bot.services import amendments, contracts, reminders, supplier_orders
from bot.services import orders as service
from policy import ShippingMode
from storage.models import Order, OrderStatus, Reminder, Supplier


async def _order(ctx: NoticeCtx, reminder: Reminder, side: str) -> tuple[Order, Supplier] | None:
    order = await ctx.session.get(Order, reminder.subject_id or 0)
    if order is None:
        return None
    supplier = await ctx.session.get(Supplier, order.supplier_id)
    if supplier is None:
        return None
    if side == "buyer" and order.buyer_id != ctx.recipient.id:
        return None
    if side == "supplier" and (
        ctx.recipient.telegram_id is None or supplier.telegram_id != ctx.recipient.telegram_id
    ):
        return None  # the entry was unbound since: the notice is not theirs any more
    return order, supplier


def _button(ctx: NoticeCtx, order: Order) -> tuple[tuple[Button, ...], ...]:
    token = shortcut_token(ctx.secret, ctx.recipient.telegram_id, "orders", str(order.id))
    return ((Button(_("See the order"), token),),)


def _reply(ctx: NoticeCtx, order: Order, *lines: str) -> Reply:
    return Reply(text="\n".join(lines), buttons=_button(ctx, order))


@renders(reminders.ORDER_TO_REVIEW)
async def order_to_review(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None or found[0].status != OrderStatus.CONFIRMED:
        return None
    order, supplier = found
    version = await contracts.current(ctx.session, order.id)
    if version is None or version.version != int(reminder.payload.get("version", 0)):
        return None  # a newer version was sent since: its own notice follows
    return _reply(
        ctx,
        order,
        _("<b>New order for {supplier}</b>: {title}, version {n} of the contract.").format(
            supplier=esc(supplier.name), title=order_title(order, supplier), n=version.version
        ),
        _(
            "Review the specification and the contract, then accept it or ask for changes. "
            "The buyer can pay only once you accept."
        ),
    )


@renders(reminders.CONTRACT_ACCEPTED)
async def contract_accepted(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "buyer")
    if found is None:
        return None
    order, supplier = found
    return _reply(
        ctx,
        order,
        _("<b>{title}</b>: the supplier accepted version {n} of the contract.").format(
            title=order_title(order, supplier), n=int(reminder.payload.get("version", 0))
        ),
        _("The order is paid: the supplier ships under this version.")
        if order.paid_at is not None
        else _("You can pay now, through the programme: /pay {id}").format(id=order.id),
    )


@renders(reminders.AMENDMENT_STARTED)
async def amendment_started(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None or not amendments.being_amended(found[0]):
        return None
    order, supplier = found
    return _reply(
        ctx,
        order,
        _("<b>{title}</b>: the buyer is changing the specification of this paid order.").format(
            title=order_title(order, supplier)
        ),
        _(
            "Please do not ship yet: you will receive the new version to accept or send "
            "back. Until you accept it, the agreed version stays in force."
        ),
    )


@renders(reminders.AMENDMENT_WITHDRAWN)
async def amendment_withdrawn(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None or found[0].status != OrderStatus.AWAITING_SHIPMENT:
        return None
    order, supplier = found
    payload = reminder.payload or {}
    return _reply(
        ctx,
        order,
        _(
            "<b>{title}</b>: the buyer kept the agreed terms. They stand again as version "
            "{n}, the same as version {m}: ship under them."
        ).format(
            title=order_title(order, supplier),
            n=int(payload.get("version", 0)),
            m=int(payload.get("restores", 0)),
        ),
    )


@renders(reminders.CHANGES_REQUESTED)
async def changes_requested(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "buyer")
    if found is None:
        return None
    order, supplier = found
    version = await contracts.current(ctx.session, order.id)
    reason = version.change_reason if version is not None else ""
    return _reply(
        ctx,
        order,
        _("<b>{title}</b>: the supplier asks for changes: “{reason}”").format(
            title=order_title(order, supplier), reason=esc(reason or "")
        ),
        _(
            "The order is a draft again: change the specification and confirm it to send "
            "the supplier a new version."
        ),
    )


@renders(reminders.PAYMENT_COMING)
async def payment_coming(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None or found[0].status != OrderStatus.AWAITING_FUNDS:
        return None
    order, supplier = found
    return _reply(
        ctx,
        order,
        _(
            "<b>{title}</b>: the buyer is paying by {method} into the programme's escrow account."
        ).format(
            title=order_title(order, supplier),
            method=method_name(str((reminder.payload or {}).get("method", ""))),
        ),
        _(
            "Please do not ship yet: the money is not held until the programme confirms it "
            "arrived. I will tell you then, and you ship under the agreed contract."
        ),
    )


@renders(reminders.FUNDS_RECEIVED)
async def funds_received(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "buyer")
    if found is None or found[0].status != OrderStatus.AWAITING_SHIPMENT:
        return None
    order, supplier = found
    lines = [
        _(
            "<b>{title}</b>: your payment of {amount} is held in the programme's escrow account."
        ).format(title=order_title(order, supplier), amount=show(order_money(order))),
        _(
            "The supplier has been told to ship. The money is released to them only after "
            "you confirm receipt, or the platform does."
        ),
    ]
    if order.delivery_deadline is not None:
        lines.append(
            _("If nothing has shipped by {date}, I will remind you.").format(
                date=day(order.delivery_deadline)
            )
        )
    return _reply(ctx, order, *lines)


@renders(reminders.ORDER_PAID)
async def order_paid(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None or found[0].status != OrderStatus.AWAITING_SHIPMENT:
        return None
    order, supplier = found
    lines = [
        _("<b>{title}</b> is paid into the programme's escrow account.").format(
            title=order_title(order, supplier)
        ),
        _("Ship it as agreed, then mark it shipped with the tracking number in the order."),
    ]
    if order.delivery_deadline is not None:
        lines.append(_("Delivery deadline: {date}").format(date=day(order.delivery_deadline)))
    return _reply(ctx, order, *lines)


@renders(reminders.ORDER_SHIPPED)
async def order_shipped(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "buyer")
    if found is None or order_not_shipped(found[0]):
        return None
    order, supplier = found
    mode = shipping_label(ShippingMode(order.shipping_mode or "sea"))
    report = await supplier_orders.inspection_report(ctx.session, order)
    attached = _("The inspection report from before loading is attached: check it now.")
    report_lines = [attached] if report is not None else []
    reply = _reply(
        ctx,
        order,
        _("<b>{title}</b> has shipped.").format(title=order_title(order, supplier)),
        _(
            "Shipped on {date} by {carrier} ({mode}), tracking number <code>{tracking}</code>"
        ).format(
            date=day(order.ship_date) if order.ship_date else "?",
            carrier=esc(order.carrier or ""),
            mode=mode,
            tracking=esc(order.tracking_number or ""),
        ),
        _(
            "When the goods arrive, check them against the specification and confirm receipt "
            "in the order. If you do not, the platform confirms it automatically."
        ),
        *report_lines,
    )
    return replace(reply, file_id=report.telegram_file_id) if report is not None else reply


def order_not_shipped(order: Order) -> bool:
    return order.shipped_at is None


@renders(reminders.RECEIPT_CONFIRMED)
async def receipt_confirmed(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None:
        return None
    order, supplier = found
    if order.auto_confirmed_at is not None:
        text = _("<b>{title}</b>: receipt was confirmed automatically.")
    else:
        text = _("<b>{title}</b>: the buyer confirmed receipt of the goods.")
    return _reply(ctx, order, text.format(title=order_title(order, supplier)))


@renders(reminders.ORDER_CANCELLED)
async def order_cancelled(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _order(ctx, reminder, "supplier")
    if found is None or found[0].status != OrderStatus.CANCELLED:
        return None
    order, supplier = found
    if (reminder.payload or {}).get("was") == OrderStatus.AWAITING_FUNDS.value:
        text = _(
            "<b>{title}</b> was cancelled by the buyer before their money reached escrow: "
            "do not ship it."
        )
    else:
        text = _("<b>{title}</b> was cancelled by the buyer before payment.")
    return _reply(ctx, order, text.format(title=order_title(order, supplier)))


@performs(reminders.AUTO_RECEIPT)
async def confirm_receipt_by_the_clock(session: AsyncSession, reminder: Reminder) -> None:
    """Confirm receipt at the rules' moment (the row's due time: the dispatcher has no
    clock of its own here) and tell the supplier. Only a shipped order changes, so a
    retried row, a buyer's own confirmation or a settled order leave it alone."""
    order = await session.get(Order, reminder.subject_id or 0)
    if order is None or order.status != OrderStatus.SHIPPED:
        return
    payload = reminder.payload or {}
    await service.auto_confirm_receipt(
        session,
        order,
        reminder.due_at,
        claim_days=int(payload.get("claim_days", 60)),
        days_before=tuple(int(d) for d in payload.get("days_before", (7, 3, 1, 0))),
    )
    supplier = await session.get(Supplier, order.supplier_id)
    if supplier is not None:
        await reminders.notify_party(
            session,
            kind=reminders.RECEIPT_CONFIRMED,
            order_id=order.id,
            recipient_id=await service.supplier_user_id(session, supplier),
            now=reminder.due_at,
        )


@renders(reminders.AUTO_RECEIPT)
async def auto_receipt(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    """Tell the buyer the platform confirmed receipt (the effect above did it). Rendering
    again after a failed delivery only repeats the notice."""
    found = await _order(ctx, reminder, "buyer")
    if found is None:
        return None
    order, supplier = found
    if order.auto_confirmed_at is None:
        return None  # the buyer confirmed it themselves, or the order was settled
    payload = reminder.payload or {}
    days = int(payload.get("claim_days", 60))
    deadline = order.auto_confirmed_at + timedelta(days=days)
    return _reply(
        ctx,
        order,
        _(
            "<b>{title}</b>: you did not confirm receipt, so the platform confirmed it "
            "automatically, as the programme's rules provide for this shipping mode."
        ).format(title=order_title(order, supplier)),
        ngettext(
            "You have {n} day, until {deadline}, to open a dispute if the goods are not as "
            "specified or arrived late.",
            "You have {n} days, until {deadline}, to open a dispute if the goods are not as "
            "specified or arrived late.",
            days,
        ).format(n=days, deadline=moment(deadline)),
    )


async def _either(ctx: NoticeCtx, reminder: Reminder) -> tuple[Order, Supplier] | None:
    return await _order(ctx, reminder, "buyer") or await _order(ctx, reminder, "supplier")


@renders(reminders.CANCEL_REQUESTED)
async def cancel_requested(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _either(ctx, reminder)
    if found is None or found[0].status != OrderStatus.AWAITING_SHIPMENT:
        return None
    order, supplier = found
    if reminder.payload.get("by") == "buyer":
        text = _("<b>{title}</b>: the buyer asks to cancel this paid order before shipment.")
    else:
        text = _("<b>{title}</b>: the supplier asks to cancel this paid order before shipment.")
    return _reply(
        ctx,
        order,
        text.format(title=order_title(order, supplier)),
        _("Open the order to agree or to keep it."),
    )


@renders(reminders.CANCEL_ANSWERED)
async def cancel_answered(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _either(ctx, reminder)
    if found is None:
        return None
    order, supplier = found
    if reminder.payload.get("agreed"):
        text = _(
            "<b>{title}</b> is cancelled: the other party agreed. The payment is returned "
            "from the programme's escrow account, not by the supplier."
        )
    else:
        text = _("<b>{title}</b>: the other party wants to keep the order; it goes ahead.")
    return _reply(ctx, order, text.format(title=order_title(order, supplier)))
