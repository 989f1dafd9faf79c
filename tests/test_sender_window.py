"""The push sender counts Telegram's window as Telegram does: by arrival. A request
arrives some time after it leaves, and that delay varies; spacing departures exactly
1/30 s apart lets two requests that left a second apart arrive closer than that, and
the 31st in a second is refused with a 429 that stops every push for a second."""

from __future__ import annotations

import asyncio
import random
import time

from bot.flows.replies import Reply
from bot.scheduler.errors import RetryAfter
from bot.scheduler.sender import RateLimitedDeliverer
from emulator.state import FloodControl
from storage.models import User


class JitteryTelegram:
    """Telegram's sliding windows (the emulator's), behind a network whose delay on the
    way there varies from 0 to 20 ms (seeded: the same delays every run)."""

    def __init__(self) -> None:
        self.flood = FloodControl(30, 1)
        self.delays = random.Random(18)
        self.refused = 0
        self.accepted: list[tuple[int, float]] = []

    async def deliver(self, user: User, reply: Reply) -> None:
        await asyncio.sleep(self.delays.uniform(0, 0.02))
        now = time.monotonic()
        wait = self.flood.check(user.telegram_id, now)
        if wait is not None:
            self.refused += 1
            raise RetryAfter(wait)
        self.flood.record(user.telegram_id, now)
        self.accepted.append((user.telegram_id, now))


async def test_pushes_at_the_limit_are_never_refused_when_the_network_delay_varies() -> None:
    telegram = JitteryTelegram()
    sender = RateLimitedDeliverer(telegram, per_second=30, per_chat_per_second=1)
    users = [User(telegram_id=n) for n in range(25)]
    for number in range(75):  # one after another, as the dispatcher sends
        await sender.deliver(users[number % len(users)], Reply(text=f"reminder {number}"))
    assert telegram.refused == 0 and sender.retry_after_waits == 0
    assert len(telegram.accepted) == 75


async def test_one_chat_at_its_limit_is_never_refused_either() -> None:
    telegram = JitteryTelegram()
    sender = RateLimitedDeliverer(telegram, per_second=30, per_chat_per_second=1)
    ann = User(telegram_id=1)
    await asyncio.gather(*(sender.deliver(ann, Reply(text=f"r{n}")) for n in range(4)))
    assert telegram.refused == 0 and [chat for chat, _at in telegram.accepted] == [1] * 4
