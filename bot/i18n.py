"""Translation and locale-aware formatting.

Every user-facing string goes through ``_`` / ``ngettext`` so that ``pybabel extract``
finds it. The active locale and time zone live in context variables set once per update
by the transport (from the user's stored preferences), so flows never pass them around.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date as _babel_format_date
from babel.dates import format_time as _babel_format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import LazyProxy, NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"

_current_locale: ContextVar[str] = ContextVar("tradeguard_locale", default=DEFAULT_LOCALE)
_current_zone: ContextVar[str] = ContextVar("tradeguard_zone", default="UTC")


SUPPORTED_LOCALES = ("en", "zh_Hans", "es", "ru", "pt_BR")


@cache
def _translations(locale: str) -> NullTranslations:
    """The catalog for ``locale``, compiled from its ``.po`` file in memory.

    Compiling at start (instead of shipping ``.mo`` files) means a catalog can never be
    out of step with its source; it costs a few milliseconds once per language.
    """
    for candidate in _fallbacks(locale):
        po_path = LOCALES_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po_path.is_file():
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=candidate, domain=DOMAIN)
            compiled = io.BytesIO()
            write_mo(compiled, catalog, use_fuzzy=False)
            compiled.seek(0)
            return Translations(compiled, domain=DOMAIN)
    return NullTranslations()


def _fallbacks(locale: str) -> list[str]:
    """'pt_BR' -> ['pt_BR', 'pt']; 'zh_Hans_CN' -> ['zh_Hans_CN', 'zh_Hans', 'zh']."""
    parts = locale.split("_")
    return ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]


def supported_locale(code: str | None) -> str:
    """The closest locale we have a catalog for (English when there is none)."""
    locale = normalise_locale(code)
    for candidate in _fallbacks(locale):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    if locale.startswith("zh"):
        return "zh_Hans"
    if locale.startswith("pt"):
        return "pt_BR"
    return DEFAULT_LOCALE


def default_zone(locale: str) -> str:
    """The locale's country's time zone where that is unambiguous, else UTC."""
    territory = Locale.parse(locale).territory
    zones = get_global("territory_zones").get(territory or "", [])
    if not zones:
        return "UTC"
    probes = (datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12))
    offsets = {tuple(ZoneInfo(zone).utcoffset(p) for p in probes) for zone in zones}
    return zones[0] if len(offsets) == 1 else "UTC"


def current_locale() -> str:
    return _current_locale.get()


def current_zone() -> ZoneInfo:
    try:
        return ZoneInfo(_current_zone.get())
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


@contextlib.contextmanager
def use_locale(locale: str | None, zone: str | None = None) -> Iterator[None]:
    """Run a block in the user's language and time zone."""
    token = _current_locale.set(normalise_locale(locale))
    zone_token = _current_zone.set(zone or "UTC")
    try:
        yield
    finally:
        _current_locale.reset(token)
        _current_zone.reset(zone_token)


def normalise_locale(code: str | None) -> str:
    """Map Telegram's language_code ('pt-br', 'zh-hans', 'EN') to a Babel locale id."""
    if not code:
        return DEFAULT_LOCALE
    try:
        return str(Locale.parse(code.replace("-", "_"), sep="_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LOCALE


def gettext(message: str) -> str:
    return _translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(current_locale()).ngettext(singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """A string translated when rendered, for labels defined at import time."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


def money(amount: Decimal, currency: str) -> str:
    return format_currency(amount, currency, locale=current_locale())


def number(value: Decimal | int) -> str:
    return format_decimal(value, locale=current_locale())


def rate(value: Decimal) -> str:
    """An exchange rate, to six decimals (``number`` keeps three: 0.000066 VND would be 0)."""
    return format_decimal(value, format="#,##0.######", locale=current_locale())


def percent(fraction: Decimal) -> str:
    """``Decimal("0.5")`` -> '50%' in the user's locale."""
    return format_percent(fraction, format="#,##0.#%", locale=current_locale())


def day(value: date) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(current_zone()).date()
    return _babel_format_date(value, format="medium", locale=current_locale())


def moment(value: datetime) -> str:
    """A date and a time of day in the user's zone: 'Jan 24, 2027, 9:00 AM'.

    The date part is "medium" like ``day``; the time is "short", because seconds on a
    deadline are noise. The locale's own pattern joins them ('{1}, {0}', '{1} {0}').
    """
    locale = Locale.parse(current_locale())
    local = value.astimezone(current_zone())
    joined = str(locale.datetime_formats["medium"])
    return joined.replace("{1}", _babel_format_date(local.date(), "medium", locale)).replace(
        "{0}", _babel_format_time(local, "short", locale=locale)
    )
