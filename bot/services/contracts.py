"""Contract versions: the terms both parties accept, frozen and fingerprinted.

Confirming a specification issues a version the buyer has accepted; the supplier then
accepts it or asks for changes. Only a version accepted by both makes the order payable.
The fingerprint is the SHA-256 of the version's canonical JSON (sorted keys, no
insignificant spaces, UTF-8), so anyone holding the same terms gets the same digest.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ContractVersion, Order, Supplier


def content_of(order: Order, supplier: Supplier) -> dict[str, Any]:
    """What the parties agree to: the parties, the price, the terms and every answer."""
    return {
        "order": order.id,
        "buyer": order.buyer_id,
        "supplier": {"id": supplier.id, "name": supplier.name, "country": supplier.country},
        "amount": str(order.amount),
        "currency": order.currency,
        "shipping_mode": order.shipping_mode,
        "delivery_deadline": (
            order.delivery_deadline.isoformat() if order.delivery_deadline else None
        ),
        "coverage_type": order.coverage_type,
        "advance": str(order.advance_amount) if order.advance_amount is not None else None,
        "spec": order.spec or {},
    }


def digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def in_force(session: AsyncSession, order_id: int) -> ContractVersion | None:
    """The latest version both parties accepted: the contract that binds them."""
    return await session.scalar(
        select(ContractVersion)
        .where(
            ContractVersion.order_id == order_id,
            ContractVersion.buyer_accepted_at.is_not(None),
            ContractVersion.supplier_accepted_at.is_not(None),
        )
        .order_by(ContractVersion.version.desc())
    )


async def current(session: AsyncSession, order_id: int) -> ContractVersion | None:
    """The latest version of the order's contract, or None before the first one."""
    return await session.scalar(
        select(ContractVersion)
        .where(ContractVersion.order_id == order_id)
        .order_by(ContractVersion.version.desc())
        .limit(1)
    )


def agreed(version: ContractVersion | None) -> bool:
    return (
        version is not None
        and version.buyer_accepted_at is not None
        and version.supplier_accepted_at is not None
    )


def agreed_at(version: ContractVersion) -> datetime | None:
    """The acceptance date: when the second party accepted."""
    if not agreed(version):
        return None
    assert version.buyer_accepted_at is not None and version.supplier_accepted_at is not None
    return max(version.buyer_accepted_at, version.supplier_accepted_at)


async def _next_number(session: AsyncSession, order_id: int) -> int:
    last = await session.scalar(
        select(func.max(ContractVersion.version)).where(ContractVersion.order_id == order_id)
    )
    return int(last or 0) + 1


async def issue(
    session: AsyncSession, order: Order, supplier: Supplier, now: datetime
) -> ContractVersion:
    """A new version from the order as it stands, accepted by the buyer who sent it."""
    content = content_of(order, supplier)
    version = ContractVersion(
        order_id=order.id,
        version=await _next_number(session, order.id),
        content=content,
        sha256=digest(content),
        created_at=now,
        buyer_accepted_at=now,
    )
    session.add(version)
    await session.flush()
    return version


async def reissue(
    session: AsyncSession, order: Order, agreed: ContractVersion, now: datetime
) -> ContractVersion:
    """The agreed version again, as the latest: the same content and SHA-256, accepted
    when the parties accepted it (a withdrawn amendment of a paid order)."""
    version = ContractVersion(
        order_id=order.id,
        version=await _next_number(session, order.id),
        content=dict(agreed.content),
        sha256=agreed.sha256,
        created_at=now,
        buyer_accepted_at=agreed.buyer_accepted_at,
        supplier_accepted_at=agreed.supplier_accepted_at,
    )
    session.add(version)
    await session.flush()
    return version
