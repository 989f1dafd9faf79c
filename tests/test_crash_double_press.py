""" "Submit" pressed twice in a row through the real frameworks (aiogram and
python-telegram-bot, by long polling and by webhook, against the Bot API emulator):
one dispute, one claim notice to the supplier, and the second press told it expired."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from telegram_helpers import MODES, RUNTIMES, Person, bot_settings, running, texts

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from emulator import BotAPIEmulator
from storage.models import Dispute, DisputeEvent, Reminder, ReminderStatus
from tests.test_crash_restart import write_report
from tests.test_privacy_telegram import an_order_between, press, with_buttons_or

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(params=RUNTIMES)
def runtime_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, emu: BotAPIEmulator, runtime_name: str) -> Settings:
    return bot_settings(database_url, emu, runtime_name)


async def test_a_double_pressed_submit_makes_one_dispute(
    app: App, emu: BotAPIEmulator, clock: FrozenClock, runtime_name: str, mode: str
) -> None:
    async with running(app, mode):
        alice, sam = Person(emu, 6001, "Alice"), Person(emu, 6002, "Sam")
        for person in (alice, sam):
            await person.say("/start")
        order_id = await an_order_between(app, clock, alice, sam)
        await emu.send_text(alice.user, f"/dispute {order_id}")
        await emu.wait_for_message(alice.id, with_buttons_or(emu, ""))
        await press(emu, alice, "I have")
        await press(emu, alice, "Late delivery")
        shown = await press(emu, alice, "The record is right")
        while "How much refund" not in texts(shown):
            shown = await press(emu, alice, "I don't have it")
        review = await press(emu, alice, "The whole order")
        assert "ready to submit" in texts(review)
        submit = next(
            b["callback_data"] for row in emu.buttons(review) for b in row if "Submit" in b["text"]
        )

        # Two presses of the same button before the bot has answered either.
        await emu.press(alice.user, review, submit)
        await emu.press(alice.user, review, submit)
        await alice.wait_for("is submitted")
        answers = [
            (await emu.wait_for_request("answerCallbackQuery")).params.get("text")
            for _press in range(2)
        ]
        await sam.wait_for("A claim has been opened against you")

        async def sent_claims() -> int:
            """Claim notices marked sent: the dispatcher does that just after Telegram
            accepted the message, so it may lag the message by a moment."""
            async with app.sessions() as session:
                return int(
                    await session.scalar(
                        select(func.count())
                        .select_from(Reminder)
                        .where(
                            Reminder.kind == "dispute_claim",
                            Reminder.status == ReminderStatus.SENT,
                        )
                    )
                    or 0
                )

        for _moment in range(50):
            claims = await sent_claims()
            if claims:
                break
            await asyncio.sleep(0.1)
        async with app.sessions() as session:
            disputes = int(await session.scalar(select(func.count()).select_from(Dispute)) or 0)
            events = list((await session.scalars(select(DisputeEvent.kind))).all())
    submitted = [m for m in emu.bot_messages(alice.id) if "is submitted" in texts(m)]
    notices = [m for m in emu.bot_messages(sam.id) if "claim has been opened" in texts(m)]
    assert disputes == 1 and events == ["submitted", "supplier_notified"]
    assert len(submitted) == 1 and len(notices) == 1 and claims == 1
    assert "This button has expired." in answers
    assert not emu.errors, list(emu.errors)
    write_report(
        f"double_press_{runtime_name}_{mode}",
        {"presses": 2, "disputes_created": disputes, "claim_notices": len(notices)},
    )
