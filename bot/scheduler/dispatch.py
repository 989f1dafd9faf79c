"""Sends due rows of the outbox through a transport's ``Deliverer``.

Claiming: due rows are taken in a short transaction that pushes their ``due_at`` a
lease into the future (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so several
dispatchers never take the same row). Each row is then sent and marked sent in its
own transaction, only after the transport accepted it. A crash between the two can
resend that one in-flight message after the lease, never skip one.

Policy at dispatch time: a reminder past its ``expires_at`` is dropped (a claim-window
reminder after the window closed is useless); a non-urgent one in the recipient's
quiet hours waits for the morning; a user who blocked the bot is marked unreachable.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.flows.notices import EFFECTS, RENDERERS, NoticeCtx
from bot.flows.replies import Reply
from bot.i18n import use_locale
from bot.scheduler.errors import Blocked, RetryAfter
from bot.scheduler.quiet_hours import QuietHours
from storage.models import Reminder, ReminderStatus, User
from storage.writes import write_transaction

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


class Deliverer(Protocol):
    async def deliver(self, user: User, reply: Reply) -> None:
        """Send, or raise one of ``bot.scheduler.errors``."""


@dataclass
class DispatchStats:
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    deferred: int = 0


def interleave_chats(batch: list[tuple[int, User, Reply]]) -> list[tuple[int, User, Reply]]:
    """Round-robin over recipients, keeping each recipient's own order.

    Rows are sent one after another under a per-chat limit of about one a second: five
    rows for one user in a row would hold the whole batch for five seconds, while
    taking one row per user per round keeps the overall rate at its limit.
    """
    queues: dict[int, list[tuple[int, User, Reply]]] = {}
    for row in batch:
        queues.setdefault(row[1].id, []).append(row)
    rounds = itertools.zip_longest(*queues.values())
    return [row for round_ in rounds for row in round_ if row is not None]


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        deliverer: Deliverer,
        secret: bytes,
        *,
        batch_size: int = 200,
        max_attempts: int = 5,
        quiet_hours: QuietHours | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.deliverer = deliverer
        self.secret = secret
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.quiet_hours = quiet_hours
        self._lock = asyncio.Lock()
        self.stats = DispatchStats()

    @classmethod
    def for_app(cls, app: App, deliverer: Deliverer) -> Dispatcher:
        return cls(
            app.sessions,
            app.clock,
            deliverer,
            app.secret,
            max_attempts=app.settings.send_max_attempts,
            quiet_hours=QuietHours.parse(app.settings.quiet_hours),
        )

    async def dispatch_due(self) -> int:
        """Send every row due now; returns how many were delivered in this call.

        Three things overlap so the send budget never idles: the next batch is claimed
        while the current one is sent (claiming renders every row), and outcomes are
        written by one recorder task, several per transaction, while the next row is
        already on its way (a commit per row between sends cost the budget its slack).
        Rows claimed but not yet recorded when a run stops keep their lease and are taken
        again when it ends, as after a crash: resent at worst, never lost.
        """
        async with self._lock:
            outcomes: asyncio.Queue[tuple[int, Exception | None] | None] = asyncio.Queue()
            recorder = asyncio.create_task(self._record(outcomes))
            following: asyncio.Task[tuple[list[tuple[int, User, Reply]], bool]] | None = None
            try:
                batch, full = await self._claim_batch()
                while True:
                    following = asyncio.create_task(self._claim_batch()) if full else None
                    for reminder_id, user, reply in interleave_chats(batch):
                        outcomes.put_nowait(
                            (reminder_id, await self._deliver(reminder_id, user, reply))
                        )
                    if following is None:
                        break
                    batch, full = await following
                    following = None
            except BaseException:
                if following is not None:
                    following.cancel()
                outcomes.put_nowait(None)
                await asyncio.shield(recorder)
                raise
            outcomes.put_nowait(None)
            return await recorder

    async def _claim_batch(self) -> tuple[list[tuple[int, User, Reply]], bool]:
        """The due rows of one batch, claimed and rendered; and whether the batch was full
        (more may be due), counted before dropped or deferred rows are left out."""
        now = self.clock.now()
        prepared: list[tuple[int, User, Reply]] = []
        async with write_transaction(self.sessions) as session:
            query = (
                select(Reminder)
                .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
                .limit(self.batch_size)
            )
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.scalars(query)).all()
            for reminder in rows:
                prepared_reply = await self._prepare(session, reminder, now)
                if prepared_reply is not None:
                    prepared.append(prepared_reply)
        return prepared, len(rows) >= self.batch_size

    async def _prepare(
        self, session: AsyncSession, reminder: Reminder, now: datetime
    ) -> tuple[int, User, Reply] | None:
        if reminder.expires_at is not None and reminder.expires_at < now:
            reminder.status = ReminderStatus.DROPPED
            self.stats.dropped += 1
            return None
        effect = EFFECTS.get(reminder.kind)
        if effect is not None:  # before the recipient checks: it happens even if nobody hears
            await effect(session, reminder)
        user = await session.get(User, reminder.recipient_id)
        renderer = RENDERERS.get(reminder.kind)
        if user is None or user.unreachable or renderer is None:
            reminder.status = ReminderStatus.FAILED
            reminder.last_error = "no renderer" if renderer is None else "recipient unreachable"
            self.stats.failed += 1
            return None
        if not reminder.urgent and self.quiet_hours is not None:
            allowed = self.quiet_hours.next_allowed(now, user.timezone)
            if allowed > now:
                reminder.due_at = allowed
                self.stats.deferred += 1
                return None
        with use_locale(user.locale, user.timezone):
            reply = await renderer(NoticeCtx(session, user, self.secret), reminder)
        if reply is None:  # the subject moved on; the reminder no longer applies
            reminder.status = ReminderStatus.CANCELLED
            return None
        reminder.due_at = now + LEASE  # claimed: other dispatchers skip it until the lease ends
        reminder.attempts += 1
        return reminder.id, user, reply

    async def _deliver(self, reminder_id: int, user: User, reply: Reply) -> Exception | None:
        try:
            await self.deliverer.deliver(user, reply)
        except Exception as exc:
            log.warning("delivery of reminder %s failed: %s", reminder_id, type(exc).__name__)
            return exc
        return None

    async def _record(self, outcomes: asyncio.Queue[tuple[int, Exception | None] | None]) -> int:
        """The one writer of outcomes: whatever is waiting goes into one transaction."""
        delivered = 0
        done = False
        while not done:
            pending = [await outcomes.get()]
            while not outcomes.empty():
                pending.append(outcomes.get_nowait())
            if None in pending:
                done = True
            rows = [row for row in pending if row is not None]
            if rows:
                delivered += await self._record_rows(rows)
        return delivered

    async def _record_rows(self, rows: list[tuple[int, Exception | None]]) -> int:
        delivered = 0
        now = self.clock.now()
        async with write_transaction(self.sessions) as session:
            for reminder_id, error in rows:
                reminder = await session.get(Reminder, reminder_id)
                assert reminder is not None
                if error is None:
                    reminder.status = ReminderStatus.SENT
                    reminder.sent_at = now
                    self.stats.delivered += 1
                    delivered += 1
                    continue
                await self._record_failure(session, reminder, error, now)
        return delivered

    async def _record_failure(
        self, session: AsyncSession, reminder: Reminder, error: Exception, now: datetime
    ) -> None:
        reminder.last_error = f"{type(error).__name__}: {error}"[:500]
        if isinstance(error, Blocked):
            recipient = await session.get(User, reminder.recipient_id)
            if recipient is not None:
                recipient.unreachable = True
            reminder.status = ReminderStatus.FAILED
        elif reminder.attempts >= self.max_attempts:
            reminder.status = ReminderStatus.FAILED
        elif isinstance(error, RetryAfter):
            reminder.due_at = now + timedelta(seconds=error.seconds)
        else:  # back off so one failing chat does not spin the loop
            reminder.due_at = now + timedelta(seconds=2**reminder.attempts)
        if reminder.status is ReminderStatus.FAILED:
            self.stats.failed += 1
