"""``tradeguard run --webhook --workers N`` watches its workers: a signal to the parent
reaches every worker, and a worker that dies takes the others down so the service
manager restarts the set instead of running on with fewer. Stand-in workers, so this
runs on any database."""

from __future__ import annotations

import asyncio
import os
import signal
from functools import partial
from pathlib import Path

import pytest
from scaleout_helpers import worker_until_sigterm, worker_zero_crashes

from bot.config import load_settings
from bot.handlers.runtime import run_workers, share_send_budget

pytestmark = pytest.mark.timeout(90)


async def test_sigterm_to_the_parent_reaches_every_worker(tmp_path: Path) -> None:
    watching = asyncio.create_task(
        run_workers(2, verbose=False, target=partial(worker_until_sigterm, tmp_path))
    )
    async with asyncio.timeout(60):
        while True:  # both workers up
            if sorted(os.listdir(tmp_path)) == ["worker-0", "worker-1"]:
                break
            await asyncio.sleep(0.05)
    # The parent handles SIGTERM itself (never the default action: that would orphan them).
    assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN, None)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(watching, 30) == 0
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # handed back afterwards


async def test_a_worker_that_dies_stops_the_others_and_the_command_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.wait_for(
        run_workers(3, verbose=False, target=partial(worker_zero_crashes, tmp_path)), 60
    )
    assert code == 1
    said = capsys.readouterr().err
    assert "tradeguard-0 ended (exit code 3); stopping the other workers" in said
    assert "tradeguard: workers failed: tradeguard-0\n" in said  # the others stopped cleanly


def test_the_workers_share_the_bots_send_budget() -> None:
    settings = load_settings(database_url="sqlite+aiosqlite:///unused.db", bot_token=None)
    assert settings.send_rate_per_second == 30
    assert share_send_budget(settings, 4).send_rate_per_second == 7.5
    assert share_send_budget(settings, 1) is settings
