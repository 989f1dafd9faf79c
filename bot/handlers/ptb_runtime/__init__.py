"""The python-telegram-bot 22 runtime (TRADEGUARD_RUNTIME=ptb), same flows, same rules.

Built with PTB's ``Application``: base URLs from ``TRADEGUARD_API_BASE``,
``AIORateLimiter`` (waits out a 429 once, and holds every request while it waits), and
``GateProcessor`` around every update.
Long polling uses PTB's ``Updater``. PTB's own webhook server needs tornado, which is
not installed; the shared aiohttp ``WebhookServer`` feeds updates through the same
processor instead.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.handlers.lifecycle import Plan, TelegramRuntime, redact_token
from bot.handlers.ptb_runtime.handlers import GateProcessor, add_handlers
from bot.handlers.ptb_runtime.port import PtbPort, translated_errors
from bot.handlers.telegram_common import ALLOWED_UPDATES

log = logging.getLogger(__name__)

__all__ = ["PtbRuntime", "build_application", "reply_rate_limiter"]

# PTB's bot logs its base URL, token included, at DEBUG when it is created.
PTB_BOT_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot")


def build_application(
    token: str, settings: Any, processor: GateProcessor, *, polling: bool
) -> Application:
    redact_token(token, PTB_BOT_LOGGERS)
    base = settings.api_base
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .rate_limiter(reply_rate_limiter())
        .concurrent_updates(processor)
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def reply_rate_limiter() -> AIORateLimiter:
    """PTB's limiter for what this bot sends: no overall budget, a 429 waited out once.

    Replies answer a user who just wrote and are not throttled, as on the aiogram
    runtime: a reply held behind a 30/s budget shared with pushes made every user wait
    for the broadcast (this runtime was capped at ~27 updates/s). Pushes (reminders,
    claims for the other party) keep 30/s overall and 1/s per chat in the outbox's
    ``RateLimitedDeliverer``, the same on both runtimes. A 429 still pauses every request
    of the bot for the ``retry_after`` Telegram gives (PTB's limiter does that), and
    group chats, which the bot ignores, keep PTB's default 20 a minute.
    """
    return AIORateLimiter(overall_max_rate=0, max_retries=1)


class PtbRuntime(TelegramRuntime):
    framework = "python-telegram-bot"

    def __init__(self, app: Any, plan: Plan) -> None:
        super().__init__(app, plan)
        self.application: Application | None = None
        self._port: PtbPort | None = None
        self._started = False

    @property
    def port(self) -> PtbPort:
        assert self._port is not None, "the runtime is not started"
        return self._port

    async def _open(self) -> None:
        application = build_application(
            self.token, self.settings, GateProcessor(self.gate), polling=self.plan.poll
        )
        self._port = PtbPort(application.bot)
        add_handlers(application, self.bridge, self._port)
        self.application = application
        async with translated_errors():
            await application.initialize()  # getMe: checks the token
        await application.start()
        self._started = True

    async def _start_polling(self) -> None:
        assert self.application is not None and self.application.updater is not None
        async with translated_errors():
            await self.application.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                error_callback=self._polling_error,
            )

    def _polling_error(self, error: Exception) -> None:
        log.warning("polling for updates failed: %s: %s", type(error).__name__, error)

    async def _stop_polling(self) -> None:
        assert self.application is not None and self.application.updater is not None
        if self.application.updater.running:
            await self.application.updater.stop()

    async def _feed(self, update: dict[str, Any]) -> None:
        assert self.application is not None
        application = self.application
        parsed = Update.de_json(update, application.bot)
        # Through the processor, as a polled update would go, and awaited: the webhook
        # answers once the update was handled.
        await application.update_processor.process_update(
            parsed, application.process_update(parsed)
        )

    async def _close(self) -> None:
        if self.application is None:
            return
        application, self.application = self.application, None
        if self._started:
            self._started = False
            await application.stop()
        await application.shutdown()
        # After a failed initialize() (a refused token) only the bot's clients are open.
        await application.bot.shutdown()
