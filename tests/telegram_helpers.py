"""Shared pieces of the Telegram runtime tests: the real runtime (aiogram or
python-telegram-bot) against the Bot API emulator on 127.0.0.1, and a person typing
and pressing buttons in a private chat."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import App
from bot.config import Settings, load_settings
from bot.handlers.lifecycle import Plan, TelegramRuntime
from bot.handlers.runtime import create_runtime
from emulator import BotAPIEmulator

# The part after the colon is the secret; the emulator takes the numeric prefix as bot id.
TOKEN = "123456:AAHsecretPart_never-in-logs"
TOKEN_SECRET = TOKEN.split(":", 1)[1]
WEBHOOK_SECRET = "hook_secret-42"
WEBHOOK_PATH = "/telegram/webhook"
TEAM_MEMBER = 900001
RUNTIMES = ("aiogram", "ptb")
MODES = ("polling", "webhook")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_settings(
    database_url: str, emu: BotAPIEmulator, runtime: str, **overrides: Any
) -> Settings:
    port = overrides.pop("webhook_port", None) or free_port()
    values: dict[str, Any] = {
        "database_url": database_url,
        "bot_token": TOKEN,
        "api_base": emu.base_url,
        "runtime": runtime,
        "dispute_team": str(TEAM_MEMBER),
        "webhook_url": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "webhook_secret": WEBHOOK_SECRET,
        "webhook_host": "127.0.0.1",
        "webhook_port": port,
        "webhook_path": WEBHOOK_PATH,
        "reminder_poll_seconds": 0.5,
    }
    values.update(overrides)
    return load_settings(**values)


def plan_for(mode: str) -> Plan:
    return {"polling": Plan.polling(), "webhook": Plan.webhook()}[mode]


@asynccontextmanager
async def running(app: App, mode: str = "polling") -> AsyncIterator[TelegramRuntime]:
    """The runtime of ``app.settings.runtime``, started in ``mode``, stopped afterwards."""
    async with create_runtime(app, plan_for(mode)) as runtime:
        yield runtime


def texts(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


class Person:
    """Someone in a private chat with the bot, as the emulator sees them."""

    def __init__(self, emu: BotAPIEmulator, user_id: int, name: str, language: str = "en") -> None:
        self.emu = emu
        self.user = emu.user(user_id, first_name=name, language_code=language)
        self.id = user_id

    async def say(self, text: str) -> dict:
        """Send ``text``; return the bot's next message (sent or edited) in this chat."""
        await self.emu.send_text(self.user, text)
        return await self.next()

    async def next(self, timeout: float = 5.0) -> dict:  # noqa: ASYNC109
        return await self.emu.wait_for_message(self.id, timeout=timeout)

    async def press(self, message: dict, label: str) -> dict:
        """Press the button labelled ``label`` under ``message``; return the query."""
        return await self.emu.press_button(self.user, message, label)

    async def wait_for(self, needle: str, timeout: float = 5.0) -> dict:  # noqa: ASYNC109
        """The next bot message containing ``needle`` (skipping others)."""
        return await self.emu.wait_for_message(
            self.id, lambda m: needle in texts(m), timeout=timeout
        )

    def labels(self, message: dict) -> list[str]:
        return [b["text"] for row in self.emu.buttons(message) for b in row]
