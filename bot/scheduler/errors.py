"""What a transport's deliverer raises, so the dispatcher can react without knowing
which Telegram framework (or the terminal) sent the message."""

from __future__ import annotations


class DeliveryError(Exception):
    """Any failure to deliver."""


class RetryAfter(DeliveryError):
    """Telegram answered 429: wait ``seconds`` before sending again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood control: retry after {seconds}s")
        self.seconds = seconds


class Blocked(DeliveryError):
    """403: the user blocked the bot (or never started it). Stop pushing to them."""


class Transient(DeliveryError):
    """A network error or 5xx: worth retrying later with backoff."""
