"""A step that fails unexpectedly: the traceback goes to the log, the user gets a
sentence in their language and the same question again, and nothing half-done stays."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.app import App
from bot.flows.base import Answer, Ctx
from bot.handlers.terminal import TerminalChat
from tests.conftest import ChatDriver


async def test_a_crashing_step_apologises_and_asks_again(
    chat: ChatDriver, app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    flow = app.engine.flows["profile"]
    first = flow.steps[0]

    async def boom(ctx: Ctx, answer: Answer) -> None:
        ctx.user.country = "ZZ"  # a half-done change that must be rolled back
        raise OverflowError("date value out of range")

    broken = dataclasses.replace(
        flow, steps=(dataclasses.replace(first, handle=boom), *flow.steps[1:])
    )
    monkeypatch.setitem(app.engine.flows, "profile", broken)
    await chat.say("/profile")
    caplog.set_level(logging.ERROR)
    shown = await chat.say("DE")

    assert "something went wrong on our side" in shown
    assert "Traceback" not in shown and "OverflowError" not in shown
    assert "Step 1 of 2" in shown  # the same question, so the user can go on
    assert any(r.exc_info and r.exc_info[0] is OverflowError for r in caplog.records)

    monkeypatch.setitem(app.engine.flows, "profile", flow)
    assert "Step 2 of 2" in await chat.say("DE")  # still on the step, and it works


async def test_the_apology_is_in_the_users_language(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = ChatDriver(app)
    chat.chat = TerminalChat(app, out=chat.buffer, lang="es")
    flow = app.engine.flows["profile"]

    async def boom(ctx: Ctx, answer: Answer) -> None:
        raise RuntimeError("unexpected")

    broken = dataclasses.replace(
        flow, steps=(dataclasses.replace(flow.steps[0], handle=boom), *flow.steps[1:])
    )
    monkeypatch.setitem(app.engine.flows, "profile", broken)
    await chat.say("/profile")
    shown = await chat.say("DE")
    assert "algo falló por nuestra parte" in shown
    assert "something went wrong" not in shown
    assert "RuntimeError" not in shown
