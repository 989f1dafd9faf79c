"""Sends due rows of the outbox through a transport's ``Deliverer``.

A row is marked sent only after the transport accepted the message, in its own short
transaction: a crash between the two can resend that one message, never skip it.
On PostgreSQL due rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several
dispatchers never take the same row; on SQLite one dispatcher runs per database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.flows.notices import RENDERERS, NoticeCtx
from bot.flows.replies import Reply
from bot.i18n import use_locale
from storage.models import Reminder, ReminderStatus, User

log = logging.getLogger(__name__)


class Deliverer(Protocol):
    async def deliver(self, user: User, reply: Reply) -> None:
        """Send or raise; see ``bot.scheduler.errors`` for what a failure may mean."""


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        deliverer: Deliverer,
        secret: bytes,
        batch_size: int = 200,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.deliverer = deliverer
        self.secret = secret
        self.batch_size = batch_size
        self._lock = asyncio.Lock()

    async def dispatch_due(self) -> int:
        """Send every row due now; returns how many were delivered."""
        async with self._lock:
            delivered = 0
            while True:
                batch = await self._due_batch()
                if not batch:
                    return delivered
                for reminder_id, user, reply in batch:
                    if await self._send_one(reminder_id, user, reply):
                        delivered += 1
                if len(batch) < self.batch_size:
                    return delivered

    async def _due_batch(self) -> list[tuple[int, User, Reply]]:
        now = self.clock.now()
        prepared: list[tuple[int, User, Reply]] = []
        async with self.sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(Reminder)
                    .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
                    .order_by(Reminder.due_at, Reminder.id)
                    .limit(self.batch_size)
                )
            ).all()
            for reminder in rows:
                user = await session.get(User, reminder.recipient_id)
                if reminder.expires_at is not None and reminder.expires_at < now:
                    reminder.status = ReminderStatus.DROPPED
                    continue
                renderer = RENDERERS.get(reminder.kind)
                if user is None or renderer is None or user.unreachable:
                    reminder.status = ReminderStatus.FAILED
                    reminder.last_error = "no renderer" if renderer is None else "unreachable"
                    continue
                with use_locale(user.locale, user.timezone):
                    reply = await renderer(NoticeCtx(session, user, self.secret), reminder)
                if reply is None:  # the subject moved on; the reminder no longer applies
                    reminder.status = ReminderStatus.CANCELLED
                    continue
                prepared.append((reminder.id, user, reply))
        return prepared

    async def _send_one(self, reminder_id: int, user: User, reply: Reply) -> bool:
        error: str | None = None
        try:
            await self.deliverer.deliver(user, reply)
        except Exception as exc:
            log.warning("delivery of reminder %s failed: %s", reminder_id, exc)
            error = str(exc)[:500]
        async with self.sessions() as session, session.begin():
            reminder = await session.get(Reminder, reminder_id)
            assert reminder is not None
            reminder.attempts += 1
            if error is None:
                reminder.status = ReminderStatus.SENT
                reminder.sent_at = self.clock.now()
            else:
                reminder.last_error = error
                if reminder.attempts >= 5:
                    reminder.status = ReminderStatus.FAILED
                else:  # back off so one failing chat does not spin the loop
                    reminder.due_at = self.clock.now() + timedelta(seconds=2**reminder.attempts)
        return error is None
