"""Faces parsed once per process make the same PDFs as fpdf2 parsing them each time.

``bot.services.pdf_fonts`` copies a parsed face into each document and leans on fpdf2's
``TTFFont`` attributes to do it; these tests fail if an fpdf2 upgrade changes them, or
if one document's glyphs leak into the next one's subset. A document in common scripts
gets the face cut down to them: the same glyphs, drawn the same, as from the whole face.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fontTools import ttLib
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


def fonts_of(content: bytes) -> dict[str, dict[str, Any]]:
    """Each embedded font's name and its glyph subset: per glyph, the advance width and
    the outline's points, as a viewer draws them."""
    faces = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            stream = descendant["/FontDescriptor"]["/FontFile2"].get_object()
            face = ttLib.TTFont(io.BytesIO(stream.get_data()))
            glyphs = face["glyf"]
            faces[str(font["/BaseFont"])] = {
                name: (face["hmtx"][name][0], _outline(glyphs, name))
                for name in face.getGlyphOrder()
            }
    return faces


def _outline(glyphs: Any, name: str) -> tuple[Any, ...]:
    glyph = glyphs[name]
    if glyph.numberOfContours == 0:
        return ()
    coordinates, ends, flags = glyph.getCoordinates(glyphs)
    return (list(coordinates), list(ends), bytes(flags))


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def uncached(
    pdf: FPDF, family: str, style: str, path: Path, index: int = 0, *, cut: bool = False
) -> None:
    """fpdf2's own: the whole face, parsed for this document."""
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
    # Cut DejaVu regular and bold, and the whole regular face (whose character map says
    # whether the cut one will do), for each of the two documents.
    assert info.misses == 3 and info.hits == 3


@pytest.mark.parametrize("name", ["Ningbo Textiles Co.", "Ωmega «Текстиль» № 7 — 5 € ≤ 6 ½"])
def test_common_scripts_get_the_cut_face_drawing_the_same_glyphs(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    assert pdf_fonts.fits_cut_face(unicode_font()[0], set(name))  # type: ignore[index]
    cut = render(sheet(name))
    with monkeypatch.context() as patch:
        patch.setattr(spec_sheet.pdf_fonts, "add_font", uncached)
        whole = render(sheet(name))
    assert name in text_of(cut) and text_of(cut) == text_of(whole)
    assert fonts_of(cut) == fonts_of(whole)
    assert (
        len(pdf_fonts._slim_file(unicode_font()[0], 0, cut=True))
        < len(  # type: ignore[index]
            pdf_fonts._slim_file(unicode_font()[0], 0)  # type: ignore[index]
        )
        / 2
    )


def test_a_script_outside_the_common_ones_gets_the_whole_face() -> None:
    armenian = "Երևան Տեքստիլ"  # DejaVu draws Armenian; the cut face does not hold it
    regular = unicode_font()[0]  # type: ignore[index]
    assert not pdf_fonts.fits_cut_face(regular, set(armenian))
    content, complete = spec_sheet.render_checked(sheet(armenian))
    assert complete and armenian in text_of(content)
    faces = fonts_of(content)
    assert list(faces) == [name for name in faces if "DejaVu" in name]  # no fallback needed
    assert any(len(glyphs) > len(set(armenian)) for glyphs in faces.values())
