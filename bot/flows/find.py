"""/find: a supplier whose assurance limit covers the order (ch4 steps 1-2, ch9).

The buyer gives a product word and the amount they mean to order ("/find scarf 20000
USD", or one question each). Results show, for each approved supplier, how much of
that amount its limit would refund, best cover first; choosing one starts the order.
"""

from __future__ import annotations

from typing import Any

from bot.flows.base import (
    STAY,
    Answer,
    Choice,
    Command,
    Ctx,
    Flow,
    Invalid,
    Prompt,
    StartFlow,
    Step,
)
from bot.flows.order_text import (
    PAGE_SIZE,
    coverage_lines,
    high_limit_advice,
    money_data,
    money_from,
    parse_amount,
    show,
    split_query,
    supplier_line,
)
from bot.flows.replies import esc
from bot.i18n import _, lazy_gettext, ngettext, percent
from bot.services import suppliers
from policy import Money


async def start(ctx: Ctx) -> None:
    keyword, amount = split_query(ctx.arg)
    if keyword:
        ctx.data["keyword"] = suppliers.normalise_keyword(keyword)
    if amount is not None:
        ctx.data["amount"] = money_data(amount)
    ctx.data["page"] = 0


async def ask_keyword(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "What product are you buying? Send a word such as <code>scarf</code>, "
            "<code>steel rod</code> or <code>sunflower oil</code>.\n"
            "Products are listed in English: send the English word (<code>scarf</code>, "
            "not its translation)."
        )
    )


async def take_keyword(ctx: Ctx, answer: Answer) -> str:
    keyword = suppliers.normalise_keyword(answer.text or "")
    if not keyword:
        raise Invalid(_("Please send a product word, for example <code>scarf</code>."))
    return keyword


async def ask_amount(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "How much do you intend to order, with the currency? For example "
            "<code>20000 USD</code> or <code>$20,000</code>. I compare it with each "
            "supplier's assurance limit."
        )
    )


async def take_amount(ctx: Ctx, answer: Answer) -> dict[str, str]:
    return money_data(parse_amount(answer.text or ""))


async def show_results(ctx: Ctx) -> Prompt:
    return await supplier_results(
        ctx,
        ctx.data["keyword"],
        money_from(ctx.data["amount"]),
        int(ctx.data.get("page", 0)),
        footer=_(
            "Choose a supplier to write the order's specification, or send another product word."
        ),
    )


async def supplier_results(
    ctx: Ctx, keyword: str, order: Money, page: int, *, footer: str
) -> Prompt:
    """One page of suppliers selling ``keyword``, with the cover each gives ``order``.

    Buttons carry {"supplier": id}, {"page": n} or, with no results, {"keyword": idea}.
    """
    matches = await suppliers.search(ctx.session, ctx.app.rules, keyword, order)
    if not matches:
        return await _no_results(ctx, keyword)
    pages = (len(matches) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = matches[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [
        _("<b>Suppliers of “{keyword}” for an order of {amount}</b>").format(
            keyword=esc(keyword), amount=show(order)
        ),
        ngettext(
            "{n} supplier found, page {page} of {pages}, best cover first.",
            "{n} suppliers found, page {page} of {pages}, best cover first.",
            len(matches),
        ).format(n=len(matches), page=page + 1, pages=pages),
    ]
    rows: list[list[Choice]] = []
    for number, match in enumerate(shown, start=page * PAGE_SIZE + 1):
        lines.append("")
        lines.append(f"{number}. {supplier_line(match.supplier)}")
        lines.extend(coverage_lines(match.supplier, match.coverage, order))
        share = (
            _("{share} covered").format(share=_percent(match))
            if match.coverage is not None
            else _("cover unknown")
        )
        label = f"{number}. {match.supplier.name} · {share}"
        rows.append([Choice(label, {"supplier": match.supplier.id})])
    if any(m.coverage is None or not m.coverage.fully_covered for m in shown):
        lines += ["", high_limit_advice()]
    lines += ["", footer]
    paging: list[Choice] = []
    if page > 0:
        paging.append(Choice(_("« Previous"), {"page": page - 1}))
    if page < pages - 1:
        paging.append(Choice(_("Next »"), {"page": page + 1}))
    if paging:
        rows.append(paging)
    return Prompt(text="\n".join(lines), choices=rows)


def _percent(match: suppliers.Match) -> str:
    assert match.coverage is not None
    return percent(match.coverage.percent)


async def _no_results(ctx: Ctx, keyword: str) -> Prompt:
    ideas = await suppliers.similar_keywords(ctx.session, keyword)
    text = _("No covered supplier sells “{keyword}” yet.").format(keyword=esc(keyword))
    if ideas:
        text += "\n" + _("Try another word, for example: {ideas}.").format(
            ideas=", ".join(f"<code>{esc(i)}</code>" for i in ideas)
        )
    else:
        text += "\n" + _("Try another word.")
    return Prompt(text=text, choices=[[Choice(i, {"keyword": i}) for i in ideas]])


async def take_result(ctx: Ctx, answer: Answer) -> Any:
    order = money_from(ctx.data["amount"])
    if not answer.pressed:
        keyword, amount = split_query(answer.text or "")
        if not keyword and amount is None:
            raise Invalid(_("Send a product word, or choose a supplier."))
        if keyword:
            ctx.data["keyword"] = suppliers.normalise_keyword(keyword)
        if amount is not None:
            ctx.data["amount"] = money_data(amount)
        ctx.data["page"] = 0
        return STAY
    choice = answer.choice or {}
    if "page" in choice:
        ctx.data["page"] = int(choice["page"])
        return STAY
    if "keyword" in choice:
        ctx.data["keyword"], ctx.data["page"] = str(choice["keyword"]), 0
        return STAY
    supplier = await suppliers.get_approved(ctx.session, int(choice["supplier"]))
    if supplier is None:  # removed from the directory since the list was shown
        ctx.data["page"] = 0
        ctx.note(_("That supplier is no longer in the directory."))
        return STAY
    return StartFlow("order", new_order_arg(supplier.id, order))


def new_order_arg(supplier_id: int, amount: Money) -> str:
    """The /order argument that starts a draft with this supplier and amount."""
    return f"new:{supplier_id}:{amount.amount}:{amount.currency}"


FLOWS = [
    Flow(
        name="find",
        steps=(
            Step("keyword", ask_keyword, take_keyword, when=lambda c: "keyword" not in c.data),
            Step("amount", ask_amount, take_amount, when=lambda c: "amount" not in c.data),
            Step("results", show_results, take_result, counted=False),
        ),
        start=start,
        show_progress=False,
    )
]

COMMANDS = [
    Command("find", lazy_gettext("Find a supplier whose limit covers your order"), flow="find")
]
