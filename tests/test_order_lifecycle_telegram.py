"""Two parties, one order, through the real runtimes (aiogram and python-telegram-bot)
against the Bot API emulator: the buyer specifies and confirms, the supplier accepts,
the buyer pays, the programme's team records the money in escrow, the supplier ships
with a tracking number, nobody confirms receipt and the clock does, and the claim
window runs from that moment. Bad and forged input on the way gets a clear message and
changes nothing; every step is in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram_helpers import RUNTIMES, TEAM_MEMBER, Person, bot_settings, running, texts

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.services import order_log
from emulator import BotAPIEmulator
from storage.models import Order, OrderStatus, Supplier
from tests.buyer_helpers import SPEC_ANSWERS

pytestmark = pytest.mark.timeout(120)

BUYER, SUPPLIER, STRANGER = 5101, 5102, 5103


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param), reminder_poll_seconds=0.2)


def label_like(person: Person, message: dict, part: str) -> str:
    for label in person.labels(message):
        if part.lower() in label.lower():
            return label
    raise AssertionError(f"no button like {part!r} in {person.labels(message)}")


async def press(person: Person, message: dict, part: str) -> None:
    await person.press(message, label_like(person, message, part))


async def seen(emu: BotAPIEmulator, person: Person, needle: str) -> dict:
    """A message to ``person`` containing ``needle``, whenever it came (pushes arrive
    while the other party is acting)."""
    return await emu.wait_for_message(
        person.id, lambda m: needle in texts(m), after=0, timeout=10.0
    )


async def ask(emu: BotAPIEmulator, person: Person, text: str, needle: str) -> dict:
    """Send ``text``; the reply containing ``needle`` (others, such as a PDF, skipped)."""
    await emu.send_text(person.user, text)
    return await person.wait_for(needle)


async def confirm_an_order(emu: BotAPIEmulator, alice: Person) -> int:
    results = await alice.say("/find scarf 20000 USD")
    await press(alice, results, "Hangzhou")
    prompt = await alice.wait_for("Step 1 of")
    for number, line in enumerate(SPEC_ANSWERS, start=1):
        if line.startswith("press:"):
            await press(alice, prompt, line.removeprefix("press:"))
        else:
            await emu.send_text(alice.user, line)
        following = f"Step {number + 1} of" if number < len(SPEC_ANSWERS) else "Review"
        prompt = await alice.wait_for(following)
    await press(alice, prompt, "Confirm the specification")
    done = await alice.wait_for("is confirmed")
    return int(texts(done).split("Order #", 1)[1].split(" ", 1)[0])


async def test_buyer_and_supplier_from_order_to_claim_window(
    app: App, emu: BotAPIEmulator, clock: FrozenClock
) -> None:
    async with running(app, "polling"):
        alice = Person(emu, BUYER, "Alice")
        sam = Person(emu, SUPPLIER, "Sam")
        mallory = Person(emu, STRANGER, "Mallory")
        async with app.sessions() as session, session.begin():
            entry = await session.scalar(select(Supplier).where(Supplier.name.like("Hangzhou%")))
            assert entry is not None
            entry.telegram_id = SUPPLIER  # the supplier's linked account
        await sam.say("/start")
        await mallory.say("/start")

        order_id = await confirm_an_order(emu, alice)
        await ask(emu, alice, f"/pay {order_id}", "the supplier has not accepted this version")

        # The supplier is told, opens the order from the notice and accepts.
        notice = await seen(emu, sam, "New order for Hangzhou Silkway Textiles")
        await press(sam, notice, "See the order")
        page = await sam.wait_for("Waiting for your acceptance.")
        assert "SHA-256:" in texts(page)
        # Mallory has neither the order nor a way in.
        await ask(emu, mallory, f"/orders {order_id}", f"Order #{order_id} not found")
        await emu.press(mallory.user, page, "t:forged00:0", strict=False)
        forged = await emu.wait_for_request("answerCallbackQuery")
        assert forged.params["text"] == "This button has expired."
        await press(sam, page, "Accept the contract")
        await sam.wait_for("You accepted version 1")

        await seen(emu, alice, "the supplier accepted version 1 of the contract")
        country = await ask(emu, alice, f"/pay {order_id}", "Payment methods depend on")
        await press(alice, country, "United States")
        methods = await alice.wait_for("Paying for")
        await press(alice, methods, "Wire transfer")
        await alice.wait_for("payment by Wire transfer (T/T) recorded")

        # The supplier hears the order is being paid, and holds the goods until the
        # programme's team sees the money in escrow and records it.
        coming = await seen(emu, sam, "the buyer is paying by Wire transfer (T/T)")
        assert "Please do not ship yet" in texts(coming)
        await press(sam, coming, "See the order")
        waiting = await sam.wait_for("Status: Payment on its way")
        assert "Mark as shipped" not in sam.labels(waiting)
        # Only the team records money: to anyone else the command does not exist.
        await ask(emu, mallory, f"/funds {order_id}", "Unknown command /funds")
        async with app.sessions() as session:
            waiting = await session.get(Order, order_id)
            assert waiting is not None and waiting.status == OrderStatus.AWAITING_FUNDS
        tess = Person(emu, TEAM_MEMBER, "Tess")
        listed = await tess.say("/funds")
        await press(tess, listed, f"#{order_id}")
        held = await tess.wait_for("Is the whole amount held in the escrow account?")
        await press(tess, held, "Yes, the money is held")
        await tess.wait_for(f"Recorded: the money for order #{order_id} is held in escrow.")
        await seen(emu, alice, "your payment of $20,000.00 is held in the programme's escrow")

        # The supplier ships: a date in the future is refused, then today, carrier, tracking.
        paid = await seen(emu, sam, "is paid into the programme's escrow account")
        await press(sam, paid, "See the order")
        page = await sam.wait_for("Status: Waiting for supplier to ship order")
        await press(sam, page, "Mark as shipped")
        await sam.wait_for("On which day did the goods leave?")
        later = (clock.now() + timedelta(days=5)).date().isoformat()
        await ask(emu, sam, later, "That day has not come yet")
        asked = await sam.wait_for("On which day did the goods leave?")
        await press(sam, asked, "Today")
        await sam.wait_for("Which carrier")
        await emu.send_text(sam.user, "Maersk")
        await sam.wait_for("tracking number")
        await emu.send_text(sam.user, "MSKU 123 4567")
        # The contract has SGS inspect before loading: the goods leave with the report.
        await sam.wait_for("inspection before loading")
        await emu.send_document(sam.user, b"%PDF-1.4 SGS inspection: passed", "sgs-report.pdf")
        review = await sam.wait_for("mark it shipped?")
        assert "Shipping mode (from the contract): Sea freight" in texts(review)
        assert "Inspection report: sgs-report.pdf" in texts(review)
        await press(sam, review, "Yes, it has shipped")
        await sam.wait_for("is marked shipped; the buyer has been told")

        shipped = await seen(emu, alice, "has shipped.")
        assert "by Maersk (Sea freight), tracking number MSKU1234567" in texts(shipped)
        assert "inspection report from before loading is attached" in texts(shipped)
        assert shipped["document"]["file_name"] == "sgs-report.pdf"  # the supplier's file

        # Nobody confirms receipt: the clock does, at the rules' time for sea freight.
        clock.advance(timedelta(days=61))
        auto = await seen(emu, alice, "the platform confirmed it automatically")
        assert "You have 60 days" in texts(auto)
        await seen(emu, sam, "receipt was confirmed automatically")

        page = await ask(emu, alice, f"/orders {order_id}", "Receipt confirmed by")
        assert "Receipt confirmed by the platform" in texts(page)
        assert "Open a dispute by" in texts(page)
        assert "I received the goods" not in alice.labels(page)
        assert not emu.errors, list(emu.errors)

    async with app.sessions() as session:
        order = await session.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.COMPLETE
        assert order.auto_confirmed_at is not None and order.receipt_confirmed_at is None
        assert order.carrier == "Maersk" and order.tracking_number == "MSKU1234567"
        events = await order_log.events_of(session, order_id)
    assert [(e.kind, e.actor_role) for e in events] == [
        ("created", "buyer"),
        ("confirmed", "buyer"),
        ("contract_accepted", "supplier"),
        ("payment_chosen", "buyer"),
        ("paid", "team"),
        ("shipped", "supplier"),
        ("receipt_auto_confirmed", "system"),
    ]
