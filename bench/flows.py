"""Benchmark 1: flow step throughput and latency, aiogram and python-telegram-bot runtimes.

N simulated buyers (``bench.load``) repeat a journey of realistic steps (search, 17
specification answers and the contract PDF, payment choice, eleven dispute steps and the
submission) through the real runtime, which long-polls the Bot API emulator over
loopback HTTP. The bot runs alone on one core (its contract PDF worker too, unless
``--worker-cpu`` gives the worker another). Both runtimes are measured in the same
run, each on a fresh database, and their throughput ratio is reported.

    python -m bench.flows                       # SQLite, both runtimes (about 3 minutes)
    python -m bench.flows --database postgres   # needs $PG_URL (bench/run_all.sh)
    python -m bench.flows --quick               # under a minute
    python -m bench.flows --think 1             # buyers pause 1 s on average, as people do

Without ``--think`` the buyers send their next update as soon as the answer arrives: the
bot's ceiling, where latency is the number of buyers divided by the throughput (Little's
law). With it, the latency is what people feel at that offered load.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench.common import (
    TOKEN,
    Run,
    bot_overrides,
    free_port,
    fresh_database,
    parser,
    pin_to_cpu,
    table,
)
from bench.load import DRIVER_CPU, bot_environment, bot_process, drive, prepare_population
from emulator import BotAPIEmulator

TARGET_UPDATES_PER_S = 1000
TARGET_P99_MS = 20.0


def arguments() -> Any:
    options = parser(__doc__.split("\n\n")[0])
    options.add_argument("--runtimes", default="aiogram,ptb", help="comma-separated")
    options.add_argument(
        "--buyers", type=int, default=None, help="concurrent buyers (default 10; quick: 5)"
    )
    options.add_argument(
        "--duration", type=float, default=None, help="measured seconds per runtime"
    )
    options.add_argument("--warmup", type=float, default=None, help="unmeasured seconds first")
    options.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a buyer pauses before each update (exponential; default 0: none)",
    )
    options.add_argument("--webhook", action="store_true", help="webhook instead of long polling")
    options.add_argument(
        "--worker-cpu",
        type=int,
        default=None,
        help="the core for the contract PDF workers (default: the bot's own, core 0)",
    )
    options.add_argument(
        "--send-rate",
        type=float,
        default=None,
        help="TRADEGUARD_SEND_RATE_PER_SECOND for the bot (default: the product's 30)",
    )
    options.add_argument(
        "--profile", type=Path, default=None, help="pyinstrument profile of the bot: PATH-<runtime>"
    )
    return options.parse_args()


async def measure(args: Any, runtime: str) -> dict[str, Any]:
    buyers = args.buyers or (5 if args.quick else 10)
    warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 10.0)
    duration = args.duration or (15.0 if args.quick else 45.0)
    # Each journey ends in one claim; enough delivered orders that no buyer runs out.
    claims = max(5, int((warmup + duration) * 2500 / 36 / buyers) + 2)
    async with fresh_database(args.database) as url:
        population = await prepare_population(url, buyers, claims)
        async with BotAPIEmulator(token=TOKEN, auto_create_chats=True, history_limit=1000) as emu:
            extra = {}
            if args.send_rate is not None:
                extra["TRADEGUARD_SEND_RATE_PER_SECOND"] = str(args.send_rate)
            if args.webhook:
                extra.update(webhook_settings())
            env = bot_environment(url, emu, runtime, **extra, **bot_overrides(args))
            profile = Path(f"{args.profile}-{runtime}") if args.profile else None
            plan = "webhook" if args.webhook else "polling"
            async with bot_process(
                env, plan=plan, profile=profile, worker_cpu=args.worker_cpu
            ) as bot:
                result = await drive(
                    emu, bot, population, warmup=warmup, duration=duration, think=args.think
                )
                rss, workers_rss = bot.rss_mb(), bot.workers_rss_mb()
            outbox = bot.stats.get("outbox", {})
            gc_pauses = bot.stats.get("gc_pauses", {})
            sql = bot.stats.get("sql", {})
            emulator_errors = len(emu.errors)
    figures = result.as_dict()
    figures.update(
        {
            "runtime": runtime,
            "buyers": buyers,
            "think_mean_s": args.think,
            "worker_cpu": args.worker_cpu,
            "warmup_s": warmup,
            "bot_rss_mb": round(rss, 1),
            "bot_workers_rss_mb": round(workers_rss, 1),
            "outbox": outbox,
            "gc_pauses": gc_pauses,
            "sql": sql,
            "emulator_errors": emulator_errors,
        }
    )
    return figures


def webhook_settings() -> dict[str, str]:
    port = free_port()
    return {
        "TRADEGUARD_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TRADEGUARD_WEBHOOK_SECRET": "bench_secret",
        "TRADEGUARD_WEBHOOK_HOST": "127.0.0.1",
        "TRADEGUARD_WEBHOOK_PORT": str(port),
    }


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for result in results:
        for step, figures in result["latency"].items():
            rows.append(
                [
                    result["runtime"],
                    step,
                    figures["count"],
                    figures["p50_ms"],
                    figures["p95_ms"],
                    figures["p99_ms"],
                    figures["max_ms"],
                ]
            )
    print(table(["runtime", "step", "updates", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows))
    print()
    print(
        table(
            [
                "runtime",
                "updates/s",
                "bot CPU %",
                "CPU ms/update",
                "of which workers",
                "driver CPU %",
                "errors",
                "RSS MB",
            ],
            [
                [
                    r["runtime"],
                    r["updates_per_s"],
                    r["bot_cpu_percent_of_one_core"],
                    r["bot_cpu_ms_per_update"],
                    r["workers_cpu_ms_per_update"],
                    r["driver_cpu_percent_of_one_core"],
                    r["errors"],
                    r["bot_rss_mb"],
                ]
                for r in results
            ],
        )
    )
    for r in results:
        sql = r.get("sql") or {}
        if sql:
            top = ", ".join(f"{name} {count}" for name, count in list(sql["top"].items())[:8])
            print(
                f"{r['runtime']}: {sql['statements_per_update']} SQL statements and "
                f"{sql['transactions_per_update']} transactions per update ({top})"
            )
    summary: dict[str, Any] = {}
    by_runtime = {r["runtime"]: r for r in results}
    if "aiogram" in by_runtime:
        aiogram = by_runtime["aiogram"]
        p99 = aiogram["latency"]["all steps"]["p99_ms"]
        summary["aiogram_target"] = {
            "updates_per_s": aiogram["updates_per_s"],
            "target_updates_per_s": TARGET_UPDATES_PER_S,
            "p99_ms": p99,
            "target_p99_ms": TARGET_P99_MS,
            "met": aiogram["updates_per_s"] >= TARGET_UPDATES_PER_S and p99 <= TARGET_P99_MS,
        }
        print(
            f"\naiogram: {aiogram['updates_per_s']:.0f} updates/s (target {TARGET_UPDATES_PER_S}), "
            f"p99 {p99:.1f} ms (target {TARGET_P99_MS:.0f})"
        )
    if "aiogram" in by_runtime and "ptb" in by_runtime and by_runtime["ptb"]["updates_per_s"]:
        ratio = by_runtime["aiogram"]["updates_per_s"] / by_runtime["ptb"]["updates_per_s"]
        cpu = (
            by_runtime["ptb"]["bot_cpu_ms_per_update"]
            / by_runtime["aiogram"]["bot_cpu_ms_per_update"]
        )
        summary["aiogram_to_ptb_throughput_ratio"] = round(ratio, 2)
        summary["ptb_to_aiogram_cpu_per_update_ratio"] = round(cpu, 2)
        print(
            f"aiogram / python-telegram-bot: throughput x{ratio:.2f}; "
            f"CPU per update: PTB spends x{cpu:.2f} what aiogram does"
        )
    return summary


async def main() -> None:
    args = arguments()
    pin_to_cpu(DRIVER_CPU)
    runtimes = [name.strip() for name in args.runtimes.split(",") if name.strip()]
    run = Run(
        "flows",
        args,
        runtimes=runtimes,
        webhook=args.webhook,
        send_rate=args.send_rate,
        think_mean_s=args.think,
    )
    results = []
    for runtime in runtimes:
        print(f"{runtime} on {args.database}...", flush=True)
        results.append(await measure(args, runtime))
    summary = report(results)
    run.finish(results=results, summary=summary)


if __name__ == "__main__":
    asyncio.run(main())
