"""/delete_me: see what would be erased and what kept, then confirm with a button.

Two steps: the command shows the summary with "Erase my data" / "Keep my data"; only a
press of that step's own button (a token bound to this conversation) erases. An open
dispute refuses it up front, naming the disputes that block it; the service checks again
in the erasing transaction. The rules are in ``bot.services.privacy``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Invalid, Prompt, Step
from bot.flows.dispute_texts import status_label
from bot.flows.replies import Reply, esc
from bot.i18n import _, lazy_gettext, ngettext
from bot.services import privacy
from bot.services.privacy import ErasureBlocked, ErasurePlan
from storage.models import Dispute

ERASE, KEEP = "erase", "keep"


def blocked_text(disputes: Sequence[Dispute]) -> str:
    lines = [
        _(
            "I can't erase your data yet: these disputes are still open, and their "
            "evidence and messages are needed until they are decided."
        )
    ]
    for dispute in disputes:
        lines.append(
            _("• Dispute #{id}: {status}").format(
                id=dispute.id, status=status_label(dispute.status)
            )
        )
    lines.append(
        _(
            "Send /delete_me again once they are resolved or decided; /history and a number "
            "shows where each one stands."
        )
    )
    return "\n".join(lines)


def _names(names: Sequence[str]) -> str:
    return ", ".join(esc(name) for name in names)


def erased_lines(plan: ErasurePlan) -> list[str]:
    lines = [_("• your name, language, time zone and country, and the link to your account;")]
    lines.append(_("• where you are in any conversation, with answers not yet sent;"))
    if plan.orders_deleted:
        n = len(plan.orders_deleted)
        lines.append(
            ngettext(
                "• {n} unpaid order with its specification and contract draft;",
                "• {n} unpaid orders with their specifications and contract drafts;",
                n,
            ).format(n=n)
        )
    if plan.files_deleted:
        lines.append(
            ngettext(
                "• {n} file you uploaded;", "• {n} files you uploaded;", plan.files_deleted
            ).format(n=plan.files_deleted)
        )
    if plan.pending_reminders:
        lines.append(
            ngettext(
                "• {n} reminder not sent yet (cancelled);",
                "• {n} reminders not sent yet (cancelled);",
                plan.pending_reminders,
            ).format(n=plan.pending_reminders)
        )
    if plan.suppliers_unlinked:
        lines.append(
            _(
                "• the link between your account and {names} in the supplier directory (the "
                "company stays listed; another account speaks for it only once the dispute "
                "team links one);"
            ).format(names=_names(plan.suppliers_unlinked))
        )
    if plan.registrations_deleted:
        lines.append(
            _("• your supplier registration still waiting for approval: {names};").format(
                names=_names(plan.registrations_deleted)
            )
        )
    return lines


def kept_lines(plan: ErasurePlan, *, is_team: bool) -> list[str]:
    lines = []
    if plan.orders_kept_paid:
        n = len(plan.orders_kept_paid)
        lines.append(
            ngettext(
                "• {n} paid order and its payment: the programme must keep its financial "
                "records (amount, supplier, dates). Its specification and files are erased.",
                "• {n} paid orders and their payments: the programme must keep its financial "
                "records (amount, supplier, dates). Their specifications and files are erased.",
                n,
            ).format(n=n)
        )
    if plan.decided_disputes:
        n = len(plan.decided_disputes)
        lines.append(
            ngettext(
                "• {n} decided dispute with its order and audit log: the decision is final "
                "and the log cannot be changed. Files you sent stay only as a fingerprint "
                "(type, size), no longer viewable.",
                "• {n} decided disputes with their orders and audit logs: decisions are final "
                "and the logs cannot be changed. Files you sent stay only as a fingerprint "
                "(type, size), no longer viewable.",
                n,
            ).format(n=n)
        )
    if is_team:
        lines.append(
            _(
                "• You are on the dispute team by the bot's configuration: the decisions you "
                "recorded stay in the audit logs, and you will be on the team again when you "
                "next write unless the operator removes your Telegram id from "
                "TRADEGUARD_DISPUTE_TEAM."
            )
        )
    return lines


def summary_text(plan: ErasurePlan, *, is_team: bool) -> str:
    lines = [_("<b>Erase your personal data?</b>"), _("This deletes:"), *erased_lines(plan)]
    kept = kept_lines(plan, is_team=is_team)
    if kept:
        lines += [_("Kept, no longer linked to you:"), *kept]
    if plan.orders_kept_paid:
        lines.append(_("After this you cannot follow those orders or open a dispute on them here."))
    lines.append(
        _(
            "Messages in this chat stay in your Telegram app: delete the chat there if you "
            "wish. If you write to me again, you start as a new user."
        )
    )
    return "\n".join(lines)


async def start(ctx: Ctx) -> None:
    plan = await privacy.survey(ctx.session, ctx.user)
    if not plan.allowed:
        raise Invalid(blocked_text(plan.blocking))


async def ask_confirm(ctx: Ctx) -> Prompt:
    plan = await privacy.survey(ctx.session, ctx.user)
    return Prompt(
        text=summary_text(plan, is_team=ctx.is_team),
        choices=[[Choice(_("Erase my data"), ERASE)], [Choice(_("Keep my data"), KEEP)]],
        accepts_text=False,
    )


async def take_confirm(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in (ERASE, KEEP):
        raise Invalid(_("Please press “Erase my data” or “Keep my data”."))
    return str(answer.choice)


async def finish(ctx: Ctx) -> list[Reply]:
    if ctx.data["confirm"] != ERASE:
        return [Reply(text=_("Nothing was erased."))]
    try:
        plan = await privacy.erase(ctx.session, ctx.user, now=ctx.now)
    except ErasureBlocked as blocked:  # a dispute opened since the summary was shown
        return [Reply(text=blocked_text(blocked.disputes))]
    lines = [_("<b>Your personal data is erased.</b>")]
    kept = kept_lines(plan, is_team=ctx.is_team)
    if kept:
        lines += [_("Kept, no longer linked to you:"), *kept]
    lines.append(_("If you write to me again, you start as a new user."))
    return [Reply(text="\n".join(lines))]


FLOWS = [
    Flow(
        name="privacy",
        start=start,
        steps=(Step("confirm", ask_confirm, take_confirm, counted=False),),
        finish=finish,
        show_progress=False,
    )
]

COMMANDS = [
    Command("delete_me", lazy_gettext("Erase your personal data"), flow="privacy"),
]
