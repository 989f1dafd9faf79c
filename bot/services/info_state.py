"""Where the dispute team's questions to a party stand, read from the audit log.

A request for information has no table of its own: it is the ``info_requested`` event,
and what became of it is the later event that names it (answered, withdrawn, lapsed).
So the state can never disagree with the history that the parties and the team read,
and nothing needed a migration. A request whose deadline has passed counts as lapsed at
once, even before the dispatcher has written the ``info_lapsed`` event: the team is never
held waiting by a late clock.

Only reading here (``bot.services.disputes.decide`` asks it whether the dispute waits);
the changes are in ``bot.services.info_requests``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Dispute, DisputeEvent

INFO_REQUESTED = "info_requested"
INFO_ANSWERED = "info_answered"
INFO_WITHDRAWN = "info_withdrawn"
INFO_LAPSED = "info_lapsed"
OUTCOMES = (INFO_ANSWERED, INFO_WITHDRAWN, INFO_LAPSED)
KINDS = (INFO_REQUESTED, *OUTCOMES)

Asked = Literal["buyer", "supplier"]
State = Literal["open", "answered", "withdrawn", "lapsed"]


@dataclass(frozen=True)
class InfoRequest:
    """One question of the team, with what became of it."""

    id: int  # the id of its ``info_requested`` event
    party: Asked
    recipient_id: int  # the user row the question was sent to
    question: str
    asked_at: datetime
    due_at: datetime
    state: State
    ended_at: datetime | None  # when it was answered, withdrawn or lapsed
    answer: str = ""
    files: int = 0

    def is_open(self, now: datetime) -> bool:
        """Still waiting for its answer: not answered, not withdrawn, not past its deadline."""
        return self.state == "open" and now < self.due_at


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time we store is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def requests_from(events: list[DisputeEvent]) -> list[InfoRequest]:
    """Every request in ``events`` (one dispute's, in order), each with its outcome."""
    outcomes: dict[int, DisputeEvent] = {}
    for event in events:
        if event.kind in OUTCOMES:
            request_id = int((event.payload or {}).get("request", 0))
            outcomes.setdefault(request_id, event)  # the first outcome is the one that counts
    found = []
    for event in events:
        if event.kind != INFO_REQUESTED:
            continue
        p = event.payload or {}
        outcome = outcomes.get(event.id)
        state: State = "open"
        if outcome is not None and outcome.kind == INFO_ANSWERED:
            state = "answered"
        elif outcome is not None and outcome.kind == INFO_WITHDRAWN:
            state = "withdrawn"
        elif outcome is not None:
            state = "lapsed"
        op = (outcome.payload or {}) if outcome is not None else {}
        found.append(
            InfoRequest(
                id=event.id,
                party=p.get("party", "supplier"),
                recipient_id=int(p.get("recipient", 0)),
                question=str(p.get("question", "")),
                asked_at=_aware(event.created_at),
                due_at=datetime.fromisoformat(str(p["due"])),
                state=state,
                ended_at=_aware(outcome.created_at) if outcome is not None else None,
                answer=str(op.get("answer", "")),
                files=int(op.get("files", 0)),
            )
        )
    return found


async def requests_of(session: AsyncSession, dispute: Dispute) -> list[InfoRequest]:
    rows = await session.scalars(
        select(DisputeEvent)
        .where(DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind.in_(KINDS))
        .order_by(DisputeEvent.id)
    )
    return requests_from(list(rows.all()))


async def latest(session: AsyncSession, dispute: Dispute) -> InfoRequest | None:
    found = await requests_of(session, dispute)
    return found[-1] if found else None


async def open_request(
    session: AsyncSession, dispute: Dispute, now: datetime
) -> InfoRequest | None:
    """The request the dispute waits for now, if any (at most one is open at a time)."""
    last = await latest(session, dispute)
    return last if last is not None and last.is_open(now) else None


async def check_not_waiting(session: AsyncSession, dispute: Dispute, now: datetime) -> None:
    """The team decides only when no question of theirs is still open."""
    # Imported here: disputes imports this module, and its refusal type lives there.
    from bot.services.disputes import DisputeRefused

    request = await open_request(session, dispute, now)
    if request is not None:
        raise DisputeRefused(
            "waiting_for_info", id=dispute.id, party=request.party, due=request.due_at
        )
