"""How much of an order the programme can refund (ch1, ch8).

The refund is capped twice: by what is refundable under the chosen coverage (the whole
payment after delivery; only the advance before it) and by the supplier's assurance
limit. Guide example (ch1): a $20,000 order from a supplier with a $10,000 limit is
covered for $10,000, i.e. half.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from policy.enums import CoverageType
from policy.errors import CurrencyMismatch, PolicyError
from policy.money import Money

# Percent is shown, never paid, so 4 places are plenty; rounding down keeps us from ever
# promising a buyer more cover than the limit gives.
_PERCENT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Coverage:
    order_amount: Money
    limit: Money
    coverage_type: CoverageType
    refundable_base: Money  # what the coverage protects before the limit applies
    covered: Money  # the most the programme can refund
    uncovered: Money  # the part of the order at the buyer's own risk
    percent: Decimal  # covered / order_amount, a fraction 0..1

    @property
    def fully_covered(self) -> bool:
        return self.uncovered.amount == 0


def assess_coverage(
    order_amount: Money,
    limit: Money,
    coverage_type: CoverageType = CoverageType.POST_DELIVERY,
    advance: Money | None = None,
    *,
    max_refund_fraction: Decimal = Decimal(1),
) -> Coverage:
    """Cover for an order. ``advance`` is required (and only used) for pre-delivery cover.

    ``max_refund_fraction`` is the programme's cap on a refund of the refundable base
    (``rules.coverage.max_refund_fraction``; 100 % in the guide).
    """
    _same_currency(order_amount, limit)
    if order_amount.amount <= 0:
        raise PolicyError("amount_not_positive", {"amount": order_amount})
    if limit.amount < 0:
        raise PolicyError("limit_negative", {"limit": limit})
    base = _refundable_base(order_amount, coverage_type, advance)
    covered = min(base * max_refund_fraction, limit).quantized(ROUND_DOWN)
    percent = (covered.amount / order_amount.amount).quantize(_PERCENT_PLACES, ROUND_DOWN)
    return Coverage(
        order_amount=order_amount,
        limit=limit,
        coverage_type=CoverageType(coverage_type),
        refundable_base=base,
        covered=covered,
        uncovered=order_amount - covered,
        percent=percent.normalize() if percent else Decimal(0),
    )


def max_refund(
    order_amount: Money,
    limit: Money,
    coverage_type: CoverageType = CoverageType.POST_DELIVERY,
    advance: Money | None = None,
    claimed: Money | None = None,
    *,
    max_refund_fraction: Decimal = Decimal(1),
) -> Money:
    """The most the programme can pay on a dispute: the cover, and no more than claimed."""
    covered = assess_coverage(
        order_amount, limit, coverage_type, advance, max_refund_fraction=max_refund_fraction
    ).covered
    if claimed is None:
        return covered
    _same_currency(order_amount, claimed)
    return min(covered, claimed)


def _refundable_base(order: Money, kind: CoverageType, advance: Money | None) -> Money:
    if kind == CoverageType.POST_DELIVERY:
        # ch8: post-delivery cover protects every part of the payment, advance or not.
        return order
    if advance is None:
        raise PolicyError("advance_required", {"coverage_type": kind.value})
    _same_currency(order, advance)
    if advance.amount <= 0:
        raise PolicyError("amount_not_positive", {"amount": advance})
    if advance > order:
        raise PolicyError("advance_exceeds_order", {"advance": advance, "order_amount": order})
    return advance


def _same_currency(a: Money, b: Money) -> None:
    if a.currency != b.currency:
        raise CurrencyMismatch(a.currency, b.currency)
