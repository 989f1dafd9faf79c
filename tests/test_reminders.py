"""Reminders with an injected clock: schedules, cancellation, catch-up after downtime,
quiet hours, exactly-once delivery across a crash, and flood limits."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from bot.flows.notices import RENDERERS, NoticeCtx
from bot.flows.replies import Reply
from bot.scheduler.dispatch import Dispatcher, interleave_chats
from bot.scheduler.errors import Blocked, RetryAfter
from bot.scheduler.quiet_hours import QuietHours
from bot.scheduler.sender import RateLimitedDeliverer
from bot.services import outbox, reminders
from storage.models import Reminder, User

PING = "test_ping"


@pytest.fixture(autouse=True)
def ping_renderer() -> None:
    async def render(ctx: NoticeCtx, reminder: Reminder) -> Reply:
        return Reply(text=f"ping {reminder.id} {reminder.payload}")

    RENDERERS[PING] = render


class Recorder:
    """A deliverer that remembers what reached which user."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def deliver(self, user: User, reply: Reply) -> None:
        self.sent.append((user.telegram_id, reply.text))


async def make_user(app: App, telegram_id: int, timezone: str = "UTC") -> User:
    async with app.sessions() as session, session.begin():
        user = User(
            telegram_id=telegram_id,
            display_name=f"u{telegram_id}",
            locale="en",
            timezone=timezone,
            created_at=app.clock.now(),
        )
        session.add(user)
    return user


def dispatcher(app: App, deliverer: object, quiet: str | None = None) -> Dispatcher:
    return Dispatcher(
        app.sessions,
        app.clock,
        deliverer,
        app.secret,  # type: ignore[arg-type]
        quiet_hours=QuietHours.parse(quiet) if quiet else None,
    )


async def statuses(app: App) -> Counter[str]:
    async with app.sessions() as session:
        rows = (await session.scalars(select(Reminder.status))).all()
    return Counter(str(status) for status in rows)


async def test_claim_window_reminders_come_7_3_1_days_before_and_on_the_day(
    app: App, clock: FrozenClock
) -> None:
    buyer = await make_user(app, 501)
    deadline = clock.now() + timedelta(days=30)
    async with app.sessions() as session, session.begin():
        created = await reminders.schedule_claim_window(
            session, order_id=1, buyer_id=buyer.id, deadline=deadline, now=clock.now()
        )
        again = await reminders.schedule_claim_window(
            session, order_id=1, buyer_id=buyer.id, deadline=deadline, now=clock.now()
        )
    assert (created, again) == (4, 0)  # scheduling twice adds nothing
    async with app.sessions() as session:
        rows = (await session.scalars(select(Reminder).order_by(Reminder.due_at))).all()
    before = [(deadline - row.due_at) for row in rows]
    assert before == [timedelta(days=7), timedelta(days=3), timedelta(days=1), timedelta(hours=12)]
    assert all(row.expires_at == deadline for row in rows)


async def test_supplier_reminders_are_cancelled_when_the_dispute_is_answered(
    app: App, clock: FrozenClock
) -> None:
    buyer, supplier = await make_user(app, 601), await make_user(app, 602)
    now = clock.now()
    async with app.sessions() as session, session.begin():
        await reminders.schedule_supplier_response(
            session,
            dispute_id=9,
            buyer_id=buyer.id,
            supplier_user_id=supplier.id,
            submitted_at=now,
            response_due_at=now + timedelta(days=5),
            auto_escalate_at=None,
            now=now,
        )
    assert (await statuses(app))["pending"] == 3  # day 3, day 4, expiry notice
    async with app.sessions() as session, session.begin():
        cancelled = await reminders.cancel_supplier_response(session, dispute_id=9)
    assert cancelled == 3
    assert (await statuses(app)) == Counter({"cancelled": 3})


async def test_catch_up_sends_what_fell_due_and_drops_what_expired(
    app: App, clock: FrozenClock
) -> None:
    user = await make_user(app, 701)
    now = clock.now()
    async with app.sessions() as session, session.begin():
        for hours in (1, 2, 3):
            await outbox.enqueue(
                session,
                kind=PING,
                recipient_id=user.id,
                now=now,
                due_at=now + timedelta(hours=hours),
                urgent=True,
            )
        # A claim-window reminder whose window closes before the process comes back.
        await outbox.enqueue(
            session,
            kind=PING,
            recipient_id=user.id,
            now=now,
            urgent=True,
            due_at=now + timedelta(hours=4),
            expires_at=now + timedelta(hours=5),
        )
    recorder = Recorder()
    clock.advance(timedelta(hours=10))  # the process was down all this time
    sent = await dispatcher(app, recorder).dispatch_due()
    assert sent == 3
    assert (await statuses(app)) == Counter({"sent": 3, "dropped": 1})


async def test_quiet_hours_hold_non_urgent_reminders_until_morning_in_the_users_zone(
    app: App, clock: FrozenClock
) -> None:
    # 09:00 UTC is 23:00 in Honolulu (UTC-10) and 17:00 in Shanghai.
    night_owl = await make_user(app, 801, timezone="Pacific/Honolulu")
    awake = await make_user(app, 802, timezone="Asia/Shanghai")
    now = clock.now()
    async with app.sessions() as session, session.begin():
        for user in (night_owl, awake):
            await outbox.enqueue(session, kind=PING, recipient_id=user.id, now=now, due_at=now)
        await outbox.enqueue(
            session, kind=PING, recipient_id=night_owl.id, now=now, due_at=now, urgent=True
        )
    recorder = Recorder()
    job = dispatcher(app, recorder, quiet="22:00-08:00")
    assert await job.dispatch_due() == 2
    assert sorted(tg for tg, _text in recorder.sent) == [801, 802]  # urgent + awake
    async with app.sessions() as session:
        held = await session.scalar(select(Reminder).where(Reminder.status == "pending"))
    assert held is not None
    assert held.due_at == now + timedelta(hours=9)  # 08:00 in Honolulu is 18:00 UTC
    clock.advance(timedelta(hours=9))
    assert await job.dispatch_due() == 1


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it."""


class CrashingDeliverer(Recorder):
    def __init__(self, crash_after: int) -> None:
        super().__init__()
        self.crash_after = crash_after

    async def deliver(self, user: User, reply: Reply) -> None:
        if len(self.sent) == self.crash_after:
            self.sent.append((user.telegram_id, reply.text))  # Telegram got it...
            raise Crash  # ...and the process died before marking it sent
        self.sent.append((user.telegram_id, reply.text))


async def test_a_dispatcher_killed_mid_batch_loses_nothing_and_repeats_at_most_one(
    app: App, clock: FrozenClock
) -> None:
    users = [await make_user(app, 900 + n) for n in range(20)]
    now = clock.now()
    async with app.sessions() as session, session.begin():
        for user in users:
            await outbox.enqueue(
                session, kind=PING, recipient_id=user.id, now=now, due_at=now, urgent=True
            )
    first = CrashingDeliverer(crash_after=7)
    with pytest.raises(Crash):
        await dispatcher(app, first).dispatch_due()

    clock.advance(timedelta(minutes=5))  # restart after the claim lease ran out
    second = Recorder()
    await dispatcher(app, second).dispatch_due()
    deliveries = Counter(tg for tg, _text in first.sent + second.sent)
    assert set(deliveries) == {user.telegram_id for user in users}  # none lost
    assert sum(count - 1 for count in deliveries.values()) <= 1  # at most the one in flight
    assert (await statuses(app)) == Counter({"sent": 20})


async def test_a_user_who_blocked_the_bot_is_marked_unreachable(app: App, clock: FrozenClock):
    user = await make_user(app, 1001)

    class Blocking:
        async def deliver(self, user: User, reply: Reply) -> None:
            raise Blocked("Forbidden: bot was blocked by the user")

    async with app.sessions() as session, session.begin():
        for _ in range(2):
            await outbox.notify_now(session, kind=PING, recipient_id=user.id, now=clock.now())
    await dispatcher(app, Blocking()).dispatch_due()
    async with app.sessions() as session:
        stored = await session.get(User, user.id)
    assert stored is not None and stored.unreachable
    assert (await statuses(app)) == Counter({"failed": 2})


async def test_the_sender_keeps_per_chat_and_overall_limits_and_waits_out_429() -> None:
    stamps: list[tuple[int, float]] = []
    flooded = {"left": 1}

    class Fast:
        async def deliver(self, user: User, reply: Reply) -> None:
            if flooded["left"]:
                flooded["left"] -= 1
                raise RetryAfter(0.3)
            stamps.append((user.telegram_id, time.monotonic()))

    sender = RateLimitedDeliverer(Fast(), per_second=20, per_chat_per_second=4)
    users = [User(telegram_id=n) for n in range(10)]
    jobs = [sender.deliver(user, Reply(text="x")) for user in users for _ in range(3)]
    await asyncio.gather(*jobs)
    assert len(stamps) == 30 and sender.retry_after_waits == 1
    for chat in range(10):
        times = sorted(t for tg, t in stamps if tg == chat)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.25 * 0.9  # 4 a second per chat, never faster
    times = sorted(t for _tg, t in stamps)
    for index in range(len(times) - 20):
        assert times[index + 20] - times[index] >= 0.95  # never 21 within a second


def test_a_batch_takes_one_row_per_recipient_per_round_in_each_recipients_order() -> None:
    ann, bob, cy = (User(id=n, telegram_id=n) for n in (1, 2, 3))
    batch = [(1, ann, Reply("a1")), (2, ann, Reply("a2")), (3, ann, Reply("a3"))]
    batch += [(4, bob, Reply("b1")), (5, cy, Reply("c1")), (6, bob, Reply("b2"))]
    assert [row[0] for row in interleave_chats(batch)] == [1, 4, 5, 2, 6, 3]
