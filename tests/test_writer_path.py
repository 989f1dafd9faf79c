"""One writer path (``storage.writes``): on SQLite, writers queue in the order they asked
instead of colliding in SQLite's busy handler; on PostgreSQL they run side by side.

SQLite's busy timeout is set to 0 here, so a collision would fail at once with
"database is locked" instead of being hidden by a retry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import App
from bot.clock import FrozenClock
from bot.flows.replies import Incoming, Sender
from storage import updates
from storage.db import create_engine, session_factory
from storage.models import ProcessedUpdate
from storage.writes import write_transaction, writer_lock

Impatient = tuple[AsyncEngine, async_sessionmaker[AsyncSession]]


def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


@pytest.fixture
async def impatient(app: App) -> AsyncIterator[Impatient]:
    """A second engine on the test database whose SQLite connections never wait."""
    engine = create_engine(app.settings.database_url, pool_size=10, max_overflow=0)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _no_busy_wait)  # after the defaults
    yield engine, session_factory(engine)
    await engine.dispose()


async def _ids(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        found = await session.scalars(
            select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.received_at)
        )
        return list(found)


async def test_concurrent_writers_all_commit_in_the_order_they_asked(
    impatient: Impatient, clock: FrozenClock
) -> None:
    engine, sessions = impatient
    start = clock.now()
    asked: list[int] = []

    async def writer(number: int) -> None:
        await asyncio.sleep(0.001 * number)  # ask in turn...
        asked.append(number)
        async with write_transaction(sessions) as session:
            # ... read, yield to the others, then write: the window where two SQLite
            # connections collide without the queue.
            await session.scalar(select(ProcessedUpdate.update_id).limit(1))
            await asyncio.sleep(0)
            await updates.record(session, number, start + timedelta(milliseconds=len(asked)))
            await asyncio.sleep(0)
            taken = await session.scalars(select(ProcessedUpdate.update_id))
            # The writer's own transaction sees every writer before it, none after.
            assert sorted(taken) == sorted(asked[: asked.index(number) + 1]) or (
                engine.dialect.name != "sqlite"
            )

    await asyncio.gather(*(writer(number) for number in range(1, 21)))

    stored = await _ids(sessions)
    assert sorted(stored) == list(range(1, 21))
    if engine.dialect.name == "sqlite":
        assert stored == asked


async def test_without_the_queue_a_second_sqlite_writer_fails_at_once(
    impatient: Impatient, clock: FrozenClock
) -> None:
    """What the queue prevents, shown on the same engine: busy_timeout=0 is in force."""
    engine, sessions = impatient
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writers of different rows do not block each other")
    async with sessions() as first, first.begin():
        await updates.record(first, 1, clock.now())
        with pytest.raises(OperationalError, match="locked"):
            async with sessions() as second, second.begin():
                await updates.record(second, 2, clock.now())


async def test_a_writer_waits_for_the_one_in_progress_instead_of_failing(
    impatient: Impatient, clock: FrozenClock
) -> None:
    engine, sessions = impatient
    inside = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with write_transaction(sessions) as session:
            await updates.record(session, 1, clock.now())
            inside.set()
            await release.wait()
            order.append("first commits")

    async def second() -> None:
        await inside.wait()
        async with write_transaction(sessions) as session:
            order.append("second writes")
            await updates.record(session, 2, clock.now())

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await inside.wait()
    for _ in range(5):
        await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*tasks)
    if engine.dialect.name == "sqlite":
        assert order == ["first commits", "second writes"]
    else:  # no queue: the second writes while the first is still open
        assert order == ["second writes", "first commits"]
    assert sorted(await _ids(sessions)) == [1, 2]


async def test_a_failed_writer_rolls_back_and_lets_the_next_one_in(
    impatient: Impatient, clock: FrozenClock
) -> None:
    _engine, sessions = impatient
    with pytest.raises(ValueError, match="refused"):
        async with write_transaction(sessions) as session:
            await updates.record(session, 1, clock.now())
            raise ValueError("refused")
    async with write_transaction(sessions) as session:
        await updates.record(session, 2, clock.now())
    assert await _ids(sessions) == [2]


async def test_a_nested_write_transaction_is_refused_not_deadlocked(app: App) -> None:
    if writer_lock(app.db.sync_engine) is None:
        pytest.skip("PostgreSQL has no queue to deadlock on")
    async with write_transaction(app.sessions):
        with pytest.raises(RuntimeError, match="inside another"):
            async with write_transaction(app.sessions):
                pass


async def test_updates_of_many_users_at_once_all_commit_with_sqlite_never_waiting(
    app: App, impatient: Impatient
) -> None:
    """The app's unit of work and the update-id claim go through the queue: thirty users'
    updates at once on connections that fail rather than wait all succeed."""
    engine, sessions = impatient
    app.db, app.sessions = engine, sessions

    async def one(user: int) -> None:
        with updates.handling(10_000 + user):
            outcome = await app.handle(
                Incoming(sender=Sender(telegram_id=user, display_name=f"u{user}"), text="/help")
            )
        assert outcome.replies and "Sorry" not in outcome.replies[0].text

    await asyncio.gather(*(one(user) for user in range(1, 31)))
    assert sorted(await _ids(sessions)) == [10_000 + user for user in range(1, 31)]
