"""/delete_me: erase a user's personal data where no open dispute still needs it.

What is personal here, and what happens to it (docs/decisions.md, "Erasing a user"):

* the user row's Telegram id, name, language, time zone and country: cleared; the row
  stays only as the pseudonymous party of records the programme keeps, marked
  unreachable, and the same Telegram account writing again is a new user;
* where they are in a conversation (answers not yet submitted, uploads in flight):
  deleted;
* orders never paid (drafts, confirmed specifications, contract drafts, their design
  files): deleted;
* paid orders: kept as the programme's financial record (amount, currency, supplier,
  dates, payments), their specification and files erased;
* orders with a decided dispute, the dispute and its append-only audit log: kept as
  they are (the decision is final and may be challenged); the user's own files in them
  lose their Telegram file id and name, keeping type, size and hash as a fingerprint;
* pending reminders and notices to them: cancelled;
* a supplier's directory entries: unlinked from their Telegram account (the company
  stays in the directory), registrations still waiting for approval deleted.

An open dispute (buyer or supplier side) blocks the whole erasure: its evidence and
messages are needed until the dispute is decided or resolved. Like every service this
takes the caller's session and never commits: the erasure is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import binding
from storage.models import (
    ContractVersion,
    Conversation,
    Dispute,
    DisputeStatus,
    Evidence,
    Order,
    OrderStatus,
    Payment,
    Reminder,
    ReminderStatus,
    Supplier,
    User,
)

OPEN = (DisputeStatus.SUBMITTED, DisputeStatus.SUPPLIER_RESPONDED, DisputeStatus.ESCALATED)
# Money moved: from here on the order is part of the programme's financial record.
# A chosen method counts: the money may be on its way to escrow.
PAID = (
    OrderStatus.AWAITING_FUNDS,
    OrderStatus.AWAITING_SHIPMENT,
    OrderStatus.SHIPPED,
    OrderStatus.COMPLETE,
)
# What an erased row says about language and zone: the defaults, so it tells nothing.
NEUTRAL_LOCALE = "en"
NEUTRAL_ZONE = "UTC"


class ErasureBlocked(Exception):
    """Open disputes still need this user's data; nothing was changed."""

    def __init__(self, disputes: Sequence[Dispute]) -> None:
        super().__init__(", ".join(f"#{d.id}" for d in disputes))
        self.disputes = tuple(disputes)


@dataclass(frozen=True)
class ErasurePlan:
    """What ``erase`` would do now, counted so the user can be told before they confirm."""

    blocking: tuple[Dispute, ...]  # open disputes where the user is a party
    orders_deleted: tuple[int, ...]  # never paid: drafts, confirmed specs, cancelled
    orders_kept_paid: tuple[int, ...]  # paid, no dispute: financial record, spec erased
    orders_kept_disputed: tuple[int, ...]  # a decided dispute's order: kept whole
    decided_disputes: tuple[int, ...]  # where the user was buyer or supplier
    files_deleted: int
    files_fingerprinted: int  # files of decided disputes: hash and size stay
    pending_reminders: int
    suppliers_unlinked: tuple[str, ...]  # directory entries answered from this account
    registrations_deleted: tuple[str, ...]  # self-registrations still waiting

    @property
    def allowed(self) -> bool:
        return not self.blocking


async def _supplier_ids(session: AsyncSession, user: User) -> list[int]:
    if user.telegram_id is None:
        return []
    rows = await session.scalars(
        select(Supplier.id).where(Supplier.telegram_id == user.telegram_id)
    )
    return list(rows.all())


async def _disputes_of(session: AsyncSession, user: User, supplier_ids: list[int]) -> list[Dispute]:
    """Every dispute where the user is the buyer or the supplier, whatever its state."""
    conditions = [Dispute.buyer_id == user.id]
    if supplier_ids:
        conditions.append(Dispute.supplier_id.in_(supplier_ids))
    rows = await session.scalars(select(Dispute).where(or_(*conditions)).order_by(Dispute.id))
    return list(rows.all())


async def survey(session: AsyncSession, user: User) -> ErasurePlan:
    """What erasing this user would delete, keep and cancel; writes nothing."""
    supplier_ids = await _supplier_ids(session, user)
    disputes = await _disputes_of(session, user, supplier_ids)
    blocking = tuple(d for d in disputes if d.status in OPEN)
    decided = tuple(d.id for d in disputes if d.status not in OPEN)

    orders = list((await session.scalars(select(Order).where(Order.buyer_id == user.id))).all())
    order_ids = [o.id for o in orders]
    paid = set(
        (
            await session.scalars(select(Payment.order_id).where(Payment.order_id.in_(order_ids)))
        ).all()
    )
    disputed = {d.order_id for d in disputes if d.buyer_id == user.id}
    kept_disputed = tuple(o.id for o in orders if o.id in disputed)
    kept_paid = tuple(
        o.id for o in orders if o.id not in disputed and (o.id in paid or o.status in PAID)
    )
    deleted = tuple(o.id for o in orders if o.id not in disputed and o.id not in kept_paid)

    files = list(
        (await session.scalars(select(Evidence).where(Evidence.owner_id == user.id))).all()
    )
    fingerprinted = [f for f in files if _stays_as_fingerprint(f, set(kept_disputed))]

    pending = await session.scalars(
        select(Reminder.id).where(
            Reminder.recipient_id == user.id, Reminder.status == ReminderStatus.PENDING
        )
    )
    entries = (
        list((await session.scalars(select(Supplier).where(Supplier.id.in_(supplier_ids)))).all())
        if supplier_ids
        else []
    )
    registrations = list(
        (
            await session.scalars(
                select(Supplier).where(
                    Supplier.registered_by_id == user.id, Supplier.approved.is_(False)
                )
            )
        ).all()
    )
    waiting = {s.id for s in registrations}
    return ErasurePlan(
        blocking=blocking,
        orders_deleted=deleted,
        orders_kept_paid=kept_paid,
        orders_kept_disputed=kept_disputed,
        decided_disputes=decided,
        files_deleted=len(files) - len(fingerprinted),
        files_fingerprinted=len(fingerprinted),
        pending_reminders=len(pending.all()),
        suppliers_unlinked=tuple(s.name for s in entries if s.id not in waiting),
        registrations_deleted=tuple(s.name for s in registrations),
    )


def _stays_as_fingerprint(file: Evidence, kept_disputed_orders: set[int]) -> bool:
    # A file in a dispute, or attached to an order a dispute was decided on, was part of
    # the file the decision rests on. (Open disputes block the erasure altogether.)
    return file.dispute_id is not None or file.order_id in kept_disputed_orders


async def erase(session: AsyncSession, user: User, *, now: datetime) -> ErasurePlan:
    """Erase ``user``'s personal data as ``survey`` describes it, or ``ErasureBlocked``.

    The plan is taken again here, in the erasing transaction, so a dispute opened since
    the user saw the summary still blocks it.
    """
    plan = await survey(session, user)
    if not plan.allowed:
        raise ErasureBlocked(plan.blocking)
    kept_disputed = set(plan.orders_kept_disputed)

    await session.execute(delete(Conversation).where(Conversation.user_id == user.id))
    await session.execute(
        update(Reminder)
        .where(Reminder.recipient_id == user.id, Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.CANCELLED, last_error="recipient erased their data")
    )

    for file in (await session.scalars(select(Evidence).where(Evidence.owner_id == user.id))).all():
        if _stays_as_fingerprint(file, kept_disputed):
            file.telegram_file_id = ""  # can no longer be sent to anyone
            file.file_unique_id = None
            file.file_name = None
        else:
            await session.delete(file)
    await session.flush()

    if plan.orders_deleted:
        # Other users' files never hang on a draft (only its buyer attaches design files),
        # but a row pointing at the order must go before the order does.
        await session.execute(delete(Evidence).where(Evidence.order_id.in_(plan.orders_deleted)))
        await session.execute(
            delete(ContractVersion).where(ContractVersion.order_id.in_(plan.orders_deleted))
        )
        await session.execute(delete(Order).where(Order.id.in_(plan.orders_deleted)))
    if plan.orders_kept_paid:
        await session.execute(
            update(Order).where(Order.id.in_(plan.orders_kept_paid)).values(spec={}, updated_at=now)
        )
        # The agreed terms go with the specification; the digest stays as their fingerprint.
        await session.execute(
            update(ContractVersion)
            .where(ContractVersion.order_id.in_(plan.orders_kept_paid))
            .values(content={})
        )

    await session.execute(
        delete(Supplier).where(Supplier.registered_by_id == user.id, Supplier.approved.is_(False))
    )
    if user.telegram_id is not None:
        bound = (
            await session.scalars(select(Supplier).where(Supplier.telegram_id == user.telegram_id))
        ).all()
        for supplier in bound:
            supplier.telegram_id = None
            supplier.updated_at = now
            await binding.record(
                session, supplier, user, "supplier", binding.UNBOUND, now, how="erasure"
            )
    await session.execute(
        update(Supplier).where(Supplier.registered_by_id == user.id).values(registered_by_id=None)
    )

    user.telegram_id = None
    user.display_name = ""
    user.locale = NEUTRAL_LOCALE
    user.timezone = NEUTRAL_ZONE
    user.country = None
    user.unreachable = True  # the dispatcher sends nothing to an unreachable row
    user.erased_at = now
    await session.flush()
    return plan
