"""A bad setting is reported as one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRADEGUARD_DISPUTE_TEAM", "12,alice"),
        ("TRADEGUARD_WEBHOOK_PORT", "eighty"),
        ("TRADEGUARD_RUNTIME", "telethon"),
        ("TRADEGUARD_DATABASE_URL", "mysql://x"),
        ("TRADEGUARD_API_BASE", "ftp://api"),
    ],
)
def test_a_malformed_setting_names_its_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(f"{variable}: ")
    assert "\n" not in str(error.value)


def test_the_command_prints_one_line_not_a_traceback(tmp_path: object) -> None:
    env = {**os.environ, "TRADEGUARD_DISPUTE_TEAM": "not-a-number"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tradeguard: TRADEGUARD_DISPUTE_TEAM: expected comma-separated Telegram user ids, "
        "e.g. 111,222"
    ]


def test_running_telegram_without_a_token_says_how_to_get_one() -> None:
    from bot.config import Settings

    with pytest.raises(ConfigError, match="TRADEGUARD_BOT_TOKEN is not set"):
        Settings(bot_token=None).require_token()


def test_team_ids_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEGUARD_DISPUTE_TEAM", " 11, 22 ,")
    assert load_settings().dispute_team == frozenset({11, 22})
