"""Pieces the dispute flows share: reading a dispute number, an amount, an upload, and
the upload checklist step (one document at a time, each provided or missing).

Uploads stay in the flow data until the claim or answer is sent: only then do they
become ``Evidence`` rows, in the same transaction as the dispute they belong to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.flows.base import STAY, Answer, Choice, Ctx, Invalid, Prompt, Step
from bot.flows.dispute_texts import not_found, refusal_text
from bot.flows.policy_text import explain_spec_error
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.flows.uploads import acceptable_file, fit_to_keep
from bot.i18n import _, ngettext
from bot.i18n import number as format_number
from bot.services import disputes
from bot.services.authz import Forbidden, Party
from bot.services.disputes import DisputeRefused, EvidenceFile
from policy import Money, PolicyError
from storage.models import Dispute

MAX_FILES = 40  # per claim or answer: keeps the conversation row small


def team_of(ctx: Ctx) -> disputes.Team:
    return disputes.Team(frozenset(ctx.app.team), ctx.app.settings.team_waiting_days)


def number(raw: str) -> int | None:
    cleaned = raw.strip().lstrip("#")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 9 else None


async def dispute_arg(ctx: Ctx, raw: str, allowed: Sequence[Party]) -> Dispute:
    """The dispute a command or a button names, if this user may act on it in that role;
    otherwise the same "not found" whether it exists or not."""
    wanted = number(raw)
    if wanted is None:
        raise Invalid(not_found(raw))
    try:
        dispute, _party = await disputes.view(
            ctx.session, ctx.user, wanted, is_team=ctx.is_team, allowed=allowed
        )
    except Forbidden:
        log_refusal(ctx, f"dispute as {'/'.join(allowed)}", wanted)
        raise Invalid(not_found(wanted)) from None
    return dispute


def refused(exc: DisputeRefused) -> Invalid:
    return Invalid(refusal_text(exc))


def parse_money(text: str, currency: str, *, positive: bool = True) -> Money:
    try:
        value = Money.parse(text or "", currency, positive=positive)
    except PolicyError as err:
        raise Invalid(explain_spec_error(err)) from None
    if value.currency != currency:
        raise refused(DisputeRefused("wrong_currency", currency=currency))
    return value


def money_data(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def money_of(data: dict[str, str]) -> Money:
    return Money.of(data["amount"], data["currency"])


def megabytes(size: int) -> str:
    return format_number((Decimal(size) / Decimal(1024 * 1024)).quantize(Decimal("0.1")))


def room_for_one_more(ctx: Ctx) -> list[dict[str, Any]]:
    """The files kept so far, if one more fits in the submission; otherwise why not."""
    files: list[dict[str, Any]] = ctx.data.get("files", [])
    if len(files) >= MAX_FILES:
        raise Invalid(
            ngettext(
                "That is {n} file already, the most one submission can carry.",
                "That is {n} files already, the most one submission can carry.",
                MAX_FILES,
            ).format(n=MAX_FILES)
        )
    return files


def take_upload(ctx: Ctx, answer: Answer, item: str) -> EvidenceFile:
    """Keep an uploaded file in the flow data under a checklist item; say it arrived."""
    assert answer.attachment is not None
    attachment = fit_to_keep(answer.attachment)
    files = room_for_one_more(ctx)
    limit = megabytes(ctx.app.settings.max_upload_bytes)
    if attachment.size is not None and attachment.size > ctx.app.settings.max_upload_bytes:
        raise Invalid(
            _("That file is too large: evidence files can be up to {limit} MB each.").format(
                limit=limit
            )
        )
    if not acceptable_file(attachment):
        log_refusal(ctx, "evidence file type", (attachment.file_name, attachment.mime_type))
        raise Invalid(
            _(
                "I can't accept {name} as evidence. I accept images, PDF, video and office "
                "documents (Word, Excel, PowerPoint, OpenDocument, text), up to {limit} MB "
                "each."
            ).format(name=esc(attachment.file_name or _("this file")), limit=limit)
        )
    file = EvidenceFile(
        item=item,
        file_id=attachment.file_id,
        unique_id=attachment.file_unique_id,
        name=attachment.file_name,
        mime=attachment.mime_type,
        size=attachment.size,
    )
    # A new list: the conversation's JSON column only sees values replaced, not edited.
    ctx.data["files"] = [*files, file.as_dict()]
    ctx.note(_("Received: {name}").format(name=esc(attachment.file_name or attachment.kind)))
    return file


def files_for(ctx: Ctx, item: str) -> list[dict[str, Any]]:
    return [f for f in ctx.data.get("files", []) if f["item"] == item]


@dataclass(frozen=True)
class KeptFile:
    """A file the programme already holds for a checklist item (the inspector's report
    the goods shipped with), offered with one press instead of a new upload."""

    file: EvidenceFile
    offer: str  # the line saying what it is
    button: str


def checklist_step(
    name: str,
    items: Callable[[Ctx], Awaitable[Sequence[tuple[str, str, bool]]]],
    intro: Callable[[Ctx], str],
    when: Callable[[Ctx], bool] | None = None,
    needs_one: Callable[[Ctx], str | None] | None = None,
    kept: Callable[[Ctx, str], Awaitable[KeptFile | None]] | None = None,
) -> Step:
    """One step walking a checklist: ``items`` gives (id, title, required) triples; each
    item is provided (files sent) or missing. The value is {id: provided}.

    ``needs_one`` says, when the list must end with at least one file, why (a message in
    the user's language); the walk then starts again at its first item instead of ending.
    ``kept`` gives a file already held for an item, if any, to add with a button.
    """
    at = f"{name}_at"

    async def kept_for(ctx: Ctx, item: str) -> KeptFile | None:
        """The held file for ``item``, unless it is among the item's files already."""
        found = await kept(ctx, item) if kept is not None else None
        if found is None or any(f["file_id"] == found.file.file_id for f in files_for(ctx, item)):
            return None
        return found

    async def prompt(ctx: Ctx) -> Prompt:
        listed = await items(ctx)
        index = min(ctx.data.get(at, 0), len(listed) - 1)
        item, title, required = listed[index]
        sent = len(files_for(ctx, item))
        lines = [
            intro(ctx),
            _("<b>{i} of {n}: {title}</b>{optional}").format(
                i=index + 1,
                n=len(listed),
                title=title,
                optional="" if required else " " + _("(optional)"),
            ),
            _("Send it as a file, photo or video (several are fine), then press Next."),
        ]
        if sent:
            lines.append(ngettext("{n} file received.", "{n} files received.", sent).format(n=sent))
        buttons = [Choice(_("Next"), "next")] if sent else [Choice(_("I don't have it"), "missing")]
        rows = [buttons]
        offered = await kept_for(ctx, item)
        if offered is not None:
            lines.append(offered.offer)
            rows.insert(0, [Choice(offered.button, "kept")])
        return Prompt(text="\n".join(lines), choices=rows, accepts_file=True)

    async def handle(ctx: Ctx, answer: Answer) -> Any:
        listed = await items(ctx)
        index = min(ctx.data.get(at, 0), len(listed) - 1)
        item = listed[index][0]
        if answer.attachment is not None:
            take_upload(ctx, answer, item)
            return STAY
        if answer.pressed and answer.choice == "kept":
            offered = await kept_for(ctx, item)
            if offered is not None:
                files = room_for_one_more(ctx)
                ctx.data["files"] = [*files, offered.file.as_dict()]
                label = offered.file.name or listed[index][1]
                ctx.note(_("Added: {name}").format(name=esc(label)))
            return STAY
        if not answer.pressed or answer.choice not in ("next", "missing"):
            raise Invalid(_("Please send the file, or press a button."))
        marks: dict[str, bool] = dict(ctx.data.get(f"{name}_marks", {}))
        marks[item] = bool(files_for(ctx, item))
        ctx.data[f"{name}_marks"] = marks
        if index + 1 < len(listed):
            ctx.data[at] = index + 1
            return STAY
        ctx.data[at] = 0  # /back to this step walks the list again, files kept
        why = needs_one(ctx) if needs_one is not None else None
        if why and not any(files_for(ctx, item_id) for item_id, _t, _r in listed):
            ctx.notes.append(Reply(text=why))
            return STAY
        return {item_id: marks.get(item_id, False) for item_id, _t, _r in listed}

    return Step(name, prompt, handle, when=when)


async def current_dispute(ctx: Ctx) -> Dispute:
    """The dispute this flow is about: given by the command, or picked at the first step.

    Its id was checked against the user's rights when it entered the flow data, and flow
    data never leaves the server, so no second check is needed here.
    """
    dispute = await ctx.session.get(Dispute, int(ctx.data.get("dispute") or ctx.data["pick"]))
    assert dispute is not None
    return dispute
