"""How disputes read: grounds, statuses, refusals, the claim file, the timeline, and the
pushes about a dispute (notices and reminders), in the reader's language.

One place for these sentences so the buyer, the supplier and the dispute team see a
dispute described the same way. The push renderers run in the dispatcher; the one for
``AUTO_ESCALATION`` also performs the escalation, through the service, because that
reminder row is the rule's only trigger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows import info_texts, order_sheet, tokens
from bot.flows.base import Ctx
from bot.flows.notices import NoticeCtx, renders
from bot.flows.order_items import item_label, shipping_label
from bot.flows.policy_text import checklist_item_name, method_name
from bot.flows.replies import Button, Reply, esc
from bot.i18n import _, day, moment, money, ngettext
from bot.services import contracts, disputes, info_requests, reminders
from bot.services.disputes import DisputeRefused
from policy import Ground, Money
from storage.models import (
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Evidence,
    Order,
    Payment,
    Reminder,
    Supplier,
    User,
)

MAX_TEXT = 3500  # below Telegram's 4096 characters, leaving room for markup


def show(value: Money) -> str:
    return money(value.amount, value.currency)


def amount(value: Decimal | str | None, currency: str) -> str:
    return money(Decimal(str(value or 0)), currency)


def ground_label(ground: Ground | str) -> str:
    labels = {
        Ground.LATE_DELIVERY: _("Late delivery"),
        Ground.NOT_AS_SPECIFIED: _("Not as specified"),
    }
    return labels[Ground(ground)]


def status_label(status: DisputeStatus | str) -> str:
    # A phrase that stands alone after "Status:" or "Dispute #12:", never inside a sentence.
    labels = {
        DisputeStatus.SUBMITTED: _("waiting for the supplier's answer"),
        DisputeStatus.SUPPLIER_RESPONDED: _("answered by the supplier"),
        DisputeStatus.RESOLVED: _("resolved"),
        DisputeStatus.ESCALATED: _("with the dispute team"),
        DisputeStatus.DECIDED: _("decided by the dispute team"),
        DisputeStatus.CLOSED: _("closed"),
    }
    return labels[DisputeStatus(status)]


def answer_label(answer: str | None, offer: str | None, currency: str) -> str:
    """The supplier's answer as a timeline entry after "Supplier (name):"."""
    if answer == "accept":
        return _("accepts the full refund of {amount}").format(amount=amount(offer, currency))
    if answer == "partial":
        return _("offers a partial refund of {amount}").format(amount=amount(offer, currency))
    if answer == "reject":
        return _("rejects the claim")
    return _("has not answered")


def answer_sentence(
    supplier: Supplier, answer: str | None, offer: str | None, currency: str
) -> str:
    """The supplier's answer as a whole sentence, so each language orders its own words."""
    name, value = esc(supplier.name), amount(offer, currency)
    if answer == "accept":
        return _("{supplier} accepts the full refund of {amount}.").format(
            supplier=name, amount=value
        )
    if answer == "partial":
        return _("{supplier} offers a partial refund of {amount}.").format(
            supplier=name, amount=value
        )
    if answer == "reject":
        return _("{supplier} rejects the claim.").format(supplier=name)
    return _("{supplier} has not answered.").format(supplier=name)


def own_answer_label(answer: str, offer: str | None, currency: str) -> str:
    """The supplier's answer as they review it themselves."""
    if answer == "accept":
        return _("You accept the full refund of {amount}.").format(amount=amount(offer, currency))
    if answer == "partial":
        return _("You offer a partial refund of {amount}.").format(amount=amount(offer, currency))
    return _("You reject the claim.")


def files_text(n: int) -> str:
    return ngettext("{n} file", "{n} files", n).format(n=n)


def quoted(text: str) -> str:
    return _(": “{text}”").format(text=esc(text))


def cap_reason(basis: str) -> str:
    reasons = {
        "limit": _("the supplier's assurance limit"),
        "advance": _("pre-delivery cover protects the advance only"),
        "order": _("the whole payment is covered"),
        "limit_other_currency": _(
            "the assurance limit is in another currency: the dispute team checks it"
        ),
        "paid": _("that is what the buyer paid"),
    }
    return reasons.get(basis, reasons["order"])


def not_found(number: str | int) -> str:
    # The same words for a dispute that does not exist and one that is not the user's.
    return _("I found no dispute #{number} of yours.").format(number=esc(str(number)[:20]))


def proof_needed_text() -> str:
    """Why a not-as-specified claim cannot go on without a file, and what would do."""
    return _(
        "A claim that the goods are not as specified must be backed by proof (chapter 7 of "
        "the guide): send at least one photo or video of the defect, the inspection report, "
        "or a comparison of the agreed specification with a sample of the goods."
    )


def refusal_text(refused: DisputeRefused) -> str:
    """A service's refusal in a sentence that says what to do instead."""
    p = refused.params
    code = refused.code
    if code == "window_closed":
        days = int(p["days"])
        if p["basis"] == "buyer_confirmed":
            basis = ngettext(
                "{n} day after you confirmed receipt", "{n} days after you confirmed receipt", days
            ).format(n=days)
        else:  # automatic confirmation: the window depends on the shipping mode
            basis = ngettext(
                "{n} day after receipt was confirmed automatically (shipping mode: {mode})",
                "{n} days after receipt was confirmed automatically (shipping mode: {mode})",
                days,
            ).format(n=days, mode=shipping_label(p["mode"]))
        return _(
            "The claim window for this order closed on {date}: {basis}. The programme "
            "cannot open a dispute after it (chapter 6 of the guide)."
        ).format(date=day(p["deadline"]), basis=basis)
    if code == "not_late_yet":
        if p.get("deadline") is None:
            return _(
                "The goods have not been received yet and the order has no delivery date, so "
                "nothing can be late yet. The claim period starts when receipt is confirmed."
            )
        return _(
            "The goods have not been received yet and the delivery date, {date}, has not "
            "passed. A late-delivery claim can be opened once it has."
        ).format(date=day(p["deadline"]))
    texts = {
        "not_programme": lambda: _(
            "This order was not paid through the programme, so it has no Trade Assurance "
            "cover and no dispute can be opened on it."
        ),
        "not_paid": lambda: _(
            "This order has not been paid through the programme yet, so there is nothing to "
            "dispute."
        ),
        "already_disputed": lambda: _(
            "Dispute #{id} already covers this order. See /history {id}."
        ).format(id=p["dispute_id"]),
        "needs_receipt": lambda: _(
            "Until the goods are received, only a late delivery can be claimed."
        ),
        "wrong_currency": lambda: _("Please give the amount in {currency}.").format(
            currency=esc(p["currency"])
        ),
        "requested_range": lambda: _(
            "The refund must be more than zero and at most the order amount, {order}."
        ).format(order=show(p["order"])),
        "no_proof": lambda: proof_needed_text(),
        "invite_invalid": lambda: _("This invitation is not valid or the dispute has ended."),
        "invite_own": lambda: _(
            "This is the invitation for your supplier: forward it to them, they answer the "
            "claim with it."
        ),
        "invite_taken": lambda: _(
            "This invitation belongs to another Telegram account, the one the supplier registered."
        ),
        "invite_unbound": lambda: _(
            "This invitation works only for the Telegram account registered for {supplier}, "
            "and none is registered yet. The supplier first asks the dispute team to link "
            "their account; then the invitation opens the claim."
        ).format(supplier=esc(p["supplier"])),
        "already_answered": lambda: _(
            "This claim has already been answered. Status: {status}."
        ).format(status=status_label(p["status"])),
        "answer_late": lambda: _(
            "The time to answer ended on {when}. The buyer can now take the claim to the "
            "dispute team."
        ).format(when=moment(p["due"])),
        "offer_range": lambda: _(
            "A partial offer must be more than zero and less than the {requested} requested."
        ).format(requested=show(p["requested"])),
        "explanation_required": lambda: _("Please explain why you reject the claim."),
        "nothing_to_accept": lambda: _(
            "There is no answer from the supplier to accept. Status: {status}."
        ).format(status=status_label(p["status"])),
        "escalation_not_open": lambda: _(
            "The supplier has until {due} to answer. If they stay silent you can escalate "
            "to the dispute team from {opens}."
        ).format(due=moment(p["due"]), opens=moment(p["opens_at"])),
        "not_escalatable": lambda: _("This dispute cannot be escalated. Status: {status}.").format(
            status=status_label(p["status"])
        ),
        "not_escalated": lambda: _(
            "This dispute is not waiting for the dispute team. Status: {status}."
        ).format(status=status_label(p["status"])),
        "reason_required": lambda: _("Please give the reason for the decision."),
        "reason_too_short": lambda: _(
            "Please give a real reason, at least {n} characters: which terms were or were not "
            "met, and what the evidence showed."
        ).format(n=p["minimum"]),
        "reason_vague": lambda: _(
            "This reason praises or blames without saying what was measured. Name the terms "
            "that were or were not met and the evidence, with its figures."
        ),
        "note_too_short": lambda: _(
            "Please say what is wrong in the record and what really happened, in at least "
            "{n} characters."
        ).format(n=p["minimum"]),
        "not_late_by_record": lambda: _(
            "By the order's records the delivery was not late. If a record is wrong, say so "
            "in the claim and the dispute team will check it."
        ),
        "amount_negative": lambda: _("A refund cannot be negative."),
        "over_cap": lambda: _(
            "A refund cannot exceed {cap}: {why}. The programme pays no more than that."
        ).format(cap=show(p["cap"]), why=cap_reason(p["basis"])),
        "over_requested": lambda: _(
            "A refund cannot exceed the {requested} the buyer asked for."
        ).format(requested=show(p["requested"])),
    }
    text = texts.get(code)
    if text is not None:
        return text()
    return info_texts.refusal(refused) or _("That cannot be done on this dispute now.")


def invite_lines(ctx: Ctx, supplier: Supplier, payload: str) -> list[str]:
    """The supplier invite for the buyer to forward: a t.me link where the bot's username
    is configured, and the /start command, which works in any client and the terminal."""
    lines = [
        _(
            "{supplier} does not chat with me yet. Forward them this invitation: it shows "
            "them the claim and lets them answer."
        ).format(supplier=esc(supplier.name))
    ]
    # The Telegram runtimes set it from getMe at start (bot/handlers/lifecycle.py); the
    # terminal has none. getattr: App does not declare the field yet.
    username = ctx.app.bot_username
    if username:
        lines.append(f"https://t.me/{esc(username)}?start={payload}")
    lines.append(_("Or they send me: <code>/start {payload}</code>").format(payload=payload))
    if supplier.telegram_id is None:
        # The link opens the claim only for the supplier's bound account (never by itself).
        lines.append(
            _(
                "It works only from the Telegram account registered for {supplier}, and none "
                "is registered yet: they first ask the dispute team to link their account."
            ).format(supplier=esc(supplier.name))
        )
    return lines


def split_text(lines: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Messages no longer than Telegram allows, cut between lines."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


# -- the claim file ------------------------------------------------------------------------


def late_lines(facts: dict[str, Any]) -> list[str]:
    """A late delivery's facts (ISO dates, from the order's record): the contracted date,
    the shipment, the receipt, and how late that is."""
    lines = []
    contracted = facts.get("contracted")
    if contracted:
        lines.append(
            _("Contracted delivery date: {date}").format(date=day(date.fromisoformat(contracted)))
        )
    shipped = facts.get("shipped")
    if shipped:
        line = _("Shipped: {date}").format(date=day(date.fromisoformat(shipped)))
        if facts.get("carrier"):
            line += " " + _("({carrier}, tracking {tracking})").format(
                carrier=esc(facts["carrier"]), tracking=esc(facts.get("tracking") or "-")
            )
        lines.append(line)
    elif contracted:
        lines.append(_("Shipped: no shipment recorded"))
    actual = facts.get("actual")
    if actual:
        by = (
            _("confirmed by the buyer")
            if facts.get("received_by") == "buyer"
            else _("confirmed automatically when the time ran out")
        )
        lines.append(
            _("Received: {date} ({by})").format(date=day(date.fromisoformat(actual)), by=by)
        )
    else:
        lines.append(_("Received: not yet"))
    late = facts.get("days_late")
    if late is None and contracted and actual:  # claims filed before the record was used
        late = max(0, (date.fromisoformat(actual) - date.fromisoformat(contracted)).days)
    if late:
        lines.append(ngettext("{n} day late", "{n} days late", late).format(n=late))
    if facts.get("record_note"):
        lines.append(disputed_fact_line(facts["record_note"]))
    return lines


def disputed_fact_line(note: str) -> str:
    return _("⚠️ Disputed by the buyer: the record is wrong: “{note}”").format(note=esc(note))


def item_lines(items: dict[str, dict[str, str]]) -> list[str]:
    """Each differing item of the contract: what was agreed, what arrived."""
    return [
        _("• {item}: agreed “{agreed}”; received “{received}”").format(
            item=item_label(item) if item in _ITEMS else esc(item),
            agreed=esc(difference.get("agreed", "")),
            received=esc(difference.get("received", "")),
        )
        for item, difference in items.items()
    ]


def contract_attached_line(version: int, sha256: str) -> str:
    """The case file's first item, put there by the platform, not the buyer."""
    return _(
        "📎 The agreed contract, version {n} (SHA-256 <code>{sha}</code>), attached by the "
        "platform: it is the purchase order and the agreed specification."
    ).format(n=version, sha=sha256[:16] + "…")


def claim_lines(dispute: Dispute, order: Order, supplier: Supplier) -> list[str]:
    """The claim as both parties and the team read it."""
    lines = [
        _("<b>Dispute #{id}</b>: {status}").format(
            id=dispute.id, status=status_label(dispute.status)
        ),
        _("Order #{order} with {supplier}, {amount}").format(
            order=order.id, supplier=esc(supplier.name), amount=amount(order.amount, order.currency)
        ),
        _("Ground: {ground}").format(ground=ground_label(dispute.ground)),
    ]
    details = dispute.details or {}
    if details.get("description"):
        lines.append(_("In the buyer's words: “{text}”").format(text=esc(details["description"])))
    if dispute.ground == Ground.LATE_DELIVERY:
        lines += late_lines(details)
    lines += item_lines(details.get("items") or {})
    lines.append(
        _("Refund requested: {requested}; the programme can pay at most {cap} ({why}).").format(
            requested=amount(dispute.requested_amount, dispute.currency),
            cap=amount(dispute.cap_amount, dispute.currency),
            why=cap_reason(details.get("cap_basis", "order")),
        )
    )
    checklist = details.get("checklist") or {}
    contract = details.get("contract") or {}
    if checklist or contract:
        lines.append(_("Documents and evidence:"))
    if contract:
        lines.append(contract_attached_line(int(contract["version"]), str(contract["sha256"])))
    # The items the contract is (the purchase order, the agreed specification) are its line;
    # a claim recorded before "stands_for" lists them as well.
    by_contract = set(contract.get("stands_for") or ())
    for item, provided in checklist.items():  # with a contract or, for an older claim, without
        if item in by_contract:
            continue
        mark = "✅" if provided else "❌"
        state = _("provided") if provided else _("missing")
        lines.append(f"{mark} {checklist_item_name(item)}: {state}")
    if dispute.supplier_answer is not None:
        lines.append(
            answer_sentence(
                supplier, dispute.supplier_answer, _str(dispute.supplier_offer), dispute.currency
            )
        )
    elif dispute.status == DisputeStatus.SUBMITTED:
        lines.append(_("Answer due by {when}.").format(when=moment(dispute.response_due_at)))
    if dispute.decided_amount is not None:
        lines.append(
            _("Decision of the dispute team: refund {amount}.").format(
                amount=amount(dispute.decided_amount, dispute.currency)
            )
        )
    if dispute.resolved_amount is not None:
        lines.append(
            _("Resolved between the parties: refund {amount}.").format(
                amount=amount(dispute.resolved_amount, dispute.currency)
            )
        )
    return lines


_ITEMS = frozenset(
    {"design", "colour", "material", "size", "weight", "quantity", "packaging", "branding",
     "shipping", "customisation", "inspection", "coverage"}
)  # fmt: skip


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def evidence_replies(files: list[Evidence], owners: dict[int, str]) -> list[Reply]:
    """Each stored file, re-sent by its Telegram file id with what it is and who sent it."""
    replies = []
    for file in files:
        if not file.telegram_file_id:  # erased at its owner's request (bot.services.privacy)
            continue
        caption = _("{item} ({who}): {name}").format(
            item=_("Counter-evidence")
            if file.item == disputes.COUNTER
            else _("Answer to the dispute team")
            if file.item == info_requests.INFO_ITEM
            else checklist_item_name(file.item),
            who=owners.get(file.owner_id, ""),
            name=esc(file.file_name or file.mime_type or _("file")),
        )
        replies.append(Reply(text=caption, file_id=file.telegram_file_id))
    return replies


async def owner_names(session: AsyncSession, dispute: Dispute) -> dict[int, str]:
    return {dispute.buyer_id: _("buyer")} | {
        user.id: _("supplier")
        for user in (
            await session.scalars(
                select(User)
                .join(Supplier, Supplier.telegram_id == User.telegram_id)
                .where(Supplier.id == dispute.supplier_id)
            )
        ).all()
    }


async def claim_file(session: AsyncSession, dispute: Dispute) -> list[Reply]:
    """The claim with every file: what the supplier answers and the team decides on."""
    order = await disputes.get_order(session, dispute.order_id)
    supplier = await disputes.get_supplier(session, dispute.supplier_id)
    replies = [Reply(text=text) for text in split_text(claim_lines(dispute, order, supplier))]
    files = await disputes.evidence_of(session, dispute)
    replies += evidence_replies(files, await owner_names(session, dispute))
    return replies


async def contract_pdf(ctx: Ctx, dispute: Dispute) -> list[Reply]:
    """The agreed contract's PDF, as the case file's first document, for the supplier and
    the team (the buyer has it in the order). Nothing for a claim filed without one."""
    contract = (dispute.details or {}).get("contract")
    if not contract:
        return []
    order = await disputes.get_order(ctx.session, dispute.order_id)
    version = await contracts.in_force(ctx.session, order.id)
    if version is None or version.sha256 != contract.get("sha256"):
        return []  # the order's terms were changed since: only the summary line stands
    supplier = await disputes.get_supplier(ctx.session, dispute.supplier_id)
    buyer = await ctx.session.get(User, dispute.buyer_id)
    assert buyer is not None
    draft = order_sheet.draft(order, supplier, buyer, ctx.app.rules, ctx.now, version=version)
    return [Reply(text=order_sheet.caption(order, version=version), draft=draft)]


async def answer_file(session: AsyncSession, dispute: Dispute) -> list[Reply]:
    """The supplier's whole answer as the buyer reads it before accepting or escalating:
    the amount, the explanation and every file the supplier sent."""
    supplier = await disputes.get_supplier(session, dispute.supplier_id)
    lines = [
        _("<b>The answer of {supplier}</b>").format(supplier=esc(supplier.name)),
        answer_sentence(
            supplier, dispute.supplier_answer, _str(dispute.supplier_offer), dispute.currency
        ),
    ]
    explanation = await disputes.answer_explanation(session, dispute)
    if explanation:
        lines.append(_("Their explanation: “{text}”").format(text=esc(explanation)))
    else:
        lines.append(_("They gave no explanation."))
    files = [
        f for f in await disputes.evidence_of(session, dispute) if f.owner_id != dispute.buyer_id
    ]
    if files:
        lines.append(
            ngettext(
                "They sent {n} file; it follows.", "They sent {n} files; they follow.", len(files)
            ).format(n=len(files))
        )
    else:
        lines.append(_("They sent no files."))
    replies = [Reply(text=text) for text in split_text(lines)]
    return replies + evidence_replies(files, await owner_names(session, dispute))


async def team_file(session: AsyncSession, dispute: Dispute) -> list[Reply]:
    """Everything the team needs: the contract, the payment, the claim, every file and
    every event with its time."""
    order = await disputes.get_order(session, dispute.order_id)
    lines = [_("<b>Specification of order #{id}</b>").format(id=order.id)]
    for item, value in (order.spec or {}).items():
        label = item_label(item) if item in _ITEMS else esc(item)
        display = value.get("display", "") if isinstance(value, dict) else value
        lines.append(f"• {label}: {esc(display)}")
    if order.delivery_deadline is not None:
        lines.append(_("Delivery deadline: {date}").format(date=moment(order.delivery_deadline)))
    payments = (
        await session.scalars(
            select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
        )
    ).all()
    lines.append(_("<b>Payment</b>"))
    if not payments:
        lines.append(
            _("{amount}, paid {when}").format(
                amount=amount(order.amount, order.currency),
                when=moment(order.paid_at) if order.paid_at else _("(date not recorded)"),
            )
        )
    for payment in payments:
        paid = amount(payment.amount, payment.currency)
        method = method_name(payment.method)
        if payment.received_at is None:
            lines.append(
                _("{amount} by {method} on {when}").format(
                    amount=paid, method=method, when=moment(payment.created_at)
                )
            )
            continue
        # The money the programme holds, and since when: what a refund comes from.
        lines.append(
            _("{amount} by {method}, chosen {chosen}, held in escrow since {held}").format(
                amount=paid,
                method=method,
                chosen=moment(payment.created_at),
                held=moment(payment.received_at),
            )
        )
    replies = [Reply(text=text) for text in split_text(lines)]
    replies += await claim_file(session, dispute)
    replies += [Reply(text=text) for text in split_text(await timeline_lines(session, dispute))]
    return replies


# -- the timeline ----------------------------------------------------------------------------


def _actor(event: DisputeEvent, supplier: Supplier) -> str:
    names = {
        "buyer": _("Buyer"),
        "supplier": _("Supplier ({name})").format(name=esc(supplier.name)),
        "team": _("Dispute team"),
        "system": _("tradeguard"),
    }
    return names.get(event.actor_role, esc(event.actor_role))


def with_files(text: str, files: int) -> str:
    # Translators: a timeline entry and how many files came with it, e.g.
    # "rejects the claim; 2 files". Use your language's separator.
    return _("{event}; {files}").format(event=text, files=files_text(files))


def event_text(event: DisputeEvent) -> str:
    p: dict[str, Any] = event.payload or {}
    currency = p.get("currency", "")
    kind = event.kind
    if kind == disputes.SUBMITTED:
        text = _(
            "claim submitted: {ground}, refund requested {requested} (at most {cap} payable)"
        ).format(
            ground=ground_label(p["ground"]),
            requested=amount(p["requested"], currency),
            cap=amount(p["cap"], currency),
        )
        return with_files(text, int(p.get("files", 0)))
    if kind == disputes.SUPPLIER_NOTIFIED:
        return _("the claim was sent to the supplier")
    if kind == disputes.SUPPLIER_INVITED:
        return _("the buyer received an invitation link for the supplier")
    if kind == disputes.SUPPLIER_LINKED:
        return _("joined through the invitation")
    if kind == disputes.SUPPLIER_REACHED:
        return _("opened the invitation from their registered account")
    if kind == disputes.ANSWERED:
        text = answer_label(p.get("answer"), p.get("offer"), currency)
        if p.get("explanation"):
            text += quoted(p["explanation"])
        if p.get("files"):
            text = with_files(text, int(p["files"]))
        return text
    if kind == disputes.RESOLVED:
        return _("accepted the supplier's answer: refund {amount}; dispute resolved").format(
            amount=amount(p.get("amount"), currency)
        )
    if kind == disputes.ESCALATION_OPENED:
        return _("the supplier did not answer in time: escalation is open")
    if kind == disputes.ESCALATED:
        text = (
            _("escalated automatically to the dispute team")
            if p.get("automatic")
            else _("escalated to the dispute team")
        )
        if p.get("note"):
            text += quoted(p["note"])
        return text
    if kind == disputes.DECIDED:
        return _("decided: refund {amount}. Reason: “{reason}”").format(
            amount=amount(p.get("amount"), currency), reason=esc(p.get("reason", ""))
        )
    if kind == disputes.CLOSED:
        return _("file closed")
    return info_texts.event_text(event) or esc(kind)


async def timeline_lines(session: AsyncSession, dispute: Dispute) -> list[str]:
    supplier = await disputes.get_supplier(session, dispute.supplier_id)
    lines = [_("<b>Timeline of dispute #{id}</b>").format(id=dispute.id)]
    for event in await disputes.events_of(session, dispute):
        # Translators: one timeline line: when, who, what happened ("rejects the claim").
        line, when = _("{time} · {actor}: {event}"), moment(event.created_at)
        lines.append(line.format(time=when, actor=_actor(event, supplier), event=event_text(event)))
    return lines


# -- pushes ---------------------------------------------------------------------------------


def _button(
    ctx: NoticeCtx, label: str, command: str, dispute: Dispute
) -> tuple[tuple[Button, ...], ...]:
    data = tokens.shortcut_token(ctx.secret, ctx.recipient.telegram_id, command, str(dispute.id))
    return ((Button(label, data),),)


async def _dispute(ctx: NoticeCtx, reminder: Reminder) -> Dispute | None:
    if reminder.subject_type != "dispute" or reminder.subject_id is None:
        return None
    return await ctx.session.get(Dispute, reminder.subject_id)


@renders(disputes.NOTICE_CLAIM)
async def claim_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.status != DisputeStatus.SUBMITTED:
        return None
    text = _(
        "<b>A claim has been opened against you: dispute #{id}</b>\n"
        "{ground}, refund requested {requested}. Please answer by {due}: accept, offer part "
        "of the refund, or reject it with your evidence. Without an answer the buyer can take "
        "it to the dispute team."
    ).format(
        id=dispute.id,
        ground=ground_label(dispute.ground),
        requested=amount(dispute.requested_amount, dispute.currency),
        due=moment(dispute.response_due_at),
    )
    return Reply(text=text, buttons=_button(ctx, _("Answer the claim"), "respond", dispute))


@renders(disputes.NOTICE_ANSWERED)
async def answered_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.status != DisputeStatus.SUPPLIER_RESPONDED:
        return None
    supplier = await disputes.get_supplier(ctx.session, dispute.supplier_id)
    text = "\n".join(
        [
            _("<b>{supplier} answered dispute #{id}</b>").format(
                supplier=esc(supplier.name), id=dispute.id
            ),
            answer_sentence(
                supplier, dispute.supplier_answer, _str(dispute.supplier_offer), dispute.currency
            ),
            _("Accept the answer, or take the dispute to the dispute team."),
        ]
    )
    return Reply(text=text, buttons=_button(ctx, _("Accept or escalate"), "resolve", dispute))


@renders(disputes.NOTICE_RESOLVED)
async def resolved_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.status != DisputeStatus.RESOLVED:
        return None
    return Reply(
        text=_(
            "The buyer accepted your answer on dispute #{id}: refund {amount}. The dispute "
            "is resolved."
        ).format(id=dispute.id, amount=amount(dispute.resolved_amount, dispute.currency))
    )


@renders(disputes.NOTICE_ESCALATED)
async def escalated_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None:
        return None
    return Reply(
        text=_(
            "Dispute #{id} is now with the dispute team. They read the whole file, including "
            "your answer and evidence, and their decision is final."
        ).format(id=dispute.id)
    )


@renders(disputes.NOTICE_QUEUED)
async def queued_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.status != DisputeStatus.ESCALATED:
        return None
    return Reply(
        text=_("Dispute #{id} was escalated and waits in the /queue.").format(id=dispute.id),
        buttons=_button(ctx, _("Open the file"), "queue", dispute),
    )


@renders(disputes.NOTICE_DECIDED)
async def decided_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.decided_amount is None:
        return None
    decision = await ctx.session.scalar(
        select(DisputeEvent)
        .where(DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind == disputes.DECIDED)
        .order_by(DisputeEvent.id.desc())
    )
    reason = (decision.payload or {}).get("reason", "") if decision else ""
    return Reply(
        text=_(
            "<b>The dispute team decided dispute #{id}</b>: refund {amount}.\nReason: {reason}\n"
            "The decision is final and the file is closed. /history {id} shows every step."
        ).format(
            id=dispute.id,
            amount=amount(dispute.decided_amount, dispute.currency),
            reason=esc(reason),
        )
    )


@renders(reminders.SUPPLIER_RESPONSE_DUE)
async def response_due_reminder(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.status != DisputeStatus.SUBMITTED:
        return None
    return Reply(
        text=_(
            "Reminder: dispute #{id} waits for your answer until {due}. After that the buyer "
            "can take it to the dispute team without your side of the story."
        ).format(id=dispute.id, due=moment(dispute.response_due_at)),
        buttons=_button(ctx, _("Answer the claim"), "respond", dispute),
    )


@renders(reminders.ESCALATION_OPEN)
async def escalation_open_reminder(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    # The dispatcher has no clock of its own here: the rule's moment is the row's due time.
    if dispute is None or not await disputes.mark_escalation_open(
        ctx.session, dispute, reminder.due_at
    ):
        return None
    return Reply(
        text=_(
            "The supplier did not answer dispute #{id} by {due}. You can take it to the "
            "dispute team now: they will decide on your claim and evidence alone."
        ).format(id=dispute.id, due=moment(dispute.response_due_at)),
        buttons=_button(ctx, _("Escalate to the dispute team"), "resolve", dispute),
    )


@renders(reminders.AUTO_ESCALATION)
async def auto_escalation(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    """Escalate by the rules' clock, then tell the buyer. Rendering again after a failed
    delivery finds the dispute escalated already and only repeats the notice."""
    dispute = await _dispute(ctx, reminder)
    if dispute is None:
        return None
    if dispute.status in (DisputeStatus.SUBMITTED, DisputeStatus.SUPPLIER_RESPONDED):
        payload = reminder.payload or {}
        team = disputes.Team(
            telegram_ids=frozenset(int(i) for i in payload.get("team", [])),
            waiting_days=int(payload.get("waiting_days", 3)),
        )
        # The dispatcher has no clock of its own here: the rule's moment is the row's due time.
        await disputes.escalate(
            ctx.session, None, dispute.id, is_team=False, rules=None, team=team, now=reminder.due_at
        )
    elif not await disputes.escalated_automatically(ctx.session, dispute):
        return None
    return Reply(
        text=_(
            "Dispute #{id} was not settled in time, so it went to the dispute team by itself, "
            "as the programme's rules provide. You will hear their decision here."
        ).format(id=dispute.id)
    )


@renders(reminders.TEAM_WAITING)
async def team_waiting_reminder(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    dispute = await _dispute(ctx, reminder)
    if dispute is None or dispute.status != DisputeStatus.ESCALATED:
        return None
    days = int((reminder.payload or {}).get("days", 0))
    return Reply(
        text=ngettext(
            "Dispute #{id} has waited {n} day for a decision.",
            "Dispute #{id} has waited {n} days for a decision.",
            days,
        ).format(id=dispute.id, n=days),
        buttons=_button(ctx, _("Open the file"), "queue", dispute),
    )
