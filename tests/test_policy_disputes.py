"""Dispute grounds and the clocks of a dispute and of the claim window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from policy import (
    Ground,
    PolicyError,
    Refusal,
    ShippingMode,
    claim_window,
    classify_ground,
    days_left,
    default_rules,
    detect_grounds,
    has_proof,
    is_open,
    load_rules,
    may_escalate,
    needs_proof_file,
    supplier_response_due,
)

RULES = default_rules()
T0 = datetime(2026, 5, 4, 15, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(
    "text",
    [
        "did not like it",
        "Not what I expected",
        "not satisfied",
        "I changed my mind",
        "The goods did not meet our expectations",
        "honestly I'm disappointed",
    ],
)
def test_subjective_reasons_are_refused(text: str) -> None:
    verdict = classify_ground(text)
    assert isinstance(verdict, Refusal)
    assert verdict.code == "subjective"
    assert verdict.params["grounds"] == ("late_delivery", "not_as_specified")


@pytest.mark.parametrize(
    ("text", "ground"),
    [
        ("The goods arrived late", Ground.LATE_DELIVERY),
        ("shipment has not arrived yet", Ground.LATE_DELIVERY),
        ("They missed the delivery deadline", Ground.LATE_DELIVERY),
        ("delivered two weeks after the agreed date", Ground.LATE_DELIVERY),
        ("The colour is wrong", Ground.NOT_AS_SPECIFIED),
        ("not as specified", Ground.NOT_AS_SPECIFIED),
        ("not what I ordered", Ground.NOT_AS_SPECIFIED),
        ("the fabric is 50% cotton instead of 100%", Ground.NOT_AS_SPECIFIED),
        ("20 pieces are broken", Ground.NOT_AS_SPECIFIED),
        ("size is smaller than agreed", Ground.NOT_AS_SPECIFIED),
        ("It was not late, but the colour is wrong", Ground.NOT_AS_SPECIFIED),
        ("I'm not satisfied: the weight is different from the contract", Ground.NOT_AS_SPECIFIED),
    ],
)
def test_objective_grounds_are_recognised(text: str, ground: Ground) -> None:
    assert classify_ground(text) == ground


def test_both_grounds_in_order_of_mention() -> None:
    assert detect_grounds("late, and the colour is wrong") == (
        Ground.LATE_DELIVERY,
        Ground.NOT_AS_SPECIFIED,
    )


def test_goods_without_defects_and_unclear_complaints() -> None:
    no_defect = classify_ground("There are no defects but I don't want them")
    assert isinstance(no_defect, Refusal) and no_defect.code == "no_defect"
    unclear = classify_ground("hello")
    assert isinstance(unclear, Refusal) and unclear.code == "no_ground"


def test_escalation_after_the_deadline_or_an_unsatisfactory_answer() -> None:
    assert not may_escalate(RULES, T0, T0 + timedelta(days=4, hours=23))
    assert may_escalate(RULES, T0, T0 + timedelta(days=5))
    assert may_escalate(RULES, T0, T0 + timedelta(days=1), unsatisfactory_answer=True)
    current = load_rules(profile="current")
    assert not may_escalate(current, T0, T0 + timedelta(days=2, hours=23))
    assert may_escalate(current, T0, T0 + timedelta(days=3))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 5, 4, 15, 0)
    with pytest.raises(ValueError):
        supplier_response_due(RULES, naive)
    with pytest.raises(ValueError):
        claim_window(RULES, ShippingMode.AIR, naive, None)
    window = claim_window(RULES, ShippingMode.AIR, T0, None)
    with pytest.raises(ValueError):
        days_left(window, naive)


def test_no_window_before_receipt_is_confirmed() -> None:
    with pytest.raises(PolicyError) as caught:
        claim_window(RULES, ShippingMode.SEA, None, None)
    assert caught.value.code == "receipt_not_confirmed"


def test_days_left_counts_down_to_zero_on_the_last_day() -> None:
    window = claim_window(RULES, ShippingMode.EXPRESS, None, T0)  # 15 days
    assert days_left(window, T0) == 15
    assert days_left(window, T0 + timedelta(days=1, seconds=1)) == 13
    assert days_left(window, window.deadline - timedelta(hours=1)) == 0
    assert is_open(window, window.deadline - timedelta(seconds=1))
    assert not is_open(window, window.deadline)
    assert days_left(window, window.deadline + timedelta(days=30)) == 0
    # the same instant seen from another zone
    assert days_left(window, (T0 + timedelta(days=3)).astimezone(UTC)) == 12


def test_a_claim_of_goods_not_as_specified_needs_an_evidence_file() -> None:
    """ch7: a claim "must be backed up by sufficient proof"; the record proves lateness."""
    assert needs_proof_file(RULES, Ground.NOT_AS_SPECIFIED)
    assert not needs_proof_file(RULES, Ground.LATE_DELIVERY)
    assert has_proof(RULES, Ground.LATE_DELIVERY, [])
    assert not has_proof(RULES, Ground.NOT_AS_SPECIFIED, [])
    # A document (the buyer's messages) is not proof that the goods differ.
    assert not has_proof(RULES, Ground.NOT_AS_SPECIFIED, ["seller_communications"])
    assert has_proof(RULES, Ground.NOT_AS_SPECIFIED, ["seller_communications", "defect_media"])
    assert has_proof(RULES, Ground.NOT_AS_SPECIFIED, ["inspection_report"])
