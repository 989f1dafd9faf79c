"""The terminal chat as a newcomer runs it: a real process fed through stdin. Killed
mid-flow and started again, it continues at the same step with the earlier answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def start_chat(database: Path, workdir: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TRADEGUARD_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat"],
        cwd=workdir,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def read_until(process: subprocess.Popen[str], marker: str, timeout: float = 30) -> str:
    """Read the chat's output line by line until ``marker`` shows up."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} never appeared; output was:\n{''.join(seen)}")


def type_line(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()


def test_a_killed_chat_resumes_at_the_same_step(tmp_path: Path) -> None:
    database = tmp_path / "chat.db"
    first = start_chat(database, tmp_path)
    try:
        read_until(first, "terminal chat")
        type_line(first, "/profile")
        read_until(first, "Step 1 of 2")
        type_line(first, "FR")
        read_until(first, "Step 2 of 2")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    second = start_chat(database, tmp_path)
    try:
        read_until(second, "terminal chat")
        type_line(second, "Europe/Paris")
        output = read_until(second, "Saved:")
        assert "Saved: France, time zone Europe/Paris" in output
        type_line(second, "/quit")
        assert second.wait(timeout=20) == 0
    finally:
        if second.poll() is None:
            second.kill()
