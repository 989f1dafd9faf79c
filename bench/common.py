"""What every benchmark shares: a fresh database (SQLite file or PostgreSQL database),
the machine's description and load, percentiles, the printed table and the JSON result.

A result records the load average before and after the run: on a shared machine the
figures move with it, and a reader must be able to tell a slow run from a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from storage.db import upgrade_database_async

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs"

# The PostgreSQL server to create throwaway databases on: bench/run_all.sh starts one
# like .ci does and exports PG_URL; any server URL works.
PG_URL_VARIABLES = ("TRADEGUARD_BENCH_PG_URL", "PG_URL")

# A bot token the emulator accepts: the prefix is the bot id, the rest the secret.
TOKEN = "123456:AAHbench_secret-not-a-real-token"
TEAM_MEMBER = 900001


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="SQLite file in a temporary directory, or a fresh database on the PostgreSQL "
        f"server named by ${PG_URL_VARIABLES[0]} or ${PG_URL_VARIABLES[1]}",
    )
    result.add_argument(
        "--quick", action="store_true", help="a smaller run (under a minute) for a quick check"
    )
    result.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="TRADEGUARD_X=VALUE",
        help="a setting for the bot process (repeatable), e.g. TRADEGUARD_DB_POOL_SIZE=1",
    )
    result.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the JSON result (default: bench/results/)",
    )
    return result


def bot_overrides(args: argparse.Namespace) -> dict[str, str]:
    overrides = {}
    for item in args.bot_env:
        name, _sep, value = item.partition("=")
        if not name.startswith("TRADEGUARD_") or not _sep:
            raise SystemExit(f"--bot-env {item!r}: expected TRADEGUARD_NAME=value")
        overrides[name] = value
    return overrides


def result_path(name: str, args: argparse.Namespace) -> Path:
    if args.out is not None:
        return Path(args.out)
    suffix = "-quick" if args.quick else ""
    return RESULTS / f"{name}-{args.database}{suffix}.json"


# -- databases ---------------------------------------------------------------------------


def postgres_server_url() -> str:
    for variable in PG_URL_VARIABLES:
        value = os.environ.get(variable)
        if value:
            return value.replace("postgresql://", "postgresql+asyncpg://", 1)
    raise SystemExit(
        f"--database postgres needs a server: set {PG_URL_VARIABLES[0]} (or PG_URL) to "
        "postgresql+asyncpg://user@host:port/db, or run bench/run_all.sh, which starts a "
        "throwaway one"
    )


@contextlib.asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    """A migrated, empty database URL, removed afterwards."""
    if kind == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="tradeguard-bench-"))
        url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
        try:
            await upgrade_database_async(url)
            yield url
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    import asyncpg

    server = postgres_server_url()
    admin = server.replace("postgresql+asyncpg://", "postgresql://", 1)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base, _slash, _db = server.rpartition("/")
    url = f"{base}/{name}"
    try:
        await upgrade_database_async(url)
        yield url
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


# -- the machine ------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{commit}+changes" if dirty else commit


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {
            name: _version(name)
            for name in (
                "aiogram",
                "python-telegram-bot",
                "sqlalchemy",
                "aiosqlite",
                "asyncpg",
                "aiohttp",
                "aiolimiter",
            )
        },
        "commit": _git_commit(),
    }


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


class Run:
    """One benchmark run: its description, load before and after, and its JSON result."""

    def __init__(self, name: str, args: argparse.Namespace, **parameters: Any) -> None:
        self.name = name
        self.args = args
        self.started = time.monotonic()
        self.result: dict[str, Any] = {
            "benchmark": name,
            "database": args.database,
            "quick": bool(args.quick),
            "command": " ".join([Path(sys.executable).name, "-m", f"bench.{name}", *sys.argv[1:]]),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "load_before": load_average(),
            "parameters": parameters,
        }

    def finish(self, **figures: Any) -> Path:
        self.result.update(figures)
        self.result["load_after"] = load_average()
        self.result["seconds"] = round(time.monotonic() - self.started, 1)
        path = result_path(self.name, self.args)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.result, indent=2, default=str) + "\n", encoding="utf-8")
        print(
            f"\nload average {self.result['load_before']} -> {self.result['load_after']} "
            f"on {self.result['machine']['cores']} cores; {self.result['seconds']} s; "
            f"result: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
        )
        return path


# -- numbers ----------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: Iterable[float]) -> dict[str, float]:
    """Count and p50 / p95 / p99 / max in milliseconds."""
    ordered = sorted(seconds)
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 2),
    }


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers], *([_cell(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                value.ljust(widths[i]) if i == 0 else value.rjust(widths[i])
                for i, value in enumerate(row)
            )
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pin_to_cpu(cpu: int | None, pid: int = 0) -> None:
    """Keep this process (or ``pid``) on one core (Linux), so "per core" figures mean one
    core."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return
    # The machine's cores, not this process's: it may be pinned already (the bot, which
    # moves its workers to another core).
    available = list(range(os.cpu_count() or 1))
    if len(available) > 1:
        os.sched_setaffinity(pid, {available[cpu % len(available)]})
