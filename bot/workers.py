"""CPU-heavy work off the event loop: contract PDFs, for now.

A contract draft costs 90-150 ms of pure-Python CPU (fpdf2 line breaking, font subsetting).
Run on the event loop, it stalls every other user's update for that long; run inside the
update's transaction, it holds SQLite's write lock meanwhile. ``App`` therefore makes a
``DocumentDraft`` after the commit, through one of these:

* ``process`` (the default): a small process pool, started on first use from a fork
  server that has already imported the PDF code. The render does not compete with the
  event loop for the GIL, and it runs at a lower priority (``WORKER_NICENESS``), so the
  operating system's scheduler hands the core back to the event loop whenever it wakes
  (see bench/README.md, issue 18, for the measurement).
* ``thread``: ``asyncio.to_thread``. Off the loop but under the GIL, so every wake-up of
  the event loop waits up to a switch interval (5 ms) while a render runs.
* ``inline``: on the loop, as before (for comparison).

``TRADEGUARD_RENDER_WORKERS`` picks one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Mode = Literal["process", "thread", "inline"]
MODES: tuple[Mode, ...] = ("process", "thread", "inline")
# What the fork server imports once, so a worker starts with fpdf2 loaded and the fonts
# parsed and cut (the module renders a throwaway sheet when imported).
PRELOAD = ["bot.services.pdf_preload"]


# How much lower than the bot the render worker runs: a PDF due in 300 ms can wait while
# the event loop answers; a reply cannot (bench/README.md, issue 18, fifth round).
WORKER_NICENESS = 10


def start_worker() -> None:
    """In each render worker, first: a lower scheduling priority than the bot's event
    loop, so on a core they share a render never delays an answer (it takes what is
    left); and an exit as soon as the bot is gone. A pool's worker waits on its job
    queue forever, so a bot killed outright (SIGKILL, the OOM killer) would leave it
    running, holding the bot's stderr open."""
    os.nice(WORKER_NICENESS)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(parent_sentinel: int) -> None:
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(0)


class Workers:
    """Runs a picklable callable somewhere that is not the event loop."""

    def __init__(self, mode: Mode = "process", processes: int = 1) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown worker mode {mode!r}; one of {', '.join(MODES)}")
        self.mode: Mode = mode
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> Executor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=start_worker
            )
        return self._pool

    def start(self) -> Future[int] | None:
        """Start the pool's worker now; the future gives its pid. A long-running service
        calls this once it serves: otherwise the first contract after a restart waits for
        the fork server to start and warm up (``PRELOAD``: fpdf2, the fonts parsed and
        cut, ~0.7 s alone, over a second on a bot core busy with updates) and for the
        worker to be forked from it."""
        if self.mode != "process":
            return None
        future = self._executor().submit(os.getpid)
        future.add_done_callback(_started)
        return future

    async def run(self, work: Callable[[], T]) -> T:
        if self.mode == "inline":
            return work()
        if self.mode == "thread":
            return await asyncio.to_thread(work)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), work)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): a fresh pool for this and the next.
            log.warning("the render worker died; starting a new one")
            self.close()
            return await loop.run_in_executor(self._executor(), work)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _started(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        # Not fatal: the first document starts the worker again (and shows the error).
        log.warning("the render worker did not start: %s", future.exception())
