"""The dispute team asks a party for more information; the dispute waits for the answer.

A team member on an escalated dispute asks the buyer or the supplier one question with
a deadline (``rules.info_requests``). The asked party hears it at once with an answer
button, is reminded before the deadline, and answers with text and files; the team
hears the answer, or, at the deadline, that none came. While the question is open the
team cannot decide (``check_not_waiting``, called by ``disputes.decide``) unless it
withdraws the question; a lapsed question no longer holds the dispute.

Every step is a dispute event (see ``bot.services.info_state``, which reads them back).
Who may answer is decided here, on the server, from the stored request: a button only
names the dispute, and a valid signature only proves the bot made it for that account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox, reminders
from bot.services.disputes import (
    DisputeRefused,
    EvidenceFile,
    Team,
    get_supplier,
    record_event,
    store_files,
    supplier_user,
    view,
)
from bot.services.info_state import (
    INFO_ANSWERED,
    INFO_LAPSED,
    INFO_REQUESTED,
    INFO_WITHDRAWN,
    Asked,
    InfoRequest,
    latest,
    open_request,
)
from policy import MIN_INFO_ANSWER, MIN_INFO_QUESTION, Rules, SpecError, long_enough
from policy.answers import check_info_answer, check_info_question
from storage.models import Dispute, DisputeStatus, User

NOTICE_INFO_REQUESTED = "info_requested"  # the asked party: a question, with its deadline
NOTICE_INFO_ANSWERED = "info_answered"  # the team: the party answered
NOTICE_INFO_WITHDRAWN = "info_withdrawn"  # the asked party: no answer needed any more
INFO_ITEM = "info_answer"  # the evidence item of files sent with an answer
MAX_QUESTION = 1000
MAX_ANSWER = 2000


async def team_members(session: AsyncSession, dispute: Dispute, team: Team) -> list[User]:
    rows = await session.scalars(select(User).where(User.telegram_id.in_(team.telegram_ids)))
    return [m for m in rows.all() if m.id != dispute.buyer_id]


async def recipient_of(session: AsyncSession, dispute: Dispute, party: Asked) -> User:
    """The account the question goes to; a supplier with no chat with the bot cannot be
    asked (the team decides on the file, or asks the buyer)."""
    if party == "buyer":
        buyer = await session.get(User, dispute.buyer_id)
        assert buyer is not None
        return buyer
    supplier = await get_supplier(session, dispute.supplier_id)
    user = await supplier_user(session, supplier)
    if user is None:
        raise DisputeRefused("info_unreachable", supplier=supplier.name)
    return user


def check_question(question: str) -> str:
    said = " ".join(question.split())
    if not long_enough(said, MIN_INFO_QUESTION):
        raise DisputeRefused("question_too_short", minimum=MIN_INFO_QUESTION)
    try:
        check_info_question(said)
    except SpecError:
        raise DisputeRefused("question_vague") from None
    return said[:MAX_QUESTION]


async def ask(
    session: AsyncSession,
    user: User,
    dispute_id: int,
    *,
    is_team: bool,
    party: Asked,
    question: str,
    rules: Rules,
    team: Team,
    now: datetime,
) -> InfoRequest:
    """Record the team's question and send it; the dispute waits until it is answered,
    withdrawn or lapsed. One question at a time, on an escalated dispute only."""
    dispute, _party = await view(session, user, dispute_id, is_team=is_team, allowed=("team",))
    if dispute.status != DisputeStatus.ESCALATED:
        raise DisputeRefused("not_escalated", status=dispute.status.value)
    if party not in ("buyer", "supplier"):
        raise ValueError(f"unknown party {party!r}")
    already = await open_request(session, dispute, now)
    if already is not None:
        raise DisputeRefused("info_already_open", party=already.party, due=already.due_at)
    said = check_question(question)
    recipient = await recipient_of(session, dispute, party)
    due = now + timedelta(days=rules.info_requests.answer_days)
    event = await record_event(
        session,
        dispute,
        user,
        "team",
        INFO_REQUESTED,
        now,
        party=party,
        recipient=recipient.id,
        question=said,
        due=due.isoformat(),
        days=rules.info_requests.answer_days,
    )
    await outbox.notify_now(
        session,
        kind=NOTICE_INFO_REQUESTED,
        recipient_id=recipient.id,
        now=now,
        subject=("dispute", dispute.id),
        payload={"request": event.id},
    )
    await reminders.schedule_info_request(
        session,
        dispute_id=dispute.id,
        request_id=event.id,
        recipient_id=recipient.id,
        team_user_ids=[m.id for m in await team_members(session, dispute, team)],
        due_at=due,
        remind_before=timedelta(hours=rules.info_requests.reminder_hours_before),
        now=now,
    )
    request = await latest(session, dispute)
    assert request is not None
    return request


async def asked_of(
    session: AsyncSession, user: User, dispute_id: int, now: datetime
) -> tuple[Dispute, InfoRequest]:
    """The open question ``user`` may answer on this dispute, or ``DisputeRefused``.

    Exactly the asked party: the question's own recipient, and (for a supplier) still
    the account bound to the supplier. A stranger and a missing dispute get the same
    refusal, so a guessed number tells nothing; the other party is told who was asked.
    """
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None:
        raise DisputeRefused("info_none", id=dispute_id)
    request = await latest(session, dispute)
    is_buyer = dispute.buyer_id == user.id
    supplier = await get_supplier(session, dispute.supplier_id)
    is_supplier = user.telegram_id is not None and supplier.telegram_id == user.telegram_id
    if not (is_buyer or is_supplier):
        raise DisputeRefused("info_none", id=dispute_id)
    if request is None:
        raise DisputeRefused("info_none", id=dispute_id)
    if (request.party == "buyer") != is_buyer or (request.party == "supplier") != is_supplier:
        raise DisputeRefused("info_not_asked", id=dispute_id, party=request.party)
    if request.state == "answered":
        raise DisputeRefused("info_answered_already", id=dispute_id)
    if request.state == "withdrawn":
        raise DisputeRefused("info_withdrawn", id=dispute_id)
    if request.state == "lapsed" or not request.is_open(now):
        raise DisputeRefused("info_lapsed", id=dispute_id, due=request.due_at)
    if dispute.status != DisputeStatus.ESCALATED:
        raise DisputeRefused("not_escalated", status=dispute.status.value)
    return dispute, request


def check_answer(text: str) -> str:
    said = " ".join(text.split())
    if not long_enough(said, MIN_INFO_ANSWER):
        raise DisputeRefused("info_answer_too_short", minimum=MIN_INFO_ANSWER)
    try:
        check_info_answer(said)
    except SpecError:
        raise DisputeRefused("info_answer_vague") from None
    return said[:MAX_ANSWER]


async def answer(
    session: AsyncSession,
    user: User,
    dispute_id: int,
    *,
    request_id: int,
    text: str,
    files: Sequence[EvidenceFile],
    team: Team,
    now: datetime,
) -> Dispute:
    """The asked party answers: their text and files join the file, the team hears it."""
    dispute, request = await asked_of(session, user, dispute_id, now)
    if request.id != request_id:  # answering an older question than the one open now
        raise DisputeRefused("info_withdrawn", id=dispute_id)
    said = check_answer(text)
    await store_files(
        session,
        dispute,
        user,
        [EvidenceFile(**{**f.as_dict(), "item": INFO_ITEM}) for f in files],
        now,
    )
    await record_event(
        session,
        dispute,
        user,
        request.party,
        INFO_ANSWERED,
        now,
        request=request.id,
        answer=said,
        files=len(files),
    )
    await reminders.cancel_info_request(session, dispute_id=dispute.id)
    for member in await team_members(session, dispute, team):
        await outbox.notify_now(
            session,
            kind=NOTICE_INFO_ANSWERED,
            recipient_id=member.id,
            now=now,
            subject=("dispute", dispute.id),
            payload={"request": request.id},
        )
    return dispute


async def withdraw(
    session: AsyncSession, user: User, dispute_id: int, *, is_team: bool, now: datetime
) -> InfoRequest:
    """The team no longer waits: the question is withdrawn and the party told so."""
    dispute, _party = await view(session, user, dispute_id, is_team=is_team, allowed=("team",))
    request = await open_request(session, dispute, now)
    if request is None:
        raise DisputeRefused("info_nothing_open", id=dispute.id)
    await record_event(session, dispute, user, "team", INFO_WITHDRAWN, now, request=request.id)
    await reminders.cancel_info_request(session, dispute_id=dispute.id)
    await outbox.notify_now(
        session,
        kind=NOTICE_INFO_WITHDRAWN,
        recipient_id=request.recipient_id,
        now=now,
        subject=("dispute", dispute.id),
        payload={"request": request.id},
    )
    return request


async def mark_lapsed(
    session: AsyncSession, dispute: Dispute, request_id: int, now: datetime
) -> bool:
    """At the deadline, record once that no answer came (several team members' rows may
    run this; the first writes). False if the question was answered or withdrawn."""
    request = await latest(session, dispute)
    if request is None or request.id != request_id:
        return False
    if request.state == "lapsed":
        return True
    if request.state != "open" or now < request.due_at:
        return False
    await record_event(session, dispute, None, "system", INFO_LAPSED, now, request=request.id)
    return True
