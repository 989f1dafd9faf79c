"""Routers: messages and button presses, each a thin call into the shared bridge.

What a message means (text, file, sticker, too large...) is decided once, in
``telegram_common``, so both runtimes answer alike; the routers only route. They are
built per dispatcher (an aiogram router can be attached to one dispatcher only).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.handlers.telegram_common import Bridge, Port


def messages_router() -> Router:
    router = Router(name="messages")

    @router.message()
    async def on_message(message: Message, bridge: Bridge, port: Port) -> None:
        await bridge.on_message(port, message)

    return router


def presses_router() -> Router:
    router = Router(name="presses")

    @router.callback_query()
    async def on_press(query: CallbackQuery, bridge: Bridge, port: Port) -> None:
        await bridge.on_callback(port, query)

    return router
