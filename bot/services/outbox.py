"""The durable outbox: every push to a user (a notice now, a reminder later) is a row
in ``reminders``, written in the same transaction as the state change that causes it.
The dispatcher sends due rows; nothing is lost if the process dies after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reminder, ReminderStatus


@dataclass
class Watch:
    """Whether the update being handled queued a push that is due already."""

    due_now: bool = False


_WATCH: ContextVar[Watch | None] = ContextVar("tradeguard_outbox_watch", default=None)


@contextmanager
def watching() -> Iterator[Watch]:
    """Note pushes due now queued by this task, so the transport runs the dispatcher
    after the update only when there is something to send (the clock does the rest)."""
    watch = Watch()
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    recipient_id: int,
    due_at: datetime,
    now: datetime,
    subject: tuple[str, int] | None = None,
    payload: dict[str, Any] | None = None,
    urgent: bool = False,
    expires_at: datetime | None = None,
    dedup_key: str | None = None,
) -> Reminder | None:
    """Add a push; with a ``dedup_key`` already pending or sent, nothing is added."""
    if dedup_key is not None:
        existing = await session.scalar(select(Reminder.id).where(Reminder.dedup_key == dedup_key))
        if existing is not None:
            return None
    reminder = Reminder(
        kind=kind,
        recipient_id=recipient_id,
        due_at=due_at,
        expires_at=expires_at,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        payload=payload or {},
        urgent=urgent,
        status=ReminderStatus.PENDING,
        dedup_key=dedup_key,
        created_at=now,
    )
    session.add(reminder)
    await session.flush()
    watch = _WATCH.get()
    if watch is not None and due_at <= now:
        watch.due_now = True
    return reminder


async def notify_now(
    session: AsyncSession,
    *,
    kind: str,
    recipient_id: int,
    now: datetime,
    subject: tuple[str, int] | None = None,
    payload: dict[str, Any] | None = None,
) -> Reminder | None:
    """An immediate notice (e.g. "a claim was opened against you")."""
    return await enqueue(
        session,
        kind=kind,
        recipient_id=recipient_id,
        due_at=now,
        now=now,
        subject=subject,
        payload=payload,
        urgent=True,
    )


async def cancel_pending(
    session: AsyncSession, *, subject: tuple[str, int], kinds: Iterable[str] | None = None
) -> int:
    """Cancel pending pushes about a subject, e.g. when a dispute is answered."""
    statement = (
        update(Reminder)
        .where(
            Reminder.subject_type == subject[0],
            Reminder.subject_id == subject[1],
            Reminder.status == ReminderStatus.PENDING,
        )
        .values(status=ReminderStatus.CANCELLED)
    )
    if kinds is not None:
        statement = statement.where(Reminder.kind.in_(list(kinds)))
    result = await session.execute(statement)
    return result.rowcount or 0
