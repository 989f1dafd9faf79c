"""How each kind of push (notice or reminder) reads, rendered in the recipient's language.

Features register a renderer per kind; the dispatcher calls it inside the recipient's
locale with the reminder row. A kind without a renderer is a bug and is marked failed.

A few kinds also *do* something at their due time (the platform confirming receipt by the
clock). That is an effect, registered apart from the renderer, because it must happen
whether or not the notice can be delivered: a buyer who blocked the bot still has their
receipt confirmed and their claim window started.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.replies import Reply
from storage.models import Reminder, User


@dataclass
class NoticeCtx:
    session: AsyncSession
    recipient: User
    secret: bytes  # to sign the shortcut buttons a push carries


Renderer = Callable[[NoticeCtx, Reminder], Awaitable[Reply | None]]
RENDERERS: dict[str, Renderer] = {}


Effect = Callable[[AsyncSession, Reminder], Awaitable[None]]
EFFECTS: dict[str, Effect] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    def register(renderer: Renderer) -> Renderer:
        RENDERERS[kind] = renderer
        return renderer

    return register


def performs(kind: str) -> Callable[[Effect], Effect]:
    """Register what a kind does at its due time, before (and whatever becomes of) its
    notice. Effects run again if the row is retried, so they must be idempotent."""

    def register(effect: Effect) -> Effect:
        EFFECTS[kind] = effect
        return effect

    return register
