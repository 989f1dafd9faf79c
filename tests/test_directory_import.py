"""The operator imports the supplier directory from CSV."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from bot.services.directory import DEMO_DIRECTORY, import_suppliers
from storage.models import Supplier, Verification

HEADER = "name,country,products,assurance_limit,currency,verification,telegram_id\n"


async def test_bad_rows_are_reported_by_line_and_good_rows_still_load(app: App) -> None:
    csv_text = HEADER + (
        "Good One,CN,scarf;silk,10000,USD,gold,\n"
        "Bad Limit,CN,scarf,lots,USD,gold,\n"
        "Bad Country,China,scarf,10,USD,gold,\n"
        "Good Two,VN,Bamboo; Chopsticks ,2500.50,usd,VERIFIED,777\n"
        "Bad Level,CN,scarf,10,USD,platinum,\n"
    )
    async with app.sessions() as session, session.begin():
        report = await import_suppliers(session, csv_text, app.clock.now())
    assert (report.created, report.updated) == (2, 0)
    assert [error.split(":")[0] for error in report.errors] == ["line 3", "line 4", "line 6"]

    async with app.sessions() as session:
        two = await session.scalar(select(Supplier).where(Supplier.name == "Good Two"))
    assert two is not None
    assert str(two.assurance_limit) == "2500.50" and two.currency == "USD"
    assert two.products == "bamboo;chopsticks"
    assert two.verification is Verification.VERIFIED and two.telegram_id == 777


async def test_importing_twice_updates_instead_of_duplicating(app: App) -> None:
    async with app.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Supplier))
    demo_rows = len(DEMO_DIRECTORY.read_text().strip().splitlines()) - 1
    assert count == demo_rows  # the demo directory was loaded on first start

    changed = DEMO_DIRECTORY.read_text().replace(
        "Hangzhou Silkway Textiles,CN,scarf;scarves;silk;shawl;textile,10000",
        "Hangzhou Silkway Textiles,CN,scarf;scarves;silk;shawl;textile,12500",
    )
    async with app.sessions() as session, session.begin():
        report = await import_suppliers(session, changed, app.clock.now())
    assert (report.created, report.updated, report.errors) == (0, demo_rows, [])
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Supplier)) == demo_rows
        silkway = await session.scalar(
            select(Supplier).where(Supplier.name == "Hangzhou Silkway Textiles")
        )
    assert silkway is not None and str(silkway.assurance_limit) == "12500.00"


def test_the_import_command_reports_lines(tmp_path: Path) -> None:
    source = tmp_path / "directory.csv"
    source.write_text(HEADER + "Acme,CN,widget,500,USD,none,\nBroken,CN,widget,-5,USD,none,\n")
    env = {**os.environ, "TRADEGUARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"}
    command = [sys.executable, "-m", "bot.cli", "db", "upgrade"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "suppliers", "import", str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "line 3: assurance_limit: must be a positive amount" in result.stderr
    assert "1 created, 0 updated, 1 rejected" in result.stdout
