"""``tradeguard run`` and ``tradeguard scheduler``: the bot on Telegram.

``run`` receives updates by long polling (development, a single process) or, with
``--webhook``, by an aiohttp webhook endpoint that demands Telegram's secret token
(production). ``--workers N`` forks N webhook processes on one port (PostgreSQL only:
their update-id claims and outbox claims need a shared, concurrent database).
``scheduler`` only pushes due reminders. The framework is ``TRADEGUARD_RUNTIME``:
aiogram (default) or ptb. SIGINT / SIGTERM stop gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import sys
from typing import Any

from bot.config import ENV_PREFIX, ConfigError, Settings, load_settings
from bot.handlers.lifecycle import (
    Plan,
    TelegramRuntime,
    quiet_http_logs,
    redact_token,
    webhook_secret,
    webhook_url,
)

log = logging.getLogger(__name__)

__all__ = ["create_runtime", "run_runtime", "serve_until_signalled"]


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
        return await run_workers(workers, verbose=bool(getattr(args, "verbose", False)))
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


def _worker_main(index: int, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format=f"%(asctime)s %(levelname)s worker-{index} %(name)s: %(message)s",
    )
    try:
        settings = load_settings()
        protect_logs(settings.require_token())
        asyncio.run(serve(settings, Plan.webhook_worker()))
    except ConfigError as error:
        print(f"tradeguard worker {index}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass


async def run_workers(count: int, *, verbose: bool) -> int:
    """Start ``count`` webhook processes sharing the port (SO_REUSEPORT) and wait for them.

    Each worker reads the same environment, serves the webhook and pushes the outbox;
    SIGINT / SIGTERM are passed on so each finishes its updates in hand.
    """
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker_main, args=(index, verbose), name=f"tradeguard-{index}")
        for index in range(count)
    ]
    for process in processes:
        process.start()
    loop = asyncio.get_running_loop()

    def forward() -> None:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()  # SIGTERM: the worker stops gracefully

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, forward)
    for process in processes:
        await asyncio.to_thread(process.join)
    failed = [p.name for p in processes if p.exitcode not in (0, -signal.SIGTERM)]
    if failed:
        print(f"tradeguard: workers failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
