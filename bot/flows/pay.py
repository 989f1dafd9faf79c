"""/pay: a payment method for a confirmed order, within its country, currency and limits.

Which methods a buyer may use depends on their country, the order's currency and
amount, their card network and what they already paid this month (ch5). The policy
calculator assesses every method; eligible ones become buttons with fee, total and
arrival time, the others are listed with why not. Choosing one records the payment;
the order waits for the money to reach escrow, and the programme's team records its
arrival (/funds) before the supplier is told to ship (ch4).
"""

from __future__ import annotations

from bot.flows import profile
from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Invalid, Prompt, Step
from bot.flows.order_text import order_money, order_title, show, status_label
from bot.flows.policy_text import (
    explain_reason,
    explain_refusal,
    fee_text,
    method_name,
    processing_text,
    suggestion_text,
)
from bot.flows.refusals import log_refusal
from bot.flows.replies import Button, Reply, esc
from bot.flows.tokens import shortcut_token
from bot.i18n import _, lazy_gettext
from bot.services import orders, payments
from policy import MethodAssessment, PaymentAssessment, Refusal, is_paypal, paypal_answer
from storage.models import Order, OrderStatus

CARD_METHOD = "credit_card"
CARDS = ("visa", "mastercard", "other", "none")


def not_found(raw: object) -> str:
    # The same words whether the order is missing or someone else's: ids reveal nothing.
    return _("Order #{id} not found. Send /orders to see yours.").format(id=esc(str(raw)[:12]))


def not_agreed(order_id: int) -> str:
    return _(
        "Order #{id} cannot be paid yet: the supplier has not accepted this version of the "
        "contract. Only a contract both parties accepted can be paid; I will tell you when "
        "they do."
    ).format(id=order_id)


async def payable_order(ctx: Ctx, raw_id: object) -> Order:
    """The user's own order, waiting for payment; anything else is refused."""
    try:
        order = await orders.get_own_order(ctx.session, ctx.user, int(str(raw_id).lstrip("#")))
    except (orders.OrderNotFound, ValueError):
        log_refusal(ctx, "order to pay", raw_id)
        raise Invalid(not_found(raw_id)) from None
    if order.status == OrderStatus.DRAFT:
        raise Invalid(
            _(
                "Order #{id} is still a draft: finish and confirm its specification first "
                "(/orders)."
            ).format(id=order.id)
        )
    if order.status == OrderStatus.CONFIRMED:
        raise Invalid(not_agreed(order.id))
    if order.status != OrderStatus.AGREED:
        raise Invalid(
            _("Order #{id} is not waiting for payment. Status: {status}.").format(
                id=order.id, status=status_label(order.status)
            )
        )
    return order


async def start(ctx: Ctx) -> None:
    if ctx.arg.strip():
        order = await payable_order(ctx, ctx.arg.strip())
        ctx.data["order_id"] = order.id
    else:
        waiting = await orders.orders_in_status(ctx.session, ctx.user, OrderStatus.AGREED)
        if not waiting:
            raise Invalid(
                _(
                    "No order is waiting for payment: an order can be paid once you and the "
                    "supplier have both accepted its contract. See /orders."
                )
            )
        if len(waiting) == 1:
            ctx.data["order_id"] = waiting[0][0].id
        else:
            ctx.data["choose_order"] = True
    ctx.data["ask_country"] = ctx.user.country is None
    if ctx.user.country is not None and "order_id" in ctx.data:
        ctx.data["ask_card"] = await _card_matters(ctx, ctx.user.country)


async def _order(ctx: Ctx) -> Order:
    return await payable_order(ctx, ctx.data["order_id"])


async def _card_matters(ctx: Ctx, country: str) -> bool:
    """Ask for the card network only if a card could otherwise pay this order."""
    order = await _order(ctx)
    assessment = await payments.assess(
        ctx.session, ctx.app.rules, ctx.user, order, country, None, ctx.now
    )
    return assessment.method(CARD_METHOD).eligible


# -- which order ----------------------------------------------------------------------------


async def ask_order(ctx: Ctx) -> Prompt:
    waiting = await orders.orders_in_status(ctx.session, ctx.user, OrderStatus.AGREED)
    rows = [[Choice(f"#{o.id} {s.name} · {show(order_money(o))}", o.id)] for o, s in waiting[:10]]
    return Prompt(text=_("Which order do you want to pay?"), choices=rows)


async def take_order(ctx: Ctx, answer: Answer) -> int:
    if not answer.pressed:
        raise Invalid(_("Please choose the order with a button."))
    order = await payable_order(ctx, answer.choice)
    ctx.data["order_id"] = order.id
    if ctx.user.country is not None:
        ctx.data["ask_card"] = await _card_matters(ctx, ctx.user.country)
    return order.id


# -- country and card -----------------------------------------------------------------------


async def ask_country(ctx: Ctx) -> Prompt:
    prompt = await profile.ask_country(ctx)
    prompt.text = _("Payment methods depend on where you pay from.") + "\n" + prompt.text
    return prompt


async def take_country(ctx: Ctx, answer: Answer) -> str:
    country = await profile.take_country(ctx, answer)
    ctx.user.country = country  # kept in the profile: /profile changes it
    ctx.data["ask_card"] = await _card_matters(ctx, country)
    return country


async def ask_card(ctx: Ctx) -> Prompt:
    labels = {
        "visa": "Visa",
        "mastercard": "Mastercard",
        "other": _("Another card"),
        "none": _("No card"),
    }
    return Prompt(
        text=_(
            "Would you pay by card? The programme takes Visa and Mastercard only. Which card "
            "do you have?"
        ),
        choices=[
            [Choice(labels[c], c) for c in CARDS[:2]],
            [Choice(labels[c], c) for c in CARDS[2:]],
        ],
        accepts_text=False,
    )


async def take_card(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed and is_paypal(answer.text or ""):
        raise Invalid(_paypal_text(ctx, None))
    if not answer.pressed or answer.choice not in CARDS:
        raise Invalid(_("Please answer with one of the buttons."))
    return str(answer.choice)


def _network(ctx: Ctx) -> str | None:
    card = ctx.data.get("card")
    return card if card in ("visa", "mastercard", "other") else None


# -- the methods ----------------------------------------------------------------------------


async def _assess(ctx: Ctx, order: Order) -> PaymentAssessment:
    country = ctx.user.country or ctx.data["country"]
    return await payments.assess(
        ctx.session, ctx.app.rules, ctx.user, order, country, _network(ctx), ctx.now
    )


def _usable(ctx: Ctx, method: MethodAssessment) -> bool:
    # "No card" is the buyer's answer, not a policy code: the card method is simply out.
    return method.eligible and not (
        method.method_id == CARD_METHOD and ctx.data.get("card") == "none"
    )


def _why_not(ctx: Ctx, method: MethodAssessment) -> str:
    if method.eligible:  # only the buyer's "no card" leaves an eligible method out
        return _("You have no Visa or Mastercard card.")
    reasons = []
    for reason in method.reasons:
        if reason.code == "card_network" and reason.params.get("network") == "other":
            reasons.append(_("Only Visa and Mastercard cards are accepted."))
        else:
            reasons.append(explain_reason(reason))
    return " ".join(reasons)


def _cost(method: MethodAssessment) -> str:
    fee, high = fee_text(method.fee_min, method.fee_max), method.fee_max
    # "free" and "fee not stated" read as they are; an amount reads "fee $20.00-$50.00".
    fee_part = _("fee {fee}").format(fee=fee) if high is not None and high.amount else fee
    time = processing_text(method.processing)
    time_part = _("arrives in {time}").format(time=time) if method.processing else time
    if method.total_min is None or method.total_max is None:
        # Translators: a payment method's cost, e.g. "fee $20.00, arrives in 1–3 days".
        return _("{fee}, {time}").format(fee=fee_part, time=time_part)
    if method.total_min == method.total_max:
        total = show(method.total_min)
    else:
        total = _("{low} to {high}").format(low=show(method.total_min), high=show(method.total_max))
    # Translators: a payment method's cost, e.g. "fee $20.00, total $3,020.00, arrives in
    # 1–3 days".
    return _("{fee}, {total}, {time}").format(
        fee=fee_part, total=_("total {total}").format(total=total), time=time_part
    )


async def ask_method(ctx: Ctx) -> Prompt:
    order = await _order(ctx)
    supplier = await orders.supplier_of(ctx.session, order)
    assessment = await _assess(ctx, order)
    usable = [m for m in assessment.methods if _usable(ctx, m)]
    out = [m for m in assessment.methods if not _usable(ctx, m)]
    lines = [
        _("<b>Paying for {title}</b>: {amount}, from {country}.").format(
            title=order_title(order, supplier),
            amount=show(order_money(order)),
            country=esc(profile.country_name(assessment.buyer_country)),
        ),
        _(
            "Pay into the programme's escrow account with {bank}, never into the supplier's "
            "own account."
        ).format(bank=esc(ctx.app.rules.programme.escrow_bank)),
    ]
    if usable:
        lines += ["", _("<b>Methods you can use</b>, cheapest first:")]
        for method in usable:
            lines.append(f"• <b>{method_name(method.method_id)}</b>: {_cost(method)}.")
            notes = [explain_reason(n) for n in method.notes]
            if notes:
                lines.append("  <i>" + " ".join(notes) + "</i>")
    if out:
        lines += ["", _("<b>Not available for this payment:</b>")]
        for method in out:
            lines.append(f"• {method_name(method.method_id)}: {_why_not(ctx, method)}")
    suggestion = suggestion_text(assessment.suggestion)
    if suggestion:
        lines += ["", suggestion]
    lines += ["", _("Choose the method you will pay with.") if usable else _("No method fits.")]
    rows = [
        [Choice(f"{method_name(m.method_id)} · {fee_text(m.fee_min, m.fee_max)}", m.method_id)]
        for m in usable
    ]
    return Prompt(text="\n".join(lines), choices=rows)


async def take_method(ctx: Ctx, answer: Answer) -> str:
    order = await _order(ctx)
    # Assessed again now: a payment recorded since the list was shown may have used up a
    # monthly limit.
    assessment = await _assess(ctx, order)
    if not answer.pressed:
        if is_paypal(answer.text or ""):
            raise Invalid(_paypal_text(ctx, assessment))
        raise Invalid(_("Please choose a method with the buttons."))
    try:
        method = assessment.method(str(answer.choice))
    except KeyError:
        raise Invalid(_("Please choose a method with the buttons.")) from None
    if not _usable(ctx, method):
        raise Invalid(
            _("{method} cannot be used: {why}").format(
                method=method_name(method.method_id), why=_why_not(ctx, method)
            )
        )
    try:
        await payments.record_payment(
            ctx.session,
            order,
            ctx.user,
            ctx.now,
            method=method,
            country=assessment.buyer_country,
            card_network=_network(ctx),
        )
    except orders.NotAgreed:
        raise Invalid(not_agreed(order.id)) from None
    return method.method_id


def _paypal_text(ctx: Ctx, assessment: PaymentAssessment | None) -> str:
    refusal = paypal_answer(ctx.app.rules)
    if assessment is not None:
        # Name only what this buyer can actually use for this order.
        usable = tuple(m.method_id for m in assessment.methods if _usable(ctx, m))
        refusal = Refusal(refusal.code, {**refusal.params, "alternatives": usable})
    return explain_refusal(refusal)


async def finish(ctx: Ctx) -> list[Reply]:
    order = await orders.get_own_order(ctx.session, ctx.user, int(ctx.data["order_id"]))
    supplier = await orders.supplier_of(ctx.session, order)
    lines = [
        _("<b>{title}</b>: payment by {method} recorded.").format(
            title=order_title(order, supplier), method=method_name(ctx.data["method"])
        ),
        _("Status: {status}.").format(status=status_label(order.status)),
        _(
            "Pay {amount} into the programme's escrow account with {bank}, never into the "
            "supplier's own account."
        ).format(amount=show(order_money(order)), bank=esc(ctx.app.rules.programme.escrow_bank)),
    ]
    processing = ctx.app.rules.method(ctx.data["method"]).processing
    if processing is not None:
        lines.append(
            _("By {method} the money takes {time} to arrive.").format(
                method=method_name(ctx.data["method"]), time=processing_text(processing)
            )
        )
    lines.append(
        _(
            "Quote order #{id} with the payment. The supplier has been told it is being paid "
            "and ships once the programme confirms the money is held in escrow; I will tell "
            "you then."
        ).format(id=order.id)
    )
    button = Button(
        _("My orders"),
        shortcut_token(ctx.app.secret, ctx.user.telegram_id, "orders", str(order.id)),
    )
    return [Reply(text="\n".join(lines), buttons=((button,),))]


def _ask_card(ctx: Ctx) -> bool:
    return bool(ctx.data.get("ask_card", True))


STEPS: tuple[Step, ...] = (
    Step("order", ask_order, take_order, when=lambda c: bool(c.data.get("choose_order"))),
    Step("country", ask_country, take_country, when=lambda c: bool(c.data.get("ask_country"))),
    Step("card", ask_card, take_card, when=_ask_card),
    Step("method", ask_method, take_method),
)

FLOWS = [Flow(name="pay", steps=STEPS, start=start, finish=finish)]

COMMANDS = [Command("pay", lazy_gettext("Choose how to pay for a confirmed order"), flow="pay")]
