"""Quiet hours: non-urgent reminders wait for the morning in the recipient's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """'22:00-08:00' -> QuietHours(22:00, 08:00); raises ValueError when malformed."""
        first, _sep, second = text.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()))

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight

    def next_allowed(self, moment: datetime, zone: str) -> datetime:
        """``moment`` itself if outside quiet hours, else when they end (aware, UTC)."""
        try:
            tz = ZoneInfo(zone)
        except (KeyError, ValueError):
            tz = ZoneInfo("UTC")
        local = moment.astimezone(tz)
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return moment
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(ZoneInfo("UTC"))
