"""``telegram_common.Port`` over a python-telegram-bot ``Bot``: the Bot API calls the bot
makes, with PTB's exceptions turned into the neutral delivery errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.error import (
    RetryAfter as PtbRetryAfter,
)

from bot.flows.replies import Document
from bot.handlers.telegram_common import (
    Blocked,
    DeliveryError,
    Keyboard,
    Rejected,
    RetryAfter,
    Transient,
    Unauthorized,
)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    # ``from None`` matters: PTB's InvalidToken message quotes the token itself.
    try:
        yield
    except PtbRetryAfter as error:
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        raise RetryAfter(seconds) from None
    except Forbidden as error:
        raise Blocked(error.message) from None
    except InvalidToken:
        raise Unauthorized("Telegram rejected the bot token") from None
    except BadRequest as error:  # before NetworkError: PTB derives it from NetworkError
        raise Rejected(error.message) from None
    except NetworkError as error:  # includes TimedOut
        raise Transient(error.message) from None
    except TelegramError as error:
        raise DeliveryError(error.message) from None


def inline_markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


class PtbPort:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def read_head(self, file_id: str, limit: int) -> bytes:
        async with translated_errors():
            file = await self.bot.get_file(file_id)
            data = await file.download_as_bytearray()
        return bytes(data[:limit])

    async def get_username(self) -> str:
        async with translated_errors():
            me = await self.bot.get_me()
        return me.username or ""

    async def send_text(
        self, chat_id: int, text: str, keyboard: Keyboard | None, *, html: bool = True
    ) -> None:
        async with translated_errors():
            await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML if html else None,
                reply_markup=inline_markup(keyboard),
                link_preview_options=NO_PREVIEW,
            )

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        async with translated_errors():
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_markup(keyboard),
                link_preview_options=NO_PREVIEW,
            )

    async def send_document(
        self, chat_id: int, document: Document, caption: str | None, keyboard: Keyboard | None
    ) -> None:
        async with translated_errors():
            await self.bot.send_document(
                chat_id,
                document.content,
                filename=document.file_name,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_markup(keyboard),
            )

    async def send_file(
        self,
        chat_id: int,
        file_id: str,
        kind: str,
        caption: str | None,
        keyboard: Keyboard | None,
    ) -> None:
        send = {
            "photo": self.bot.send_photo,
            "video": self.bot.send_video,
        }.get(kind, self.bot.send_document)
        async with translated_errors():
            await send(
                chat_id,
                file_id,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_markup(keyboard),
            )

    async def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        async with translated_errors():
            await self.bot.answer_callback_query(query_id, text=text, show_alert=show_alert)

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], *, language: str | None, chat_id: int | None
    ) -> None:
        scope = BotCommandScopeChat(chat_id) if chat_id else BotCommandScopeDefault()
        async with translated_errors():
            await self.bot.set_my_commands(
                [BotCommand(name, text) for name, text in commands],
                scope=scope,
                language_code=language,
            )

    async def set_webhook(self, url: str, secret: str, allowed_updates: list[str]) -> None:
        async with translated_errors():
            await self.bot.set_webhook(
                url,
                secret_token=secret,
                allowed_updates=allowed_updates,
                drop_pending_updates=False,
            )

    async def delete_webhook(self) -> None:
        async with translated_errors():
            await self.bot.delete_webhook(drop_pending_updates=False)
