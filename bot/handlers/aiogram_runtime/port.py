"""``telegram_common.Port`` over an ``aiogram.Bot``: the Bot API calls the bot makes,
with aiogram's exceptions turned into the neutral delivery errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
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
    # ``from None``: the neutral error carries Telegram's description, nothing else.
    try:
        yield
    except TelegramRetryAfter as error:
        raise RetryAfter(float(error.retry_after)) from None
    except TelegramForbiddenError as error:
        raise Blocked(error.message) from None
    except TelegramUnauthorizedError as error:
        raise Unauthorized(error.message) from None
    except TelegramBadRequest as error:
        raise Rejected(error.message) from None
    except (TelegramNetworkError, TelegramServerError) as error:
        raise Transient(error.message) from None
    except TelegramAPIError as error:
        raise DeliveryError(error.message) from None


def inline_markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


def _parse_mode(html: bool) -> str | None:
    return ParseMode.HTML if html else None


class AiogramPort:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def read_head(self, file_id: str, limit: int) -> bytes:
        async with translated_errors():
            file = await self.bot.get_file(file_id)
            assert file.file_path is not None
            data = await self.bot.download_file(file.file_path)
        assert data is not None
        return data.read(limit)

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
                parse_mode=_parse_mode(html),
                reply_markup=inline_markup(keyboard),
                link_preview_options=NO_PREVIEW,
            )

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None:
        async with translated_errors():
            await self.bot.edit_message_text(
                text=text,
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
                BufferedInputFile(document.content, filename=document.file_name),
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
        scope = BotCommandScopeChat(chat_id=chat_id) if chat_id else BotCommandScopeDefault()
        async with translated_errors():
            await self.bot.set_my_commands(
                [BotCommand(command=name, description=text) for name, text in commands],
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
