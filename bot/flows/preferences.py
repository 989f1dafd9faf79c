"""/language and /timezone: how the bot speaks to this user and shows their deadlines."""

from __future__ import annotations

from zoneinfo import available_timezones

from bot.flows.base import Answer, Choice, Command, Ctx, Flow, Invalid, Prompt, Step
from bot.flows.replies import Reply, esc
from bot.i18n import SUPPORTED_LOCALES, _, lazy_gettext, use_locale

# Each language named in itself, so a user who cannot read the current one finds theirs.
LANGUAGE_NAMES = {
    "en": "English",
    "zh_Hans": "简体中文",
    "es": "Español",
    "ru": "Русский",
    "pt_BR": "Português (Brasil)",
}
_ZONES = {zone.lower(): zone for zone in available_timezones()}


async def ask_language(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_("Choose your language."),
        choices=[[Choice(LANGUAGE_NAMES[code], code)] for code in SUPPORTED_LOCALES],
        accepts_text=False,
    )


async def take_language(ctx: Ctx, answer: Answer) -> str:
    if not answer.pressed or answer.choice not in SUPPORTED_LOCALES:
        raise Invalid(_("Please choose a language with the buttons."))
    return str(answer.choice)


async def save_language(ctx: Ctx) -> list[Reply]:
    ctx.user.locale = ctx.data["language"]
    with use_locale(ctx.user.locale, ctx.user.timezone):
        return [
            Reply(
                text=_("I will speak {language} from now on.").format(
                    language=LANGUAGE_NAMES[ctx.user.locale]
                )
            )
        ]


async def ask_zone(ctx: Ctx) -> Prompt:
    return Prompt(
        text=_(
            "Your time zone is {zone}. Send the new one as a name such as "
            "<code>Asia/Shanghai</code>, <code>Europe/Madrid</code> or "
            "<code>America/Sao_Paulo</code>."
        ).format(zone=esc(ctx.user.timezone)),
        choices=[[Choice("UTC", "UTC")]],
    )


def parse_zone(raw: str) -> str:
    zone = _ZONES.get(raw.strip().lower().replace(" ", "_"))
    if zone is None:
        raise Invalid(
            _(
                "I don't know the time zone “{value}”. Use a name such as "
                "<code>Asia/Shanghai</code>."
            ).format(value=esc(raw.strip()[:60]))
        )
    return zone


async def take_zone(ctx: Ctx, answer: Answer) -> str:
    return parse_zone(str(answer.choice if answer.pressed else (answer.text or "")))


async def save_zone(ctx: Ctx) -> list[Reply]:
    ctx.user.timezone = ctx.data["timezone"]
    return [Reply(text=_("Deadlines will be shown in {zone}.").format(zone=esc(ctx.user.timezone)))]


FLOWS = [
    Flow(
        "language",
        (Step("language", ask_language, take_language, counted=False),),
        finish=save_language,
        show_progress=False,
    ),
    Flow(
        "timezone",
        (Step("timezone", ask_zone, take_zone, counted=False),),
        finish=save_zone,
        show_progress=False,
    ),
]

COMMANDS = [
    Command("language", lazy_gettext("Change the language"), flow="language"),
    Command("timezone", lazy_gettext("Change the time zone for deadlines"), flow="timezone"),
]
