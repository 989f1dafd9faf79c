"""The contract PDF is made after the update's transaction has committed, in a worker
process, and sent once it is made: through both real runtimes against the emulator, with
the order and its contract version already visible to any other connection when the PDF
is started, and the confirmation on the buyer's screen before the PDF is rendered
(``tests/test_contract_pdf_drafts.py``: the worker itself, and a failed PDF)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import TypeVar

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from telegram_helpers import RUNTIMES, Person, bot_settings, running, texts

from bot.app import App
from bot.config import Settings
from bot.workers import Workers
from emulator import BotAPIEmulator
from storage.models import ContractVersion, Order, OrderStatus
from tests.buyer_helpers import SPEC_ANSWERS

pytestmark = pytest.mark.timeout(120)

T = TypeVar("T")
BUYER = 5201


class WatchedWorkers(Workers):
    """The app's real workers, noting what the database showed when each job started."""

    def __init__(self, app: App, inner: Workers) -> None:
        super().__init__(inner.mode)
        self.app = app
        self.inner = inner
        self.seen: list[list[tuple[OrderStatus, int]]] = []

    async def run(self, work: Callable[[], T]) -> T:
        # A new session: on either database it sees committed rows only.
        async with self.app.sessions() as session:
            rows = await session.execute(
                select(Order.status, ContractVersion.version).join(
                    ContractVersion, ContractVersion.order_id == Order.id
                )
            )
            self.seen.append([(status, version) for status, version in rows.all()])
        return await self.inner.run(work)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param))


class HeldWorkers(Workers):
    """The app's real workers, each job held until the test lets it go."""

    def __init__(self, inner: Workers) -> None:
        super().__init__(inner.mode)
        self.inner = inner
        self.started = asyncio.Event()
        self.go = asyncio.Event()

    async def run(self, work: Callable[[], T]) -> T:
        self.started.set()
        await self.go.wait()
        return await self.inner.run(work)

    def close(self) -> None:
        self.inner.close()


async def _up_to_confirm(alice: Person) -> None:
    """Find, choose and answer every question; then press "Confirm"."""
    results = await alice.say("/find scarf 20000 USD")
    await alice.press(results, next(x for x in alice.labels(results) if "Hangzhou" in x))
    prompt = await alice.wait_for("Step 1 of")
    for number, line in enumerate(SPEC_ANSWERS, start=1):
        if line.startswith("press:"):
            part = line.removeprefix("press:").lower()
            await alice.press(prompt, next(x for x in alice.labels(prompt) if part in x.lower()))
        else:
            await alice.emu.send_text(alice.user, line)
        prompt = await alice.wait_for(
            f"Step {number + 1} of" if number < len(SPEC_ANSWERS) else "Review"
        )
    await alice.press(prompt, "Confirm the specification")


async def test_the_pdf_is_made_after_the_commit_in_a_worker_process_and_then_sent(
    app: App, emu: BotAPIEmulator
) -> None:
    assert app.workers.mode == "process"  # the product's default
    watched = WatchedWorkers(app, app.workers)
    app.workers = watched
    async with running(app, "polling"):
        alice = Person(emu, BUYER, "Alice")
        await _up_to_confirm(alice)
        sheet = await alice.wait_for("Specification and contract draft for order #")

    # When the PDF was started, the confirmation was already committed: order and version.
    assert watched.seen == [[(OrderStatus.CONFIRMED, 1)]]
    order_id = int(texts(sheet).split("order #", 1)[1].split(".", 1)[0])
    assert sheet["document"]["file_name"] == f"order-{order_id}-specification.pdf"
    (content,) = emu.sent_documents(alice.id)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert f"Order #{order_id}" in text and "Hangzhou Silkway Textiles" in text
    assert not emu.errors, list(emu.errors)


async def test_the_confirmation_is_shown_while_the_pdf_is_still_being_made(
    app: App, emu: BotAPIEmulator
) -> None:
    held = HeldWorkers(app.workers)
    app.workers = held
    async with running(app, "polling"):
        alice = Person(emu, BUYER, "Alice")
        await _up_to_confirm(alice)
        try:
            await asyncio.wait_for(held.started.wait(), 10)
            # The PDF is not rendered yet, and the buyer already reads what happened.
            confirmed = await alice.wait_for("is confirmed.")
            assert "Next:" in texts(confirmed)
            assert emu.sent_documents(alice.id) == []
        finally:
            held.go.set()  # a failed check must not leave the runtime waiting on the job
        sheet = await alice.wait_for("Specification and contract draft for order #", timeout=30)
    assert sheet["document"]["file_name"].endswith("-specification.pdf")
    assert len(emu.sent_documents(alice.id)) == 1
    assert not emu.errors, list(emu.errors)
