"""What each party may do on an order's page, and doing it.

The buyer continues or amends the specification, pays an agreed contract, confirms
receipt, opens a dispute, or cancels before paying; the supplier accepts the contract
or asks for changes (with a reason), and marks the goods shipped. Buttons are offered
only where the status, the side and any dispute allow them, and the services check
everything again. The buyer never chooses how receipt was confirmed: the platform's
automatic confirmation is the scheduler's (``bot.flows.order_notices``).
"""

from __future__ import annotations

from typing import Any

from bot.flows import order_sheet
from bot.flows.base import STAY, Choice, Ctx, Invalid, Prompt, StartFlow
from bot.flows.order_text import order_title, supplier_line
from bot.flows.order_view import SETTLED, dispute_of
from bot.flows.pay import not_found
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, moment, ngettext
from bot.services import amendments, cancellation, contracts, payments, supplier_orders
from bot.services import orders as service
from bot.services.supplier_orders import Side
from policy import is_open
from storage.models import Order, OrderStatus, Supplier, User

DISPUTE_FLOW = "dispute"  # the dispute engineer's flow; the button shows once it exists
SHIP_FLOW = "ship"


async def load(ctx: Ctx) -> tuple[Order, Supplier, Side]:
    try:
        order, side = await supplier_orders.party_order(
            ctx.session, ctx.user, int(ctx.data["order_id"])
        )
    except (service.OrderNotFound, KeyError, ValueError):
        raise Invalid(not_found(ctx.data.get("order_id", ""))) from None
    return order, await service.supplier_of(ctx.session, order), side


def party_line(supplier: Supplier, side: Side, buyer: User | None) -> str:
    """Who the other party is: the supplier's listing for the buyer, the buyer's name for
    the supplier (none once the buyer has had their data erased)."""
    if side == "supplier":
        if buyer is not None and buyer.display_name:
            return _("You are the supplier of this order, for {buyer}.").format(
                buyer=esc(buyer.display_name)
            )
        return _("You are the supplier of this order.")
    return supplier_line(supplier)


def _yes_or_no(text: str, *, yes: str, action: str, no: str) -> Prompt:
    """A confirmation on the order's page: ``action`` goes ahead, the other goes back."""
    return Prompt(
        text=text,
        choices=[[Choice(yes, {"action": action}), Choice(no, {"action": "back"})]],
        accepts_text=False,
    )


def _answering(ctx: Ctx, order: Order, asked: str) -> None:
    """A confirming button counts only right after its question: not stale, not forged."""
    if ctx.data.pop("asking", None) != asked:
        raise service.WrongStatus(order, ())


def question(ctx: Ctx, order: Order, supplier: Supplier) -> Prompt | None:
    """A pending yes/no or the supplier's reason, asked on the order's own page."""
    asking = ctx.data.get("asking")
    if asking == "cancel":
        question = (
            _(
                "Cancel {title}? The money is not held in escrow yet. If you have sent it, "
                "the programme returns it to you when it arrives. The order stays in your "
                "list as cancelled."
            )
            if order.status == OrderStatus.AWAITING_FUNDS
            else _("Cancel {title}? Nothing has been paid; it stays in your list as cancelled.")
        )
        return _yes_or_no(
            question.format(title=order_title(order, supplier)),
            yes=_("Yes, cancel it"),
            action="cancel_yes",
            no=_("No, keep it"),
        )
    if asking == "repay":
        return _yes_or_no(
            _(
                "Pay {title} another way? Do this only if you have not sent the money: "
                "money already on its way is recorded when it arrives, and you would then "
                "pay twice."
            ).format(title=order_title(order, supplier)),
            yes=_("Yes, choose another method"),
            action="repay_yes",
            no=_("No, keep it"),
        )
    if asking == "receipt":
        return _yes_or_no(
            "\n".join(
                [
                    _("Confirm that you received {title}?").format(
                        title=order_title(order, supplier)
                    ),
                    _(
                        "Confirm only when the goods are in your hands: the programme then "
                        "releases the payment to the supplier and your time to open a "
                        "dispute starts. Check the goods against the specification first."
                    ),
                ]
            ),
            yes=_("Yes, I have the goods"),
            action="receipt_yes",
            no=_("No, not yet"),
        )
    if asking == "amend_paid":
        return _yes_or_no(
            "\n".join(
                [
                    _("Change the specification of {title}?").format(
                        title=order_title(order, supplier)
                    ),
                    _(
                        "It is paid and not shipped yet. The agreed contract stays in force "
                        "until the supplier accepts your new version, and they are asked not "
                        "to ship meanwhile. The amount and the coverage stay as paid: to "
                        "change the price, ask to cancel and order again."
                    ),
                ]
            ),
            yes=_("Yes, change it"),
            action="amend_paid_yes",
            no=_("No, keep it"),
        )
    if asking == "ask_cancel":
        return _yes_or_no(
            _(
                "Ask to cancel {title}? It is paid and not shipped yet: it is cancelled only "
                "if the other party agrees."
            ).format(title=order_title(order, supplier)),
            yes=_("Yes, ask to cancel"),
            action="ask_cancel_yes",
            no=_("No, keep it"),
        )
    if asking == "reason":
        return Prompt(
            text=_(
                "What should the buyer change in {title}? Write it in one message; the buyer "
                "edits the specification and sends you a new version."
            ).format(title=order_title(order, supplier)),
            choices=[[Choice(_("« Back to the order"), {"action": "back"})]],
        )
    return None


async def dispute_possible(ctx: Ctx, order: Order) -> bool:
    """Whether to offer "Open a dispute": inside the claim window, or before receipt once
    the delivery deadline has passed (late delivery), and never a second one. The
    dispute flow decides for real."""
    if DISPUTE_FLOW not in ctx.app.engine.flows:
        return False
    if await dispute_of(ctx.session, order) is not None:
        return False
    window = service.window_of(order, ctx.app.rules)
    if window is not None:
        return is_open(window, ctx.now)
    return (
        order.status in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.SHIPPED)
        and order.delivery_deadline is not None
        and ctx.now > order.delivery_deadline
    )


async def actions(ctx: Ctx, order: Order, side: Side) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, label, extra) valid for the order's status and the user's side."""
    status = order.status
    found: list[tuple[str, str, dict[str, Any]]] = []
    dispute = await dispute_of(ctx.session, order)
    settled = dispute is not None and dispute.status in SETTLED
    if status in cancellation.ASKABLE and dispute is None:
        asked_by = await cancellation.pending_request(ctx.session, order)
        if asked_by is None:
            found.append(("ask_cancel", _("Ask to cancel the order"), {}))
        elif asked_by != side:
            found.append(("agree_cancel", _("Agree to cancel"), {}))
            found.append(("decline_cancel", _("Keep the order"), {}))
    if side == "supplier":
        version = await contracts.current(ctx.session, order.id)
        if status == OrderStatus.CONFIRMED and version is not None:
            extra = {"version": version.version}
            found.append(("accept", _("Accept the contract"), extra))
            found.append(("changes", _("Ask for changes"), extra))
        if status == OrderStatus.AWAITING_SHIPMENT and not settled:
            found.append(("ship", _("Mark as shipped"), {}))
    else:
        if status == OrderStatus.DRAFT:
            found.append(("continue", _("Continue the specification"), {}))
        if status == OrderStatus.AGREED:
            found.append(("pay", _("Choose how to pay"), {}))
        if status == OrderStatus.AWAITING_FUNDS:
            found.append(("repay", _("Pay another way"), {}))
        if status in service.AMENDABLE:
            found.append(("amend", _("Change the specification"), {}))
        if await amendments.can_start(ctx.session, order):
            found.append(("amend_paid", _("Change the specification"), {}))
        if amendments.being_amended(order):
            found.append(("keep_agreed", _("Keep the agreed version"), {}))
        if status == OrderStatus.SHIPPED and not settled:
            found.append(("receipt", _("I received the goods"), {}))
        if await dispute_possible(ctx, order):
            found.append(("dispute", _("Open a dispute"), {}))
        if status in service.CANCELLABLE and order.paid_at is None:
            found.append(("cancel", _("Cancel this order"), {}))
    if status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
        found.insert(0 if side == "supplier" else len(found), ("sheet", _("Contract PDF"), {}))
    return found


async def act(
    ctx: Ctx, action: str, choice: dict[str, Any], order: Order, supplier: Supplier, side: Side
) -> Any:
    session, user, now, rules = ctx.session, ctx.user, ctx.now, ctx.app.rules
    offered = {name for name, _label, _extra in await actions(ctx, order, side)}
    confirmations = {
        "cancel_yes",
        "ask_cancel_yes",
        "receipt_yes",
        "amend_paid_yes",
        "repay_yes",
        "back",
    }
    if action not in offered | confirmations:
        # Not a button this user was shown for this order now: a stale page or a forgery.
        log_refusal(ctx, f"order action on #{order.id}", action)
        raise service.WrongStatus(order, ())
    if action == "continue":
        return StartFlow("order", f"draft:{order.id}")
    if action == "pay":
        return StartFlow("pay", str(order.id))
    if action == "repay":
        ctx.data["asking"] = "repay"
        return STAY
    if action == "repay_yes":
        _answering(ctx, order, "repay")  # only after "Pay another way"
        await payments.withdraw_choice(session, order, user, now)
        return StartFlow("pay", str(order.id))
    if action == "ship":
        return StartFlow(SHIP_FLOW, str(order.id))
    if action == "dispute":
        return StartFlow(DISPUTE_FLOW, str(order.id))
    if action == "amend":
        await service.amend(session, order, user, now)
        ctx.note(
            _(
                "{title} is a draft again. Change what you need and confirm it: the supplier "
                "then accepts the new version before you pay."
            ).format(title=order_title(order, supplier))
        )
        return StartFlow("order", f"draft:{order.id}")
    if action == "amend_paid_yes":
        _answering(ctx, order, "amend_paid")  # only after "Change the specification"
        await amendments.start(session, order, user, now)
        ctx.note(
            _(
                "{title} is open for changes. Change what you need and confirm it: the "
                "supplier then accepts the new version. Until then the agreed one stands."
            ).format(title=order_title(order, supplier))
        )
        return StartFlow("order", f"draft:{order.id}")
    if action == "keep_agreed":
        restored = await amendments.withdraw(session, order, user, now)
        ctx.note(
            _(
                "The agreed terms stand again, as version {n} (the same SHA-256). The "
                "supplier has been told and can ship."
            ).format(n=restored.version)
        )
        return STAY
    if action == "accept":
        version = await supplier_orders.accept(
            session, order, side, user, now, version=int(choice.get("version", 0))
        )
        ctx.note(
            (
                _("You accepted version {n} of the contract. It is paid: ship under it.")
                if order.paid_at is not None
                else _("You accepted version {n} of the contract. The buyer can pay now.")
            ).format(n=version.version)
        )
    elif action == "changes":
        ctx.data["asking"] = "reason"
        ctx.data["version"] = int(choice.get("version", 0))
    elif action == "receipt":
        ctx.data["asking"] = "receipt"
    elif action == "receipt_yes":
        _answering(ctx, order, "receipt")  # only after "I received the goods"
        days = reminder_days(ctx)
        window = await service.confirm_receipt(session, order, user, now, rules, days_before=days)
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
        ctx.notes.append(await sheet_reply(ctx, order, supplier))
    elif action == "cancel":
        ctx.data["asking"] = "cancel"
    elif action == "cancel_yes":
        _answering(ctx, order, "cancel")  # only after "Cancel this order"
        await service.cancel(session, order, user, now)
        ctx.note(_("{title} is cancelled.").format(title=order_title(order, supplier)))
    elif action == "ask_cancel":
        ctx.data["asking"] = "ask_cancel"
    elif action == "amend_paid":
        ctx.data["asking"] = "amend_paid"
    elif action == "ask_cancel_yes":
        _answering(ctx, order, "ask_cancel")
        await cancellation.request(session, order, side, user, now)
        ctx.note(_("Asked: the other party agrees to cancel or keeps the order. I will tell you."))
    elif action in ("agree_cancel", "decline_cancel"):
        agree = action == "agree_cancel"
        await cancellation.answer(session, order, side, user, now, agree=agree)
        ctx.note(
            _("{title} is cancelled.").format(title=order_title(order, supplier))
            if agree
            else _("The order goes ahead; the other party has been told.")
        )
    elif action == "back":
        ctx.data.pop("asking", None)
    return STAY


async def take_reason(ctx: Ctx, text: str) -> Any:
    order, supplier, side = await load(ctx)
    reason = " ".join(text.split())
    if not reason:
        raise Invalid(_("Please write what should change, in one message."))
    if len(reason) > supplier_orders.MAX_REASON:
        raise Invalid(
            _("Please keep it under {n} characters.").format(n=supplier_orders.MAX_REASON)
        )
    try:
        await supplier_orders.request_changes(
            ctx.session,
            order,
            side,
            ctx.user,
            ctx.now,
            version=int(ctx.data.get("version", 0)),
            reason=reason,
        )
    finally:
        ctx.data.pop("asking", None)
    ctx.note(
        _("Sent to the buyer: they will edit {title} and send you a new version.").format(
            title=order_title(order, supplier)
        )
    )
    return STAY


async def sheet_reply(ctx: Ctx, order: Order, supplier: Supplier) -> Reply:
    buyer = await ctx.session.get(User, order.buyer_id)
    assert buyer is not None
    version = await contracts.current(ctx.session, order.id)
    draft = order_sheet.draft(order, supplier, buyer, ctx.app.rules, ctx.now, version=version)
    return Reply(text=order_sheet.caption(order, version=version), draft=draft)


def reminder_days(ctx: Ctx) -> tuple[int, ...]:
    raw = ctx.app.settings.claim_reminder_days
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        return (7, 3, 1, 0)
