"""Webhook mode: only Telegram (the holder of the secret token) is heard, and an update
delivered twice (Telegram retries, or two workers) is handled once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import aiohttp
import pytest
from sqlalchemy import func, select
from telegram_helpers import (
    RUNTIMES,
    TOKEN,
    WEBHOOK_SECRET,
    Person,
    bot_settings,
    free_port,
    running,
)

from bot.app import App, build_app
from bot.clock import FrozenClock
from bot.config import ConfigError, Settings, load_settings
from bot.handlers.lifecycle import SECRET_HEADER, Plan
from bot.handlers.runtime import create_runtime, plan_for
from emulator import BotAPIEmulator
from storage.models import ProcessedUpdate

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=RUNTIMES)
def runtime_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, emu: BotAPIEmulator, runtime_name: str) -> Settings:
    return bot_settings(database_url, emu, runtime_name)


def message_update(emu: BotAPIEmulator, person: Person, update_id: int, text: str) -> dict:
    """An update as Telegram would post it (the chat must exist in the emulator)."""
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10_000 + update_id,
            "from": person.user.to_dict(),
            "chat": emu.chat(person.id).to_dict(),
            "date": int(time.time()),
            "text": text,
            **({"entities": entities} if text.startswith("/") else {}),
        },
    }


async def post(url: str, update: dict, secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=update, headers=headers) as response,
    ):
        return response.status


async def processed_count(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_a_request_without_the_secret_is_refused_and_changes_nothing(
    app: App, emu: BotAPIEmulator, settings: Settings
) -> None:
    async with running(app, "webhook"):
        assert emu.webhook_info()["url"] == settings.webhook_url
        mallory = Person(emu, 2001, "Mallory")
        forged = message_update(emu, mallory, 5000, "/help")
        url = settings.webhook_url
        assert url is not None

        assert await post(url, forged, None) == 401
        assert await post(url, forged, "guess") == 403
        await asyncio.sleep(0.2)
        assert emu.bot_messages(mallory.id) == []
        assert await processed_count(app) == 0  # the update id is still free

        # The same update with the right secret is handled: nothing had been recorded.
        assert await post(url, forged, WEBHOOK_SECRET) == 200
        reply = await mallory.next()
        assert "What I can do" in reply["text"]


async def test_an_update_delivered_twice_is_handled_once(app: App, emu: BotAPIEmulator) -> None:
    async with running(app, "webhook"):
        carol = Person(emu, 2002, "Carol")
        prompt = await carol.say("/profile")
        assert "Step 1 of 2" in prompt["text"]

        # Telegram retries a delivery it thinks failed: the same update id comes again.
        update = message_update(emu, carol, 700, "DE")
        update["message"].pop("entities", None)
        emu.inject_update(update)
        zone = await carol.next()
        assert "Step 2 of 2" in zone["text"]
        emu.inject_update(update)  # a replay of update 700
        await emu.wait_idle()
        await asyncio.sleep(0.2)

        # Handled twice, "DE" would have been refused as a time zone.
        assert [d.update_id for d in emu.webhook_deliveries].count(700) == 2
        assert emu.bot_messages(carol.id)[-1]["message_id"] == zone["message_id"]
        assert not emu.errors, list(emu.errors)


async def test_a_duplicate_is_dropped_across_workers(
    app: App, emu: BotAPIEmulator, settings: Settings, clock: FrozenClock
) -> None:
    # A second worker process: its own app and server, the same database.
    other_settings = settings.model_copy(update={"webhook_port": free_port(), "webhook_url": None})
    other_app = await build_app(other_settings, clock=clock)
    try:
        async with (
            running(app, "webhook"),
            create_runtime(other_app, Plan.webhook_worker()),
        ):
            dave = Person(emu, 2003, "Dave")
            update = message_update(emu, dave, 900, "/help")
            first = f"http://127.0.0.1:{settings.webhook_port}{settings.webhook_path}"
            second = f"http://127.0.0.1:{other_settings.webhook_port}{settings.webhook_path}"
            statuses = await asyncio.gather(
                post(first, update, WEBHOOK_SECRET), post(second, update, WEBHOOK_SECRET)
            )
            assert statuses == [200, 200]
            await dave.next()
            await asyncio.sleep(0.2)
            assert len(emu.bot_messages(dave.id)) == 1
            assert await processed_count(app) == 1
    finally:
        await other_app.close()


def test_webhook_mode_demands_a_url_and_a_secret() -> None:
    run = SimpleNamespace(command="run", webhook=True, workers=1)
    # Only checked, never opened: SQLite, to see that several workers are refused on it.
    base = {"database_url": "sqlite+aiosqlite:///unused.db", "bot_token": TOKEN}
    with pytest.raises(ConfigError) as missing_secret:
        plan_for(load_settings(**base, webhook_url="https://bot.example.com/hook"), run)
    assert str(missing_secret.value).startswith("TRADEGUARD_WEBHOOK_SECRET is not set")
    with pytest.raises(ConfigError) as missing_url:
        plan_for(load_settings(**base, webhook_secret=WEBHOOK_SECRET), run)
    assert str(missing_url.value).startswith("TRADEGUARD_WEBHOOK_URL is not set")
    with pytest.raises(ConfigError) as bad_secret:
        plan_for(
            load_settings(**base, webhook_url="https://x.example/h", webhook_secret="a b"), run
        )
    assert str(bad_secret.value).startswith("TRADEGUARD_WEBHOOK_SECRET:")
    several = SimpleNamespace(command="run", webhook=True, workers=4)
    complete = load_settings(
        **base, webhook_url="https://x.example/h", webhook_secret=WEBHOOK_SECRET
    )
    with pytest.raises(ConfigError, match="several workers need PostgreSQL"):
        plan_for(complete, several)
    assert plan_for(complete, run) == Plan.webhook()
    for error in (missing_secret, missing_url, bad_secret):
        assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["run"], {}, "tradeguard: TRADEGUARD_BOT_TOKEN is not set"),
        (
            ["run", "--webhook"],
            {"TRADEGUARD_BOT_TOKEN": TOKEN, "TRADEGUARD_WEBHOOK_URL": "https://x.example/h"},
            "tradeguard: TRADEGUARD_WEBHOOK_SECRET is not set",
        ),
    ],
)
def test_the_run_command_says_what_is_missing_in_one_line(
    argv: list[str], env: dict[str, str], expected: str, tmp_path: object
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        env={**clean, **env},
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
