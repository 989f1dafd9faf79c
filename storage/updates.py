"""Telegram update ids already handled, so a re-delivered update acts once.

The id is recorded in the same transaction as the change the update makes (``App``
claims the ``pending`` update inside its unit of work): if the process dies before that
commit, neither exists, and the update Telegram delivers again is handled as if new. An
update that never reaches ``App`` (a bare reaction, an unsupported message) is recorded
by the gate afterwards. What can still go unseen is a reply: a crash after the commit and
before the reply is sent leaves the change made and the re-delivery dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate

# Telegram keeps an unconfirmed update for 24 hours; a retry never comes later than that.
RETENTION = timedelta(hours=24)


async def record(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record ``update_id`` in the session's transaction; False if it is there already."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def forget_old(session: AsyncSession, now: datetime) -> int:
    """Delete ids recorded more than ``RETENTION`` before ``now``; returns how many."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < now - RETENTION)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class Pending:
    """The update being handled by this task, and whether its id is recorded yet."""

    update_id: int
    recorded: bool = False


_PENDING: ContextVar[Pending | None] = ContextVar("tradeguard_pending_update", default=None)


@contextmanager
def handling(update_id: int) -> Iterator[Pending]:
    """Mark the update this task is handling, for ``App`` to record with its changes."""
    pending = Pending(update_id)
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def pending() -> Pending | None:
    """The update to record in the current unit of work (None: already recorded, or not
    a Telegram update, e.g. the terminal chat)."""
    found = _PENDING.get()
    return found if found is not None and not found.recorded else None
