"""Finding a supplier whose assurance limit covers an order, and suppliers who register
themselves in the bot (kept out of search until the dispute team approves them).

Search ranks by what protects the buyer most (ch9): how much of the order the limit
covers, then Gold before Verified before unverified, then the higher limit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import binding, outbox
from policy import Coverage, Money, Rules, assess_coverage
from policy.rates import default_rates
from storage.models import Supplier, User, Verification

# Notice kinds; their texts are registered by bot.flows.supplier_registration.
REGISTRATION_PENDING = "supplier_registration_pending"  # to the dispute team
REGISTRATION_APPROVED = "supplier_registration_approved"  # to the supplier
REGISTRATION_REJECTED = "supplier_registration_rejected"

_RANK = {Verification.GOLD: 0, Verification.VERIFIED: 1, Verification.NONE: 2}
# Matches beyond this are not worth paging through; the buyer should narrow the word.
MAX_MATCHES = 200


@dataclass(frozen=True)
class Match:
    supplier: Supplier
    # None when the limit is in another currency than the order: without exchange rates
    # we cannot say how much it covers, so such suppliers rank last.
    coverage: Coverage | None


class RegistrationError(ValueError):
    def __init__(self, code: str, supplier: Supplier | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.supplier = supplier


def _like(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalise_keyword(text: str) -> str:
    return " ".join(text.lower().split())[:80]


async def search(session: AsyncSession, rules: Rules, keyword: str, order: Money) -> list[Match]:
    """Approved suppliers selling ``keyword`` (in their products or name), best first."""
    keyword = normalise_keyword(keyword)
    if not keyword:
        return []
    pattern = _like(keyword)
    rows = (
        await session.scalars(
            select(Supplier)
            .where(
                Supplier.approved.is_(True),
                or_(
                    Supplier.products.like(pattern, escape="\\"),
                    func.lower(Supplier.name).like(pattern, escape="\\"),
                ),
            )
            .order_by(Supplier.id)
            .limit(MAX_MATCHES)
        )
    ).all()
    matches = [Match(s, coverage_for(rules, s, order)) for s in rows]
    return sorted(matches, key=_rank)


def coverage_for(rules: Rules, supplier: Supplier, order: Money) -> Coverage | None:
    # A limit in another currency is compared at the rates table's rate (its date is shown
    # with the result); a currency the table lacks cannot be compared.
    limit = default_rates().convert(
        Money(Decimal(supplier.assurance_limit), supplier.currency), order.currency
    )
    if limit is None:
        return None
    return assess_coverage(order, limit, max_refund_fraction=rules.coverage.max_refund_fraction)


def _rank(match: Match) -> tuple[int, Decimal, int, Decimal, str]:
    coverage = match.coverage
    supplier = match.supplier
    return (
        coverage is None,
        -(coverage.percent if coverage else Decimal(0)),
        _RANK.get(supplier.verification, 3),
        -Decimal(supplier.assurance_limit),
        supplier.name.lower(),
    )


async def similar_keywords(session: AsyncSession, keyword: str, limit: int = 4) -> list[str]:
    """Product words in the directory close to what was typed (a typo, a plural); if
    none is close, the words most suppliers sell, so the buyer sees what there is."""
    counts: dict[str, int] = {}
    for products in await session.scalars(
        select(Supplier.products).where(Supplier.approved.is_(True))
    ):
        for product in products.split(";"):
            if product:
                counts[product] = counts.get(product, 0) + 1
    close = difflib.get_close_matches(
        normalise_keyword(keyword), sorted(counts), n=limit, cutoff=0.6
    )
    if close:
        return close
    return [p for p, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


async def get_approved(session: AsyncSession, supplier_id: int) -> Supplier | None:
    if not 0 < supplier_id < 2**31:  # a typed id beyond the column is simply not there
        return None
    supplier = await session.get(Supplier, supplier_id)
    return supplier if supplier is not None and supplier.approved else None


# -- registration ------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    name: str
    country: str
    products: tuple[str, ...]
    limit: Money
    verification: Verification


async def registration_of(session: AsyncSession, user: User) -> Supplier | None:
    return await session.scalar(
        select(Supplier).where(Supplier.registered_by_id == user.id).order_by(Supplier.id)
    )


async def register(
    session: AsyncSession, user: User, now: datetime, form: Registration, team: set[int]
) -> Supplier:
    """Store a self-registration unapproved; a pending one is replaced by the new answers
    (ch10: "modify the form and submit it again")."""
    existing = await registration_of(session, user)
    if existing is not None and existing.approved:
        raise RegistrationError("already_approved", existing)
    clash = await session.scalar(
        select(Supplier).where(Supplier.name == form.name, Supplier.country == form.country)
    )
    if clash is not None and clash is not existing:
        raise RegistrationError("name_taken", clash)
    supplier = existing or Supplier(created_at=now, approved=False)
    supplier.name = form.name
    supplier.country = form.country
    supplier.products = ";".join(sorted(set(form.products)))
    supplier.assurance_limit = form.limit.amount
    supplier.currency = form.limit.currency
    supplier.verification = form.verification
    # No binding yet: the account speaks for the company once the team approves it.
    supplier.registered_by_id = user.id
    supplier.approved = False
    supplier.updated_at = now
    if existing is None:
        session.add(supplier)
    await session.flush()
    for member in await _team_users(session, team):
        await outbox.notify_now(
            session,
            kind=REGISTRATION_PENDING,
            recipient_id=member.id,
            now=now,
            payload={"supplier_id": supplier.id, "name": supplier.name},
        )
    return supplier


async def _team_users(session: AsyncSession, team: set[int]) -> list[User]:
    # Team members who never wrote to the bot have no row and cannot be pushed to.
    if not team:
        return []
    return list(
        (await session.scalars(select(User).where(User.telegram_id.in_(sorted(team))))).all()
    )


async def pending(session: AsyncSession, *, offset: int = 0, limit: int = 5) -> list[Supplier]:
    return list(
        (
            await session.scalars(
                select(Supplier)
                .where(Supplier.approved.is_(False))
                .order_by(Supplier.created_at, Supplier.id)
                .offset(offset)
                .limit(limit)
            )
        ).all()
    )


async def count_pending(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Supplier).where(Supplier.approved.is_(False))
        )
        or 0
    )


async def _pending_one(session: AsyncSession, supplier_id: int) -> Supplier:
    supplier = await session.get(Supplier, supplier_id)
    if supplier is None or supplier.approved:
        # Someone else on the team decided first: nothing to do twice.
        raise RegistrationError("not_pending")
    return supplier


async def approve(
    session: AsyncSession, supplier_id: int, now: datetime, team_member: User | None = None
) -> Supplier:
    """Make a registration searchable, bind the account that registered it (the team's
    approval is the binding moment) and tell the supplier."""
    supplier = await _pending_one(session, supplier_id)
    supplier.approved = True
    supplier.updated_at = now
    applicant = (
        await session.get(User, supplier.registered_by_id)
        if supplier.registered_by_id is not None
        else None
    )
    if applicant is not None and applicant.telegram_id is not None:
        await binding.bind(
            session,
            supplier,
            applicant,
            now,
            how="registration",
            actor=team_member,
            actor_role="team" if team_member is not None else "system",
        )
    if supplier.registered_by_id is not None:
        await outbox.notify_now(
            session,
            kind=REGISTRATION_APPROVED,
            recipient_id=supplier.registered_by_id,
            now=now,
            subject=None,
            payload={"supplier_id": supplier.id, "name": supplier.name},
        )
    return supplier


async def reject(session: AsyncSession, supplier_id: int, now: datetime) -> str:
    """Remove a registration so the supplier can correct it and register again (ch10).

    Nothing can reference an unapproved supplier (search never showed it), so deleting
    the row loses no history; the notice keeps its name.
    """
    supplier = await _pending_one(session, supplier_id)
    name = supplier.name
    if supplier.registered_by_id is not None:
        await outbox.notify_now(
            session,
            kind=REGISTRATION_REJECTED,
            recipient_id=supplier.registered_by_id,
            now=now,
            payload={"name": name},
        )
    await session.delete(supplier)
    await session.flush()
    return name
