"""Delivery deadlines as calendar dates that lie in the future (ch3 "meeting a deadline").

Accepted: 2026-12-31, 31.12.2026, 31/12/2026, "Dec 31 2026", "31 December 2026".
Slashes are read day-first unless that is impossible (12/31/2026); when both readings
are valid dates ("03/04/2026") we ask instead of guessing: a month's error in a
contractual deadline decides whether delivery was late.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from policy.errors import SpecError

# Production plus the slowest sea or rail transit takes months, not years; a deadline two
# years out is a typo ("2099") or a test of the bot, and no supplier plans to it. It also
# keeps every later date arithmetic (end of day in the buyer's zone, reminders) far from
# ``date.max``, where "9999-12-31" used to overflow.
MAX_DEADLINE_DAYS = 2 * 366

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>[a-z]+)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# Year first is unambiguous with any of the three separators ("2027/03/01").
_ISO = re.compile(r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})")
_DOTTED = re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})")
# Year last with slashes or dashes: day-first unless impossible, ambiguous otherwise.
_SLASHED = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})")
_DAY_MONTH = re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}")
_MONTH_DAY = re.compile(rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}")


def example_deadline(today: date) -> str:
    """A precise answer the user could give: ISO, about three months ahead."""
    return (today + timedelta(days=90)).isoformat()


def parse_deadline(text: str, today: date) -> date:
    """A date strictly after ``today`` and at most ``MAX_DEADLINE_DAYS`` ahead."""
    cleaned = " ".join((text or "").strip().lower().split())
    example = example_deadline(today)
    parsed = _read(cleaned, text, example)
    if parsed <= today:
        raise SpecError("deadline_past", {"date": parsed, "today": today}, example)
    latest = today + timedelta(days=MAX_DEADLINE_DAYS)
    if parsed > latest:
        raise SpecError("deadline_too_far", {"date": parsed, "latest": latest}, example)
    return parsed


def parse_date(text: str, today: date) -> date:
    """Any calendar date in the accepted forms (a shipping day, checked by its caller);
    ``today`` only picks the example shown when the text is not a date."""
    cleaned = " ".join((text or "").strip().lower().split())
    return _read(cleaned, text, today.isoformat())


def _read(cleaned: str, text: str, example: str) -> date:
    for pattern in (_ISO, _DOTTED):
        if match := pattern.fullmatch(cleaned):
            return _date(int(match["year"]), int(match["month"]), int(match["day"]), text, example)
    if match := _SLASHED.fullmatch(cleaned):
        a, b, year = int(match["a"]), int(match["b"]), int(match["year"])
        if a > 12 or a == b:
            return _date(year, b, a, text, example)
        if b > 12:
            return _date(year, a, b, text, example)
        raise SpecError("deadline_ambiguous", {"text": text}, example)
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if (match := pattern.fullmatch(cleaned)) and match["month"] in _MONTHS:
            month = _MONTHS[match["month"]]
            return _date(int(match["year"]), month, int(match["day"]), text, example)
    raise SpecError("deadline_format", {"text": text}, example)


def _date(year: int, month: int, day: int, text: str, example: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise SpecError("deadline_invalid", {"text": text}, example) from exc
