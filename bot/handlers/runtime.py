"""``tradeguard run`` and ``tradeguard scheduler``: the bot on Telegram.

``run`` receives updates by long polling (development, a single process) or, with
``--webhook``, by an aiohttp webhook endpoint that demands Telegram's secret token
(production). ``--workers N`` starts N webhook processes on one port and watches them
(PostgreSQL only: their update-id claims, user locks and outbox claims need a shared,
concurrent database). ``scheduler`` only pushes due reminders. The framework is
``TRADEGUARD_RUNTIME``: aiogram (default) or ptb. SIGINT / SIGTERM stop gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import multiprocessing.connection
import signal
import sys
from collections.abc import Callable
from typing import Any

from bot.config import ENV_PREFIX, ConfigError, Settings, load_settings
from bot.handlers.lifecycle import (
    SHUTDOWN_GRACE,
    Plan,
    TelegramRuntime,
    quiet_http_logs,
    redact_token,
    webhook_secret,
    webhook_url,
)

log = logging.getLogger(__name__)

__all__ = [
    "create_runtime",
    "run_runtime",
    "run_workers",
    "serve_until_signalled",
    "share_send_budget",
]


def create_runtime(app: Any, plan: Plan | None = None) -> TelegramRuntime:
    """The runtime for ``app.settings.runtime`` (not started)."""
    plan = plan or Plan.polling()
    if app.settings.runtime == "ptb":
        from bot.handlers.ptb_runtime import PtbRuntime

        return PtbRuntime(app, plan)
    from bot.handlers.aiogram_runtime import AiogramRuntime

    return AiogramRuntime(app, plan)


def plan_for(settings: Settings, args: Any) -> Plan:
    """Check the settings a command needs (one clear line if one is missing)."""
    settings.require_token()
    if getattr(args, "command", "run") == "scheduler":
        return Plan.scheduler()
    workers = getattr(args, "workers", 1) or 1
    if workers < 1:
        raise ConfigError("--workers: expected 1 or more")
    if not getattr(args, "webhook", False):
        if workers > 1:
            raise ConfigError(
                "--workers needs --webhook: only one process may poll Telegram for updates"
            )
        return Plan.polling()
    webhook_url(settings)
    webhook_secret(settings)
    if workers > 1 and settings.is_sqlite:
        raise ConfigError(
            f"{ENV_PREFIX}DATABASE_URL: several workers need PostgreSQL "
            "(SQLite serves one process); use --workers 1"
        )
    return Plan.webhook() if workers == 1 else Plan.webhook_setup()


def protect_logs(token: str) -> None:
    quiet_http_logs()
    # Belt and braces: whatever reaches the operator's log handlers is redacted.
    redact_token(token, logging.getLogger().handlers)


async def run_runtime(settings: Settings, args: Any) -> int:
    plan = plan_for(settings, args)
    protect_logs(settings.require_token())
    workers = getattr(args, "workers", 1) or 1
    await serve(settings, plan)
    if workers > 1:  # the parent has registered the webhook and the menus
        print(
            f"tradeguard: starting {workers} webhook workers on "
            f"{settings.webhook_host}:{settings.webhook_port}",
            file=sys.stderr,
            flush=True,
        )
        return await run_workers(
            workers, verbose=bool(getattr(args, "verbose", False)), framework=settings.runtime
        )
    return 0


async def serve(settings: Settings, plan: Plan) -> None:
    """Build the app, run one runtime with ``plan`` (until a signal, unless it only sets
    things up), and dispose of everything."""
    from bot.app import build_app

    app = await build_app(settings)
    try:
        runtime = create_runtime(app, plan)
        if plan.poll or plan.serve_webhook or plan.background:
            await serve_until_signalled(runtime)
        else:
            async with runtime:
                pass
    finally:
        await app.close()


def freeze_startup_objects() -> None:
    """Keep what start-up made (frameworks, their models, the flows: some 300,000 objects
    that live as long as the process) out of the garbage collector's full passes. Each
    pass walked all of them, stopping the bot for up to ~0.2 s a few times a minute under
    load (bench/README.md, "Profiling"). Start-up garbage is collected first, not frozen."""
    gc.collect()
    gc.freeze()


async def serve_until_signalled(runtime: TelegramRuntime) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        async with runtime:
            freeze_startup_objects()
            runtime.app.workers.start()
            print(
                f"tradeguard: @{runtime.username} is running on {runtime.framework}; "
                "Ctrl-C to stop",
                file=sys.stderr,
                flush=True,
            )
            stopping = asyncio.ensure_future(stop.wait())
            ended = asyncio.ensure_future(runtime.stopped.wait())
            try:
                await asyncio.wait({stopping, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                ended.cancel()
            if runtime.stopped.is_set() and not stop.is_set():
                log.error("receiving updates stopped unexpectedly; shutting down")
            print("tradeguard: stopping (finishing the updates in hand)", file=sys.stderr)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


# -- several webhook workers ------------------------------------------------------------

# Modules every worker needs, imported once by the fork server rather than by each worker
# (importing aiogram alone takes seconds of CPU).
_PRELOAD = ["bot.app", "bot.flows.registry", "bot.handlers.runtime"]
_FRAMEWORK_MODULE = {
    "aiogram": "bot.handlers.aiogram_runtime",
    "ptb": "bot.handlers.ptb_runtime",
}
STOP_MARGIN = 10.0  # seconds past the grace period before a stuck worker is killed


def share_send_budget(settings: Settings, workers: int) -> Settings:
    """Telegram's ~30 messages/s is per bot, not per process: each worker gets its share."""
    if workers <= 1:
        return settings
    share = settings.send_rate_per_second / workers
    return settings.model_copy(update={"send_rate_per_second": share})


def _worker_main(index: int, workers: int, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format=f"%(asctime)s %(levelname)s worker-{index} %(name)s: %(message)s",
        force=True,  # the fork server may have configured logging already
    )
    try:
        settings = share_send_budget(load_settings(), workers)
        protect_logs(settings.require_token())
        asyncio.run(serve(settings, Plan.webhook_worker()))
    except ConfigError as error:
        print(f"tradeguard worker {index}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass


async def run_workers(
    count: int,
    *,
    verbose: bool,
    framework: str = "aiogram",
    target: Callable[[int, int, bool], None] = _worker_main,
) -> int:
    """Start ``count`` webhook processes sharing the port (SO_REUSEPORT) and watch them.

    SIGINT / SIGTERM are passed on so each worker finishes its updates in hand; one that
    is still busy after the grace period is killed. If a worker ends on its own (a crash,
    the database gone), the others are stopped too and the command fails, so the service
    manager restarts the whole set rather than running on with fewer workers.
    """
    context = multiprocessing.get_context("forkserver")
    framework_module = _FRAMEWORK_MODULE.get(framework)
    context.set_forkserver_preload([*_PRELOAD, *([framework_module] if framework_module else [])])
    processes = [
        context.Process(target=target, args=(index, count, verbose), name=f"tradeguard-{index}")
        for index in range(count)
    ]
    loop = asyncio.get_running_loop()
    signalled = False

    def stop_all() -> None:
        for process in processes:
            if process.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()  # SIGTERM: the worker stops gracefully

    def forward() -> None:
        nonlocal signalled
        signalled = True
        stop_all()

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):  # before the start: none is orphaned
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, forward)
            installed.append(signum)
    try:
        for process in processes:
            process.start()
        await asyncio.to_thread(multiprocessing.connection.wait, [p.sentinel for p in processes])
        if not signalled:
            ended = next(p for p in processes if not p.is_alive())
            print(
                f"tradeguard: {ended.name} ended (exit code {ended.exitcode}); "
                "stopping the other workers",
                file=sys.stderr,
            )
            stop_all()
        deadline = loop.time() + SHUTDOWN_GRACE + STOP_MARGIN
        for process in processes:
            await asyncio.to_thread(process.join, max(0.0, deadline - loop.time()))
            if process.is_alive():
                print(f"tradeguard: {process.name} did not stop; killed", file=sys.stderr)
                process.kill()
                await asyncio.to_thread(process.join)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    failed = [p.name for p in processes if p.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        print(f"tradeguard: workers failed: {', '.join(failed)}", file=sys.stderr)
    return 0 if signalled and not failed else 1
