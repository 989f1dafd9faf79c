"""The terminal chat's "play both sides" works as the README says: the demo directory
binds Hangzhou Silkway Textiles to ``supplier sam``; and the chat's log goes to a file,
never between the bot's messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.app import App
from bot.handlers.terminal import terminal_user_id
from bot.services.directory import DEMO_DIRECTORY, read_csv
from tests.buyer_helpers import answer_all, files_in_tmp  # noqa: F401  (autouse: PDFs to tmp)
from tests.conftest import ChatDriver

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_names_the_company_the_demo_binds_to_sam() -> None:
    rows, errors = read_csv(DEMO_DIRECTORY.read_text(encoding="utf-8"))
    assert errors == []
    bound = {row.name: row.telegram_id for _line, row in rows if row.telegram_id is not None}
    assert bound == {"Hangzhou Silkway Textiles": terminal_user_id("sam")}
    readme = README.read_text(encoding="utf-8")
    assert "**Hangzhou Silkway Textiles** is the company" in readme
    assert "`/find scarf 8000 USD`" in readme


async def test_play_both_sides_as_the_readme_says(app: App, chat: ChatDriver) -> None:
    await chat.say("/as buyer alice")
    await chat.say("/find scarf 8000 USD")
    assert "Draft order #1 with Hangzhou Silkway Textiles" in await chat.press("Hangzhou Silkway")
    await answer_all(chat)
    await chat.press("Confirm the specification")
    await chat.say("/as supplier sam")
    shown = await chat.say("/orders")
    assert "#1 Hangzhou Silkway Textiles" in shown and "to you as the supplier" in shown
    await chat.press("#1 Hangzhou")
    assert "You accepted version 1" in await chat.press("Accept the contract")


def test_the_chat_log_goes_to_a_file(tmp_path: Path) -> None:
    log = tmp_path / "chat.log"
    env = {
        **os.environ,
        "TRADEGUARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "PYTHONPATH": str(README.parent),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--log", str(log)],
        input="/as supplier mallory\n/start inv_made-up-token\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    assert "This invitation is not valid" in done.stdout
    assert f"(the log goes to {log})" in done.stdout
    # The refusal is logged (bot.security), in the file and nowhere on the terminal.
    assert "refused invitation (invite_invalid)" in log.read_text(encoding="utf-8")
    assert "refused" not in done.stdout and "refused" not in done.stderr
