"""The ``tradeguard`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeguard", description="Trade Assurance assistant for B2B buyers."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="chat with the bot in this terminal (no token needed)")
    chat.add_argument("--lang", help="your language, e.g. en, zh-hans, pt-br")
    chat.add_argument(
        "--log",
        type=Path,
        default=None,
        help=f"where the chat's log goes (default: {chat_log_default()})",
    )

    run = commands.add_parser("run", help="run the Telegram bot")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")
    run.add_argument("--workers", type=int, default=1, help="webhook worker processes")

    commands.add_parser("scheduler", help="run only the reminder dispatcher")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the migrations")

    suppliers = commands.add_parser("suppliers", help="the supplier directory")
    supplier_commands = suppliers.add_subparsers(dest="suppliers_command", required=True)
    importer = supplier_commands.add_parser("import", help="import or update suppliers from CSV")
    importer.add_argument("file", type=Path)

    rates = commands.add_parser("rates", help="the exchange-rate table (policy/rates.toml)")
    rate_commands = rates.add_subparsers(dest="rates_command", required=True)
    rate_commands.add_parser("show", help="print the table's date, source and rates")
    updater = rate_commands.add_parser(
        "update", help="replace the table with FILE (same shape), after checking it"
    )
    updater.add_argument("file", type=Path)

    reminders = commands.add_parser("reminders", help="scheduled pushes")
    reminder_commands = reminders.add_subparsers(dest="reminders_command", required=True)
    reminder_commands.add_parser("list", help="show pending reminders")
    return parser


def chat_log_default() -> Path:
    return Path(tempfile.gettempdir()) / "tradeguard-chat.log"


def _configure_logging(args: argparse.Namespace) -> None:
    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    if args.command == "chat":
        # The chat owns the terminal: a traceback or a security line printed between
        # the bot's messages would read as part of the conversation. It goes to a file.
        path = args.log or chat_log_default()
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO,
            format=log_format,
            handlers=[logging.FileHandler(path, encoding="utf-8")],
        )
        return
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format=log_format)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "rates":  # a file operation: needs no settings nor database
        return _rates(args)
    try:
        _configure_logging(args)
    except OSError as exc:
        print(f"tradeguard: cannot write the log {args.log}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        return asyncio.run(_dispatch(args, settings))
    except ConfigError as exc:
        print(f"tradeguard: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        from storage.db import upgrade_database_async

        await upgrade_database_async(settings.database_url)
        print("database is up to date")
        return 0
    if args.command == "suppliers":
        return await _import_suppliers(settings, args.file)
    if args.command == "chat":
        from bot.app import build_app
        from bot.handlers.terminal import run_terminal

        app = await build_app(settings)
        try:
            await run_terminal(app, lang=args.lang, log_path=args.log or chat_log_default())
        finally:
            await app.close()
        return 0
    if args.command == "reminders":
        from bot.scheduler.listing import print_pending

        return await print_pending(settings)
    if args.command in ("run", "scheduler"):
        from bot.handlers.runtime import run_runtime

        return await run_runtime(settings, args)
    raise AssertionError(args.command)


async def _import_suppliers(settings: Settings, path: Path) -> int:
    from bot.app import prepare_database
    from bot.clock import SystemClock
    from bot.services.directory import import_suppliers
    from storage.db import session_factory

    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except OSError as exc:
        print(f"tradeguard: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    db = await prepare_database(settings)
    try:
        async with session_factory(db)() as session, session.begin():
            report = await import_suppliers(session, text, SystemClock().now())
    finally:
        await db.dispose()
    for error in report.errors:
        print(f"{path}: {error}", file=sys.stderr)
    print(f"{report.created} created, {report.updated} updated, {len(report.errors)} rejected")
    return 1 if report.errors and not (report.created or report.updated) else 0


def _rates(args: argparse.Namespace) -> int:
    from policy.errors import RulesError
    from policy.rates import ExchangeRates, default_rates, update_rates

    def describe(table: ExchangeRates) -> str:
        rates = ", ".join(f"{code} {rate}" for code, rate in sorted(table.rates.items()))
        return f"1 {table.base} = {rates}\n{table.date.isoformat()}, {table.source}"

    if args.rates_command == "show":
        print(describe(default_rates()))
        return 0
    try:
        text = args.file.read_text(encoding="utf-8")
        table = update_rates(text)
    except OSError as exc:
        print(f"tradeguard: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except RulesError as exc:
        print(f"tradeguard: {args.file}: {exc}", file=sys.stderr)
        return 1
    print(
        f"rates of {table.date.isoformat()} in place ({len(table.rates)} currencies); "
        "running bots use them after a restart"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
