"""End-to-end tests of the Bot API emulator with the real aiogram 3 and python-telegram-bot 22."""

from __future__ import annotations

import asyncio
import contextlib
import html
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiohttp import web

from emulator import TINY_PNG, BotAPIEmulator

TOKEN = "123456:TEST"
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(token=TOKEN, bot_username="tradeguard_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    aiogram_bot = Bot(TOKEN, session=session)
    try:
        yield aiogram_bot
    finally:
        await aiogram_bot.session.close()


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):  # "Polling is not started"
            await dp.stop_polling()
        await asyncio.wait_for(task, 5)


async def api(emu: BotAPIEmulator, method: str, **kwargs: object) -> tuple[int, dict]:
    """Raw JSON call, for what the frameworks would not send."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.api_url}/{method}", json=kwargs) as resp,
    ):
        return resp.status, await resp.json()


# ---------------------------------------------------------------------------- aiogram


async def test_aiogram_echo_button_and_file_roundtrip(emu: BotAPIEmulator, bot: Bot) -> None:
    dp = Dispatcher()
    seen_data: list[str] = []

    @dp.message(F.text == "/start abc")
    async def start(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Orders")]], resize_keyboard=True
        )
        await message.answer("welcome", reply_markup=keyboard)

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Ping", callback_data="ping:1")]]
        )
        await message.answer(
            f"<b>echo:</b> {html.escape(message.text or '')}",
            parse_mode="HTML",
            reply_markup=markup,
        )

    @dp.callback_query(F.data.startswith("ping:"))
    async def ping(query: CallbackQuery) -> None:
        seen_data.append(query.data or "")
        await query.answer("pong")
        assert isinstance(query.message, Message)
        await query.message.edit_text("ponged")

    alice = emu.user(1001, first_name="Alice", language_code="en")
    async with polling(dp, bot):
        first = await emu.send_text(alice, "/start abc")
        assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        welcome = await emu.wait_for_message(alice.id)
        assert welcome["text"] == "welcome"
        assert "reply_markup" not in welcome  # reply keyboards are not part of Message
        assert emu.chat(alice.id).reply_keyboard_texts == [["Orders"]]

        await emu.send_text(alice, "hello <world> & co")
        reply = await emu.wait_for_message(alice.id)
        assert reply["text"] == "echo: hello <world> & co"
        assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
        assert reply["from"]["id"] == emu.bot_id and reply["from"]["is_bot"] is True

        query = await emu.press(alice, reply, "ping:1")
        answer = await emu.wait_for_request("answerCallbackQuery")
        assert answer.params["callback_query_id"] == query["id"]
        edited = await emu.wait_for_message(alice.id)
        assert edited["text"] == "ponged" and "edit_date" in edited
        assert "reply_markup" not in edited  # edit without reply_markup drops the keyboard
        assert seen_data == ["ping:1"]
        assert emu.callback_answers[0]["text"] == "pong"
        assert emu.callback_answers[0]["data"] == "ping:1"
        with pytest.raises(ValueError, match="no button"):
            await emu.press(alice, reply, "forged")

    # the bot uploads a document and downloads it back
    payload = b"%PDF-1.4\n" + bytes(range(256)) * 40
    sent = await bot.send_document(
        alice.id,
        BufferedInputFile(payload, filename="report.pdf"),
        caption="<i>report</i>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "report.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.document.file_size == len(payload)
    assert sent.caption == "report"
    assert emu.sent_documents(alice.id) == [payload]
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path and file.file_path.endswith(".pdf")
    downloaded = await bot.download(sent.document)
    assert downloaded is not None and downloaded.read() == payload
    assert emu.downloaded_file() == payload

    # same file again by file_id; a photo needs real image bytes
    again = await bot.send_document(alice.id, sent.document.file_id)
    assert again.document and again.document.file_id == sent.document.file_id
    photo = await bot.send_photo(alice.id, BufferedInputFile(TINY_PNG, filename="p.png"))
    assert photo.photo and photo.photo[-1].width == 1
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.id, BufferedInputFile(b"not an image", filename="x.png"))

    assert [m["message_id"] for m in emu.chat(alice.id).messages] == list(range(1, 8))
    assert not emu.unknown_methods


async def test_aiogram_commands_menu_edit_delete(emu: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "tradeguard_test_bot" and me.can_join_groups is True
    await bot.set_my_commands(
        [
            BotCommand(command="start", description="Start"),
            BotCommand(command="help", description="Help"),
        ],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="ru",
    )
    assert [c["command"] for c in emu.commands[("all_private_chats", "ru")]] == ["start", "help"]
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert [c.command for c in got] == ["start", "help"]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert emu.commands == {}

    alice = emu.user(1001, "Alice")
    await bot.set_chat_menu_button(chat_id=alice.id)
    assert await bot.send_chat_action(alice.id, "typing") is True

    msg = await bot.send_message(alice.id, "v1")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("v1", chat_id=alice.id, message_id=msg.message_id)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    await bot.edit_message_reply_markup(
        chat_id=alice.id, message_id=msg.message_id, reply_markup=markup
    )
    assert (
        emu.chat(alice.id).message(msg.message_id)["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"
        ]
        == "a"
    )
    assert await bot.delete_message(alice.id, msg.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(alice.id, msg.message_id)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999_999, "nobody")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")


# ---------------------------------------------------------------------------- python-telegram-bot


async def test_ptb_echo_button_and_user_document(emu: BotAPIEmulator) -> None:
    from telegram import InlineKeyboardButton as PtbButton
    from telegram import InlineKeyboardMarkup as PtbMarkup
    from telegram import Update
    from telegram.error import BadRequest
    from telegram.ext import (
        Application,
        CallbackQueryHandler,
        CommandHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    seen: list[str] = []
    download_errors: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"started with {context.args}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"echo: {update.message.text}",
            do_quote=True,
            reply_markup=PtbMarkup([[PtbButton("Ping", callback_data="ping")]]),
        )

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen.append(query.data or "")
        await query.answer("pong", show_alert=True)
        await query.edit_message_text("ponged")

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        try:
            file = await context.bot.get_file(update.message.document.file_id)
        except BadRequest as exc:
            download_errors.append(exc.message)
            await update.message.reply_text("too big")
            return
        data = await file.download_as_bytearray()
        await update.message.reply_text(f"got {len(data)} bytes")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{emu.base_url}/bot")
        .base_file_url(f"{emu.base_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(CallbackQueryHandler(on_button))

    bob = emu.user(2002, first_name="Bob", language_code="de")
    async with app:
        assert app.bot.username == "tradeguard_test_bot"
        assert app.bot.can_join_groups is True
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0)
        try:
            await emu.send_text(bob, "/start deal42")
            assert (await emu.wait_for_message(bob.id))["text"] == "started with ['deal42']"

            await emu.send_text(bob, "hi")
            reply = await emu.wait_for_message(bob.id)
            assert reply["text"] == "echo: hi"
            assert reply["reply_to_message"]["text"] == "hi"  # do_quote sends reply_parameters

            await emu.press(bob, reply, "ping")
            edited = await emu.wait_for_message(bob.id)
            assert edited["text"] == "ponged"
            assert seen == ["ping"]
            assert emu.callback_answers[-1]["show_alert"] is True

            await emu.send_document(bob, b"A" * 1234, file_name="invoice.pdf")
            assert (await emu.wait_for_message(bob.id))["text"] == "got 1234 bytes"
            await emu.send_document(bob, b"B", file_name="huge.pdf", file_size=25 * 1024 * 1024)
            assert (await emu.wait_for_message(bob.id))["text"] == "too big"
            assert download_errors and "too big" in download_errors[0].lower()

            await emu.send_sticker(bob)  # no handler: must simply be ignored
            await emu.send_location(bob, 1.5, 2.5)
            await emu.wait_idle()
        finally:
            await app.updater.stop()
            await app.stop()
    assert not emu.unknown_methods
    assert [e.method for e in emu.errors] == ["getFile"]


# ---------------------------------------------------------------------------- webhook


async def test_webhook_delivery_secret_retry_and_conflict(emu: BotAPIEmulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict]] = []
    statuses = [500]  # the first delivery fails, then 200
    arrived = asyncio.Event()

    async def receiver(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        status = statuses.pop(0) if statuses else 200
        if status == 200:
            arrived.set()
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", receiver)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret_token", max_connections=5)
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)
        with pytest.raises(TelegramBadRequest, match="secret token"):
            await bot.set_webhook(url, secret_token="bad token!")

        alice = emu.user(1001, "Alice")
        await emu.send_text(alice, "via webhook")
        await asyncio.wait_for(arrived.wait(), 5)
        assert len(received) == 2  # one failed attempt, one retry
        secret, update = received[-1]
        assert secret == "s3cret_token"
        assert update["message"]["text"] == "via webhook"
        assert received[0][1]["update_id"] == update["update_id"]
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message and "500" in info.last_error_message
        assert emu.stats["webhook_delivered"] == 1

        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        await emu.send_text(alice, "polled")
        updates = await bot.get_updates(timeout=1)
        assert [u.message.text for u in updates if u.message] == ["polled"]
    finally:
        await runner.cleanup()


async def test_webhook_reply_with_method_call(emu: BotAPIEmulator, bot: Bot) -> None:
    """aiogram's webhook handler answers the update with a method call in the response body."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    dp = Dispatcher()

    @dp.message(F.text)
    async def handler(message: Message) -> object:
        return message.answer(f"inline reply: {html.escape(message.text or '')}")

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="abc").register(
        app, path="/wh"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/wh", secret_token="abc")
        alice = emu.user(1001, "Alice")
        await emu.send_text(alice, "hi")
        assert (await emu.wait_for_message(alice.id))["text"] == "inline reply: hi"
        assert not emu.errors
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------------- limits & failures


async def test_flood_control_and_injected_failures(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.rate_limit(global_per_second=30, per_chat_per_second=1)
    alice, bob = emu.user(1001, "Alice"), emu.user(1002, "Bob")
    await bot.send_message(alice.id, "one")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(alice.id, "two")
    assert caught.value.retry_after == 1
    assert emu.errors[-1].status == 429
    assert emu.errors[-1].description == "Too Many Requests: retry after 1"
    await bot.send_message(bob.id, "other chat is fine")
    assert emu.stats["rejected_429"] == 1 and emu.stats["accepted"] == 2

    # the global window counts sends to every chat (a fresh limiter: 5 per sliding second)
    emu.rate_limit(global_per_second=5, per_chat_per_second=None)
    users = [emu.user(3000 + i) for i in range(8)]
    results = await asyncio.gather(
        *(bot.send_message(u.id, "x") for u in users), return_exceptions=True
    )
    assert sum(isinstance(r, TelegramRetryAfter) for r in results) == 3
    assert emu.stats["rejected_429"] == 4
    emu.no_rate_limit()

    emu.fail_next("sendMessage", error_code=502)
    with pytest.raises(TelegramServerError):
        await bot.send_message(alice.id, "x")
    emu.fail_next("sendMessage", times=2, error_code=429, retry_after=7)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(alice.id, "x")
        assert caught.value.retry_after == 7
    await bot.send_message(alice.id, "recovered")

    emu.block(alice.id)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(alice.id, "x")
    emu.unblock(alice.id)
    assert emu.stats["injected_failures"] == 3


async def test_validation_errors(emu: BotAPIEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    for bad in ("<b>unclosed", "1 < 2", "Tom & Jerry", "<b>x</i>", "<div>x</div>"):
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(alice.id, bad, parse_mode="HTML")
    ok = await bot.send_message(alice.id, html.escape("Tom & Jerry <3"), parse_mode="HTML")
    assert ok.text == "Tom & Jerry <3"
    with pytest.raises(TelegramBadRequest, match="reserved"):
        await bot.send_message(alice.id, "Total: 1.5", parse_mode="MarkdownV2")

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="b", callback_data=data)]]
        )

    await bot.send_message(alice.id, "64 bytes", reply_markup=keyboard("x" * 64))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "65 bytes", reply_markup=keyboard("x" * 65))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "multibyte", reply_markup=keyboard("é" * 33))
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    await bot.send_message(alice.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(alice.id, "   ")
    assert len(emu.bot_messages(alice.id)) == 3


# ---------------------------------------------------------------------------- raw protocol


async def test_raw_protocol_auth_unknown_methods_and_offsets(emu: BotAPIEmulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.base_url}/bot999:WRONG/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        # urlencoded strings are coerced; method names are case-insensitive
        async with session.post(f"{emu.api_url}/getme", data={"x": "1"}) as resp:
            assert (await resp.json())["result"]["first_name"]
        async with session.get(f"{emu.api_url}/getUpdates?offset=0&timeout=0") as resp:
            assert await resp.json() == {"ok": True, "result": []}

    status, body = await api(emu, "sendPoll", chat_id=1, question="?")
    assert status == 404 and body["description"] == "Not Found"
    assert emu.unknown_methods[0][0] == "sendPoll"

    alice = emu.user(1001, "Alice")
    ids = [
        emu.inject_update(
            {"message": {"message_id": i, "date": 0, "chat": {"id": 1001, "type": "private"}}}
        )
        for i in (1, 2, 3)
    ]
    assert ids == [1, 2, 3]
    _, body = await api(emu, "getUpdates", offset=0, limit=2)
    assert [u["update_id"] for u in body["result"]] == [1, 2]
    _, body = await api(emu, "getUpdates", offset=3)
    assert [u["update_id"] for u in body["result"]] == [3]
    _, body = await api(emu, "getUpdates", offset=4, timeout=0)
    assert body["result"] == []
    # a duplicate delivery of an already confirmed update
    emu.inject_update(
        {
            "update_id": 2,
            "message": {"message_id": 2, "date": 0, "chat": {"id": 1001, "type": "private"}},
        }
    )
    _, body = await api(emu, "getUpdates", offset=4)
    assert [u["update_id"] for u in body["result"]] == [2]
    _, body = await api(emu, "getUpdates", offset=4, timeout=0)
    assert body["result"] == []

    # long polling returns as soon as an update arrives
    async def later() -> None:
        await asyncio.sleep(0.05)
        await emu.send_text(alice, "wake up")

    started = time.monotonic()
    waker = asyncio.create_task(later())
    _, body = await api(emu, "getUpdates", offset=4, timeout=5)
    await waker
    assert time.monotonic() - started < 2
    assert body["result"][0]["message"]["text"] == "wake up"

    # a second poller terminates the first one with 409
    first = asyncio.create_task(api(emu, "getUpdates", offset=100, timeout=5))
    await asyncio.sleep(0.05)
    _, body = await api(emu, "getUpdates", offset=100, timeout=0)
    status, first_body = await first
    assert status == 409 and "terminated by other getUpdates" in first_body["description"]


async def test_wait_for_message_cursor_and_timeout(emu: BotAPIEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    cursor = emu.cursor()
    await bot.send_message(alice.id, "first")
    await bot.send_message(alice.id, "second")
    assert (await emu.wait_for_message(alice.id, after=cursor))["text"] == "first"
    assert (await emu.wait_for_message(alice.id))["text"] == "second"
    msg = await emu.wait_for_message(alice.id, lambda m: m["text"] == "first", after=cursor)
    assert msg["text"] == "first"
    with pytest.raises(TimeoutError, match="no bot message"):
        await emu.wait_for_message(alice.id, timeout=0.05)


@pytest.mark.parametrize(
    ("mode", "text", "plain", "error"),
    [
        ("HTML", "<b>a</b> &lt;b&gt; <a href='https://x.io/?a=1&amp;b=2'>l</a>", "a <b> l", None),
        ("HTML", "<span class='tg-spoiler'>s</span> <tg-spoiler>t</tg-spoiler>", "s t", None),
        ("HTML", "<pre><code class='language-py'>x = 1</code></pre>", "x = 1", None),
        ("HTML", "<span>x</span>", None, 'must have class "tg-spoiler"'),
        ("HTML", "<br>", None, 'Unsupported start tag "br"'),
        ("HTML", "x</b>", None, "Unexpected end tag"),
        (
            "MarkdownV2",
            "*b* _i_ __u__ ~s~ ||p|| `c` [l](https://x.io) 1\\.5",
            "b i u s p c l 1.5",
            None,
        ),
        ("MarkdownV2", "*open", None, "Can't find end of Bold entity"),
        ("Markdown", "*b* _i_ 1.5!", "b i 1.5!", None),
        ("Markdown", "*open", None, "Can't find end of the entity"),
    ],
)
def test_entity_parsers(mode: str, text: str, plain: str | None, error: str | None) -> None:
    from emulator import EntityParseError, parse_text

    if error is None:
        assert parse_text(text, mode)[0] == plain
    else:
        with pytest.raises(EntityParseError, match=error):
            parse_text(text, mode)
