"""One user's updates, one at a time, across processes.

Several webhook workers may each receive an update of the same user at once. On
PostgreSQL the update takes a session-level advisory lock on the user's Telegram id for
the whole of its handling: claiming the update id, the transaction, and sending the
replies. So the second of two quick answers sees the first one's state, and its replies
come after the first one's. The lock lives on a pooled connection that the update's own
transactions reuse (``session_for``): one update needs one connection, so a busy pool
cannot deadlock with half its connections waiting for the other half.

SQLite serves one process; the in-process lock of the caller is enough there.

Processes that start together on a fresh database (the workers' parent and the scheduler
unit) also take turns to create what the first start creates, see ``one_start_at_a_time``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

# Sent on the driver's connection outside any transaction: one round trip each, where
# SQLAlchemy would wrap each in BEGIN ... COMMIT (the lock is per session, not per
# transaction, so it needs none). These run once per update, hence the care.
_LOCK = "SELECT pg_advisory_lock($1)"
_UNLOCK = "SELECT pg_advisory_unlock($1)"
# Two 32-bit keys: a key space apart from the users' 64-bit ones ("tg", 1).
_START = text("SELECT pg_advisory_xact_lock(29799, 1)")


@dataclass
class HeldLock:
    key: int
    connection: AsyncConnection
    active: bool = True


# The lock the current task holds; a task spawned meanwhile copies it, hence ``active``.
_HELD: ContextVar[HeldLock | None] = ContextVar("tradeguard_user_lock", default=None)


def held_lock() -> HeldLock | None:
    """The user lock this task holds, if any (and still held)."""
    held = _HELD.get()
    return held if held is not None and held.active else None


def session_for(sessions: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """A session on the lock's connection while this task holds a user lock, else one from
    the pool. Its transactions commit for real: the lock outlives them."""
    held = held_lock()
    if held is None:
        return sessions()
    return sessions(bind=held.connection)


async def one_start_at_a_time(session: AsyncSession) -> None:
    """For the rest of ``session``'s transaction, other starting processes wait (PostgreSQL),
    so the signing secret and the demo directory are created once, not raced for."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(_START)


@asynccontextmanager
async def user_lock(engine: AsyncEngine, key: int) -> AsyncIterator[HeldLock | None]:
    """Hold the user's lock for the block (PostgreSQL); yields None on other databases."""
    if engine.dialect.name != "postgresql":
        yield None
        return
    async with engine.connect() as connection:
        try:
            await _outside_transactions(connection, _LOCK, key)
        except BaseException:
            # Cancelled while waiting (shutdown), the server may grant the lock anyway:
            # this connection must not go back to the pool.
            await connection.invalidate()
            raise
        held = HeldLock(key, connection)
        token = _HELD.set(held)
        try:
            yield held
        finally:
            held.active = False
            _HELD.reset(token)
            await _release(held)


async def _release(held: HeldLock) -> None:
    connection = held.connection
    try:
        if connection.in_transaction():  # the block failed inside a transaction
            await connection.rollback()
        await _outside_transactions(connection, _UNLOCK, held.key)
    except BaseException as error:
        # A connection that may still hold the lock must not go back to the pool:
        # closing it is what releases the lock for sure.
        log.warning("could not release the lock of user %s; closing its connection", held.key)
        await connection.invalidate()
        if not isinstance(error, Exception):  # cancelled: let it propagate
            raise


async def _outside_transactions(connection: AsyncConnection, statement: str, key: int) -> None:
    assert not connection.in_transaction()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.fetchval(statement, key)  # type: ignore[union-attr]
