"""Scale-out as an operator runs it: ``tradeguard run --webhook --workers 4`` on one
PostgreSQL, with ``tradeguard scheduler`` beside it, and the Bot API emulator posting
2,000 updates from 200 buyers to the webhook, several of a buyer's updates in flight at
once: a supplier button pressed twice, an answer Telegram delivers again, two answers
typed in quick succession, a choice pressed twice. Afterwards the database holds each
answer once, in its place, every update id once, and each pushed notice went out once.

SQLite serves one process: there the command refuses four workers in one line, and the
same 2,000 updates go through the single webhook worker it allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scaleout_helpers import Command, cli_env, command, tradeguard
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram_helpers import TOKEN, WEBHOOK_PATH, WEBHOOK_SECRET, free_port

from bot.flows.order_items import ITEM_STEPS, SPEC_STEPS
from bot.services import outbox
from bot.services.suppliers import REGISTRATION_APPROVED
from emulator import BotAPIEmulator, BotEvent
from storage.db import create_engine, session_factory
from storage.models import (
    Conversation,
    Order,
    OrderStatus,
    ProcessedUpdate,
    Reminder,
    ReminderStatus,
    Supplier,
    User,
)
from tests.buyer_helpers import SPEC_ANSWERS

pytestmark = pytest.mark.timeout(240)

BUYERS = 200
UPDATES_PER_BUYER = 10  # distinct update ids; a redelivered one is not counted again
FIRST_BUYER = 700_001
SUPPLIER = "2. Hangzhou Silkway Textiles"
EXPIRED = "This button has expired."
COLOUR_REFUSED = "is not a Pantone code I recognise"
STEP = re.compile(r"Step (\d+) of \d+")


def text_of(message: dict) -> str:
    return str(message.get("text") or message.get("caption") or "")


def on_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


# -- a buyer, as the emulator sees them -----------------------------------------------------


class Buyer:
    """One person in a private chat: what they sent, and everything the bot showed them."""

    def __init__(self, emu: BotAPIEmulator, telegram_id: int) -> None:
        self.emu = emu
        self.id = telegram_id
        self.user = emu.user(telegram_id, first_name=f"Buyer {telegram_id}", language_code="en")
        self.events: list[BotEvent] = []  # filled by the emulator's event listener
        self.updates: list[int] = []  # distinct update ids sent
        self.redelivered: list[int] = []
        self.double_presses: list[tuple[str, str]] = []  # callback query ids
        self.answers = 0  # answers meant for a step of the order (a double press is one)

    def _queued(self) -> int:
        # The user action just awaited queued exactly one update and nothing ran since
        # (the emulator's user actions never yield), so the newest id is ours.
        update_id = self.emu.last_update_id
        self.updates.append(update_id)
        return update_id

    async def say(self, text: str) -> int:
        await self.emu.send_text(self.user, text)
        return self._queued()

    async def press(self, message: dict, data: str) -> tuple[int, str]:
        query = await self.emu.press(self.user, message, data)
        return self._queued(), str(query["id"])

    async def settle(self, *update_ids: int, times: int = 1) -> None:
        """Until the webhook has answered each update (the bot handled and replied)."""
        await asyncio.gather(*(self.emu.wait_delivered(u, times, timeout=60) for u in update_ids))

    async def double_press(self, message: dict, data: str) -> None:
        """The same button twice, before the first press was answered."""
        first, first_query = await self.press(message, data)
        second, second_query = await self.press(message, data)
        self.double_presses.append((first_query, second_query))
        await self.settle(first, second)

    def last(self, needle: str) -> dict:
        for event in reversed(self.events):
            if needle in text_of(event.message):
                return event.message
        raise AssertionError(f"buyer {self.id} never saw {needle!r}: {self.texts()[-3:]}")

    def prompt(self) -> tuple[int, dict]:
        """The question shown last: its step number and the message."""
        message = self.last("Step ")
        found = STEP.search(text_of(message))
        assert found is not None
        return int(found.group(1)), message

    def button(self, message: dict, label: str) -> str:
        for row in self.emu.buttons(message):
            for button in row:
                if str(button.get("text", "")).startswith(label):
                    return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} under {text_of(message)[:80]!r}")

    def texts(self) -> list[str]:
        return [text_of(e.message) for e in self.events if e.kind == "sent"]


async def journey(buyer: Buyer, notify: Callable[[Buyer], Awaitable[None]]) -> None:
    """Find a covered supplier and answer the specification, the way people really tap."""
    await buyer.settle(await buyer.say("/find scarf 20000 USD"))
    results = buyer.last("Suppliers of")
    await notify(buyer)  # meanwhile, something happens that the bot must push to them
    await buyer.double_press(results, buyer.button(results, SUPPLIER))  # starts the draft

    design = await buyer.say(SPEC_ANSWERS[0])
    buyer.redelivered.append(buyer.emu.redeliver(design))  # Telegram retries at once
    buyer.answers += 1
    await buyer.settle(design, times=2)

    colour, material = await buyer.say(SPEC_ANSWERS[1]), await buyer.say(SPEC_ANSWERS[2])
    buyer.answers += 2
    await buyer.settle(colour, material)

    while len(buyer.updates) < UPDATES_PER_BUYER:
        step, message = buyer.prompt()
        answer = SPEC_ANSWERS[step - 1]
        buyer.answers += 1
        if not answer.startswith("press:"):
            await buyer.settle(await buyer.say(answer))
            continue
        data = buyer.button(message, answer.removeprefix("press:"))
        if len(buyer.updates) + 2 <= UPDATES_PER_BUYER:
            await buyer.double_press(message, data)
        else:
            update_id, _query = await buyer.press(message, data)
            await buyer.settle(update_id)


# -- pushes: one notice per buyer, written to the outbox by another process ------------------


class Notices:
    """Writes a due notice for a buyer, as a service in another process would (the team
    approving something): whichever bot process claims it first must be the only sender."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @staticmethod
    def name(buyer: Buyer) -> str:
        return f"Notice {buyer.id}"

    async def __call__(self, buyer: Buyer) -> None:
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            user_id = await session.scalar(select(User.id).where(User.telegram_id == buyer.id))
            assert user_id is not None, f"buyer {buyer.id} has no user row after /find"
            await outbox.enqueue(
                session,
                kind=REGISTRATION_APPROVED,
                recipient_id=user_id,
                due_at=now,
                now=now,
                payload={"name": self.name(buyer)},
                urgent=True,
            )

    async def wait_all_sent(self, count: int, timeout: float = 60) -> list[Reminder]:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while True:
                async with self.sessions() as session:
                    rows = list((await session.scalars(select(Reminder))).all())
                if len(rows) == count and all(r.status != ReminderStatus.PENDING for r in rows):
                    return rows
                await asyncio.sleep(0.2)


# -- the deployment ------------------------------------------------------------------------------


def bot_env(database_url: str, emu: BotAPIEmulator, port: int) -> dict[str, str]:
    """The environment of every unit, named as bot/config.py names the settings."""
    return cli_env(
        {
            "bot_token": TOKEN,
            "api_base": emu.base_url,
            "database_url": database_url,
            "webhook_url": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_host": "127.0.0.1",
            "webhook_port": str(port),
            "webhook_path": WEBHOOK_PATH,
            "reminder_poll_seconds": "1",
            # The emulator enforces no flood limit here: the notices need not queue.
            "send_rate_per_second": "200",
        }
    )


async def migrate(env: dict[str, str], cwd: Path) -> None:
    """``tradeguard db upgrade``: PostgreSQL is never migrated behind the operator's back."""
    async with command(tradeguard("db", "upgrade"), env, cwd) as upgrade:
        assert await upgrade.finished() == 0, upgrade.stderr


def test_four_workers_are_refused_on_sqlite_in_one_line(tmp_path: Path) -> None:
    env = cli_env(
        {
            "bot_token": TOKEN,
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "webhook_url": "https://bot.example.com/telegram/webhook",
            "webhook_secret": WEBHOOK_SECRET,
        }
    )
    result = subprocess.run(
        tradeguard("run", "--webhook", "--workers", "4"),
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "tradeguard: TRADEGUARD_DATABASE_URL: several workers need PostgreSQL "
        "(SQLite serves one process); use --workers 1"
    ]
    assert not (tmp_path / "bot.db").exists()  # refused before anything was opened


async def test_2000_updates_from_200_buyers_through_the_webhook_workers(
    database_url: str, tmp_path: Path
) -> None:
    postgres = on_postgres(database_url)
    workers = 4 if postgres else 1
    # Several updates of one chat in flight at once, as with Telegram's max_connections:
    # which of them a worker takes first is up to the race.
    async with (
        BotAPIEmulator(token=TOKEN, webhook_chat_order=False) as emu,
        contextlib.AsyncExitStack() as units,
    ):
        env = bot_env(database_url, emu, free_port())
        if postgres:
            await migrate(env, tmp_path)
        buyers = [Buyer(emu, FIRST_BUYER + n) for n in range(BUYERS)]
        by_chat = {buyer.id: buyer for buyer in buyers}
        emu.on_event(lambda event: by_chat[event.chat_id].events.append(event))

        run = tradeguard("run", "--webhook", "--workers", str(workers))
        bot = await units.enter_async_context(command(run, env, tmp_path))
        scheduler: Command | None = None
        if postgres:  # the reminder clock as its own unit, racing the workers for each row
            scheduler = await units.enter_async_context(
                command(tradeguard("scheduler"), env, tmp_path)
            )
            await scheduler.wait_for("is running")
        await bot.wait_for("is running", count=workers)
        assert emu.webhook_info()["url"] == env["TRADEGUARD_WEBHOOK_URL"]

        db = create_engine(database_url)
        try:
            notices = Notices(session_factory(db))
            await asyncio.gather(*(journey(buyer, notices) for buyer in buyers))
            reminders = await notices.wait_all_sent(BUYERS)
            await check_database(session_factory(db), buyers, reminders)
        finally:
            await db.dispose()
        check_what_buyers_saw(emu, buyers)
        assert not emu.errors, list(emu.errors)[:5]
        # The race was real: updates of one chat were in flight together, many times.
        assert emu.stats["webhook_chat_overlaps"] > 0

        # Stopping as systemd does, with an update in hand (its reply held up by a flood
        # wait): the parent passes SIGTERM on, the reply still arrives, all exit with 0.
        last = buyers[0]
        emu.fail_next("sendMessage", error_code=429, retry_after=2)
        in_hand = await last.say("/help")
        await emu.wait_for_request("sendMessage", timeout=30)
        bot.terminate()
        await last.settle(in_hand)
        assert "What I can do" in last.texts()[-1]
        for unit in (bot, scheduler):
            if unit is not None:
                assert await unit.stop() == 0, unit.stderr
                assert "Traceback" not in unit.stderr, unit.stderr
        assert emu.stats["webhook_dropped"] == 0
        assert [(e.method, e.status) for e in emu.errors] == [("sendMessage", 429)]  # injected


async def check_database(
    sessions: async_sessionmaker[AsyncSession], buyers: list[Buyer], reminders: list[Reminder]
) -> None:
    async with sessions() as session:
        claimed = set((await session.scalars(select(ProcessedUpdate.update_id))).all())
        telegram_id = {u.id: u.telegram_id for u in (await session.scalars(select(User))).all()}
        orders = {telegram_id[o.buyer_id]: o for o in (await session.scalars(select(Order))).all()}
        order_count = Counter(telegram_id[o] for o in await session.scalars(select(Order.buyer_id)))
        conversations = {
            telegram_id[c.user_id]: c for c in (await session.scalars(select(Conversation))).all()
        }
        supplier = await session.scalar(select(Supplier).where(Supplier.name.like("Hangzhou%")))
    assert supplier is not None

    # Every update id was recorded (a primary key: once), none lost, none invented.
    sent = [update_id for buyer in buyers for update_id in buyer.updates]
    assert len(sent) == len(set(sent)) == BUYERS * UPDATES_PER_BUYER
    assert claimed == set(sent)

    # The supplier button pressed twice started one draft, not two.
    assert order_count == Counter({buyer.id: 1 for buyer in buyers})
    for order in orders.values():
        assert order.status == OrderStatus.DRAFT
        assert order.supplier_id == supplier.id
        assert (order.amount, order.currency) == (20000, "USD")

    stored_steps: defaultdict[str, set[str]] = defaultdict(set)
    stored_items: defaultdict[str, set[str]] = defaultdict(set)
    for buyer in buyers:
        conversation, order = conversations[buyer.id], orders[buyer.id]
        # Two quick answers arrive in either order: "100% silk" first is refused as a
        # colour (the buyer then answered the question shown); nothing else is refused.
        refused = sum(COLOUR_REFUSED in text for text in buyer.texts())
        assert refused <= 1, buyer.texts()
        answered = buyer.answers - refused
        # Each answer stored once, in order: no step answered twice, none skipped.
        assert conversation.flow == "order"
        assert conversation.history == list(SPEC_STEPS[:answered]), buyer.texts()
        assert conversation.step == SPEC_STEPS[answered]
        # The draft holds exactly the items whose questions are all answered.
        complete = {
            item for item, steps in ITEM_STEPS.items() if set(steps) <= set(conversation.history)
        }
        assert set(order.spec) == complete
        for step in conversation.history:
            stored_steps[step].add(json.dumps(conversation.data[step], sort_keys=True))
        for item, value in order.spec.items():
            stored_items[item].add(json.dumps(value, sort_keys=True))
    # Every buyer gave the same answers: one value per step, so none landed in another's slot.
    assert all(len(values) == 1 for values in stored_steps.values()), stored_steps
    assert all(len(values) == 1 for values in stored_items.values()), stored_items
    assert "SC-2041" in stored_items["design"].pop()
    assert "18-1663" in stored_items["colour"].pop()

    # Each notice claimed once (FOR UPDATE SKIP LOCKED on PostgreSQL) and sent once.
    assert Counter(telegram_id[r.recipient_id] for r in reminders) == Counter(
        {buyer.id: 1 for buyer in buyers}
    )
    assert {(r.status, r.attempts) for r in reminders} == {(ReminderStatus.SENT, 1)}


def check_what_buyers_saw(emu: BotAPIEmulator, buyers: list[Buyer]) -> None:
    answers = {a["callback_query_id"]: a for a in emu.callback_answers}
    for buyer in buyers:
        texts = buyer.texts()
        assert sum("Draft order #" in text for text in texts) == 1, texts
        notice = f"Your registration of {Notices.name(buyer)} is approved"
        assert sum(notice in text for text in texts) == 1, texts
        # Of two presses of one button, exactly one acted; the other was told it expired.
        for pair in buyer.double_presses:
            assert sorted(answers[query]["text"] == EXPIRED for query in pair) == [False, True]
        # A redelivered update reached the bot twice and was handled once (see the database).
        for update_id in buyer.updates:
            assert emu.delivered(update_id) == (2 if update_id in buyer.redelivered else 1)
