"""The specification / contract draft as a PDF the buyer can send to the supplier.

This module only lays out text it is given: the flow words every line in the buyer's
language (so translations stay in one place) and hands over a ``Sheet``. A Unicode
TrueType font is used when one is installed (DejaVu on most Linux systems), so names
and answers in Latin, Cyrillic and Greek scripts survive, with a CJK font as fallback for
Chinese, Japanese and Korean (Droid Sans Fallback, WenQuanYi or Noto CJK: DejaVu has no
Han characters, and a Chinese buyer's draft would otherwise lose every one of them).
Without a Unicode font the core Helvetica font is used and the text is reduced to
Latin-1; what is missing is noted in the document's metadata.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.services import pdf_fonts

# Searched in order; the first family with a regular and a bold face wins.
_FONT_CANDIDATES = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
        Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ),
    (
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ),
)

# Fallback for the characters the main font lacks: (file, index in a font collection).
_CJK_CANDIDATES = (
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # SC
    (Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"), 2),
)
NO_UNICODE_FONT = "Latin-1 only: no Unicode font was installed when this was made"
NO_CJK_FONT = "No CJK font was installed when this was made: Han characters are missing"
_LINE = 4.8  # mm: the height of a line of 9 pt text in a row


@dataclass(frozen=True)
class Section:
    heading: str
    rows: Sequence[tuple[str, str]] = ()  # (label, value)
    paragraphs: Sequence[str] = ()
    new_page: bool = False  # start on a new page (the English version of a contract)


@dataclass(frozen=True)
class Sheet:
    title: str
    subtitle: str
    sections: Sequence[Section]
    signatures: Sequence[str] = ()  # one signature block per party, e.g. "Buyer"
    signature_fields: Sequence[str] = ("Name", "Signature", "Date")
    footer: str = ""
    keywords: Sequence[str] = field(default_factory=tuple)


@cache
def unicode_font() -> tuple[Path, Path] | None:
    for regular, bold in _FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


@cache
def cjk_font() -> tuple[Path, int] | None:
    for path, index in _CJK_CANDIDATES:
        if path.is_file():
            return path, index
    return None


def _latin1(text: str) -> str:
    """Core PDF fonts know Latin-1 only: fold what we can (é stays, “ ” become ")."""
    replacements = {
        "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...",
        "×": "x", "≤": "<=", "≥": ">=", "€": "EUR", "\u00a0": " ", "\u202f": " ",
    }  # fmt: skip
    text = "".join(replacements.get(ch, ch) for ch in text)
    folded = unicodedata.normalize("NFKD", text)
    out = []
    for ch in folded:
        if ord(ch) < 256:
            out.append(ch)
        elif not unicodedata.combining(ch):
            out.append("?")
    return unicodedata.normalize("NFC", "".join(out))


class _Pdf(FPDF):
    def __init__(self, footer_text: str, family: str, clean: bool) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.family = family
        self.clean = clean

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=7)
        self.set_text_color(110)
        text = f"{self.footer_text}  ·  {self.page_no()}/{{nb}}"
        self.cell(0, 5, self.clean_text(text), align="C")
        self.set_text_color(0)

    def clean_text(self, text: str) -> str:
        return _latin1(text) if self.clean else text


def _characters(sheet: Sheet) -> set[str]:
    texts = [sheet.title, sheet.subtitle, sheet.footer, *sheet.keywords]
    texts += [*sheet.signatures, *sheet.signature_fields]
    for section in sheet.sections:
        texts += [section.heading, *section.paragraphs]
        texts += [text for row in section.rows for text in row]
    return set("".join(texts))


def _missing_from(pdf: FPDF, family: str, characters: set[str]) -> bool:
    """Whether the regular or bold face of ``family`` lacks one of ``characters``."""
    faces = [pdf.fonts[f"{family.lower()}{style}"] for style in ("", "B")]
    return any(ord(ch) not in face.cmap for ch in characters if not ch.isspace() for face in faces)


def render(sheet: Sheet) -> bytes:
    return render_checked(sheet)[0]


def warm_up() -> None:
    """A first, throwaway sheet: parses and cuts the main font faces and loads fpdf2's
    code paths before a buyer waits for them (the render workers' fork server runs it,
    ``bot.services.pdf_preload``)."""
    render(Sheet(title="tradeguard", subtitle="warm-up", sections=()))


def render_checked(sheet: Sheet) -> tuple[bytes, bool]:
    """The PDF, and whether every character of the sheet could be drawn.

    The metadata note is for whoever opens the file later; the boolean lets the flow tell
    the person receiving it now that a font is missing on the server.
    """
    font = unicode_font()
    family = "Sheet" if font else "Helvetica"
    pdf = _Pdf(sheet.footer, family, clean=font is None)
    unprintable = False  # characters neither the main font nor a fallback can draw
    if font is not None:
        # Contracts in the bot's languages fit the face cut down to common scripts, whose
        # subset is quicker to write; a name in, say, Armenian gets the whole face.
        characters = _characters(sheet)
        cut = pdf_fonts.fits_cut_face(font[0], characters)
        pdf_fonts.add_font(pdf, family, "", font[0], cut=cut)
        pdf_fonts.add_font(pdf, family, "B", font[1], cut=cut)
        # The CJK font is big (~20x DejaVu to parse, once per process; its subset is
        # written into the file): only when some character of this sheet is missing from
        # DejaVu (Han text, typically).
        if _missing_from(pdf, family, characters):
            fallback = cjk_font()
            unprintable = fallback is None
            if fallback is not None:
                path, index = fallback
                # One face, embedded once: bold Han text is drawn regular (the fallback
                # need not match the style). A bold face from the same file was a second
                # subset of the 4 MB font in every Chinese contract.
                pdf_fonts.add_font(pdf, "SheetCJK", "", path, index)
                pdf.set_fallback_fonts(["SheetCJK"], exact_match=False)
    pdf.set_title(pdf.clean_text(sheet.title))
    pdf.set_creator("tradeguard")
    pdf.set_keywords(pdf.clean_text(" ".join(sheet.keywords)))
    if font is None:
        pdf.set_subject(NO_UNICODE_FONT)
    elif unprintable:
        pdf.set_subject(NO_CJK_FONT)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    width = pdf.epw
    t = pdf.clean_text

    pdf.set_font(family, "B", 16)
    pdf.multi_cell(width, 8, t(sheet.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(family, "", 9)
    pdf.set_text_color(80)
    pdf.multi_cell(width, 5, t(sheet.subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(3)

    label_width = width * 0.34
    for section in sheet.sections:
        if section.new_page or pdf.will_page_break(20):
            pdf.add_page()
        pdf.set_font(family, "B", 11)
        pdf.set_fill_color(235, 239, 245)
        pdf.cell(width, 7, t(section.heading), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        for label, value in section.rows:
            _row(pdf, family, label_width, width - label_width, t(label), t(value))
        pdf.set_font(family, "", 9)
        for paragraph in section.paragraphs:
            pdf.multi_cell(width, 4.8, t(paragraph), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.2)
        pdf.ln(2.5)

    if sheet.signatures:
        if pdf.will_page_break(45):
            pdf.add_page()
        pdf.ln(4)
        column = width / len(sheet.signatures)
        top = pdf.get_y()
        for index, party in enumerate(sheet.signatures):
            x = pdf.l_margin + index * column
            pdf.set_xy(x, top)
            pdf.set_font(family, "B", 10)
            pdf.cell(column - 6, 6, t(party), new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_font(family, "", 9)
            for name in sheet.signature_fields:
                pdf.ln(7)
                pdf.set_x(x)
                pdf.cell(column - 6, 5, t(f"{name}: ________________________"))
    return bytes(pdf.output()), font is not None and not unprintable


def _row(pdf: _Pdf, family: str, label_w: float, value_w: float, label: str, value: str) -> None:
    """A label and its value side by side, the row as tall as the longer of the two.

    Each column is broken into lines once, in the face it is drawn in, and those lines are
    drawn as they are: line breaking is most of a contract's render time, and a label
    measured in the regular face but drawn bold could take a line more than measured and
    run into the next row."""
    pdf.set_font(family, "B", 9)
    label_lines = pdf.multi_cell(label_w, _LINE, label, dry_run=True, output="LINES")
    pdf.set_font(family, "", 9)
    value_lines = pdf.multi_cell(value_w, _LINE, value, dry_run=True, output="LINES")
    height = max(len(label_lines), len(value_lines)) * _LINE
    if pdf.will_page_break(height + 1.5):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(family, "B", 9)
    _draw_lines(pdf, pdf.l_margin, top, label_w, label_lines)
    pdf.set_font(family, "", 9)
    _draw_lines(pdf, pdf.l_margin + label_w, top, value_w, value_lines)
    pdf.set_xy(pdf.l_margin, top + height + 1.5)


def _draw_lines(pdf: _Pdf, x: float, top: float, width: float, lines: list[str]) -> None:
    for index, line in enumerate(lines):
        pdf.set_xy(x, top + index * _LINE)
        pdf.cell(width, _LINE, line)
