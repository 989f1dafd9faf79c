"""The catalogs keep up with the code.

Fails when a string in the code is not in ``locales/messages.pot`` or a catalog (or a
catalog keeps one the code dropped), when an entry is untranslated or fuzzy, when a
translation loses a placeholder, a tag or a slash command, and when a user-facing
string in the chat layers is not marked for translation at all.

To fix a failure, from the repository root:

    pybabel extract -F babel.cfg -k lazy_gettext -c Translators: --add-location=file \\
        --project=tradeguard -o locales/messages.pot .
    pybabel update -i locales/messages.pot -d locales --previous

then translate the new or changed entries (and clear their ``fuzzy`` flags).
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent
MessageId = str | tuple[str, ...]


@cache
def ids_in_code() -> frozenset[MessageId]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found: set[MessageId] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return frozenset(found)


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def key(message: Message) -> MessageId:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def short(message_id: MessageId) -> str:
    text = message_id if isinstance(message_id, str) else message_id[0]
    return repr(text[:70])


def test_the_template_holds_exactly_the_strings_in_the_code() -> None:
    template = {key(m) for m in entries(load(LOCALES_DIR / "messages.pot"))}
    new = sorted(map(short, ids_in_code() - template))
    gone = sorted(map(short, template - ids_in_code()))
    assert not new, f"strings missing from locales/messages.pot (re-extract): {new}"
    assert not gone, f"locales/messages.pot keeps strings the code dropped: {gone}"


@pytest.fixture(params=SUPPORTED_LOCALES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    locale = str(request.param)
    return load(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", locale)


def test_every_catalog_translates_every_string_and_nothing_else(catalog: Catalog) -> None:
    held = {key(m) for m in entries(catalog)}
    missing = sorted(map(short, ids_in_code() - held))
    stale = sorted(map(short, held - ids_in_code())) + sorted(map(short, catalog.obsolete))
    fuzzy = [short(key(m)) for m in entries(catalog) if m.fuzzy]
    untranslated = [
        short(key(m))
        for m in entries(catalog)
        if not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    assert not missing, f"{catalog.locale}: not in the catalog: {missing}"
    assert not stale, f"{catalog.locale}: stale entries: {stale}"
    assert not fuzzy, f"{catalog.locale}: fuzzy entries: {fuzzy}"
    assert not untranslated, f"{catalog.locale}: untranslated: {untranslated}"


def test_every_plural_entry_has_each_form_of_the_language(catalog: Catalog) -> None:
    plurals = [m for m in entries(catalog) if m.pluralizable]
    assert plurals, "the code has plural messages, so every catalog has some"
    for message in plurals:
        assert len(message.string) == catalog.num_plurals, (catalog.locale, short(key(message)))


BRACE_FIELDS = string.Formatter()
PERCENT_FIELDS = re.compile(r"%\((\w+)\)[sdifr]|%[sdifr]")
TAGS = re.compile(r"</?([a-z]+)[^>]*>")
COMMANDS = re.compile(r"(?<![\w/])/[a-z_]+\b")


def placeholders(text: str) -> Counter[str]:
    found: Counter[str] = Counter(PERCENT_FIELDS.findall(text))
    try:
        found.update(name for _lit, name, _spec, _conv in BRACE_FIELDS.parse(text) if name)
    except ValueError:
        found["<unbalanced braces>"] += 1
    return found


def translations(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs: each plural form against the English plural."""
    if isinstance(message.id, str):
        return [(message.id, str(message.string))]
    singular, plural = message.id[0], message.id[1]
    forms = list(message.string)
    # A language with one form uses the plural's wording; the first form of a
    # language with several may drop the number ("1 day" -> "one day") only in the
    # English singular, so each form is checked against the plural's placeholders.
    return [
        (plural if index or len(forms) == 1 else singular, form) for index, form in enumerate(forms)
    ]


def test_translations_keep_placeholders_markup_and_commands(catalog: Catalog) -> None:
    problems = []
    for message in entries(catalog):
        for source, translated in translations(message):
            if not translated:
                continue  # reported by the completeness test
            for what, pattern in (
                ("placeholders", placeholders),
                ("tags", lambda text: Counter(TAGS.findall(text))),
                ("commands", lambda text: Counter(COMMANDS.findall(text))),
            ):
                if pattern(source) != pattern(translated):
                    problems.append(f"{what} of {short(key(message))}: {translated[:70]!r}")
    assert not problems, f"{catalog.locale}: " + "\n".join(problems)


def test_babel_finds_no_format_errors(catalog: Catalog) -> None:
    errors = [(short(key(message)), [str(e) for e in errs]) for message, errs in catalog.check()]
    assert not errors, f"{catalog.locale}: {errors}"


# -- strings that escaped translation ------------------------------------------------------

# Where chat text is written. Operator output (the CLI, the terminal chat's own chrome,
# webhook HTTP bodies) and policy/ (parser vocabulary: what users may type) are not.
CHAT_LAYERS = ("bot/flows", "bot/services", "bot/scheduler", "bot/app.py")
CHAT_FILES = ("bot/handlers/telegram_common.py",)

GETTEXT_CALLS = {"_", "gettext", "ngettext", "lazy_gettext"}
LOGGERS = {"log", "logger", "logging"}
# Helpers whose text arguments go to the log, not to the user.
LOG_HELPERS = {"log_refusal", "_expired"}
PROSE = re.compile(r"[A-Za-z]{2,}[^\sA-Za-z]*\s+\S*?[A-Za-z]{2,}")

# Prose literals in the chat layers that are right to stay untranslated, and why.
NOT_FOR_USERS = {
    "SELECT pg_advisory_xact_lock(:key)": "SQL",
    "American Express": "a card network's brand name",
    "can't parse entities": "matches Telegram's error description",
    "can't use file of type (\\w+) as": "matches Telegram's error description",
    "no renderer": "stored in reminders.last_error for operators",
    "recipient unreachable": "stored in reminders.last_error for operators",
    "flood control: retry after ": "exception text for logs",
    "no pending reminders": "`tradeguard reminders list` (operator CLI)",
    " subject  attempts": "`tradeguard reminders list` (operator CLI)",
    "due (UTC)": "`tradeguard reminders list` (operator CLI)",
    "line 1: missing column(s): ": "`tradeguard suppliers import` (operator CLI)",
    "missing answers: ": "exception text for logs; the flow asks for each answer itself",
    "Latin-1 only: no Unicode font was installed when this was made": "PDF metadata",
    "No CJK font was installed when this was made: Han characters are missing": "PDF metadata",
    "recipient erased their data": "stored in reminders.last_error for operators",
}


def chat_modules() -> list[Path]:
    paths = [ROOT / name for name in CHAT_FILES]
    for layer in CHAT_LAYERS:
        target = ROOT / layer
        paths.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return paths


def unmarked_prose(path: Path) -> list[tuple[int, str]]:
    """Prose string literals outside gettext calls, docstrings, logging, raise, assert
    and dictionary keys (lookup codes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt: set[int] = set()

    def exempt_all(node: ast.AST) -> None:
        exempt.update(id(sub) for sub in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                exempt.add(id(first.value))
        elif isinstance(node, ast.Call):
            function = node.func
            name = getattr(function, "id", None) or getattr(function, "attr", None)
            owner = getattr(getattr(function, "value", None), "id", None)
            if name in GETTEXT_CALLS or name in LOG_HELPERS or owner in LOGGERS:
                exempt_all(node)
        elif isinstance(node, ast.Raise | ast.Assert):
            exempt_all(node)
        elif isinstance(node, ast.Dict):
            exempt.update(id(k) for k in node.keys if k is not None)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and PROSE.search(node.value)
        and node.value not in NOT_FOR_USERS
    ]


def test_no_user_facing_string_escapes_translation() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text[:70]!r}"
        for path in chat_modules()
        for line, text in unmarked_prose(path)
    ]
    assert not found, "wrap these in _() (or list them in NOT_FOR_USERS with why):\n" + (
        "\n".join(found)
    )


def test_the_scan_would_catch_an_unmarked_reply(tmp_path: Path) -> None:
    module = tmp_path / "flow.py"
    module.write_text(
        "from bot.i18n import _\n"
        "def prompt():\n"
        '    """Docstrings are fine."""\n'
        '    log.info("logs are fine too")\n'
        '    ok = _("Choose a supplier")\n'
        '    return Reply(text="Choose a supplier please", buttons=[Button(f"Next page {n}")])\n'
    )
    assert [text for _line, text in unmarked_prose(module)] == [
        "Choose a supplier please",
        "Next page ",
    ]
