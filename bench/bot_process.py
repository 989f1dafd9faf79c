"""The bot under test, in its own process: the real app and runtime, configured by the
``TRADEGUARD_*`` environment exactly as ``tradeguard run`` is, pointed at the emulator.

A separate process (pinned to one core) keeps the load generator and the emulator out
of the figures: the CPU the bot spends is the bot's. It prints ``READY`` once the
runtime is started, runs until SIGTERM or SIGINT, then writes what it measured about
itself (CPU seconds, peak memory, outbox statistics) as JSON to ``--stats``.

    python -m bench.bot_process --stats /tmp/bot.json [--plan polling|webhook|scheduler]
                                [--cpu 0] [--worker-cpu 1] [--profile out]

``--worker-cpu`` moves the contract PDF workers (``bot.workers``: the fork server and
the processes it forks) to another core, as an operator's machine with a spare core
would run them; by default they share the bot's core.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from bench.common import pin_to_cpu
from bench.statements import StatementCounter
from bot.app import build_app
from bot.config import load_settings
from bot.handlers.lifecycle import Plan
from bot.handlers.runtime import create_runtime, freeze_startup_objects


class GcPauses:
    """How long the garbage collector stopped the process, per generation: a full
    collection walks every object, and the frameworks' models are a lot of objects."""

    def __init__(self) -> None:
        self.started = 0.0
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        gc.callbacks.append(self)

    def reset(self) -> None:
        """Forget the start-up's collections: only those under load matter."""
        self.pauses = {0: [], 1: [], 2: []}

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self.started)

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            f"gen{generation}": {
                "count": len(values),
                "total_ms": round(1000 * sum(values), 1),
                "max_ms": round(1000 * max(values, default=0.0), 1),
            }
            for generation, values in self.pauses.items()
        }


def _usage() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_user_s": usage.ru_utime,
        "cpu_system_s": usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
    }


PLANS = {"polling": Plan.polling, "webhook": Plan.webhook, "scheduler": Plan.scheduler}


async def serve(plan: str, worker_cpu: int | None) -> dict[str, Any]:
    settings = load_settings()
    app = await build_app(settings)
    statements = StatementCounter(app.db)
    statements.wrap(app)
    pauses = GcPauses()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        runtime = create_runtime(app, PLANS[plan]())
        async with runtime:
            started = time.monotonic()
            freeze_startup_objects()  # as `tradeguard run` does once started
            warming = app.workers.start()  # ... and so
            if warming is not None and worker_cpu is not None:
                await asyncio.wrap_future(warming)  # the fork server and its worker are up
                for child in psutil.Process().children(recursive=True):
                    pin_to_cpu(worker_cpu, child.pid)  # later workers inherit it
            pauses.reset()
            statements.reset()  # the start-up's migrations and menus are not per update
            print("READY", flush=True)
            await stop.wait()
            seconds = time.monotonic() - started
        dispatcher = runtime.dispatcher
        deliverer: Any = dispatcher.deliverer if dispatcher is not None else None
        return {
            "framework": runtime.framework,
            "served_s": seconds,
            "duplicate_updates": runtime.gate.duplicates,
            "outbox": vars(dispatcher.stats) if dispatcher is not None else {},
            "retry_after_waits": getattr(deliverer, "retry_after_waits", None),
            "gc_pauses": pauses.summary(),
            "sql": statements.summary(),
        }
    finally:
        await app.close()


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--stats", type=Path, required=True)
    arguments.add_argument("--plan", choices=sorted(PLANS), default="polling")
    arguments.add_argument("--cpu", type=int, default=None, help="pin to this core")
    arguments.add_argument(
        "--worker-cpu", type=int, default=None, help="pin the PDF workers to this core"
    )
    arguments.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="pyinstrument profile: writes PATH.html, PATH.txt, PATH.pyisession",
    )
    args = arguments.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    pin_to_cpu(args.cpu)
    profiler: Any = None
    if args.profile is not None:
        from pyinstrument import Profiler

        # The whole event loop, not one task: the hot path is spread over many tasks.
        profiler = Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
    stats = asyncio.run(serve(args.plan, args.worker_cpu))
    if profiler is not None:
        profiler.stop()
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        Path(f"{args.profile}.txt").write_text(
            profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
        )
        Path(f"{args.profile}.html").write_text(profiler.output_html(), encoding="utf-8")
        profiler.last_session.save(f"{args.profile}.pyisession")  # bench.profile_shares
    stats.update(_usage())
    args.stats.write_text(json.dumps(stats, default=str), encoding="utf-8")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
