"""How each kind of push (notice or reminder) reads, rendered in the recipient's language.

Features register a renderer per kind; the dispatcher calls it inside the recipient's
locale with the reminder row. A kind without a renderer is a bug and is marked failed.
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


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    def register(renderer: Renderer) -> Renderer:
        RENDERERS[kind] = renderer
        return renderer

    return register
