"""What the hardening tests share: a person talking to the app in-process (pressing
buttons by the value behind them, so any language works), the log records an attack or
a crash leaves, a check that every stored row is data the flows validated, marked
translations that show which language a reply was written in, and the figures file.

Figures: set ``TRADEGUARD_SECURITY_REPORT=path.json`` and each hardening test adds its
counts there (inputs tried, unhandled exceptions, tampering attempts refused...);
``docs/security.md`` quotes a full run.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.support import NullTranslations
from sqlalchemy import select

import bot.i18n
from bot.app import App
from bot.flows import tokens
from bot.flows.order_steps import MAX_TEXT, PLASTIC
from bot.flows.replies import Attachment, Incoming, Outcome, Sender
from bot.handlers.terminal import terminal_user_id
from bot.i18n import SUPPORTED_LOCALES
from policy import (
    CoverageType,
    Ground,
    InspectionProvider,
    InspectionTiming,
    Money,
    ShippingMode,
    parse_colours,
    parse_dimensions,
    parse_material,
    parse_quantity,
    parse_weight,
    require_precise,
)
from policy.money import MAX_AMOUNT, check_currency
from storage.models import (
    Conversation,
    Dispute,
    DisputeStatus,
    Evidence,
    Order,
    OrderStatus,
    Payment,
    Supplier,
    User,
    Verification,
)

REPORT_ENV = "TRADEGUARD_SECURITY_REPORT"
TERRITORIES = frozenset(Locale.parse("en").territories)


# -- the figures file ---------------------------------------------------------------------


def report(section: str, counts: dict[str, Any]) -> None:
    """Add ``counts`` under ``section`` of the JSON file ``$TRADEGUARD_SECURITY_REPORT``
    (numbers are summed with what an earlier test wrote there). Nothing without the env."""
    target = os.environ.get(REPORT_ENV)
    if not target:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # tests in parallel workers share the file
        handle.seek(0)
        text = handle.read()
        data: dict[str, Any] = json.loads(text) if text.strip() else {}
        merged = data.setdefault(section, {})
        for key, value in counts.items():
            if isinstance(value, int | float) and isinstance(merged.get(key), int | float):
                merged[key] += value
            elif isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key] = sorted(set(merged[key]) | set(value))
            else:
                merged[key] = value
        handle.seek(0)
        handle.truncate()
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")


# -- log records --------------------------------------------------------------------------


class Records(logging.Handler):
    """Keeps the records of the ``bot`` loggers while a test runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def since(self, start: int, level: int = logging.DEBUG) -> list[logging.LogRecord]:
        return [r for r in self.records[start:] if r.levelno >= level]

    def errors_since(self, start: int) -> list[logging.LogRecord]:
        """Unhandled exceptions: ``App.handle`` logs each at ERROR before it apologises."""
        return self.since(start, logging.ERROR)


@contextmanager
def recording(level: int = logging.INFO) -> Iterator[Records]:
    logger = logging.getLogger("bot")
    records = Records()
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(records)
    try:
        yield records
    finally:
        logger.removeHandler(records)
        logger.setLevel(previous)


def describe(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        text += f" [{type(error).__name__}: {error}"
        tb = record.exc_info[2]
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            text += f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        text += "]"
    return text


# -- marked translations ------------------------------------------------------------------


def marker(locale: str) -> str:
    return f"⟦{locale}⟧"


class Marked(NullTranslations):
    """The real catalog of a language, every message prefixed with ``⟦locale⟧``: a reply
    without the user's marker was not written through ``_()`` in their language."""

    def __init__(self, inner: NullTranslations, locale: str) -> None:
        super().__init__()
        self.inner = inner
        self.mark = marker(locale)

    def gettext(self, message: str) -> str:
        return self.mark + self.inner.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:  # type: ignore[override]
        return self.mark + self.inner.ngettext(singular, plural, n)


def mark_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bot.i18n._translations
    cache: dict[str, NullTranslations] = {}

    def marked(locale: str) -> NullTranslations:
        if locale not in cache:
            cache[locale] = Marked(real(locale), locale)
        return cache[locale]

    monkeypatch.setattr(bot.i18n, "_translations", marked)


def locale_problems(text: str, locale: str) -> list[str]:
    """Why ``text`` is not a message in ``locale`` (with marked translations on)."""
    problems = []
    if not text.strip():
        problems.append("empty text")
    elif marker(locale) not in text:
        problems.append(f"not written through _() in {locale}")
    others = [other for other in SUPPORTED_LOCALES if other != locale and marker(other) in text]
    if others:
        problems.append(f"has text in {others}")
    return problems


# -- a person in a chat, in-process -------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Type a text; ``text`` may be computed from the scenario's context."""

    text: str | Callable[[dict[str, Any]], str]

    def resolve(self, context: dict[str, Any]) -> str:
        return self.text(context) if callable(self.text) else self.text


@dataclass(frozen=True)
class Pick:
    """Press the button whose value matches (a value, or a test on value and context);
    ``repeat``: press again while the step stays the same (a checklist)."""

    match: Any
    repeat: bool = False

    def matches(self, value: Any, context: dict[str, Any]) -> bool:
        if callable(self.match):
            return bool(self.match(value, context))
        return bool(value == self.match)


@dataclass(frozen=True)
class Upload:
    """Send a file, as a checklist step asks for evidence."""

    attachment: Attachment


Action = Say | Pick | Upload


@dataclass
class Person:
    app: App
    name: str
    language: str | None = "en"
    seen_tokens: list[str] = field(default_factory=list)

    @property
    def telegram_id(self) -> int:
        return terminal_user_id(self.name)

    def sender(self) -> Sender:
        return Sender(self.telegram_id, self.name, self.language)

    async def send(self, incoming: Incoming) -> Outcome:
        outcome = await self.app.handle(incoming)
        for reply in outcome.replies:
            for row in reply.buttons:
                self.seen_tokens.extend(button.data for button in row)
        return outcome

    async def say(self, text: str) -> Outcome:
        return await self.send(Incoming(sender=self.sender(), text=text))

    async def press_token(self, data: str) -> Outcome:
        return await self.send(Incoming(sender=self.sender(), callback=data))

    async def upload(self, attachment: Attachment, caption: str | None = None) -> Outcome:
        return await self.send(Incoming(sender=self.sender(), text=caption, attachment=attachment))

    async def user(self) -> User:
        async with self.app.sessions() as session:
            user = await session.scalar(select(User).where(User.telegram_id == self.telegram_id))
            assert user is not None, f"{self.name} never wrote to the bot"
            return user

    async def conversation(self) -> Conversation | None:
        async with self.app.sessions() as session:
            user = await session.scalar(select(User).where(User.telegram_id == self.telegram_id))
            return None if user is None else await session.get(Conversation, user.id)

    async def where(self) -> tuple[str | None, str | None]:
        conversation = await self.conversation()
        if conversation is None:
            return None, None
        return conversation.flow, conversation.step

    async def pick(self, pick: Pick, context: dict[str, Any]) -> Outcome:
        conversation = await self.conversation()
        assert conversation is not None, f"{self.name} has no buttons to press"
        for key, value in conversation.choices.items():
            if pick.matches(value, context):
                return await self.press_token(tokens.step_token(conversation.nonce, key))
        raise AssertionError(
            f"{self.name} at {conversation.flow}.{conversation.step}: no button like "
            f"{pick.match!r} in {conversation.choices}"
        )

    async def act(self, action: Action, context: dict[str, Any]) -> Outcome:
        if isinstance(action, Say):
            return await self.say(action.resolve(context))
        if isinstance(action, Upload):
            return await self.send(Incoming(sender=self.sender(), attachment=action.attachment))
        if not action.repeat:
            return await self.pick(action, context)
        before = await self.where()
        outcome = await self.pick(action, context)
        for _round in range(30):
            if await self.where() != before:
                break
            outcome = await self.pick(action, context)
        return outcome


def reply_text(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


# -- stored data must be data the flows validated -------------------------------------------


def _problem(problems: list[str], where: str, check: Callable[[], Any]) -> None:
    try:
        if check() is False:
            problems.append(f"{where}: check failed")
    except Exception as error:  # every failure is a finding, whatever its type
        problems.append(f"{where}: {type(error).__name__}: {error}")


def _amount(value: Any, *, positive: bool) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and (value > 0 if positive else value >= 0)
        and value <= MAX_AMOUNT
    )


def _zone(name: str) -> bool:
    ZoneInfo(name)
    return True


def _precise(text: Any) -> bool:
    return isinstance(text, str) and 0 < len(text) <= MAX_TEXT and require_precise(text) == text


def spec_problems(spec: dict[str, Any], order: Order, evidence_ids: set[int]) -> list[str]:
    """Re-read every stored answer of a specification with the policy's parsers."""
    problems: list[str] = []
    where = f"order {order.id} spec"

    def check(item: str, test: Callable[[dict[str, Any]], Any]) -> None:
        if item in spec:
            _problem(problems, f"{where}.{item}", lambda: test(spec[item]))

    def design(value: dict[str, Any]) -> bool:
        if value["kind"] == "file":
            return int(value["evidence_id"]) in evidence_ids
        return _precise(value["display"]) and value["custom"] is False

    def material(value: dict[str, Any]) -> bool:
        parsed = parse_material(value["display"])
        return sum(c.percent for c in parsed.components) == 100

    def quantity(value: dict[str, Any]) -> bool:
        parsed = parse_quantity(value["display"], liquid=bool(value["liquid"]))
        return parsed.value > 0 and str(parsed.value) == value["value"]

    def packaging(value: dict[str, Any]) -> bool:
        parse_dimensions(value["carton"]["display"])
        return _precise(value["board"]) and value["plastic"] in PLASTIC

    def branding(value: dict[str, Any]) -> bool:
        return all(int(f["evidence_id"]) in evidence_ids for f in value["files"])

    def shipping(value: dict[str, Any]) -> bool:
        ShippingMode(value["mode"])
        date.fromisoformat(value["deadline"])
        return datetime.fromisoformat(value["deadline_at"]).tzinfo is not None

    def customisation(value: dict[str, Any]) -> bool:
        return value["none"] is True or _precise(value["display"])

    def inspection(value: dict[str, Any]) -> bool:
        InspectionTiming(value["timing"])
        return value["provider"] is None or bool(InspectionProvider(value["provider"]))

    def coverage(value: dict[str, Any]) -> bool:
        kind = CoverageType(value["type"])
        if kind != CoverageType.PRE_DELIVERY:
            return True
        advance = Money.of(value["advance"]["amount"], value["advance"]["currency"])
        return advance.is_positive() and advance < Money(order.amount, order.currency)

    check("design", design)

    def colour(value: dict[str, Any]) -> bool:
        codes = [c.colour.code for c in parse_colours(value["display"])]
        return codes == [p["code"] for p in value.get("parts") or [value]]

    check("colour", colour)
    check("material", material)
    check("size", lambda v: bool(parse_dimensions(v["display"]).parts))
    check("weight", lambda v: parse_weight(v["display"]).value > 0)
    check("quantity", quantity)
    check("packaging", packaging)
    check("branding", branding)
    check("shipping", shipping)
    check("customisation", customisation)
    check("inspection", inspection)
    check("coverage", coverage)
    return problems


async def stored_data_problems(app: App, inserted_orders: Collection[int] = ()) -> list[str]:
    """Every row a user could have written, checked again; ``inserted_orders`` are orders
    the test wrote itself (not through a flow), whose specification is not re-read."""
    problems: list[str] = []
    max_upload = app.settings.max_upload_bytes
    async with app.sessions() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            where = f"user {user.id}"
            _problem(problems, f"{where}.locale", lambda u=user: u.locale in SUPPORTED_LOCALES)
            _problem(problems, f"{where}.timezone", lambda u=user: _zone(u.timezone))
            _problem(
                problems,
                f"{where}.country",
                lambda u=user: u.country is None or u.country in TERRITORIES,
            )
            _problem(
                problems,
                f"{where}.name",
                lambda u=user: len(u.display_name) <= 128 and "\x00" not in u.display_name,
            )
        for supplier in (await session.scalars(select(Supplier))).all():
            where = f"supplier {supplier.id}"
            _problem(problems, f"{where}.name", lambda s=supplier: 2 <= len(s.name) <= 200)
            _problem(problems, f"{where}.country", lambda s=supplier: s.country in TERRITORIES)
            _problem(problems, f"{where}.currency", lambda s=supplier: check_currency(s.currency))
            _problem(
                problems,
                f"{where}.limit",
                lambda s=supplier: _amount(s.assurance_limit, positive=False),
            )
            _problem(
                problems, f"{where}.verification", lambda s=supplier: Verification(s.verification)
            )
        evidence = (await session.scalars(select(Evidence))).all()
        evidence_ids = {e.id for e in evidence}
        for item in evidence:
            where = f"evidence {item.id}"
            _problem(
                problems,
                f"{where}.sizes",
                lambda e=item: (
                    len(e.telegram_file_id) <= 256
                    and len(e.file_name or "") <= 256
                    and len(e.mime_type or "") <= 128
                    and len(e.item) <= 48
                ),
            )
            _problem(
                problems,
                f"{where}.bytes",
                lambda e=item: e.size_bytes is None or 0 <= e.size_bytes <= max_upload,
            )
        orders = {o.id: o for o in (await session.scalars(select(Order))).all()}
        for order in orders.values():
            where = f"order {order.id}"
            _problem(problems, f"{where}.amount", lambda o=order: _amount(o.amount, positive=True))
            _problem(problems, f"{where}.currency", lambda o=order: check_currency(o.currency))
            _problem(problems, f"{where}.status", lambda o=order: OrderStatus(o.status))
            _problem(
                problems,
                f"{where}.advance",
                lambda o=order: (
                    o.advance_amount is None
                    or (_amount(o.advance_amount, positive=True) and o.advance_amount < o.amount)
                ),
            )
            if order.id not in inserted_orders:
                problems += spec_problems(order.spec or {}, order, evidence_ids)
        for payment in (await session.scalars(select(Payment))).all():
            where = f"payment {payment.id}"
            order = orders[payment.order_id]
            _problem(
                problems,
                f"{where}.amount",
                lambda p=payment, o=order: (p.amount, p.currency) == (o.amount, o.currency),
            )
            _problem(
                problems,
                f"{where}.fees",
                lambda p=payment: all(
                    f is None or _amount(f, positive=False) for f in (p.fee_min, p.fee_max)
                ),
            )
            _problem(problems, f"{where}.country", lambda p=payment: p.buyer_country in TERRITORIES)
        for dispute in (await session.scalars(select(Dispute))).all():
            where = f"dispute {dispute.id}"
            order = orders[dispute.order_id]
            _problem(
                problems,
                f"{where}.requested",
                lambda d=dispute, o=order: (
                    _amount(d.requested_amount, positive=True)
                    and d.requested_amount <= o.amount
                    and d.currency == o.currency
                ),
            )
            _problem(
                problems, f"{where}.cap", lambda d=dispute: _amount(d.cap_amount, positive=False)
            )
            _problem(
                problems,
                f"{where}.offer",
                lambda d=dispute: (
                    d.supplier_offer is None
                    or (
                        _amount(d.supplier_offer, positive=True)
                        and d.supplier_offer <= d.requested_amount
                    )
                ),
            )
            _problem(
                problems,
                f"{where}.decided",
                lambda d=dispute: (
                    d.decided_amount is None
                    or (
                        _amount(d.decided_amount, positive=False)
                        and d.decided_amount <= min(d.cap_amount, d.requested_amount)
                    )
                ),
            )
            _problem(problems, f"{where}.ground", lambda d=dispute: Ground(d.ground))
            _problem(problems, f"{where}.status", lambda d=dispute: DisputeStatus(d.status))
        for conversation in (await session.scalars(select(Conversation))).all():
            where = f"conversation of user {conversation.user_id}"
            _problem(
                problems,
                f"{where}.step",
                lambda c=conversation: app.engine.flows[c.flow].step(c.step) is not None,
            )
    return problems


# -- state before and after an attempt ------------------------------------------------------


async def snapshot(app: App) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an attempt could change, in id order."""
    from storage.models import DisputeEvent, Reminder

    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with app.sessions() as session:
        for model in (Order, Payment, Dispute, DisputeEvent, Evidence, Supplier, Reminder, User):
            columns = [c.key for c in model.__mapper__.column_attrs]
            rows = (await session.scalars(select(model))).all()
            tables[model.__tablename__] = sorted(
                tuple(json.dumps(getattr(row, c), default=str, sort_keys=True) for c in columns)
                for row in rows
            )
    return tables


def security_records(records: Records, start: int) -> list[logging.LogRecord]:
    """What ``bot.flows.refusals`` logged since ``start``."""
    return [r for r in records.since(start) if r.name == "bot.security"]
