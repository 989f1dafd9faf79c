"""Hypothesis strategies for what a person (or an attacker) can send the bot: any text
(empty, 4,096 characters and more, control and right-to-left characters, emoji,
markup, SQL-looking text, amounts with wrong units and signs, dates in every form),
commands known and unknown with odd arguments, deep links, stickers and locations,
files of any name, type and size, and button presses nobody was given.

A ``Fuzz`` is resolved into an ``Incoming`` only when it is sent, because some inputs
depend on the moment: a press on the current step with a key it does not have, a
button token from an earlier screen, a shortcut signed for someone else.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st

from bot.flows import tokens
from bot.flows.registry import all_commands
from bot.flows.replies import Attachment, Incoming
from bot.handlers.telegram_common import UNSUPPORTED_KINDS
from tests.hardening_helpers import Person

COMMANDS = sorted(all_commands())

# Characters that break naive code: controls, bidi overrides, zero-width, combining marks,
# a BOM, and letters from right-to-left scripts.
AWKWARD = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u00a0\u00ad"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u2028\u2029\ufeff\ufffd\u0301\u0336"
    "שלוםمرحبا\u0627\u0644"
)
EMOJI = "😀👍🏽🇧🇷👨‍👩‍👧‍👦🧣📦💥🔥❤️‍🔥"
# Hand-picked nasty answers, tried at every step.
CORPUS = (
    "",
    " ",
    "\n\n\t",
    "0",
    "-0",
    "-1",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "1e-999999",
    "9" * 40,
    "99999999999999999999 USD",
    "99999999999999999999999999999999 USD",
    "1e30 USD",
    "-5 USD",
    "−5 USD",
    "$-20,000",
    "20,000,00 USD",
    "1.234.567,89 EUR",
    "0.001 USD",
    "5.5 JPY",
    "100 KWD",
    "20000 XYZ",
    "20000 usd usd",
    "¥100",
    "₿ 1",
    "20000 kg",
    "500 USD pcs",
    "180 x 70 parsecs",
    "-180 x 70 cm",
    "0 x 0 x 0 cm",
    "1e308 x 1e308 cm",
    "99999999999999999999999 g",
    "-120 g",
    "0 g",
    "500 lightyears",
    "1/0 kg",
    "120 g g g",
    "30 L",
    "-500 pcs",
    "0.5 pcs",
    "50% cotton, 60% polyester",
    "200% silk",
    "-100% silk",
    "100% " + "silk " * 200,
    "PANTONE 99-9999 TCX",
    "PANTONE 18-1663",
    "red",
    "good quality",
    "2027-03-01",
    "2027-02-30",
    "2027-13-01",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "1970-01-01",
    "2026-11-25",
    "2026-11-24",
    "01/03/2027",
    "03/01/2027",
    "1.3.2027",
    "31.12.2026",
    "1 March 2027",
    "March 1st, 2027",
    "1 марта 2027",
    "2027年3月1日",
    "tomorrow",
    "yesterday",
    "in 3 weeks",
    "2027-03-01T10:00:00+14:00",
    "@1700000000",
    "Europe/Berlin",
    "Etc/GMT+14",
    "../../etc/passwd",
    "America/Sao_Paulo\x00",
    "UTC",
    "ZZ",
    "US",
    "<b>bold</b>",
    "<b>unclosed",
    "</i>",
    "<script>alert(1)</script>",
    '<a href="tg://user?id=1">x</a>',
    "<tg-spoiler>x</tg-spoiler>",
    "&amp; &lt; & &#0; &#x110000;",
    "*bold* _it_ `code` [link](http://example.com) ~~s~~ ||spoiler||",
    "```\ncode\n```",
    "'; DROP TABLE orders; --",
    "1 OR 1=1",
    "1; DELETE FROM users",
    "%",
    "_",
    "\\",
    "%s %d {0} {name} %(text)s",
    "{{}}",
    "{item}",
    "${jndi:ldap://x}",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    '{"order": 1}',
    "#1",
    "#-1",
    "1",
    "2",
    "3",
    "4294967296",
    "2147483648",
    "9223372036854775808",
    "paypal",
    "PayPal please",
    "I did not like it",
    "the goods arrived late",
    "not as specified",
    "\u202eexe.fdp",
    EMOJI,
)
COMMAND_ARGS = (
    "",
    "0",
    "-1",
    "1",
    "2",
    "7",
    "#3",
    "999999999",
    "2147483648",
    "99999999999999999999999999",
    "1e9",
    "abc",
    "new:1:20000:USD",
    "new:1:1e30:USD",
    "new:1:-5:USD",
    "new:1:0.000001:USD",
    "new:1:NaN:USD",
    "new:99999999999:100:USD",
    "new:1:100:XXX",
    "new::",
    "draft:1",
    "draft:-1",
    "draft:99999999999999999999",
    "scarf 1e30 USD",
    "scarf -5 USD",
    "scarf 20000 USD",
    "inv_",
    "inv_x",
    "inv_" + "A" * 60,
    "inv_../../",
    "inv_%00",
    "_",
    "xyz_abc",
    "<b>",
)


@dataclass(frozen=True)
class Fuzz:
    """One thing sent; ``kind`` says how it is resolved (see ``resolve``)."""

    kind: str
    payload: Any = None

    def __repr__(self) -> str:
        text = repr(self.payload)
        return f"Fuzz({self.kind}, {text[:120]}{'…' if len(text) > 120 else ''})"


def _texts() -> st.SearchStrategy[str]:
    unicode = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
    # NUL and lone surrogates: a JSON update can carry both, PostgreSQL stores neither.
    unstorable = st.text(st.characters(categories=("Cs", "Cc")), min_size=1, max_size=6)
    awkward = st.text(st.sampled_from(AWKWARD + EMOJI + string.printable), max_size=60)
    long = st.builds(
        lambda n, c: (c * n)[:n],
        st.sampled_from((4095, 4096, 4097, 5000, 10_000, 70_000)),
        st.sampled_from(("x", "é", "😀", "\u202e", "a b ", "<b>", "1")),
    )
    mixed = st.builds(
        lambda a, b, c: f"{a}{b}{c}",
        st.sampled_from(("", "\u202e", "\u200f", "\ufeff", " ", "<b>", "-", "+")),
        st.sampled_from(CORPUS),
        st.sampled_from(("", "\x00", "\u202c", EMOJI, " USD", " kg", " cm", "%", "</b>")),
    )
    magnitudes = st.builds(
        lambda digit, exponent, fraction: f"{digit}{'0' * exponent}{fraction}",
        st.integers(min_value=1, max_value=9),
        st.integers(min_value=0, max_value=40),
        st.sampled_from(("", ".5", ".05", ".001", ",5", ",000", ".000.000")),
    )
    numbers = st.builds(
        lambda sign, value, unit: f"{sign}{value} {unit}".strip(),
        st.sampled_from(("", "", "-", "+", "−")),
        st.one_of(
            magnitudes,
            magnitudes,
            st.integers(min_value=-(10**30), max_value=10**30).map(str),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.floats().map(str),
        ),
        st.sampled_from(
            ("", "USD", "EUR", "JPY", "KWD", "XXX", "kg", "g", "cm", "L", "pcs", "%", "$", "€")
        ),
    )
    dates = st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
        st.dates().map(lambda d: d.strftime("%m/%d/%y")),
        st.dates().map(lambda d: d.strftime("%d %B %Y")),
        st.datetimes().map(lambda d: d.isoformat()),
        st.tuples(st.integers(-5, 10_000), st.integers(-1, 14), st.integers(-1, 40)).map(
            lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"
        ),
    )
    # Weighted by repetition: the answers that reach parsers come up most often.
    corpus = st.sampled_from(CORPUS)
    return st.one_of(
        corpus,
        corpus,
        corpus,
        numbers,
        numbers,
        numbers,
        dates,
        dates,
        unicode,
        awkward,
        long,
        mixed,
        unstorable,
    )


def _commands() -> st.SearchStrategy[str]:
    name = st.one_of(
        st.sampled_from(COMMANDS),
        st.sampled_from(COMMANDS).map(str.upper),
        st.sampled_from(COMMANDS).map(lambda c: f"{c}@some_other_bot"),
        st.text(st.sampled_from(string.ascii_letters + string.digits + "_<>&@/"), max_size=40),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
    )
    arg = st.one_of(st.sampled_from(COMMAND_ARGS), st.sampled_from(CORPUS), _texts())
    return st.builds(lambda n, a: f"/{n} {a}".rstrip(), name, arg)


def _attachments() -> st.SearchStrategy[Attachment]:
    names = st.one_of(
        st.none(),
        st.sampled_from(
            (
                "",
                "evidence.pdf",
                "photo.jpg",
                "invoice.exe",
                "evil\u202efdp.exe",
                "../../etc/passwd",
                "a" * 300,
                "<b>x</b>.pdf",
                "name&with&amp.pdf",
                "😀.png",
                "\x00.pdf",
            )
        ),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    )
    mimes = st.one_of(
        st.none(),
        st.sampled_from(
            (
                "application/pdf",
                "image/jpeg",
                "application/x-msdownload",
                "application/octet-stream",
                "text/html",
                "",
                "x/" + "y" * 200,
            )
        ),
    )
    sizes = st.one_of(
        st.none(),
        st.sampled_from((0, 1, 20 * 1024 * 1024, 20 * 1024 * 1024 + 1, 2**31, 2**63 - 1)),
        st.integers(min_value=-(2**40), max_value=2**45),
    )
    return st.builds(
        Attachment,
        file_id=st.one_of(
            st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=80),
            st.sampled_from(("x" * 300, "file id with spaces", "<b>")),
        ),
        kind=st.sampled_from(("document", "photo", "video", "sticker", "")),
        file_unique_id=st.one_of(st.none(), st.text(string.ascii_letters, max_size=200)),
        file_name=names,
        mime_type=mimes,
        size=sizes,
    )


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[A-Za-z]+")
UNITS = (
    "USD", "EUR", "JPY", "KWD", "BTC", "XXX", "usd", "$", "€", "¥", "kg", "g", "t", "lb", "oz",
    "mg", "cm", "mm", "m", "km", "in", "ft", "L", "ml", "gal", "pcs", "pieces", "dozen", "%",
    "lightyears", "TCX", "C", "",
)  # fmt: skip
NUMBERS = (
    "0", "-1", "-0", "0.0000001", "1e30", "NaN", "∞", "１２", "٣", "1,5", "1.500", "1,000,000.5",
    "99999999999999999999", "9" * 32, "1" + "0" * 40, "0.5", "00001", "1_000",
)  # fmt: skip


MUTATIONS = (
    "number", "number", "scale", "scale", "negate", "unit", "unit", "insert", "cut", "repeat",
    "case", "wrap",
)  # fmt: skip


def _mutate(base: str, how: str, pick: int, extra: str) -> str:
    """One mutation of a valid answer (so each step's own parser gets near misses)."""
    numbers = list(_NUMBER.finditer(base))
    words = list(_WORD.finditer(base))
    if how == "number" and numbers:
        found = numbers[pick % len(numbers)]
        return base[: found.start()] + NUMBERS[pick % len(NUMBERS)] + base[found.end() :]
    if how == "scale" and numbers:
        found = numbers[pick % len(numbers)]
        return base[: found.start()] + found.group() + "0" * (pick % 40) + base[found.end() :]
    if how == "negate" and numbers:
        found = numbers[pick % len(numbers)]
        return base[: found.start()] + "-" + base[found.start() :]
    if how == "unit" and words:
        found = words[pick % len(words)]
        return base[: found.start()] + UNITS[pick % len(UNITS)] + base[found.end() :]
    if how == "insert":
        at = pick % (len(base) + 1)
        return base[:at] + extra + base[at:]
    if how == "cut":
        return base[: pick % (len(base) + 1)]
    if how == "repeat":
        return " ".join([base] * (1 + pick % 400))
    if how == "case":
        return base.upper() if pick % 2 else base.lower()
    return extra + base + extra


def near_misses(base: str) -> st.SearchStrategy[str]:
    """The step's valid answer, bent once or twice."""
    once = st.builds(
        _mutate,
        st.just(base),
        st.sampled_from(MUTATIONS),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from((*AWKWARD, *EMOJI, "<b>", "&", "%", "{}", " ", "\n", "'")),
    )
    return st.one_of(once, once.flatmap(near_misses_of))


def near_misses_of(base: str) -> st.SearchStrategy[str]:
    return st.builds(
        _mutate,
        st.just(base),
        st.sampled_from(("number", "scale", "negate", "unit", "insert")),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(tuple(AWKWARD)),
    )


def fuzz_inputs(valid: str | None = None) -> st.SearchStrategy[Fuzz]:
    """Anything at all; with ``valid`` (the step's own valid answer as text), near misses
    of it come up as often as everything else together."""
    callback_garbage = st.one_of(
        st.sampled_from(
            ("", "t", "t::", "t:x:0", "g:::", "g:queue::x", "x" * 65, "t:" + "A" * 8 + ":0")
        ),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=70),
    )
    # (strategy, weight): Hypothesis draws ``one_of`` branches far from evenly, so the
    # kind is drawn as a number and looked up, which keeps these proportions.
    kinds: list[tuple[st.SearchStrategy[Fuzz], int]] = [
        (_texts().map(lambda t: Fuzz("text", t)), 6),
        (_commands().map(lambda t: Fuzz("text", t)), 2),
        (st.sampled_from(COMMAND_ARGS).map(lambda a: Fuzz("text", f"/start {a}")), 1),
        (st.sampled_from(UNSUPPORTED_KINDS).map(lambda k: Fuzz("unsupported", k)), 2),
        (
            st.tuples(_attachments(), st.one_of(st.none(), _texts())).map(
                lambda pair: Fuzz("file", pair)
            ),
            3,
        ),
        (callback_garbage.map(lambda d: Fuzz("callback", d)), 1),
        (
            st.text(string.hexdigits.lower(), min_size=1, max_size=4).map(
                lambda k: Fuzz("wrong_key", k)
            ),
            1,
        ),
        (st.integers(min_value=0, max_value=10_000).map(lambda i: Fuzz("stale", i)), 1),
        (st.tuples(_texts(), _texts()).map(lambda pair: Fuzz("renamed", pair)), 1),
        (
            st.tuples(
                st.sampled_from([*COMMANDS, "nosuch"]),
                st.sampled_from(COMMAND_ARGS),
                st.sampled_from(("self", "other", "bad")),
            ).map(lambda t: Fuzz("shortcut", t)),
            2,
        ),
    ]
    if valid is not None:  # near misses of the step's own answer: as many as the rest
        near = near_misses(valid).map(lambda t: Fuzz("text", t))
        kinds.append((near, sum(weight for _kind, weight in kinds)))
    table = [strategy for strategy, weight in kinds for _n in range(weight)]
    return st.integers(min_value=0, max_value=len(table) - 1).flatmap(lambda n: table[n])


async def resolve(fuzz: Fuzz, person: Person) -> Incoming:
    """The ``Incoming`` this input means for ``person`` now."""
    sender = person.sender()
    if fuzz.kind == "text":
        return Incoming(sender=sender, text=fuzz.payload)
    if fuzz.kind == "renamed":  # a new first name in Telegram arrives with the next message
        name, text = fuzz.payload
        return Incoming(sender=replace(sender, display_name=name), text=text)
    if fuzz.kind == "unsupported":
        return Incoming(sender=sender, unsupported=fuzz.payload)
    if fuzz.kind == "file":
        attachment, caption = fuzz.payload
        return Incoming(sender=sender, text=caption, attachment=attachment)
    if fuzz.kind == "callback":
        return Incoming(sender=sender, callback=fuzz.payload)
    if fuzz.kind == "wrong_key":
        # The current step's own nonce, with a key it did not hand out.
        conversation = await person.conversation()
        nonce = conversation.nonce if conversation is not None else "AAAAAAAA"
        key = fuzz.payload
        if conversation is not None and key in conversation.choices:
            key = f"{key}0"
            while key in conversation.choices:
                key += "0"
        return Incoming(sender=sender, callback=tokens.step_token(nonce, key))
    if fuzz.kind == "stale":
        conversation = await person.conversation()
        current = conversation.nonce if conversation is not None else None
        old = [t for t in person.seen_tokens if current is None or f":{current}:" not in t]
        data = old[fuzz.payload % len(old)] if old else "t:AAAAAAAA:0"
        return Incoming(sender=sender, callback=data)
    if fuzz.kind == "shortcut":
        command, arg, signer = fuzz.payload
        arg = arg.replace(":", "")[:20]
        secret = person.app.secret
        if signer == "self":  # made by the bot for this user: the command still checks
            data = tokens.shortcut_token(secret, person.telegram_id, command, arg)
        elif signer == "other":  # another user's button, replayed
            data = tokens.shortcut_token(secret, person.telegram_id + 1, command, arg)
        else:
            data = f"g:{command}:{arg}:{'A' * 16}"
        return Incoming(sender=sender, callback=data[:64])
    raise AssertionError(f"unknown fuzz kind {fuzz.kind}")
