"""When a dispute may be opened: the claim window after receipt (ch6).

If the buyer confirms receipt, the window is 30 days from that moment. If not, the
platform confirms automatically and the window depends on how the goods travelled
(express 15, air 30, sea/land/post 60 days; rail counts as land). Windows are exact
spans of time from a timezone-aware instant, so they mean the same thing to a buyer in
Lisbon and a supplier in Shenzhen; the bot shows them in each user's own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from policy.enums import ShippingMode
from policy.errors import PolicyError
from policy.rules import Rules

Basis = Literal["buyer_confirmed", "auto_confirmed"]
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ClaimWindow:
    opens_at: datetime  # when receipt was confirmed
    deadline: datetime  # the last instant a dispute may be opened (exclusive)
    basis: Basis
    days: int
    shipping_mode: ShippingMode | None = None  # set when the window depends on it


def claim_window(
    rules: Rules,
    shipping_mode: ShippingMode,
    receipt_confirmed_at: datetime | None,
    auto_confirmed_at: datetime | None,
) -> ClaimWindow:
    """The window for an order. A buyer's own confirmation wins over the automatic one."""
    windows = rules.claim_windows
    if receipt_confirmed_at is not None:
        start = require_aware(receipt_confirmed_at, "receipt_confirmed_at")
        days = windows.buyer_confirmed_days
        return ClaimWindow(start, start + days * _DAY, "buyer_confirmed", days)
    if auto_confirmed_at is not None:
        start = require_aware(auto_confirmed_at, "auto_confirmed_at")
        mode = ShippingMode(shipping_mode)
        days = windows.auto_confirmed_days[mode]
        return ClaimWindow(start, start + days * _DAY, "auto_confirmed", days, mode)
    # No receipt yet: the claim period has not started (a late delivery is argued
    # once the goods arrive or the platform confirms them).
    raise PolicyError("receipt_not_confirmed", {})


def days_left(window: ClaimWindow, now: datetime) -> int:
    """Whole days left: 0 on the last day (under 24 hours to go) and after; never negative."""
    remaining = window.deadline - require_aware(now, "now")
    if remaining <= timedelta(0):
        return 0
    return min(remaining // _DAY, window.days)


def is_open(window: ClaimWindow, now: datetime) -> bool:
    return window.opens_at <= require_aware(now, "now") < window.deadline


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    """Refuse naive datetimes: without a zone, "30 days after receipt" is a guess."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise PolicyError("naive_datetime", {"name": name})
    return value
