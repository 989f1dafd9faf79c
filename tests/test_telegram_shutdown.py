"""``tradeguard run`` as an operator starts and stops it: SIGTERM while a reply is held
up by a flood wait still delivers that reply, then the process exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from telegram_helpers import RUNTIMES, TOKEN, Person

from emulator import BotAPIEmulator

pytestmark = pytest.mark.timeout(90)


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float) -> str:  # noqa: ASYNC109
    seen = ""
    async with asyncio.timeout(timeout):
        while needle not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"the process ended before saying {needle!r}:\n{seen}")
            seen += line.decode()
    return seen


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_sigterm_finishes_the_update_in_hand(runtime: str, tmp_path: Path) -> None:
    async with BotAPIEmulator(token=TOKEN) as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_")}
        env.update(
            TRADEGUARD_BOT_TOKEN=TOKEN,
            TRADEGUARD_API_BASE=emu.base_url,
            TRADEGUARD_RUNTIME=runtime,
            TRADEGUARD_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=str(tmp_path),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stderr is not None
            await read_until(process.stderr, "is running", timeout=60)
            alice = Person(emu, 4001, "Alice")
            emu.fail_next("sendMessage", error_code=429, retry_after=2)
            await emu.send_text(alice.user, "/help")
            await emu.wait_for_request("sendMessage")  # refused: the bot now waits 2 s
            process.send_signal(signal.SIGTERM)
            reply = await alice.next(timeout=10)
            assert "What I can do" in reply["text"]
            async with asyncio.timeout(30):
                code = await process.wait()
            rest = (await process.stderr.read()).decode()
            assert code == 0, rest
            assert "Traceback" not in rest, rest
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
