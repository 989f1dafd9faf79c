"""Who may see or act on a dispute.

Checked in the services, not only in the flows, so that a command typed with someone
else's number, a forged button or a future transport all meet the same rule: the
buyer sees their own disputes, a supplier the claims against them, the dispute team
everything. Anyone else meets ``Forbidden``, which the flows word exactly like a
dispute that does not exist, so a guessed number reveals nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Dispute, Supplier, User

Party = Literal["buyer", "supplier", "team"]


class Forbidden(PermissionError):
    """This user may not see or do this (or it does not exist: the two look the same)."""


async def is_supplier_of(session: AsyncSession, dispute: Dispute, user: User) -> bool:
    if user.telegram_id is None:  # an erased user's row speaks for no Telegram account
        return False
    supplier = await session.get(Supplier, dispute.supplier_id)
    return supplier is not None and supplier.telegram_id == user.telegram_id


async def party_of(
    session: AsyncSession, dispute: Dispute, user: User, *, is_team: bool
) -> Party | None:
    """The user's part in this dispute; a party role wins over team membership, so a
    team member who is also the buyer acts (and is audited) as the buyer."""
    if dispute.buyer_id == user.id:
        return "buyer"
    if await is_supplier_of(session, dispute, user):
        return "supplier"
    if is_team:
        return "team"
    return None


async def dispute_for(
    session: AsyncSession,
    dispute_id: int,
    user: User,
    *,
    is_team: bool,
    allowed: Collection[Party] = ("buyer", "supplier", "team"),
) -> tuple[Dispute, Party]:
    """The dispute and the user's part in it, or ``Forbidden``."""
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None:
        raise Forbidden()
    party = await party_of(session, dispute, user, is_team=is_team)
    # A team member who is a party to this dispute acts as that party only: nobody
    # decides their own case.
    if party is None or party not in allowed:
        raise Forbidden()
    return dispute, party
