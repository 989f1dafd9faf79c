"""A contract's rows: each label and value drawn where it was measured, so no row runs
into the next.

A label is drawn bold. It used to be measured in the regular face, so a label that fits
one line in regular but wraps to two in bold drew its second line over the next row.
"""

from __future__ import annotations

import io

from fpdf import FPDF
from pypdf import PdfReader

from bot.services import pdf_fonts
from bot.services.spec_sheet import Section, Sheet, render, unicode_font

LABEL_WIDTH = (210 - 2 * 18) * 0.34  # mm: the label column of an A4 sheet's rows
LINE_PT = 4.8 / 25.4 * 72  # a row's line height, in PDF points


def _line_count(text: str, style: str) -> int:
    pdf = FPDF(format="A4")
    family = "Helvetica"
    font = unicode_font()
    if font is not None:
        family = "Sheet"
        pdf_fonts.add_font(pdf, family, "", font[0])
        pdf_fonts.add_font(pdf, family, "B", font[1])
    pdf.add_page()
    pdf.set_font(family, style, 9)
    return len(pdf.multi_cell(LABEL_WIDTH, 4.8, text, dry_run=True, output="LINES"))


def _wider_in_bold() -> str:
    """A label of one line in the regular face and two in bold."""
    for words in range(1, 40):
        label = " ".join(["Wholesale"] * words)
        if _line_count(label, "") == 1 and _line_count(label, "B") == 2:
            return label
    raise AssertionError("no label wraps in bold only: the faces' widths changed")


def _text_heights(content: bytes) -> list[tuple[str, float]]:
    """Every piece of text on the first page with its baseline's height on the page."""
    pieces: list[tuple[str, float]] = []

    def visit(text: str, _cm: object, tm: list[float], _font: object, _size: object) -> None:
        if text.strip():
            pieces.append((text.strip(), tm[5]))

    PdfReader(io.BytesIO(content)).pages[0].extract_text(visitor_text=visit)
    return pieces


def test_a_label_that_wraps_only_in_bold_keeps_the_next_row_below_it() -> None:
    label = _wider_in_bold()
    sheet = Sheet(
        title="Contract",
        subtitle="Order #1",
        sections=[Section(heading="Goods", rows=((label, "cotton"), ("Next row", "follows")))],
    )
    pieces = _text_heights(render(sheet))
    label_lines = [height for text, height in pieces if text.startswith("Wholesale")]
    next_row = [height for text, height in pieces if text in {"Next row", "follows"}]
    assert len(label_lines) == 2, pieces  # drawn on the two lines bold takes
    assert next_row and max(next_row) <= min(label_lines) - LINE_PT * 0.9, pieces


def test_a_row_is_as_tall_as_its_longer_column_and_keeps_every_word() -> None:
    value = " ".join(f"word{n}" for n in range(60))  # several lines in the value column
    sheet = Sheet(
        title="Contract",
        subtitle="Order #1",
        sections=[Section(heading="Goods", rows=(("Packaging", value), ("Next row", "x")))],
    )
    pieces = _text_heights(render(sheet))
    value_lines = [height for text, height in pieces if text.startswith("word")]
    drawn = " ".join(text for text, _height in pieces if text.startswith("word"))
    assert drawn.split() == value.split()
    assert len(value_lines) >= 3
    next_row = [height for text, height in pieces if text == "Next row"]
    assert next_row and next_row[0] <= min(value_lines) - LINE_PT * 0.9
