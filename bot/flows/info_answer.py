"""/inform [dispute]: the party the dispute team asked answers its question, in writing
and with files (the same upload checks as any evidence).

The push's button names only the dispute. Whoever presses it (or types the command) is
checked on the server against the stored question: exactly the asked party may answer,
while it is open; anyone else is told so in their language and nothing is written.
"""

from __future__ import annotations

from typing import Any

from bot.flows.base import STAY, Answer, Choice, Command, Ctx, Flow, Goto, Invalid, Prompt, Step
from bot.flows.dispute_steps import files_for, number, refused, take_upload, team_of
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply, esc
from bot.i18n import _, lazy_gettext, moment, ngettext
from bot.services import disputes, info_requests
from bot.services.disputes import DisputeRefused, EvidenceFile
from bot.services.info_requests import INFO_ITEM
from bot.services.info_state import InfoRequest
from storage.models import DisputeStatus

# A refusal that means someone tried a question that is not theirs, not a late tap.
SUSPICIOUS = ("info_none", "info_not_asked")


async def start(ctx: Ctx) -> None:
    if ctx.arg:
        await take_dispute(ctx, ctx.arg)
        return
    mine = await waiting(ctx)
    if not mine:
        raise Invalid(_("No question of the dispute team waits for your answer."))
    await take_dispute(ctx, str(mine[0]))


async def waiting(ctx: Ctx) -> list[int]:
    """The disputes where a question of the team waits for this user's answer."""
    found = []
    for dispute in await disputes.disputes_of(
        ctx.session, ctx.user, statuses=(DisputeStatus.ESCALATED,)
    ):
        try:
            await info_requests.asked_of(ctx.session, ctx.user, dispute.id, ctx.now)
        except DisputeRefused:
            continue
        found.append(dispute.id)
    return found


async def take_dispute(ctx: Ctx, raw: str) -> None:
    wanted = number(raw)
    if wanted is None:
        raise refused(DisputeRefused("info_none", id=esc(raw[:20])))
    try:
        dispute, request = await info_requests.asked_of(ctx.session, ctx.user, wanted, ctx.now)
    except DisputeRefused as exc:
        log_refusal(
            ctx, f"answer to the team ({exc.code})", wanted, suspicious=exc.code in SUSPICIOUS
        )
        raise refused(exc) from None
    ctx.data["dispute"] = dispute.id
    ctx.data["request"] = request.id
    ctx.note(question_text(dispute.id, request))


def question_text(dispute_id: int, request: InfoRequest) -> str:
    return "\n".join(
        [
            _("<b>The dispute team's question on dispute #{id}</b>").format(id=dispute_id),
            f"“{esc(request.question)}”",
            _("Answer by {due}.").format(due=moment(request.due_at)),
        ]
    )


async def ask_text(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "Your answer, with facts the team can check: dates, figures, document names. "
            "You can send files at the next step."
        )
    )


async def take_text(ctx: Ctx, answer: Answer) -> str:
    if answer.attachment is not None:
        raise Invalid(_("Please write your answer first; files come at the next step."))
    try:
        return info_requests.check_answer(answer.text or "")
    except DisputeRefused as exc:
        raise refused(exc) from None


async def ask_files(ctx: Ctx) -> Prompt:
    sent = len(files_for(ctx, INFO_ITEM))
    text = _("Send the documents, photos or videos that support your answer, then press Done.")
    if sent:
        text += "\n" + ngettext("{n} file received.", "{n} files received.", sent).format(n=sent)
    label = _("Done") if sent else _("I have no files")
    return Prompt(text=text, choices=[[Choice(label, "done")]], accepts_file=True)


async def take_files(ctx: Ctx, answer: Answer) -> Any:
    if answer.attachment is not None:
        take_upload(ctx, answer, INFO_ITEM)  # the size, type and first-bytes checks of evidence
        return STAY
    if not answer.pressed:
        raise Invalid(_("Please send a file, or press the button."))
    return len(files_for(ctx, INFO_ITEM))


async def ask_review(ctx: Ctx) -> Prompt:
    lines = [
        _("<b>Your answer to the dispute team on dispute #{id}</b>").format(id=ctx.data["dispute"]),
        f"“{esc(ctx.data['text'])}”",
    ]
    files = len(files_for(ctx, INFO_ITEM))
    if files:
        lines.append(ngettext("{n} file attached.", "{n} files attached.", files).format(n=files))
    choices = [[Choice(_("Send the answer"), "send")], [Choice(_("Change the answer"), "text")]]
    return Prompt(text="\n".join(lines), choices=choices, accepts_text=False)


async def take_review(ctx: Ctx, answer: Answer) -> Any:
    if not answer.pressed or answer.choice not in ("send", "text"):
        raise Invalid(_("Please press a button."))
    if answer.choice == "text":
        return Goto("text", then_return=True)
    try:
        await info_requests.answer(
            ctx.session,
            ctx.user,
            int(ctx.data["dispute"]),
            request_id=int(ctx.data["request"]),
            text=ctx.data["text"],
            files=[EvidenceFile.from_dict(f) for f in files_for(ctx, INFO_ITEM)],
            team=team_of(ctx),
            now=ctx.now,
        )
    except DisputeRefused as exc:  # withdrawn or lapsed while they were writing
        raise refused(exc) from None
    return "sent"


async def finish(ctx: Ctx) -> list[Reply]:
    return [
        Reply(
            text=_(
                "Your answer is with the dispute team and in the file. /history {id} shows "
                "every step."
            ).format(id=ctx.data["dispute"])
        )
    ]


FLOWS = [
    Flow(
        name="info_answer",
        start=start,
        steps=(
            Step("text", ask_text, take_text),
            Step("uploads", ask_files, take_files),  # "files" holds the uploads
            Step("review", ask_review, take_review, counted=False),
        ),
        finish=finish,
    )
]

COMMANDS = [
    Command(
        "inform",
        lazy_gettext("Answer a question of the dispute team"),
        flow="info_answer",
    )
]
