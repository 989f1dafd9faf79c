"""APScheduler drives the dispatcher.

The truth lives in the ``reminders`` table; APScheduler only holds one in-memory
interval job that asks the dispatcher to send whatever is due. Its own job stores are
never used: they pickle jobs and must not be shared between processes. Catch-up after
downtime is therefore automatic: on start the first run finds every row that fell due
while the process was down (expired ones are dropped by the dispatcher).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduler.dispatch import Dispatcher

log = logging.getLogger(__name__)

JOB_ID = "tradeguard-dispatch-due"


async def _dispatch(dispatcher: Dispatcher) -> None:
    try:
        await dispatcher.dispatch_due()
    except Exception:  # one bad round must not stop the clock
        log.exception("reminder dispatch round failed")


def start_clockwork(dispatcher: Dispatcher, every_seconds: float) -> AsyncIOScheduler:
    """Start the interval job on the running event loop; the first round runs at once."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        _dispatch,
        "interval",
        seconds=every_seconds,
        args=[dispatcher],
        id=JOB_ID,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    return scheduler
