"""What leaves the bot: flood waits honoured, user text escaped, long replies split,
pressed messages edited (or replaced when Telegram refuses), files sent, notices for
other users pushed at once, and never the token in a log line."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from telegram_helpers import (
    MODES,
    RUNTIMES,
    TOKEN,
    TOKEN_SECRET,
    Person,
    bot_settings,
    running,
)

from bot.app import App
from bot.config import ConfigError, Settings
from bot.flows.notices import RENDERERS, NoticeCtx
from bot.flows.replies import Button, Document, Outcome, Reply
from bot.handlers.lifecycle import Plan, TelegramRuntime
from bot.handlers.runtime import create_runtime
from bot.handlers.telegram_common import Press, render_outcome, send_reply
from bot.services import outbox
from emulator import BotAPIEmulator
from storage.models import Reminder, User

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=RUNTIMES)
def runtime_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, emu: BotAPIEmulator, runtime_name: str) -> Settings:
    # A long period: a notice that arrives at once was pushed by the update, not the clock.
    return bot_settings(database_url, emu, runtime_name, reminder_poll_seconds=3600)


@pytest.fixture
async def bot_only(app: App) -> AsyncIterator[TelegramRuntime]:
    """The runtime's bot without receiving updates, to drive its port directly."""
    async with create_runtime(app, Plan()) as runtime:
        yield runtime


async def test_a_flood_wait_is_waited_out_and_the_reply_arrives_once(
    app: App, emu: BotAPIEmulator
) -> None:
    async with running(app, "polling"):
        alice = Person(emu, 3001, "Alice")
        emu.fail_next("sendMessage", error_code=429, retry_after=1)
        started = time.monotonic()
        reply = await alice.say("/help")
        assert "What I can do" in reply["text"]
        assert time.monotonic() - started >= 1.0
        await asyncio.sleep(0.3)
        assert len(emu.bot_messages(alice.id)) == 1
        assert [e.status for e in emu.errors] == [429]
        assert len(emu.calls("sendMessage", ok_only=True)) == 1


async def test_what_a_user_types_is_escaped(app: App, emu: BotAPIEmulator) -> None:
    async with running(app, "polling"):
        alice = Person(emu, 3002, "Alice")
        await alice.say("/profile")
        # The emulator answers 400 to malformed HTML (a bare "&" too): arriving proves escaping.
        refused = await alice.say("<b>&</b>")
        assert "“<B>&</B>” is not a country code" in refused["text"]
        assert not any(e["type"] == "bold" for e in refused.get("entities", []))
        assert not emu.errors, list(emu.errors)


async def test_a_notice_for_another_user_goes_out_after_the_update(
    app: App, emu: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def render(ctx: NoticeCtx, reminder: Reminder) -> Reply:
        return Reply(
            text=f"<b>Claim</b> for {ctx.recipient.display_name}",
            buttons=((Button("Open", "g:x:y:z"),),),
        )

    monkeypatch.setitem(RENDERERS, "test_claim", render)
    handle = app.engine.handle

    async def help_that_claims(ctx, incoming):  # type: ignore[no-untyped-def]
        """The buyer's update queues a notice for the supplier, as a claim does."""
        outcome = await handle(ctx, incoming)
        recipient = await ctx.session.scalar(select(User).where(User.telegram_id == 3004))
        if recipient is not None and ctx.user.telegram_id == 3003:
            await outbox.notify_now(
                ctx.session, kind="test_claim", recipient_id=recipient.id, now=ctx.now
            )
        return outcome

    monkeypatch.setattr(app.engine, "handle", help_that_claims)
    async with running(app, "polling"):  # the clock's period is an hour: no help there
        buyer, supplier = Person(emu, 3003, "Buyer"), Person(emu, 3004, "Sam")
        await supplier.say("/start")
        await buyer.say("/help")
        notice = await supplier.next()
        assert notice["text"] == "Claim for Sam"
        assert supplier.labels(notice) == ["Open"]


async def test_a_replaced_step_edits_the_pressed_message(
    bot_only: TelegramRuntime, emu: BotAPIEmulator
) -> None:
    port = bot_only.port
    alice = Person(emu, 3005, "Alice")
    page = ((Button("More", "t:n:0"),),)
    await port.send_text(alice.id, "page 1", ((("More", "t:n:0"),),))
    first = await alice.next()
    query = await emu.press(alice.user, first, "t:n:0")

    await render_outcome(
        port,
        alice.id,
        Outcome([Reply(text="<i>page 2</i>", buttons=page, replace=True)]),
        Press(query["id"], first["message_id"]),
    )
    edited = await alice.next()
    assert edited["message_id"] == first["message_id"] and edited["text"] == "page 2"
    assert emu.callback_answers[-1]["callback_query_id"] == query["id"]

    # Telegram refuses an edit that changes nothing: the reply comes as a new message.
    query = await emu.press(alice.user, edited, "t:n:0")
    await render_outcome(
        port,
        alice.id,
        Outcome([Reply(text="<i>page 2</i>", buttons=page, replace=True)]),
        Press(query["id"], first["message_id"]),
    )
    fresh = await alice.next()
    assert fresh["message_id"] != first["message_id"] and fresh["text"] == "page 2"
    assert [e.description for e in emu.errors][-1].startswith("Bad Request: message is not")


async def test_a_long_reply_is_split_on_lines_and_stays_valid_html(
    bot_only: TelegramRuntime, emu: BotAPIEmulator
) -> None:
    alice = Person(emu, 3006, "Alice")
    lines = [f"line {n:04d} &amp; more text to fill the message up" for n in range(300)]
    text = "<b>" + "\n".join(lines) + "</b>"
    await send_reply(bot_only.port, alice.id, Reply(text=text, buttons=((Button("Ok", "t:a:0"),),)))
    parts = [await alice.next() for _ in range(4)]
    assert "".join(p["text"] + "\n" for p in parts).splitlines() == [
        line.replace("&amp;", "&") for line in lines
    ]
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert all(p["entities"][0]["type"] == "bold" for p in parts)
    assert [bool(emu.buttons(p)) for p in parts] == [False, False, False, True]
    assert not emu.errors, list(emu.errors)


async def test_documents_and_files_already_on_telegram_are_sent(
    bot_only: TelegramRuntime, emu: BotAPIEmulator
) -> None:
    alice = Person(emu, 3007, "Alice")
    contract = Document("contract.pdf", b"%PDF-1.4\n% a contract\n")
    await send_reply(bot_only.port, alice.id, Reply(text="Your <b>contract</b>", document=contract))
    sent = await alice.next()
    assert sent["caption"] == "Your contract"
    assert sent["document"]["file_name"] == "contract.pdf"
    assert emu.sent_documents(alice.id)[-1] == contract.content

    evidence = await emu.send_document(alice.user, b"%PDF-1.4 evidence", "evidence.pdf")
    await send_reply(
        bot_only.port,
        alice.id,
        Reply(text="The buyer's evidence", file_id=evidence["document"]["file_id"]),
    )
    forwarded = await alice.next()
    assert forwarded["document"]["file_unique_id"] == evidence["document"]["file_unique_id"]
    assert not emu.errors, list(emu.errors)


@pytest.mark.parametrize("mode", MODES)
async def test_the_token_never_appears_in_the_logs(
    app: App,
    emu: BotAPIEmulator,
    settings: Settings,
    mode: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(app, mode):
        alice = Person(emu, 3008, "Alice")
        await alice.say("/start")
        prompt = await alice.say("/profile")
        await alice.press(prompt, "Brazil")
        await alice.next()
        emu.fail_next("sendMessage", error_code=502)  # a failure gets logged too
        await emu.send_text(alice.user, "America/Sao_Paulo")
        await emu.wait_for_request("sendMessage")
        await asyncio.sleep(0.2)
    # A wrong token: the framework's error quotes it; what we log and raise must not.
    wrong = "654321:WRONGtokenWRONGtoken"
    app.settings = settings.model_copy(update={"bot_token": SecretStr(wrong)})
    with pytest.raises(ConfigError) as refused:
        async with create_runtime(app, Plan()):
            pass
    assert wrong not in str(refused.value) and "TRADEGUARD_BOT_TOKEN" in str(refused.value)

    formatter = logging.Formatter("%(name)s %(message)s")
    ours = [r for r in caplog.records if not r.name.startswith("emulator")]
    assert any(r.levelno == logging.DEBUG for r in ours)  # the test did capture DEBUG
    assert any("not delivered" in r.getMessage() for r in ours)
    for record in ours:
        line = formatter.format(record)
        for secret in (TOKEN, TOKEN_SECRET, wrong):
            assert secret not in line, line


async def test_delivery_to_a_user_who_blocked_the_bot_is_reported(
    bot_only: TelegramRuntime, emu: BotAPIEmulator
) -> None:
    from bot.handlers.delivery import TelegramDeliverer
    from bot.scheduler.errors import Blocked

    gone = Person(emu, 3009, "Gone")
    emu.block(gone.id)
    user = User(telegram_id=gone.id, display_name="Gone", created_at=bot_only.app.clock.now())
    with pytest.raises(Blocked):
        await TelegramDeliverer(bot_only.port).deliver(user, Reply(text="hello"))


async def test_the_scheduler_alone_pushes_due_notices(
    app: App, emu: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def render(ctx: NoticeCtx, reminder: Reminder) -> Reply:
        return Reply(text="Your claim window closes in <b>3 days</b>.")

    monkeypatch.setitem(RENDERERS, "test_window", render)
    erin = Person(emu, 3010, "Erin")
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        user = User(telegram_id=erin.id, display_name="Erin", created_at=now)
        session.add(user)
        await session.flush()
        await outbox.enqueue(session, kind="test_window", recipient_id=user.id, due_at=now, now=now)
    async with create_runtime(app, Plan.scheduler()):  # `tradeguard scheduler`
        notice = await erin.next()
    assert notice["text"] == "Your claim window closes in 3 days."
    assert emu.calls("getUpdates") == []  # it does not take updates
