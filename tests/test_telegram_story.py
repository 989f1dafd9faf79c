"""A buyer's first minutes with the bot, through the real runtime (aiogram and
python-telegram-bot, by long polling and by webhook) against the Bot API emulator."""

from __future__ import annotations

import pytest
from telegram_helpers import MODES, RUNTIMES, Person, bot_settings, running

from bot.app import App
from bot.config import Settings
from emulator import BotAPIEmulator

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=RUNTIMES)
def runtime_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, emu: BotAPIEmulator, runtime_name: str) -> Settings:
    return bot_settings(database_url, emu, runtime_name)


async def test_a_buyer_sets_up_a_profile_through_telegram(
    app: App, emu: BotAPIEmulator, mode: str
) -> None:
    async with running(app, mode):
        assert app.bot_username == "tradeguard_test_bot"  # type: ignore[attr-defined]
        alice = Person(emu, 1001, "Alice")

        welcome = await alice.say("/start")
        assert "Welcome to tradeguard." in welcome["text"]
        assert any(e["type"] == "bold" for e in welcome.get("entities", []))  # HTML parsed

        listing = await alice.say("/help")
        assert "/profile" in listing["text"] and "/help" in listing["text"]

        # A deep link arrives as "/start <payload>" and reaches the flows unchanged.
        link = await alice.say("/start inv_nosuchtoken")
        assert "not valid" in link["text"]

        country = await alice.say("/profile")
        assert "Step 1 of 2" in country["text"]
        assert "Germany" in alice.labels(country)

        await alice.press(country, "Germany")
        zone = await alice.next()
        assert "Step 2 of 2" in zone["text"]
        press_answer = await emu.wait_for_request("answerCallbackQuery")
        assert press_answer.params.get("text") is None  # answered, silently

        # A forged button: an alert says it expired, and nothing moves.
        await emu.press(alice.user, zone, "t:forged00:0", strict=False)
        forged_answer = await emu.wait_for_request("answerCallbackQuery")
        assert forged_answer.params["text"] == "This button has expired."
        assert forged_answer.params["show_alert"] is True

        # A sticker is no answer: a polite word, and the question again.
        await emu.send_sticker(alice.user)
        polite = await alice.next()
        assert "I can't use that here" in polite["text"]
        assert "Step 2 of 2" in (await alice.next())["text"]

        # A file over the Bot API's 20 MB download limit is refused before the flows.
        await emu.send_document(alice.user, file_name="catalogue.pdf", file_size=25 * 2**20)
        refusal = await alice.next()
        assert "25 MB" in refusal["text"] and "20 MB" in refusal["text"]

        # The conversation is where it was: the typed answer completes the profile.
        saved = await alice.say("Europe/Berlin")
        assert saved["text"] == "Saved: Germany, time zone Europe/Berlin."
        assert [a["show_alert"] for a in emu.callback_answers] == [False, True]
        assert not emu.errors, list(emu.errors)


async def test_a_search_shows_how_much_each_supplier_covers(
    app: App, emu: BotAPIEmulator, mode: str
) -> None:
    async with running(app, mode):
        bob = Person(emu, 1002, "Bob")
        await emu.send_text(bob.user, "/find scarf 20000 USD")
        result = await bob.wait_for("%")
        # Hangzhou Silkway's 10,000 USD limit covers half of a 20,000 USD order.
        assert "50%" in result["text"]
        assert not emu.errors, list(emu.errors)


async def test_answers_typed_in_a_burst_are_taken_in_order(app: App, emu: BotAPIEmulator) -> None:
    async with running(app, "polling"):
        fast = Person(emu, 1003, "Fast")
        for text in ("/profile", "DE", "Europe/Berlin", "/help"):
            await emu.send_text(fast.user, text)  # no waiting for replies in between
        await fast.wait_for("What I can do")
        replies = [m["text"] for m in emu.bot_messages(fast.id)]
        assert [r.split("\n")[0] for r in replies[:2]] == ["Step 1 of 2", "Step 2 of 2"]
        assert replies[2] == "Saved: Germany, time zone Europe/Berlin."
