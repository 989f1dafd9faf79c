"""/supplier: a supplier registers in the bot; /approve: the dispute team decides.

A registration is stored unapproved and is invisible to buyers until a team member
approves it: an assurance limit is a promise of refunds, so nobody is listed on their
own word. A rejected registration is removed, and the supplier is told to check the
details and register again (ch10: "modify the form, and submit it again").
"""

from __future__ import annotations

from typing import Any

from bot.flows import profile
from bot.flows.base import (
    STAY,
    Answer,
    Choice,
    Command,
    Ctx,
    Flow,
    Invalid,
    Prompt,
    Step,
)
from bot.flows.notices import NoticeCtx, renders
from bot.flows.order_text import PAGE_SIZE, show, supplier_money, verification_label
from bot.flows.policy_text import explain_spec_error
from bot.flows.refusals import log_refusal
from bot.flows.replies import Button, Reply, esc
from bot.flows.tokens import shortcut_token
from bot.i18n import _, lazy_gettext
from bot.services import suppliers
from policy import Money, PolicyError
from storage.models import Reminder, Supplier, Verification

MAX_PRODUCTS = 20

# -- registration ---------------------------------------------------------------------------


async def start(ctx: Ctx) -> None:
    existing = await suppliers.registration_of(ctx.session, ctx.user)
    if existing is not None and existing.approved:
        raise Invalid(
            _("You are already in the directory as {name}.").format(name=esc(existing.name))
        )
    if existing is not None:
        ctx.note(
            _(
                "Your registration of {name} is waiting for review. Registering again replaces it."
            ).format(name=esc(existing.name))
        )


async def ask_name(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Supplier registration.</b> What is your company's registered name, exactly as "
            "on your business licence?"
        )
    )


async def take_name(ctx: Ctx, answer: Answer) -> str:
    name = " ".join((answer.text or "").split())
    if not 2 <= len(name) <= 200:
        raise Invalid(_("Please send the company name (2 to 200 characters)."))
    return name


async def ask_products(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "Which products do you sell? Send keywords separated by commas, for example "
            "<code>scarf, scarves, silk, shawl</code>. Buyers find you by these words."
        )
    )


async def take_products(ctx: Ctx, answer: Answer) -> list[str]:
    words = [
        " ".join(word.lower().split())
        for word in (answer.text or "").replace(";", ",").split(",")
        if word.strip()
    ]
    words = list(dict.fromkeys(words))
    if not words or len(words) > MAX_PRODUCTS or any(len(w) > 40 for w in words):
        raise Invalid(
            _(
                "Please send 1 to {n} product keywords separated by commas, each at most 40 "
                "characters."
            ).format(n=MAX_PRODUCTS)
        )
    return words


async def ask_limit(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "What is your Trade Assurance limit, with the currency? For example "
            "<code>10000 USD</code>. It is the most you can be made to refund on an order."
        )
    )


async def take_limit(ctx: Ctx, answer: Answer) -> dict[str, str]:
    try:
        limit = Money.parse(answer.text or "", positive=False)
    except PolicyError as exc:
        raise Invalid(explain_spec_error(exc)) from exc
    return {"amount": str(limit.amount), "currency": limit.currency}


async def ask_verification(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_("Which verification status do you hold? The team checks it before you are listed."),
        choices=[
            [Choice(verification_label(level), level.value) for level in Verification],
        ],
        accepts_text=False,
    )


async def take_verification(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed:
        raise Invalid(_("Please answer with one of the buttons."))
    return Verification(answer.choice).value


def _form(ctx: Ctx) -> suppliers.Registration:
    limit = ctx.data["limit"]
    return suppliers.Registration(
        name=ctx.data["name"],
        country=ctx.data["country"],
        products=tuple(ctx.data["products"]),
        limit=Money.of(limit["amount"], limit["currency"]),
        verification=Verification(ctx.data["verification"]),
    )


async def ask_submit(ctx: Ctx) -> Prompt:
    form = _form(ctx)
    lines = [
        _("<b>Please check your registration</b>"),
        _("Company: {name}").format(name=esc(form.name)),
        _("Country: {country}").format(country=esc(profile.country_name(form.country))),
        _("Products: {products}").format(products=esc(", ".join(form.products))),
        _("Assurance limit: {limit}").format(limit=show(form.limit)),
        _("Verification: {level}").format(level=verification_label(form.verification)),
        "",
        _("Send it to the dispute team for review? Use /back to change an answer."),
    ]
    return Prompt(
        text="\n".join(lines),
        choices=[[Choice(_("Submit for review"), "submit")]],
        accepts_text=False,
    )


async def take_submit(ctx: Ctx, answer: Answer) -> int:
    if not answer.pressed or answer.choice != "submit":
        raise Invalid(_("Press Submit, or /back to change an answer."))
    try:
        supplier = await suppliers.register(
            ctx.session, ctx.user, ctx.now, _form(ctx), team=set(ctx.app.team)
        )
    except suppliers.RegistrationError as exc:
        if exc.code == "name_taken":
            raise Invalid(
                _(
                    "A supplier named {name} in that country is already in the directory. If "
                    "it is your company, contact the dispute team; otherwise check the name."
                ).format(name=esc(ctx.data["name"]))
            ) from exc
        raise Invalid(_("You are already in the directory.")) from exc
    return supplier.id


async def registered(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            text=_(
                "Thank you. Your registration is waiting for the dispute team's review; I will "
                "tell you when it is decided. Buyers cannot find you until it is approved."
            )
        )
    ]


# -- approval (dispute team) ----------------------------------------------------------------


async def start_approval(ctx: Ctx) -> None:
    if not ctx.is_team:
        log_refusal(ctx, "registration review", ctx.arg, suspicious=True)
        raise Invalid(_("Only the dispute team can review registrations."))
    if not await suppliers.count_pending(ctx.session):
        raise Invalid(_("No supplier registration is waiting for review."))
    ctx.data["page"] = 0


async def ask_pending(ctx: Ctx) -> Prompt:
    total = await suppliers.count_pending(ctx.session)
    if total == 0:
        return Prompt(text=_("No supplier registration is waiting for review."), accepts_text=False)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(int(ctx.data.get("page", 0)), 0), pages - 1)
    waiting = await suppliers.pending(ctx.session, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    lines = [
        _("<b>Supplier registrations waiting</b> ({count}), page {page} of {pages}").format(
            count=total, page=page + 1, pages=pages
        )
    ]
    rows: list[list[Choice]] = []
    for supplier in waiting:
        lines += ["", _registration_text(supplier)]
        rows.append(
            [
                Choice(_("Approve #{id}").format(id=supplier.id), {"approve": supplier.id}),
                Choice(_("Reject #{id}").format(id=supplier.id), {"reject": supplier.id}),
            ]
        )
    paging = []
    if page > 0:
        paging.append(Choice(_("« Previous"), {"page": page - 1}))
    if page < pages - 1:
        paging.append(Choice(_("Next »"), {"page": page + 1}))
    if paging:
        rows.append(paging)
    rows.append([Choice(_("Done"), {"done": True})])
    return Prompt(text="\n".join(lines), choices=rows, accepts_text=False)


def _registration_text(supplier: Supplier) -> str:
    return _(
        "#{id} <b>{name}</b> ({country})\nProducts: {products}\nAssurance limit: {limit}\n"
        "Verification claimed: {level}"
    ).format(
        id=supplier.id,
        name=esc(supplier.name),
        country=esc(profile.country_name(supplier.country)),
        products=esc(supplier.products.replace(";", ", ")),
        limit=show(supplier_money(supplier)),
        level=verification_label(supplier.verification),
    )


async def take_pending(ctx: Ctx, answer: Answer) -> Any:
    if not ctx.is_team:  # membership may have changed since the list was shown
        log_refusal(ctx, "registration decision", answer.choice)
        raise Invalid(_("Only the dispute team can review registrations."))
    if not answer.pressed:
        raise Invalid(_("Please choose with the buttons."))
    choice = answer.choice or {}
    if choice.get("done"):
        return "done"
    if "page" in choice:
        ctx.data["page"] = int(choice["page"])
        return STAY
    try:
        if "approve" in choice:
            supplier = await suppliers.approve(
                ctx.session, int(choice["approve"]), ctx.now, ctx.user
            )
            ctx.note(_("Approved: {name} is now in the directory.").format(name=esc(supplier.name)))
        else:
            name = await suppliers.reject(ctx.session, int(choice["reject"]), ctx.now)
            ctx.note(_("Rejected: {name}. The supplier is notified.").format(name=esc(name)))
    except suppliers.RegistrationError:
        ctx.note(_("That registration was already decided."))
    return STAY


async def approval_done(ctx: Ctx) -> list[Reply]:
    return [Reply(text=_("Done."))]


# -- notices --------------------------------------------------------------------------------


@renders(suppliers.REGISTRATION_PENDING)
async def pending_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    supplier = await ctx.session.get(Supplier, int(reminder.payload.get("supplier_id", 0)))
    if supplier is None or supplier.approved:
        return None  # decided already (or rejected): nothing left to review
    token = shortcut_token(ctx.secret, ctx.recipient.telegram_id, "approve", "")
    return Reply(
        text=_("New supplier registration to review: {name}.").format(name=esc(supplier.name)),
        buttons=((Button(_("Review registrations"), token),),),
    )


@renders(suppliers.REGISTRATION_APPROVED)
async def approved_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    return Reply(
        text=_(
            "Your registration of {name} is approved. Buyers can now find you when they look "
            "for a covered supplier."
        ).format(name=esc(reminder.payload.get("name", "")))
    )


@renders(suppliers.REGISTRATION_REJECTED)
async def rejected_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    return Reply(
        text=_(
            "Your registration of {name} was not approved. Common reasons are trademark or "
            "patent issues, or a business whose legitimacy could not be confirmed. Check the "
            "company name and details, then register again with /supplier."
        ).format(name=esc(reminder.payload.get("name", "")))
    )


FLOWS = [
    Flow(
        name="supplier",
        steps=(
            Step("name", ask_name, take_name),
            Step("country", profile.ask_country, profile.take_country),
            Step("products", ask_products, take_products),
            Step("limit", ask_limit, take_limit),
            Step("verification", ask_verification, take_verification),
            Step("submit", ask_submit, take_submit, counted=False),
        ),
        start=start,
        finish=registered,
    ),
    Flow(
        name="approve",
        steps=(Step("pending", ask_pending, take_pending, counted=False),),
        start=start_approval,
        finish=approval_done,
        show_progress=False,
    ),
]

COMMANDS = [
    Command(
        "supplier",
        lazy_gettext("Register your company as a supplier"),
        flow="supplier",
        roles=frozenset({"supplier", "buyer"}),
    ),
    Command(
        "approve",
        lazy_gettext("Review supplier registrations"),
        flow="approve",
        roles=frozenset({"team"}),
    ),
]
