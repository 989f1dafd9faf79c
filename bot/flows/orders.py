"""/orders: the buyer's orders, their status and what can be done next.

The list shows each order's status in the programme's words (ch4) and, once receipt
is confirmed, how long is left to open a dispute (ch6). An order's page offers only the
actions its status allows; every action is checked again by ``bot.services.orders``,
which refuses anything but the buyer's own order in the right state.
"""

from __future__ import annotations

from typing import Any

from bot.flows import order_sheet
from bot.flows.base import (
    STAY,
    Answer,
    Choice,
    Command,
    Ctx,
    Flow,
    Goto,
    Invalid,
    Prompt,
    StartFlow,
    Step,
)
from bot.flows.order_items import item_label
from bot.flows.order_text import (
    PAGE_SIZE,
    order_money,
    order_title,
    show,
    status_label,
    supplier_line,
)
from bot.flows.pay import not_found
from bot.flows.policy_text import method_name
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, day, lazy_gettext, moment, ngettext
from bot.services import orders as service
from bot.services import payments
from policy import days_left, is_open
from storage.models import Order, OrderStatus, Supplier

DISPUTE_FLOW = "dispute"  # the dispute engineer's flow; the button shows once it exists


async def start(ctx: Ctx) -> None:
    raw = ctx.arg.strip().lstrip("#")
    if raw:
        try:
            order = await service.get_own_order(ctx.session, ctx.user, int(raw))
        except (service.OrderNotFound, ValueError):
            log_refusal(ctx, "order", raw)
            raise Invalid(not_found(raw)) from None
        ctx.data.update(order_id=order.id, direct=True)
    elif not await service.count_orders(ctx.session, ctx.user):
        raise Invalid(
            _(
                "You have no orders yet. Send /find to look for a supplier whose assurance "
                "limit covers your order."
            )
        )
    ctx.data.setdefault("page", 0)


# -- the list -------------------------------------------------------------------------------


def claim_text(ctx: Ctx, order: Order) -> str | None:
    """ "Open a dispute by 25 Dec 2026 (29 days left)", or that the window has closed."""
    window = service.window_of(order, ctx.app.rules)
    if window is None:
        return None
    if not is_open(window, ctx.now):
        return _("Claim window closed on {date}.").format(date=day(window.deadline))
    left = days_left(window, ctx.now)
    return ngettext(
        "Open a dispute by {date} ({n} day left).",
        "Open a dispute by {date} ({n} days left).",
        left,
    ).format(date=moment(window.deadline), n=left)


async def ask_list(ctx: Ctx) -> Prompt:
    total = await service.count_orders(ctx.session, ctx.user)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(int(ctx.data.get("page", 0)), 0), pages - 1)
    rows_shown = await service.list_orders(
        ctx.session, ctx.user, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    lines = [
        _("<b>Your orders</b> ({count}), page {page} of {pages}").format(
            count=total, page=page + 1, pages=pages
        )
    ]
    rows: list[list[Choice]] = []
    for order, supplier in rows_shown:
        lines.append("")
        lines.append(
            f"<b>#{order.id}</b> {esc(supplier.name)} · {show(order_money(order))}\n"
            f"{status_label(order.status)}"
        )
        claim = claim_text(ctx, order)
        if claim:
            lines.append(claim)
        rows.append([Choice(f"#{order.id} {supplier.name}", {"order": order.id})])
    paging = []
    if page > 0:
        paging.append(Choice(_("« Previous"), {"page": page - 1}))
    if page < pages - 1:
        paging.append(Choice(_("Next »"), {"page": page + 1}))
    if paging:
        rows.append(paging)
    lines += ["", _("Choose an order to see it and what you can do next.")]
    return Prompt(text="\n".join(lines), choices=rows, accepts_text=False)


async def take_list(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Please choose an order with a button."))
    choice = answer.choice or {}
    if "page" in choice:
        ctx.data["page"] = int(choice["page"])
        return STAY
    ctx.data["order_id"] = int(choice["order"])
    ctx.data.pop("confirm_cancel", None)
    return int(choice["order"])


# -- one order ------------------------------------------------------------------------------


def dispute_possible(ctx: Ctx, order: Order) -> bool:
    """Whether to offer "Open a dispute": inside the claim window, or before receipt once
    the delivery deadline has passed (late delivery). The dispute flow decides for real."""
    if DISPUTE_FLOW not in ctx.app.engine.flows:
        return False
    window = service.window_of(order, ctx.app.rules)
    if window is not None:
        return is_open(window, ctx.now)
    return (
        order.status in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.SHIPPED)
        and order.delivery_deadline is not None
        and ctx.now > order.delivery_deadline
    )


def actions(ctx: Ctx, order: Order) -> list[tuple[str, str]]:
    """(action, label) pairs valid for the order's status, most likely first."""
    status = order.status
    found: list[tuple[str, str]] = []
    if status == OrderStatus.DRAFT:
        found.append(("continue", _("Continue the specification")))
    if status == OrderStatus.CONFIRMED:
        found.append(("pay", _("Choose how to pay")))
    if status == OrderStatus.AWAITING_SHIPMENT:
        found.append(("documents", _("I have checked the shipping documents")))
    if status == OrderStatus.SHIPPED:
        found.append(("receipt", _("I received the goods")))
        found.append(("auto", _("The platform auto-confirmed receipt")))
    if dispute_possible(ctx, order):
        found.append(("dispute", _("Open a dispute")))
    if status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
        found.append(("sheet", _("Specification PDF")))
    if status in service.CANCELLABLE:
        found.append(("cancel", _("Cancel this order")))
    return found


async def _own(ctx: Ctx) -> tuple[Order, Supplier]:
    try:
        order = await service.get_own_order(ctx.session, ctx.user, int(ctx.data["order_id"]))
    except (service.OrderNotFound, KeyError, ValueError):
        raise Invalid(not_found(ctx.data.get("order_id", ""))) from None
    return order, await service.supplier_of(ctx.session, order)


async def ask_detail(ctx: Ctx) -> Prompt:
    order, supplier = await _own(ctx)
    if ctx.data.get("confirm_cancel"):
        return Prompt(
            text=_(
                "Cancel {title}? Nothing has been paid; it stays in your list as cancelled."
            ).format(title=order_title(order, supplier)),
            choices=[
                [
                    Choice(_("Yes, cancel it"), {"action": "cancel_yes"}),
                    Choice(_("No, keep it"), {"action": "cancel_no"}),
                ]
            ],
            accepts_text=False,
        )
    lines = [
        f"<b>{order_title(order, supplier)}</b>",
        supplier_line(supplier),
        _("Amount: {amount}").format(amount=show(order_money(order))),
        _("Status: {status}").format(status=status_label(order.status)),
    ]
    spec = order.spec or {}
    for item in ("coverage", "shipping", "inspection"):
        if item in spec:
            lines.append(f"{item_label(item)}: {esc(spec[item]['display'])}")
    lines += await _history(ctx, order)
    claim = claim_text(ctx, order)
    if claim:
        lines.append(f"<b>{claim}</b>")
    if order.status == OrderStatus.DRAFT:
        missing = service.missing_items(order)
        lines.append(
            _("{n} of {total} items answered.").format(
                n=len(service.SPEC_ITEMS) - len(missing), total=len(service.SPEC_ITEMS)
            )
        )
    rows = [[Choice(label, {"action": action})] for action, label in actions(ctx, order)]
    rows.append([Choice(_("« All orders"), {"action": "list"})])
    return Prompt(text="\n".join(lines), choices=rows, accepts_text=False)


async def _history(ctx: Ctx, order: Order) -> list[str]:
    lines = []
    if order.confirmed_at:
        lines.append(_("Specification confirmed: {when}").format(when=moment(order.confirmed_at)))
    if order.paid_at:
        payment = await payments.payment_of(ctx.session, order)
        method = method_name(payment.method) if payment else "?"
        lines.append(
            _("Paid: {when}, by {method}").format(when=moment(order.paid_at), method=method)
        )
    if order.shipped_at:
        lines.append(_("Shipping documents checked: {when}").format(when=moment(order.shipped_at)))
    if order.receipt_confirmed_at:
        lines.append(
            _("Receipt confirmed by you: {when}").format(when=moment(order.receipt_confirmed_at))
        )
    if order.auto_confirmed_at:
        lines.append(
            _("Receipt confirmed by the platform: {when}").format(
                when=moment(order.auto_confirmed_at)
            )
        )
    return lines


async def take_detail(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Please choose with the buttons."))
    action = str((answer.choice or {}).get("action"))
    if action == "list":
        ctx.data.pop("order_id", None)
        ctx.data["direct"] = False
        return Goto("list")
    order, supplier = await _own(ctx)
    try:
        return await _act(ctx, action, order, supplier)
    except service.WrongStatus:
        raise Invalid(
            _("{title} is now “{status}”: that is no longer possible.").format(
                title=order_title(order, supplier), status=status_label(order.status)
            )
        ) from None
    except service.OrderNotFound:
        raise Invalid(not_found(order.id)) from None


async def _act(ctx: Ctx, action: str, order: Order, supplier: Supplier) -> Any:
    session, user, now, rules = ctx.session, ctx.user, ctx.now, ctx.app.rules
    if action == "continue":
        return StartFlow("order", f"draft:{order.id}")
    if action == "pay":
        return StartFlow("pay", str(order.id))
    if action == "dispute":
        if not dispute_possible(ctx, order):
            raise Invalid(_("A dispute cannot be opened on this order now."))
        return StartFlow(DISPUTE_FLOW, str(order.id))
    if action == "documents":
        await service.confirm_shipping_documents(session, order, user, now)
        ctx.note(
            _(
                "Noted: shipping documents checked. When the goods arrive, check them against "
                "the specification, then tell me here."
            )
        )
    elif action in ("receipt", "auto"):
        days = _reminder_days(ctx)
        if action == "receipt":
            window = await service.confirm_receipt(
                session, order, user, now, rules, days_before=days
            )
        else:
            window = await service.record_auto_confirmation(
                session, order, user, now, rules, days_before=days
            )
        ctx.note(
            ngettext(
                "Order complete. You have {n} day, until {deadline}, to open a dispute if "
                "the goods are not as specified or arrived late. I will remind you before then.",
                "Order complete. You have {n} days, until {deadline}, to open a dispute if "
                "the goods are not as specified or arrived late. I will remind you before then.",
                window.days,
            ).format(n=window.days, deadline=moment(window.deadline))
        )
    elif action == "sheet":
        document = order_sheet.build(order, supplier, user, rules, now)
        ctx.notes.append(
            Reply(
                text=_("Specification and contract draft for order #{id}.").format(id=order.id),
                document=document,
            )
        )
    elif action == "cancel":
        ctx.data["confirm_cancel"] = True
    elif action == "cancel_yes":
        ctx.data.pop("confirm_cancel", None)
        await service.cancel(session, order, user, now)
        ctx.note(_("{title} is cancelled.").format(title=order_title(order, supplier)))
    elif action == "cancel_no":
        ctx.data.pop("confirm_cancel", None)
    else:
        raise Invalid(_("Please choose with the buttons."))
    return STAY


def _reminder_days(ctx: Ctx) -> tuple[int, ...]:
    raw = ctx.app.settings.claim_reminder_days
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        return (7, 3, 1, 0)


FLOWS = [
    Flow(
        name="orders",
        steps=(
            Step(
                "list", ask_list, take_list, when=lambda c: not c.data.get("direct"), counted=False
            ),
            Step("detail", ask_detail, take_detail, counted=False),
        ),
        start=start,
        show_progress=False,
    )
]

COMMANDS = [
    Command("orders", lazy_gettext("Your orders, their status and claim deadlines"), flow="orders")
]
