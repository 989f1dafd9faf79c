"""Contract PDFs made by a worker process (``bot.workers``), identical to one made in the
bot's own process; a draft that travels to the worker; and a PDF that fails to be made
after the order was confirmed: the confirmation stands, the buyer is told how to get the
PDF again, and that works once the fault is gone; and a pool started before the first
PDF, which then runs in the worker already warmed up, and that worker gone with the bot
when the bot is killed outright."""

from __future__ import annotations

import asyncio
import io
import os
import pickle
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.app import App
from bot.flows import order_sheet
from bot.services import spec_sheet
from bot.workers import WORKER_NICENESS, Workers
from storage.models import Order, OrderStatus
from tests.buyer_helpers import (
    confirmed_order,
    files_in_tmp,  # noqa: F401  (fixture: PDFs saved under tmp)
    saved_files,
)
from tests.conftest import ChatDriver
from tests.test_contract_locales import objects

NOW = datetime(2026, 11, 5, tzinfo=UTC)


async def test_a_process_worker_runs_outside_the_bot_process_and_makes_the_same_pdf() -> None:
    workers = Workers("process")
    try:
        assert await workers.run(os.getpid) != os.getpid()
        order, supplier, buyer = objects()
        draft = order_sheet.draft(
            order, supplier, buyer, _rules(), datetime(2026, 11, 5, tzinfo=UTC)
        )
        made, complete = await workers.run(draft.make)
        here, _ = draft.make()
    finally:
        workers.close()
    assert made.startswith(b"%PDF") and complete
    pages = PdfReader(io.BytesIO(made)).pages
    assert "".join(p.extract_text() for p in pages) == "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(here)).pages
    )


async def test_a_started_pool_warms_its_worker_up_and_the_first_pdf_runs_there() -> None:
    workers = Workers("process")
    try:
        warmed = workers.start()
        assert warmed is not None
        worker = await asyncio.wrap_future(warmed)
        assert worker != os.getpid()
        assert await workers.run(os.getpid) == worker  # no second process was started
        # It yields the core to the bot: a render waits for an answer, not the reverse.
        niceness = await workers.run(partial(os.nice, 0))
        assert niceness == min(19, os.nice(0) + WORKER_NICENESS) > os.nice(0)
    finally:
        workers.close()
    spec_sheet.warm_up()  # what the fork server warms up with: a whole sheet, no error
    for mode in ("thread", "inline"):
        assert Workers(mode).start() is None  # nothing to start


A_BOT_WITH_WORKERS = """
import asyncio, os
from bot.workers import Workers

async def main():
    workers = Workers("process")
    print(await asyncio.wrap_future(workers.start()), flush=True)
    await asyncio.sleep(120)

if __name__ == "__main__":
    asyncio.run(main())
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie left to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_render_worker_exits_when_the_bot_is_killed_outright(tmp_path: Path) -> None:
    script = tmp_path / "bot_with_workers.py"
    script.write_text(A_BOT_WITH_WORKERS)
    root = Path(__file__).resolve().parents[1]
    bot = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert bot.stdout is not None
        worker = int(bot.stdout.readline())
        assert _running(worker)
        bot.send_signal(signal.SIGKILL)  # no shutdown: the pool never closes its queue
        bot.wait(10)
        deadline = time.monotonic() + 20
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(worker), "the render worker outlived the bot"
    finally:
        bot.kill()


def _rules() -> Any:
    from policy import load_rules

    return load_rules()


def _broken(*_args: object) -> tuple[bytes, bool]:
    raise RuntimeError("the PDF library failed")


async def test_a_failed_pdf_leaves_the_order_confirmed_and_says_how_to_get_it(
    chat: ChatDriver,
    app: App,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    app.workers = Workers("thread")
    working = spec_sheet.render_checked
    monkeypatch.setattr(spec_sheet, "render_checked", _broken)
    order_id = await confirmed_order(chat)
    shown = chat.buffer.getvalue()
    assert "The PDF could not be made this time" in shown and "Contract PDF" in shown
    assert "something went wrong" not in shown  # the confirmation stands
    assert "document saved" not in shown
    async with app.sessions() as session:
        order = await session.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CONFIRMED
    assert "could not be made" in caplog.text

    monkeypatch.setattr(spec_sheet, "render_checked", working)  # the fault is gone
    again = await chat.say(f"/orders {order_id}")
    assert "Contract PDF" in again
    await chat.press("Contract PDF")
    assert f"order-{order_id}-specification.pdf" in chat.buffer.getvalue()
    assert (saved_files(tmp_path) / f"order-{order_id}-specification.pdf").is_file()


def test_a_draft_is_picklable_for_the_worker_process() -> None:

    order, supplier, buyer = objects()
    draft = order_sheet.draft(order, supplier, buyer, _rules(), NOW)
    make = pickle.loads(pickle.dumps(draft.make))
    assert isinstance(make, partial) and make.func is spec_sheet.render_checked
