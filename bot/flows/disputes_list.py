"""/disputes: a buyer's claims and the claims against a supplier, with state and outcome.

One line each: the dispute, its order, which side the user is on, its state and, once
settled, the refund; a button opens the order's page, and /history shows every step.
"""

from __future__ import annotations

from bot.flows.base import Command, Ctx, FinishResult, Invalid
from bot.flows.dispute_texts import status_label
from bot.flows.order_view import SETTLED
from bot.flows.replies import Button, Reply
from bot.flows.tokens import shortcut_token
from bot.i18n import _, lazy_gettext, money
from bot.services import disputes
from storage.models import Dispute


def _line(dispute: Dispute, mine: bool) -> str:
    side = _("your claim") if mine else _("a claim against you")
    line = _("<b>Dispute #{id}</b> on order #{order} ({side}): {state}").format(
        id=dispute.id, order=dispute.order_id, side=side, state=status_label(dispute.status)
    )
    asked = money(dispute.requested_amount, dispute.currency)
    line += "\n" + _("Refund asked: {amount}").format(amount=asked)
    outcome = dispute.decided_amount
    if outcome is None:
        outcome = dispute.resolved_amount
    if outcome is not None and dispute.status in SETTLED:
        line += " · " + _("refund {amount}").format(amount=money(outcome, dispute.currency))
    return line


async def show_disputes(ctx: Ctx) -> FinishResult:
    found = await disputes.disputes_of(ctx.session, ctx.user, limit=10)
    if not found:
        raise Invalid(
            _("You have no disputes. A buyer opens one from an order's page or with /dispute.")
        )
    lines = [_("<b>Your disputes</b> (newest first; /history and a number shows every step)")]
    rows = []
    for dispute in found:
        lines += ["", _line(dispute, dispute.buyer_id == ctx.user.id)]
        token = shortcut_token(
            ctx.app.secret, ctx.user.telegram_id, "orders", str(dispute.order_id)
        )
        label = _("Order #{order} (dispute #{id})").format(order=dispute.order_id, id=dispute.id)
        rows.append((Button(label, token),))
    return [Reply(text="\n".join(lines), buttons=tuple(rows))]


COMMANDS = [
    Command(
        "disputes",
        lazy_gettext("Your disputes, as buyer or supplier, with state and outcome"),
        run=show_disputes,
    )
]
