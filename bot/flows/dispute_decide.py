"""/resolve [dispute]: the buyer accepts the supplier's answer or escalates (ch6, ch9).

After an answer the buyer may take it (the dispute is resolved with the offered amount)
or, finding it unsatisfactory, hand the file to the dispute team. A silent supplier
lets the buyer escalate once the answer deadline has passed, and not before.

The buyer decides informed: the supplier's whole answer (amount, explanation, every
file they sent) is shown before the buttons. The buttons keep their places (ending the
dispute on top, escalating below) and say what they do; withdrawing and escalating,
neither of which can be undone, ask for a confirmation.
"""

from __future__ import annotations

from typing import Any

from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.dispute_steps import current_dispute, dispute_arg, refused, team_of
from bot.flows.dispute_texts import answer_file, answer_sentence, ground_label, show
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply
from bot.i18n import _, lazy_gettext, money
from bot.services import disputes
from bot.services.authz import Forbidden
from bot.services.disputes import DisputeRefused
from storage.models import Dispute, DisputeStatus

OPEN = (DisputeStatus.SUBMITTED, DisputeStatus.SUPPLIER_RESPONDED)
MAX_NOTE = 1000


async def start(ctx: Ctx) -> None:
    if ctx.arg:
        dispute = await dispute_arg(ctx, ctx.arg, ("buyer",))
        await check_open(ctx, dispute)
        ctx.data["dispute"] = dispute.id
        ctx.data["given"] = True
        return
    if not await pending(ctx):
        raise Invalid(_("None of your disputes is waiting for your decision."))


async def check_open(ctx: Ctx, dispute: Dispute) -> None:
    """Something to decide: an answer to accept, or the right to escalate. The answer is
    shown in full, with the supplier's files, before anything is asked."""
    if dispute.status == DisputeStatus.SUPPLIER_RESPONDED:
        ctx.notes.extend(await answer_file(ctx.session, dispute))
        return
    try:
        disputes.check_can_escalate(dispute, ctx.app.rules, ctx.now)
    except DisputeRefused as exc:
        raise refused(exc) from None


async def pending(ctx: Ctx) -> list[Dispute]:
    return await disputes.disputes_of(ctx.session, ctx.user, statuses=OPEN, as_party=("buyer",))


async def ask_pick(ctx: Ctx) -> Prompt:
    choices = [
        [
            Choice(
                _("#{id} · {ground} · {amount}").format(
                    id=d.id, ground=ground_label(d.ground), amount=show(disputes.requested_money(d))
                ),
                d.id,
            )
        ]
        for d in await pending(ctx)
    ]
    return Prompt(text=_("Which dispute?"), choices=choices)


async def take_pick(ctx: Ctx, answer: Answer) -> int:
    raw = str(answer.choice) if answer.pressed else (answer.text or "")
    dispute = await dispute_arg(ctx, raw, ("buyer",))
    await check_open(ctx, dispute)
    return dispute.id


async def ask_choice(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    supplier = await disputes.get_supplier(ctx.session, dispute.supplier_id)
    offer = disputes.offer_money(dispute)
    answer = answer_sentence(
        supplier, dispute.supplier_answer, str(offer.amount) if offer else None, dispute.currency
    )
    # Translators: {answer} is a whole sentence, e.g. "Acme Ltd rejects the claim."
    lines = [_("<b>Dispute #{id}</b>: {answer}").format(id=dispute.id, answer=answer)]
    escalate = [Choice(_("Escalate to the dispute team (final)"), "escalate")]
    if dispute.supplier_answer in ("accept", "partial") and offer is not None:
        end = [Choice(_("Accept the refund of {amount}").format(amount=show(offer)), "accept")]
        choices = [end, escalate]
    elif dispute.supplier_answer == "reject":
        lines.append(_("You can take it to the dispute team, or withdraw your claim."))
        choices = [[Choice(_("Withdraw my claim (no refund)"), "withdraw")], escalate]
    else:
        lines.append(
            _(
                "They did not answer in time. The dispute team will decide on your claim and "
                "evidence alone."
            )
        )
        choices = [escalate]
    return Prompt(text="\n".join(lines), choices=choices, accepts_text=False)


async def take_choice(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in ("accept", "withdraw", "escalate"):
        raise Invalid(_("Please press one of the buttons."))
    dispute = await current_dispute(ctx)
    # The choice must be one this answer offers (a stale button of another state is not).
    offered = {
        "accept": dispute.supplier_answer in ("accept", "partial"),
        "withdraw": dispute.supplier_answer == "reject",
        "escalate": True,
    }
    if not offered[str(answer.choice)]:
        raise Invalid(_("Please press one of the buttons."))
    if answer.choice == "accept":
        await accept(ctx)
    return str(answer.choice)


async def accept(ctx: Ctx) -> None:
    try:
        await disputes.accept_answer(
            ctx.session,
            ctx.user,
            (await current_dispute(ctx)).id,
            is_team=ctx.is_team,
            now=ctx.now,
        )
    except DisputeRefused as exc:
        raise refused(exc) from None


async def ask_confirm(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    if ctx.data.get("choice") == "withdraw":
        text = _(
            "Withdraw your claim on dispute #{id}? The dispute ends with no refund and cannot "
            "be opened again on this order."
        ).format(id=dispute.id)
        yes = Choice(_("Yes, withdraw my claim"), "yes")
    else:
        text = _(
            "Escalate dispute #{id} to the dispute team? They decide on the whole file and "
            "their decision is final for both parties."
        ).format(id=dispute.id)
        yes = Choice(_("Yes, escalate"), "yes")
    return Prompt(text=text, choices=[[yes], [Choice(_("No, go back"), "no")]], accepts_text=False)


async def take_confirm(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed or answer.choice not in ("yes", "no"):
        raise Invalid(_("Please press one of the buttons."))
    if answer.choice == "no":
        return Goto("choice")
    if ctx.data.get("choice") == "withdraw":
        await accept(ctx)  # after a rejection, taking the answer is withdrawing: no refund
    return "yes"


def confirming(ctx: Ctx) -> bool:
    return ctx.data.get("choice") in ("withdraw", "escalate")


async def ask_note(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "Anything the dispute team should know beyond your claim? Write it in a few "
            "sentences, or skip."
        ),
        choices=[[Choice(_("Skip"), "")]],
    )


async def take_note(ctx: Ctx, answer: Answer) -> str:
    if answer.attachment is not None:
        # Escalating on a stray upload would be a surprise; the claim's files are in already.
        raise Invalid(_("Please write your note as text, or skip."))
    note = "" if answer.pressed else (answer.text or "").strip()[:MAX_NOTE]
    try:
        await disputes.escalate(
            ctx.session,
            ctx.user,
            (await current_dispute(ctx)).id,
            is_team=ctx.is_team,
            rules=ctx.app.rules,
            team=team_of(ctx),
            now=ctx.now,
            note=note,
        )
    except DisputeRefused as exc:
        raise refused(exc) from None
    except Forbidden:
        log_refusal(ctx, "escalation", ctx.data.get("dispute") or ctx.data.get("pick"))
        raise Invalid(_("This dispute cannot be escalated.")) from None
    return note


def escalating(ctx: Ctx) -> Any:
    return ctx.data.get("choice") == "escalate"


async def finish(ctx: Ctx) -> list[Reply]:
    dispute = await current_dispute(ctx)
    if dispute.status == DisputeStatus.RESOLVED and ctx.data.get("choice") == "withdraw":
        text = _(
            "You withdrew your claim: dispute #{id} is closed. The supplier has been told."
        ).format(id=dispute.id)
    elif dispute.status == DisputeStatus.RESOLVED:
        text = _("Dispute #{id} is resolved: refund {amount}. The supplier has been told.").format(
            id=dispute.id, amount=money(dispute.resolved_amount or 0, dispute.currency)
        )
    else:
        text = _(
            "Dispute #{id} is with the dispute team now. They read the whole file and their "
            "decision is final; I will tell you as soon as it is made."
        ).format(id=dispute.id)
    text += "\n" + _("/history {id} shows every step.").format(id=dispute.id)
    return [Reply(text=text)]


FLOWS = [
    Flow(
        name="dispute_decide",
        start=start,
        steps=(
            Step("pick", ask_pick, take_pick, when=lambda ctx: not ctx.data.get("given")),
            Step("choice", ask_choice, take_choice),
            Step("confirm", ask_confirm, take_confirm, when=confirming, counted=False),
            Step("note", ask_note, take_note, when=escalating),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "resolve",
        lazy_gettext("Accept the supplier's answer or escalate to the dispute team"),
        flow="dispute_decide",
    )
]
