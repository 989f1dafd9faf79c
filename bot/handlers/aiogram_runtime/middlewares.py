"""Cross-cutting concerns of the aiogram runtime.

* ``UpdateGateMiddleware`` (outer, on every update): per-user order, update-id
  idempotency, in-flight tracking and the outbox kick, via ``telegram_common.UpdateGate``.
* ``RetryAfterOnce`` (on the bot's HTTP session): a 429 is waited out and the call
  made once more, so a reply to the user still arrives during a flood wait.
* ``KeepResponseModels`` (on the bot's HTTP session): keeps aiogram's response models
  alive, so they are not rebuilt after every garbage collection (see the class).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

from bot.handlers.telegram_common import UpdateGate

log = logging.getLogger(__name__)


class UpdateGateMiddleware(BaseMiddleware):
    def __init__(self, gate: UpdateGate) -> None:
        self.gate = gate

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        user = data.get("event_from_user")  # set by aiogram's own user-context middleware
        return await self.gate.run(
            event.update_id, user.id if user is not None else None, handler(event, data)
        )


class KeepResponseModels(BaseRequestMiddleware):
    """A strong reference to ``Response[T]`` for every method the bot has called.

    aiogram parses each Bot API answer with ``Response[method.__returning__]``, a
    parametrised pydantic generic. pydantic 2 caches those classes in a
    ``WeakValueDictionary``; a model class sits in reference cycles, so the next garbage
    collection frees it and the next call builds it again: about 90 ms of CPU on the
    event loop, many times a minute under load (18% of the bot's CPU and most of its p99
    in bench/README.md, issue 18, third round). Holding each class here keeps pydantic's
    cache entry alive for the life of the process; the dictionary holds one class per
    return type, a few dozen at most.
    """

    def __init__(self) -> None:
        self._models: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class RetryAfterOnce(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            log.info(
                "flood control on %s: retrying once in %ss",
                type(method).__name__,
                error.retry_after,
            )
            await asyncio.sleep(error.retry_after)
            return await make_request(bot, method)
