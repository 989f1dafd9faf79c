"""Binding a supplier's account: only the team's approval of a registration or a one-time
claim code the team issues sets ``Supplier.telegram_id``; codes are stored hashed, work
once, expire, and every binding is in the append-only ``supplier_events``."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.app import App
from bot.clock import FrozenClock
from bot.handlers.terminal import terminal_user_id
from bot.services import binding, suppliers
from bot.services.binding import ClaimRefused
from policy import Money
from storage.models import ClaimCode, Supplier, SupplierEvent, User, Verification
from tests.conftest import ChatDriver
from tests.dispute_helpers import make_order, user_id


async def quiet_mills(app: App, clock: FrozenClock) -> int:
    """A directory row nobody speaks for, with an order from alice."""
    await make_order(app, clock.now(), supplier=None, supplier_name="Quiet Mills")
    async with app.sessions() as session:
        found = await session.scalar(select(Supplier.id).where(Supplier.name == "Quiet Mills"))
    assert found is not None
    return found


async def person(app: App, clock: FrozenClock, name: str) -> User:
    async with app.sessions() as session:
        user = await session.get(User, await user_id(app, name, clock.now()))
        assert user is not None
        return user


async def issue(app: App, clock: FrozenClock, supplier_id: int) -> str:
    tess = await person(app, clock, "tess")
    async with app.sessions() as session, session.begin():
        _supplier, code, _expires = await binding.issue_code(
            session, supplier_id, tess, clock.now()
        )
    return code


async def redeem(app: App, clock: FrozenClock, name: str, code: str) -> Supplier:
    user = await person(app, clock, name)
    async with app.sessions() as session, session.begin():
        return await binding.redeem(session, user, code, clock.now())


async def bound_to(app: App, supplier_id: int) -> int | None:
    async with app.sessions() as session:
        supplier = await session.get(Supplier, supplier_id)
        assert supplier is not None
        return supplier.telegram_id


async def kinds(app: App, supplier_id: int) -> list[tuple[str, str]]:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(SupplierEvent)
            .where(SupplierEvent.supplier_id == supplier_id)
            .order_by(SupplierEvent.id)
        )
        return [(e.actor_role, e.kind) for e in rows.all()]


async def test_a_code_works_once(app: App, clock: FrozenClock) -> None:
    supplier_id = await quiet_mills(app, clock)
    code = await issue(app, clock, supplier_id)
    assert re.fullmatch(r"[A-Z2-9]{12}", code)
    # Typed as shown, in lower case, with spaces: the same code.
    typed = binding.shown(code).lower().replace("-", " ")
    assert (await redeem(app, clock, "quinn", typed)).id == supplier_id
    assert await bound_to(app, supplier_id) == terminal_user_id("quinn")
    with pytest.raises(ClaimRefused) as refused:
        await redeem(app, clock, "mallory", code)
    assert refused.value.code == "used"
    assert await bound_to(app, supplier_id) == terminal_user_id("quinn")
    assert await kinds(app, supplier_id) == [
        ("team", "claim_code_issued"),
        ("supplier", "claim_code_redeemed"),
        ("supplier", "bound"),
    ]


async def test_a_code_expires_and_a_new_one_retires_the_old(app: App, clock: FrozenClock) -> None:
    supplier_id = await quiet_mills(app, clock)
    old = await issue(app, clock, supplier_id)
    clock.advance(binding.CODE_LIFETIME + timedelta(seconds=1))
    with pytest.raises(ClaimRefused) as refused:
        await redeem(app, clock, "quinn", old)
    assert refused.value.code == "expired"
    first, second = await issue(app, clock, supplier_id), await issue(app, clock, supplier_id)
    with pytest.raises(ClaimRefused) as refused:
        await redeem(app, clock, "quinn", first)
    assert refused.value.code == "expired"
    assert await bound_to(app, supplier_id) is None
    await redeem(app, clock, "quinn", second)
    assert await bound_to(app, supplier_id) == terminal_user_id("quinn")


async def test_wrong_codes_bind_nothing_and_codes_are_kept_hashed(
    app: App, clock: FrozenClock
) -> None:
    supplier_id = await quiet_mills(app, clock)
    code = await issue(app, clock, supplier_id)
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    for wrong in (flipped, code[:-1], code + "A", "", "x" * 500, "'; DROP TABLE claim_codes"):
        with pytest.raises(ClaimRefused) as refused:
            await redeem(app, clock, "mallory", wrong)
        assert refused.value.code == "wrong", wrong
    assert await bound_to(app, supplier_id) is None
    async with app.sessions() as session:
        (row,) = (await session.scalars(select(ClaimCode))).all()
        raw = (await session.execute(text("SELECT * FROM claim_codes"))).one()
    assert row.code_sha256 == binding.digest(code) and code not in str(tuple(raw))
    assert row.used_at is None


async def test_a_buyer_cannot_claim_the_company_they_buy_from(app: App, clock: FrozenClock) -> None:
    supplier_id = await quiet_mills(app, clock)  # alice has an order from it
    code = await issue(app, clock, supplier_id)
    with pytest.raises(ClaimRefused) as refused:
        await redeem(app, clock, "alice", code)
    assert refused.value.code == "own_orders"
    assert await bound_to(app, supplier_id) is None
    await redeem(app, clock, "quinn", code)  # the code was not spent by the refusal


async def test_the_supplier_log_is_append_only(app: App, clock: FrozenClock) -> None:
    supplier_id = await quiet_mills(app, clock)
    await issue(app, clock, supplier_id)
    for statement in ("UPDATE supplier_events SET kind = 'x'", "DELETE FROM supplier_events"):
        with pytest.raises(DBAPIError):
            async with app.sessions() as session, session.begin():
                await session.execute(text(statement))
    assert await kinds(app, supplier_id) == [("team", "claim_code_issued")]


async def test_a_registration_binds_its_account_when_the_team_approves_it(
    app: App, clock: FrozenClock
) -> None:
    applicant = await person(app, clock, "rita")
    tess = await person(app, clock, "tess")
    form = suppliers.Registration(
        name="Rita Weaving",
        country="CN",
        products=("scarf",),
        limit=Money.of("5000", "USD"),
        verification=Verification.NONE,
    )
    async with app.sessions() as session, session.begin():
        registered = await suppliers.register(session, applicant, clock.now(), form, set())
        registration_id = registered.id
    assert await bound_to(app, registration_id) is None  # an application speaks for nobody
    async with app.sessions() as session, session.begin():
        await suppliers.approve(session, registration_id, clock.now(), tess)
    assert await bound_to(app, registration_id) == terminal_user_id("rita")
    assert await kinds(app, registration_id) == [("team", "bound")]


async def test_the_chat_commands(
    app: App, chat: ChatDriver, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    supplier_id = await quiet_mills(app, clock)
    # Only the team issues codes; anyone else is told the command does not exist.
    await chat.say("/as supplier quinn")
    with caplog.at_level(logging.INFO, logger="bot.security"):
        assert "Unknown command /claimcode" in await chat.say(f"/claimcode {supplier_id}")
    await chat.say("/as team tess")
    assert "/claimcode 12" in await chat.say("/claimcode nothing")
    shown = await chat.say(f"/claimcode {supplier_id}")
    found = re.search(r"Claim code for Quiet Mills \(#\d+\): ([A-Z2-9-]{14})", shown)
    assert found is not None, shown
    code = found.group(1)

    await chat.say("/as supplier quinn")
    with caplog.at_level(logging.INFO, logger="bot.security"):
        assert "not valid" in await chat.say("/claim ABCD-EFGH-JKMN")
    assert "followed by the code" in await chat.say("/claim")
    assert "now speaks for Quiet Mills" in await chat.say(f"/claim {code}")
    await chat.say("/as supplier mallory")
    with caplog.at_level(logging.INFO, logger="bot.security"):
        assert "already been used" in await chat.say(f"/claim {code}")
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.security"]
    assert any("command /claimcode" in m for m in refusals)
    assert any("claim code (wrong)" in m for m in refusals)
    assert any("claim code (used)" in m for m in refusals)
    assert not any(code in m or code.replace("-", "") in m for m in refusals)
    assert await bound_to(app, supplier_id) == terminal_user_id("quinn")
