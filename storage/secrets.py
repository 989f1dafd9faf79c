"""Secrets generated once and kept in the database (the embedded default needs none set)."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AppSecret


async def get_or_create_secret(session: AsyncSession, name: str) -> str:
    row = await session.get(AppSecret, name)
    if row is None:
        row = AppSecret(name=name, value=secrets.token_urlsafe(32))
        session.add(row)
        await session.flush()
    return row.value
