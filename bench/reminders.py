"""Benchmark 2: reminder dispatch under Telegram's flood limits, and finding due reminders.

**Dispatch.** N due reminders ("shipment overdue", one order each, spread over many
buyers) are pushed by the real scheduler process (``tradeguard scheduler``'s plan: the
outbox ``Dispatcher.for_app`` with ``TelegramDeliverer`` behind ``RateLimitedDeliverer``)
to the Bot API emulator, which enforces 30 messages/s overall and 1/s per chat and
answers 429 beyond. Measured: the sustained rate, the 429s received, duplicates (a
reminder seen twice by the emulator) and lost reminders (never received).

At the real limits 100,000 reminders take 56 minutes. So the default run does two things:
a real-limit run of ``--count`` reminders for about two minutes, and a *scaled* run in
which the emulator's limits and the sender's limits are both multiplied by ``--scale``
(10: 300/s overall, 10/s per chat) for the full 100,000. Every figure says its scale.
``--full-hour`` sends 100,000 at the real limits.

**Finding due reminders.** The dispatcher's claim query (pending rows due now, oldest
first, 200 at a time) timed among 1,000,000 pending rows, with the query plan.

    python -m bench.reminders              # about 8 minutes
    python -m bench.reminders --quick      # under a minute
    python -m bench.reminders --full-hour  # 100,000 at 30/s: about an hour
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select

from bench import seed
from bench.common import TOKEN, Run, fresh_database, latency_summary, parser, pin_to_cpu, table
from bench.load import DRIVER_CPU, bot_environment, bot_process, text_of
from bot.services.reminders import SHIPMENT_OVERDUE
from emulator import BotAPIEmulator
from storage.db import create_engine
from storage.models import OrderStatus, Reminder, ReminderStatus

RATE = 30.0  # Telegram: about 30 messages a second overall
PER_CHAT = 1.0  # and one a second per chat
TARGET_RATE = 29.0
TARGET_QUERY_MS = 50.0
RECIPIENTS = 2000  # buyers the reminders are spread over (round robin)
FIRST_RECIPIENT = 30_000_000
ORDER_IN_TEXT = re.compile(r"Order #(\d+)")


def arguments() -> Any:
    options = parser(__doc__.split("\n\n")[0])
    options.add_argument("--count", type=int, default=None, help="reminders at the real limits")
    options.add_argument("--scale", type=float, default=10.0, help="factor of the scaled run")
    options.add_argument(
        "--scaled-count", type=int, default=None, help="reminders in the scaled run (0: skip it)"
    )
    options.add_argument("--pending-rows", type=int, default=None, help="for the due query")
    options.add_argument(
        "--full-hour", action="store_true", help="100,000 reminders at the real limits"
    )
    return options.parse_args()


def daytime_zone(now: datetime) -> str:
    """A time zone where it is early afternoon now, so quiet hours (22:00-08:00) hold
    nothing back and every reminder is due for sending."""
    offset = (13 - now.hour) % 24
    if offset > 14:
        offset -= 24
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3


# -- dispatch -----------------------------------------------------------------------------------


async def seed_due(url: str, count: int) -> None:
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        users = await seed.users(
            engine,
            RECIPIENTS,
            first_telegram_id=FIRST_RECIPIENT,
            now=now,
            timezone=daytime_zone(now),
        )
        supplier = await seed.suppliers(engine, 1, now=now)
        orders = await seed.orders(
            engine,
            count,
            buyer_of=lambda i: users[i % RECIPIENTS],
            supplier_of=lambda _i: supplier[0],
            now=now,
            status=OrderStatus.AWAITING_SHIPMENT,
        )
        deadline = (now - timedelta(days=1)).isoformat()
        first_due = now - timedelta(hours=1)
        await seed.reminders(
            engine,
            count,
            kind=SHIPMENT_OVERDUE,
            recipient_of=lambda i: users[i % RECIPIENTS],
            subject_of=lambda i: orders[i],
            # Distinct due times in id order: the dispatcher takes them round robin.
            due_of=lambda i: first_due + timedelta(microseconds=i),
            payload={"deadline": deadline},
            now=now,
        )
        if engine.dialect.name == "postgresql":
            await seed.analyze(engine)
    finally:
        await engine.dispose()


async def statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Reminder.status, func.count()).group_by(Reminder.status)
            )
            return {str(status): int(n) for status, n in rows.all()}
    finally:
        await engine.dispose()


async def dispatch(database: str, count: int, scale: float) -> dict[str, Any]:
    """Seed ``count`` due reminders and let the scheduler process push them all."""
    overall, per_chat = RATE * scale, PER_CHAT * scale
    async with fresh_database(database) as url:
        await seed_due(url, count)
        received: Counter[int] = Counter()
        times: list[float] = []
        everything = asyncio.Event()

        def on_event(event: Any) -> None:
            if event.kind != "sent":
                return
            found = ORDER_IN_TEXT.search(text_of(event.message))
            if found is not None:
                received[int(found.group(1))] += 1
                times.append(time.monotonic())
                if len(received) >= count:
                    everything.set()

        async with BotAPIEmulator(token=TOKEN, auto_create_chats=True, history_limit=1000) as emu:
            emu.rate_limit(overall, per_chat)
            emu.on_event(on_event)
            env = bot_environment(
                url,
                emu,
                "aiogram",
                TRADEGUARD_SEND_RATE_PER_SECOND=str(overall),
                TRADEGUARD_SEND_RATE_PER_CHAT_PER_SECOND=str(per_chat),
                TRADEGUARD_REMINDER_POLL_SECONDS="1",
            )
            budget = count / overall * 1.5 + 60
            async with bot_process(env, plan="scheduler") as bot:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(everything.wait(), budget)
                await asyncio.sleep(2)  # anything still in flight lands (or shows as duplicate)
            rejected = int(emu.stats["rejected_429"])
        in_db = await statuses(url)
    sent_messages = sum(received.values())
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    # Silences: stretches with nothing sent although reminders were due (claiming the next
    # batch, waiting out a 429). At 30/s a gap over 0.1 s is three messages not sent.
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a > 0.1]
    return {
        "scale": scale,
        "limits_per_s": {"overall": overall, "per_chat": per_chat},
        "reminders": count,
        "received_distinct": len(received),
        "messages_accepted": sent_messages,
        "duplicates": sent_messages - len(received),
        "lost": count - len(received),
        "rejected_429": rejected,
        "retry_after_waits_in_sender": bot.stats.get("retry_after_waits"),
        "seconds": round(span, 1),
        "sustained_per_s": round((len(times) - 1) / span, 2) if span else 0.0,
        "sustained_per_s_at_real_scale": round((len(times) - 1) / span / scale, 2) if span else 0.0,
        "silences_over_100ms": {"count": len(gaps), "total_s": round(sum(gaps), 1)},
        "statuses_after": in_db,
        "bot_outbox_stats": bot.stats.get("outbox"),
    }


# -- finding due reminders ----------------------------------------------------------------------


def claim_query(now: datetime, dialect: str, batch: int = 200) -> Any:
    """The dispatcher's claim query (bot/scheduler/dispatch.py, ``_claim_batch``)."""
    query = (
        select(Reminder)
        .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(batch)
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


async def due_query(database: str, pending: int, due_now: int = 1000) -> dict[str, Any]:
    async with fresh_database(database) as url:
        engine = create_engine(url)
        now = datetime.now(UTC)
        try:
            users = await seed.users(engine, 1000, first_telegram_id=FIRST_RECIPIENT, now=now)
            started = time.monotonic()
            # ``due_now`` rows fell due in the last hour; the rest over the next 60 days.
            later = timedelta(days=60) / max(1, pending - due_now)
            await seed.reminders(
                engine,
                pending,
                kind=SHIPMENT_OVERDUE,
                recipient_of=lambda i: users[i % 1000],
                subject_of=lambda i: i + 1,
                due_of=lambda i: (
                    now - timedelta(hours=1) + timedelta(seconds=i)
                    if i < due_now
                    else now + later * (i - due_now + 1)
                ),
                now=now,
            )
            seeding = time.monotonic() - started
            await seed.analyze(engine)
            cases = {
                f"{due_now:,} due among {pending:,} pending": now,
                f"all {pending:,} due (a backlog after downtime)": now + timedelta(days=61),
            }
            results = {}
            for name, moment in cases.items():
                results[name] = await _time_query(engine, moment)
        finally:
            await engine.dispose()
    return {"pending_rows": pending, "seeding_s": round(seeding, 1), "cases": results}


async def _time_query(engine: Any, moment: datetime, repeats: int = 30) -> dict[str, Any]:
    query = claim_query(moment, engine.dialect.name)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        captured.append((statement, parameters))

    samples = []
    async with engine.connect() as connection:
        for _ in range(repeats):
            transaction = await connection.begin()
            started = time.perf_counter()
            rows = (await connection.execute(query)).all()
            samples.append(time.perf_counter() - started)
            await transaction.rollback()
        # The plan of exactly what the driver ran (same SQL, same parameters).
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            transaction = await connection.begin()
            await connection.execute(query)
            await transaction.rollback()
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
        statement, parameters = captured[-1]
        explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        plan_rows = await connection.exec_driver_sql(explain + statement, parameters)
        plan = [" ".join(str(v) for v in row) for row in plan_rows.all()]
    return {"rows_returned": len(rows), "plan": plan, **latency_summary(samples)}


# -- report -------------------------------------------------------------------------------------


def report(runs: list[dict[str, Any]], query: dict[str, Any]) -> dict[str, Any]:
    print(
        table(
            [
                "run",
                "reminders",
                "rate/s",
                "at real scale",
                "429s",
                "duplicates",
                "lost",
                "seconds",
                "silent s",
            ],
            [
                [
                    f"x{r['scale']:g} ({r['limits_per_s']['overall']:g}/s, "
                    f"{r['limits_per_s']['per_chat']:g}/s/chat)",
                    r["reminders"],
                    r["sustained_per_s"],
                    r["sustained_per_s_at_real_scale"],
                    r["rejected_429"],
                    r["duplicates"],
                    r["lost"],
                    r["seconds"],
                    r["silences_over_100ms"]["total_s"],
                ]
                for r in runs
            ],
        )
    )
    print()
    print(
        table(
            ["due query", "p50 ms", "p95 ms", "max ms", "rows"],
            [
                [name, c["p50_ms"], c["p95_ms"], c["max_ms"], c["rows_returned"]]
                for name, c in query["cases"].items()
            ],
        )
    )
    for name, case in query["cases"].items():
        print(f"\nplan, {name}:\n  " + "\n  ".join(case["plan"]))
    real = next((r for r in runs if r["scale"] == 1), None)
    worst_query = max(c["p95_ms"] for c in query["cases"].values())
    return {
        "rate_target_per_s": TARGET_RATE,
        "real_limit_rate_per_s": real["sustained_per_s"] if real else None,
        "duplicates": sum(r["duplicates"] for r in runs),
        "lost": sum(r["lost"] for r in runs),
        "due_query_target_ms": TARGET_QUERY_MS,
        "due_query_worst_p95_ms": worst_query,
    }


async def main() -> None:
    args = arguments()
    pin_to_cpu(DRIVER_CPU)
    if args.full_hour:
        count, scaled = 100_000, 0
    else:
        count = args.count or (300 if args.quick else 3600)
        scaled = (
            args.scaled_count if args.scaled_count is not None else (1500 if args.quick else 20_000)
        )
    pending = args.pending_rows or (50_000 if args.quick else 1_000_000)
    run = Run(
        "reminders",
        args,
        real_limit_count=count,
        scaled_count=scaled,
        scale=args.scale,
        pending_rows=pending,
    )
    runs = []
    print(f"{count:,} reminders at the real limits on {args.database}...", flush=True)
    runs.append(await dispatch(args.database, count, 1.0))
    if scaled:
        print(f"{scaled:,} reminders with limits scaled x{args.scale:g}...", flush=True)
        runs.append(await dispatch(args.database, scaled, args.scale))
    print(f"the due query among {pending:,} pending rows...", flush=True)
    query = await due_query(args.database, pending)
    summary = report(runs, query)
    run.finish(dispatch=runs, due_query=query, summary=summary)


if __name__ == "__main__":
    asyncio.run(main())
