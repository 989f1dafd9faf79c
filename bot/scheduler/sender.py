"""A deliverer wrapper that keeps within Telegram's flood limits.

Telegram counts its limits (about 30 messages a second for the whole bot, about one a
second per chat) over sliding windows of arrival times, and a request arrives some
varying time after it leaves. Spacing departures alone (a leaky bucket) lets two
requests that left a second apart arrive closer than that, and the refused one stops
every push for the ``retry_after`` second. So each limit is also an ``ArrivalWindow``:
a send waits a full window after the *response* to the send that many places before
it, and a request always arrives before its response. That costs one round trip per
window (30 per 1.005 s at 5 ms), where a 429 costs a second.

A 429 is still waited out and retried; the wait is shared, because Telegram's
``retry_after`` applies to the bot, not to one message.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter

from bot.flows.replies import Reply
from bot.scheduler.dispatch import Deliverer
from bot.scheduler.errors import RetryAfter
from storage.models import User

SPREAD = 1.06  # the bucket's rate over the window's, see __init__
MAX_CHAT_LIMITERS = 10_000  # least recently used chats' windows are forgotten


class _Send:
    __slots__ = ("answered", "at")

    def __init__(self) -> None:
        self.at = time.monotonic()
        self.answered = asyncio.Event()


class ArrivalWindow:
    """At most ``count`` sends in any ``seconds`` as the receiver counts them (by arrival).

    The last ``count`` sends are kept with the time their response came back; a new send
    waits until the oldest of them has been answered and is a full window old. Callers
    queue in order on the lock, so concurrent sends to one chat go one after another.
    """

    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self._sends: deque[_Send] = deque()
        self._lock = asyncio.Lock()

    @classmethod
    def for_rate(cls, per_second: float) -> ArrivalWindow:
        if per_second >= 1:
            return cls(math.floor(per_second), 1.0)
        return cls(1, 1.0 / per_second)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._lock:
            while len(self._sends) >= self.count:
                oldest = self._sends[0]
                await oldest.answered.wait()  # in flight: its arrival is still unknown
                wait = oldest.at + self.seconds - time.monotonic()
                if wait <= 0:
                    self._sends.popleft()
                else:
                    await asyncio.sleep(wait)
            send = _Send()
            self._sends.append(send)
        try:
            yield
        finally:
            send.at = time.monotonic()  # the response is in: the request arrived before
            send.answered.set()


class RateLimitedDeliverer:
    def __init__(
        self,
        inner: Deliverer,
        per_second: float = 30.0,
        per_chat_per_second: float = 1.0,
        max_retry_after_waits: int = 3,
    ) -> None:
        self.inner = inner
        # The window is the limit; the bucket only spreads a second's sends over it (no
        # burst of N at once). It runs a little faster than the limit because each wait
        # of its own overshoots by the loop's latency and those add up: at exactly N a
        # second the bucket, not Telegram, would hold the rate at ~N * 0.96.
        self.overall = AsyncLimiter(1, 1.0 / (per_second * SPREAD))
        self.overall_window = ArrivalWindow.for_rate(per_second)
        # Per chat the window alone: one message per 1/rate seconds after the last answer.
        self.per_chat_rate = per_chat_per_second
        self.chats: OrderedDict[int, ArrivalWindow] = OrderedDict()
        self.max_retry_after_waits = max_retry_after_waits
        self._paused_until = 0.0
        self.retry_after_waits = 0  # how many 429s were waited out (for benchmarks)

    def _chat_window(self, chat_id: int) -> ArrivalWindow:
        limiter = self.chats.pop(chat_id, None)
        if limiter is None:
            # One message per 1/rate seconds, with no burst allowance.
            limiter = ArrivalWindow(1, 1.0 / self.per_chat_rate)
        self.chats[chat_id] = limiter
        while len(self.chats) > MAX_CHAT_LIMITERS:
            self.chats.popitem(last=False)
        return limiter

    async def deliver(self, user: User, reply: Reply) -> None:
        for attempt in range(self.max_retry_after_waits + 1):
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            chat = self._chat_window(user.telegram_id)
            async with chat.slot(), self.overall, self.overall_window.slot():
                try:
                    await self.inner.deliver(user, reply)
                    return
                except RetryAfter as exc:
                    if attempt == self.max_retry_after_waits:
                        raise
                    self.retry_after_waits += 1
                    self._paused_until = max(self._paused_until, time.monotonic() + exc.seconds)
