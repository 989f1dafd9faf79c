"""Engine, sessions and migrations.

SQLite is the embedded default: WAL so readers don't block the writer, a busy
timeout so concurrent writers wait instead of failing, and foreign keys on (SQLite
leaves them off). PostgreSQL is the scale-out path with a sized connection pool.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_one_hop import one_hop_dbapi

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> AsyncEngine:
    """The engine, its connection pool sized by ``TRADEGUARD_DB_POOL_SIZE`` and
    ``TRADEGUARD_DB_MAX_OVERFLOW`` (per process: several workers each have their own)."""
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if url.startswith("sqlite"):
        parsed = make_url(url)
        in_memory = parsed.database in (None, "", ":memory:")  # one shared connection
        # One trip to aiosqlite's thread per statement instead of four (see the module).
        driver = {"module": one_hop_dbapi()} if parsed.get_driver_name() == "aiosqlite" else {}
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, **driver, **({} if in_memory else pool)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **pool)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def upgrade_database(url: str, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision`` (synchronous: call it in a thread)."""
    if url.startswith("sqlite"):
        _ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


async def upgrade_database_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade_database, url, revision)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(current) == head
