"""One writer path: the transactions that write, in the order they asked.

SQLite lets one connection write at a time. When two pooled connections both start
writing, the loser meets SQLite's busy handler, which sleeps (in steps of up to 100 ms)
and retries: under load a write then waits far longer than the work ahead of it, and in
no particular order. Here the writers of one engine queue on one asyncio lock instead
(fair: first come, first served) and take SQLite's write lock at ``BEGIN IMMEDIATE``, not
at their first INSERT, so a transaction that has started never has to wait halfway for
another writer of this process. A writer in another process (the scheduler unit on the
same file) can still hold SQLite's lock; then the busy timeout waits for it, as before.

PostgreSQL locks rows, not the database: its writers run side by side and nothing is
queued here (``session_for`` still puts the transaction on the user lock's connection).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from storage.locks import session_for

# An asyncio lock belongs to one event loop; tests and the CLI may run several in turn.
_LOCKS: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
# The task inside a write transaction of an engine: a nested one would wait for itself.
_WRITING: ContextVar[tuple[Engine, asyncio.Task[object] | None] | None] = ContextVar(
    "tradeguard_writing", default=None
)


def _engine_of(sessions: async_sessionmaker[AsyncSession]) -> Engine:
    bind = sessions.kw.get("bind")
    if isinstance(bind, AsyncConnection):
        return bind.engine.sync_engine
    if isinstance(bind, AsyncEngine):
        return bind.sync_engine
    raise TypeError("write_transaction needs a session factory bound to an engine")


def writer_lock(engine: Engine) -> asyncio.Lock | None:
    """The lock the writers of ``engine`` queue on (None: PostgreSQL, no queue)."""
    if engine.dialect.name != "sqlite":
        return None
    loop = asyncio.get_running_loop()
    found = _LOCKS.get(engine)
    if found is None or found[0] is not loop:
        found = (loop, asyncio.Lock())
        _LOCKS[engine] = found
    return found[1]


@asynccontextmanager
async def write_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that may write; committed when the block ends, rolled
    back if it raises. On SQLite it waits its turn first, behind this process's other
    writers of the same database."""
    engine = _engine_of(sessions)
    lock = writer_lock(engine)
    if lock is None:
        async with session_for(sessions) as session, session.begin():
            yield session
        return
    task = asyncio.current_task()
    writing = _WRITING.get()
    if writing is not None and writing[0] is engine and writing[1] is task:
        raise RuntimeError("a write transaction inside another on the same database")
    async with lock:
        token = _WRITING.set((engine, task))
        try:
            async with session_for(sessions) as session, session.begin():
                connection = await session.connection()
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield session
        finally:
            _WRITING.reset(token)
