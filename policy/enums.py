"""The programme's closed vocabularies. Values are stable ids stored in the database."""

from __future__ import annotations

from enum import StrEnum


class ShippingMode(StrEnum):
    """How the goods travel; the auto-confirmed claim window depends on it (ch6)."""

    AIR = "air"
    SEA = "sea"
    RAIL = "rail"
    EXPRESS = "express"
    LAND = "land"
    POST = "post"


class CoverageType(StrEnum):
    """Which part of the payment is refundable (ch8)."""

    PRE_DELIVERY = "pre_delivery"  # the advance (down payment) only
    POST_DELIVERY = "post_delivery"  # the whole payment


class InspectionTiming(StrEnum):
    """When a third party checks the goods (ch3)."""

    NONE = "none"
    DURING_PRODUCTION = "during_production"
    BEFORE_LOADING = "before_loading"


class InspectionProvider(StrEnum):
    """Who inspects (ch3): the platform's own service or an independent firm."""

    PLATFORM = "platform"
    ASIA_INSPECTION = "asia_inspection"  # now trading as QIMA
    INTERTEK = "intertek"
    SGS = "sgs"
    OTHER = "other"


class Ground(StrEnum):
    """The only two reasons the programme refunds (ch1, ch6)."""

    LATE_DELIVERY = "late_delivery"
    NOT_AS_SPECIFIED = "not_as_specified"
