"""A two-colour scarf: each part its Pantone code, on the review, in the order and in the
contract, in the buyer's language and in English; an order of one colour reads as before.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.app import App
from bot.flows import order_sheet
from bot.flows.order_items import item_display
from bot.i18n import use_locale
from policy import SpecError, colour_parts, load_rules, parse_colours
from policy.colours import PantoneColour
from tests.buyer_helpers import (
    SPEC_ANSWERS,
    answer,
    files_in_tmp,  # noqa: F401  (fixture)
    get_order,
    pdf_text,
    saved_files,
)
from tests.conftest import ChatDriver
from tests.test_contract_locales import NOW, objects


async def test_a_two_colour_product_gives_each_part_its_code(
    chat: ChatDriver, app: App, tmp_path: Path
) -> None:
    await chat.say("/find scarf 20000 USD")
    await chat.press("Hangzhou")
    await chat.say("Model SC-2041 long silk scarf")

    refused = await chat.say("186 C, 2935 C")
    assert "Which part is PANTONE 186 C, PANTONE 2935 C for?" in refused
    assert "For example: body PANTONE 186 C, trim PANTONE 2935 C" in refused
    assert "Step 2 of 17" in refused
    refused = await chat.say("body PMS 186 C, trim red")
    assert "“trim red” names a colour but not a shade" in refused
    assert "Step 3 of 17" in await chat.say("body PMS 186 C, trim PMS 2935 C")

    for line in SPEC_ANSWERS[2:]:
        review = await answer(chat, line)
    assert "Colour: body: PANTONE 186 C; trim: PANTONE 2935 C" in review
    assert "is confirmed" in await chat.press("Confirm the specification")

    order = await get_order(app, 1)
    assert order.spec["colour"]["parts"] == [
        {"part": "body", "code": "PANTONE 186 C", "system": "pms"},
        {"part": "trim", "code": "PANTONE 2935 C", "system": "pms"},
    ]
    assert order.spec["colour"]["code"] == "PANTONE 186 C"  # the first, as before
    text = pdf_text(saved_files(tmp_path) / "order-1-specification.pdf")
    assert "body: PANTONE 186 C; trim: PANTONE 2935 C" in text


def test_the_colours_are_in_both_halves_of_a_portuguese_contract() -> None:
    order, supplier, buyer = objects()
    colours = parse_colours("corpo: PANTONE 186 C\nbarra: 18-1663 TCX")
    order.spec = {
        **order.spec,
        "colour": {
            "display": "corpo: PANTONE 186 C; barra: PANTONE 18-1663 TCX",
            "code": "PANTONE 186 C",
            "system": "pms",
            "parts": [
                {"part": c.part, "code": c.colour.code, "system": c.colour.system} for c in colours
            ],
        },
    }
    with use_locale("pt_BR"):
        document = order_sheet.build(order, supplier, buyer, load_rules(), NOW)
    reader = PdfReader(BytesIO(document.content))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert text.count("corpo: PANTONE 186 C; barra: PANTONE 18-1663 TCX") == 2  # pt, then en


def test_an_order_of_one_colour_stored_before_parts_reads_as_before() -> None:
    stored = {"display": "PANTONE 18-1663 TCX", "code": "PANTONE 18-1663 TCX", "system": "fhi"}
    with use_locale("zh_Hans"):
        assert item_display("colour", stored) == "PANTONE 18-1663 TCX"


P186, P2935, WHITE = "PANTONE 186 C", "PANTONE 2935 C", "PANTONE 11-0601 TCX"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("PANTONE 186 C", [(None, "PANTONE 186 C")]),
        ("18-1663 TCX", [(None, "PANTONE 18-1663 TCX")]),
        ("body PMS 186 C, trim PMS 2935 C", [("body", P186), ("trim", P2935)]),
        ("body: 186 C\ntrim - 2935 U", [("body", P186), ("trim", "PANTONE 2935 U")]),
        ("PMS 186 C for the body; 2935 C for the trim", [("body", P186), ("trim", P2935)]),
        ("186 C (body) + 11-0601 TCX (fringe)", [("body", P186), ("fringe", WHITE)]),
        ("主体：186 C，边：2935 C", [("主体", P186), ("边", P2935)]),
        ("stripes Pantone Warm Red C and base 11-0601 TCX",
         [("stripes", "PANTONE Warm Red C"), ("base", WHITE)]),
    ],
)  # fmt: skip
def test_colours_are_read_part_by_part(typed: str, expected: list[tuple[str | None, str]]) -> None:
    assert [(c.part, c.colour.code) for c in parse_colours(typed)] == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("186 C, 2935 C", "colour_part_missing"),  # which is the body's?
        ("186 C trim 2935 C", "colour_part_missing"),
        ("body 186 C, body 2935 C", "colour_part_twice"),
        ("thread red", "colour_word"),
        ("body 186", "pantone_suffix"),
        ("1 186 C", "colour_part_format"),
        ("x 186 C", "colour_part_format"),
        (", ,", "pantone_format"),
        (",".join(f"part{n} 186 C" for n in range(13)), "colours_too_many"),
    ],
)
def test_colours_that_cannot_be_checked_are_refused(typed: str, code: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_colours(typed)
    assert caught.value.code == code
    assert caught.value.example


def test_a_long_colour_answer_tries_few_runs_of_words_as_codes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A code is a few words, so a longer piece is tried whole and then in runs of at most
    MAX_CODE_WORDS at either end: every length was quadratic (50 ms of the event loop
    for a 500-character answer). The refusal stays the most telling one."""
    tried: list[str] = []
    real = colour_parts.parse_pantone

    def counting(text: str) -> PantoneColour:
        tried.append(text)
        return real(text)

    monkeypatch.setattr(colour_parts, "parse_pantone", counting)
    words = 250
    with pytest.raises(SpecError) as caught:
        parse_colours("5 " * words)
    assert caught.value.code == "pantone_format"
    assert len(tried) == 1 + 2 * colour_parts.MAX_CODE_WORDS
    tried.clear()
    with pytest.raises(SpecError) as caught:
        parse_colours("the " * 20 + "red " + "of the scarf " * 20)
    assert caught.value.code == "colour_word"  # seen in the whole piece, not only at its ends
    long_part = "trim of the left sleeve " + "PANTONE ® 19 - 1664 TCX"
    assert [(c.part, c.colour.code) for c in parse_colours(long_part)] == [
        ("trim of the left sleeve", "PANTONE 19-1664 TCX")
    ]
