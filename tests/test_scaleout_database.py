"""The database side of scale-out: a user's updates one at a time across workers until
their replies are sent, update ids forgotten after Telegram's retention, and the
connection pool sized by configuration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bot.app import App, build_app
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from bot.handlers.lifecycle import start_pruning
from bot.handlers.telegram_common import (
    PROCESSED_UPDATE_TTL,
    UpdateGate,
    claim_update,
    prune_processed_updates,
)
from storage.db import upgrade_database_async
from storage.models import ProcessedUpdate

pytestmark = pytest.mark.timeout(60)

ALICE, BOB = 51_001, 51_002


@pytest.fixture
async def workers(
    app: App, settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[UpdateGate, UpdateGate]]:
    """The update gates of two webhook workers: on PostgreSQL two apps with their own
    engines and pools, as two processes have; SQLite serves one process, so there both
    updates pass the one worker's gate."""
    if settings.is_sqlite:
        gate = UpdateGate(app)
        yield gate, gate
        return
    second = await build_app(settings, clock=clock)
    yield UpdateGate(app), UpdateGate(second)
    await second.close()


class Update:
    """The handling of one update: it records when it ran and waits to be let go."""

    def __init__(self, log: list[str], name: str, fail: bool = False) -> None:
        self.log = log
        self.name = name
        self.fail = fail
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def work(self) -> str:
        self.log.append(f"{self.name} starts")
        self.started.set()
        await self.release.wait()  # handling and replying
        self.log.append(f"{self.name} answered")
        if self.fail:
            raise RuntimeError("the reply could not be rendered")
        return self.name


async def test_a_users_second_update_waits_until_the_first_is_answered(
    app: App, workers: tuple[UpdateGate, UpdateGate]
) -> None:
    first_worker, second_worker = workers
    log: list[str] = []
    first, second, elsewhere = Update(log, "first"), Update(log, "second"), Update(log, "bob")

    running_first = asyncio.create_task(first_worker.run(1, ALICE, first.work()))
    await first.started.wait()
    running_second = asyncio.create_task(second_worker.run(2, ALICE, second.work()))
    running_bob = asyncio.create_task(second_worker.run(3, BOB, elsewhere.work()))
    await elsewhere.started.wait()  # another user is not held up
    await asyncio.sleep(0.3)
    assert not second.started.is_set()  # Alice's second update waits for her first

    first.release.set()
    assert await running_first == "first"
    second.release.set()
    elsewhere.release.set()
    assert await running_second == "second"
    assert await running_bob == "bob"
    assert log.index("first answered") < log.index("second starts")
    await assert_no_lock_left(app)


async def test_a_failed_update_releases_the_users_lock(
    app: App, workers: tuple[UpdateGate, UpdateGate]
) -> None:
    log: list[str] = []
    broken, next_one = Update(log, "broken", fail=True), Update(log, "next")
    broken.release.set()
    next_one.release.set()
    with pytest.raises(RuntimeError):
        await workers[0].run(10, ALICE, broken.work())
    async with asyncio.timeout(5):
        assert await workers[1].run(11, ALICE, next_one.work()) == "next"
    await assert_no_lock_left(app)


async def assert_no_lock_left(app: App) -> None:
    if app.db.dialect.name != "postgresql":
        return
    async with app.db.connect() as connection:
        held = await connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        )
    assert held == 0


async def test_update_ids_are_forgotten_after_a_day(app: App, clock: FrozenClock) -> None:
    start = clock.now()
    assert await claim_update(app.sessions, 700, start)
    assert await claim_update(app.sessions, 701, start + timedelta(hours=23))
    assert not await claim_update(app.sessions, 700, start + timedelta(hours=1))  # a retry

    clock.advance(PROCESSED_UPDATE_TTL + timedelta(seconds=1))
    pruning = start_pruning(app, every_seconds=3600)  # prunes at once, then hourly
    try:
        async with asyncio.timeout(5):
            while True:  # the pruning task's first pass
                if await remembered(app) == {701}:
                    break
                await asyncio.sleep(0.05)
    finally:
        pruning.cancel()
        await asyncio.gather(pruning, return_exceptions=True)
    assert await prune_processed_updates(app.sessions, clock.now()) == 0
    # Telegram gave up on 700 long ago: were it sent again it would be new.
    assert await claim_update(app.sessions, 700, clock.now())


async def remembered(app: App) -> set[int]:
    async with app.sessions() as session:
        return set((await session.scalars(select(ProcessedUpdate.update_id))).all())


async def test_the_connection_pool_is_sized_by_the_settings(
    database_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEGUARD_DB_POOL_SIZE", "3")
    monkeypatch.setenv("TRADEGUARD_DB_MAX_OVERFLOW", "2")
    settings = load_settings(database_url=database_url, bot_token=None)
    assert (settings.db_pool_size, settings.db_max_overflow) == (3, 2)
    if not settings.is_sqlite:
        await upgrade_database_async(settings.database_url)
    app = await build_app(settings, clock=clock)
    try:
        assert app.db.pool.size() == 3  # type: ignore[attr-defined]
        held = [await app.db.connect() for _ in range(5)]  # the pool and its overflow
        try:
            with pytest.raises(TimeoutError):  # a sixth waits for one to come back
                async with asyncio.timeout(0.5):
                    await app.db.connect()
        finally:
            for connection in held:
                await connection.close()
        async with app.sessions() as session:  # and all are usable again
            assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    finally:
        await app.close()
