"""/dispute [order]: the buyer opens a dispute, one question at a time (ch6, ch7).

The order -> a word of advice (talk to the supplier first) -> the ground (late delivery
or not as specified; "I did not like it" is refused) -> the facts of that ground -> the
documents and evidence, each provided or missing -> the refund asked for, beside the
most the programme can pay -> review -> submit. The claim window, the ground and the
cap are policy's; the dispute itself is written by ``bot.services.disputes``.

Submitting is idempotent: the key drawn when the flow starts goes into the dispute's
UNIQUE ``idempotency_key``, so a double-pressed "submit" creates one dispute.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from typing import Any

from bot.flows.base import STAY, Answer, Choice, Command, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.dispute_steps import (
    KeptFile,
    checklist_step,
    money_data,
    money_of,
    number,
    parse_money,
    refused,
    team_of,
)
from bot.flows.dispute_texts import (
    cap_reason,
    contract_attached_line,
    disputed_fact_line,
    ground_label,
    invite_lines,
    item_lines,
    late_lines,
    proof_needed_text,
    refusal_text,
    show,
)
from bot.flows.order_items import item_label
from bot.flows.policy_text import checklist_item_name, explain_refusal, explain_spec_error
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, lazy_gettext, moment
from bot.services import contracts, disputes, supplier_orders
from bot.services.authz import Forbidden
from bot.services.delivery_record import delivery_record
from bot.services.disputes import Claim, DisputeRefused, EvidenceFile
from policy import (
    MIN_RECORD_NOTE,
    Ground,
    PolicyError,
    Refusal,
    classify_ground,
    evidence_items,
    long_enough,
    needs_proof_file,
    required_documents,
)
from policy.answers import check_received
from storage.models import Order

# Items of the contract a buyer can say differ; cover and inspection are terms of the
# deal, not properties of the goods.
DISPUTABLE = (
    "design",
    "colour",
    "material",
    "size",
    "weight",
    "quantity",
    "packaging",
    "branding",
    "shipping",
    "customisation",
)
MAX_TEXT = 500


# -- the order ----------------------------------------------------------------------------


async def start(ctx: Ctx) -> None:
    ctx.data["key"] = secrets.token_urlsafe(24)
    if ctx.arg:
        order_id = number(ctx.arg)
        if order_id is None:
            raise Invalid(no_order(ctx.arg))
        await check_order(ctx, order_id)
        ctx.data["order"] = order_id
        ctx.data["order_given"] = True
        return
    if not await eligible(ctx):
        raise Invalid(
            "\n".join(
                [
                    _("None of your orders can be disputed now."),
                    *await ineligible_lines(ctx),
                ]
            )
        )


def no_order(raw: object) -> str:
    return _("I found no order #{number} of yours.").format(number=esc(str(raw)[:20]))


async def check_order(ctx: Ctx, order_id: int) -> Order:
    try:
        order = await disputes.own_order(ctx.session, ctx.user, order_id)
    except Forbidden:
        log_refusal(ctx, "order to dispute", order_id)
        raise Invalid(no_order(order_id)) from None
    try:
        disputes.claimable(order, ctx.app.rules, ctx.now)
    except DisputeRefused as exc:
        raise Invalid(_("Order #{id}: {why}").format(id=order.id, why=refusal_text(exc))) from None
    earlier = await disputes.dispute_of_order(ctx.session, order.id)
    if earlier is not None:
        raise refused(DisputeRefused("already_disputed", dispute_id=earlier.id))
    return order


async def eligible(ctx: Ctx) -> list[Choice]:
    choices = []
    for order, supplier in await disputes.buyer_orders(ctx.session, ctx.user):
        try:
            disputes.claimable(order, ctx.app.rules, ctx.now)
        except DisputeRefused:
            continue
        if await disputes.dispute_of_order(ctx.session, order.id) is not None:
            continue
        label = _("#{id} · {supplier} · {amount}").format(
            id=order.id, supplier=supplier.name[:24], amount=show(disputes.order_money(order))
        )
        choices.append(Choice(label, order.id))
    return choices


async def ineligible_lines(ctx: Ctx) -> list[str]:
    lines = []
    for order, _supplier in await disputes.buyer_orders(ctx.session, ctx.user, limit=5):
        try:
            disputes.claimable(order, ctx.app.rules, ctx.now)
        except DisputeRefused as exc:
            lines.append(_("Order #{id}: {why}").format(id=order.id, why=refusal_text(exc)))
    return lines


async def ask_order(ctx: Ctx) -> Prompt:
    choices = await eligible(ctx)
    return Prompt(
        text=_("Which order is the dispute about?"),
        choices=[[choice] for choice in choices],
    )


async def take_order(ctx: Ctx, answer: Answer) -> int:
    raw = answer.choice if answer.pressed else number(answer.text or "")
    if raw is None:
        raise Invalid(_("Please choose an order, or send its number."))
    order = await check_order(ctx, int(raw))
    return order.id


async def order_of(ctx: Ctx) -> Order:
    return await disputes.get_order(ctx.session, int(ctx.data["order"]))


# -- talk to the supplier first (ch6) -------------------------------------------------------


async def ask_contact(ctx: Ctx) -> Prompt:
    order = await order_of(ctx)
    supplier = await disputes.get_supplier(ctx.session, order.supplier_id)
    return Prompt(
        text=_(
            "Before a dispute: have you told {supplier} what is wrong? The guide's first "
            "advice is to approach the supplier directly. Most mistakes are honest and are "
            "put right quickly once pointed out; a dispute is for when that fails."
        ).format(supplier=esc(supplier.name)),
        choices=[
            [Choice(_("I have; open the dispute"), "go")],
            [Choice(_("Not yet; I will write to them first"), "later")],
        ],
        accepts_text=False,
    )


async def take_contact(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in ("go", "later"):
        raise Invalid(_("Please press one of the buttons."))
    return str(answer.choice)


def going_on(ctx: Ctx) -> bool:
    return ctx.data.get("contact") != "later"


def on_ground(ground: Ground) -> Any:
    return lambda ctx: going_on(ctx) and ctx.data.get("ground") == ground


# -- the ground ------------------------------------------------------------------------------


async def allowed_grounds(ctx: Ctx) -> tuple[Ground, ...]:
    return disputes.claimable(await order_of(ctx), ctx.app.rules, ctx.now).grounds


async def ask_ground(ctx: Ctx) -> Prompt:
    grounds = await allowed_grounds(ctx)
    text = _(
        "What went wrong? The programme refunds for two reasons only. Choose one, or "
        "describe the problem in a sentence."
    )
    if Ground.NOT_AS_SPECIFIED not in grounds:
        text += "\n" + _(
            "The goods have not been received yet, so only a late delivery can be claimed."
        )
    return Prompt(text=text, choices=[[Choice(ground_label(g), g.value)] for g in grounds])


async def take_ground(ctx: Ctx, answer: Answer) -> str:
    if answer.pressed:
        ground = Ground(answer.choice)
    else:
        said = (answer.text or "").strip()
        verdict = classify_ground(said)
        if isinstance(verdict, Refusal):
            raise Invalid(explain_refusal(verdict))
        ground = verdict
        ctx.data["said"] = said[:MAX_TEXT]
    if ground not in await allowed_grounds(ctx):
        raise refused(DisputeRefused("needs_receipt"))
    if ground == Ground.NOT_AS_SPECIFIED and not spec_items(await order_of(ctx)):
        raise Invalid(
            _(
                "This order has no recorded specification to compare the goods with, so a "
                "not-as-specified claim cannot be checked. Contact the dispute team."
            )
        )
    return ground.value


# -- late delivery: the facts from the record ------------------------------------------------


async def ask_record(ctx: Ctx) -> Prompt:
    """The contracted date, the shipment and the receipt as the order's record has them,
    and the lateness computed from them: nothing here is typed by the buyer."""
    order = await order_of(ctx)
    facts = delivery_record(order).as_details(ctx.now.astimezone(UTC).date())
    lines = [_("<b>From the order's records</b>"), *late_lines(facts)]
    if facts["days_late"] <= 0:
        lines.append(
            _(
                "By these records the delivery was not late. If a record is wrong, say what "
                "is wrong and the dispute team will check it."
            )
        )
    else:
        lines.append(_("Is this record right?"))
    return Prompt(
        text="\n".join(lines),
        choices=[
            [Choice(_("The record is right"), "right")],
            [Choice(_("Something in it is wrong"), "wrong")],
        ],
        accepts_text=False,
    )


async def take_record(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in ("right", "wrong"):
        raise Invalid(_("Please press one of the buttons."))
    if answer.choice == "right":
        order = await order_of(ctx)
        if delivery_record(order).days_late(ctx.now.astimezone(UTC).date()) <= 0:
            raise Invalid(
                _("By the records the delivery was not late, so it cannot be claimed as late.")
            )
        ctx.data.pop("record_note", None)
    return str(answer.choice)


async def ask_record_note(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            'What is wrong in the record, and what really happened? For example: "The goods '
            "arrived on 20 Feb, not 1 Feb; the carrier's proof of delivery shows it.\" The "
            "supplier and the dispute team will see it as a fact you dispute."
        )
    )


async def take_record_note(ctx: Ctx, answer: Answer) -> str:
    note = " ".join((answer.text or "").split())
    if not long_enough(note, MIN_RECORD_NOTE):
        raise refused(DisputeRefused("note_too_short", minimum=MIN_RECORD_NOTE))
    return note[: disputes.MAX_NOTE]


def disputing_record(ctx: Ctx) -> bool:
    return on_ground(Ground.LATE_DELIVERY)(ctx) and ctx.data.get("record") == "wrong"


# -- not as specified: which items, and what arrived ---------------------------------------


def spec_items(order: Order) -> list[tuple[str, str]]:
    spec = order.spec or {}
    return [
        (item, str(spec[item].get("display", "")))
        for item in DISPUTABLE
        if isinstance(spec.get(item), dict) and spec[item].get("display")
    ]


async def ask_items(ctx: Ctx) -> Prompt:
    picked = set(ctx.data.get("picked", []))
    rows = []
    for item, display in spec_items(await order_of(ctx)):
        mark = "☑" if item in picked else "☐"
        label = f"{mark} {item_label(item)}: {display}"
        rows.append([Choice(label[:60], item)])
    rows.append([Choice(_("Done"), "done")])
    return Prompt(
        text=_("Which agreed items differ from what you received? Tap each one, then Done."),
        choices=rows,
        accepts_text=False,
    )


async def take_items(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Please tap the items that differ, then Done."))
    picked: list[str] = list(ctx.data.get("picked", []))
    if answer.choice == "done":
        if not picked:
            raise Invalid(_("Tap at least one item that differs."))
        return [item for item in DISPUTABLE if item in picked]
    item = str(answer.choice)
    picked = [p for p in picked if p != item] if item in picked else [*picked, item]
    ctx.data["picked"] = picked
    return STAY


async def ask_received(ctx: Ctx) -> Prompt:
    items = ctx.data["items"]
    index = min(ctx.data.get("received_at", 0), len(items) - 1)
    item = items[index]
    agreed = dict(spec_items(await order_of(ctx))).get(item, "")
    return Prompt(
        text=_(
            "{i} of {n}. The contract says <b>{item}</b>: “{agreed}”. What did you receive? "
            "Give figures the team can check: a Pantone code, a percentage, a size or weight "
            "with its unit, a count."
        ).format(i=index + 1, n=len(items), item=item_label(item), agreed=esc(agreed))
    )


async def take_received(ctx: Ctx, answer: Answer) -> Any:
    said = (answer.text or "").strip()
    if not said:
        raise Invalid(_("Please describe what you received, with figures."))
    try:
        said = check_received(said)  # measurable: a Pantone code, a percentage, a figure
    except PolicyError as err:
        raise Invalid(explain_spec_error(err)) from None
    items = ctx.data["items"]
    index = min(ctx.data.get("received_at", 0), len(items) - 1)
    answers: dict[str, str] = dict(ctx.data.get("received_draft", {}))
    answers[items[index]] = said[:MAX_TEXT]
    ctx.data["received_draft"] = answers
    if index + 1 < len(items):
        ctx.data["received_at"] = index + 1
        return STAY
    ctx.data["received_at"] = 0
    agreed = dict(spec_items(await order_of(ctx)))
    return {item: {"agreed": agreed.get(item, ""), "received": answers[item]} for item in items}


# -- documents and evidence (ch7) -----------------------------------------------------------------


def custom_design(order: Order) -> bool:
    """Design files matter only for a design of the buyer's own (ch7). Without a marker in
    the contract we ask for them; the buyer can say they have none."""
    design = (order.spec or {}).get("design") or {}
    return design.get("custom", True) is not False


async def documents(ctx: Ctx) -> list[tuple[str, str, bool]]:
    """What the buyer is asked to send: not what the agreed contract already is."""
    order = await order_of(ctx)
    agreed = await contracts.in_force(ctx.session, order.id)
    return [
        (item.id, checklist_item_name(item.id), item.required)
        for item in required_documents(
            ctx.app.rules, custom_design=custom_design(order), has_contract=agreed is not None
        )
    ]


def evidence_list(ctx: Ctx) -> list[tuple[str, str, bool]]:
    ground = ctx.data.get("ground")
    if ground is None:
        return []
    # Where one file is needed, no single item is optional: the intro says "one of these".
    needed = needs_proof_file(ctx.app.rules, Ground(ground))
    return [
        (item.id, checklist_item_name(item.id), item.required or needed)
        for item in evidence_items(ctx.app.rules, Ground(ground))
    ]


def evidence_intro(ctx: Ctx) -> str:
    intro = _("The evidence that convinces the dispute team most (chapter 7).")
    if needs_proof_file(ctx.app.rules, Ground(ctx.data["ground"])):
        intro += " " + _("Send at least one of these: a claim needs proof.")
    return intro


def proof_missing(ctx: Ctx) -> str | None:
    """Said when the evidence list ends without a file on a ground that needs one."""
    if needs_proof_file(ctx.app.rules, Ground(ctx.data["ground"])):
        return proof_needed_text()
    return None


async def evidence(ctx: Ctx) -> list[tuple[str, str, bool]]:
    return evidence_list(ctx)


async def shipped_report(ctx: Ctx, item: str) -> KeptFile | None:
    """The inspector's report the goods shipped with, for the claim's inspection report:
    the buyer has it already and need not upload it again. Offered, not added: a report
    that passed the goods may not help the claim."""
    if item != supplier_orders.INSPECTION_REPORT:
        return None
    report = await supplier_orders.inspection_report(ctx.session, await order_of(ctx))
    if report is None:
        return None
    file = EvidenceFile(
        item=item,
        file_id=report.telegram_file_id,
        unique_id=report.file_unique_id,
        name=report.file_name,
        mime=report.mime_type,
        size=report.size_bytes,
        sha256=report.sha256,
    )
    return KeptFile(
        file,
        offer=_(
            "The supplier sent the inspector's report from before loading with the "
            "shipment: add it with the button, or send another report."
        ),
        button=_("Add the report the goods shipped with"),
    )


def weakening(ctx: Ctx) -> list[str]:
    """Missing evidence the guide says weakens a claim (no inspection report, ch6, ch9)."""
    marks = ctx.data.get("evidence") or {}
    lines = []
    for item in evidence_items(ctx.app.rules, Ground(ctx.data["ground"])):
        if item.weakens_claim_if_missing and marks.get(item.id) is False:
            lines.append(
                _(
                    "⚠️ Missing: {item}. Your claim is weaker without it: the guide calls a "
                    "third-party inspection essential for a quality dispute (chapters 6 and 9). "
                    "You can still submit."
                ).format(item=checklist_item_name(item.id))
            )
    return lines


# -- the refund ----------------------------------------------------------------------------------


async def cap_of(ctx: Ctx) -> disputes.Cap:
    order = await order_of(ctx)
    supplier = await disputes.get_supplier(ctx.session, order.supplier_id)
    paid = await disputes.amount_paid(ctx.session, order)
    rate = await disputes.agreed_rate(ctx.session, order)
    return disputes.cap_for(order, supplier, ctx.app.rules, paid, rate)


async def ask_amount(ctx: Ctx) -> Prompt:
    order = await order_of(ctx)
    total = disputes.order_money(order)
    cap = await cap_of(ctx)
    choices = [
        [Choice(_("The whole order: {amount}").format(amount=show(total)), money_data(total))]
    ]
    if cap.amount != total and cap.amount.is_positive():
        choices.append(
            [
                Choice(
                    _("The most payable: {amount}").format(amount=show(cap.amount)),
                    money_data(cap.amount),
                )
            ]
        )
    return Prompt(
        text=_(
            "How much refund do you ask for? The order is {total}. The programme can pay at "
            "most {cap} ({why}). Type an amount or choose."
        ).format(total=show(total), cap=show(cap.amount), why=cap_reason(cap.basis)),
        choices=choices,
    )


async def take_amount(ctx: Ctx, answer: Answer) -> dict[str, str]:
    order = await order_of(ctx)
    total = disputes.order_money(order)
    asked = (
        money_of(answer.choice)
        if answer.pressed
        else parse_money(answer.text or "", order.currency)
    )
    if not asked.is_positive() or asked > total:
        raise refused(DisputeRefused("requested_range", order=total))
    cap = await cap_of(ctx)
    if asked > cap.amount:
        ctx.note(
            _("Noted. Keep in mind the programme pays at most {cap}, whatever is asked.").format(
                cap=show(cap.amount)
            )
        )
    return money_data(asked)


# -- review and submit ------------------------------------------------------------------------


async def summary(ctx: Ctx) -> list[str]:
    order = await order_of(ctx)
    supplier = await disputes.get_supplier(ctx.session, order.supplier_id)
    ground = Ground(ctx.data["ground"])
    lines = [
        _("<b>Your dispute, ready to submit</b>"),
        _("Order #{id} with {supplier}, {amount}").format(
            id=order.id, supplier=esc(supplier.name), amount=show(disputes.order_money(order))
        ),
        _("Ground: {ground}").format(ground=ground_label(ground)),
    ]
    if ground == Ground.LATE_DELIVERY:
        lines += late_lines(delivery_record(order).as_details(ctx.now.astimezone(UTC).date()))
        if ctx.data.get("record") == "wrong" and ctx.data.get("record_note"):
            lines.append(disputed_fact_line(ctx.data["record_note"]))
    lines += item_lines(ctx.data.get("received") or {})
    agreed = await contracts.in_force(ctx.session, int(ctx.data["order"]))
    if agreed is not None:
        lines.append(contract_attached_line(agreed.version, agreed.sha256))
    marks = {**(ctx.data.get("documents") or {}), **(ctx.data.get("evidence") or {})}
    for item, provided in marks.items():
        state = _("provided") if provided else _("missing")
        lines.append(f"{'✅' if provided else '❌'} {checklist_item_name(item)}: {state}")
    cap = await cap_of(ctx)
    lines.append(
        _("Refund asked: {asked}. The programme can pay at most {cap}.").format(
            asked=show(money_of(ctx.data["amount"])), cap=show(cap.amount)
        )
    )
    return lines


async def ask_review(ctx: Ctx) -> Prompt:
    lines = await summary(ctx)
    lines += weakening(ctx)
    choices = [
        [Choice(_("Submit the dispute"), "submit")],
        [Choice(_("Change the refund"), "amount"), Choice(_("Change the documents"), "documents")],
    ]
    if evidence_list(ctx):
        choices.append([Choice(_("Change the evidence"), "evidence")])
    return Prompt(text="\n".join(lines), choices=choices, accepts_text=False)


async def take_review(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Please press a button."))
    if answer.choice in ("amount", "documents", "evidence"):
        return Goto(str(answer.choice), then_return=True)
    ground = Ground(ctx.data["ground"])
    if ground == Ground.LATE_DELIVERY:
        # The dates are the record's: the service reads them from the order itself.
        details: dict[str, Any] = {}
        if ctx.data.get("record") == "wrong":
            details["record_note"] = ctx.data.get("record_note", "")
    else:
        details = {"items": ctx.data["received"]}
    if ctx.data.get("said"):
        details["description"] = ctx.data["said"]
    claim = Claim(
        order_id=int(ctx.data["order"]),
        ground=ground,
        details=details,
        requested=money_of(ctx.data["amount"]),
        checklist={**(ctx.data.get("documents") or {}), **(ctx.data.get("evidence") or {})},
        files=tuple(EvidenceFile.from_dict(f) for f in ctx.data.get("files", [])),
        idempotency_key=ctx.data["key"],
    )
    try:
        opened = await disputes.open_dispute(
            ctx.session, ctx.user, claim, rules=ctx.app.rules, team=team_of(ctx), now=ctx.now
        )
    except DisputeRefused as exc:
        raise refused(exc) from None
    except Forbidden:
        log_refusal(ctx, "order to dispute", claim.order_id)
        raise Invalid(no_order(claim.order_id)) from None
    ctx.data["dispute_id"] = opened.dispute.id
    return "submitted"


async def finish(ctx: Ctx) -> list[Reply]:
    if ctx.data.get("contact") == "later":
        order = await order_of(ctx)
        window = disputes.claimable(order, ctx.app.rules, ctx.now).window
        text = _("Good: write to the supplier and point to the exact terms that were missed.")
        if window is not None:
            text += " " + _("Your claim window closes on {date}.").format(
                date=moment(window.deadline)
            )
        text += " " + _("If it is not put right, send /dispute {id}.").format(id=order.id)
        return [Reply(text=text)]
    dispute = await ctx.session.get(disputes.Dispute, int(ctx.data["dispute_id"]))
    assert dispute is not None
    supplier = await disputes.get_supplier(ctx.session, dispute.supplier_id)
    lines = [
        _("<b>Dispute #{id} is submitted.</b> {supplier} has until {due} to answer.").format(
            id=dispute.id, supplier=esc(supplier.name), due=moment(dispute.response_due_at)
        )
    ]
    payload = disputes.invite_payload(dispute)
    if payload is None:
        lines.append(_("I have sent them the claim and will tell you when they answer."))
    else:
        lines += invite_lines(ctx, supplier, payload)
    lines.append(_("/history {id} shows every step of the dispute.").format(id=dispute.id))
    return [Reply(text="\n".join(lines))]


FLOWS = [
    Flow(
        name="dispute",
        start=start,
        steps=(
            Step("order", ask_order, take_order, when=lambda ctx: not ctx.data.get("order_given")),
            Step("contact", ask_contact, take_contact),
            Step("ground", ask_ground, take_ground, when=going_on),
            Step("record", ask_record, take_record, when=on_ground(Ground.LATE_DELIVERY)),
            Step("record_note", ask_record_note, take_record_note, when=disputing_record),
            Step("items", ask_items, take_items, when=on_ground(Ground.NOT_AS_SPECIFIED)),
            Step("received", ask_received, take_received, when=on_ground(Ground.NOT_AS_SPECIFIED)),
            checklist_step(
                "documents",
                documents,
                lambda ctx: _("The documents the dispute team asks for (chapter 7)."),
                when=going_on,
            ),
            checklist_step(
                "evidence",
                evidence,
                evidence_intro,
                when=lambda ctx: going_on(ctx) and bool(evidence_list(ctx)),
                needs_one=proof_missing,
                kept=shipped_report,
            ),
            Step("amount", ask_amount, take_amount, when=going_on),
            Step("review", ask_review, take_review, when=going_on, counted=False),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "dispute",
        lazy_gettext("Open a dispute: goods late or not as specified"),
        flow="dispute",
    )
]
