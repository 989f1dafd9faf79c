"""Disputes, from claim to decision (ch6): every state change of a dispute lives here.

submitted (the supplier has 5 days) -> supplier_responded (accept | partial | reject)
-> resolved, or -> escalated (dispute team) -> decided -> closed.

Each function takes the update's session (one transaction per update, see
``docs/decisions.md``: we flush, never commit), the acting user and ``now``. Each checks
who may act (``bot.services.authz``) before anything else, so a refused attempt writes
nothing; each change appends a ``DisputeEvent`` (the audit log the database refuses to
edit) and (re)schedules or cancels its reminders and notices in the same transaction.

A decision closes the file at once: the guide makes the dispute team's judgment final
("both parties will need to adhere to"), so nothing happens between decided and closed
but the audit log still shows both steps.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import contracts, info_state, outbox, reminders
from bot.services.authz import Forbidden, Party, dispute_for
from bot.services.delivery_record import delivery_record
from policy import (
    MIN_DECISION_REASON,
    MIN_RECORD_NOTE,
    ClaimWindow,
    CoverageType,
    CurrencyMismatch,
    Ground,
    Money,
    Rules,
    ShippingMode,
    SpecError,
    assess_coverage,
    auto_escalation_at,
    claim_window,
    contract_documents,
    escalation_opens_at,
    has_proof,
    is_open,
    long_enough,
    may_escalate,
    supplier_response_due,
)
from policy.answers import check_decision_reason
from policy.rates import RateUsed, default_rates
from storage.models import (
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Evidence,
    Order,
    OrderStatus,
    Payment,
    Reminder,
    Supplier,
    User,
)

# Audit event kinds.
SUBMITTED = "submitted"
SUPPLIER_NOTIFIED = "supplier_notified"
SUPPLIER_INVITED = "supplier_invited"
SUPPLIER_LINKED = "supplier_linked"  # before invites stopped binding
SUPPLIER_REACHED = "supplier_reached"
ANSWERED = "supplier_answered"
RESOLVED = "resolved"
ESCALATION_OPENED = "escalation_opened"
ESCALATED = "escalated"
DECIDED = "decided"
CLOSED = "closed"

# Notices (pushes through the outbox); their texts are in ``bot.flows.dispute_texts``.
NOTICE_CLAIM = "dispute_claim"  # supplier: a claim against you
NOTICE_ANSWERED = "dispute_answered"  # buyer: the supplier answered
NOTICE_RESOLVED = "dispute_resolved"  # supplier: the buyer accepted your answer
NOTICE_ESCALATED = "dispute_escalated"  # supplier: the dispute team has the file
NOTICE_QUEUED = "dispute_queued"  # team: a new file in the queue
NOTICE_DECIDED = "dispute_decided"  # both parties: the team's decision

Answer = Literal["accept", "partial", "reject"]
ANSWERS: tuple[Answer, ...] = ("accept", "partial", "reject")
ENDED = (DisputeStatus.RESOLVED, DisputeStatus.DECIDED, DisputeStatus.CLOSED)
# Before receipt only a missed delivery date can be argued: there are no goods to
# compare with the specification yet (see docs/decisions.md, "Late delivery before receipt").
BEFORE_RECEIPT = (OrderStatus.AWAITING_SHIPMENT, OrderStatus.SHIPPED)
INVITE_PREFIX = "inv"
COUNTER = "counter"  # the evidence item of the supplier's own files
MAX_NOTE = 1000


class DisputeRefused(ValueError):
    """A rule or the dispute's state says no. ``code`` + ``params`` are worded by the flows
    (``bot.flows.dispute_texts.refusal_text``); nothing was written."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Team:
    """Who the dispute team is, from configuration (services do not see the app)."""

    telegram_ids: frozenset[int]
    waiting_days: int


@dataclass(frozen=True)
class EvidenceFile:
    """One uploaded file as a flow keeps it (JSON) until the dispute is written."""

    item: str
    file_id: str
    unique_id: str | None = None
    name: str | None = None
    mime: str | None = None
    size: int | None = None
    sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> EvidenceFile:
        return cls(**{key: raw.get(key) for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Claim:
    order_id: int
    ground: Ground
    # late delivery: {"record_note": text} at most; the dates come from the order's record
    # not as specified: {"items": {item: {"agreed": display, "received": text}}}
    details: dict[str, Any]
    requested: Money
    checklist: dict[str, bool]  # checklist item id -> provided
    files: tuple[EvidenceFile, ...]
    idempotency_key: str


@dataclass(frozen=True)
class Claimable:
    """An order a dispute may be opened on now, and on which grounds."""

    grounds: tuple[Ground, ...]
    window: ClaimWindow | None  # None: before receipt (a late delivery only)


@dataclass(frozen=True)
class Opened:
    dispute: Dispute
    created: bool  # False: the same submission was seen before (a double press)
    supplier_reached: bool
    invite_token: str | None


@dataclass(frozen=True)
class Cap:
    amount: Money
    basis: Literal["limit", "advance", "order", "limit_other_currency", "paid"]


# -- reading -----------------------------------------------------------------------------


def order_money(order: Order) -> Money:
    return Money(Decimal(order.amount), order.currency)


def requested_money(dispute: Dispute) -> Money:
    return Money(Decimal(dispute.requested_amount), dispute.currency)


def cap_money(dispute: Dispute) -> Money:
    return Money(Decimal(dispute.cap_amount), dispute.currency)


def offer_money(dispute: Dispute) -> Money | None:
    if dispute.supplier_offer is None:
        return None
    return Money(Decimal(dispute.supplier_offer), dispute.currency)


def invite_payload(dispute: Dispute) -> str | None:
    """The /start payload of the supplier invite (Telegram allows 64 characters)."""
    return None if dispute.invite_token is None else f"{INVITE_PREFIX}_{dispute.invite_token}"


async def supplier_user(session: AsyncSession, supplier: Supplier) -> User | None:
    """The supplier's chat with the bot, if they have one: only then can we write to them."""
    if supplier.telegram_id is None:
        return None
    return await session.scalar(select(User).where(User.telegram_id == supplier.telegram_id))


async def get_supplier(session: AsyncSession, supplier_id: int) -> Supplier:
    supplier = await session.get(Supplier, supplier_id)
    assert supplier is not None  # a foreign key: the row cannot vanish under a dispute
    return supplier


async def get_order(session: AsyncSession, order_id: int) -> Order:
    order = await session.get(Order, order_id)
    assert order is not None
    return order


async def own_order(session: AsyncSession, buyer: User, order_id: int) -> Order:
    order = await session.get(Order, order_id)
    if order is None or order.buyer_id != buyer.id:
        raise Forbidden()
    return order


async def view(
    session: AsyncSession,
    user: User,
    dispute_id: int,
    *,
    is_team: bool,
    allowed: Collection[Party] = ("buyer", "supplier", "team"),
) -> tuple[Dispute, Party]:
    """A dispute the user may see (``Forbidden`` otherwise). Reading writes no event."""
    return await dispute_for(session, dispute_id, user, is_team=is_team, allowed=allowed)


async def events_of(session: AsyncSession, dispute: Dispute) -> list[DisputeEvent]:
    rows = await session.scalars(
        select(DisputeEvent)
        .where(DisputeEvent.dispute_id == dispute.id)
        .order_by(DisputeEvent.created_at, DisputeEvent.id)
    )
    return list(rows.all())


async def evidence_of(session: AsyncSession, dispute: Dispute) -> list[Evidence]:
    rows = await session.scalars(
        select(Evidence).where(Evidence.dispute_id == dispute.id).order_by(Evidence.id)
    )
    return list(rows.all())


async def answer_explanation(session: AsyncSession, dispute: Dispute) -> str:
    """The supplier's explanation of their answer, as recorded with it."""
    event = await session.scalar(
        select(DisputeEvent)
        .where(DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind == ANSWERED)
        .order_by(DisputeEvent.id.desc())
    )
    return str((event.payload or {}).get("explanation") or "") if event is not None else ""


async def dispute_of_order(session: AsyncSession, order_id: int) -> Dispute | None:
    return await session.scalar(
        select(Dispute).where(Dispute.order_id == order_id).order_by(Dispute.id.desc())
    )


async def buyer_orders(
    session: AsyncSession, buyer: User, *, limit: int = 10
) -> list[tuple[Order, Supplier]]:
    """The buyer's paid orders, newest first: the ones a dispute could be about."""
    rows = await session.execute(
        select(Order, Supplier)
        .join(Supplier, Supplier.id == Order.supplier_id)
        .where(
            Order.buyer_id == buyer.id,
            Order.status.in_([*BEFORE_RECEIPT, OrderStatus.COMPLETE]),
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [(order, supplier) for order, supplier in rows.all()]


async def disputes_of(
    session: AsyncSession,
    user: User,
    *,
    statuses: Collection[DisputeStatus] | None = None,
    as_party: Collection[Party] = ("buyer", "supplier"),
    limit: int = 10,
) -> list[Dispute]:
    """Disputes where the user is the buyer or the supplier, newest first."""
    conditions = []
    if "buyer" in as_party:
        conditions.append(Dispute.buyer_id == user.id)
    if "supplier" in as_party:
        supplier_ids = select(Supplier.id).where(Supplier.telegram_id == user.telegram_id)
        conditions.append(Dispute.supplier_id.in_(supplier_ids))
    if not conditions:
        return []
    statement = select(Dispute).where(or_(*conditions))
    if statuses is not None:
        statement = statement.where(Dispute.status.in_(list(statuses)))
    rows = await session.scalars(statement.order_by(Dispute.id.desc()).limit(limit))
    return list(rows.all())


async def queue(session: AsyncSession, *, limit: int = 20) -> list[Dispute]:
    """Escalated disputes, oldest first: whoever has waited longest is decided first."""
    rows = await session.scalars(
        select(Dispute)
        .where(Dispute.status == DisputeStatus.ESCALATED)
        .order_by(Dispute.escalated_at, Dispute.id)
        .limit(limit)
    )
    return list(rows.all())


# -- may a dispute be opened? -------------------------------------------------------------


def claimable(order: Order, rules: Rules, now: datetime) -> Claimable:
    """Whether the programme accepts a dispute on this order now, or ``DisputeRefused``.

    The claim window (ch6) comes from policy; before receipt we accept a late-delivery
    claim once the contracted delivery date has passed (docs/decisions.md).
    """
    if not order.uses_programme:
        raise DisputeRefused("not_programme")
    if order.receipt_confirmed_at is not None or order.auto_confirmed_at is not None:
        window = claim_window(
            rules,
            ShippingMode(order.shipping_mode or ShippingMode.SEA),
            order.receipt_confirmed_at,
            order.auto_confirmed_at,
        )
        if not is_open(window, now):
            raise DisputeRefused(
                "window_closed",
                deadline=window.deadline,
                basis=window.basis,
                days=window.days,
                mode=window.shipping_mode.value if window.shipping_mode else None,
            )
        return Claimable((Ground.LATE_DELIVERY, Ground.NOT_AS_SPECIFIED), window)
    if order.status in BEFORE_RECEIPT:
        deadline = order.delivery_deadline
        if deadline is None or now <= deadline:
            raise DisputeRefused("not_late_yet", deadline=deadline)
        return Claimable((Ground.LATE_DELIVERY,), None)
    raise DisputeRefused("not_paid", status=order.status.value)


def claim_details(order: Order, claim: Claim, now: datetime) -> dict[str, Any]:
    """The facts the claim stands on. For a late delivery they come from the order's
    record (contract, shipment, receipt), never from the claim: dates a buyer sends are
    ignored. A buyer who says the record is wrong adds a note, kept as a disputed fact
    for the supplier and the team to read; without one, a delivery the record shows on
    time cannot be claimed as late."""
    if claim.ground != Ground.LATE_DELIVERY:
        return dict(claim.details)
    note = " ".join(str(claim.details.get("record_note") or "").split())[:MAX_NOTE]
    facts = delivery_record(order).as_details(now.astimezone(UTC).date())
    if note and not long_enough(note, MIN_RECORD_NOTE):
        raise DisputeRefused("note_too_short", minimum=MIN_RECORD_NOTE)
    if facts["days_late"] <= 0 and not note:
        raise DisputeRefused("not_late_by_record", contracted=facts["contracted"])
    kept = {k: v for k, v in claim.details.items() if k == "description"}
    return {**kept, **facts, **({"record_note": note} if note else {})}


def cap_for(
    order: Order,
    supplier: Supplier,
    rules: Rules,
    paid: Money | None = None,
    rate: RateUsed | None = None,
) -> Cap:
    """The most the programme can refund on this order (ch1, ch8), and what sets it:
    the covered amount, and never more than the buyer actually paid (``paid``). ``rate``
    is the one the agreed contract version recorded (``agreed_rate``): the cover the buyer
    accepted, not the one today's table would give."""
    cap = _covered_cap(order, supplier, rules, rate)
    if paid is not None and paid.currency == cap.amount.currency and paid < cap.amount:
        return Cap(paid, "paid")
    return cap


async def amount_paid(session: AsyncSession, order: Order) -> Money | None:
    """What the buyer paid for the order in its currency (the payment rows), or None when
    no payment was recorded through the bot (then the order's amount stands)."""
    rows = await session.scalars(
        select(Payment.amount).where(
            Payment.order_id == order.id, Payment.currency == order.currency
        )
    )
    amounts = list(rows.all())
    if not amounts:
        return None
    return Money(sum((Decimal(a) for a in amounts), Decimal(0)), order.currency)


async def agreed_rate(session: AsyncSession, order: Order) -> RateUsed | None:
    """The exchange rate of the contract version both parties accepted, if it has one."""
    return contracts.rate_of(await contracts.in_force(session, order.id))


def _covered_cap(order: Order, supplier: Supplier, rules: Rules, rate: RateUsed | None) -> Cap:
    advance = (
        Money(Decimal(order.advance_amount), order.currency)
        if order.advance_amount is not None
        else None
    )
    kind = CoverageType(order.coverage_type)
    fraction = rules.coverage.max_refund_fraction
    # A limit in another currency is converted at the agreed version's rate, or else at the
    # dated rates table (policy/rates.toml).
    supplier_limit = Money(Decimal(supplier.assurance_limit), supplier.currency)
    if rate is not None and (rate.source, rate.target) == (supplier.currency, order.currency):
        limit: Money | None = rate.convert(supplier_limit)
    else:
        limit = default_rates().convert(supplier_limit, order.currency)
    try:
        if limit is None:
            raise CurrencyMismatch(supplier.currency, order.currency)
        coverage = assess_coverage(
            order_money(order), limit, kind, advance, max_refund_fraction=fraction
        )
    except CurrencyMismatch:
        # No rate for the supplier's currency: the team must check the limit itself; the
        # refundable base still bounds any decision.
        base = assess_coverage(
            order_money(order), order_money(order), kind, advance, max_refund_fraction=fraction
        ).refundable_base
        return Cap(base, "limit_other_currency")
    if coverage.covered == limit and coverage.covered < coverage.refundable_base:
        return Cap(coverage.covered, "limit")
    if kind == CoverageType.PRE_DELIVERY:
        return Cap(coverage.covered, "advance")
    return Cap(coverage.covered, "order")


# -- the buyer opens a dispute -----------------------------------------------------------


async def open_dispute(
    session: AsyncSession, buyer: User, claim: Claim, *, rules: Rules, team: Team, now: datetime
) -> Opened:
    """Submit a claim. The same ``idempotency_key`` always returns the same dispute."""
    existing = await session.scalar(
        select(Dispute).where(Dispute.idempotency_key == claim.idempotency_key)
    )
    if existing is not None:
        if existing.buyer_id != buyer.id:
            raise Forbidden()
        return Opened(existing, False, existing.invite_token is None, existing.invite_token)

    order = await own_order(session, buyer, claim.order_id)
    allowed = claimable(order, rules, now)
    earlier = await dispute_of_order(session, order.id)
    if earlier is not None:
        raise DisputeRefused("already_disputed", dispute_id=earlier.id)
    if claim.ground not in allowed.grounds:
        raise DisputeRefused("needs_receipt")
    requested = claim.requested
    if requested.currency != order.currency:
        raise DisputeRefused("wrong_currency", currency=order.currency)
    if not requested.is_positive() or requested > order_money(order):
        raise DisputeRefused("requested_range", order=order_money(order))
    if not has_proof(rules, claim.ground, (f.item for f in claim.files)):
        raise DisputeRefused("no_proof")

    details = claim_details(order, claim, now)
    checklist = dict(claim.checklist)
    agreed = await contracts.in_force(session, order.id)
    if agreed is not None:
        # The case file starts with the contract both parties accepted: it is the
        # purchase order and the agreed specification, whatever the buyer uploads. The
        # record says which checklist items it stands for, so a reader of the claim sees
        # them once, as the contract, and not again as two "provided" lines.
        stands_for = contract_documents(rules)
        details["contract"] = {
            "version": agreed.version,
            "sha256": agreed.sha256,
            "accepted_at": (agreed.supplier_accepted_at or agreed.created_at).isoformat(),
            "stands_for": list(stands_for),
        }
        checklist.update(dict.fromkeys(stands_for, True))
    supplier = await get_supplier(session, order.supplier_id)
    paid = await amount_paid(session, order)
    cap = cap_for(order, supplier, rules, paid, contracts.rate_of(agreed))
    due = supplier_response_due(rules, now)
    dispute = Dispute(
        order_id=order.id,
        buyer_id=buyer.id,
        supplier_id=supplier.id,
        status=DisputeStatus.SUBMITTED,
        ground=claim.ground.value,
        details={
            **details,
            "checklist": checklist,
            "cap_basis": cap.basis,
            "coverage_type": order.coverage_type,
        },
        requested_amount=requested.amount,
        cap_amount=cap.amount.amount,
        currency=order.currency,
        submitted_at=now,
        response_due_at=due,
        escalation_opens_at=escalation_opens_at(rules, now),
        auto_escalate_at=auto_escalation_at(rules, now),
        idempotency_key=claim.idempotency_key,
    )
    session.add(dispute)
    await session.flush()
    await _store_files(session, dispute, buyer, claim.files, now)
    await _event(
        session,
        dispute,
        buyer,
        "buyer",
        SUBMITTED,
        now,
        ground=claim.ground.value,
        details=details,
        requested=str(requested.amount),
        cap=str(cap.amount.amount),
        cap_basis=cap.basis,
        currency=dispute.currency,
        checklist=checklist,
        files=len(claim.files),
    )

    reachable = await supplier_user(session, supplier)
    if reachable is not None:
        await outbox.notify_now(
            session,
            kind=NOTICE_CLAIM,
            recipient_id=reachable.id,
            now=now,
            subject=("dispute", dispute.id),
        )
        await _event(session, dispute, None, "system", SUPPLIER_NOTIFIED, now)
    else:
        # No chat with the bot yet: the buyer forwards an unguessable /start link.
        dispute.invite_token = secrets.token_urlsafe(24)
        await _event(session, dispute, None, "system", SUPPLIER_INVITED, now)

    await reminders.schedule_supplier_response(
        session,
        dispute_id=dispute.id,
        buyer_id=buyer.id,
        supplier_user_id=reachable.id if reachable else None,
        submitted_at=now,
        response_due_at=due,
        auto_escalate_at=dispute.auto_escalate_at,
        now=now,
    )
    await _remember_team(session, dispute, team)
    return Opened(dispute, True, reachable is not None, dispute.invite_token)


async def _remember_team(session: AsyncSession, dispute: Dispute, team: Team) -> None:
    """The automatic escalation runs in the dispatcher, which has no configuration: it
    finds the team (as it was at submission) in its own reminder row."""
    row = await session.scalar(
        select(Reminder).where(
            Reminder.subject_type == "dispute",
            Reminder.subject_id == dispute.id,
            Reminder.kind == reminders.AUTO_ESCALATION,
        )
    )
    if row is not None:
        row.payload = {"team": sorted(team.telegram_ids), "waiting_days": team.waiting_days}


# -- the supplier is reached ---------------------------------------------------------------


async def open_invite(session: AsyncSession, user: User, token: str, now: datetime) -> Dispute:
    """``/start inv_<token>``: the supplier's bound account arrives by the invitation.

    Opening a link never binds anything: a link can be forwarded, so whoever holds it
    proves nothing. It works only for the Telegram account already bound to the
    dispute's supplier (by an approved registration, a claim code or the directory);
    the buyer, a second account it was forwarded to, or anyone while the supplier has
    no bound account is refused and nothing changes.
    """
    dispute = await session.scalar(select(Dispute).where(Dispute.invite_token == token))
    if dispute is None or dispute.status in ENDED:
        raise DisputeRefused("invite_invalid")
    if dispute.buyer_id == user.id:
        raise DisputeRefused("invite_own")
    supplier = await get_supplier(session, dispute.supplier_id)
    if supplier.telegram_id is None:
        raise DisputeRefused("invite_unbound", supplier=supplier.name)
    if user.telegram_id is None or supplier.telegram_id != user.telegram_id:
        raise DisputeRefused("invite_taken")
    if dispute.status == DisputeStatus.SUBMITTED:
        # Now that we can write to them, the day-3 and day-4 nudges apply (the buyer's
        # escalation reminders exist already and are not duplicated; nor are the nudges
        # when the link is opened twice).
        await reminders.schedule_supplier_response(
            session,
            dispute_id=dispute.id,
            buyer_id=dispute.buyer_id,
            supplier_user_id=user.id,
            submitted_at=dispute.submitted_at,
            response_due_at=dispute.response_due_at,
            auto_escalate_at=dispute.auto_escalate_at,
            now=now,
        )
        reached = await session.scalar(
            select(DisputeEvent.id).where(
                DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind == SUPPLIER_REACHED
            )
        )
        if reached is None:  # the first opening is the moment the supplier was reached
            await _event(session, dispute, user, "supplier", SUPPLIER_REACHED, now)
    return dispute


# -- the supplier answers ------------------------------------------------------------------


async def respond(
    session: AsyncSession,
    user: User,
    dispute_id: int,
    *,
    is_team: bool,
    answer: Answer,
    offer: Money | None,
    explanation: str,
    files: Sequence[EvidenceFile],
    now: datetime,
) -> Dispute:
    """Accept the refund, offer part of it, or reject with an explanation (5 days, ch6)."""
    dispute, _party = await view(session, user, dispute_id, is_team=is_team, allowed=("supplier",))
    check_can_answer(dispute, now)
    requested = requested_money(dispute)
    if answer == "accept":
        offer = requested
        check_refund(dispute, offer)
    elif answer == "partial":
        if offer is None or offer.currency != dispute.currency:
            raise DisputeRefused("wrong_currency", currency=dispute.currency)
        if not offer.is_positive() or offer >= requested:
            raise DisputeRefused("offer_range", requested=requested)
        check_refund(dispute, offer)
    elif answer == "reject":
        offer = None
    else:
        raise ValueError(f"unknown answer {answer!r}")
    if answer == "reject" and not explanation.strip():
        raise DisputeRefused("explanation_required")

    dispute.status = DisputeStatus.SUPPLIER_RESPONDED
    dispute.supplier_answer = answer
    dispute.supplier_offer = offer.amount if offer is not None else None
    await _store_files(session, dispute, user, files, now)
    await _event(
        session,
        dispute,
        user,
        "supplier",
        ANSWERED,
        now,
        answer=answer,
        offer=str(offer.amount) if offer is not None else None,
        currency=dispute.currency,
        explanation=explanation.strip(),
        files=len(files),
    )
    await reminders.cancel_supplier_response(session, dispute_id=dispute.id)
    await outbox.notify_now(
        session,
        kind=NOTICE_ANSWERED,
        recipient_id=dispute.buyer_id,
        now=now,
        subject=("dispute", dispute.id),
    )
    return dispute


def check_can_answer(dispute: Dispute, now: datetime) -> None:
    """The supplier answers once, before the deadline; the flow asks this up front too."""
    if dispute.status != DisputeStatus.SUBMITTED:
        raise DisputeRefused("already_answered", status=dispute.status.value)
    if now >= dispute.response_due_at:
        raise DisputeRefused("answer_late", due=dispute.response_due_at)


# -- the buyer decides ---------------------------------------------------------------------


async def accept_answer(
    session: AsyncSession, user: User, dispute_id: int, *, is_team: bool, now: datetime
) -> Dispute:
    """The buyer takes the supplier's answer: the offer (or, after a rejection, nothing)
    is the outcome and the dispute is resolved."""
    dispute, _party = await view(session, user, dispute_id, is_team=is_team, allowed=("buyer",))
    if dispute.status != DisputeStatus.SUPPLIER_RESPONDED:
        raise DisputeRefused("nothing_to_accept", status=dispute.status.value)
    amount = dispute.supplier_offer if dispute.supplier_offer is not None else Decimal(0)
    # Checked when the supplier answered, and again here: an offer stored before the cap
    # applied to every path (or written by anything but ``respond``) pays no more.
    check_refund(dispute, Money(Decimal(amount), dispute.currency))
    dispute.status = DisputeStatus.RESOLVED
    dispute.resolved_amount = amount
    dispute.closed_at = now
    dispute.invite_token = None
    await _event(
        session,
        dispute,
        user,
        "buyer",
        RESOLVED,
        now,
        answer=dispute.supplier_answer,
        amount=str(amount),
        currency=dispute.currency,
    )
    await reminders.cancel_for_dispute(session, dispute_id=dispute.id)
    await _notify_supplier(session, dispute, NOTICE_RESOLVED, now)
    return dispute


def check_can_escalate(dispute: Dispute, rules: Rules, now: datetime) -> None:
    """After an answer at once (an unsatisfactory answer, ch6); after silence from the day
    the supplier's time is up (policy says when)."""
    if dispute.status == DisputeStatus.SUPPLIER_RESPONDED:
        if may_escalate(rules, dispute.submitted_at, now, unsatisfactory_answer=True):
            return
    elif dispute.status == DisputeStatus.SUBMITTED:
        if may_escalate(rules, dispute.submitted_at, now):
            return
        raise DisputeRefused(
            "escalation_not_open", opens_at=dispute.escalation_opens_at, due=dispute.response_due_at
        )
    raise DisputeRefused("not_escalatable", status=dispute.status.value)


def check_auto_escalation(dispute: Dispute, now: datetime) -> None:
    open_states = (DisputeStatus.SUBMITTED, DisputeStatus.SUPPLIER_RESPONDED)
    if dispute.status not in open_states:
        raise DisputeRefused("not_escalatable", status=dispute.status.value)
    if dispute.auto_escalate_at is None or now < dispute.auto_escalate_at:
        raise DisputeRefused(
            "escalation_not_open", opens_at=dispute.escalation_opens_at, due=dispute.response_due_at
        )


async def escalate(
    session: AsyncSession,
    user: User | None,
    dispute_id: int,
    *,
    is_team: bool,
    rules: Rules | None,
    team: Team,
    now: datetime,
    note: str = "",
) -> Dispute:
    """Hand the file to the dispute team. ``user`` None: the rules escalate by themselves,
    at the moment fixed on the dispute when it was submitted (``auto_escalate_at``)."""
    if user is None:
        found = await session.get(Dispute, dispute_id)
        if found is None:
            raise Forbidden()
        dispute = found
        check_auto_escalation(dispute, now)
    else:
        dispute, _party = await view(session, user, dispute_id, is_team=is_team, allowed=("buyer",))
        assert rules is not None  # the buyer's right to escalate depends on the rules
        check_can_escalate(dispute, rules, now)
    silent = dispute.status == DisputeStatus.SUBMITTED
    dispute.status = DisputeStatus.ESCALATED
    dispute.escalated_at = now
    await _event(
        session,
        dispute,
        user,
        "buyer" if user is not None else "system",
        ESCALATED,
        now,
        automatic=user is None,
        after="silence" if silent else dispute.supplier_answer,
        note=note.strip(),
    )
    await reminders.cancel_supplier_response(session, dispute_id=dispute.id)
    members = list(
        (await session.scalars(select(User).where(User.telegram_id.in_(team.telegram_ids)))).all()
    )
    members = [m for m in members if m.id not in (dispute.buyer_id,)]
    await reminders.schedule_team_waiting(
        session,
        dispute_id=dispute.id,
        team_user_ids=[m.id for m in members],
        escalated_at=now,
        after_days=team.waiting_days,
        now=now,
    )
    for member in members:
        await outbox.notify_now(
            session,
            kind=NOTICE_QUEUED,
            recipient_id=member.id,
            now=now,
            subject=("dispute", dispute.id),
        )
    await _notify_supplier(session, dispute, NOTICE_ESCALATED, now)
    return dispute


async def mark_escalation_open(session: AsyncSession, dispute: Dispute, now: datetime) -> bool:
    """The supplier stayed silent past the deadline: record it once (the audit shows when
    the buyer's right to escalate began). False if it no longer applies."""
    if dispute.status != DisputeStatus.SUBMITTED or now < dispute.escalation_opens_at:
        return False
    already = await session.scalar(
        select(DisputeEvent.id).where(
            DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind == ESCALATION_OPENED
        )
    )
    if already is None:
        await _event(session, dispute, None, "system", ESCALATION_OPENED, now)
    return True


async def escalated_automatically(session: AsyncSession, dispute: Dispute) -> bool:
    if dispute.status != DisputeStatus.ESCALATED:
        return False
    event = await session.scalar(
        select(DisputeEvent)
        .where(DisputeEvent.dispute_id == dispute.id, DisputeEvent.kind == ESCALATED)
        .order_by(DisputeEvent.id.desc())
    )
    return event is not None and bool((event.payload or {}).get("automatic"))


# -- the dispute team decides ----------------------------------------------------------------


async def decide(
    session: AsyncSession,
    user: User,
    dispute_id: int,
    *,
    is_team: bool,
    amount: Money,
    reason: str,
    now: datetime,
) -> Dispute:
    """Record the team's decision: a refund no higher than the cap fixed at submission
    (the assurance limit, or the advance under pre-delivery cover) nor than requested."""
    dispute, _party = await view(session, user, dispute_id, is_team=is_team, allowed=("team",))
    if dispute.status != DisputeStatus.ESCALATED:
        raise DisputeRefused("not_escalated", status=dispute.status.value)
    # The team asked a party a question: the dispute waits for the answer, its deadline,
    # or the team withdrawing it, never for a decision made meanwhile.
    await info_state.check_not_waiting(session, dispute, now)
    check_refund(dispute, amount)
    if not reason.strip():
        raise DisputeRefused("reason_required")
    if not long_enough(reason, MIN_DECISION_REASON):
        raise DisputeRefused("reason_too_short", minimum=MIN_DECISION_REASON)
    try:
        check_decision_reason(reason)
    except SpecError:
        raise DisputeRefused("reason_vague") from None
    dispute.status = DisputeStatus.DECIDED
    dispute.decided_amount = amount.amount
    await _event(
        session,
        dispute,
        user,
        "team",
        DECIDED,
        now,
        amount=str(amount.amount),
        currency=dispute.currency,
        cap=str(dispute.cap_amount),
        reason=reason.strip(),
    )
    dispute.status = DisputeStatus.CLOSED
    dispute.closed_at = now
    dispute.invite_token = None
    await _event(session, dispute, user, "team", CLOSED, now)
    await reminders.cancel_for_dispute(session, dispute_id=dispute.id)
    await outbox.notify_now(
        session,
        kind=NOTICE_DECIDED,
        recipient_id=dispute.buyer_id,
        now=now,
        subject=("dispute", dispute.id),
    )
    await _notify_supplier(session, dispute, NOTICE_DECIDED, now)
    return dispute


def check_refund(dispute: Dispute, amount: Money) -> None:
    """THE cap: every refund amount on a dispute, whoever proposes or accepts it (the
    supplier accepting or offering, the buyer accepting, the team deciding), passes here.

    No refund exceeds min(what the buyer asked, the covered amount, what was paid); the
    last two were fixed into ``cap_amount`` when the claim was submitted."""
    if amount.currency != dispute.currency:
        raise DisputeRefused("wrong_currency", currency=dispute.currency)
    if amount.amount < 0:
        raise DisputeRefused("amount_negative")
    cap = cap_money(dispute)
    if amount > cap:
        raise DisputeRefused("over_cap", cap=cap, basis=dispute.details.get("cap_basis", "order"))
    requested = requested_money(dispute)
    if amount > requested:
        raise DisputeRefused("over_requested", requested=requested)


def refund_ceiling(dispute: Dispute) -> Money:
    """The most any refund on this dispute can be (see ``check_refund``)."""
    return min(cap_money(dispute), requested_money(dispute))


def may_accept_in_full(dispute: Dispute) -> bool:
    """Whether the supplier may accept the whole request: not when it exceeds the cap
    (then they can offer up to the cap instead)."""
    return requested_money(dispute) <= cap_money(dispute)


# -- helpers -------------------------------------------------------------------------------


async def _notify_supplier(
    session: AsyncSession, dispute: Dispute, kind: str, now: datetime
) -> None:
    reachable = await supplier_user(session, await get_supplier(session, dispute.supplier_id))
    if reachable is not None:
        await outbox.notify_now(
            session, kind=kind, recipient_id=reachable.id, now=now, subject=("dispute", dispute.id)
        )


async def _store_files(
    session: AsyncSession,
    dispute: Dispute,
    owner: User,
    files: Sequence[EvidenceFile],
    now: datetime,
) -> None:
    for file in files:
        session.add(
            Evidence(
                owner_id=owner.id,
                order_id=dispute.order_id,
                dispute_id=dispute.id,
                item=file.item[:48],
                telegram_file_id=file.file_id[:256],
                file_unique_id=file.unique_id,
                file_name=(file.name or "")[:256] or None,
                mime_type=file.mime,
                size_bytes=file.size,
                sha256=file.sha256,
                created_at=now,
            )
        )
    await session.flush()


async def _event(
    session: AsyncSession,
    dispute: Dispute,
    actor: User | None,
    role: Literal["buyer", "supplier", "team", "system"],
    kind: str,
    now: datetime,
    **payload: Any,
) -> DisputeEvent:
    event = DisputeEvent(
        dispute_id=dispute.id,
        actor_id=actor.id if actor is not None else None,
        actor_role=role,
        kind=kind,
        payload=payload,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event


# For the services that add to a dispute's file beside this one (bot.services.info_requests):
# the same event and evidence writing, so the audit log has one shape.
record_event = _event
store_files = _store_files
