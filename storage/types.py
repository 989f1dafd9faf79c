"""Column types that keep the project's two invariants at the database edge:
times are timezone-aware UTC, money is Decimal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    SQLite has no time zones and hands back naive values; PostgreSQL's
    ``timestamptz`` returns aware ones. Normalising here means no caller ever sees
    a naive datetime, and a naive one passed in is a bug we refuse loudly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# 18 digits with 2 decimals covers any order amount with cents; fees computed from
# percentages are rounded to cents by policy before they are stored.
MoneyAmount = Numeric(18, 2, asdecimal=True)
