"""The command menu: everyone's in each language, the dispute team's in their own chats."""

from __future__ import annotations

import pytest
from telegram_helpers import RUNTIMES, TEAM_MEMBER, bot_settings

from bot.app import App
from bot.config import Settings
from bot.flows.registry import all_commands
from bot.handlers.lifecycle import Plan
from bot.handlers.runtime import create_runtime
from bot.handlers.telegram_common import command_menus, telegram_language
from bot.i18n import SUPPORTED_LOCALES, use_locale
from emulator import BotAPIEmulator

pytestmark = pytest.mark.timeout(60)

LANGUAGES = ["", "en", "es", "pt", "ru", "zh"]


@pytest.fixture(params=RUNTIMES)
def settings(database_url: str, emu: BotAPIEmulator, request: pytest.FixtureRequest) -> Settings:
    return bot_settings(database_url, emu, str(request.param))


def names(entries: list[dict]) -> list[str]:
    return [entry["command"] for entry in entries]


async def test_menus_are_set_per_language_and_for_the_team(app: App, emu: BotAPIEmulator) -> None:
    async with create_runtime(app, Plan(publish_menus=True)):
        pass
    everyone = {lang: emu.commands[("default", lang)] for lang in LANGUAGES}
    team = {lang: emu.commands[(f"chat:{TEAM_MEMBER}", lang)] for lang in LANGUAGES}
    assert sorted(emu.commands) == sorted(
        [("default", lang) for lang in LANGUAGES]
        + [(f"chat:{TEAM_MEMBER}", lang) for lang in LANGUAGES]
    )

    menu = [c for c in all_commands().values() if c.menu]
    team_only = {c.name for c in menu if c.roles == frozenset({"team"})}
    for lang in LANGUAGES:
        assert "help" in names(everyone[lang]) and "start" not in names(everyone[lang])
        assert not team_only & set(names(everyone[lang]))
        assert team_only <= set(names(team[lang]))
        assert set(names(everyone[lang])) < set(names(team[lang])) or not team_only

    # Descriptions are the registry's, rendered in each language.
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            expected = str(all_commands()["help"].description)
        entries = dict(
            (e["command"], e["description"]) for e in everyone[telegram_language(locale)]
        )
        assert entries["help"] == expected


def test_each_locale_maps_to_a_telegram_language_code() -> None:
    assert [telegram_language(locale) for locale in SUPPORTED_LOCALES] == [
        "en",
        "zh",
        "es",
        "ru",
        "pt",
    ]
    menus = command_menus("en", {5, 3})
    # Members in id order, each first with the language-less menu.
    assert [(m.chat_id, m.language) for m in menus][6] == (3, None)
    assert len(menus) == 3 * (1 + len(SUPPORTED_LOCALES))
