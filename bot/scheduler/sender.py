"""A deliverer wrapper that keeps within Telegram's flood limits.

Limits are aiolimiter leaky buckets: one for the whole bot (about 30 messages a second)
and one per chat (about one a second). A 429 is waited out and retried; the wait is
shared, because Telegram's ``retry_after`` applies to the bot, not to one message.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

from aiolimiter import AsyncLimiter

from bot.flows.replies import Reply
from bot.scheduler.dispatch import Deliverer
from bot.scheduler.errors import RetryAfter
from storage.models import User

MAX_CHAT_LIMITERS = 10_000  # least recently used chats' buckets are forgotten


class RateLimitedDeliverer:
    def __init__(
        self,
        inner: Deliverer,
        per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        max_retry_after_waits: int = 3,
    ) -> None:
        self.inner = inner
        # One message per 1/N seconds with no burst allowance: a bucket of N would let
        # up to 2N through in the first second, which Telegram (and the emulator) refuse.
        self.overall = AsyncLimiter(1, 1.0 / per_second)
        self.per_chat_rate = per_chat_per_second
        self.chats: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self.max_retry_after_waits = max_retry_after_waits
        self._paused_until = 0.0
        self.retry_after_waits = 0  # how many 429s were waited out (for benchmarks)

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self.chats.pop(chat_id, None)
        if limiter is None:
            # One message per 1/rate seconds, with no burst allowance.
            limiter = AsyncLimiter(1, 1.0 / self.per_chat_rate)
        self.chats[chat_id] = limiter
        while len(self.chats) > MAX_CHAT_LIMITERS:
            self.chats.popitem(last=False)
        return limiter

    async def deliver(self, user: User, reply: Reply) -> None:
        for attempt in range(self.max_retry_after_waits + 1):
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            async with self._chat_limiter(user.telegram_id), self.overall:
                try:
                    await self.inner.deliver(user, reply)
                    return
                except RetryAfter as exc:
                    if attempt == self.max_retry_after_waits:
                        raise
                    self.retry_after_waits += 1
                    self._paused_until = max(self._paused_until, time.monotonic() + exc.seconds)
