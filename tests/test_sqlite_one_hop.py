"""The SQLite driver adapter makes one trip to aiosqlite's thread per statement and
behaves as SQLAlchemy's own: rows, counts, ids, errors, streams, the ORM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Integer, String, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db import create_engine, session_factory
from storage.sqlite_one_hop import OneHopConnection


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one-hop.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every function handed to an aiosqlite connection's thread, by name."""
    handed: list[str] = []
    real = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return handed


async def test_the_engine_uses_the_one_hop_adapter(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_a_statement_is_one_trip_to_the_driver_thread(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's checkout and BEGIN
        trips.clear()
        assert (await connection.execute(select(Item.id))).all() == []
        assert len(trips) == 1  # aiosqlite's own cursor: open, execute, fetch, close
        trips.clear()
        await connection.execute(insert(Item).values(name="scarf"))
        assert len(trips) == 1


async def test_rows_counts_and_ids_read_as_sqlalchemy_reads_them(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(insert(Item).values(name="scarf"))
        assert first.inserted_primary_key == (1,)
        await connection.execute(insert(Item), [{"name": "hat"}, {"name": "glove"}])
        returned = await connection.execute(
            insert(Item).values(name="belt").returning(Item.id, Item.name)
        )
        assert returned.all() == [(4, "belt")]
        changed = await connection.execute(update(Item).where(Item.id > 2).values(name=Item.name))
        assert changed.rowcount == 2
        gone = await connection.execute(delete(Item).where(Item.name == "hat"))
        assert gone.rowcount == 1
        result = await connection.execute(select(Item.id, Item.name).order_by(Item.id))
        assert list(result.keys()) == ["id", "name"]
        assert result.fetchone() == (1, "scarf")
        assert result.fetchmany(5) == [(3, "glove"), (4, "belt")]
        assert result.fetchall() == []
        streamed = await connection.stream(select(Item.name).order_by(Item.name))
        assert [row.name async for row in streamed] == ["belt", "glove", "scarf"]


async def test_driver_errors_become_sqlalchemys_and_the_connection_goes_on(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        with pytest.raises(OperationalError, match="no such column"):
            await connection.execute(text("SELECT nope FROM items"))
        await connection.rollback()
        await connection.execute(insert(Item).values(name="scarf"))
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await connection.execute(insert(Item).values(name="scarf"))
        await connection.rollback()
        assert (await connection.execute(select(Item.name))).all() == []


async def test_the_orm_round_trips_through_it(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add_all([Item(name="scarf"), Item(name="hat")])
    async with sessions() as session:
        found = await session.scalar(select(Item).where(Item.name == "hat"))
        assert found is not None and found.id == 2
        assert await session.get(Item, 1) is not None
