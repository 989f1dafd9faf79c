"""/history <dispute>: every step of a dispute, with who did it and when.

The buyer, the supplier and the dispute team read the same timeline (the audit log).
Anyone else gets the answer a missing dispute gets, and reading writes nothing.
"""

from __future__ import annotations

from bot.flows.base import Command, Ctx, FinishResult, Invalid
from bot.flows.dispute_steps import dispute_arg
from bot.flows.dispute_texts import split_text, status_label, timeline_lines
from bot.flows.replies import Reply
from bot.i18n import _, lazy_gettext
from bot.services import disputes


async def show_history(ctx: Ctx) -> FinishResult:
    if not ctx.arg:
        return [Reply(text="\n".join(await own_disputes(ctx)))]
    dispute = await dispute_arg(ctx, ctx.arg, ("buyer", "supplier", "team"))
    return [Reply(text=text) for text in split_text(await timeline_lines(ctx.session, dispute))]


async def own_disputes(ctx: Ctx) -> list[str]:
    mine = await disputes.disputes_of(ctx.session, ctx.user)
    if not mine and not ctx.is_team:
        raise Invalid(_("You have no disputes. Send /history followed by a dispute number."))
    lines = [
        _("Send /history and a number, for example /history {id}.").format(
            id=mine[0].id if mine else 1
        )
    ]
    for dispute in mine:
        lines.append(
            _("#{id}: {status}").format(id=dispute.id, status=status_label(dispute.status))
        )
    return lines


COMMANDS = [
    Command("history", lazy_gettext("Every step of a dispute, with times"), run=show_history)
]
