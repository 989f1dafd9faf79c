"""Who speaks for a directory supplier: the one place ``Supplier.telegram_id`` is set.

An account is bound to a supplier by the dispute team's decision, never by something a
user holds that could be forwarded: the team approving the supplier's own registration
(the account that registered is bound at that moment), or a one-time claim code the team
issues for a directory row, which the supplier sends back with ``/claim CODE``. The
operator's directory import may name an account too (their data). Every binding, and
every code issued or redeemed, is a row in the append-only ``supplier_events``.

A code is 12 characters from an alphabet without look-alikes (60 bits), shown in groups
of four; only its SHA-256 is stored, it expires after ``CODE_LIFETIME`` and works once.
Issuing a new code for a supplier retires the unused ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClaimCode, Order, OrderStatus, Supplier, SupplierEvent, User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12
CODE_LIFETIME = timedelta(hours=72)

# Audit event kinds.
BOUND = "bound"
UNBOUND = "unbound"
CODE_ISSUED = "claim_code_issued"
CODE_REDEEMED = "claim_code_redeemed"

How = Literal["registration", "claim_code", "directory"]


class ClaimRefused(ValueError):
    """``code``: wrong (no such code), used, expired, own_orders, unknown_supplier."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def normalise(raw: str) -> str:
    """What the supplier typed, as stored: case, spaces and dashes do not matter."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def shown(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


async def record(
    session: AsyncSession,
    supplier: Supplier,
    actor: User | None,
    role: Literal["supplier", "team", "system"],
    kind: str,
    now: datetime,
    **payload: Any,
) -> None:
    session.add(
        SupplierEvent(
            supplier_id=supplier.id,
            actor_id=actor.id if actor is not None else None,
            actor_role=role,
            kind=kind,
            payload=payload,
            created_at=now,
        )
    )
    await session.flush()


async def buys_from(session: AsyncSession, user: User, supplier: Supplier) -> bool:
    """Whether ``user`` has a live order from ``supplier`` as its buyer: binding them
    would make one account both parties of it."""
    found = await session.scalar(
        select(Order.id)
        .where(
            Order.buyer_id == user.id,
            Order.supplier_id == supplier.id,
            Order.status != OrderStatus.CANCELLED,
        )
        .limit(1)
    )
    return found is not None


async def bind(
    session: AsyncSession,
    supplier: Supplier,
    user: User,
    now: datetime,
    *,
    how: How,
    actor: User | None,
    actor_role: Literal["supplier", "team", "system"],
) -> None:
    """Bind ``user``'s Telegram account to ``supplier`` and audit it (with whether an
    earlier account was replaced, never which: Telegram ids stay out of the log)."""
    if user.telegram_id is None:
        raise ClaimRefused("wrong")  # an erased row speaks for nobody
    if await buys_from(session, user, supplier):
        raise ClaimRefused("own_orders", supplier=supplier.name)
    replaced = supplier.telegram_id is not None and supplier.telegram_id != user.telegram_id
    supplier.telegram_id = user.telegram_id
    supplier.updated_at = now
    await record(
        session,
        supplier,
        actor,
        actor_role,
        BOUND,
        now,
        how=how,
        account=user.id,
        replaced=replaced,
    )


async def find_supplier(session: AsyncSession, raw: str) -> Supplier | None:
    """An approved directory row by number (``12``, ``#12``) or exact name."""
    text = " ".join(raw.split())
    number = text.lstrip("#")
    found: Supplier | None = None
    if number.isdigit():
        if 0 < int(number) < 2**31:
            found = await session.get(Supplier, int(number))
    elif text:
        rows = (
            await session.scalars(
                select(Supplier).where(func.lower(Supplier.name) == text.lower()).limit(2)
            )
        ).all()
        found = rows[0] if len(rows) == 1 else None
    return found if found is not None and found.approved else None


async def issue_code(
    session: AsyncSession, supplier_id: int, team_member: User, now: datetime
) -> tuple[Supplier, str, datetime]:
    """A new one-time code for an approved directory row; earlier unused ones retire."""
    supplier = await session.get(Supplier, supplier_id) if 0 < supplier_id < 2**31 else None
    if supplier is None or not supplier.approved:
        raise ClaimRefused("unknown_supplier")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    retired = await session.execute(
        update(ClaimCode)
        .where(
            ClaimCode.supplier_id == supplier.id,
            ClaimCode.used_at.is_(None),
            ClaimCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    expires = now + CODE_LIFETIME
    session.add(
        ClaimCode(
            supplier_id=supplier.id,
            code_sha256=digest(code),
            issued_by_id=team_member.id,
            created_at=now,
            expires_at=expires,
        )
    )
    await record(
        session,
        supplier,
        team_member,
        "team",
        CODE_ISSUED,
        now,
        expires_at=expires.isoformat(),
        retired=int(retired.rowcount or 0),  # type: ignore[attr-defined]
    )
    return supplier, code, expires


async def redeem(session: AsyncSession, user: User, raw: str, now: datetime) -> Supplier:
    """``/claim CODE``: bind the sender to the code's supplier, once."""
    code = normalise(raw)
    if len(code) != CODE_LENGTH:
        raise ClaimRefused("wrong")
    row = await session.scalar(select(ClaimCode).where(ClaimCode.code_sha256 == digest(code)))
    if row is None:
        raise ClaimRefused("wrong")
    if row.used_at is not None:
        raise ClaimRefused("used")
    if row.expires_at <= now:
        raise ClaimRefused("expired")
    supplier = await session.get(Supplier, row.supplier_id)
    if supplier is None:
        raise ClaimRefused("wrong")
    if await buys_from(session, user, supplier):
        raise ClaimRefused("own_orders", supplier=supplier.name)
    # Marked used only if nobody else used it in between (two workers, one code).
    taken = await session.execute(
        update(ClaimCode)
        .where(ClaimCode.id == row.id, ClaimCode.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        raise ClaimRefused("used")
    await record(session, supplier, user, "supplier", CODE_REDEEMED, now, code_id=row.id)
    await bind(session, supplier, user, now, how="claim_code", actor=user, actor_role="supplier")
    return supplier
