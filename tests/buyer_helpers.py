"""Shared steps of the buyer's story: a confirmed order in a few lines, database peeks,
and the PDF the bot sent, read back as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.app import App
from bot.handlers.terminal import OUTPUT_DIR, terminal_user_id
from storage.models import Order, Reminder, ReminderStatus, Supplier, User
from tests.conftest import ChatDriver

# A precise answer to every question of /order, in order (buttons start with "press:").
SPEC_ANSWERS: tuple[str, ...] = (
    "Model SC-2041 long silk scarf",
    "PANTONE 18-1663 TCX",
    "100% silk",
    "180 x 70 cm",
    "120 g",
    "press:No",
    "500 pcs",
    "60 x 40 x 40 cm",
    "5-ply corrugated, BC flute, 44 ECT",
    "press:No plastic",
    "press:Skip",
    "press:Sea freight",
    "2027-03-01",
    "press:None",
    "press:before loading",
    "press:SGS",
    "press:Post-delivery",
)


@pytest.fixture(autouse=True)
def files_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The terminal saves documents under the working directory: keep them in tmp."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path / OUTPUT_DIR


def saved_files(tmp_path: Path) -> Path:
    """Where the terminal saved the documents the bot sent (see ``files_in_tmp``)."""
    return tmp_path / OUTPUT_DIR


async def answer(chat: ChatDriver, line: str) -> str:
    if line.startswith("press:"):
        return await chat.press(line.removeprefix("press:"))
    return await chat.say(line)


def step_number(shown: str) -> int | None:
    found = re.search(r"Step (\d+) of \d+", shown)
    return int(found.group(1)) if found else None


async def answer_all(chat: ChatDriver, answers: tuple[str, ...] = SPEC_ANSWERS) -> str:
    """Answer question after question; a refused answer (same step again) fails the test."""
    shown = ""
    for line in answers:
        before = step_number(shown)
        shown = await answer(chat, line)
        after = step_number(shown)
        assert after is None or before is None or after > before, f"{line!r} refused:\n{shown}"
    return shown


async def confirmed_order(
    chat: ChatDriver, query: str = "scarf 20000 USD", supplier: str = "Hangzhou"
) -> int:
    """Find, choose, specify and confirm: the order id, now CONFIRMED."""
    await chat.say(f"/find {query}")
    started = await chat.press(supplier)
    assert "Draft order #" in started
    review = await answer_all(chat)
    assert "Confirm the specification" in review
    done = await chat.press("Confirm the specification")
    assert "is confirmed" in done
    order_id = int(done.split("Order #", 1)[1].split(" ", 1)[0])
    return order_id


async def user_named(app: App, name: str) -> User:
    async with app.sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == terminal_user_id(name)))
        assert user is not None
        return user


async def get_order(app: App, order_id: int) -> Order:
    async with app.sessions() as session:
        order = await session.get(Order, order_id)
        assert order is not None
        return order


def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split())


async def bind_supplier(app: App, name_start: str = "Hangzhou", account: str = "sam") -> None:
    """Link a directory entry to a terminal account, as the supplier's verified sign-up
    does, and let that account write once so notices reach it."""
    async with app.sessions() as session, session.begin():
        supplier = await session.scalar(
            select(Supplier).where(Supplier.name.like(f"{name_start}%"))
        )
        assert supplier is not None
        supplier.telegram_id = terminal_user_id(account)


async def as_supplier(chat: ChatDriver, account: str = "sam") -> None:
    await chat.say(f"/as supplier {account}")


async def as_buyer(chat: ChatDriver, account: str = "you") -> None:
    await chat.say(f"/as buyer {account}")


async def agreed_order(
    chat: ChatDriver,
    app: App,
    query: str = "scarf 20000 USD",
    supplier: str = "Hangzhou",
    account: str = "sam",
) -> int:
    """A confirmed order whose supplier (played by ``account``) accepted the contract."""
    await bind_supplier(app, supplier, account)
    await as_supplier(chat, account)
    await chat.say("/help")  # the supplier's account has written to the bot
    await as_buyer(chat)
    order_id = await confirmed_order(chat, query, supplier)
    await as_supplier(chat, account)
    shown = await chat.say(f"/orders {order_id}")
    assert "Waiting for your acceptance." in shown, shown
    accepted = await chat.press("Accept the contract")
    assert "You accepted version" in accepted, accepted
    await as_buyer(chat)
    return order_id


async def choose_wire(chat: ChatDriver, order_id: int) -> str:
    """The buyer (from the United States, with a Visa card when asked) picks the wire in
    /pay; the reply to the choice."""
    await chat.say(f"/pay {order_id}")
    if "United States" in chat.buttons():  # asked once: the country is kept
        await chat.press("United States")
    if "Visa" in chat.buttons():
        await chat.press("Visa")
    return await chat.press("Wire transfer")


async def pending_reminders(app: App, kind: str) -> list[Reminder]:
    """The reminders of ``kind`` still to go, the soonest first."""
    async with app.sessions() as session:
        rows = await session.scalars(
            select(Reminder)
            .where(Reminder.kind == kind, Reminder.status == ReminderStatus.PENDING)
            .order_by(Reminder.due_at)
        )
        return list(rows.all())


async def funds_held(chat: ChatDriver, order_id: int, member: str = "tess") -> str:
    """The programme's team (``member``) sees the buyer's money in escrow and records it,
    so the supplier may ship; back to the buyer."""
    await chat.say(f"/as team {member}")
    shown = await chat.say(f"/funds {order_id}")
    assert "Is the whole amount held in the escrow account?" in shown, shown
    done = await chat.press("Yes, the money is held")
    assert f"Recorded: the money for order #{order_id} is held in escrow." in done, done
    await as_buyer(chat)
    return done


async def ship_order(chat: ChatDriver, order_id: int, tracking: str = "MSKU1234567") -> str:
    """The supplier (``sam``) marks the order shipped today by Maersk; back to the buyer."""
    await as_supplier(chat)
    shown = await chat.say(f"/orders {order_id}")
    assert "Mark as shipped" in chat.buttons(), shown
    await chat.press("Mark as shipped")
    await chat.press("Today")
    await chat.say("Maersk")
    review = await chat.say(tracking)
    if "inspection before loading" in review:  # the contract asks for one: its report
        review = await chat.say(f"/file {inspection_report_file()}")
    assert "Shipping mode (from the contract)" in review, review
    done = await chat.press("Yes, it has shipped")
    await as_buyer(chat)
    return done


INSPECTION_REPORT_PDF = b"%PDF-1.4\n% SGS pre-shipment inspection report: passed\n%%EOF\n"


def inspection_report_file(name: str = "sgs-report.pdf") -> Path:
    """An inspector's report, in the working directory (tmp, see ``files_in_tmp``)."""
    path = Path(name).resolve()
    path.write_bytes(INSPECTION_REPORT_PDF)
    return path
