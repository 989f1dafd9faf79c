"""The supplier marks an order shipped: the day it left, the carrier, the tracking number,
and, when the contract has a third-party inspection before loading, the inspector's report.

The shipping mode is the contract's, not asked again. The report is kept with the order
(``Evidence``, item ``inspection_report``), named in the order's record, and sent to the
buyer with the shipping notice: the buyer sees the inspection's result before the goods
arrive, and a later claim can point to it. The buyer is told at once, with
the carrier and tracking number, and the platform will confirm receipt by itself at the
moment the rules give for that mode if the buyer does not (``bot.flows.order_notices``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.flows.base import Answer, Choice, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.order_items import shipping_label
from bot.flows.order_steps import today_for
from bot.flows.order_text import order_title, status_label
from bot.flows.pay import not_found
from bot.flows.policy_text import explain_spec_error
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.flows.uploads import acceptable_file, fit_to_keep, refuse_too_large
from bot.i18n import _, day, moment
from bot.services import orders, supplier_orders
from policy import PolicyError, ShippingMode
from policy.dates import parse_date
from storage.models import Order, OrderStatus


async def shippable(ctx: Ctx, raw: object) -> Order:
    try:
        order, side = await supplier_orders.party_order(
            ctx.session, ctx.user, int(str(raw).lstrip("#"))
        )
    except (orders.OrderNotFound, ValueError):
        log_refusal(ctx, "order to ship", raw)
        raise Invalid(not_found(raw)) from None
    if side != "supplier":
        log_refusal(ctx, "order to ship (not the supplier)", raw)
        raise Invalid(not_found(raw))
    if order.status != OrderStatus.AWAITING_SHIPMENT:
        raise Invalid(
            _("Order #{id} cannot be marked shipped now. Status: {status}.").format(
                id=order.id, status=status_label(order.status)
            )
        )
    return order


async def start(ctx: Ctx) -> None:
    order = await shippable(ctx, ctx.arg.strip())
    ctx.data["order_id"] = order.id
    ctx.data["needs_report"] = supplier_orders.needs_inspection_report(order)


def _bad(reason: str) -> str:
    texts = {
        "future": _("That day has not come yet: give the day the goods left."),
        "before_payment": _("That is before the order was paid: give the day the goods left."),
        "carrier": _("Please give the carrier's name, up to 64 characters."),
        "tracking": _("Please give the tracking number, up to 64 characters."),
        "inspection_report": _(
            "The contract asks for an inspection before loading: please send its report."
        ),
    }
    return texts.get(reason, _("This answer cannot be used."))


async def ask_date(ctx: Ctx) -> Prompt:
    today = today_for(ctx)
    return Prompt(
        text=_(
            "On which day did the goods leave? Type it like <code>{example}</code>, or choose."
        ).format(example=today.isoformat()),
        choices=[[Choice(_("Today, {date}").format(date=day(today)), today.isoformat())]],
    )


async def take_date(ctx: Ctx, answer: Answer) -> str:
    if answer.pressed:
        try:
            shipped = date.fromisoformat(str(answer.choice))
        except ValueError:
            raise Invalid(_("Please choose with the buttons.")) from None
    else:
        try:
            shipped = parse_date(answer.text or "", today_for(ctx))
        except PolicyError as err:
            raise Invalid(explain_spec_error(err)) from None
    order = await shippable(ctx, ctx.data["order_id"])
    try:
        supplier_orders.check_shipment(order, today_for(ctx), shipped, "-", "-")
    except supplier_orders.BadShipment as err:
        raise Invalid(_bad(err.reason)) from None
    return shipped.isoformat()


async def ask_carrier(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_("Which carrier has the goods? For example <code>Maersk</code> or <code>DHL</code>.")
    )


async def take_carrier(ctx: Ctx, answer: Answer) -> str:
    carrier = " ".join((answer.text or "").split())
    if not carrier or len(carrier) > supplier_orders.MAX_CARRIER:
        raise Invalid(_bad("carrier"))
    return carrier


async def ask_tracking(ctx: Ctx) -> Prompt:
    return Prompt(text=_("What is the tracking number (or bill of lading number)?"))


async def take_tracking(ctx: Ctx, answer: Answer) -> str:
    tracking = "".join((answer.text or "").split())
    if not tracking or len(tracking) > supplier_orders.MAX_TRACKING:
        raise Invalid(_bad("tracking"))
    return tracking


async def ask_report(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "The contract asks for a third-party inspection before loading. Send the "
            "inspector's report as a file (a PDF, a photo of it or an office document): the "
            "buyer receives it with the shipping notice, and it is kept with the order."
        ),
        accepts_file=True,
    )


async def take_report(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    if answer.attachment is None:
        raise Invalid(
            _("Please send the inspection report as a file: a PDF, a photo or an office document.")
        )
    attachment = fit_to_keep(answer.attachment)
    refuse_too_large(attachment, ctx.app.settings.max_upload_bytes)
    if not acceptable_file(attachment):
        log_refusal(ctx, "inspection report type", (attachment.file_name, attachment.mime_type))
        # The kinds a dispute accepts as evidence: the report may become evidence later.
        raise Invalid(
            _(
                "I can't accept {name} as the inspection report. I accept images, PDF, "
                "video and office documents (Word, Excel, PowerPoint, OpenDocument, text)."
            ).format(name=esc(attachment.file_name or _("this file")))
        )
    return {
        "file_id": attachment.file_id,
        "file_unique_id": attachment.file_unique_id,
        "file_name": attachment.file_name,
        "mime_type": attachment.mime_type,
        "size": attachment.size,
    }


def _report_name(report: dict[str, Any]) -> str:
    return esc(report.get("file_name") or _("photo"))


async def ask_review(ctx: Ctx) -> Prompt:
    # Shown again after a refused answer even if the order moved on meanwhile: the
    # status is checked when the answer comes, not here.
    order, _side = await supplier_orders.party_order(
        ctx.session, ctx.user, int(ctx.data["order_id"])
    )
    supplier = await orders.supplier_of(ctx.session, order)
    mode = ShippingMode(order.shipping_mode or "sea")
    report = ctx.data.get("report")
    report_line = (
        [_("Inspection report: {name}").format(name=_report_name(report))] if report else []
    )
    report_row = [[Choice(_("Change the inspection report"), "report")]] if report else []
    return Prompt(
        text="\n".join(
            [
                _("<b>{title}</b>: mark it shipped?").format(title=order_title(order, supplier)),
                _("Shipped on: {date}").format(date=day(date.fromisoformat(ctx.data["date"]))),
                _("Carrier: {carrier}").format(carrier=esc(ctx.data["carrier"])),
                _("Tracking number: <code>{tracking}</code>").format(
                    tracking=esc(ctx.data["tracking"])
                ),
                _("Shipping mode (from the contract): {mode}").format(mode=shipping_label(mode)),
                *report_line,
            ]
        ),
        choices=[
            [Choice(_("Yes, it has shipped"), "yes")],
            [
                Choice(_("Change the date"), "date"),
                Choice(_("Change the carrier"), "carrier"),
                Choice(_("Change the tracking number"), "tracking"),
            ],
            *report_row,
        ],
        accepts_text=False,
    )


async def take_review(ctx: Ctx, answer: Answer) -> str:
    await shippable(ctx, ctx.data["order_id"])
    changes = ("date", "carrier", "tracking", *(("report",) if ctx.data.get("report") else ()))
    if answer.pressed and answer.choice in changes:
        return Goto(str(answer.choice), then_return=True)
    if not answer.pressed or answer.choice != "yes":
        raise Invalid(_("Please choose with the buttons, or /back to change an answer."))
    return "yes"


async def finish(ctx: Ctx) -> list[Reply]:
    order = await shippable(ctx, ctx.data["order_id"])
    supplier = await orders.supplier_of(ctx.session, order)
    report = ctx.data.get("report")
    try:
        auto_at = await supplier_orders.mark_shipped(
            ctx.session,
            order,
            "supplier",
            ctx.user,
            ctx.now,
            ctx.app.rules,
            ship_date=date.fromisoformat(ctx.data["date"]),
            today=today_for(ctx),
            carrier=ctx.data["carrier"],
            tracking=ctx.data["tracking"],
            report=supplier_orders.ReportFile(**report) if report else None,
        )
    except supplier_orders.BadShipment as err:
        raise Invalid(_bad(err.reason)) from None
    return [
        Reply(
            text="\n".join(
                [
                    _("<b>{title}</b> is marked shipped; the buyer has been told.").format(
                        title=order_title(order, supplier)
                    ),
                    _(
                        "If the buyer does not confirm receipt, the platform confirms it on "
                        "{when}, as the programme's rules provide for this shipping mode."
                    ).format(when=moment(auto_at)),
                ]
            )
        )
    ]


def _needs_report(ctx: Ctx) -> bool:
    return bool(ctx.data.get("needs_report"))


FLOWS = [
    Flow(
        name="ship",
        steps=(
            Step("date", ask_date, take_date),
            Step("carrier", ask_carrier, take_carrier),
            Step("tracking", ask_tracking, take_tracking),
            Step("report", ask_report, take_report, when=_needs_report),
            Step("review", ask_review, take_review, counted=False),
        ),
        start=start,
        finish=finish,
    )
]
