"""Benchmark 3b: how step latency grows with the size of the database.

The database is filled in steps to 1k, 10k, 100k and 1M rows each of users, orders and
disputes (each dispute with its audit event), in bulk, while the bot keeps running; at
each size the same journey load as ``bench.flows`` (search, specification, payment,
dispute) runs through the aiogram runtime for a while, and the step latencies and the
bot's CPU time per update are recorded. A query that scans a growing table shows up as
a latency that grows with the size.

    python -m bench.growth                      # SQLite, up to 1M rows (about 8 minutes)
    python -m bench.growth --database postgres
    python -m bench.growth --quick              # up to 100k rows, under a minute or so
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from bench import seed
from bench.common import TOKEN, Run, bot_overrides, fresh_database, parser, pin_to_cpu, table
from bench.load import DRIVER_CPU, bot_environment, bot_process, drive, prepare_population
from emulator import BotAPIEmulator
from storage.db import create_engine

FIRST_BACKGROUND_USER = 60_000_000
BACKGROUND_SUPPLIERS = 1000


def arguments() -> Any:
    options = parser(__doc__.split("\n\n")[0])
    options.add_argument("--levels", default=None, help="comma-separated row counts")
    options.add_argument("--buyers", type=int, default=10)
    options.add_argument("--duration", type=float, default=None, help="measured seconds per size")
    return options.parse_args()


async def grow(url: str, done: int, target: int, suppliers: seed.IdRange | None) -> seed.IdRange:
    """Add users, orders and disputes (with events) until each table has ``target`` more
    rows than the journey's own; returns the background suppliers."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        if suppliers is None:
            suppliers = await seed.suppliers(engine, BACKGROUND_SUPPLIERS, now=now)
        add = target - done
        users = await seed.users(
            engine, add, first_telegram_id=FIRST_BACKGROUND_USER + done, now=now
        )
        ours = suppliers
        orders = await seed.orders(
            engine,
            add,
            buyer_of=lambda i: users[i],
            supplier_of=lambda i: ours[i % BACKGROUND_SUPPLIERS],
            now=now,
        )
        await seed.disputes(
            engine,
            orders,
            buyer_of=lambda i: users[i],
            supplier_of=lambda i: ours[i % BACKGROUND_SUPPLIERS],
            now=now,
        )
        if engine.dialect.name == "postgresql":
            await seed.analyze(engine)
    finally:
        await engine.dispose()
    return suppliers


async def measure(args: Any, levels: list[int]) -> list[dict[str, Any]]:
    duration = args.duration or (5.0 if args.quick else 20.0)
    warmup = 2.0 if args.quick else 5.0
    rows: list[dict[str, Any]] = []
    async with fresh_database(args.database) as url:
        claims = max(5, int(len(levels) * (warmup + duration) * 2500 / 36 / args.buyers) + 2)
        population = await prepare_population(url, args.buyers, claims)
        async with BotAPIEmulator(token=TOKEN, auto_create_chats=True, history_limit=1000) as emu:
            env = bot_environment(url, emu, "aiogram", **bot_overrides(args))
            async with bot_process(env) as bot:
                suppliers = None
                done = 0
                for level in levels:
                    started = time.monotonic()
                    suppliers = await grow(url, done, level, suppliers)
                    seeded = time.monotonic() - started
                    done = level
                    result = await drive(emu, bot, population, warmup=warmup, duration=duration)
                    figures = result.as_dict()
                    rows.append(
                        {
                            "rows_per_table": level,
                            "seeding_s": round(seeded, 1),
                            "bot_rss_mb": round(bot.rss_mb(), 1),
                            **figures,
                        }
                    )
                    every = figures["latency"]["all steps"]
                    print(
                        f"{level:>9,} rows: {figures['updates_per_s']:.0f} updates/s, "
                        f"p50 {every['p50_ms']:.1f} ms, p99 {every['p99_ms']:.1f} ms "
                        f"(seeded in {seeded:.0f} s)",
                        flush=True,
                    )
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    steps = [s for s in rows[0]["latency"] if s != "all steps"] + ["all steps"]
    print()
    print(
        table(
            ["rows/table", "step", "p50 ms", "p95 ms", "p99 ms"],
            [
                [
                    r["rows_per_table"],
                    step,
                    r["latency"][step]["p50_ms"],
                    r["latency"][step]["p95_ms"],
                    r["latency"][step]["p99_ms"],
                ]
                for r in rows
                for step in steps
                if step in r["latency"]
            ],
        )
    )
    print()
    print(
        table(
            ["rows/table", "updates/s", "bot CPU ms/update", "bot RSS MB", "errors"],
            [
                [
                    r["rows_per_table"],
                    r["updates_per_s"],
                    r["bot_cpu_ms_per_update"],
                    r["bot_rss_mb"],
                    r["errors"],
                ]
                for r in rows
            ],
        )
    )


async def main() -> None:
    args = arguments()
    pin_to_cpu(DRIVER_CPU)
    if args.levels:
        levels = [int(v) for v in args.levels.split(",")]
    else:
        levels = [1000, 10_000, 100_000] if args.quick else [1000, 10_000, 100_000, 1_000_000]
    run = Run("growth", args, levels=levels, buyers=args.buyers)
    rows = await measure(args, levels)
    report(rows)
    run.finish(levels=rows)


if __name__ == "__main__":
    asyncio.run(main())
