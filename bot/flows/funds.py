"""/funds [order]: the programme's team records that a buyer's money is held in escrow.

Choosing a method in /pay only says how the buyer will pay; the money then takes the
method's time to reach the escrow account. A team member who sees it there opens the
order (amount, method, since when), and confirms: the supplier is told to ship, the
buyer that the money is held. Until then nothing ships.
"""

from __future__ import annotations

from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Invalid, Prompt, Step
from bot.flows.dispute_steps import number
from bot.flows.order_text import order_money, order_title, show, status_label
from bot.flows.pay import not_found
from bot.flows.policy_text import method_name
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply
from bot.i18n import _, day, lazy_gettext, moment, ngettext
from bot.services import funds, orders
from bot.services.authz import Forbidden
from storage.models import Order, OrderStatus, Payment

HELD = "held"
NOT_YET = "not_yet"


def refusal(exc: funds.FundsRefused) -> Invalid:
    order = exc.order
    if order.status == OrderStatus.CANCELLED:
        return Invalid(
            _(
                "Order #{id} was cancelled before its money was recorded. If the money "
                "arrives, return it to the buyer: nothing is owed to the supplier."
            ).format(id=order.id)
        )
    if order.paid_at is not None:
        return Invalid(
            _("The money for order #{id} is already recorded as held in escrow.").format(
                id=order.id
            )
        )
    return Invalid(
        _("Order #{id} is not waiting for its money. Status: {status}.").format(
            id=order.id, status=status_label(order.status)
        )
    )


async def pending_order(ctx: Ctx, raw: object) -> tuple[Order, Payment]:
    wanted = number(str(raw))
    try:
        if wanted is None:
            raise Forbidden()
        return await funds.pending(ctx.session, wanted, ctx.user, is_team=ctx.is_team)
    except Forbidden:
        # Not the team's, or the member's own order: worded as a missing one.
        log_refusal(ctx, "funds of order", raw)
        raise Invalid(not_found(raw)) from None
    except funds.FundsRefused as exc:
        raise refusal(exc) from None


async def start(ctx: Ctx) -> None:
    if not ctx.is_team:  # a signed button reaches here without the command's role check
        log_refusal(ctx, "funds", ctx.arg, suspicious=True)
        raise Invalid(_("Recording payments is for the programme's team."))
    if ctx.arg.strip():
        order, _payment = await pending_order(ctx, ctx.arg.strip())
        ctx.data["order_id"] = order.id
        ctx.data["given"] = True
        return
    if not await funds.waiting(ctx.session):
        raise Invalid(_("No order is waiting for its money to reach escrow."))


def _label(order: Order, payment: Payment, supplier_name: str) -> str:
    return _("#{id} · {supplier} · {amount} by {method} · since {date}").format(
        id=order.id,
        supplier=supplier_name,
        amount=show(order_money(order)),
        method=method_name(payment.method),
        date=day(payment.created_at),
    )


async def ask_pick(ctx: Ctx) -> Prompt:
    rows = [
        [Choice(_label(order, payment, supplier.name), order.id)]
        for order, supplier, payment in await funds.waiting(ctx.session)
    ]
    return Prompt(
        text=_("Orders whose money is on its way to escrow, the longest waiting first. Which one?"),
        choices=rows,
    )


async def take_pick(ctx: Ctx, answer: Answer) -> int:
    raw = str(answer.choice) if answer.pressed else (answer.text or "")
    order, _payment = await pending_order(ctx, raw)
    ctx.data["order_id"] = order.id
    return order.id


async def ask_confirm(ctx: Ctx) -> Prompt:
    order, payment = await pending_order(ctx, ctx.data["order_id"])
    supplier = await orders.supplier_of(ctx.session, order)
    text = "\n".join(
        [
            f"<b>{order_title(order, supplier)}</b>",
            _("The buyer chose {method} on {when}: {amount}, quoting order #{id}.").format(
                method=method_name(payment.method),
                when=moment(payment.created_at),
                amount=show(order_money(order)),
                id=order.id,
            ),
            _(
                "Is the whole amount held in the escrow account? Confirming tells the "
                "supplier to ship and the buyer that their money is held."
            ),
        ]
    )
    return Prompt(
        text=text,
        choices=[
            [Choice(_("Yes, the money is held"), HELD)],
            [Choice(_("Not yet"), NOT_YET)],
        ],
        accepts_text=False,
    )


async def take_confirm(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in (HELD, NOT_YET):
        raise Invalid(_("Please press a button."))
    if answer.choice == HELD:
        try:
            await funds.confirm(
                ctx.session, int(ctx.data["order_id"]), ctx.user, is_team=ctx.is_team, now=ctx.now
            )
        except Forbidden:  # left the team since the order was opened
            log_refusal(ctx, "funds of order", ctx.data["order_id"])
            raise Invalid(not_found(ctx.data["order_id"])) from None
        except funds.FundsRefused as exc:  # another member recorded it meanwhile
            raise refusal(exc) from None
    return str(answer.choice)


async def finish(ctx: Ctx) -> list[Reply]:
    order_id = int(ctx.data["order_id"])
    if ctx.data["confirm"] == NOT_YET:
        text = _("Nothing recorded: order #{id} still waits for its money.").format(id=order_id)
    else:
        text = _(
            "Recorded: the money for order #{id} is held in escrow. The supplier has been "
            "told to ship, and the buyer that their money is held."
        ).format(id=order_id)
    # "Not yet" leaves this one waiting: count the others.
    left = sum(order.id != order_id for order, _s, _p in await funds.waiting(ctx.session))
    if left:
        text += "\n" + ngettext(
            "{n} other order waits for its money: /funds",
            "{n} other orders wait for their money: /funds",
            left,
        ).format(n=left)
    return [Reply(text=text)]


FLOWS = [
    Flow(
        name="funds",
        start=start,
        steps=(
            Step("pick", ask_pick, take_pick, when=lambda ctx: not ctx.data.get("given")),
            Step("confirm", ask_confirm, take_confirm, counted=False),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "funds",
        lazy_gettext("Record that a buyer's money is held in escrow (programme team)"),
        flow="funds",
        roles=frozenset({"team"}),
    )
]
