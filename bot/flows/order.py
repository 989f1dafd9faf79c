"""/order: the order's specification as structured answers, reviewed, then confirmed.

Started from a search result (supplier and amount known), from /order alone (it asks
for the amount and finds the supplier inline), or from /orders to continue a draft.
The draft order row exists from the moment supplier and amount are known and every
accepted answer is written to it, so it is listed in /orders and survives the buyer
leaving for another command. At the review every answer has an "Edit" button that
comes back to the review; confirming makes the specification the contract and sends
the PDF to give the supplier (ch3, ch4).
"""

from __future__ import annotations

from datetime import date, datetime
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
    Step,
)
from bot.flows.find import supplier_results
from bot.flows.order_items import (
    ITEM_STEPS,
    decompose,
    item_display,
    item_label,
)
from bot.flows.order_steps import WHEN, draft_order, spec_steps, sync_draft, today_for
from bot.flows.order_terms import OPEN, TERMS_STEPS, review_rows, terms_steps
from bot.flows.order_text import (
    money_data,
    money_from,
    order_money,
    order_status,
    order_title,
    parse_amount,
    show,
    split_query,
    status_label,
    supplier_line,
)
from bot.flows.refusals import log_refusal
from bot.flows.replies import Button, Reply, esc
from bot.flows.tokens import shortcut_token
from bot.i18n import _, lazy_gettext
from bot.services import amendments, orders, suppliers
from policy import CoverageType, Money, PolicyError, ShippingMode
from storage.models import Order, OrderStatus

# -- start --------------------------------------------------------------------------------


OWN_COMPANY = lazy_gettext(
    "Your Telegram account speaks for this supplier, so you cannot order from it: "
    "nobody can be both the buyer and the supplier of one order. Choose another supplier."
)


async def start(ctx: Ctx) -> None:
    """``new:<supplier>:<amount>:<currency>`` (a search result), ``draft:<id>`` or ``<id>``
    (continue a draft), or free text such as "scarf 20000 USD" (search inline)."""
    arg = ctx.arg.strip()
    if arg.startswith("new:"):
        await _start_new(ctx, arg)
    elif arg.startswith("draft:") or arg.isdigit():
        await _continue(ctx, arg.removeprefix("draft:"))
    else:
        keyword, amount = split_query(arg)
        ctx.data["setup"] = True
        if keyword:
            ctx.data["supplier_query"] = suppliers.normalise_keyword(keyword)
        if amount is not None:
            ctx.data["amount"] = money_data(amount)
            ctx.data["amount_given"] = True


async def _start_new(ctx: Ctx, arg: str) -> None:
    try:
        _new, supplier_id, amount, currency = arg.split(":")
        # Read as typed money: sign, decimals and size are checked like any amount.
        total = Money.parse(f"{amount} {currency}")
        supplier = await suppliers.get_approved(ctx.session, int(supplier_id))
    except (ValueError, PolicyError):
        supplier = None
    if supplier is None:
        # The argument came from a button we made, or was typed: trust neither.
        log_refusal(ctx, "supplier for a new order", arg)
        raise Invalid(_("That supplier is not in the directory. Search again with /find."))
    try:
        order = await orders.create_draft(ctx.session, ctx.user, supplier, total, ctx.now)
    except orders.OwnCompany:
        log_refusal(ctx, "order from own company", supplier.id)
        raise Invalid(str(OWN_COMPANY)) from None
    ctx.data.update(order_id=order.id, supplier_id=supplier.id, amount=money_data(total))
    ctx.note(
        _("Draft order #{id} with {supplier} for {amount}. Now the specification.").format(
            id=order.id, supplier=esc(supplier.name), amount=show(total)
        )
    )


async def _continue(ctx: Ctx, raw_id: str) -> None:
    try:
        order = await orders.get_own_order(ctx.session, ctx.user, int(raw_id))
    except (orders.OrderNotFound, ValueError):
        log_refusal(ctx, "draft order", raw_id)
        raise Invalid(_("Order not found. Send /orders to see yours.")) from None
    if order.status != OrderStatus.DRAFT:
        raise Invalid(
            _("Order #{id} is not a draft any more ({status}). Send /orders to see it.").format(
                id=order.id, status=status_label(order.status)
            )
        )
    ctx.data.update(decompose(order.spec or {}))
    ctx.data.update(
        order_id=order.id,
        supplier_id=order.supplier_id,
        amount=money_data(order_money(order)),
        resumed=True,
    )


# -- setup: amount and supplier (only for /order without a search result) ----------------


async def ask_amount(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "How much is the order, with the currency? For example <code>20000 USD</code> or "
            "<code>$20,000</code>."
        )
    )


async def take_amount(ctx: Ctx, answer: Answer) -> dict[str, str]:
    amount = parse_amount(answer.text or "")
    if "order_id" in ctx.data:  # changed from the review or after /back
        order = await draft_order(ctx)
        await orders.change_draft_terms(ctx.session, order, ctx.user, ctx.now, amount=amount)
        ctx.data["amount"] = money_data(amount)
        had_coverage = "coverage" in (order.spec or {})
        order = await sync_draft(ctx)
        if had_coverage and "coverage" not in order.spec:
            ctx.note(
                _(
                    "Your advance is no longer less than the order amount: please choose the "
                    "coverage again."
                )
            )
    return money_data(amount)


async def ask_supplier(ctx: Ctx) -> Prompt:
    query = ctx.data.get("supplier_query")
    if not query:
        return Prompt(
            text=_(
                "Which supplier? Send a product word and I will list the suppliers that sell "
                "it, best cover first. For example <code>scarf</code>."
            )
        )
    return await supplier_results(
        ctx,
        query,
        money_from(ctx.data["amount"]),
        int(ctx.data.get("supplier_page", 0)),
        footer=_("Choose the supplier, or send another product word."),
    )


async def take_supplier(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        keyword = suppliers.normalise_keyword(answer.text or "")
        if not keyword:
            raise Invalid(_("Send a product word, for example <code>scarf</code>."))
        ctx.data.update(supplier_query=keyword, supplier_page=0)
        return STAY
    choice = answer.choice or {}
    if "page" in choice:
        ctx.data["supplier_page"] = int(choice["page"])
        return STAY
    if "keyword" in choice:
        ctx.data.update(supplier_query=str(choice["keyword"]), supplier_page=0)
        return STAY
    supplier = await suppliers.get_approved(ctx.session, int(choice["supplier"]))
    if supplier is None:
        raise Invalid(_("That supplier is no longer in the directory."))
    amount = money_from(ctx.data["amount"])
    if orders.speaks_for(supplier, ctx.user):  # the services refuse it too
        log_refusal(ctx, "order from own company", supplier.id)
        raise Invalid(str(OWN_COMPANY))
    if "order_id" in ctx.data:
        order = await draft_order(ctx)
        await orders.change_draft_terms(ctx.session, order, ctx.user, ctx.now, supplier=supplier)
    else:
        order = await orders.create_draft(ctx.session, ctx.user, supplier, amount, ctx.now)
        ctx.data["order_id"] = order.id
        ctx.note(
            _("Draft order #{id} with {supplier} for {amount}. Now the specification.").format(
                id=order.id, supplier=esc(supplier.name), amount=show(amount)
            )
        )
    ctx.data["supplier_id"] = supplier.id
    await sync_draft(ctx)
    return supplier.id


# -- continuing a draft -------------------------------------------------------------------


def next_unanswered(ctx: Ctx, spec: dict[str, Any]) -> str:
    """The first question of the first item the draft lacks: a part never answered, or,
    if every part is answered but the item is still invalid (an advance no longer below
    a changed amount), the item's first question."""
    for item, steps in ITEM_STEPS.items():
        if item in spec:
            continue
        applicable = [s for s in steps if WHEN.get(s) is None or WHEN[s](ctx)]
        return next((s for s in applicable if s not in ctx.data), applicable[0])
    return "review"


async def ask_resume(ctx: Ctx) -> Prompt:
    order = await draft_order(ctx)
    supplier = await orders.supplier_of(ctx.session, order)
    answered = len(ITEM_STEPS) - len(orders.missing_items(order))
    following = next_unanswered(ctx, order.spec or {})
    where = (
        _("Next: {item}.").format(item=item_label(_item_of(following)))
        if following != "review"
        else _("Every answer is in: next is the review.")
    )
    return Prompt(
        text="\n".join(
            [
                _("Welcome back to <b>{title}</b>, {amount}.").format(
                    title=order_title(order, supplier), amount=show(order_money(order))
                ),
                _("{answered} of {total} items answered.").format(
                    answered=answered, total=len(ITEM_STEPS)
                ),
                where,
            ]
        ),
        choices=[[Choice(_("Continue"), "continue")]],
        accepts_text=False,
    )


async def take_resume(ctx: Ctx, answer: Answer) -> Goto:
    order = await draft_order(ctx)
    ctx.data.pop("resumed", None)
    return Goto(next_unanswered(ctx, order.spec or {}))


def _item_of(step: str) -> str:
    return next(item for item, steps in ITEM_STEPS.items() if step in steps)


# -- review -------------------------------------------------------------------------------


async def ask_review(ctx: Ctx) -> Prompt:
    order = await draft_order(ctx)
    supplier = await orders.supplier_of(ctx.session, order)
    spec = order.spec or {}
    lines = [
        _("<b>Review: {title}</b>").format(title=order_title(order, supplier)),
        supplier_line(supplier),
        _("Amount: {amount}").format(amount=show(order_money(order))),
        "",
    ]
    for item in ITEM_STEPS:
        value = spec.get(item)
        shown = esc(item_display(item, value)) if value else _("<i>not answered yet</i>")
        lines.append(f"<b>{item_label(item)}</b>: {shown}")
    # The contract terms so far (asked from the button below; "to be agreed" until then).
    lines += ["", _("<b>Contract terms</b>")]
    terms = {**(spec.get("terms") or {}), **ctx.data}
    lines += [f"{label}: {esc(value)}" for label, value in review_rows(terms)]
    missing = orders.missing_items(order)
    lines.append("")
    if missing:
        lines.append(_("Answer the missing items, then confirm."))
        top = [Choice(_("Answer the missing items"), {"goto": next_unanswered(ctx, spec)})]
    else:
        lines.append(
            _(
                "Check every answer: once confirmed, this is the contract the goods are "
                "measured against. Edit anything that is not exact."
            )
        )
        top = [Choice(_("Confirm the specification"), "confirm")]
    edits = [Choice(edit_label(item_label(i)), {"edit": i}) for i in ITEM_STEPS]
    edits.append(Choice(edit_label(_("Amount")), {"edit": "amount"}))
    rows = [top] + [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([Choice(_("Contract terms: Incoterms, tolerance, inspection, parties"), "terms")])
    return Prompt(text="\n".join(lines), choices=rows, accepts_text=False)


def edit_label(item: str) -> str:
    return _("Edit {item}").format(item=item)


async def take_review(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Confirm the specification, or press Edit next to an answer to change it."))
    choice = answer.choice
    if isinstance(choice, dict) and "edit" in choice:
        item = str(choice["edit"])
        if item == "amount":
            return Goto("amount", then_return=True)
        first = next(s for s in ITEM_STEPS[item] if WHEN.get(s) is None or WHEN[s](ctx))
        return Goto(first, then_return=True)
    if isinstance(choice, dict) and "goto" in choice:
        return Goto(str(choice["goto"]))
    if choice == "terms":  # the contract terms, one question after another, then back here
        ctx.data[OPEN] = True
        return Goto(TERMS_STEPS[0])
    await _check_before_confirming(ctx)
    return "confirm"


async def _check_before_confirming(ctx: Ctx) -> None:
    """What may have gone stale since the answer was given (a day later, an edit)."""
    order = await draft_order(ctx)
    missing = orders.missing_items(order)
    if missing:
        raise Invalid(
            _("Some items are not answered yet: {items}.").format(
                items=", ".join(item_label(i) for i in missing)
            )
        )
    deadline = date.fromisoformat(order.spec["shipping"]["deadline"])
    if deadline <= today_for(ctx):
        raise Invalid(
            _("The delivery deadline has passed. Press “{button}” to set a new one.").format(
                button=edit_label(item_label("shipping"))
            )
        )
    await _check_paid_terms(ctx, order)
    coverage = order.spec["coverage"]
    if coverage["type"] == CoverageType.PRE_DELIVERY:
        advance = money_from(coverage["advance"])
        if advance.currency != order.currency or not advance < order_money(order):
            raise Invalid(
                _(
                    "The advance must be less than the order amount of {amount}. Press "
                    "“{button}” to change it."
                ).format(amount=show(order_money(order)), button=edit_label(item_label("coverage")))
            )


async def _check_paid_terms(ctx: Ctx, order: Order) -> None:
    """A paid order's new version keeps what the escrow holds (amount, coverage)."""
    coverage = order.spec["coverage"]
    kind = CoverageType(coverage["type"])
    advance = money_from(coverage["advance"]).amount if kind == CoverageType.PRE_DELIVERY else None
    try:
        await amendments.check_fixed_terms(
            ctx.session, order, coverage_type=kind.value, advance=advance
        )
    except amendments.PaidTermsFixed:
        raise Invalid(
            _(
                "This order is paid: its amount and coverage stay as agreed. Change them "
                "back, or keep the agreed version from the order; to change the price, ask "
                "to cancel and order again."
            )
        ) from None


async def finish(ctx: Ctx) -> list[Reply]:
    order = await draft_order(ctx)
    spec = order.spec
    coverage = spec["coverage"]
    kind = CoverageType(coverage["type"])
    advance = money_from(coverage["advance"]) if kind == CoverageType.PRE_DELIVERY else None
    try:
        await orders.confirm(
            ctx.session,
            order,
            ctx.user,
            ctx.now,
            shipping_mode=ShippingMode(spec["shipping"]["mode"]),
            delivery_deadline=datetime.fromisoformat(spec["shipping"]["deadline_at"]),
            coverage_type=kind,
            advance=advance,
        )
    except orders.OwnCompany:
        log_refusal(ctx, "order from own company", order.id)
        raise Invalid(str(OWN_COMPANY)) from None
    supplier = await orders.supplier_of(ctx.session, order)
    version = await orders.contract_of(ctx.session, order)
    draft = order_sheet.draft(order, supplier, ctx.user, ctx.app.rules, ctx.now, version=version)
    secret, me = ctx.app.secret, ctx.user.telegram_id
    buttons = ((Button(_("My orders"), shortcut_token(secret, me, "orders", str(order.id))),),)
    if await orders.supplier_user_id(ctx.session, supplier) is not None:
        next_step = _(
            "Next: the supplier reviews this version of the contract and accepts it or asks "
            "for changes. I will tell you; you can pay once they accept."
        )
    else:
        next_step = _(
            "Next: {supplier} is not on the bot yet. Send them the contract below; once "
            "their account is linked they review it in /orders, and you can pay once "
            "they accept."
        ).format(supplier=esc(supplier.name))
    return [
        Reply(
            text="\n".join(
                [
                    _("<b>{title} is confirmed.</b>").format(title=order_title(order, supplier)),
                    _("Status: {status}.").format(status=order_status(order)),
                    next_step,
                ]
            ),
            buttons=buttons,
        ),
        Reply(text=order_sheet.caption(order), draft=draft),
    ]


# -- the flow -----------------------------------------------------------------------------


def _setup(ctx: Ctx) -> bool:
    return bool(ctx.data.get("setup"))


FLOWS = [
    Flow(
        name="order",
        steps=(
            Step(
                "resume",
                ask_resume,
                take_resume,
                when=lambda c: bool(c.data.get("resumed")),
                counted=False,
            ),
            Step(
                "amount",
                ask_amount,
                take_amount,
                when=lambda c: _setup(c) and not c.data.get("amount_given"),
                counted=False,
            ),
            Step("supplier", ask_supplier, take_supplier, when=_setup, counted=False),
            *spec_steps(),
            *terms_steps(),
            Step("review", ask_review, take_review, counted=False),
        ),
        start=start,
        finish=finish,
    )
]

COMMANDS = [
    Command("order", lazy_gettext("Write an order's specification and contract"), flow="order")
]
