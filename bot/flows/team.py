"""/queue [dispute]: the dispute team's escalated files, oldest first, and decisions.

A member opens a file (the contract, the payment, the claim, every file and every
event with its time), then records a refund no higher than the cap fixed when the
claim was submitted (the supplier's assurance limit, or the advance under
pre-delivery cover) nor than what the buyer asked, with the reason. Both parties hear
the decision; the file closes.
"""

from __future__ import annotations

from typing import Any

from bot.flows import info_texts
from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.dispute_steps import (
    current_dispute,
    dispute_arg,
    money_data,
    money_of,
    parse_money,
    refused,
)
from bot.flows.dispute_texts import cap_reason, contract_pdf, show, team_file
from bot.flows.policy_text import explain_spec_error
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, day, lazy_gettext, ngettext
from bot.services import disputes, info_state
from bot.services.authz import Forbidden
from bot.services.disputes import DisputeRefused
from policy import MIN_DECISION_REASON, Money, PolicyError, long_enough
from policy.answers import check_decision_reason
from storage.models import Dispute, DisputeStatus

MAX_REASON = 2000


async def start(ctx: Ctx) -> None:
    if not ctx.is_team:  # a signed button reaches here without the command's role check
        log_refusal(ctx, "dispute queue", ctx.arg, suspicious=True)
        raise Invalid(_("The queue is for the dispute team."))
    if ctx.arg:
        dispute = await dispute_arg(ctx, ctx.arg, ("team",))
        await open_file(ctx, dispute)
        ctx.data["dispute"] = dispute.id
        ctx.data["given"] = True
        return
    if not await disputes.queue(ctx.session):
        raise Invalid(_("The queue is empty: no dispute is waiting for a decision."))


async def open_file(ctx: Ctx, dispute: Dispute) -> None:
    if dispute.status != DisputeStatus.ESCALATED:
        # Decided files stay readable, through /history.
        raise refused(DisputeRefused("not_escalated", status=dispute.status.value))
    ctx.notes.extend(await team_file(ctx.session, dispute))
    ctx.notes.extend(await contract_pdf(ctx, dispute))
    asked = await info_texts.request_lines_of(ctx.session, dispute, ctx.now)
    hint = _("To ask the buyer or the supplier for more information first: /ask {id}").format(
        id=dispute.id
    )
    ctx.notes.append(Reply(text="\n".join([*asked, hint])))
    try:
        # A question of the team is open: the file is shown, the decision waits.
        await info_state.check_not_waiting(ctx.session, dispute, ctx.now)
    except DisputeRefused as exc:
        raise refused(exc) from None


async def _queue_label(ctx: Ctx, dispute: Dispute) -> str:
    label = _("#{id} · escalated {date} · asks {amount}").format(
        id=dispute.id,
        date=day(dispute.escalated_at) if dispute.escalated_at else "",
        amount=show(disputes.requested_money(dispute)),
    )
    # A file whose question to a party is still open cannot be decided yet: say so in
    # the list, so the team picks one it can close.
    request = await info_state.open_request(ctx.session, dispute, ctx.now)
    if request is None:
        return label
    due = day(request.due_at)
    if request.party == "buyer":
        return _("{label} · waits for the buyer until {date}").format(label=label, date=due)
    return _("{label} · waits for the supplier until {date}").format(label=label, date=due)


async def ask_pick(ctx: Ctx) -> Prompt:
    choices = [
        [Choice(await _queue_label(ctx, d), d.id)] for d in await disputes.queue(ctx.session)
    ]
    return Prompt(text=_("Escalated disputes, oldest first. Which file?"), choices=choices)


async def take_pick(ctx: Ctx, answer: Answer) -> int:
    raw = str(answer.choice) if answer.pressed else (answer.text or "")
    dispute = await dispute_arg(ctx, raw, ("team",))
    await open_file(ctx, dispute)
    return dispute.id


async def ask_amount(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    ceiling = disputes.refund_ceiling(dispute)
    zero = Money.zero(dispute.currency)
    return Prompt(
        text=_(
            "Refund decided for dispute #{id}? At most {ceiling}: the programme's cap is {cap} "
            "({why}) and the buyer asked for {requested}. Type the amount or choose."
        ).format(
            id=dispute.id,
            ceiling=show(ceiling),
            cap=show(disputes.cap_money(dispute)),
            why=cap_reason(dispute.details.get("cap_basis", "order")),
            requested=show(disputes.requested_money(dispute)),
        ),
        choices=[
            [
                Choice(show(ceiling), money_data(ceiling)),
                Choice(_("No refund"), money_data(zero)),
            ]
        ],
    )


async def take_amount(ctx: Ctx, answer: Answer) -> dict[str, str]:
    dispute = await current_dispute(ctx)
    if answer.pressed:
        value = money_of(answer.choice)
    else:
        # Nothing is a decision too: zero is allowed here.
        value = parse_money(answer.text or "", dispute.currency, positive=False)
    try:
        disputes.check_refund(dispute, value)
    except DisputeRefused as exc:
        raise refused(exc) from None
    return money_data(value)


async def ask_reason(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "The reason, for both parties: which terms were or were not met, and what the "
            "evidence showed."
        )
    )


async def take_reason(ctx: Ctx, answer: Answer) -> str:
    reason = (answer.text or "").strip()
    if not reason:
        raise Invalid(_("Please write the reason for the decision."))
    if not long_enough(reason, MIN_DECISION_REASON):
        raise refused(DisputeRefused("reason_too_short", minimum=MIN_DECISION_REASON))
    try:
        check_decision_reason(reason)  # long is not enough: "nice supplier, good work"
    except PolicyError as err:
        raise Invalid(explain_spec_error(err)) from None
    return reason[:MAX_REASON]


async def ask_review(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    text = _("<b>Decision on dispute #{id}</b>: refund {amount}.\nReason: {reason}").format(
        id=dispute.id, amount=show(money_of(ctx.data["amount"])), reason=esc(ctx.data["reason"])
    )
    return Prompt(
        text=text,
        choices=[
            [Choice(_("Record the decision"), "record")],
            [Choice(_("Change the amount"), "amount"), Choice(_("Change the reason"), "reason")],
        ],
        accepts_text=False,
    )


async def take_review(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Please press a button."))
    if answer.choice in ("amount", "reason"):
        return Goto(str(answer.choice), then_return=True)
    try:
        await disputes.decide(
            ctx.session,
            ctx.user,
            (await current_dispute(ctx)).id,
            is_team=ctx.is_team,
            amount=money_of(ctx.data["amount"]),
            reason=ctx.data["reason"],
            now=ctx.now,
        )
    except DisputeRefused as exc:
        raise refused(exc) from None
    except Forbidden:  # left the team, or became a party, since the file was opened
        log_refusal(ctx, "decision", ctx.data.get("dispute") or ctx.data.get("pick"))
        raise Invalid(_("This file is no longer yours to decide.")) from None
    return "recorded"


async def finish(ctx: Ctx) -> list[Reply]:
    dispute = await current_dispute(ctx)
    left = len(await disputes.queue(ctx.session))
    text = _(
        "Decision recorded: dispute #{id} is closed with a refund of {amount}. Both parties "
        "have been told."
    ).format(id=dispute.id, amount=show(money_of(ctx.data["amount"])))
    if left:
        text += "\n" + ngettext(
            "{n} more dispute waits in the /queue.", "{n} more disputes wait in the /queue.", left
        ).format(n=left)
    return [Reply(text=text)]


FLOWS = [
    Flow(
        name="queue",
        start=start,
        steps=(
            Step("pick", ask_pick, take_pick, when=lambda ctx: not ctx.data.get("given")),
            Step("amount", ask_amount, take_amount),
            Step("reason", ask_reason, take_reason),
            Step("review", ask_review, take_review, counted=False),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "queue",
        lazy_gettext("Escalated disputes, oldest first (dispute team)"),
        flow="queue",
        roles=frozenset({"team"}),
    )
]
