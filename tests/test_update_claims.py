"""An update's id is recorded with the change it makes: a process that dies before the
commit leaves neither, so the update Telegram delivers again is handled; once handled,
the same update is dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bench.statements import StatementCounter
from bot.app import App
from bot.flows.replies import Incoming, Sender
from bot.handlers.telegram_common import UpdateGate
from storage.models import Conversation, ProcessedUpdate, User

KIM = 4242


class Killed(BaseException):
    """What a kill -9 looks like from inside: nothing after it runs, nothing commits."""


async def recorded(app: App, update_id: int) -> bool:
    async with app.sessions() as session:
        found = await session.scalar(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
        )
        return found is not None


async def conversations(app: App) -> int:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(Conversation.user_id).join(User).where(User.telegram_id == KIM)
        )
        return len(rows.all())


async def test_an_update_cut_off_before_its_commit_is_handled_when_delivered_again(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = UpdateGate(app)
    profile = Incoming(sender=Sender(telegram_id=KIM, display_name="Kim"), text="/profile")
    handle = app.engine.handle

    async def dies_before_commit(ctx, incoming):  # type: ignore[no-untyped-def]
        await handle(ctx, incoming)  # the flow starts, in the transaction...
        raise Killed  # ...and the process dies before it commits

    monkeypatch.setattr(app.engine, "handle", dies_before_commit)
    with pytest.raises(Killed):
        await gate.run(77, KIM, app.handle(profile))
    assert not await recorded(app, 77)
    assert await conversations(app) == 0

    monkeypatch.setattr(app.engine, "handle", handle)  # the restarted process
    outcome = await gate.run(77, KIM, app.handle(profile))  # Telegram delivers it again
    assert outcome is not None and "Step 1 of 2" in outcome.replies[0].text
    assert await recorded(app, 77)
    assert await conversations(app) == 1

    assert await gate.run(77, KIM, app.handle(profile)) is None  # and never twice
    assert gate.duplicates == 1


async def test_an_update_that_never_reaches_the_flows_is_recorded_too(app: App) -> None:
    gate = UpdateGate(app)

    async def ignored() -> str:
        return "a reaction, say: nothing to handle"

    assert await gate.run(78, KIM, ignored()) == "a reaction, say: nothing to handle"
    assert await recorded(app, 78)
    assert await gate.run(78, KIM, ignored()) is None


async def test_a_fresh_update_costs_one_transaction_and_a_retry_changes_nothing(
    app: App,
) -> None:
    """The id is looked up only where it is recorded, in the update's own transaction: a
    separate look-up before the work was a second transaction on every update."""
    counter = StatementCounter(app.db)
    gate = UpdateGate(app)
    profile = Incoming(sender=Sender(telegram_id=KIM, display_name="Kim"), text="/profile")
    await gate.run(80, KIM, app.handle(profile))
    assert counter.transactions == 1
    assert counter.shapes["SELECT processed_updates"] == 0

    before = await where_kim_is(app)
    other_process = UpdateGate(app)  # remembers nothing: only the record can tell
    again = await other_process.run(80, KIM, app.handle(profile))
    assert again is None and other_process.duplicates == 1
    assert await where_kim_is(app) == before  # the flow did not start over

    assert await gate.run(80, KIM, app.handle(profile)) is None  # this process knew it
    assert gate.duplicates == 1


async def where_kim_is(app: App) -> tuple[str, str, str]:
    async with app.sessions() as session:
        found = await session.scalar(select(Conversation).join(User).where(User.telegram_id == KIM))
        assert found is not None
        return found.flow, found.step, found.nonce
