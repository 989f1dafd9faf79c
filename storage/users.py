"""User rows: found by Telegram id, created on first contact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Supplier, User


async def get_or_create_user(
    session: AsyncSession,
    telegram_id: int,
    *,
    display_name: str,
    locale: str,
    timezone: str,
    now: datetime,
) -> tuple[User, bool]:
    """Return the user and whether it was created now."""
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    return await _known_or_new(session, user, telegram_id, display_name, locale, timezone, now)


async def arrive(
    session: AsyncSession,
    telegram_id: int,
    *,
    display_name: str,
    locale: str,
    timezone: str,
    now: datetime,
) -> tuple[User, bool, Conversation | None]:
    """``get_or_create_user`` and the user's conversation, in one query: every update of
    a user in a flow needs both. While the caller holds the conversation, the flow
    engine's ``session.get`` finds it in the session (whose identity map is weak)."""
    row = (
        await session.execute(
            select(User, Conversation)
            .outerjoin(Conversation, Conversation.user_id == User.id)
            .where(User.telegram_id == telegram_id)
        )
    ).first()
    user, conversation = (row[0], row[1]) if row is not None else (None, None)
    user, created = await _known_or_new(
        session, user, telegram_id, display_name, locale, timezone, now
    )
    return user, created, conversation


async def _known_or_new(
    session: AsyncSession,
    user: User | None,
    telegram_id: int,
    display_name: str,
    locale: str,
    timezone: str,
    now: datetime,
) -> tuple[User, bool]:
    if user is not None:
        if display_name and user.display_name != display_name[:128] and user.erased_at is None:
            user.display_name = display_name[:128]
        return user, False
    user = User(
        telegram_id=telegram_id,
        display_name=display_name[:128],
        locale=locale,
        timezone=timezone,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user, True


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def supplier_of_user(session: AsyncSession, user: User) -> Supplier | None:
    """The directory entry this user answers for, if any."""
    return await session.scalar(
        select(Supplier).where(Supplier.telegram_id == user.telegram_id).order_by(Supplier.id)
    )
