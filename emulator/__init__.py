"""A local Telegram Bot API emulator for end-to-end tests and benchmarks.

The real frameworks talk to it over HTTP, so handlers, filters, keyboards, parse modes and
file transfers are exercised exactly as in production, without reaching Telegram::

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from emulator import BotAPIEmulator

    async with BotAPIEmulator(token="123456:TEST") as emu:
        # aiogram:  AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
        # PTB:      .base_url(f"{emu.base_url}/bot").base_file_url(f"{emu.base_url}/file/bot")
        alice = emu.user(1001, first_name="Alice", language_code="en")
        await emu.send_text(alice, "/start")
        welcome = await emu.wait_for_message(alice.id)          # the bot's reply
        await emu.press(alice, welcome, "menu:orders")          # its inline button
        edited = await emu.wait_for_message(alice.id)           # the edit that followed
        answer = await emu.wait_for_request("answerCallbackQuery")
        assert not emu.errors                                   # no 4xx/5xx answers so far

Waiting without races: every bot message that is sent, edited or deleted becomes a
``BotEvent`` with a global sequence number. ``wait_for_message(chat_id)`` returns the first
event newer than both the last user action (``send_text``, ``press``, ``inject_update``...)
and the last event it already returned for that chat, so a reply that arrived before the
call is still found and successive calls walk through successive replies. For full control,
take ``c = emu.cursor()`` first and pass ``after=c``. ``wait_for_request(method)`` does the
same for API calls such as answerCallbackQuery or sendChatAction.

Inspection: ``emu.requests`` (method, params, monotonic time, HTTP status), ``emu.calls(m)``,
``emu.errors``, ``emu.unknown_methods`` (answered 404 so nothing passes silently),
``emu.stats`` (a Counter: requests, ok, accepted, rejected_429, injected_failures,
updates_queued, webhook_delivered...), ``emu.chat(id).messages``, ``emu.callback_answers``,
``emu.commands[(scope, language)]``, ``emu.sent_documents(chat_id)``, ``emu.downloads``.

Webhooks: ``BotAPIEmulator(webhook_chat_order=False)`` lets several updates of one chat be
in flight at once; ``emu.redeliver(update_id)`` sends an update again (a Telegram retry);
``await emu.wait_delivered(update_id)`` waits until the bot answered its delivery, and
``emu.last_update_id`` is the id a user action just queued.

Failure injection: ``emu.rate_limit(30, 1)`` (429 with retry_after on send/edit methods),
``emu.fail_next("sendMessage", error_code=502)``, ``emu.block(chat_id)`` (403).

Run ``python -m emulator --port 8081`` to play with it by hand.
"""

from .formatting import EntityParseError, parse_html, parse_markdown_v2, parse_text
from .server import TINY_PNG, BotAPIEmulator
from .state import ApiError, BotEvent, Chat, RecordedRequest, StoredFile, User

__all__ = [
    "TINY_PNG",
    "ApiError",
    "BotAPIEmulator",
    "BotEvent",
    "Chat",
    "EntityParseError",
    "RecordedRequest",
    "StoredFile",
    "User",
    "parse_html",
    "parse_markdown_v2",
    "parse_text",
]
