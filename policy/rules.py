"""The programme's rules, loaded once from ``rules.toml`` into frozen dataclasses.

Figures live in the data file (with the guide chapter they come from) so that an
operator can change a fee without a release; this module only gives them types and
refuses a malformed file at start-up, naming the key in one line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from policy._toml import NONE, Table
from policy.enums import CoverageType, Ground, InspectionProvider, InspectionTiming, ShippingMode
from policy.errors import RulesError
from policy.money import Money, known_currencies

DEFAULT_PATH = Path(__file__).with_name("rules.toml")
DEFAULT_PROFILE = "guide"
FORMAT = 1

FeeKind = Literal["percent", "range", "free", "unknown"]
TimeUnit = Literal["hours", "days", "business_days"]

_FEE_KINDS = frozenset({"percent", "range", "free", "unknown"})
_TIME_UNITS = frozenset({"hours", "days", "business_days"})
_MODES = frozenset(m.value for m in ShippingMode)
_GROUNDS = frozenset(g.value for g in Ground)


# -- the data model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    name: str
    launched_year: int
    service_fee: Money
    escrow_bank: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CoverageRules:
    max_refund_fraction: Decimal  # 1 = a refund of up to 100 % of the refundable base
    example_order: Money
    example_limit: Money
    example_fraction: Decimal
    refundable: Mapping[CoverageType, str]  # "advance" | "whole_payment"
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ClaimWindowRules:
    buyer_confirmed_days: int
    auto_confirmed_days: Mapping[ShippingMode, int]  # every mode, aliases resolved
    # Days after the supplier's ship date at which the platform confirms receipt for a
    # buyer who has not (the guide says it does, not when): every mode, aliases resolved.
    auto_confirm_after_days: Mapping[ShippingMode, int]
    same_as: Mapping[ShippingMode, ShippingMode]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DeadlineProfile:
    name: str
    supplier_response_days: int
    escalation_opens_after_days: int
    auto_escalation_after_days: int | None  # None: nothing escalates by itself
    escalate_on_unsatisfactory_answer: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class InfoRequestRules:
    """How long a party has to answer the dispute team's question, and when we remind
    them. The guide gives no figure (see rules.toml, [information_requests])."""

    answer_days: int
    reminder_hours_before: int
    sources: tuple[str, ...]


# Rules files written before the table existed read as the documented default.
DEFAULT_INFO_REQUESTS = InfoRequestRules(
    answer_days=3, reminder_hours_before=24, sources=("operator",)
)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    title: str  # the guide's wording, for reference; the bot translates by id
    required: bool
    when: str | None  # e.g. "custom_design": only needed in that case
    weakens_claim_if_missing: bool
    grounds: tuple[Ground, ...]  # empty: every ground
    sources: tuple[str, ...]
    # The programme's agreed contract version is this document: attached to every claim
    # on an order with one, so the buyer is not asked for it.
    from_contract: bool = False


@dataclass(frozen=True)
class InspectionRules:
    timings: tuple[InspectionTiming, ...]
    providers: tuple[InspectionProvider, ...]
    third_party_preferred: bool
    prefer_before_shipping: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class GroundRules:
    valid: tuple[Ground, ...]
    not_ground_examples: tuple[str, ...]
    sources: tuple[str, ...]
    # Grounds whose claim needs at least one evidence file: the record cannot prove them.
    proof_file: tuple[Ground, ...] = ()


@dataclass(frozen=True)
class Account:
    """Who may pay by a method, in which currencies, up to how much."""

    countries: frozenset[str] | None  # None: the guide names no restriction
    currencies: tuple[str, ...]
    per_order_limit: Money | None  # None: no limit stated (see ``unlimited``)
    unlimited: bool  # True only where the guide says "no transaction limit"
    monthly_limit: Money | None
    sources: tuple[str, ...]

    def serves(self, country: str) -> bool:
        return self.countries is None or country in self.countries


@dataclass(frozen=True)
class FeeReading:
    """One chapter's statement of a fee. Several readings may disagree (wire transfer)."""

    kind: FeeKind
    rate: Decimal | None  # percent kind, as a fraction: 2.95 % -> 0.0295
    min: Money | None  # range kind
    max: Money | None
    countries: frozenset[str] | None  # free kind: free for these buyers only
    note: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Processing:
    min: int
    max: int
    unit: TimeUnit
    approximate: bool
    starts: str | None  # e.g. "loan_agreed"; None: from payment
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CardRules:
    networks: tuple[str, ...]
    chargeback_success_rate: Decimal
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PaymentMethod:
    id: str
    name: str
    position: int
    accounts: tuple[Account, ...]
    fee: tuple[FeeReading, ...]
    processing: Processing | None  # None: the guide does not say
    card: CardRules | None
    recommended: bool
    most_common: bool
    lender: str | None
    lender_location: str | None
    sources: tuple[str, ...]

    def account_for(self, country: str) -> Account | None:
        """The entry for this buyer: a named country beats the "*" catch-all."""
        named = [a for a in self.accounts if a.countries is not None and country in a.countries]
        if named:
            return named[0]
        return next((a for a in self.accounts if a.countries is None), None)


@dataclass(frozen=True)
class PaypalRule:
    allowed: bool
    available_outside_programme: bool
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SpecExamples:
    materials: tuple[str, ...]
    counts: tuple[str, ...]
    masses: tuple[str, ...]
    liquid_volumes: tuple[str, ...]
    shipping_modes: tuple[str, ...]
    colour_words: tuple[str, ...]
    vague: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    file: str
    profile: str
    programme: Programme
    coverage: CoverageRules
    claim_windows: ClaimWindowRules
    deadlines: DeadlineProfile  # the selected profile
    deadline_profiles: Mapping[str, DeadlineProfile]
    grounds: GroundRules
    documents: tuple[ChecklistItem, ...]
    evidence: tuple[ChecklistItem, ...]
    inspection: InspectionRules
    currency_aliases: Mapping[str, str]
    payment_methods: tuple[PaymentMethod, ...]  # in the guide's order (ch5)
    paypal: PaypalRule
    spec_examples: SpecExamples
    info_requests: InfoRequestRules = DEFAULT_INFO_REQUESTS

    def method(self, method_id: str) -> PaymentMethod:
        for method in self.payment_methods:
            if method.id == method_id:
                return method
        raise KeyError(method_id)


# -- loading -----------------------------------------------------------------------------


def load_rules(path: Path | None = None, profile: str = DEFAULT_PROFILE) -> Rules:
    """Read and validate a rules file; raise ``RulesError`` (one line) if it is malformed."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(path.name, "", f"not valid TOML: {exc}") from exc
    except OSError as exc:
        raise RulesError(path.name, "", f"cannot be read: {exc.strerror or exc}") from exc
    return _read(Table(data, "", path.name), profile)


@cache
def default_rules(profile: str = DEFAULT_PROFILE) -> Rules:
    """The packaged rules, read once per process (and per profile)."""
    return load_rules(None, profile)


def _read(root: Table, profile: str) -> Rules:
    if root.integer("format") != FORMAT:
        raise root.fail("format", f"expected {FORMAT}, got {root.data['format']}")
    profiles = _deadline_profiles(root.table("dispute_deadlines"))
    if profile not in profiles:
        available = ", ".join(sorted(profiles))
        raise root.fail("dispute_deadlines", f"unknown profile {profile!r}; available: {available}")
    rules = Rules(
        file=root.file,
        profile=profile,
        programme=_programme(root.table("programme")),
        coverage=_coverage(root.table("coverage")),
        claim_windows=_claim_windows(root.table("claim_windows")),
        deadlines=profiles[profile],
        deadline_profiles=MappingProxyType(profiles),
        grounds=_grounds(root.table("grounds")),
        documents=_checklist(root, "documents"),
        evidence=_checklist(root, "evidence"),
        inspection=_inspection(root.table("inspection")),
        currency_aliases=_aliases(root.table("currency_aliases")),
        payment_methods=_payment_methods(root.table("payment_methods")),
        paypal=_paypal(root.table("paypal")),
        spec_examples=_spec_examples(root.table("spec_examples")),
        info_requests=(
            _info_requests(root.table("information_requests"))
            if root.has("information_requests")
            else DEFAULT_INFO_REQUESTS
        ),
    )
    root.finish()
    return rules


def _programme(t: Table) -> Programme:
    fee, escrow = t.table("service_fee"), t.table("escrow")
    result = Programme(
        name=t.text("name"),
        launched_year=t.integer("launched_year", 1900),
        service_fee=fee.money("fee"),
        escrow_bank=escrow.text("bank"),
        sources=t.sources(),
    )
    fee.sources()
    escrow.sources()
    for table in (fee, escrow, t):
        table.finish()
    return result


def _coverage(t: Table) -> CoverageRules:
    example, types = t.table("example"), t.table("types")
    refundable: dict[CoverageType, str] = {}
    for kind in CoverageType:
        entry = types.table(kind.value)
        refundable[kind] = entry.text("refundable", frozenset({"advance", "whole_payment"}))
        entry.sources()
        entry.finish()
    types.finish()
    result = CoverageRules(
        max_refund_fraction=t.percent("max_refund_percent"),
        example_order=example.money("order_amount"),
        example_limit=example.money("limit"),
        example_fraction=example.percent("covered_percent"),
        refundable=MappingProxyType(refundable),
        sources=t.sources(),
    )
    example.sources()
    example.finish()
    t.finish()
    return result


def _claim_windows(t: Table) -> ClaimWindowRules:
    auto, same = t.table("auto_confirmed_days"), t.table("same_as")
    after = t.table("auto_confirm_after_days")
    for table in (auto, same, after):
        for name in table.names():
            if name != "source" and name not in _MODES:
                raise table.fail(name, f"expected a shipping mode ({', '.join(sorted(_MODES))})")
        table.sources()
    days = {ShippingMode(n): auto.integer(n, 1) for n in auto.data if n != "source"}
    aliases = {
        ShippingMode(n): ShippingMode(same.text(n, _MODES)) for n in same.data if n != "source"
    }
    after_days = {ShippingMode(n): after.integer(n, 1) for n in after.data if n != "source"}
    for mode in ShippingMode:
        target = aliases.get(mode, mode)
        for table, found in ((auto, days), (after, after_days)):
            if target not in found:
                raise table.fail(mode.value, "missing: every mode needs a value (or same_as)")
            found.setdefault(mode, found[target])
    result = ClaimWindowRules(
        buyer_confirmed_days=t.integer("buyer_confirmed_days", 1),
        auto_confirmed_days=MappingProxyType(days),
        auto_confirm_after_days=MappingProxyType(after_days),
        same_as=MappingProxyType(aliases),
        sources=t.sources(),
    )
    for table in (auto, same, after, t):
        table.finish()
    return result


def _deadline_profiles(t: Table) -> dict[str, DeadlineProfile]:
    profiles: dict[str, DeadlineProfile] = {}
    for name in list(t.names()):
        p = t.table(name)
        respond = p.integer("supplier_response_days", 1)
        opens = p.integer("escalation_opens_after_days", 0)
        auto = p.optional_integer("auto_escalation_after_days", 1)
        if auto is not None and auto < opens:
            raise p.fail("auto_escalation_after_days", "must not come before escalation opens")
        profiles[name] = DeadlineProfile(
            name=name,
            supplier_response_days=respond,
            escalation_opens_after_days=opens,
            auto_escalation_after_days=auto,
            escalate_on_unsatisfactory_answer=p.flag("escalate_on_unsatisfactory_answer"),
            sources=p.sources(),
        )
        p.finish()
    if not profiles:
        raise t.fail(None, "expected at least one profile")
    t.finish()
    return profiles


def _info_requests(t: Table) -> InfoRequestRules:
    days = t.integer("answer_days", 1)
    hours = t.integer("reminder_hours_before", 0)
    if hours >= days * 24:
        raise t.fail("reminder_hours_before", "must fall inside the answer time")
    rules = InfoRequestRules(answer_days=days, reminder_hours_before=hours, sources=t.sources())
    t.finish()
    return rules


def _grounds(t: Table) -> GroundRules:
    not_grounds = t.table("not_grounds")
    result = GroundRules(
        valid=tuple(Ground(g) for g in t.text_list("valid", _GROUNDS)),
        not_ground_examples=not_grounds.text_list("examples"),
        sources=t.sources(),
        proof_file=tuple(Ground(g) for g in t.text_list("proof_file", _GROUNDS))
        if t.has("proof_file")
        else (),
    )
    not_grounds.sources()
    not_grounds.finish()
    t.finish()
    return result


def _checklist(root: Table, name: str) -> tuple[ChecklistItem, ...]:
    items: list[ChecklistItem] = []
    for t in root.tables(name):
        item = ChecklistItem(
            id=t.text("id"),
            title=t.text("title"),
            required=t.flag("required", default=False),
            when=t.optional_text("when"),
            weakens_claim_if_missing=t.flag("weakens_claim_if_missing"),
            from_contract=t.flag("from_contract", default=False),
            grounds=tuple(Ground(g) for g in t.text_list("grounds", _GROUNDS))
            if t.has("grounds")
            else (),
            sources=t.sources(),
        )
        if any(i.id == item.id for i in items):
            raise t.fail("id", f"duplicate id {item.id!r}")
        items.append(item)
        t.finish()
    return tuple(items)


def _inspection(t: Table) -> InspectionRules:
    advice = t.table("advice")
    timings = frozenset(x.value for x in InspectionTiming)
    providers = frozenset(x.value for x in InspectionProvider)
    result = InspectionRules(
        timings=tuple(InspectionTiming(x) for x in t.text_list("timings", timings)),
        providers=tuple(InspectionProvider(x) for x in t.text_list("providers", providers)),
        third_party_preferred=t.flag("third_party_preferred"),
        prefer_before_shipping=advice.flag("prefer_before_shipping"),
        sources=t.sources(),
    )
    advice.sources()
    advice.finish()
    t.finish()
    return result


def _aliases(t: Table) -> Mapping[str, str]:
    aliases = {n: t.text(n) for n in list(t.names()) if n != "source"}
    for name, code in aliases.items():
        if code not in known_currencies():
            raise t.fail(name, f"expected an ISO 4217 currency code, got {code!r}")
    t.sources()
    t.finish()
    return MappingProxyType(aliases)


def _payment_methods(t: Table) -> tuple[PaymentMethod, ...]:
    methods = [_payment_method(method_id, t.table(method_id)) for method_id in list(t.names())]
    positions = [m.position for m in methods]
    if len(set(positions)) != len(positions):
        raise t.fail(None, "two payment methods share a position")
    t.finish()
    return tuple(sorted(methods, key=lambda m: m.position))


def _payment_method(method_id: str, t: Table) -> PaymentMethod:
    card = None
    if t.has("cards"):
        c = t.table("cards")
        card = CardRules(
            networks=c.text_list("networks"),
            chargeback_success_rate=c.percent("chargeback_success_percent"),
            sources=c.sources(),
        )
        c.finish()
    processing = _processing(t.table("processing")) if t.has("processing") else None
    method = PaymentMethod(
        id=method_id,
        name=t.text("name"),
        position=t.integer("position", 1),
        accounts=_accounts(t),
        fee=_fee(t),
        processing=processing,
        card=card,
        recommended=t.flag("recommended"),
        most_common=t.flag("most_common"),
        lender=t.optional_text("lender"),
        lender_location=t.optional_text("lender_location"),
        sources=t.sources(),
    )
    t.finish()
    return method


def _accounts(method: Table) -> tuple[Account, ...]:
    """Who may pay: in the method's own table, or per case in [[...accounts]]."""
    if not method.has("accounts"):
        return (_account(method),)
    accounts = []
    for t in method.tables("accounts"):
        accounts.append(_account(t))
        t.finish()
    return tuple(accounts)


def _account(t: Table) -> Account:
    unlimited = t.data.get("per_order_limit") == NONE
    if unlimited:
        t.has("per_order_limit")
    return Account(
        countries=t.countries("countries"),
        currencies=t.currencies("currencies"),
        per_order_limit=None if unlimited else t.optional_money("per_order_limit"),
        unlimited=unlimited,
        monthly_limit=t.optional_money("monthly_limit"),
        sources=t.sources(),
    )


def _fee(method: Table) -> tuple[FeeReading, ...]:
    readings: list[FeeReading] = []
    for t in method.tables("fee"):
        kind = t.text("kind", _FEE_KINDS)
        reading = FeeReading(
            kind=kind,  # type: ignore[arg-type]
            rate=t.percent("percent") if kind == "percent" else None,
            min=t.money("min") if kind == "range" else None,
            max=t.money("max") if kind == "range" else None,
            countries=t.countries("countries") if kind == "free" else None,
            note=t.optional_text("note"),
            sources=t.sources(),
        )
        if reading.min is not None and reading.max is not None:
            if reading.min.currency != reading.max.currency:
                raise t.fail("max", "expected the same currency as min")
            if reading.min > reading.max:
                raise t.fail("max", f"expected at least min ({reading.min}), got {reading.max}")
        if readings and readings[0].kind != kind:
            # Mixing "2.95 %" with "$20-$50" has no honest widest range.
            raise t.fail(
                "kind", f"expected {readings[0].kind!r} like the first reading, got {kind!r}"
            )
        readings.append(reading)
        t.finish()
    ranges = [r for r in readings if r.min is not None]
    if len({r.min.currency for r in ranges if r.min}) > 1:
        raise method.fail("fee", "readings of a fixed fee must share one currency")
    return tuple(readings)


def _processing(t: Table) -> Processing:
    result = Processing(
        min=t.integer("min", 0),
        max=t.integer("max", 0),
        unit=t.text("unit", _TIME_UNITS),  # type: ignore[arg-type]
        approximate=t.flag("approximate"),
        starts=t.optional_text("starts"),
        sources=t.sources(),
    )
    if result.min > result.max:
        raise t.fail("max", f"expected at least min ({result.min}), got {result.max}")
    t.finish()
    return result


def _paypal(t: Table) -> PaypalRule:
    result = PaypalRule(
        allowed=t.flag("allowed"),
        available_outside_programme=t.flag("available_outside_programme"),
        sources=t.sources(),
    )
    t.finish()
    return result


def _spec_examples(t: Table) -> SpecExamples:
    result = SpecExamples(
        materials=t.text_list("materials"),
        counts=t.text_list("counts"),
        masses=t.text_list("masses"),
        liquid_volumes=t.text_list("liquid_volumes"),
        shipping_modes=t.text_list("shipping_modes"),
        colour_words=t.text_list("colour_words"),
        vague=t.text_list("vague"),
        sources=t.sources(),
    )
    t.finish()
    return result
