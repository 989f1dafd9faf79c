"""Faces parsed once per process make the same PDFs as fpdf2 parsing them each time.

``bot.services.pdf_fonts`` copies a parsed face into each document and leans on fpdf2's
``TTFFont`` attributes to do it; these tests fail if an fpdf2 upgrade changes them, or
if one document's glyphs leak into the next one's subset.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from bot.services import pdf_fonts, spec_sheet
from bot.services.spec_sheet import Section, Sheet, cjk_font, render, unicode_font

pytestmark = pytest.mark.skipif(
    unicode_font() is None or cjk_font() is None, reason="needs .ci/fonts.sh (CI installs it)"
)


def sheet(name: str) -> Sheet:
    return Sheet(
        title=f"Contract for {name}",
        subtitle="Order 7",
        sections=[Section("Parties", rows=(("Supplier", name), ("Material", "100% хлопок")))],
        signatures=("Buyer", "Supplier"),
    )


def fonts_of(content: bytes) -> dict[str, int]:
    """Each embedded font's name and the size of its font file (its glyph subset)."""
    sizes = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            stream = descendant["/FontDescriptor"]["/FontFile2"].get_object()
            sizes[str(font["/BaseFont"])] = len(stream.get_data())
    return sizes


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def uncached(pdf: FPDF, family: str, style: str, path: Path, index: int = 0) -> None:
    pdf.add_font(family, style, str(path), collection_font_number=index)


@pytest.mark.parametrize("name", ["Ningbo Textiles Co.", "宁波纺织有限公司"])
def test_a_cached_face_writes_the_same_text_and_subsets_as_fpdf2(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    render(sheet("Ωmega Ltd. 株式会社"))  # warm the cache with other glyphs first
    cached = render(sheet(name))
    with monkeypatch.context() as patch:
        patch.setattr(spec_sheet.pdf_fonts, "add_font", uncached)
        plain = render(sheet(name))
    assert name in text_of(cached) and "хлопок" in text_of(cached)
    assert text_of(cached) == text_of(plain)
    assert fonts_of(cached) == fonts_of(plain)  # same faces, same glyphs, nothing leaked


def test_each_document_gets_its_own_subset() -> None:
    before = fonts_of(render(sheet("A")))
    render(sheet("ÀÉÎÕÜ ÇÑ ŁŚŻ ĞŞİ ЖЩЮЯ ΣΨΩ"))
    after = fonts_of(render(sheet("A")))
    assert before == after


def test_a_face_is_parsed_once_per_file_and_style(monkeypatch: pytest.MonkeyPatch) -> None:
    pdf_fonts._parsed.cache_clear()
    render(sheet("one"))
    render(sheet("two"))
    info = pdf_fonts._parsed.cache_info()
    assert info.misses == 2 and info.hits == 2  # DejaVu regular and bold, twice each
