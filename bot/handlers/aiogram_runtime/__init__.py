"""The aiogram 3 runtime (the default): long polling, or the shared webhook server.

``Bot`` talks to ``TRADEGUARD_API_BASE`` (Telegram, a local Bot API server, or the test
emulator) through an aiohttp session that waits out one 429; the dispatcher gets the
gate middleware and two routers, and the bridge and port as workflow data.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram import Dispatcher as AiogramDispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.utils.token import TokenValidationError

from bot.config import ENV_PREFIX, ConfigError
from bot.handlers.aiogram_runtime.middlewares import (
    KeepResponseModels,
    RetryAfterOnce,
    UpdateGateMiddleware,
)
from bot.handlers.aiogram_runtime.port import AiogramPort
from bot.handlers.aiogram_runtime.routers import messages_router, presses_router
from bot.handlers.lifecycle import Plan, TelegramRuntime
from bot.handlers.telegram_common import ALLOWED_UPDATES

log = logging.getLogger(__name__)

__all__ = ["AiogramRuntime", "create_bot"]


def create_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    session.middleware(KeepResponseModels())
    session.middleware(RetryAfterOnce())
    try:
        return Bot(token=token, session=session)
    except TokenValidationError:
        raise ConfigError(
            f"{ENV_PREFIX}BOT_TOKEN: not a bot token (expected digits:letters from @BotFather)"
        ) from None


class AiogramRuntime(TelegramRuntime):
    framework = "aiogram"

    def __init__(self, app: Any, plan: Plan) -> None:
        super().__init__(app, plan)
        self.bot: Bot | None = None
        self._port: AiogramPort | None = None
        self.dp: AiogramDispatcher | None = None
        self._polling_task: asyncio.Task[None] | None = None

    @property
    def port(self) -> AiogramPort:
        assert self._port is not None, "the runtime is not started"
        return self._port

    async def _open(self) -> None:
        self.bot = create_bot(self.token, self.settings.api_base)
        self._port = AiogramPort(self.bot)
        # No aiogram FSM: conversation state lives in the database (bot.flows). Its
        # in-memory storage would keep a record per user for ever and cost each update a
        # middleware and a lock.
        dp = AiogramDispatcher(disable_fsm=True, bridge=self.bridge, port=self._port)
        dp.update.outer_middleware(UpdateGateMiddleware(self.gate))
        dp.include_routers(messages_router(), presses_router())
        self.dp = dp

    async def _start_polling(self) -> None:
        assert self.dp is not None and self.bot is not None
        self._polling_task = asyncio.get_running_loop().create_task(
            self.dp.start_polling(
                self.bot,
                allowed_updates=ALLOWED_UPDATES,
                handle_signals=False,  # run_runtime owns the signals
                close_bot_session=False,  # closed after the updates in hand finish
            )
        )
        self._polling_task.add_done_callback(lambda _task: self.stopped.set())

    async def _stop_polling(self) -> None:
        if self._polling_task is None:
            return
        task, self._polling_task = self._polling_task, None
        if not task.done():
            try:
                await self.dp.stop_polling()  # type: ignore[union-attr]
            except RuntimeError:  # polling had not started yet
                task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _feed(self, update: dict[str, Any]) -> None:
        assert self.dp is not None and self.bot is not None
        await self.dp.feed_raw_update(self.bot, update)

    async def _close(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
