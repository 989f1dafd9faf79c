"""PTB handlers and the update processor, each a thin call into the shared code.

``GateProcessor`` is PTB's hook around the processing of every update (polling or
webhook): it runs the update through ``telegram_common.UpdateGate`` (per-user order,
update-id idempotency, in-flight tracking, outbox kick), with up to 256 users' updates
in parallel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.handlers.telegram_common import Bridge, Port, UpdateGate

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256


class GateProcessor(BaseUpdateProcessor):
    def __init__(self, gate: UpdateGate, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(max_concurrent_updates)
        self.gate = gate

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        user = update.effective_user
        await self.gate.run(update.update_id, user.id if user is not None else None, coroutine)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def add_handlers(application: Application, bridge: Bridge, port: Port) -> None:
    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await bridge.on_message(port, update.message)

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await bridge.on_callback(port, update.callback_query)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        # One line, no traceback of the HTTP client: its frames could show request URLs.
        log.error("update %s failed: %s: %s", update_id, type(error).__name__, error)

    # New messages only: an edit of an old answer must not answer the step again.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    application.add_handler(CallbackQueryHandler(on_press))
    application.add_error_handler(on_error)
