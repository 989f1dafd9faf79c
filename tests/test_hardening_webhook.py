"""The webhook endpoint against requests that are not Telegram's updates: no secret or a
wrong one, a body too large, bytes that are not JSON, JSON that is not an update. Each
is refused before anything is recorded: no ``processed_updates`` row (the update id stays
free for the real update), no user, no Bot API call. Both runtimes, since each feeds the
shared endpoint to its own framework.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from telegram_helpers import RUNTIMES, WEBHOOK_SECRET, Person, bot_settings, running

from bot.app import App
from bot.config import Settings
from bot.handlers.lifecycle import SECRET_HEADER
from emulator import BotAPIEmulator
from storage.models import ProcessedUpdate, User
from tests.hardening_helpers import Records, recording, report

pytestmark = pytest.mark.timeout(60)

UPDATE_ID = 5000
# Telegram methods a handled update would call; none may be called for a refused one.
REPLY_METHODS = ("sendMessage", "editMessageText", "sendDocument", "answerCallbackQuery")


@pytest.fixture(params=RUNTIMES)
def runtime_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, emu: BotAPIEmulator, runtime_name: str) -> Settings:
    return bot_settings(database_url, emu, runtime_name)


def message(emu: BotAPIEmulator, person: Person, text: str) -> dict[str, Any]:
    return {
        "message_id": 10_000,
        "from": person.user.to_dict(),
        "chat": emu.chat(person.id).to_dict(),
        "date": 1_790_000_000,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }


def requests(emu: BotAPIEmulator, person: Person) -> list[tuple[str, dict[str, str], bytes, int]]:
    """(what, headers, body, expected status) for everything that is not an update."""
    good = json.dumps({"update_id": UPDATE_ID, "message": message(emu, person, "/help")}).encode()
    secret = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    huge = b'{"update_id": 1, "message": {"text": "' + b"x" * (2 * 1024 * 1024) + b'"}}'

    def body(value: Any) -> bytes:
        return json.dumps(value).encode()

    no_chat = {"message_id": 1, "date": 0, "text": "/help"}
    return [
        ("no secret", {}, good, 401),
        ("wrong secret", {SECRET_HEADER: "guess"}, good, 403),
        ("empty secret", {SECRET_HEADER: ""}, good, 403),
        ("secret cut short", {SECRET_HEADER: WEBHOOK_SECRET[:-1]}, good, 403),
        ("secret with more", {SECRET_HEADER: WEBHOOK_SECRET + "x"}, good, 403),
        ("secret in other case", {SECRET_HEADER: WEBHOOK_SECRET.swapcase()}, good, 403),
        ("huge body, no secret", {}, huge, 401),
        ("huge body", secret, huge, 413),
        ("not JSON", secret, b"{", 400),
        ("binary", secret, b"\xff\xfe\x00\x01", 400),
        ("empty body", secret, b"", 400),
        ("deeply nested", secret, b"[" * 100_000 + b"]" * 100_000, 400),
        ("null", secret, b"null", 400),
        ("a list", secret, body([{"update_id": UPDATE_ID}]), 400),
        ("a string", secret, body("update"), 400),
        ("a number", secret, body(UPDATE_ID), 400),
        ("no update id", secret, body({"message": message(emu, person, "/help")}), 400),
        (
            "id as text",
            secret,
            body({"update_id": str(UPDATE_ID), "message": message(emu, person, "/help")}),
            400,
        ),
        (
            "id as true",
            secret,
            body({"update_id": True, "message": message(emu, person, "/help")}),
            400,
        ),
        ("id as float", secret, body({"update_id": UPDATE_ID + 0.5}), 400),
        (
            "negative id",
            secret,
            body({"update_id": -1, "message": message(emu, person, "/help")}),
            400,
        ),
        (
            "id too large",
            secret,
            body({"update_id": 2**64, "message": message(emu, person, "/help")}),
            400,
        ),
        ("message as text", secret, body({"update_id": UPDATE_ID, "message": "/help"}), 400),
        ("press as a list", secret, body({"update_id": UPDATE_ID, "callback_query": []}), 400),
        ("message without chat", secret, body({"update_id": UPDATE_ID, "message": no_chat}), 400),
        ("nothing in it", secret, body({"update_id": UPDATE_ID}), 200),
        (
            "a kind not asked for",
            secret,
            body({"update_id": UPDATE_ID, "edited_message": message(emu, person, "/help")}),
            200,
        ),
    ]


async def post(url: str, headers: dict[str, str], data: bytes) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=data, headers=headers) as response,
    ):
        return response.status


async def count(app: App, model: type[Any]) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_requests_that_are_not_telegram_updates_leave_no_trace(
    app: App, emu: BotAPIEmulator, settings: Settings
) -> None:
    url = settings.webhook_url
    assert url is not None
    with recording(logging.INFO) as records:
        async with running(app, "webhook"):
            mallory = Person(emu, 2101, "Mallory")
            refused = 0
            for what, headers, data, expected in requests(emu, mallory):
                start = len(records.records)
                status = await post(url, headers, data)
                assert status == expected, (what, status)
                await asyncio.sleep(0)  # anything the request started would run now
                assert await count(app, ProcessedUpdate) == 0, what
                assert await count(app, User) == 0, what
                assert all(not emu.calls(method) for method in REPLY_METHODS), what
                assert not records.errors_since(start), what
                if status in (401, 403):  # someone who found the URL: worth a warning
                    assert any(r.levelno == logging.WARNING for r in logged(records, start))
                refused += 1
            await asyncio.sleep(0.2)
            assert emu.bot_messages(mallory.id) == []

            # The endpoint still serves Telegram, and update 5000 was never taken.
            good = requests(emu, mallory)[0][2]
            assert await post(url, {SECRET_HEADER: WEBHOOK_SECRET}, good) == 200
            assert "What I can do" in (await mallory.next())["text"]
            assert await count(app, ProcessedUpdate) == 1
    report("webhook", {"requests_refused": refused, "runtimes": 1})


def logged(records: Records, start: int) -> list[logging.LogRecord]:
    return [r for r in records.since(start) if r.name == "bot.handlers.lifecycle"]
