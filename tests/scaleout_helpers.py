"""The ``tradeguard`` command as an operator starts it, for the scale-out tests: a child
process with its own environment, its stderr read as it comes, stopped by a signal. And
stand-in workers for watching how ``run_workers`` supervises them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from bot.handlers.lifecycle import SHUTDOWN_GRACE

REPOSITORY = Path(__file__).resolve().parents[1]


def cli_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This environment without any ``TRADEGUARD_`` variable, plus ``settings`` (names
    without the prefix). The checkout's code is imported, whatever is installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_")}
    env.update({f"TRADEGUARD_{name.upper()}": value for name, value in settings.items()})
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(REPOSITORY), os.environ.get("PYTHONPATH", "")) if part
    )
    return env


def tradeguard(*args: str) -> list[str]:
    """``tradeguard ARGS`` (the console script is ``bot.cli:main``)."""
    return [sys.executable, "-m", "bot.cli", *args]


class Command:
    """A running ``tradeguard`` command; its stderr is collected line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode(errors="replace"))
            self._changed.set()
        self._changed.set()

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    async def wait_for(self, needle: str, count: int = 1, timeout: float = 60) -> None:  # noqa: ASYNC109
        """Until ``needle`` appeared on ``count`` lines (workers each say they run)."""
        async with asyncio.timeout(timeout):
            while sum(needle in line for line in self.lines) < count:
                if self._reader.done():
                    raise AssertionError(
                        f"the command ended before saying {needle!r} {count} times:\n{self.stderr}"
                    )
                self._changed.clear()
                await self._changed.wait()

    def terminate(self) -> None:
        """SIGTERM, as systemd stops a unit."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)

    async def finished(self, timeout: float = SHUTDOWN_GRACE + 15) -> int:  # noqa: ASYNC109
        """The exit code, once the command has ended and all its output is read."""
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
            await self._reader
        return code

    async def stop(self) -> int:
        self.terminate()
        return await self.finished()


@asynccontextmanager
async def command(args: list[str], env: Mapping[str, str], cwd: Path) -> AsyncIterator[Command]:
    """Start ``args``; on the way out a process still running is killed (the test failed)."""
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=str(cwd),
        env=dict(env),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # a failed test kills the group: workers too
    )
    running = Command(process)
    try:
        yield running
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        running._reader.cancel()


# -- stand-in workers (run in processes of their own: module-level, picklable) -----------


def worker_until_sigterm(ready: Path, index: int, workers: int, verbose: bool) -> None:
    """Says it is up (a file), then runs until SIGTERM and exits with 0."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    (ready / f"worker-{index}").write_text(str(os.getpid()))
    while True:
        time.sleep(0.05)


def worker_zero_crashes(ready: Path, index: int, workers: int, verbose: bool) -> None:
    """Worker 0 fails at once (exit code 3); the others run until SIGTERM."""
    if index == 0:
        raise SystemExit(3)
    worker_until_sigterm(ready, index, workers, verbose)
