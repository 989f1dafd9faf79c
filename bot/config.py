"""Settings from the environment or `.env`, every variable prefixed ``TRADEGUARD_``.

A bad setting must reach the operator as one line naming the variable, not as a
pydantic traceback: ``load_settings`` turns validation errors into ``ConfigError``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "TRADEGUARD_"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    api_base: str = "https://api.telegram.org"
    database_url: str = "sqlite+aiosqlite:///./tradeguard.db"
    redis_url: str | None = None
    dispute_team: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: str = "en"
    runtime: Literal["aiogram", "ptb"] = "aiogram"
    rules_profile: str = "guide"

    # Signs the opaque tokens of shortcut buttons (reminders). Empty: one is generated
    # and kept in the database, so the embedded default needs no configuration.
    secret_key: SecretStr | None = None

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_path: str = "/telegram/webhook"

    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=500)

    send_rate_per_second: float = Field(default=30.0, gt=0)
    send_rate_per_chat_per_second: float = Field(default=1.0, gt=0)
    send_max_attempts: int = Field(default=5, ge=1, le=50)
    reminder_poll_seconds: float = Field(default=5.0, gt=0)
    quiet_hours: str = "22:00-08:00"
    claim_reminder_days: str = "7,3,1,0"
    team_waiting_days: int = Field(default=3, ge=1)

    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # Where contract PDFs are made after the transaction (``bot.workers``).
    render_workers: Literal["process", "thread", "inline"] = "process"

    @field_validator("dispute_team", mode="before")
    @classmethod
    def _parse_team(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError(
                    "expected comma-separated Telegram user ids, e.g. 111,222"
                ) from None
        return value

    @field_validator("api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL, e.g. https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError(
                "expected sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def require_token(self) -> str:
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError(
                f"{ENV_PREFIX}BOT_TOKEN is not set: create a bot with @BotFather and export "
                f"{ENV_PREFIX}BOT_TOKEN=123456:ABC..."
            )
        return self.bot_token.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {message}") from None
