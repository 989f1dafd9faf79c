"""/ask [dispute]: a dispute team member asks the buyer or the supplier for more
information before deciding, or withdraws the question that holds the dispute.

The question says what to send or explain (at least ``MIN_INFO_QUESTION`` characters,
no vague words); the party has the days the rules give to answer. The dispute waits:
/queue shows the file but refuses a decision until the answer comes, the deadline
passes, or the team withdraws the question here.
"""

from __future__ import annotations

from typing import Any

from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.dispute_steps import current_dispute, dispute_arg, refused, team_of
from bot.flows.dispute_texts import show
from bot.flows.info_texts import party_label, request_lines
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, day, lazy_gettext, moment, ngettext
from bot.services import disputes, info_requests, info_state
from bot.services.authz import Forbidden
from bot.services.disputes import DisputeRefused
from storage.models import Dispute, DisputeStatus


async def start(ctx: Ctx) -> None:
    if not ctx.is_team:  # a signed button reaches here without the command's role check
        log_refusal(ctx, "information request", ctx.arg, suspicious=True)
        raise Invalid(_("Questions to the parties are for the dispute team."))
    if ctx.arg:
        dispute = await dispute_arg(ctx, ctx.arg, ("team",))
        await check_escalated(ctx, dispute)
        ctx.data["dispute"] = dispute.id
        ctx.data["given"] = True
        return
    if not await disputes.queue(ctx.session):
        raise Invalid(_("The queue is empty: no dispute is waiting for a decision."))


async def check_escalated(ctx: Ctx, dispute: Dispute) -> None:
    if dispute.status != DisputeStatus.ESCALATED:
        raise refused(DisputeRefused("not_escalated", status=dispute.status.value))


async def ask_pick(ctx: Ctx) -> Prompt:
    choices = [
        [
            Choice(
                _("#{id} · escalated {date} · asks {amount}").format(
                    id=d.id,
                    date=day(d.escalated_at) if d.escalated_at else "",
                    amount=show(disputes.requested_money(d)),
                ),
                d.id,
            )
        ]
        for d in await disputes.queue(ctx.session)
    ]
    return Prompt(text=_("Which dispute is the question about?"), choices=choices)


async def take_pick(ctx: Ctx, answer: Answer) -> int:
    raw = str(answer.choice) if answer.pressed else (answer.text or "")
    dispute = await dispute_arg(ctx, raw, ("team",))
    await check_escalated(ctx, dispute)
    return dispute.id


async def ask_what(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    request = await info_state.latest(ctx.session, dispute)
    lines = [_("<b>Dispute #{id}</b>").format(id=dispute.id)]
    lines += request_lines(request, ctx.now)
    if request is not None and request.is_open(ctx.now):
        lines.append(_("Withdraw the question to decide without the answer?"))
        choices = [
            [Choice(_("Withdraw the question"), "withdraw")],
            [Choice(_("Keep waiting"), "keep")],
        ]
    else:
        days = ctx.app.rules.info_requests.answer_days
        lines.append(
            ngettext(
                "Whom do you ask? They have {n} day to answer; the decision waits until then.",
                "Whom do you ask? They have {n} days to answer; the decision waits until then.",
                days,
            ).format(n=days)
        )
        choices = [[Choice(_("Ask the buyer"), "buyer"), Choice(_("Ask the supplier"), "supplier")]]
    return Prompt(text="\n".join(lines), choices=choices, accepts_text=False)


async def take_what(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in ("withdraw", "keep", "buyer", "supplier"):
        raise Invalid(_("Please press one of the buttons."))
    dispute = await current_dispute(ctx)
    is_open = await info_state.open_request(ctx.session, dispute, ctx.now) is not None
    # A button of the other screen (the question was answered or asked meanwhile) is stale.
    if (answer.choice in ("withdraw", "keep")) != is_open:
        raise Invalid(_("Please press one of the buttons."))
    if answer.choice == "withdraw":
        try:
            await info_requests.withdraw(
                ctx.session, ctx.user, dispute.id, is_team=ctx.is_team, now=ctx.now
            )
        except DisputeRefused as exc:
            raise refused(exc) from None
        except Forbidden:
            raise Invalid(_("This file is no longer yours to decide.")) from None
    elif answer.choice != "keep":
        try:
            await info_requests.recipient_of(ctx.session, dispute, answer.choice)
        except DisputeRefused as exc:  # a supplier with no chat: say so before the typing
            raise refused(exc) from None
    return str(answer.choice)


def asking(ctx: Ctx) -> bool:
    return ctx.data.get("what") in ("buyer", "supplier")


async def ask_question(ctx: Ctx) -> Prompt:
    if ctx.data["what"] == "buyer":
        text = _(
            "Your question to the buyer: which document, fact or figure do you need, and "
            "about what? They read it as you write it."
        )
    else:
        text = _(
            "Your question to the supplier: which document, fact or figure do you need, and "
            "about what? They read it as you write it."
        )
    return Prompt(text=text)


async def take_question(ctx: Ctx, answer: Answer) -> str:
    if answer.attachment is not None:
        raise Invalid(_("Please write the question as text."))
    try:
        return info_requests.check_question(answer.text or "")
    except DisputeRefused as exc:
        raise refused(exc) from None


async def ask_review(ctx: Ctx) -> Prompt:
    dispute = await current_dispute(ctx)
    days = ctx.app.rules.info_requests.answer_days
    text = "\n".join(
        [
            _("<b>Question on dispute #{id}</b>").format(id=dispute.id),
            _("To: {party}").format(party=party_label(ctx.data["what"])),
            f"“{esc(ctx.data['question'])}”",
            ngettext(
                "Answer due in {n} day; the decision waits until then.",
                "Answer due in {n} days; the decision waits until then.",
                days,
            ).format(n=days),
        ]
    )
    return Prompt(
        text=text,
        choices=[
            [Choice(_("Send the question"), "send")],
            [Choice(_("Change the question"), "question")],
        ],
        accepts_text=False,
    )


async def take_review(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed or answer.choice not in ("send", "question"):
        raise Invalid(_("Please press a button."))
    if answer.choice == "question":
        return Goto("question", then_return=True)
    try:
        await info_requests.ask(
            ctx.session,
            ctx.user,
            (await current_dispute(ctx)).id,
            is_team=ctx.is_team,
            party=ctx.data["what"],
            question=ctx.data["question"],
            rules=ctx.app.rules,
            team=team_of(ctx),
            now=ctx.now,
        )
    except DisputeRefused as exc:
        raise refused(exc) from None
    except Forbidden:
        log_refusal(ctx, "information request", ctx.data.get("dispute") or ctx.data.get("pick"))
        raise Invalid(_("This file is no longer yours to decide.")) from None
    return "sent"


async def finish(ctx: Ctx) -> list[Reply]:
    dispute = await current_dispute(ctx)
    what = ctx.data.get("what")
    if what == "withdraw":
        text = _(
            "The question is withdrawn and the party told. You can decide dispute #{id} now: "
            "/queue {id}"
        ).format(id=dispute.id)
    elif what == "keep":
        text = _("Dispute #{id} keeps waiting for the answer.").format(id=dispute.id)
    else:
        request = await info_state.latest(ctx.session, dispute)
        due = moment(request.due_at) if request is not None else ""
        text = (
            _(
                "The question is sent to the buyer. Dispute #{id} waits for the answer until "
                "{due}; I will tell you when it comes, or when the time runs out."
            )
            if what == "buyer"
            else _(
                "The question is sent to the supplier. Dispute #{id} waits for the answer "
                "until {due}; I will tell you when it comes, or when the time runs out."
            )
        ).format(id=dispute.id, due=due)
    return [Reply(text=text)]


FLOWS = [
    Flow(
        name="info_ask",
        start=start,
        steps=(
            Step("pick", ask_pick, take_pick, when=lambda ctx: not ctx.data.get("given")),
            Step("what", ask_what, take_what),
            Step("question", ask_question, take_question, when=asking),
            Step("review", ask_review, take_review, when=asking, counted=False),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "ask",
        lazy_gettext("Ask a party of an escalated dispute for information (dispute team)"),
        flow="info_ask",
        roles=frozenset({"team"}),
    )
]
