"""The flow engine as a user meets it in the terminal chat: steps, progress, validation,
/back and /cancel, and buttons that cannot be forged or borrowed."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.flows.replies import Incoming, Sender
from bot.handlers.terminal import terminal_user_id
from storage.models import Conversation, User
from tests.conftest import ChatDriver


async def conversation_of(app: App, name: str) -> Conversation | None:
    async with app.sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == terminal_user_id(name)))
        return None if user is None else await session.get(Conversation, user.id)


async def test_a_flow_shows_progress_validates_and_saves(chat: ChatDriver, app: App) -> None:
    shown = await chat.say("/profile")
    assert "Step 1 of 2" in shown
    assert "United States" in chat.buttons()

    refused = await chat.say("Narnia")
    assert "is not a country code" in refused
    assert "Step 1 of 2" in refused  # the same question again, nothing lost

    shown = await chat.press("Brazil")
    assert "Step 2 of 2" in shown
    done = await chat.say("america/sao_paulo")
    assert "Saved: Brazil, time zone America/Sao_Paulo" in done
    assert await conversation_of(app, "you") is None

    async with app.sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == terminal_user_id("you")))
        assert user is not None
        assert (user.country, user.timezone) == ("BR", "America/Sao_Paulo")


async def test_back_returns_to_the_previous_answer_and_cancel_ends(chat: ChatDriver) -> None:
    await chat.say("/profile")
    await chat.say("DE")
    back = await chat.say("/back")
    assert "Step 1 of 2" in back
    assert "first step" in await chat.say("/back")
    assert "Cancelled" in await chat.say("/cancel")
    assert "Nothing to cancel" in await chat.say("/cancel")


async def test_a_forged_or_foreign_button_changes_nothing(app: App) -> None:
    alice, bob = ChatDriver(app), ChatDriver(app)
    await alice.say("/as buyer alice")
    await bob.say("/as buyer bob")
    await alice.say("/profile")
    await bob.say("/profile")
    alice_token = alice.button_data("Germany")
    before = await conversation_of(app, "bob")
    assert before is not None

    # Bob presses Alice's button: it is not his step's token.
    outcome = await app.handle(
        Incoming(sender=Sender(terminal_user_id("bob"), "bob"), callback=alice_token)
    )
    assert outcome.callback_notice == "This button has expired."
    assert outcome.replies == []

    # A made-up token and a token from an earlier rendering of Alice's own step.
    for forged in ("t:AAAAAAAA:0", "t:../../etc:1", "g:profile::bogus", "x" * 80, ""):
        outcome = await app.handle(
            Incoming(sender=Sender(terminal_user_id("bob"), "bob"), callback=forged)
        )
        assert outcome.callback_notice == "This button has expired."

    after = await conversation_of(app, "bob")
    assert after is not None
    assert (after.step, after.data, after.nonce) == (before.step, before.data, before.nonce)
    alice_conversation = await conversation_of(app, "alice")
    assert alice_conversation is not None and alice_conversation.step == "country"

    await alice.say("/back")  # re-renders: the old token is stale now
    outcome = await app.handle(
        Incoming(sender=Sender(terminal_user_id("alice"), "alice"), callback=alice_token)
    )
    assert outcome.callback_notice == "This button has expired."


async def test_unknown_commands_and_idle_text_are_explained(chat: ChatDriver) -> None:
    assert "Unknown command /frobnicate" in await chat.say("/frobnicate now")
    assert "/help" in await chat.say("hello?")
    helped = await chat.say("/help")
    assert "/profile" in helped and "/cancel" in helped
