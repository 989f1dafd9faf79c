"""Random input at every step of every flow: nothing crashes, every answer is a message
in the user's language, the conversation still works afterwards, and the database
holds only data the flows validated.

Each scenario walks one road through the bot with valid answers. At each step on the
way (a checkpoint), a fresh person is brought there and Hypothesis throws generated
input at the step (``tests/fuzz_inputs.py``: texts, commands, deep links, files,
stickers, forged presses). After every input: no unhandled exception (``App.handle``
would have logged it at ERROR and apologised: that counts as a failure), a non-empty
reply, marked as translated into the user's language and valid Telegram HTML. After
every batch: every stored row re-read by the policy's parsers, the step put back, and
its valid answer must still be accepted.

How many: ``TRADEGUARD_FUZZ_EXAMPLES`` random inputs in all, spread over the
checkpoints (700 by default, so CI stays well under a minute), and
``TRADEGUARD_FUZZ_TELEGRAM_EXAMPLES`` batches through aiogram (15 by default). The run
quoted in ``docs/security.md``:

    TRADEGUARD_FUZZ_EXAMPLES=12000 TRADEGUARD_FUZZ_TELEGRAM_EXAMPLES=200 \
    TRADEGUARD_SECURITY_REPORT=security-report.json \
        pytest tests/test_hardening_fuzz.py tests/test_hardening_tampering.py \
        tests/test_hardening_webhook.py -q
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import os
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App, build_app
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.flows.registry import all_flows
from bot.flows.replies import Attachment, Outcome
from bot.handlers.lifecycle import TelegramRuntime
from bot.i18n import SUPPORTED_LOCALES, supported_locale
from emulator import BotAPIEmulator
from emulator.formatting import EntityParseError, parse_html
from storage.db import upgrade_database_async
from storage.models import Conversation, Dispute, Order, OrderStatus, User
from tests.conftest import START
from tests.dispute_helpers import INSPECTED_BEFORE_LOADING, SPEC, make_order
from tests.fuzz_inputs import Fuzz, fuzz_inputs, resolve
from tests.hardening_helpers import (
    Action,
    Person,
    Pick,
    Records,
    Say,
    Upload,
    describe,
    locale_problems,
    mark_translations,
    marker,
    recording,
    report,
    stored_data_problems,
)
from tests.telegram_helpers import Person as TelegramPerson
from tests.telegram_helpers import bot_settings, running, texts

pytestmark = pytest.mark.timeout(1800)

TOTAL_INPUTS = int(os.environ.get("TRADEGUARD_FUZZ_EXAMPLES", "700"))
MAX_INPUTS_PER_EXAMPLE = 3

Path = list[tuple[str | None, str | None, Action]]


def _is_supplier(value: Any, _context: dict[str, Any]) -> bool:
    return isinstance(value, dict) and "supplier" in value


def _is(key: str) -> Callable[[Any, dict[str, Any]], bool]:
    return lambda value, context: value == context[key]


# -- the roads through the bot, with valid answers ---------------------------------------------

PROFILE: Path = [
    (None, None, Say("/profile")),
    ("profile", "country", Say("DE")),
    ("profile", "timezone", Say("Europe/Berlin")),
]
LANGUAGE: Path = [(None, None, Say("/language")), ("language", "language", Pick("es"))]
TIMEZONE: Path = [(None, None, Say("/timezone")), ("timezone", "timezone", Say("Asia/Shanghai"))]
FIND_AND_ORDER: Path = [
    (None, None, Say("/find")),
    ("find", "keyword", Say("scarf")),
    ("find", "amount", Say("20000 USD")),
    ("find", "results", Pick(_is_supplier)),
    ("order", "design", Say("Model SC-2041 long silk scarf")),
    ("order", "colour", Say("PANTONE 18-1663 TCX")),
    ("order", "material", Say("100% silk")),
    ("order", "size", Say("180 x 70 cm")),
    ("order", "weight", Say("120 g")),
    ("order", "liquid", Pick(False)),
    ("order", "quantity", Say("500 pcs")),
    ("order", "carton", Say("60 x 40 x 40 cm")),
    ("order", "board", Say("5-ply corrugated, BC flute, 44 ECT")),
    ("order", "plastic", Pick("none")),
    ("order", "branding", Pick("skip")),
    ("order", "shipping_mode", Pick("sea")),
    ("order", "deadline", Say("2027-03-01")),
    ("order", "customisation", Pick("none")),
    ("order", "inspection_timing", Pick("before_loading")),
    ("order", "inspection_provider", Pick("sgs")),
    ("order", "coverage_type", Pick("pre_delivery")),
    ("order", "advance", Say("1000 USD")),
    ("order", "review", Pick("terms")),
    ("order", "incoterm", Pick("FOB")),
    ("order", "incoterm_place", Say("Ningbo, China")),
    ("order", "destination", Say("Hamburg, Germany")),
    ("order", "tolerance", Pick("5")),
    ("order", "aql_level", Pick("II")),
    ("order", "buyer_party", Say("Fuzz GmbH, Hauptstrasse 1, Berlin")),
    ("order", "supplier_party", Say("Hangzhou Silkway Textiles Co., Ltd., Hangzhou")),
    ("order", "review", Pick("confirm")),
]
ORDER_FROM_SCRATCH: Path = [
    (None, None, Say("/order")),
    ("order", "amount", Say("20000 USD")),
    ("order", "supplier", Say("scarf")),
    ("order", "supplier", Pick(_is_supplier)),
]
ORDER_RESUMED: Path = [
    (None, None, Say(lambda c: f"/order {c['draft']}")),
    ("order", "resume", Pick("continue")),
]
PAY: Path = [
    (None, None, Say("/pay")),
    ("pay", "order", Pick(_is("first_order"))),
    ("pay", "country", Say("US")),
    ("pay", "card", Pick("visa")),
    ("pay", "method", Pick(lambda value, context: True)),
]
ORDERS: Path = [
    (None, None, Say("/orders")),
    ("orders", "list", Pick(lambda value, c: isinstance(value, dict) and "order" in value)),
    ("orders", "detail", Pick({"action": "list"})),
]
SHIP: Path = [
    (None, None, Say(lambda c: f"/orders {c['order']}")),
    ("orders", "detail", Pick({"action": "ship"})),
    ("ship", "date", Pick(lambda value, c: isinstance(value, str))),
    ("ship", "carrier", Say("Maersk")),
    ("ship", "tracking", Say("MSKU1234567")),
    ("ship", "review", Pick("yes")),
]
REPORT_PHOTO = Attachment(
    "report-photo",
    kind="photo",
    file_unique_id="report-photo",
    mime_type="image/jpeg",
    size=60_000,
    head=b"\xff\xd8\xff\xe0",
)
SHIP_INSPECTED: Path = [
    *SHIP[:5],  # to the tracking number
    ("ship", "report", Upload(REPORT_PHOTO)),  # a photo of the inspector's report
    ("ship", "review", Pick("yes")),
]
SUPPLIER: Path = [
    (None, None, Say("/supplier")),
    ("supplier", "name", Say(lambda c: f"Acme Silk Weaving {c['tag']} Co")),
    ("supplier", "country", Say("CN")),
    ("supplier", "products", Say("scarf, silk")),
    ("supplier", "limit", Say("10000 USD")),
    ("supplier", "verification", Pick("gold")),
    ("supplier", "submit", Pick("submit")),
]
APPROVE: Path = [
    (None, None, Say("/approve")),
    ("approve", "pending", Pick(lambda value, c: isinstance(value, dict) and "done" in value)),
]
DISPUTE_LATE: Path = [
    (None, None, Say("/dispute")),
    ("dispute", "order", Pick(_is("order"))),
    ("dispute", "contact", Pick("go")),
    ("dispute", "ground", Pick("late_delivery")),
    ("dispute", "record", Pick("right")),
    ("dispute", "documents", Pick("missing", repeat=True)),
    ("dispute", "amount", Pick(lambda value, c: isinstance(value, dict))),
    ("dispute", "review", Pick("submit")),
]
DISPUTE_RECORD_WRONG: Path = [
    (None, None, Say(lambda c: f"/dispute {c['order']}")),
    ("dispute", "contact", Pick("go")),
    ("dispute", "ground", Pick("late_delivery")),
    ("dispute", "record", Pick("wrong")),
    ("dispute", "record_note", Say("The goods arrived on 20 Nov, not on the date recorded.")),
    ("dispute", "documents", Pick("missing", repeat=True)),
    ("dispute", "amount", Pick(lambda value, c: isinstance(value, dict))),
    ("dispute", "review", Pick("submit")),
]
DEFECT_PHOTO = Attachment(
    "defect-photo",
    kind="photo",
    file_unique_id="defect-photo",
    mime_type="image/jpeg",
    size=40_000,
    head=b"\xff\xd8\xff\xe0",
)
DISPUTE_NOT_AS_SPECIFIED: Path = [
    (None, None, Say(lambda c: f"/dispute {c['order']}")),
    ("dispute", "contact", Pick("go")),
    ("dispute", "ground", Pick("not_as_specified")),
    ("dispute", "items", Pick("colour")),
    ("dispute", "items", Pick("done")),
    ("dispute", "received", Say("PANTONE 19-1664 TCX on all 2,000 pieces")),
    ("dispute", "documents", Pick("missing", repeat=True)),
    ("dispute", "evidence", Pick("missing")),  # no inspection report
    ("dispute", "evidence", Upload(DEFECT_PHOTO)),  # the claim needs proof (ch7)
    ("dispute", "evidence", Pick("next")),
    ("dispute", "evidence", Pick("missing")),
    ("dispute", "amount", Say("1000 USD")),
    ("dispute", "review", Pick("submit")),
]
EXPLANATION = "Shipped on 1 Nov 2026 by sea as agreed; bill of lading B/L 778."
ANSWER_PARTLY: Path = [
    (None, None, Say("/respond")),
    ("dispute_answer", "pick", Pick(_is("dispute"))),
    ("dispute_answer", "answer", Pick("partial")),
    ("dispute_answer", "offer", Say("100 USD")),
    ("dispute_answer", "explanation", Say(EXPLANATION)),
    ("dispute_answer", "counter", Pick("done")),
    ("dispute_answer", "review", Pick("send")),
]
REJECT: Path = [
    (None, None, Say(lambda c: f"/respond {c['dispute']}")),
    ("dispute_answer", "answer", Pick("reject")),
    ("dispute_answer", "explanation", Say(EXPLANATION)),
    ("dispute_answer", "counter", Pick("done")),
    ("dispute_answer", "review", Pick("send")),
]
ESCALATE: Path = [
    (None, None, Say("/resolve")),
    ("dispute_decide", "pick", Pick(_is("dispute"))),
    ("dispute_decide", "choice", Pick("escalate")),
    ("dispute_decide", "confirm", Pick("yes")),
    ("dispute_decide", "note", Say("The goods arrived 20 days late; see the B/L of 1 Nov 2026.")),
]
DECIDE: Path = [
    (None, None, Say("/queue")),
    ("queue", "pick", Pick(_is("dispute"))),
    ("queue", "amount", Say("100 USD")),
    ("queue", "reason", Say("The bill of lading shows loading 20 days after the agreed date.")),
    ("queue", "review", Pick("record")),
]
ASK: Path = [
    (None, None, Say("/ask")),
    ("info_ask", "pick", Pick(_is("dispute"))),
    ("info_ask", "what", Pick("supplier")),
    (
        "info_ask",
        "question",
        Say("Please send the bill of lading with the date of loading at Ningbo."),
    ),
    ("info_ask", "review", Pick("send")),
]
INFORM: Path = [
    (None, None, Say(lambda c: f"/inform {c['dispute']}")),
    ("info_answer", "text", Say("Loaded at Ningbo on 1 Nov 2026; bill of lading B/L 778.")),
    ("info_answer", "uploads", Pick("done")),
    ("info_answer", "review", Pick("send")),
]
FUNDS: Path = [
    (None, None, Say("/funds")),
    ("funds", "pick", Pick(_is("order"))),
    ("funds", "confirm", Pick("held")),
]
PRIVACY: Path = [(None, None, Say("/delete_me")), ("privacy", "confirm", Pick("keep"))]

# Steps whose valid answer uses something up (confirms, pays, submits, decides): their
# valid answer is tried once, after the last batch. "note" also takes any text, so a
# random input that gets through escalates: the step is rebuilt rather than put back.
CONSUMING = frozenset(
    {
        ("order", "review"),
        ("pay", "method"),
        ("ship", "review"),
        ("supplier", "submit"),
        ("dispute", "review"),
        ("dispute_answer", "review"),
        ("dispute_decide", "note"),
        ("queue", "review"),
        ("funds", "confirm"),
        ("info_ask", "review"),
        ("info_answer", "review"),
    }
)
# "No, go back" at the confirmation leaves the step: rebuilt too.
FRAGILE = frozenset({("dispute_decide", "note"), ("dispute_decide", "confirm")})


# -- the worlds the roads start from ------------------------------------------------------------

Setup = Callable[["Fuzzer", str], Awaitable[tuple[Person, dict[str, Any]]]]


async def nobody_yet(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    # Speaking their language from the first message: a contract item worded in one
    # language stays in it, so a person switching midway would read both.
    return Person(fuzzer.app, f"fuzz-{tag}", language=fuzzer.locale), {"tag": tag}


async def a_draft(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    person, context = await nobody_yet(fuzzer, tag)
    await fuzzer.walk(person, FIND_AND_ORDER[:6], context)  # design answered
    await person.say("/cancel")
    assert await person.conversation() is None
    context["draft"] = await fuzzer.latest_order(person)
    return person, context


async def confirmed_orders(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    person, context = await nobody_yet(fuzzer, tag)
    ids = []
    for _n in range(2):
        ids.append(
            await fuzzer.insert_order(
                buyer=person.name,
                supplier=None,
                supplier_name=f"Loom Works {tag}",
                amount="2000",
                status=OrderStatus.AGREED,
                delivery_deadline=fuzzer.clock.now() + timedelta(days=60),
            )
        )
    context["first_order"] = ids[0]
    return person, context


async def a_team_member(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    person = Person(fuzzer.app, f"team-{tag}", language=fuzzer.locale)
    fuzzer.app.team.add(person.telegram_id)
    return person, {"tag": tag}


async def a_registration_to_review(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    applicant, context = Person(fuzzer.app, f"fuzz-{tag}-applicant"), {"tag": tag}
    await fuzzer.walk(applicant, SUPPLIER, context)
    return await a_team_member(fuzzer, tag)


async def a_paid_order(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    person, context = await nobody_yet(fuzzer, tag)
    context["order"] = await fuzzer.insert_order(
        buyer=person.name,
        supplier=f"fuzz-{tag}-supplier",
        supplier_name=f"Silk Mill {tag}",
        amount="5000",
    )
    return person, context


async def a_claim(fuzzer: Fuzzer, tag: str) -> tuple[Person, Person, dict[str, Any]]:
    buyer, context = await a_paid_order(fuzzer, tag)
    await fuzzer.walk(buyer, DISPUTE_LATE, context)
    async with fuzzer.app.sessions() as session:
        dispute = await session.scalar(select(Dispute).where(Dispute.order_id == context["order"]))
        assert dispute is not None
        context["dispute"] = dispute.id
    return buyer, Person(fuzzer.app, f"fuzz-{tag}-supplier"), context


async def an_order_awaiting_funds(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    """The team's side of an order whose buyer chose a method: its money to record."""
    member, context = await a_team_member(fuzzer, tag)
    context["order"] = await fuzzer.insert_order(
        buyer=f"fuzz-{tag}",
        supplier=f"fuzz-{tag}-supplier",
        supplier_name=f"Wire Mill {tag}",
        amount="5000",
        status=OrderStatus.AWAITING_FUNDS,
        delivery_deadline=fuzzer.clock.now() + timedelta(days=60),
    )
    return member, context


async def an_order_to_ship(
    fuzzer: Fuzzer, tag: str, spec: dict[str, Any] | None = None
) -> tuple[Person, dict[str, Any]]:
    """The supplier's side of a paid order: they are the account bound to its entry."""
    supplier = Person(fuzzer.app, f"fuzz-{tag}-supplier", language=fuzzer.locale)
    context: dict[str, Any] = {"tag": tag}
    context["order"] = await fuzzer.insert_order(
        buyer=f"fuzz-{tag}",
        supplier=supplier.name,
        supplier_name=f"Dye House {tag}",
        amount="5000",
        status=OrderStatus.AWAITING_SHIPMENT,
        delivery_deadline=fuzzer.clock.now() + timedelta(days=60),
        spec=spec,
    )
    return supplier, context


async def an_inspected_order_to_ship(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    """As ``an_order_to_ship``, under a contract with an inspection before loading."""
    return await an_order_to_ship(fuzzer, tag, {**SPEC, "inspection": INSPECTED_BEFORE_LOADING})


async def a_claim_to_answer(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    _buyer, supplier, context = await a_claim(fuzzer, tag)
    return supplier, context


async def an_answered_claim(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    buyer, supplier, context = await a_claim(fuzzer, tag)
    await fuzzer.walk(supplier, ANSWER_PARTLY, context)
    return buyer, context


async def an_escalated_claim(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    buyer, supplier, context = await a_claim(fuzzer, tag)
    await fuzzer.walk(supplier, REJECT, context)
    await fuzzer.walk(buyer, ESCALATE, context)
    member, _context = await a_team_member(fuzzer, tag)
    return member, context


async def a_question_to_answer(fuzzer: Fuzzer, tag: str) -> tuple[Person, dict[str, Any]]:
    """The team asked the supplier of an escalated claim for information."""
    member, context = await an_escalated_claim(fuzzer, tag)
    await fuzzer.walk(member, ASK, context)
    return Person(fuzzer.app, f"fuzz-{tag}-supplier", language=fuzzer.locale), context


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Setup
    path: Path


SCENARIOS = (
    Scenario("profile", nobody_yet, PROFILE),
    Scenario("language", nobody_yet, LANGUAGE),
    Scenario("timezone", nobody_yet, TIMEZONE),
    Scenario("find_and_order", nobody_yet, FIND_AND_ORDER),
    Scenario("order_from_scratch", nobody_yet, ORDER_FROM_SCRATCH),
    Scenario("order_resumed", a_draft, ORDER_RESUMED),
    Scenario("pay", confirmed_orders, PAY),
    Scenario("orders", confirmed_orders, ORDERS),
    Scenario("ship", an_order_to_ship, SHIP),
    Scenario("ship_inspected", an_inspected_order_to_ship, SHIP_INSPECTED),
    Scenario("supplier", nobody_yet, SUPPLIER),
    Scenario("approve", a_registration_to_review, APPROVE),
    Scenario("dispute_late", a_paid_order, DISPUTE_LATE),
    Scenario("dispute_not_as_specified", a_paid_order, DISPUTE_NOT_AS_SPECIFIED),
    Scenario("dispute_record_wrong", a_paid_order, DISPUTE_RECORD_WRONG),
    Scenario("dispute_answer", a_claim_to_answer, ANSWER_PARTLY),
    Scenario("dispute_decide", an_answered_claim, ESCALATE),
    Scenario("queue", an_escalated_claim, DECIDE),
    Scenario("info_ask", an_escalated_claim, ASK),
    Scenario("funds", an_order_awaiting_funds, FUNDS),
    Scenario("info_answer", a_question_to_answer, INFORM),
    Scenario("privacy", a_paid_order, PRIVACY),
)


@dataclass(frozen=True)
class Checkpoint:
    scenario: Scenario
    index: int  # the step before path[index]'s action

    @property
    def flow(self) -> str:
        flow = self.scenario.path[self.index][0]
        assert flow is not None
        return flow

    @property
    def step(self) -> str:
        step = self.scenario.path[self.index][1]
        assert step is not None
        return step

    @property
    def valid(self) -> Action:
        action = self.scenario.path[self.index][2]
        # One press is enough to show the step still answers (a checklist moves on).
        return Pick(action.match) if isinstance(action, Pick) else action


def checkpoints() -> list[Checkpoint]:
    """The first time each step of each flow is reached on the roads above."""
    seen: set[tuple[str, str]] = set()
    found = []
    for scenario in SCENARIOS:
        for index, (flow, step, _action) in enumerate(scenario.path):
            if flow is None or step is None or (flow, step) in seen:
                continue
            seen.add((flow, step))
            found.append(Checkpoint(scenario, index))
    return found


CHECKPOINTS = checkpoints()
EXAMPLES_PER_CHECKPOINT = max(2, math.ceil(TOTAL_INPUTS / (len(CHECKPOINTS) * 2)))


# -- the fuzzer -------------------------------------------------------------------------------


@dataclass
class Saved:
    """A person's conversation and preferences at a checkpoint, to put back."""

    conversation: dict[str, Any]
    preferences: dict[str, Any]


@dataclass
class Finding:
    where: str
    sent: str
    problem: str


@dataclass
class Fuzzer:
    app: App
    clock: FrozenClock
    records: Records
    inserted_orders: set[int] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    known_data_problems: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    tags: int = 0
    locale: str = "en"  # of the person being brought to a checkpoint

    # -- building worlds ----------------------------------------------------------------------

    async def insert_order(self, **kwargs: Any) -> int:
        order_id = await make_order(self.app, self.clock.now(), **kwargs)
        self.inserted_orders.add(order_id)
        return order_id

    async def latest_order(self, person: Person) -> int:
        user = await person.user()
        async with self.app.sessions() as session:
            order_id = await session.scalar(
                select(Order.id).where(Order.buyer_id == user.id).order_by(Order.id.desc())
            )
            assert order_id is not None
            return int(order_id)

    async def walk(self, person: Person, path: Path, context: dict[str, Any]) -> None:
        """Give the valid answers of ``path``, checking each lands where it should."""
        for flow, step, action in path:
            where = await person.where()
            assert where == (flow, step), f"{person.name} expected at {flow}.{step}, is {where}"
            start = len(self.records.records)
            outcome = await person.act(action, context)
            errors = self.records.errors_since(start)
            assert not errors, [describe(r) for r in errors]
            assert outcome.replies or outcome.callback_notice, f"no answer to {action}"

    async def reach(self, checkpoint: Checkpoint) -> tuple[Person, dict[str, Any], Saved]:
        self.tags += 1
        tag = f"{checkpoint.scenario.name}-{self.tags}"
        locale = SUPPORTED_LOCALES[CHECKPOINTS.index(checkpoint) % len(SUPPORTED_LOCALES)]
        self.locale = locale
        person, context = await checkpoint.scenario.setup(self, tag)
        await self.walk(person, checkpoint.scenario.path[: checkpoint.index], context)
        assert await person.where() == (checkpoint.flow, checkpoint.step)
        # Someone the test wrote straight into the database (a supplier) speaks it now.
        user = await person.user()
        async with self.app.sessions() as session, session.begin():
            row = await session.get(User, user.id)
            assert row is not None
            row.locale = locale
        return person, context, await self.save(person)

    async def save(self, person: Person) -> Saved:
        user = await person.user()
        conversation = await person.conversation()
        assert conversation is not None
        return Saved(
            conversation={
                name: copy.deepcopy(getattr(conversation, name))
                for name in ("flow", "step", "history", "data", "choices", "nonce")
            },
            preferences={name: getattr(user, name) for name in ("locale", "timezone", "country")},
        )

    async def put_back(self, person: Person, saved: Saved) -> None:
        user = await person.user()
        async with self.app.sessions() as session, session.begin():
            row = await session.get(User, user.id)
            assert row is not None
            for name, value in saved.preferences.items():
                setattr(row, name, value)
            conversation = await session.get(Conversation, user.id)
            if conversation is None:
                conversation = Conversation(user_id=user.id)
                session.add(conversation)
            for name, value in saved.conversation.items():
                setattr(conversation, name, copy.deepcopy(value))
            conversation.updated_at = self.clock.now()

    # -- checking one answer ------------------------------------------------------------------

    def check_outcome(
        self, where: str, sent: str, outcome: Outcome, locale: str, start: int
    ) -> None:
        problems = [f"unhandled: {describe(r)}" for r in self.records.errors_since(start)]
        if not outcome.replies and not outcome.callback_notice:
            problems.append("no answer at all")
        if outcome.callback_notice is not None:
            problems += [f"notice {p}" for p in locale_problems(outcome.callback_notice, locale)]
        for reply in outcome.replies:
            problems += [
                f"reply {p}: {reply.text[:160]!r}" for p in locale_problems(reply.text, locale)
            ]
            try:
                parse_html(reply.text)
            except EntityParseError as error:
                problems.append(f"Telegram would refuse the HTML ({error}): {reply.text[:160]!r}")
            for row in reply.buttons:
                for button in row:
                    if len(button.data.encode()) > 64 or not str(button.label).strip():
                        problems.append(f"bad button {button!r}")
        for problem in problems:
            self.findings.append(Finding(where, sent, problem))

    async def check_stored_data(self, where: str, sent: str) -> None:
        for problem in await stored_data_problems(self.app, self.inserted_orders):
            if problem not in self.known_data_problems:
                self.known_data_problems.add(problem)
                self.findings.append(Finding(where, sent, f"stored: {problem}"))

    # -- one checkpoint -----------------------------------------------------------------------

    async def throw(self, checkpoint: Checkpoint, state: dict[str, Any], batch: list[Fuzz]) -> None:
        person: Person = state["person"]
        locale = state["saved"].preferences["locale"]
        where = f"{checkpoint.flow}.{checkpoint.step}"
        for fuzz in batch:
            incoming = await resolve(fuzz, person)
            start = len(self.records.records)
            self.counts["inputs"] += 1
            self.counts[f"inputs.{fuzz.kind}"] += 1
            try:
                outcome = await person.send(incoming)
            except Exception as error:  # App.handle must never let one through
                self.findings.append(Finding(where, repr(fuzz), f"escaped: {error!r}"))
                continue
            self.check_outcome(where, repr(fuzz), outcome, locale, start)
        await self.check_stored_data(where, repr(batch))
        await self.settle(checkpoint, state, repr(batch))

    async def settle(self, checkpoint: Checkpoint, state: dict[str, Any], sent: str) -> None:
        """Back to the checkpoint; for most steps, show its valid answer still works."""
        person: Person = state["person"]
        key = (checkpoint.flow, checkpoint.step)
        if key in FRAGILE and await person.where() != key:
            self.counts["rebuilt"] += 1
            state["person"], state["context"], state["saved"] = await self.reach(checkpoint)
            return
        await self.put_back(person, state["saved"])
        if key not in CONSUMING:
            await self.try_valid_answer(checkpoint, state, sent)
            await self.put_back(person, state["saved"])

    async def try_valid_answer(
        self, checkpoint: Checkpoint, state: dict[str, Any], sent: str
    ) -> None:
        person: Person = state["person"]
        where = f"{checkpoint.flow}.{checkpoint.step}"
        before = await person.conversation()
        assert before is not None
        start = len(self.records.records)
        outcome = await person.act(checkpoint.valid, state["context"])
        self.counts["valid_answers_after_fuzz"] += 1
        self.check_outcome(
            where,
            f"valid answer after {sent}",
            outcome,
            state["saved"].preferences["locale"],
            start,
        )
        after = await person.conversation()
        moved = after is None or (
            after.flow,
            after.step,
            json.dumps(after.data, sort_keys=True),
        ) != (
            before.flow,
            before.step,
            json.dumps(before.data, sort_keys=True),
        )
        if not moved:
            text = " | ".join(r.text[:200] for r in outcome.replies)
            self.findings.append(
                Finding(where, f"valid answer after {sent}", f"not accepted any more: {text}")
            )

    def fuzz(self, runner: asyncio.Runner, checkpoint: Checkpoint) -> None:
        person, context, saved = runner.run(self.reach(checkpoint))
        state: dict[str, Any] = {"person": person, "context": context, "saved": saved}
        self.counts["checkpoints"] += 1
        action = checkpoint.valid
        valid = action.resolve(context) if isinstance(action, Say) else None
        if isinstance(action, Pick) and isinstance(action.match, str):
            valid = action.match  # typed instead of pressed: "sea", "pre_delivery"...

        @settings(
            max_examples=EXAMPLES_PER_CHECKPOINT,
            database=None,
            deadline=None,
            phases=(Phase.generate,),  # findings are collected, not raised: nothing to shrink
            suppress_health_check=list(HealthCheck),
        )
        @given(st.lists(fuzz_inputs(valid), min_size=1, max_size=MAX_INPUTS_PER_EXAMPLE))
        def throw(batch: list[Fuzz]) -> None:
            runner.run(self.throw(checkpoint, state, batch))

        throw()
        if (checkpoint.flow, checkpoint.step) in CONSUMING:
            runner.run(self.try_valid_answer(checkpoint, state, "the last batch"))


async def _app(database_url: str, clock: FrozenClock) -> App:
    fuzz_settings = load_settings(database_url=database_url, dispute_team="900001", bot_token=None)
    if not fuzz_settings.is_sqlite:
        await upgrade_database_async(fuzz_settings.database_url)
    return await build_app(fuzz_settings, clock=clock)


# -- the tests --------------------------------------------------------------------------------


def test_the_roads_reach_every_step_of_every_flow() -> None:
    reached = {(c.flow, c.step) for c in CHECKPOINTS}
    every = {(flow.name, step.name) for flow in all_flows().values() for step in flow.steps}
    assert every - reached == set(), "steps no fuzz scenario reaches"
    assert reached <= every


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_random_input_at_every_step(
    scenario: Scenario, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark_translations(monkeypatch)
    clock = FrozenClock(START)
    with asyncio.Runner() as runner, recording() as records:
        app = runner.run(_app(database_url, clock))
        fuzzer = Fuzzer(app, clock, records)
        try:
            for checkpoint in CHECKPOINTS:
                if checkpoint.scenario is scenario:
                    fuzzer.fuzz(runner, checkpoint)
        finally:
            runner.run(app.close())
    distinct = sorted({f"{f.where}: {f.problem}" for f in fuzzer.findings})
    report(
        "fuzz",
        {
            **dict(fuzzer.counts),
            "scenarios": 1,
            "findings": len(fuzzer.findings),
            "steps": [f"{c.flow}.{c.step}" for c in CHECKPOINTS if c.scenario is scenario],
        },
    )
    shown = "\n".join(
        f"- {f.where} <- {f.sent[:300]}\n    {f.problem[:600]}" for f in fuzzer.findings[:25]
    )
    assert not fuzzer.findings, (
        f"{len(distinct)} distinct problems:\n"
        + "\n".join(distinct[:60])
        + "\n\nfirst inputs:\n"
        + shown
    )
    assert fuzzer.counts["inputs"] >= EXAMPLES_PER_CHECKPOINT


# -- inputs that once crashed or stored bad data ---------------------------------------------

ODD_FILE = Attachment(
    file_id="x" * 300,
    file_unique_id="u" * 200,
    file_name="invoice\u202efdp.exe" + "a" * 300,
    mime_type="x/" + "y" * 200,
    size=-5,
)
FOUND = (
    # Over 28 digits: Babel's formatting and Decimal's quantize raised InvalidOperation.
    ("find", "amount", Fuzz("text", "99999999999999999999999999999999 USD")),
    ("order", "weight", Fuzz("text", "1" + "0" * 40 + " kg")),
    ("order", "quantity", Fuzz("text", "1" + "0" * 40 + " pcs")),
    ("order", "material", Fuzz("text", "100000000000000000000000000% kg")),
    # Stored as "180 x 1E-7 cm": a contract term its own parser could not read back.
    ("order", "size", Fuzz("text", "180 x 0.0000001 cm")),
    # A draft for a millionth of a dollar (stored as 0.00) or a NaN amount.
    ("order", "design", Fuzz("text", "/order new:1:0.000001:USD")),
    ("order", "design", Fuzz("text", "/order new:1:NaN:USD")),
    # File values longer than their columns (PostgreSQL refused the row), a name that
    # reads backwards, a negative size.
    ("order", "design", Fuzz("file", (ODD_FILE, None))),
    ("dispute", "documents", Fuzz("file", (ODD_FILE, "caption"))),
    # A command name echoed into the reply unescaped: Telegram refused the HTML.
    ("order", "colour", Fuzz("text", "/<b>x")),
    # A signed shortcut to /back or /cancel: an AssertionError in the engine.
    ("queue", "review", Fuzz("shortcut", ("back", "", "self"))),
    # NUL in a search word: PostgreSQL refused the query.
    ("find", "results", Fuzz("text", "scarf\x00")),
)


def test_inputs_the_fuzz_once_caught(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each bug the fuzz found, replayed at its step every run (the random search may
    not draw the same input again)."""
    mark_translations(monkeypatch)
    clock = FrozenClock(START)
    by_step = {(c.flow, c.step): c for c in CHECKPOINTS}
    with asyncio.Runner() as runner, recording() as records:
        app = runner.run(_app(database_url, clock))
        fuzzer = Fuzzer(app, clock, records)
        try:
            for flow, step, fuzz in FOUND:
                checkpoint = by_step[(flow, step)]
                person, context, saved = runner.run(fuzzer.reach(checkpoint))
                state = {"person": person, "context": context, "saved": saved}
                runner.run(fuzzer.throw(checkpoint, state, [fuzz]))
        finally:
            runner.run(app.close())
    assert fuzzer.counts["inputs"] == len(FOUND)
    assert not fuzzer.findings, "\n".join(
        f"{f.where} <- {f.sent}: {f.problem}" for f in fuzzer.findings
    )


# -- the same through a real framework --------------------------------------------------------

TELEGRAM_EXAMPLES = int(os.environ.get("TRADEGUARD_FUZZ_TELEGRAM_EXAMPLES", "15"))
LANGUAGES = ("en", "es", "ru", "pt-br", "zh-hans")


def _updates() -> st.SearchStrategy[tuple[str, Any]]:
    """What a Telegram client can send: texts, files, and the message kinds no step takes."""
    other = st.sampled_from(
        (
            (
                "voice",
                {
                    "voice": {
                        "file_id": "AwACAgIAAxkBAAIBvoice",
                        "file_unique_id": "v1",
                        "duration": 3,
                    }
                },
            ),
            ("dice", {"dice": {"emoji": "🎲", "value": 6}}),
            (
                "venue",
                {
                    "venue": {
                        "location": {"latitude": 1.5, "longitude": 2.5},
                        "title": "<b>Warehouse</b>",
                        "address": "'; DROP TABLE users; --",
                    }
                },
            ),
        )
    )
    return st.one_of(
        st.tuples(st.just("text"), _fuzz_texts().filter(lambda t: t.strip() != "")),
        st.tuples(st.just("sticker"), st.sampled_from(("👍", "💥", "\u202e"))),
        st.tuples(st.just("location"), st.tuples(st.floats(-90, 90), st.floats(-180, 180))),
        st.tuples(st.just("contact"), st.sampled_from(("+10000000000", "<b>0</b>", ""))),
        st.tuples(
            st.just("document"),
            st.tuples(
                st.sampled_from(
                    ("evidence.pdf", "virus.exe", "evil\u202efdp.exe", "a" * 250, "<i>.png")
                ),
                st.sampled_from((None, "application/pdf", "application/x-msdownload", "text/html")),
                st.sampled_from((None, 0, 12, 20 * 1024 * 1024, 20 * 1024 * 1024 + 1, 2**40)),
            ),
        ),
        st.tuples(
            st.just("photo"),
            st.tuples(
                st.sampled_from((None, "", "caption <b>", "/help")), st.sampled_from((None, 2**31))
            ),
        ),
        st.tuples(st.just("press"), _fuzz_texts().map(lambda t: t[:64])),
        st.tuples(st.just("message"), other),
    )


def _fuzz_texts() -> st.SearchStrategy[str]:
    from tests.fuzz_inputs import _texts

    # What survives Telegram's JSON: no NUL, no lone surrogate (the in-process fuzz has both).
    return _texts().map(lambda t: re.sub("[\x00\ud800-\udfff]", "", t)[:4096])


@pytest.fixture
async def telegram_bot(
    database_url: str, emu: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TelegramRuntime]:
    """aiogram, polling the emulator, for every example of the test (not one per example)."""
    mark_translations(monkeypatch)
    bot = bot_settings(database_url, emu, "aiogram")
    if not bot.is_sqlite:
        await upgrade_database_async(bot.database_url)
    application = await build_app(bot, clock=FrozenClock(START))
    try:
        async with running(application) as runtime:
            yield runtime
    finally:
        await application.close()


async def _send(emu: BotAPIEmulator, user: Any, kind: str, payload: Any) -> dict[str, Any] | None:
    """Send one update; for a button press, the callback query (its answer is awaited)."""
    if kind == "text":
        await emu.send_text(user, payload)
    elif kind == "sticker":
        await emu.send_sticker(user, payload)
    elif kind == "location":
        await emu.send_location(user, *payload)
    elif kind == "contact":
        await emu.send_contact(user, payload or "+1")
    elif kind == "document":
        name, mime, size = payload
        await emu.send_document(user, b"%PDF-1.4 fuzz", name, mime, size)
    elif kind == "photo":
        caption, size = payload
        await emu.send_photo(user, caption=caption, file_size=size)
    elif kind == "press":
        shown = emu.bot_messages(user.id)
        return await emu.press(user, shown[-1], payload, strict=False)
    else:
        await emu.send_message(user, payload[1])
    return None


@settings(
    max_examples=TELEGRAM_EXAMPLES,
    database=None,
    deadline=None,
    phases=(Phase.generate,),
    suppress_health_check=list(HealthCheck),
)
@given(
    language=st.sampled_from(LANGUAGES),
    batch=st.lists(_updates(), min_size=1, max_size=MAX_INPUTS_PER_EXAMPLE),
)
async def test_random_updates_through_aiogram(
    telegram_bot: TelegramRuntime, emu: BotAPIEmulator, language: str, batch: list[tuple[str, Any]]
) -> None:
    """Stickers, locations, contacts, files of any name, type and size, odd texts and
    forged presses, from Telegram through aiogram: each gets a reply or an answered press
    in the user's language, Telegram accepts every call, and the step still works."""
    locale = supported_locale(language)
    person = TelegramPerson(emu, 3_000_000 + LANGUAGES.index(language), "Fuzz", language)

    async def answered(after: int) -> list[str]:
        """The bot's messages since ``after``, once the update is completely handled."""
        await emu.wait_for_message(person.id, after=after)
        await telegram_bot.gate.inflight.drain(10)
        shown = [e.message for e in emu.events if e.seq > after and e.chat_id == person.id]
        return [texts(m) for m in shown]

    with recording() as records:
        start = len(records.records)
        await answered_after(emu, person, "/profile", answered)
        for kind, payload in batch:
            after = emu.cursor()
            query = await _send(emu, person.user, kind, payload)
            if query is not None:
                answer = await emu.wait_for_request(
                    "answerCallbackQuery", partial(_answers, query["id"])
                )
                notice = answer.params.get("text") or ""
                shown = [notice] if notice else await answered(after)
            else:
                shown = await answered(after)
            for text in shown:
                assert not locale_problems(text, locale), (kind, payload, text)
        errors = records.errors_since(start)
        assert not errors, [describe(r) for r in errors]
        assert not emu.errors, list(emu.errors)
        # Still usable: the profile step takes a valid answer.
        await answered_after(emu, person, "/profile", answered)
        moved = await answered_after(emu, person, "DE", answered)
        assert any("2" in text and marker(locale) in text for text in moved), moved
    report("fuzz_telegram", {"updates": len(batch), "examples": 1})


def _answers(query_id: str, params: dict[str, Any]) -> bool:
    return bool(params.get("callback_query_id") == query_id)


async def answered_after(
    emu: BotAPIEmulator,
    person: TelegramPerson,
    text: str,
    answered: Callable[[int], Awaitable[list[str]]],
) -> list[str]:
    after = emu.cursor()
    await emu.send_text(person.user, text)
    return await answered(after)
