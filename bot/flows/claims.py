"""/claimcode and /claim: the dispute team binds a directory supplier to its account.

A team member sends ``/claimcode <supplier id>`` and gets a one-time code to give the
company through a channel the team trusts; whoever runs the company sends
``/claim CODE`` from the account that should speak for it. A wrong, expired or used code
is refused with the reason and logged (``bot.security``); nothing changes.
"""

from __future__ import annotations

from bot.flows.base import Command, Ctx, FinishResult, Invalid
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, lazy_gettext, moment
from bot.services import binding
from bot.services.binding import ClaimRefused


def claim_refusal(exc: ClaimRefused) -> str:
    texts = {
        "used": lambda: _("That code has already been used. Ask the dispute team for a new one."),
        "expired": lambda: _("That code has expired. Ask the dispute team for a new one."),
        "own_orders": lambda: _(
            "You buy from {supplier} with this account, so it cannot also speak for that "
            "company: nobody can be both the buyer and the supplier of one order. Claim it "
            "from another account."
        ).format(supplier=esc(str(exc.params.get("supplier", "")))),
    }
    text = texts.get(exc.code)
    return (
        text()
        if text
        else _("That code is not valid. Check it, or ask the dispute team for a new one.")
    )


async def claim(ctx: Ctx) -> FinishResult:
    if not ctx.arg.strip():
        raise Invalid(
            _(
                "Send /claim followed by the code the dispute team gave you, for example "
                "<code>/claim ABCD-EFGH-JKMN</code>."
            )
        )
    try:
        supplier = await binding.redeem(ctx.session, ctx.user, ctx.arg, ctx.now)
    except ClaimRefused as exc:
        # The code itself is not logged: a used or expired one was someone's secret.
        log_refusal(ctx, f"claim code ({exc.code})", len(ctx.arg), suspicious=True)
        raise Invalid(claim_refusal(exc)) from None
    return [
        Reply(
            text=_(
                "Your account now speaks for {supplier}: orders and claims for the company "
                "reach you here. /orders shows its orders, /respond answers a claim."
            ).format(supplier=esc(supplier.name))
        )
    ]


async def claim_code(ctx: Ctx) -> FinishResult:
    if not ctx.is_team:  # the command's role check already hides it; a second lock
        log_refusal(ctx, "claim code issue", ctx.arg, suspicious=True)
        raise Invalid(_("Only the dispute team can issue claim codes."))
    try:
        found = await binding.find_supplier(ctx.session, ctx.arg)
        if found is None:
            raise ClaimRefused("unknown_supplier")
        supplier, code, expires = await binding.issue_code(ctx.session, found.id, ctx.user, ctx.now)
    except ClaimRefused:
        raise Invalid(
            _(
                "Send /claimcode followed by the number or the exact name of a supplier in "
                "the directory, for example <code>/claimcode 12</code>."
            )
        ) from None
    lines = [
        _("Claim code for {supplier} (#{id}): <code>{code}</code>").format(
            supplier=esc(supplier.name), id=supplier.id, code=binding.shown(code)
        ),
        _(
            "Give it to the company through a channel you trust (its registered email or "
            "phone), never through the buyer. It works once, until {expires}; a new code "
            "replaces this one. They send /claim and the code from the account that will "
            "speak for the company."
        ).format(expires=moment(expires)),
    ]
    if supplier.telegram_id is not None:
        lines.append(
            _("Redeeming it replaces the account that speaks for {supplier} now.").format(
                supplier=esc(supplier.name)
            )
        )
    return [Reply(text="\n".join(lines))]


COMMANDS = [
    Command(
        "claim",
        lazy_gettext("Link your account to your company with the team's code (suppliers)"),
        run=claim,
    ),
    Command(
        "claimcode",
        lazy_gettext("Issue a one-time code that links a supplier's account (dispute team)"),
        run=claim_code,
        roles=frozenset({"team"}),
    ),
]
