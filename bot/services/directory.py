"""The supplier directory: CSV import (operator) and the rows search reads.

Import is forgiving by design: a bad row is reported with its line number and the
good rows still go in; importing the same file twice updates rows (matched on name
and country) instead of duplicating them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from babel.numbers import list_currencies
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import binding
from storage.models import Supplier, Verification

COLUMNS = (
    "name",
    "country",
    "products",
    "assurance_limit",
    "currency",
    "verification",
    "telegram_id",
)
DEMO_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "suppliers.csv"
_CURRENCIES = frozenset(list_currencies())


@dataclass(frozen=True)
class SupplierRow:
    name: str
    country: str
    products: tuple[str, ...]
    assurance_limit: Decimal
    currency: str
    verification: Verification
    telegram_id: int | None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # "line 7: assurance_limit: ..."


class RowError(ValueError):
    pass


def parse_row(raw: dict[str, str | None]) -> SupplierRow:
    def value(column: str) -> str:
        return (raw.get(column) or "").strip()

    name = value("name")
    if not name or len(name) > 200:
        raise RowError("name: required, at most 200 characters")
    country = value("country").upper()
    if len(country) != 2 or not country.isalpha():
        raise RowError(f"country: expected a two-letter ISO code such as CN, got {country!r}")
    products = tuple(sorted({p.strip().lower() for p in value("products").split(";") if p.strip()}))
    if not products:
        raise RowError("products: at least one keyword, separated by ';'")
    try:
        limit = Decimal(value("assurance_limit").replace(",", ""))
    except InvalidOperation:
        raise RowError(
            f"assurance_limit: expected an amount such as 10000, got {value('assurance_limit')!r}"
        ) from None
    if not limit.is_finite() or limit <= 0 or limit >= Decimal("1e15"):
        raise RowError("assurance_limit: must be a positive amount")
    currency = value("currency").upper()
    if currency not in _CURRENCIES:
        raise RowError(f"currency: expected an ISO 4217 code such as USD, got {currency!r}")
    try:
        verification = Verification(value("verification").lower() or "none")
    except ValueError:
        raise RowError("verification: expected gold, verified or none") from None
    telegram_raw = value("telegram_id")
    try:
        telegram_id = int(telegram_raw) if telegram_raw else None
    except ValueError:
        raise RowError(f"telegram_id: expected a number or nothing, got {telegram_raw!r}") from None
    return SupplierRow(
        name=name,
        country=country,
        products=products,
        assurance_limit=limit.quantize(Decimal("0.01")),
        currency=currency,
        verification=verification,
        telegram_id=telegram_id,
    )


def read_csv(text: str) -> tuple[list[tuple[int, SupplierRow]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"line 1: missing column(s): {', '.join(missing)}"]
    rows, errors = [], []
    for record in reader:
        line = reader.line_num
        try:
            rows.append((line, parse_row(record)))
        except RowError as exc:
            errors.append(f"line {line}: {exc}")
    return rows, errors


async def import_suppliers(session: AsyncSession, text: str, now: datetime) -> ImportReport:
    rows, errors = read_csv(text)
    report = ImportReport(errors=errors)
    for _line, row in rows:
        existing = await session.scalar(
            select(Supplier).where(Supplier.name == row.name, Supplier.country == row.country)
        )
        supplier = existing or Supplier(name=row.name, country=row.country, created_at=now)
        supplier.products = ";".join(row.products)
        supplier.assurance_limit = row.assurance_limit
        supplier.currency = row.currency
        supplier.verification = row.verification
        # An empty cell leaves the account bound by a registration or a claim code; a
        # number is the operator's binding, audited like the others.
        rebound = row.telegram_id is not None and supplier.telegram_id != row.telegram_id
        replaced = rebound and supplier.telegram_id is not None
        if rebound:
            supplier.telegram_id = row.telegram_id
        supplier.approved = True
        supplier.updated_at = now
        if existing is None:
            session.add(supplier)
            report.created += 1
        else:
            report.updated += 1
        await session.flush()
        if rebound:
            await binding.record(
                session,
                supplier,
                None,
                "system",
                binding.BOUND,
                now,
                how="directory",
                replaced=replaced,
            )
    return report


async def directory_is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Supplier))
