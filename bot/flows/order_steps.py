"""The specification questions of /order, one step each, in the guide's order (ch3):
design, quality standards (colour, material, size, weight), quantity, packaging and
branding, shipping, customisation; then inspection (ch3) and coverage (ch8).

Every typed answer goes through a policy parser; a vague one ("red", "good quality")
is refused with the reason and a precise example. Each accepted answer is written to
the draft order at once, so a buyer who leaves can continue from /orders later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.flows.base import STAY, Answer, Choice, Ctx, Goto, Invalid, Prompt, Stay, Step
from bot.flows.engine import RETURN_TO
from bot.flows.order_items import (
    ITEM_STEPS,
    STEP_ITEM,
    colours_display,
    compose,
    coverage_label,
    describe_step,
    provider_label,
    shipping_label,
    timing_label,
)
from bot.flows.order_text import money_data, order_money, show, supplier_money
from bot.flows.policy_text import explain_spec_error
from bot.flows.replies import Attachment, esc
from bot.flows.uploads import fit_to_keep, refuse_too_large
from bot.i18n import _, ngettext, percent
from bot.services import orders
from policy import (
    Coverage,
    CoverageType,
    Dimensions,
    InspectionProvider,
    InspectionTiming,
    Money,
    PolicyError,
    ShippingMode,
    assess_coverage,
    parse_colours,
    parse_coverage_type,
    parse_deadline,
    parse_dimensions,
    parse_inspection_company,
    parse_inspection_timing,
    parse_material,
    parse_quantity,
    parse_shipping_mode,
    parse_weight,
)
from policy.answers import check_board, check_customisation, check_design
from policy.bounds import check_weight_for_size
from policy.rates import default_rates
from storage.models import Order, OrderStatus

KEEP = "__keep__"  # the "Keep: <current answer>" button's value
MAX_TEXT = 500  # free-text answers; a contract term, not an essay
PLASTIC = ("none", "minimal", "allowed")

Parse = Callable[[Ctx, Answer], Awaitable[Any]]
Ask = Callable[[Ctx], Awaitable[Prompt]]


# -- the draft behind the flow --------------------------------------------------------------


async def draft_order(ctx: Ctx, *, with_supplier: bool = False) -> Order:
    """The draft this conversation writes to, re-checked on every answer."""
    try:
        order = await orders.get_own_order(
            ctx.session, ctx.user, int(ctx.data["order_id"]), with_supplier=with_supplier
        )
    except (orders.OrderNotFound, KeyError, ValueError):
        raise Invalid(_("This draft no longer exists. Start a new one with /order.")) from None
    if order.status != OrderStatus.DRAFT:
        raise Invalid(
            _("Order #{id} is no longer a draft, so it cannot be changed. See /orders.").format(
                id=order.id
            )
        )
    return order


def coverage_of(
    ctx: Ctx, order: Order, supplier_limit: Money, kind: CoverageType, advance: Money | None
) -> Coverage | None:
    amount = order_money(order)
    limit = default_rates().convert(supplier_limit, amount.currency)  # dated table, policy/
    if limit is None:
        return None
    return assess_coverage(
        amount,
        limit,
        kind,
        advance,
        max_refund_fraction=ctx.app.rules.coverage.max_refund_fraction,
    )


async def sync_draft(ctx: Ctx) -> Order:
    """Write every complete item of the answers so far to the draft order."""
    order = await draft_order(ctx, with_supplier=True)
    supplier = await orders.supplier_of(ctx.session, order)  # found in the session
    limit = supplier_money(supplier)
    spec = compose(
        ctx.data,
        order_money(order),
        lambda kind, advance: coverage_of(ctx, order, limit, kind, advance),
        ctx.user.timezone,
    )
    await orders.save_spec(ctx.session, order, ctx.user, ctx.now, spec)
    return order


# -- step plumbing ----------------------------------------------------------------------------


def _keep_row(ctx: Ctx, name: str) -> list[Choice]:
    if name not in ctx.data:
        return []
    current = describe_step(name, ctx.data[name])
    if len(current) > 40:
        current = current[:39] + "…"
    return [Choice(_("Keep: {answer}").format(answer=current), KEEP)]


def _with_keep(name: str, ask: Ask) -> Ask:
    """A question already answered (after /back, or editing from the review) offers to keep
    the answer, so changing one part of an item does not mean retyping the others."""

    async def prompt(ctx: Ctx) -> Prompt:
        shown = await ask(ctx)
        keep = _keep_row(ctx, name)
        if keep:
            shown.choices = [*shown.choices, keep]
        return shown

    return prompt


def _saving(name: str, parse: Parse) -> Callable[[Ctx, Answer], Awaitable[Any]]:
    async def handle(ctx: Ctx, answer: Answer) -> Any:
        if answer.pressed and answer.choice == KEEP and name in ctx.data:
            value = ctx.data[name]
        else:
            value = await parse(ctx, answer)
            if isinstance(value, Stay | Goto):
                return value
        ctx.data[name] = value
        await sync_draft(ctx)
        following = _next_part(ctx, name)
        if following is not None and RETURN_TO in ctx.data:
            # Editing one item from the review: ask its remaining parts before returning
            # (the engine returns to the review after the next plain answer).
            return Goto(following)
        return value

    return handle


def _next_part(ctx: Ctx, name: str) -> str | None:
    parts = ITEM_STEPS[STEP_ITEM[name]]
    for later in parts[parts.index(name) + 1 :]:
        when = WHEN.get(later)
        if when is None or when(ctx):
            return later
    return None


def _text(answer: Answer) -> str:
    if answer.attachment is not None and not answer.text:
        raise Invalid(_("Please answer this one with text."))
    if answer.pressed:
        raise Invalid(_("Please type your answer."))
    text = " ".join((answer.text or "").split())
    if not text:
        raise Invalid(_("Please type your answer."))
    if len(text) > MAX_TEXT:
        raise Invalid(
            ngettext(
                "Please keep this answer under {n} character; attach details as a file.",
                "Please keep this answer under {n} characters; attach details as a file.",
                MAX_TEXT,
            ).format(n=MAX_TEXT)
        )
    return text


def _checked(parse: Callable[[str], Any], text: str) -> Any:
    try:
        return parse(text)
    except PolicyError as exc:
        raise Invalid(explain_spec_error(exc)) from exc


def _marked(label: str, selected: bool) -> str:
    return f"✓ {label}" if selected else label


def _dimensions(value: Dimensions) -> dict[str, Any]:
    return {
        "display": value.text,
        "parts": [
            {
                "label": part.label,
                "value": str(part.measure.value),
                "unit": part.measure.unit,
                "base_value": str(part.measure.base_value),
                "base_unit": part.measure.base_unit,
            }
            for part in value.parts
        ],
    }


async def _store_file(ctx: Ctx, item: str, attachment: Attachment) -> int:
    refuse_too_large(attachment, ctx.app.settings.max_upload_bytes)
    order = await draft_order(ctx)
    evidence = await orders.attach_file(
        ctx.session,
        order,
        ctx.user,
        ctx.now,
        item=item,
        file_id=attachment.file_id,
        file_unique_id=attachment.file_unique_id,
        file_name=attachment.file_name,
        mime_type=attachment.mime_type,
        size=attachment.size,
    )
    return evidence.id


def _file_name(attachment: Attachment) -> str:
    if attachment.file_name:
        return attachment.file_name
    return _("photo") if attachment.kind == "photo" else _("file")


# -- design and quality standards -------------------------------------------------------------


async def ask_design(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Design.</b> Which variant of the product do you want, exactly as the supplier "
            "lists it (model number or name)? If you designed it yourself, upload the design "
            "file instead: it is the safest way to fix a custom design."
        ),
        accepts_file=True,
    )


async def take_design(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    if answer.attachment is not None:
        attachment = fit_to_keep(answer.attachment)
        evidence_id = await _store_file(ctx, "design", attachment)
        name = _file_name(attachment)
        return {
            "display": _("Design file: {name}").format(name=name),
            "kind": "file",
            "custom": True,  # the buyer's own design: its files belong in a dispute (ch7)
            "file_name": name,
            "mime_type": attachment.mime_type,
            "evidence_id": evidence_id,
        }
    text = str(_checked(check_design, _text(answer)))
    return {"display": text, "kind": "variant", "custom": False}


async def ask_colour(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Colour.</b> Send the Pantone code, for example <code>PANTONE 18-1663 TCX</code> "
            "or <code>186 C</code>. A colour word such as “red” cannot be checked against the "
            "goods; a code can be compared with a Pantone chart. A product of several colours "
            "gives each part its code, for example <code>body PANTONE 186 C, trim PANTONE "
            "2935 C</code>, or one per line."
        )
    )


async def take_colour(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    _text(answer)  # typed, not too long
    # The raw text: "one per line" answers are split on their line breaks.
    colours = _checked(parse_colours, answer.text or "")
    first = colours[0].colour
    value: dict[str, Any] = {"display": first.code, "code": first.code, "system": first.system}
    if len(colours) > 1 or colours[0].part is not None:
        # A colour per part; ``code``/``system`` keep the first, as single-colour orders do.
        value["parts"] = [
            {"part": c.part, "code": c.colour.code, "system": c.colour.system} for c in colours
        ]
        value["display"] = colours_display(value["parts"])
    return value


async def ask_material(ctx: Ctx) -> Prompt:
    # "%%" and "% {}": the same convention (and msgid) as policy_text's examples, so the
    # percent signs are not taken for python-format placeholders by translators' tools.
    return Prompt(
        text=_(
            "<b>Material.</b> Give the composition in percent, adding up to 100, for example "
            "<code>{mixed}</code> or <code>{pure}</code>."
        ).format(mixed=_("60%% cotton, 40%% polyester") % {}, pure=_("100%% silk") % {})
    )


async def take_material(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    material = _checked(parse_material, _text(answer))
    return {
        "display": material.text,
        "components": [{"name": c.name, "percent": str(c.percent)} for c in material.components],
        "contents": [{"name": c.name, "percent": str(c.percent)} for c in material.contents],
    }


async def ask_size(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Size.</b> Give the dimensions with their unit, for example "
            "<code>180 x 70 cm</code> or <code>height 90 cm, diameter 60 cm</code>."
        )
    )


async def take_size(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    return _dimensions(_checked(parse_dimensions, _text(answer)))


async def ask_weight(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Weight</b> of one piece, with a unit of mass, for example <code>120 g</code> "
            "or <code>1.5 kg</code>."
        )
    )


async def take_weight(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    text = _text(answer)
    weight = _checked(parse_weight, text)
    sizes = [
        Decimal(part["base_value"])
        for part in (ctx.data.get("size") or {}).get("parts", [])
        if part.get("base_unit") == "cm"
    ]
    # The size was asked first: a weight that box could not hold is a slip in one of them.
    _checked(lambda t: check_weight_for_size(weight.base_value, sizes, t), text)
    return {
        "display": str(weight),
        "value": str(weight.value),
        "unit": weight.unit,
        "base_value": str(weight.base_value),
        "base_unit": weight.base_unit,
    }


# -- quantity ---------------------------------------------------------------------------------


async def ask_liquid(ctx: Ctx) -> Prompt:
    current = ctx.data.get("liquid")
    return Prompt(
        text=_(
            "<b>Quantity.</b> First: is the product a liquid? Liquids may be ordered by "
            "volume; everything else by a number of pieces or by mass."
        ),
        choices=[
            [
                Choice(_marked(_("Yes, a liquid"), current is True), True),
                Choice(_marked(_("No"), current is False), False),
            ]
        ],
        accepts_text=False,
    )


async def take_liquid(ctx: Ctx, answer: Answer) -> bool:
    if not answer.pressed or not isinstance(answer.choice, bool):
        raise Invalid(_("Please answer with one of the buttons."))
    return answer.choice


async def ask_quantity(ctx: Ctx) -> Prompt:
    if ctx.data.get("liquid"):
        text = _(
            "<b>Quantity.</b> How much? A volume (<code>30 L</code>), a mass "
            "(<code>25 kg</code>) or a number of containers (<code>200 pcs</code>)."
        )
    else:
        text = _(
            "<b>Quantity.</b> How many? A number of pieces (<code>500 pcs</code>) or, for "
            "bulk materials, a mass (<code>10 kg</code>)."
        )
    return Prompt(text=text)


async def take_quantity(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    text = _text(answer)
    quantity = _checked(lambda t: parse_quantity(t, liquid=bool(ctx.data.get("liquid"))), text)
    return {
        "display": str(quantity),
        "kind": quantity.kind.value,
        "value": str(quantity.value),
        "unit": quantity.unit,
        "base_value": str(quantity.base_value),
        "base_unit": quantity.base_unit,
        "item": quantity.item,
    }


# -- packaging and branding -------------------------------------------------------------------


async def ask_carton(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Packaging: carton size</b> (outer dimensions), for example "
            "<code>60 x 40 x 40 cm</code>."
        )
    )


async def take_carton(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    return _dimensions(_checked(lambda t: parse_dimensions(t, "carton"), _text(answer)))


async def ask_board(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Packaging: carton board grade</b>, for example "
            "<code>5-ply corrugated, BC flute, 44 ECT</code>."
        )
    )


async def take_board(ctx: Ctx, answer: Answer) -> str:
    return str(_checked(check_board, _text(answer)))


def plastic_choice_label(value: str) -> str:
    labels = {
        "none": _("No plastic"),
        "minimal": _("Minimal plastic"),
        "allowed": _("Plastic allowed"),
    }
    return labels[value]


async def ask_plastic(ctx: Ctx) -> Prompt:
    current = ctx.data.get("plastic")
    return Prompt(
        text=_("<b>Packaging: plastic.</b> May the supplier use plastic in the packaging?"),
        choices=[[Choice(_marked(plastic_choice_label(v), current == v), v) for v in PLASTIC]],
        accepts_text=False,
    )


async def take_plastic(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in PLASTIC:
        raise Invalid(_("Please answer with one of the buttons."))
    return str(answer.choice)


def _branding_files(ctx: Ctx) -> list[dict[str, Any]]:
    if "_branding_files" in ctx.data:
        return list(ctx.data["_branding_files"])
    return list((ctx.data.get("branding") or {}).get("files", []))


async def ask_branding(ctx: Ctx) -> Prompt:
    files = _branding_files(ctx)
    text = _(
        "<b>Branding.</b> Upload the logos and labels the supplier should print on the goods "
        "or packages, one file per message. Press <b>Skip</b> if there is no branding."
    )
    if files:
        text += "\n" + _("Received: {names}.").format(
            names=", ".join(esc(f["file_name"]) for f in files)
        )
        choices = [[Choice(_("Done"), "done"), Choice(_("Remove these files"), "clear")]]
    else:
        choices = [[Choice(_("Skip: no branding"), "skip")]]
    return Prompt(text=text, choices=choices, accepts_file=True)


async def take_branding(ctx: Ctx, answer: Answer) -> Any:
    files = _branding_files(ctx)
    if answer.attachment is not None:
        attachment = fit_to_keep(answer.attachment)
        evidence_id = await _store_file(ctx, "branding", attachment)
        name = _file_name(attachment)
        files.append({"file_name": name, "evidence_id": evidence_id})
        ctx.data["_branding_files"] = files
        ctx.note(_("Added {name}. Send another file, or press Done.").format(name=esc(name)))
        return STAY
    if not answer.pressed:
        raise Invalid(_("Upload the logo or label files here, or press Skip."))
    if answer.choice == "clear":
        ctx.data["_branding_files"] = []
        return STAY
    ctx.data.pop("_branding_files", None)
    if answer.choice == "skip" or not files:
        return {"display": _("No branding"), "files": []}
    names = ", ".join(f["file_name"] for f in files)
    return {"display": _("Logo and label files: {names}").format(names=names), "files": files}


# -- shipping ---------------------------------------------------------------------------------


async def ask_shipping_mode(ctx: Ctx) -> Prompt:
    days = ctx.app.rules.claim_windows.auto_confirmed_days
    current = ctx.data.get("shipping_mode")
    modes = list(ShippingMode)
    choices = [
        Choice(_marked(shipping_label(mode), current == mode.value), mode.value) for mode in modes
    ]
    lines = [
        _("<b>Shipping mode.</b> How should the goods travel?"),
        _(
            "If you do not confirm receipt yourself, the platform does, and your time to open "
            "a dispute then depends on the mode:"
        ),
    ]
    lines += [
        ngettext("{mode}: {n} day", "{mode}: {n} days", days[mode]).format(
            mode=shipping_label(mode), n=days[mode]
        )
        for mode in modes
    ]
    return Prompt(text="\n".join(lines), choices=[choices[i : i + 2] for i in range(0, 6, 2)])


async def take_shipping_mode(ctx: Ctx, answer: Answer) -> str:
    if answer.pressed:
        return ShippingMode(answer.choice).value
    return str(_checked(parse_shipping_mode, _text(answer)).value)


def today_for(ctx: Ctx) -> date:
    """Today where the buyer is: a deadline "after today" means their today."""
    try:
        zone = ZoneInfo(ctx.user.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return ctx.now.astimezone(zone).date()


async def ask_deadline(ctx: Ctx) -> Prompt:
    example = (today_for(ctx) + timedelta(days=90)).isoformat()
    return Prompt(
        text=_(
            "<b>Delivery deadline.</b> By which date must the goods arrive? For example "
            "<code>{example}</code>. If they arrive later, you can claim for late delivery."
        ).format(example=example)
    )


async def take_deadline(ctx: Ctx, answer: Answer) -> str:
    today = today_for(ctx)
    return str(_checked(lambda t: parse_deadline(t, today), _text(answer)).isoformat())


# -- customisation ----------------------------------------------------------------------------


async def ask_customisation(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "<b>Customisation.</b> If the supplier changes their standard product for you, "
            "describe each change exactly: what, where, how big, in which colour. For example "
            "<code>embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C</code>."
        ),
        choices=[[Choice(_("None"), "none")]],
    )


async def take_customisation(ctx: Ctx, answer: Answer) -> dict[str, Any]:
    if answer.pressed and answer.choice == "none":
        return {"display": _("None"), "none": True}
    return {"display": str(_checked(check_customisation, _text(answer))), "none": False}


# -- inspection -------------------------------------------------------------------------------


async def ask_inspection_timing(ctx: Ctx) -> Prompt:
    current = ctx.data.get("inspection_timing")
    timings = (
        InspectionTiming.BEFORE_LOADING,
        InspectionTiming.DURING_PRODUCTION,
        InspectionTiming.NONE,
    )
    return Prompt(
        text=_(
            "<b>Inspection.</b> A third-party quality inspection is essential if you ever "
            "dispute quality. Inspecting before loading is recommended: inspections in Asia "
            "cost less, and faulty goods never have to be shipped back."
        ),
        choices=[[Choice(_marked(timing_label(t), current == t.value), t.value)] for t in timings],
    )


async def take_inspection_timing(ctx: Ctx, answer: Answer) -> str:
    if answer.pressed:
        timing = InspectionTiming(answer.choice)
    else:
        timing = _checked(parse_inspection_timing, _text(answer))
    if timing == InspectionTiming.NONE:
        ctx.note(
            _(
                "Noted. Without an independent inspection report, a claim that the goods are "
                "of poor quality is weaker."
            )
        )
    return timing.value


PROVIDERS = (
    InspectionProvider.PLATFORM,
    InspectionProvider.ASIA_INSPECTION,
    InspectionProvider.INTERTEK,
    InspectionProvider.SGS,
)


async def ask_inspection_provider(ctx: Ctx) -> Prompt:
    if ctx.data.get("_provider_other"):
        return Prompt(text=_("Type the name of the inspection company."))
    rows = [[Choice(provider_label(p), p.value)] for p in PROVIDERS]
    rows.append([Choice(_("Other"), InspectionProvider.OTHER.value)])
    return Prompt(
        text=_(
            "<b>Inspection company.</b> Who inspects? Or type the company's name. An "
            "independent company is best: the buyer's or the seller's own check looks biased."
        ),
        choices=rows,
    )


async def take_inspection_provider(ctx: Ctx, answer: Answer) -> Any:
    if answer.pressed:
        provider = InspectionProvider(answer.choice)
        if provider == InspectionProvider.OTHER:
            ctx.data["_provider_other"] = True
            return STAY
        ctx.data.pop("_provider_other", None)
        return {"provider": provider.value, "name": None}
    text = _text(answer)
    if len(text) > 100:
        raise Invalid(_("Please send just the company's name."))
    # A name we do not list is kept, and must be a company, never the buyer or the supplier.
    provider, name = _checked(parse_inspection_company, text)
    ctx.data.pop("_provider_other", None)
    return {"provider": provider.value, "name": name}


# -- coverage ---------------------------------------------------------------------------------


async def _shown_order(ctx: Ctx) -> Order | None:
    # Prompts must not fail: a draft confirmed elsewhere is refused at the answer instead.
    order = await ctx.session.get(Order, int(ctx.data.get("order_id") or 0))
    return order if order is not None and order.buyer_id == ctx.user.id else None


async def ask_coverage_type(ctx: Ctx) -> Prompt:
    order = await _shown_order(ctx)
    post = None
    if order is not None:
        supplier = await orders.supplier_of(ctx.session, order)
        limit = supplier_money(supplier)
        post = coverage_of(ctx, order, limit, CoverageType.POST_DELIVERY, None)
    lines = [
        _("<b>Coverage.</b> Which part of the payment should the programme protect?"),
        "",
        _("<b>Post-delivery</b>: every part of the payment, up to the supplier's assurance limit."),
    ]
    if post is not None:
        lines.append(
            _("For this order: {covered} ({share}).").format(
                covered=show(post.covered), share=percent(post.percent)
            )
        )
    lines += [
        "",
        _(
            "<b>Pre-delivery</b>: only the advance you pay before delivery, refunded if the "
            "inspection finds the supplier at fault. Choose it when part of the price is paid "
            "up front."
        ),
    ]
    current = ctx.data.get("coverage_type")
    kinds = (CoverageType.POST_DELIVERY, CoverageType.PRE_DELIVERY)
    return Prompt(
        text="\n".join(lines),
        choices=[[Choice(_marked(coverage_label(k), current == k.value), k.value) for k in kinds]],
    )


async def take_coverage_type(ctx: Ctx, answer: Answer) -> str:
    if answer.pressed:
        return CoverageType(answer.choice).value
    return str(_checked(parse_coverage_type, _text(answer)).value)


async def ask_advance(ctx: Ctx) -> Prompt:
    order = await _shown_order(ctx)
    if order is None:
        return Prompt(text=_("<b>Advance.</b> How much do you pay before delivery?"))
    return Prompt(
        text=_(
            "<b>Advance.</b> How much do you pay before delivery? In {currency}, more than "
            "zero and less than the order amount of {amount}."
        ).format(currency=order.currency, amount=show(order_money(order)))
    )


async def take_advance(ctx: Ctx, answer: Answer) -> dict[str, str]:
    order = await draft_order(ctx)
    total = order_money(order)
    advance = _checked(lambda t: Money.parse(t, default_currency=total.currency), _text(answer))
    if advance.currency != total.currency:
        raise Invalid(
            _("The advance must be in the order's currency, {currency}.").format(
                currency=total.currency
            )
        )
    if not advance < total:
        raise Invalid(
            _("The advance must be less than the order amount of {amount}.").format(
                amount=show(total)
            )
        )
    return money_data(advance)


# -- the steps --------------------------------------------------------------------------------

WHEN: dict[str, Callable[[Ctx], bool]] = {
    "inspection_provider": lambda c: c.data.get("inspection_timing") != InspectionTiming.NONE,
    "advance": lambda c: c.data.get("coverage_type") == CoverageType.PRE_DELIVERY,
}

_QUESTIONS: dict[str, tuple[Ask, Parse]] = {
    "design": (ask_design, take_design),
    "colour": (ask_colour, take_colour),
    "material": (ask_material, take_material),
    "size": (ask_size, take_size),
    "weight": (ask_weight, take_weight),
    "liquid": (ask_liquid, take_liquid),
    "quantity": (ask_quantity, take_quantity),
    "carton": (ask_carton, take_carton),
    "board": (ask_board, take_board),
    "plastic": (ask_plastic, take_plastic),
    "branding": (ask_branding, take_branding),
    "shipping_mode": (ask_shipping_mode, take_shipping_mode),
    "deadline": (ask_deadline, take_deadline),
    "customisation": (ask_customisation, take_customisation),
    "inspection_timing": (ask_inspection_timing, take_inspection_timing),
    "inspection_provider": (ask_inspection_provider, take_inspection_provider),
    "coverage_type": (ask_coverage_type, take_coverage_type),
    "advance": (ask_advance, take_advance),
}
# Steps whose buttons already mark the current answer need no "Keep" button.
_MARKED = frozenset({"liquid", "plastic", "shipping_mode", "inspection_timing", "coverage_type"})


def spec_steps() -> tuple[Step, ...]:
    steps = []
    for item_steps in ITEM_STEPS.values():
        for name in item_steps:
            ask, parse = _QUESTIONS[name]
            prompt = ask if name in _MARKED else _with_keep(name, ask)
            steps.append(Step(name, prompt, _saving(name, parse), when=WHEN.get(name)))
    return tuple(steps)
