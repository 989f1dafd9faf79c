"""The outbox dispatcher's ``Deliverer`` over a Telegram framework's bot.

Notices for other users (a claim for the supplier, a reminder) are rendered exactly
like replies (``telegram_common.send_reply``), through the same ``Port``; failures
surface as ``bot.scheduler.errors`` so the dispatcher can back off (429, network) or
mark the recipient unreachable (403).
"""

from __future__ import annotations

from typing import Any

from bot.flows.replies import Reply
from bot.handlers.telegram_common import Port, send_reply
from storage.models import User


class TelegramDeliverer:
    def __init__(self, port: Port) -> None:
        self.port = port

    async def deliver(self, user: User, reply: Reply) -> None:
        # In a private chat the chat id is the user id.
        await send_reply(self.port, user.telegram_id, reply)


def aiogram_deliverer(bot: Any) -> TelegramDeliverer:
    """A deliverer over an ``aiogram.Bot``."""
    from bot.handlers.aiogram_runtime.port import AiogramPort

    return TelegramDeliverer(AiogramPort(bot))


def ptb_deliverer(bot: Any) -> TelegramDeliverer:
    """A deliverer over a ``telegram.Bot`` (python-telegram-bot)."""
    from bot.handlers.ptb_runtime.port import PtbPort

    return TelegramDeliverer(PtbPort(bot))
