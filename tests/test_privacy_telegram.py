"""Privacy through the real frameworks (aiogram and python-telegram-bot against the Bot API
emulator): the buyer's evidence file reaches the supplier's chat and no stranger's, by
command, deep link or forged button; and /delete_me is confirmed by a real button press."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from telegram_helpers import RUNTIMES, Person, bot_settings, running, texts

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from emulator import BotAPIEmulator
from storage.models import Dispute, Order, Supplier, User
from tests.dispute_helpers import make_order

pytestmark = pytest.mark.timeout(90)

CLAIM_WORDS = "Delivery was late by three weeks, ref ZEBRA-77"
SECRETS = ("ZEBRA-77", "po-zebra.pdf")


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param))


def with_buttons_or(emu: BotAPIEmulator, needle: str) -> Any:
    return lambda message: bool(emu.buttons(message)) or needle in texts(message)


async def press(emu: BotAPIEmulator, person: Person, part: str, then: str = "\0") -> dict:
    """Press the button containing ``part`` under the newest message that has buttons;
    return the next message with buttons (or containing ``then``)."""
    message = next(m for m in reversed(emu.bot_messages(person.id)) if emu.buttons(m))
    label = next(b["text"] for row in emu.buttons(message) for b in row if part in b["text"])
    await emu.press_button(person.user, message, label)
    return await emu.wait_for_message(person.id, with_buttons_or(emu, then))


async def an_order_between(app: App, clock: FrozenClock, buyer: Person, supplier: Person) -> int:
    """A received order from ``buyer`` to a company whose Telegram account is ``supplier``."""
    order_id = await make_order(app, clock.now(), supplier="sam-company")
    async with app.sessions() as session, session.begin():
        buyer_row = await session.scalar(select(User).where(User.telegram_id == buyer.id))
        assert buyer_row is not None
        await session.execute(
            update(Order).where(Order.id == order_id).values(buyer_id=buyer_row.id)
        )
        await session.execute(update(Supplier).values(telegram_id=supplier.id))
    return order_id


async def submit_with_a_file(emu: BotAPIEmulator, alice: Person, order_id: int) -> dict:
    await emu.send_text(alice.user, f"/dispute {order_id}")
    await emu.wait_for_message(alice.id, with_buttons_or(emu, ""))
    await press(emu, alice, "I have")
    await emu.send_text(alice.user, CLAIM_WORDS)
    await emu.wait_for_message(alice.id, lambda m: "From the order's records" in texts(m))
    await press(emu, alice, "The record is right")
    await emu.send_document(alice.user, b"%PDF-1.4 purchase order", "po-zebra.pdf")
    await emu.wait_for_message(alice.id, lambda m: "1 file received" in texts(m))
    shown = await press(emu, alice, "Next")
    while "How much refund" not in texts(shown):
        shown = await press(emu, alice, "I don't have it")
    await press(emu, alice, "The whole order")
    return await press(emu, alice, "Submit", then="is submitted")


def files_to(emu: BotAPIEmulator, chat_id: int) -> list[str]:
    kinds = ("document", "photo", "video", "animation")
    return [
        message[kind]["file_unique_id"]
        for message in emu.bot_messages(chat_id)
        for kind in kinds
        if kind in message
    ]


async def test_the_evidence_reaches_the_supplier_and_no_stranger(
    app: App, emu: BotAPIEmulator, clock: FrozenClock
) -> None:
    async with running(app, "polling"):
        alice, sam = Person(emu, 5001, "Alice"), Person(emu, 5002, "Sam")
        mallory = Person(emu, 5003, "Mallory")
        for person in (alice, sam, mallory):
            await person.say("/start")
        order_id = await an_order_between(app, clock, alice, sam)
        uploaded = await submit_with_a_file(emu, alice, order_id)
        assert "is submitted" in texts(uploaded)
        async with app.sessions() as session:
            dispute = (await session.scalars(select(Dispute))).one()

        # The claim notice reaches Sam with its button; he opens the claim and gets the file.
        notice = await sam.wait_for("A claim has been opened against you")
        answer_button = emu.buttons(notice)[0][0]["callback_data"]
        await emu.send_text(sam.user, f"/respond {dispute.id}")
        await sam.wait_for("How do you answer")
        sent = files_to(emu, sam.id)  # the buyer's file and the agreed contract's PDF
        assert len(sent) == 2, sent
        # Not a draft: the version both parties accepted, and its caption says so.
        assert any(
            "version 1, agreed by both parties" in texts(m) for m in emu.bot_messages(sam.id)
        )
        assert any(CLAIM_WORDS in texts(m) for m in emu.bot_messages(sam.id))

        # Mallory tries the commands, a made-up invite, and Sam's own button.
        for line in (
            f"/history {dispute.id}",
            f"/respond {dispute.id}",
            f"/resolve {dispute.id}",
            f"/queue {dispute.id}",
            f"/dispute {order_id}",
            "/start inv_" + "A" * 32,
        ):
            reply = await mallory.say(line)
            assert "Dispute #" not in texts(reply), line
        mine = await mallory.say("/help")
        await emu.press(mallory.user, mine, answer_button, strict=False)
        refused = await emu.wait_for_request("answerCallbackQuery")
        assert refused.params["text"] == "This button has expired."
        assert files_to(emu, mallory.id) == []
        said = "\n".join(texts(m) for m in emu.bot_messages(mallory.id))
        assert not [secret for secret in SECRETS if secret in said]
        assert not set(sent) & set(files_to(emu, mallory.id))
        assert not emu.errors, list(emu.errors)


async def test_delete_me_is_confirmed_with_a_real_button(app: App, emu: BotAPIEmulator) -> None:
    async with running(app, "polling"):
        mallory = Person(emu, 5003, "Mallory")
        await mallory.say("/profile")
        await mallory.say("PT")
        await mallory.say("Europe/Lisbon")
        summary = await mallory.say("/delete_me")
        assert "Erase your personal data?" in texts(summary)
        assert mallory.labels(summary) == ["Erase my data", "Keep my data"]
        done = await press(emu, mallory, "Erase my data", then="erased")
        assert "Your personal data is erased." in texts(done)
        async with app.sessions() as session:
            erased = (await session.scalars(select(User).where(User.erased_at.is_not(None)))).one()
            assert (erased.telegram_id, erased.country, erased.display_name) == (None, None, "")
        # Writing again: a new user, none the wiser.
        await mallory.say("/start")
        async with app.sessions() as session:
            again = await session.scalar(select(User).where(User.telegram_id == mallory.id))
            assert again is not None and again.id != erased.id and again.country is None
        assert not emu.errors, list(emu.errors)
