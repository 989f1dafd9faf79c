"""/profile: the buyer's country and time zone.

The country decides which payment methods are open to them (chapter 5 of the guide);
the time zone is how every deadline is shown to them.
"""

from __future__ import annotations

from babel import Locale

from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Invalid, Prompt, Step
from bot.flows.preferences import parse_zone
from bot.flows.replies import Reply, esc
from bot.i18n import _, current_locale, lazy_gettext

COMMON_COUNTRIES = ("US", "DE", "FR", "BR", "GB", "CN", "ES", "RU")


def country_name(code: str) -> str:
    return Locale.parse(current_locale()).territories.get(code, code)


async def ask_country(ctx: Ctx) -> Prompt:
    choices = [Choice(country_name(code), code) for code in COMMON_COUNTRIES]
    return Prompt(
        text=_(
            "Which country is your business in? Pick one or type its two-letter code "
            "(for example <code>MX</code>)."
        ),
        choices=[choices[i : i + 4] for i in range(0, len(choices), 4)],
    )


async def take_country(ctx: Ctx, answer: Answer) -> str:
    code = str(answer.choice if answer.pressed else (answer.text or "")).strip().upper()
    if len(code) != 2 or code not in Locale.parse("en").territories:
        raise Invalid(
            _(
                "“{value}” is not a country code. Send two letters, for example "
                "<code>US</code> or <code>BR</code>."
            ).format(value=esc(code[:40]))
        )
    return code


async def ask_zone(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "Which time zone should I show deadlines in? Type it like "
            "<code>Europe/Berlin</code> or <code>America/Sao_Paulo</code>, or pick UTC."
        ),
        choices=[[Choice("UTC", "UTC")]],
    )


async def take_zone(ctx: Ctx, answer: Answer) -> str:
    return parse_zone(str(answer.choice if answer.pressed else (answer.text or "")))


async def save(ctx: Ctx) -> list[Reply]:
    ctx.user.country = ctx.data["country"]
    ctx.user.timezone = ctx.data["timezone"]
    return [
        Reply(
            text=_("Saved: {country}, time zone {zone}.").format(
                country=esc(country_name(ctx.user.country)), zone=esc(ctx.user.timezone)
            )
        )
    ]


FLOWS = [
    Flow(
        name="profile",
        steps=(Step("country", ask_country, take_country), Step("timezone", ask_zone, take_zone)),
        finish=save,
    )
]

COMMANDS = [Command("profile", lazy_gettext("Your country and time zone"), flow="profile")]
