"""The tables. One class per table, typed with ``Mapped[...]``.

Money is always a ``Decimal`` amount beside an ISO 4217 ``currency`` column; times
are ``UTCDateTime``. Structured answers (order specs, dispute details, flow data)
are JSON, because their shape belongs to ``policy`` and the flows, not to the schema.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import MoneyAmount, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


def _enum(cls: type[enum.Enum]) -> SAEnum:
    # Store the enum's value (stable, readable in SQL) as a plain string column, so a new
    # member never needs an ALTER TYPE on PostgreSQL.
    return SAEnum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


class Verification(enum.StrEnum):
    GOLD = "gold"
    VERIFIED = "verified"
    NONE = "none"


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"  # specification being written
    CONFIRMED = "confirmed"  # the buyer accepted the contract; the supplier has not yet
    AGREED = "agreed"  # both parties accepted the current contract version: payable
    AWAITING_FUNDS = "awaiting_funds"  # the buyer chose a method; escrow has not got it yet
    AWAITING_SHIPMENT = "awaiting_shipment"  # "Waiting for supplier to ship order"
    SHIPPED = "shipped"  # buyer confirmed the shipping documents
    COMPLETE = "complete"  # receipt confirmed (by buyer or automatically): claim window runs
    CANCELLED = "cancelled"


class DisputeStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    SUPPLIER_RESPONDED = "supplier_responded"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    DECIDED = "decided"
    CLOSED = "closed"


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"
    DROPPED = "dropped"  # fell due while down and no longer useful (deadline passed)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None once the user asked /delete_me: the row stays only as the pseudonymous actor of
    # records the programme keeps (payments, decided disputes); the same Telegram account
    # writing again becomes a new user.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.BUYER)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    country: Mapped[str | None] = mapped_column(String(2))
    # Set when Telegram answers 403 (the user blocked the bot): stop pushing to them.
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]


class Supplier(Base):
    __tablename__ = "suppliers"
    __table_args__ = (UniqueConstraint("name", "country", name="uq_suppliers_name_country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    # Lower-case keywords joined by ';' so a LIKE finds them on either database.
    products: Mapped[str] = mapped_column(Text, default="")
    assurance_limit: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    verification: Mapped[Verification] = mapped_column(_enum(Verification))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # Directory entries from an import are approved; self-registrations wait for the team.
    approved: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SupplierEvent(Base):
    """Append-only audit log of who speaks for a directory entry: bindings (by an approved
    registration, a claim code or a directory import), unbindings, claim codes issued.
    The migration installs triggers refusing UPDATE and DELETE. ``supplier_id`` has no
    foreign key: a rejected registration's row is deleted and its log stays. No Telegram
    id is written here (the actor is a user row, which erasure pseudonymises)."""

    __tablename__ = "supplier_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))  # supplier | team | system
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class ClaimCode(Base):
    """A one-time code the dispute team issues for a directory entry; the supplier sends
    ``/claim CODE`` to bind their account. Only the SHA-256 of the code is kept."""

    __tablename__ = "claim_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.DRAFT)
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    # Every structured answer of the specification, keyed by step name, as policy
    # normalised it (strings, Decimal as strings): the contract's terms.
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shipping_mode: Mapped[str | None] = mapped_column(String(16))
    delivery_deadline: Mapped[datetime | None]
    coverage_type: Mapped[str] = mapped_column(String(16), default="post_delivery")
    advance_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    uses_programme: Mapped[bool] = mapped_column(Boolean, default=True)
    confirmed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]  # when the supplier recorded the shipment
    # What the supplier gave when marking it shipped: the day it left, by whom, and the
    # carrier's tracking number (shown to the buyer as typed).
    ship_date: Mapped[date | None] = mapped_column(Date)
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    receipt_confirmed_at: Mapped[datetime | None]
    auto_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    buyer: Mapped[User] = relationship(lazy="raise")
    supplier: Mapped[Supplier] = relationship(lazy="raise")


class ContractVersion(Base):
    """One frozen version of an order's contract: what both parties accept, word for word.

    ``content`` is the canonical snapshot (terms and every specification answer) and
    ``sha256`` its digest, shown on the PDF and in the order, so either party can tell
    which text they agreed. A change to the terms makes a new version, accepted afresh.
    """

    __tablename__ = "contract_versions"
    __table_args__ = (UniqueConstraint("order_id", "version", name="uq_contract_versions_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    buyer_accepted_at: Mapped[datetime | None]
    supplier_accepted_at: Mapped[datetime | None]
    # The supplier asked for changes instead of accepting: the buyer edits and re-sends.
    changes_requested_at: Mapped[datetime | None]
    change_reason: Mapped[str | None] = mapped_column(Text)
    # The exchange rate the cover was computed with when the order's currency differs from
    # the supplier's limit (1 ``rate_from`` = ``rate`` ``rate_to``), with the table's date
    # and source: ``rates update`` later must not change what this version stated. The
    # rate is text, exact: SQLite would keep a NUMERIC as a float.
    rate_from: Mapped[str | None] = mapped_column(String(3))
    rate_to: Mapped[str | None] = mapped_column(String(3))
    rate: Mapped[str | None] = mapped_column(String(40))
    rate_date: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str | None] = mapped_column(String(300))


class OrderEvent(Base):
    """Append-only audit log of an order's life: the migration installs triggers refusing
    UPDATE and DELETE. ``order_id`` has no foreign key on purpose: erasing a user deletes
    their unpaid orders, and the log of what happened to them must stay (it holds no
    personal data: states, versions, digests, carrier and tracking number)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))  # buyer | supplier | team | system
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    fee_min: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    fee_max: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    buyer_country: Mapped[str] = mapped_column(String(2))
    card_network: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(index=True)  # when the buyer chose the method
    # When the programme confirmed the money is held in escrow (the order's log says who
    # recorded it): only then is the supplier told to ship.
    received_at: Mapped[datetime | None]


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[DisputeStatus] = mapped_column(_enum(DisputeStatus), index=True)
    ground: Mapped[str] = mapped_column(String(32))
    # Ground-specific facts: dates for late delivery, differing spec items for quality.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    cap_amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    submitted_at: Mapped[datetime]
    response_due_at: Mapped[datetime]
    escalation_opens_at: Mapped[datetime]
    auto_escalate_at: Mapped[datetime | None]
    supplier_answer: Mapped[str | None] = mapped_column(String(16))  # accept | partial | reject
    supplier_offer: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    escalated_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    resolved_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    closed_at: Mapped[datetime | None]
    # The supplier invite: an unguessable /start payload, useless once used or closed.
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # One submission creates one dispute, however often "submit" is pressed.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DisputeEvent(Base):
    """Append-only audit log: the migration installs triggers refusing UPDATE and DELETE."""

    __tablename__ = "dispute_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))  # buyer | supplier | team | system
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"), index=True)
    item: Mapped[str] = mapped_column(String(48))  # checklist item id, or design / branding
    telegram_file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str | None] = mapped_column(String(128))
    file_name: Mapped[str | None] = mapped_column(String(256))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Conversation(Base):
    """Where a user is in a flow. One row per user: starting a flow replaces the old one."""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Names of the steps answered, so /back can return along the path actually taken.
    history: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Choices offered by the step now shown: token key -> value. Button callback data
    # carries only nonce + key; the value never leaves the server.
    choices: Mapped[dict[str, Any]] = mapped_column(default=dict)
    nonce: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class Reminder(Base):
    """Durable outbox of pushes: reminders and immediate notices alike."""

    __tablename__ = "reminders"
    __table_args__ = (
        # The dispatcher's only query: pending rows by due time.
        Index("ix_reminders_status_due_at", "status", "due_at"),
        Index("ix_reminders_subject", "subject_type", "subject_id"),
        UniqueConstraint("dedup_key", name="uq_reminders_dedup_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    # The deadline the reminder is about; past it, a late reminder is dropped, not sent.
    expires_at: Mapped[datetime | None]
    subject_type: Mapped[str | None] = mapped_column(String(16))  # order | dispute
    subject_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ReminderStatus] = mapped_column(
        _enum(ReminderStatus), default=ReminderStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # Prevents scheduling the same reminder twice (e.g. "claim:42:7d").
    dedup_key: Mapped[str | None] = mapped_column(String(96))
    created_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """Telegram update ids already handled: webhooks are retried, workers are many."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(index=True)


class AppSecret(Base):
    """Generated secrets the embedded default keeps so it needs no configuration."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
