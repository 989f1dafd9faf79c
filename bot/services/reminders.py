"""What to remind whom, and when. Services call these in the transaction of the state
change that causes the reminder; the dispatcher sends rows when they fall due.

Each reminder has a ``dedup_key`` so scheduling twice (a retried update, a repeated
confirmation) never creates two, and an ``expires_at`` where a late reminder would be
useless (a claim-window reminder after the window closed is dropped, not sent).
Kinds are plain strings; their texts are registered in ``bot.flows.reminder_texts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox

CLAIM_WINDOW_CLOSING = "claim_window_closing"
SHIPMENT_OVERDUE = "shipment_overdue"
SUPPLIER_RESPONSE_DUE = "supplier_response_due"  # to the supplier, during the 5 days
ESCALATION_OPEN = "escalation_open"  # to the buyer, when the supplier's time is up
AUTO_ESCALATION = "auto_escalation"  # system: escalate by itself (rules profile "current")
TEAM_WAITING = "team_waiting"  # to the team, escalated dispute waiting too long
INFO_DUE = "info_due"  # to the asked party: the team's question is still unanswered
INFO_LAPSE = "info_lapse"  # system at the deadline: record the lapse, tell the team
INFO_KINDS = (INFO_DUE, INFO_LAPSE)

# The order's two parties tell each other what they did (immediate notices), and the
# platform confirms receipt by itself when the buyer has not (a system row, ch6).
ORDER_TO_REVIEW = "order_to_review"  # to the supplier: a contract version to accept
CONTRACT_ACCEPTED = "contract_accepted"  # to the buyer
CHANGES_REQUESTED = "changes_requested"  # to the buyer, with the supplier's reason
PAYMENT_COMING = "payment_coming"  # to the supplier: being paid, do not ship yet
ORDER_PAID = "order_paid"  # to the supplier: the money is in escrow, ship it
FUNDS_RECEIVED = "funds_received"  # to the buyer: the money is in escrow
FUNDS_OVERDUE = "funds_overdue"  # to the buyer: the money should be in escrow by now
ORDER_SHIPPED = "order_shipped"  # to the buyer, with carrier and tracking
RECEIPT_CONFIRMED = "receipt_confirmed"  # to the supplier
ORDER_CANCELLED = "order_cancelled"  # to the other party
CANCEL_REQUESTED = "cancel_requested"  # a paid order: the other party asks to cancel
CANCEL_ANSWERED = "cancel_answered"  # agreed (cancelled) or declined
AMENDMENT_STARTED = "amendment_started"  # to the supplier: a paid order is being changed
AMENDMENT_WITHDRAWN = "amendment_withdrawn"  # to the supplier: the agreed version stands
AUTO_RECEIPT = "auto_receipt"  # system: confirm receipt by the rules' clock, tell the buyer

SUPPLIER_REMINDER_KINDS = (SUPPLIER_RESPONSE_DUE, ESCALATION_OPEN, AUTO_ESCALATION)


async def schedule_claim_window(
    session: AsyncSession,
    *,
    order_id: int,
    buyer_id: int,
    deadline: datetime,
    now: datetime,
    days_before: Iterable[int] = (7, 3, 1, 0),
) -> int:
    """Remind the buyer 7, 3 and 1 days before the claim window closes, and on the day."""
    created = 0
    for days in sorted(set(days_before), reverse=True):
        due = deadline - timedelta(days=days) if days else deadline - timedelta(hours=12)
        if due <= now:
            continue  # that moment has passed already; the next one will still come
        row = await outbox.enqueue(
            session,
            kind=CLAIM_WINDOW_CLOSING,
            recipient_id=buyer_id,
            due_at=due,
            now=now,
            subject=("order", order_id),
            payload={"days_before": days, "deadline": deadline.isoformat()},
            expires_at=deadline,
            dedup_key=f"claim:{order_id}:{deadline.date().isoformat()}:{days}",
        )
        created += row is not None
    return created


# Banks run late: the buyer is asked about a missing payment a day after its method's
# latest arrival, not at the hour.
FUNDS_GRACE = timedelta(days=1)


async def schedule_funds_overdue(
    session: AsyncSession,
    *,
    order_id: int,
    buyer_id: int,
    expected_by: datetime,
    payment_id: int,
    choice_id: int,
    now: datetime,
) -> None:
    """If the money is not recorded by then, ask the buyer whether they sent it."""
    await outbox.enqueue(
        session,
        kind=FUNDS_OVERDUE,
        recipient_id=buyer_id,
        due_at=max(expected_by + FUNDS_GRACE, now),
        now=now,
        subject=("order", order_id),
        payload={"expected_by": expected_by.isoformat(), "payment": payment_id},
        dedup_key=f"funds:{order_id}:{choice_id}",
    )


async def schedule_shipment_deadline(
    session: AsyncSession,
    *,
    order_id: int,
    buyer_id: int,
    deadline: datetime,
    now: datetime,
    version: int = 1,
) -> None:
    """If the deadline passes with no shipping documents, suggest a late-delivery claim.
    A later contract version (an amended paid order) has its own reminder."""
    version_key = f":v{version}" if version > 1 else ""
    await outbox.enqueue(
        session,
        kind=SHIPMENT_OVERDUE,
        recipient_id=buyer_id,
        due_at=max(deadline, now),
        now=now,
        subject=("order", order_id),
        payload={"deadline": deadline.isoformat()},
        dedup_key=f"shipment:{order_id}:{deadline.date().isoformat()}{version_key}",
    )


async def notify_party(
    session: AsyncSession,
    *,
    kind: str,
    order_id: int,
    recipient_id: int | None,
    now: datetime,
    payload: dict[str, object] | None = None,
) -> None:
    """An order notice to the other party; a supplier who never wrote to the bot has no
    chat to receive it and finds the order in /orders when they come."""
    if recipient_id is None:
        return
    await outbox.notify_now(
        session,
        kind=kind,
        recipient_id=recipient_id,
        now=now,
        subject=("order", order_id),
        payload=dict(payload or {}),
    )


async def schedule_auto_receipt(
    session: AsyncSession,
    *,
    order_id: int,
    buyer_id: int,
    due_at: datetime,
    claim_days: int,
    days_before: Iterable[int],
    now: datetime,
) -> None:
    """The moment the platform confirms receipt for a buyer who has not. The row carries
    the claim window the rules give then, because the dispatcher has no rules of its own."""
    await outbox.enqueue(
        session,
        kind=AUTO_RECEIPT,
        recipient_id=buyer_id,
        due_at=max(due_at, now),
        now=now,
        subject=("order", order_id),
        payload={"claim_days": claim_days, "days_before": sorted(set(days_before))},
        urgent=True,
        dedup_key=f"auto-receipt:{order_id}",
    )


async def schedule_supplier_response(
    session: AsyncSession,
    *,
    dispute_id: int,
    buyer_id: int,
    supplier_user_id: int | None,
    submitted_at: datetime,
    response_due_at: datetime,
    auto_escalate_at: datetime | None,
    now: datetime,
) -> None:
    """Day 3 and day 4 nudges to the supplier; at expiry the buyer hears escalation is open;
    where the rules profile escalates by itself, a system row does that on the day."""
    if supplier_user_id is not None:
        for day in (3, 4):
            due = submitted_at + timedelta(days=day)
            if due < response_due_at:
                await outbox.enqueue(
                    session,
                    kind=SUPPLIER_RESPONSE_DUE,
                    recipient_id=supplier_user_id,
                    due_at=due,
                    now=now,
                    subject=("dispute", dispute_id),
                    payload={"day": day, "due": response_due_at.isoformat()},
                    expires_at=response_due_at,
                    urgent=True,
                    dedup_key=f"respond:{dispute_id}:{day}",
                )
    await outbox.enqueue(
        session,
        kind=ESCALATION_OPEN,
        recipient_id=buyer_id,
        due_at=response_due_at,
        now=now,
        subject=("dispute", dispute_id),
        urgent=True,
        dedup_key=f"escalation-open:{dispute_id}",
    )
    if auto_escalate_at is not None:
        await outbox.enqueue(
            session,
            kind=AUTO_ESCALATION,
            recipient_id=buyer_id,
            due_at=auto_escalate_at,
            now=now,
            subject=("dispute", dispute_id),
            urgent=True,
            dedup_key=f"auto-escalate:{dispute_id}",
        )


async def cancel_supplier_response(session: AsyncSession, *, dispute_id: int) -> int:
    """The supplier answered: stop nudging them and stop the escalation notices."""
    return await outbox.cancel_pending(
        session, subject=("dispute", dispute_id), kinds=SUPPLIER_REMINDER_KINDS
    )


async def schedule_team_waiting(
    session: AsyncSession,
    *,
    dispute_id: int,
    team_user_ids: Iterable[int],
    escalated_at: datetime,
    after_days: int,
    now: datetime,
) -> None:
    for user_id in team_user_ids:
        await outbox.enqueue(
            session,
            kind=TEAM_WAITING,
            recipient_id=user_id,
            due_at=escalated_at + timedelta(days=after_days),
            now=now,
            subject=("dispute", dispute_id),
            payload={"days": after_days},
            dedup_key=f"team-waiting:{dispute_id}:{user_id}",
        )


async def schedule_info_request(
    session: AsyncSession,
    *,
    dispute_id: int,
    request_id: int,
    recipient_id: int,
    team_user_ids: Iterable[int],
    due_at: datetime,
    remind_before: timedelta,
    now: datetime,
) -> None:
    """The asked party is reminded ``remind_before`` the deadline (if that is still
    ahead); at the deadline each team member hears the question lapsed. The lapse rows
    carry the request, since a later question has its own."""
    reminder_at = due_at - remind_before
    if reminder_at > now:
        await outbox.enqueue(
            session,
            kind=INFO_DUE,
            recipient_id=recipient_id,
            due_at=reminder_at,
            now=now,
            subject=("dispute", dispute_id),
            payload={"request": request_id, "due": due_at.isoformat()},
            expires_at=due_at,
            urgent=True,
            dedup_key=f"info-due:{request_id}",
        )
    for user_id in team_user_ids:
        await outbox.enqueue(
            session,
            kind=INFO_LAPSE,
            recipient_id=user_id,
            due_at=due_at,
            now=now,
            subject=("dispute", dispute_id),
            payload={"request": request_id},
            urgent=True,
            dedup_key=f"info-lapse:{request_id}:{user_id}",
        )


async def cancel_info_request(session: AsyncSession, *, dispute_id: int) -> int:
    """The question was answered or withdrawn: no reminder, no lapse (one is open at a time)."""
    return await outbox.cancel_pending(session, subject=("dispute", dispute_id), kinds=INFO_KINDS)


async def cancel_for_order(session: AsyncSession, *, order_id: int, kinds: Iterable[str]) -> int:
    return await outbox.cancel_pending(session, subject=("order", order_id), kinds=kinds)


async def cancel_for_dispute(session: AsyncSession, *, dispute_id: int) -> int:
    return await outbox.cancel_pending(session, subject=("dispute", dispute_id))
