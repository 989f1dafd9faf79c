"""Benchmark 3a: the bot's memory (RSS) with 1k, 10k and 100k users in live conversations.

Each new user sends ``/profile`` through the real runtime (long polling the emulator)
and gets its first question: a conversation left open, as people leave them. The bot
keeps conversations in the database, so what is measured is whatever the process keeps
per user on top of its baseline (framework caches, locks, limiters): RSS is read after
each level, with the number of open conversations counted in the database.

    python -m bench.memory                     # aiogram, SQLite: 1k, 10k, 50k users
    python -m bench.memory --full              # 1k, 10k, 100k users (about 12 minutes)
    python -m bench.memory --runtime ptb
    python -m bench.memory --quick             # 500 and 2,000 users

Every user costs the bot one real update (~150 a second on one core here), so 100k users
take longer than the 10 minutes a default run may; memory is flat from 10k on (see
bench/README.md), and 50k shows that within the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from sqlalchemy import func, select

from bench.common import TOKEN, Run, bot_overrides, fresh_database, parser, pin_to_cpu, table
from bench.load import DRIVER_CPU, Inbox, bot_environment, bot_process
from emulator import BotAPIEmulator
from storage.db import create_engine
from storage.models import Conversation

TARGET_MB_AT_10K = 150.0
FIRST_USER = 40_000_000
CONCURRENCY = 32  # users talking at once
TIMEOUT = 30.0


def arguments() -> Any:
    options = parser(__doc__.split("\n\n")[0])
    options.add_argument("--runtime", choices=("aiogram", "ptb"), default="aiogram")
    options.add_argument("--levels", default=None, help="comma-separated user counts")
    options.add_argument("--full", action="store_true", help="1k, 10k and 100k users")
    return options.parse_args()


async def open_conversations(emu: BotAPIEmulator, inbox: Inbox, ids: range) -> int:
    """Each user starts /profile and sees its first question; returns how many failed."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for user_id in ids:
        queue.put_nowait(user_id)
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while True:
            try:
                user_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            user = emu.user(user_id, first_name=f"User{user_id}", language_code="en")
            (answered,) = inbox.expect(user_id, "Step 1 of")
            await emu.send_text(user, "/profile")
            try:
                await asyncio.wait_for(answered, TIMEOUT)
            except TimeoutError:
                failures += 1
                inbox.waiting.pop(user_id, None)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return failures


async def count_conversations(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(Conversation)) or 0)
    finally:
        await engine.dispose()


async def measure(args: Any, levels: list[int]) -> dict[str, Any]:
    async with (
        fresh_database(args.database) as url,
        BotAPIEmulator(token=TOKEN, history_limit=100) as emu,
    ):
        if True:
            inbox = Inbox(emu)
            env = bot_environment(url, emu, args.runtime, **bot_overrides(args))
            async with bot_process(env) as bot:
                await asyncio.sleep(1)
                baseline = bot.rss_mb()
                print(f"baseline RSS {baseline:.1f} MB", flush=True)
                rows = []
                done = 0
                for level in levels:
                    started = time.monotonic()
                    failed = await open_conversations(
                        emu, inbox, range(FIRST_USER + done, FIRST_USER + level)
                    )
                    seconds = time.monotonic() - started
                    new = level - done
                    done = level
                    await asyncio.sleep(1)
                    rss = bot.rss_mb()
                    rows.append(
                        {
                            "users": level,
                            "open_conversations": await count_conversations(url),
                            "rss_mb": round(rss, 1),
                            "growth_over_baseline_mb": round(rss - baseline, 1),
                            "kb_per_user_over_baseline": round((rss - baseline) * 1024 / level, 2),
                            "failed": failed,
                            "updates_per_s": round(new / seconds, 1),
                        }
                    )
                    print(
                        f"{level:,} users: RSS {rss:.1f} MB ({new / seconds:.0f} updates/s)",
                        flush=True,
                    )
                    with contextlib.suppress(Exception):
                        emu.reset_records()  # the emulator's own history is not the bot's memory
    return {"runtime": args.runtime, "baseline_rss_mb": round(baseline, 1), "levels": rows}


async def main() -> None:
    args = arguments()
    pin_to_cpu(DRIVER_CPU)
    if args.levels:
        levels = [int(v) for v in args.levels.split(",")]
    else:
        levels = (
            [500, 2000]
            if args.quick
            else [1000, 10_000, 100_000]
            if args.full
            else [1000, 10_000, 50_000]
        )
    run = Run("memory", args, runtime=args.runtime, levels=levels)
    run.name = f"memory-{args.runtime}"
    result = await measure(args, levels)
    print()
    print(
        table(
            ["users", "open conversations", "RSS MB", "over baseline MB", "KB/user", "failed"],
            [
                [
                    r["users"],
                    r["open_conversations"],
                    r["rss_mb"],
                    r["growth_over_baseline_mb"],
                    r["kb_per_user_over_baseline"],
                    r["failed"],
                ]
                for r in result["levels"]
            ],
        )
    )
    at_10k = next((r["rss_mb"] for r in result["levels"] if r["users"] == 10_000), None)
    summary = {"target_mb_at_10k": TARGET_MB_AT_10K, "rss_mb_at_10k": at_10k}
    if at_10k is not None:
        print(f"\nRSS at 10k users: {at_10k:.1f} MB (target {TARGET_MB_AT_10K:.0f} MB)")
    run.finish(**result, summary=summary)


if __name__ == "__main__":
    asyncio.run(main())
