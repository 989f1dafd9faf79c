"""Shared fixtures: a fresh database per test, the app on an injectable clock, and a
terminal chat driven in-process.

The database is SQLite in a temporary directory by default. Set
``TRADEGUARD_TEST_DATABASE_URL`` to a PostgreSQL server URL to run the same suite
there: each test then gets its own freshly created database on that server.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from bot.handlers.terminal import TerminalChat
from emulator import BotAPIEmulator
from storage.db import upgrade_database_async

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _postgres_url() -> str | None:
    return os.environ.get("TRADEGUARD_TEST_DATABASE_URL") or None


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    server = _postgres_url()
    if server is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    import asyncpg

    name = f"tg_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base, _sep, _db = server.rpartition("/")
    yield f"{base}/{name}"
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, dispute_team="900001", bot_token=None)


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    """The Bot API emulator on 127.0.0.1, for the tests that run a real framework."""
    from telegram_helpers import TOKEN

    async with BotAPIEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[App]:
    if not settings.is_sqlite:
        await upgrade_database_async(settings.database_url)
    application = await build_app(settings, clock=clock)
    yield application
    await application.close()


class ChatDriver:
    """Types into the terminal chat like a person and returns what appeared."""

    def __init__(self, app: App) -> None:
        self.buffer = io.StringIO()
        self.chat = TerminalChat(app, out=self.buffer)

    async def say(self, line: str) -> str:
        start = self.buffer.tell()
        await self.chat.handle_line(line)
        self.buffer.seek(start)
        text = self.buffer.read()
        return text

    def buttons(self) -> list[str]:
        return [button.label for button in self.chat.actor.buttons]

    def button_data(self, label_part: str) -> str:
        for button in self.chat.actor.buttons:
            if label_part.lower() in button.label.lower():
                return button.data
        raise AssertionError(f"no button like {label_part!r} in {self.buttons()}")

    async def press(self, label_part: str) -> str:
        labels = self.buttons()
        for number, label in enumerate(labels, start=1):
            if label_part.lower() in label.lower():
                return await self.say(str(number))
        raise AssertionError(f"no button like {label_part!r} in {labels}")


@pytest.fixture
def chat(app: App) -> ChatDriver:
    return ChatDriver(app)
