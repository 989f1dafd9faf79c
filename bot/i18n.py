"""Translation and locale-aware formatting.

Every user-facing string goes through ``_`` / ``ngettext`` so that ``pybabel extract``
finds it. The active locale and time zone live in context variables set once per update
by the transport (from the user's stored preferences), so flows never pass them around.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import LazyProxy, NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"

_current_locale: ContextVar[str] = ContextVar("tradeguard_locale", default=DEFAULT_LOCALE)
_current_zone: ContextVar[str] = ContextVar("tradeguard_zone", default="UTC")


@cache
def _translations(locale: str) -> NullTranslations:
    try:
        return Translations.load(str(LOCALES_DIR), [locale], DOMAIN)
    except (OSError, ValueError):
        return NullTranslations()


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


def percent(fraction: Decimal) -> str:
    """``Decimal("0.5")`` -> '50%' in the user's locale."""
    return format_percent(fraction, format="#,##0.#%", locale=current_locale())


def day(value: date) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(current_zone()).date()
    return _babel_format_date(value, format="medium", locale=current_locale())


def moment(value: datetime) -> str:
    return _babel_format_datetime(
        value, format="medium", tzinfo=current_zone(), locale=current_locale()
    )
