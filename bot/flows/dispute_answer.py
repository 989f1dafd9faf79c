"""/respond [dispute]: the supplier answers a claim against them, within 5 days (ch6).

They see the whole claim with every file, then accept the refund, offer part of it, or
reject it with a precise explanation and counter-evidence. A supplier who has never
written to the bot is reached by the invitation the buyer forwards (``/start inv_...``),
which opens the claim only for the Telegram account bound to the supplier entry.
"""

from __future__ import annotations

from typing import Any

from bot.flows.base import (
    STAY,
    Answer,
    Choice,
    Command,
    Ctx,
    FinishResult,
    Flow,
    Goto,
    Invalid,
    Prompt,
    StartFlow,
    Step,
)
from bot.flows.common import deep_link
from bot.flows.dispute_steps import (
    current_dispute,
    dispute_arg,
    files_for,
    money_data,
    money_of,
    parse_money,
    refused,
    take_upload,
)
from bot.flows.dispute_texts import (
    cap_reason,
    claim_file,
    contract_pdf,
    ground_label,
    own_answer_label,
    refusal_text,
    show,
)
from bot.flows.policy_text import explain_spec_error
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, lazy_gettext, moment, ngettext
from bot.services import disputes
from bot.services.authz import Forbidden
from bot.services.disputes import DisputeRefused, EvidenceFile
from policy import detect_vague
from storage.models import Dispute, DisputeStatus

COUNTER = disputes.COUNTER
MAX_TEXT = 1500


async def start(ctx: Ctx) -> None:
    if ctx.arg:
        dispute = await dispute_arg(ctx, ctx.arg, ("supplier",))
        await open_claim(ctx, dispute)
        ctx.data["dispute"] = dispute.id
        ctx.data["given"] = True
        return
    if not await waiting(ctx):
        raise Invalid(_("No claim against you is waiting for an answer."))


async def open_claim(ctx: Ctx, dispute: Dispute) -> None:
    """Refuse a claim that cannot be answered any more; otherwise show it in full."""
    try:
        disputes.check_can_answer(dispute, ctx.now)
    except DisputeRefused as exc:
        raise refused(exc) from None
    ctx.notes.extend(await claim_file(ctx.session, dispute))
    ctx.notes.extend(await contract_pdf(ctx, dispute))


async def waiting(ctx: Ctx) -> list[Dispute]:
    return await disputes.disputes_of(
        ctx.session, ctx.user, statuses=(DisputeStatus.SUBMITTED,), as_party=("supplier",)
    )


async def ask_pick(ctx: Ctx) -> Prompt:
    choices = [
        [
            Choice(
                _("#{id} · {ground} · {amount}").format(
                    id=d.id,
                    ground=ground_label(d.ground),
                    amount=show(disputes.requested_money(d)),
                ),
                d.id,
            )
        ]
        for d in await waiting(ctx)
    ]
    return Prompt(text=_("Which claim do you want to answer?"), choices=choices)


async def take_pick(ctx: Ctx, answer: Answer) -> int:
    raw = str(answer.choice) if answer.pressed else (answer.text or "")
    dispute = await dispute_arg(ctx, raw, ("supplier",))
    await open_claim(ctx, dispute)
    return dispute.id


async def ask_answer(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    requested = show(disputes.requested_money(dispute))
    text = _("How do you answer dispute #{id}? You have until {due}.").format(
        id=dispute.id, due=moment(dispute.response_due_at)
    )
    accept = [Choice(_("Accept the refund of {amount}").format(amount=requested), "accept")]
    if not disputes.may_accept_in_full(dispute):
        # The programme pays no more than the cap, whoever agrees to more (ch1, ch8).
        text += "\n" + _(
            "The buyer asked for {requested}, more than the programme covers ({cap}: {why}). "
            "You can offer up to {cap} as a partial refund, or reject the claim."
        ).format(
            requested=requested,
            cap=show(disputes.cap_money(dispute)),
            why=cap_reason(dispute.details.get("cap_basis", "order")),
        )
        accept = []
    choices = [row for row in (accept, [Choice(_("Offer a partial refund"), "partial")]) if row]
    choices.append([Choice(_("Reject the claim"), "reject")])
    return Prompt(text=text, choices=choices, accepts_text=False)


async def take_answer(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in disputes.ANSWERS:
        raise Invalid(_("Please press one of the buttons."))
    if answer.choice == "accept":
        dispute = await current_dispute(ctx)
        try:
            disputes.check_refund(dispute, disputes.requested_money(dispute))
        except DisputeRefused as exc:
            raise refused(exc) from None
    return str(answer.choice)


def answering(*answers: str) -> Any:
    return lambda ctx: ctx.data.get("answer") in answers


async def ask_offer(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    requested = disputes.requested_money(dispute)
    ceiling = disputes.refund_ceiling(dispute)
    if ceiling < requested:
        text = _("How much do you offer? At most {ceiling}, the most the programme covers.").format(
            ceiling=show(ceiling)
        )
    else:
        text = _("How much do you offer? Less than the {requested} requested.").format(
            requested=show(requested)
        )
    return Prompt(text=text)


async def take_offer(ctx: Ctx, answer: Answer) -> dict[str, str]:
    dispute = await current_dispute(ctx)
    offer = parse_money(answer.text or "", dispute.currency)
    requested = disputes.requested_money(dispute)
    if not offer.is_positive() or offer >= requested:
        raise refused(DisputeRefused("offer_range", requested=requested))
    try:
        disputes.check_refund(dispute, offer)
    except DisputeRefused as exc:
        raise refused(exc) from None
    return money_data(offer)


async def ask_explanation(ctx: Ctx) -> Prompt:
    text = _(
        "Explain your answer to the buyer and the dispute team with facts they can check: "
        "figures, dates, standards, what the contract says."
    )
    choices = []
    if ctx.data.get("answer") == "partial":
        choices = [[Choice(_("No explanation"), "")]]
    return Prompt(text=text, choices=choices)


async def take_explanation(ctx: Ctx, answer: Answer) -> str:
    if answer.pressed and ctx.data.get("answer") == "partial":
        return ""
    said = (answer.text or "").strip()
    if not said:
        raise Invalid(_("Please write your explanation."))
    vague = detect_vague(said)
    if vague is not None:
        raise Invalid(explain_spec_error(vague))
    return said[:MAX_TEXT]


async def ask_counter(ctx: Ctx) -> Prompt:
    sent = len(files_for(ctx, COUNTER))
    text = _(
        "Send your counter-evidence: an inspection report, photos or videos, shipping "
        "documents, your messages with the buyer. Press Done when finished."
    )
    if sent:
        text += "\n" + ngettext("{n} file received.", "{n} files received.", sent).format(n=sent)
    label = _("Done") if sent else _("I have no files")
    return Prompt(text=text, choices=[[Choice(label, "done")]], accepts_file=True)


async def take_counter(ctx: Ctx, answer: Answer) -> Any:
    if answer.attachment is not None:
        take_upload(ctx, answer, COUNTER)
        return STAY
    if not answer.pressed:
        raise Invalid(_("Please send a file, or press the button."))
    return len(files_for(ctx, COUNTER))


async def ask_review(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    offer = money_of(ctx.data["offer"]) if ctx.data.get("answer") == "partial" else None
    if ctx.data["answer"] == "accept":
        offer = disputes.requested_money(dispute)
    lines = [
        _("<b>Your answer to dispute #{id}</b>").format(id=dispute.id),
        own_answer_label(
            ctx.data["answer"], str(offer.amount) if offer else None, dispute.currency
        ),
    ]
    if ctx.data.get("explanation") and ctx.data["answer"] != "accept":
        lines.append(_("Explanation: “{text}”").format(text=esc(ctx.data["explanation"])))
    files = len(files_for(ctx, COUNTER)) if ctx.data["answer"] != "accept" else 0
    if files:
        lines.append(ngettext("{n} file attached.", "{n} files attached.", files).format(n=files))
    choices = [[Choice(_("Send the answer"), "send")], [Choice(_("Change the answer"), "answer")]]
    return Prompt(text="\n".join(lines), choices=choices, accepts_text=False)


async def take_review(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed:
        raise Invalid(_("Please press a button."))
    if answer.choice == "answer":
        return Goto("answer")
    dispute = await current_dispute(ctx)
    kind = ctx.data["answer"]
    # After "change the answer", an earlier explanation or files belong to the old one.
    files = [] if kind == "accept" else ctx.data.get("files", [])
    explanation = "" if kind == "accept" else ctx.data.get("explanation") or ""
    try:
        await disputes.respond(
            ctx.session,
            ctx.user,
            dispute.id,
            is_team=ctx.is_team,
            answer=kind,
            offer=money_of(ctx.data["offer"]) if kind == "partial" else None,
            explanation=explanation,
            files=[EvidenceFile.from_dict(f) for f in files],
            now=ctx.now,
        )
    except DisputeRefused as exc:
        raise refused(exc) from None
    except Forbidden:
        log_refusal(ctx, "answer to dispute", dispute.id)
        raise Invalid(refusal_text(DisputeRefused("invite_invalid"))) from None
    return "sent"


async def finish(ctx: Ctx) -> list[Reply]:
    dispute = await current_dispute(ctx)
    return [
        Reply(
            text=_(
                "Your answer is on its way to the buyer. They accept it or take the dispute "
                "to the dispute team. /history {id} shows every step."
            ).format(id=dispute.id)
        )
    ]


@deep_link(disputes.INVITE_PREFIX)
async def open_invite(ctx: Ctx, token: str) -> FinishResult:
    """``/start inv_<token>``: the supplier's bound account arrives; open the claim."""
    try:
        dispute = await disputes.open_invite(ctx.session, ctx.user, token, ctx.now)
    except DisputeRefused as exc:
        # A link opened by the buyer, by an account it was forwarded to, or before the
        # supplier has an account is someone else's; a stale one may be an accident.
        log_refusal(ctx, f"invitation ({exc.code})", token, suspicious=exc.code != "invite_invalid")
        raise refused(exc) from None
    welcome = Reply(
        text=_(
            "Welcome. A buyer has opened dispute #{id} against your company under the Trade "
            "Assurance programme. Here is the claim."
        ).format(id=dispute.id)
    )
    try:
        disputes.check_can_answer(dispute, ctx.now)
    except DisputeRefused as exc:
        return [welcome, *await claim_file(ctx.session, dispute), Reply(text=refusal_text(exc))]
    return StartFlow("dispute_answer", str(dispute.id), replies=(welcome,))


FLOWS = [
    Flow(
        name="dispute_answer",
        start=start,
        steps=(
            Step("pick", ask_pick, take_pick, when=lambda ctx: not ctx.data.get("given")),
            Step("answer", ask_answer, take_answer),
            Step("offer", ask_offer, take_offer, when=answering("partial")),
            Step(
                "explanation",
                ask_explanation,
                take_explanation,
                when=answering("partial", "reject"),
            ),
            Step("counter", ask_counter, take_counter, when=answering("partial", "reject")),
            Step("review", ask_review, take_review, counted=False),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "respond",
        lazy_gettext("Answer a claim against your company (suppliers)"),
        flow="dispute_answer",
    )
]
