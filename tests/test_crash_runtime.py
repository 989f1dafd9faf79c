"""kill -9 of ``tradeguard run`` (aiogram, long polling against the Bot API emulator) at
random moments around "Submit", then started again.

Here an update's id is recorded in the transaction of the change it makes, and Telegram
re-delivers what was fetched but not confirmed, so a kill lands in one of: before the
fetch, after the fetch or during the handling (re-delivered to the next process and
handled there), after the commit (the dispute exists; its "submitted" may be unsent). In
every case: at most one dispute per order at any moment, exactly one once the buyer has
pressed until they saw it, and a press of the old button after that is told it expired.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram_helpers import TOKEN, Person, texts

from bot.app import build_app
from bot.config import load_settings
from emulator import BotAPIEmulator
from storage.db import create_engine
from storage.models import Dispute, DisputeEvent, Order, Supplier
from storage.users import get_or_create_user
from tests.dispute_helpers import make_order
from tests.test_crash_restart import REPO, write_report
from tests.test_privacy_telegram import press

ROUNDS = int(os.environ.get("TRADEGUARD_CRASH_RUNTIME_KILLS", "3"))
ALICE, SAM = 7001, 7002

pytestmark = pytest.mark.timeout(60 + 45 * ROUNDS)


async def start_bot(emu: BotAPIEmulator, database: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_")}
    env.update(
        TRADEGUARD_BOT_TOKEN=TOKEN,
        TRADEGUARD_API_BASE=emu.base_url,
        TRADEGUARD_RUNTIME="aiogram",
        TRADEGUARD_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=str(database.parent), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    seen = b""
    async with asyncio.timeout(60):
        while b"is running" not in seen:
            line = await process.stderr.readline()
            assert line, seen.decode()
            seen += line
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
        await process.wait()


async def seed(database: Path, rounds: int) -> list[int]:
    app = await build_app(
        load_settings(database_url=f"sqlite+aiosqlite:///{database}", bot_token=None)
    )
    try:
        now = datetime.now(UTC)
        orders = [await make_order(app, now, supplier="sam-company") for _ in range(rounds)]
        async with app.sessions() as session, session.begin():
            alice, _new = await get_or_create_user(
                session, ALICE, display_name="Alice", locale="en", timezone="UTC", now=now
            )
            await get_or_create_user(
                session, SAM, display_name="Sam", locale="en", timezone="UTC", now=now
            )
            await session.execute(update(Order).values(buyer_id=alice.id))
            await session.execute(update(Supplier).values(telegram_id=SAM))
        return orders
    finally:
        await app.close()


async def disputes_by_order(db: AsyncEngine) -> dict[int, int]:
    """Disputes per order, each with its two events (submitted, supplier notified)."""
    async with db.connect() as connection:
        rows = await connection.execute(
            select(Dispute.order_id, func.count()).group_by(Dispute.order_id)
        )
        counts = {order: n for order, n in rows.all()}
        events = await connection.execute(
            select(DisputeEvent.dispute_id, func.count()).group_by(DisputeEvent.dispute_id)
        )
        assert all(n == 2 for _d, n in events.all())
        return counts


def has_button(emu: BotAPIEmulator, message: dict, part: str) -> bool:
    return any(part in button["text"] for row in emu.buttons(message) for button in row)


async def until(condition: object, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_kill_9_of_the_telegram_runtime_around_submit(tmp_path: Path) -> None:
    seed_value = int(os.environ.get("TRADEGUARD_CRASH_SEED", str(random.randrange(2**32))))
    rng = random.Random(seed_value)
    database = tmp_path / "bot.db"
    orders = await seed(database, ROUNDS)
    outcomes: Counter[str] = Counter()
    states_checked = expired_retries = delivered_again = 0
    db = create_engine(f"sqlite+aiosqlite:///{database}")
    async with BotAPIEmulator(token=TOKEN) as emu:
        alice = Person(emu, ALICE, "Alice")
        Person(emu, SAM, "Sam")  # the supplier's chat, where claim notices go
        process = await start_bot(emu, database)
        try:
            for round_number, order_id in enumerate(orders):
                await emu.send_text(alice.user, f"/dispute {order_id}")
                # Not just any next message: the last round's "submitted" may still be on
                # its way, when the restarted bot handled the re-delivered "Submit".
                await emu.wait_for_message(alice.id, lambda m: has_button(emu, m, "I have"))
                await press(emu, alice, "I have")
                await press(emu, alice, "Late delivery")
                shown = await press(emu, alice, "The record is right")
                while "How much refund" not in texts(shown):
                    started = time.monotonic()
                    shown = await press(emu, alice, "I don't have it")
                    latency = time.monotonic() - started
                review = await press(emu, alice, "The whole order")
                submit = next(
                    b["callback_data"]
                    for row in emu.buttons(review)
                    for b in row
                    if "Submit" in b["text"]
                )
                seen_before = len(emu.bot_messages(alice.id))
                await emu.press(alice.user, review, submit)
                # Anywhere from before the update is fetched to after its reply is sent.
                await asyncio.sleep(rng.uniform(0, 2 * latency))
                await kill(process)
                acknowledged = any(
                    "is submitted" in texts(m) for m in emu.bot_messages(alice.id)[seen_before:]
                )
                counts = await disputes_by_order(db)
                states_checked += 1
                assert counts.get(order_id, 0) <= 1, (seed_value, counts)
                assert counts.get(order_id, 0) == 1 or not acknowledged, (seed_value, "lost")
                created = counts.get(order_id, 0) == 1
                outcomes[
                    "submitted_and_acknowledged"
                    if acknowledged
                    else "submitted_not_acknowledged"
                    if created
                    else "not_submitted"
                ] += 1

                process = await start_bot(emu, database)

                # Whatever was fetched but not confirmed is delivered again now.
                async def drained() -> bool:
                    return emu.pending_updates == 0

                await until(drained)
                await asyncio.sleep(0.5)
                if not created and (await disputes_by_order(db)).get(order_id) == 1:
                    delivered_again += 1  # fetched before the kill, handled after it
                # The buyer presses "Submit" again until they see the dispute submitted.
                await emu.press(alice.user, review, submit, strict=False)
                answer = await emu.wait_for_request("answerCallbackQuery")
                if answer.params.get("text") == "This button has expired.":
                    expired_retries += 1

                async def submitted(order: int = order_id) -> bool:
                    return (await disputes_by_order(db)).get(order) == 1

                await until(submitted)
                counts = await disputes_by_order(db)
                states_checked += 1
                assert counts == {o: 1 for o in orders[: round_number + 1]}, (seed_value, counts)
        finally:
            await kill(process)
            await db.dispose()
        assert not [e for e in emu.errors if e.method != "getUpdates"], list(emu.errors)
    write_report(
        "kill_9_telegram_runtime",
        {
            "seed": seed_value,
            "kills": ROUNDS,
            "restarts": ROUNDS,
            "process_starts": ROUNDS + 1,
            "states_checked": states_checked,
            "disputes_created": ROUNDS,
            "duplicates": 0,
            "kills_by_outcome": dict(outcomes),
            "second_presses_told_expired": expired_retries,
            "updates_delivered_again_after_restart": delivered_again,
        },
    )
