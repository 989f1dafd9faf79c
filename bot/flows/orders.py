"""/orders: a user's orders on either side, their status and what can be done next.

A buyer sees the orders they placed; a supplier whose directory entry is bound to
their Telegram account sees the orders sent to them, once the buyer confirmed the
specification. The list shows each order's status in the programme's words (ch4) and,
once receipt is confirmed, how long is left to open a dispute (ch6). An order's page
offers only the actions its status and the user's side allow; every action is checked
again by the services, which refuse anything but the right party in the right state.
"""

from __future__ import annotations

from typing import Any

from bot.flows import order_actions
from bot.flows.base import STAY, Answer, Choice, Command, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.order_text import PAGE_SIZE, order_money, order_status, order_title, show
from bot.flows.order_view import history_lines, rate_for, terms_lines
from bot.flows.pay import not_found
from bot.flows.refusals import log_refusal
from bot.flows.replies import esc
from bot.i18n import _, day, lazy_gettext, moment, ngettext
from bot.services import orders as service
from bot.services import supplier_orders
from policy import days_left, is_open
from storage.models import Order, OrderStatus, User

DISPUTE_FLOW = order_actions.DISPUTE_FLOW


async def start(ctx: Ctx) -> None:
    raw = ctx.arg.strip().lstrip("#")
    if raw:
        try:
            order, _side = await supplier_orders.party_order(ctx.session, ctx.user, int(raw))
        except (service.OrderNotFound, ValueError):
            log_refusal(ctx, "order", raw)
            raise Invalid(not_found(raw)) from None
        ctx.data.update(order_id=order.id, direct=True)
    elif not await supplier_orders.count_for(ctx.session, ctx.user):
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
    total = await supplier_orders.count_for(ctx.session, ctx.user)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(int(ctx.data.get("page", 0)), 0), pages - 1)
    rows_shown = await supplier_orders.list_for(
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
        mark = "" if order.buyer_id == ctx.user.id else " · " + _("to you as the supplier")
        lines.append(
            f"<b>#{order.id}</b> {esc(supplier.name)} · {show(order_money(order))}{mark}\n"
            f"{order_status(order)}"
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
    ctx.data.pop("asking", None)
    return int(choice["order"])


# -- one order ------------------------------------------------------------------------------


async def ask_detail(ctx: Ctx) -> Prompt:
    order, supplier, side = await order_actions.load(ctx)
    asking = order_actions.question(ctx, order, supplier)
    if asking is not None:
        return asking
    buyer = await ctx.session.get(User, order.buyer_id) if side == "supplier" else None
    lines = [
        f"<b>{order_title(order, supplier)}</b>",
        order_actions.party_line(supplier, side, buyer),
        *terms_lines(order, await rate_for(ctx.session, order, supplier)),
        _("Status: {status}").format(status=order_status(order)),
    ]
    lines += await history_lines(ctx, order, side)
    claim = claim_text(ctx, order)
    if claim:
        lines.append(f"<b>{claim}</b>")
    if order.status == OrderStatus.DRAFT and side == "buyer":
        missing = service.missing_items(order)
        lines.append(
            _("{n} of {total} items answered.").format(
                n=len(service.SPEC_ITEMS) - len(missing), total=len(service.SPEC_ITEMS)
            )
        )
    found = await order_actions.actions(ctx, order, side)
    rows = [[Choice(label, {"action": action, **extra})] for action, label, extra in found]
    rows.append([Choice(_("« All orders"), {"action": "list"})])
    return Prompt(text="\n".join(lines), choices=rows, accepts_text=False)


async def take_detail(ctx: Ctx, answer: Answer) -> Any:
    if ctx.data.get("asking") == "reason" and not answer.pressed:
        return await order_actions.take_reason(ctx, answer.text or "")
    if not answer.pressed:
        raise Invalid(_("Please choose with the buttons."))
    choice = answer.choice or {}
    action = str(choice.get("action"))
    if action == "list":
        ctx.data.pop("order_id", None)
        ctx.data.pop("asking", None)
        ctx.data["direct"] = False
        return Goto("list")
    order, supplier, side = await order_actions.load(ctx)
    try:
        return await order_actions.act(ctx, action, choice, order, supplier, side)
    except service.WrongStatus:
        ctx.data.pop("asking", None)
        raise Invalid(
            _("{title} is now “{status}”: that is no longer possible.").format(
                title=order_title(order, supplier), status=order_status(order)
            )
        ) from None
    except service.OrderNotFound:
        ctx.data.pop("asking", None)
        log_refusal(ctx, "order action", action)
        raise Invalid(not_found(order.id)) from None


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
