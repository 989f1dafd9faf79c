"""The delivery facts of an order as its record states them (issue 16): a late-delivery
claim is judged on these, never on dates the buyer types.

The contracted date is the contract's (``Order.delivery_deadline``, frozen in the
accepted contract version); the shipment is what the supplier recorded (ship date,
carrier, tracking); the arrival is the receipt, confirmed by the buyer or by the clock.
Lateness is computed from them. Dates are UTC calendar days, the same for both parties
and the team, whatever their time zones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from storage.models import Order


@dataclass(frozen=True)
class DeliveryRecord:
    contracted: date | None
    shipped: date | None
    carrier: str | None
    tracking: str | None
    received: date | None
    received_by: Literal["buyer", "clock"] | None

    def days_late(self, today: date) -> int:
        """Days past the contracted date: to the receipt, or to today if none yet."""
        if self.contracted is None:
            return 0
        return max(0, ((self.received or today) - self.contracted).days)

    def as_details(self, today: date) -> dict[str, Any]:
        """The claim's late-delivery facts, as stored on the dispute."""
        return {
            "source": "record",
            "contracted": _iso(self.contracted),
            "shipped": _iso(self.shipped),
            "carrier": self.carrier,
            "tracking": self.tracking,
            "actual": _iso(self.received),
            "received_by": self.received_by,
            "days_late": self.days_late(today),
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(UTC).date()


def delivery_record(order: Order) -> DeliveryRecord:
    if order.receipt_confirmed_at is not None:
        received, by = _day(order.receipt_confirmed_at), "buyer"
    elif order.auto_confirmed_at is not None:
        received, by = _day(order.auto_confirmed_at), "clock"
    else:
        received, by = None, None
    return DeliveryRecord(
        contracted=_day(order.delivery_deadline),
        shipped=order.ship_date or _day(order.shipped_at),
        carrier=order.carrier,
        tracking=order.tracking_number,
        received=received,
        received_by=by,  # type: ignore[arg-type]
    )
