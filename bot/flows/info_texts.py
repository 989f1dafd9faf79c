"""How the dispute team's requests for information read: refusals, timeline entries, the
lines of the dispute and order views, and the pushes about them (the question to the
party, the reminder, the answer and the lapse to the team), in the reader's language.

Apart from ``dispute_texts`` (which calls in here for these event kinds) so each stays
one job; nothing here imports it. The lapse row also *does* something at its due time
(records that no answer came), registered as an effect so it happens whether or not a
team member can be reached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows import tokens
from bot.flows.notices import NoticeCtx, performs, renders
from bot.flows.replies import Button, Reply, esc
from bot.i18n import _, moment, ngettext
from bot.services import info_requests, info_state, reminders
from bot.services.disputes import DisputeRefused
from bot.services.info_state import InfoRequest
from storage.models import Dispute, DisputeEvent, DisputeStatus, Reminder

ANSWER_COMMAND = "inform"


def party_label(party: str) -> str:
    """The asked party where it stands alone, after "Asked:"; sentences name the party
    in their own words, so each language can inflect it."""
    return _("Buyer") if party == "buyer" else _("Supplier")


def refusal(refused: DisputeRefused) -> str | None:
    """The sentence for a refusal of this feature, or None if the code is not one."""
    p = refused.params
    texts: dict[str, Any] = {
        "waiting_for_info": lambda: (
            _(
                "This dispute waits for the buyer's answer to the team's question, until "
                "{due}. Withdraw the question with /ask {id} to decide now, or wait."
            )
            if p["party"] == "buyer"
            else _(
                "This dispute waits for the supplier's answer to the team's question, until "
                "{due}. Withdraw the question with /ask {id} to decide now, or wait."
            )
        ).format(due=moment(p["due"]), id=p["id"]),
        "info_already_open": lambda: _(
            "A question of the team is open until {due}: one question at a time. Withdraw "
            "it first to ask another."
        ).format(due=moment(p["due"])),
        "info_unreachable": lambda: _(
            "{supplier} has no chat with the bot, so they cannot be asked. Decide on the "
            "file, or ask the buyer."
        ).format(supplier=esc(p["supplier"])),
        "question_too_short": lambda: _(
            "Please ask a real question, at least {n} characters: which document, fact or "
            "figure you need, and why."
        ).format(n=p["minimum"]),
        "question_vague": lambda: _(
            "This question does not say what the party should send or explain. Name the "
            "document, the fact or the figure the dispute team needs."
        ),
        "info_none": lambda: _(
            "No question of the dispute team on dispute #{id} waits for your answer."
        ).format(id=p["id"]),
        "info_not_asked": lambda: (
            _(
                "The dispute team asked the buyer, not you: only they can answer this "
                "question on dispute #{id}."
            )
            if p["party"] == "buyer"
            else _(
                "The dispute team asked the supplier, not you: only they can answer this "
                "question on dispute #{id}."
            )
        ).format(id=p["id"]),
        "info_answered_already": lambda: _(
            "This question on dispute #{id} has been answered already."
        ).format(id=p["id"]),
        "info_withdrawn": lambda: _(
            "The dispute team withdrew this question on dispute #{id}: no answer is needed."
        ).format(id=p["id"]),
        "info_lapsed": lambda: _(
            "The time to answer this question on dispute #{id} ended on {due}. The dispute "
            "team decides on the file as it is."
        ).format(id=p["id"], due=moment(p["due"])),
        "info_nothing_open": lambda: _("No question of the team is open on dispute #{id}.").format(
            id=p["id"]
        ),
        "info_answer_too_short": lambda: _(
            "Please answer in at least {n} characters, with facts the dispute team can check."
        ).format(n=p["minimum"]),
        "info_answer_vague": lambda: _(
            "This answer does not give facts the dispute team can check. Please give dates, "
            "figures, document names or what the contract says."
        ),
    }
    text = texts.get(refused.code)
    return text() if text else None


def event_text(event: DisputeEvent) -> str | None:
    """A timeline entry for this feature's events, or None for any other kind."""
    p: dict[str, Any] = event.payload or {}
    if event.kind == info_state.INFO_REQUESTED:
        asked = (
            _("asked the buyer for information, answer due {due}: “{question}”")
            if p.get("party") == "buyer"
            else _("asked the supplier for information, answer due {due}: “{question}”")
        )
        return asked.format(
            due=moment(datetime.fromisoformat(p["due"])), question=esc(p.get("question", ""))
        )
    if event.kind == info_state.INFO_ANSWERED:
        text = _("answered the dispute team: “{answer}”").format(answer=esc(p.get("answer", "")))
        files = int(p.get("files", 0))
        if files:
            text += " " + ngettext("({n} file)", "({n} files)", files).format(n=files)
        return text
    if event.kind == info_state.INFO_WITHDRAWN:
        return _("withdrew the question: no answer is needed")
    if event.kind == info_state.INFO_LAPSED:
        return _("no answer came to the dispute team's question in time")
    return None


def request_lines(request: InfoRequest | None, now: datetime) -> list[str]:
    """Where the team's latest question stands, for the dispute and order views."""
    if request is None:
        return []
    asked = (
        _("The dispute team asked the buyer on {when}: “{question}”")
        if request.party == "buyer"
        else _("The dispute team asked the supplier on {when}: “{question}”")
    )
    lines = [asked.format(when=moment(request.asked_at), question=esc(request.question))]
    if request.state == "answered":
        line = _("Answered on {when}: “{answer}”").format(
            when=moment(request.ended_at or request.asked_at), answer=esc(request.answer)
        )
        if request.files:
            line += " " + ngettext("({n} file)", "({n} files)", request.files).format(
                n=request.files
            )
        lines.append(line)
    elif request.state == "withdrawn":
        lines.append(_("The team withdrew the question."))
    elif request.state == "lapsed" or not request.is_open(now):
        lines.append(_("Not answered by {due}.").format(due=moment(request.due_at)))
    else:
        lines.append(
            _("Waiting for the answer until {due}; the decision waits too.").format(
                due=moment(request.due_at)
            )
        )
    return lines


async def request_lines_of(session: AsyncSession, dispute: Dispute, now: datetime) -> list[str]:
    return request_lines(await info_state.latest(session, dispute), now)


# -- pushes ---------------------------------------------------------------------------------


def _button(
    ctx: NoticeCtx, label: str, command: str, dispute: Dispute
) -> tuple[tuple[Button, ...], ...]:
    data = tokens.shortcut_token(ctx.secret, ctx.recipient.telegram_id, command, str(dispute.id))
    return ((Button(label, data),),)


async def _request(ctx: NoticeCtx, reminder: Reminder) -> tuple[Dispute, InfoRequest] | None:
    """The dispute and the question this row is about, if that is still its latest."""
    if reminder.subject_type != "dispute" or reminder.subject_id is None:
        return None
    dispute = await ctx.session.get(Dispute, reminder.subject_id)
    if dispute is None:
        return None
    request = await info_state.latest(ctx.session, dispute)
    if request is None or request.id != int((reminder.payload or {}).get("request", 0)):
        return None
    return dispute, request


@renders(info_requests.NOTICE_INFO_REQUESTED)
async def requested_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _request(ctx, reminder)
    if found is None or found[1].state != "open" or found[1].recipient_id != ctx.recipient.id:
        return None
    dispute, request = found
    text = "\n".join(
        [
            _("<b>The dispute team asks you about dispute #{id}</b>").format(id=dispute.id),
            f"“{esc(request.question)}”",
            _(
                "Please answer by {due}, in writing and with files if you have them. The "
                "decision waits for your answer until then; after that the team decides on "
                "the file as it is."
            ).format(due=moment(request.due_at)),
        ]
    )
    label = _("Answer the dispute team")
    return Reply(text=text, buttons=_button(ctx, label, ANSWER_COMMAND, dispute))


@renders(reminders.INFO_DUE)
async def due_reminder(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _request(ctx, reminder)
    if found is None or not found[1].is_open(reminder.due_at):
        return None
    dispute, request = found
    return Reply(
        text=_(
            "Reminder: the dispute team waits for your answer on dispute #{id} until {due}: "
            "“{question}”"
        ).format(id=dispute.id, due=moment(request.due_at), question=esc(request.question)),
        buttons=_button(ctx, _("Answer the dispute team"), ANSWER_COMMAND, dispute),
    )


@performs(reminders.INFO_LAPSE)
async def record_lapse(session: AsyncSession, reminder: Reminder) -> None:
    """At the deadline (the row's due time: the dispatcher has no clock of its own here)
    record that no answer came; idempotent, as every team member's row runs it."""
    dispute = await session.get(Dispute, reminder.subject_id or 0)
    if dispute is not None:
        request_id = int((reminder.payload or {}).get("request", 0))
        await info_requests.mark_lapsed(session, dispute, request_id, reminder.due_at)


@renders(reminders.INFO_LAPSE)
async def lapse_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _request(ctx, reminder)
    if found is None or found[1].state != "lapsed" or found[0].status != DisputeStatus.ESCALATED:
        return None
    dispute, request = found
    lapsed = (
        _(
            "The buyer did not answer the team's question on dispute #{id} by {due}. The "
            "dispute no longer waits: decide on the file as it is."
        )
        if request.party == "buyer"
        else _(
            "The supplier did not answer the team's question on dispute #{id} by {due}. The "
            "dispute no longer waits: decide on the file as it is."
        )
    )
    return Reply(
        text=lapsed.format(id=dispute.id, due=moment(request.due_at)),
        buttons=_button(ctx, _("Open the file"), "queue", dispute),
    )


@renders(info_requests.NOTICE_INFO_ANSWERED)
async def answered_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _request(ctx, reminder)
    if found is None or found[1].state != "answered":
        return None
    dispute, request = found
    answered = (
        _("The buyer answered the team's question on dispute #{id}: “{answer}”")
        if request.party == "buyer"
        else _("The supplier answered the team's question on dispute #{id}: “{answer}”")
    )
    lines = [answered.format(id=dispute.id, answer=esc(request.answer))]
    if request.files:
        lines.append(
            ngettext(
                "{n} file came with it; it is in the file.",
                "{n} files came with it; they are in the file.",
                request.files,
            ).format(n=request.files)
        )
    if dispute.status != DisputeStatus.ESCALATED:
        return Reply(text="\n".join(lines))
    return Reply(text="\n".join(lines), buttons=_button(ctx, _("Open the file"), "queue", dispute))


@renders(info_requests.NOTICE_INFO_WITHDRAWN)
async def withdrawn_notice(ctx: NoticeCtx, reminder: Reminder) -> Reply | None:
    found = await _request(ctx, reminder)
    if found is None or found[1].state != "withdrawn":
        return None
    return Reply(
        text=_(
            "The dispute team withdrew its question on dispute #{id}: you need not answer it."
        ).format(id=found[0].id)
    )
