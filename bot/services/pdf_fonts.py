"""TrueType faces parsed once per process, not once per PDF.

``FPDF.add_font`` parses the whole font with fontTools every time: DejaVu Sans costs
~30 ms a face, the CJK fallback (Droid Sans Fallback, 4 MB) ~20 times that, and a
contract uses two or four faces. That was 70% of a contract's render time
(bench/README.md, issue 18, third round). What ``add_font`` derives from the file (the
character map, the widths, the glyph ids, the font descriptor) never changes, so the
render worker keeps one parsed face per file and style and gives each document a
shallow copy of it.

Only what a document changes is fresh in each copy: the subset of glyphs it used, its
missing glyphs, its largest size, its resource number, and the fontTools ``TTFont``
itself, which fpdf2 subsets *in place* when it writes the file. That ``TTFont`` is
opened lazily from bytes kept in memory, so it reads only the tables the subsetter
asks for. This leans on fpdf2's ``TTFFont`` attributes (pinned in requirements.lock);
``tests/test_pdf_fonts.py`` compares a cached render with an uncached one, so an fpdf2
upgrade that changes them fails there, not in a buyer's contract.
"""

from __future__ import annotations

import copy
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

# Tables fpdf2's writer drops from every embedded subset (fpdf/output.py, ``_add_fonts``).
# Dropped once here, the subsetter no longer decompiles them per document (DejaVu's GSUB
# and GPOS alone were a fifth of a render). Plus the legacy ``kern`` table, which the
# subsetter drops itself while GPOS is there (its ``legacy_kern`` option).
_UNUSED_TABLES = (
    "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC",
    "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR", "kern",
)  # fmt: skip


@cache
def _slim_file(path: Path, index: int) -> bytes:
    """The face as a standalone font file without the tables no PDF of ours embeds."""
    font = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=index)
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@cache
def _parsed(path: Path, style: str, index: int) -> TTFFont:
    # fpdf2 reads only ``len(fonts)`` and the colour-font switch from the FPDF it is given.
    return TTFFont(FPDF(), path, "template", style, collection_font_number=index)


def add_font(pdf: FPDF, family: str, style: str, path: Path, index: int = 0) -> None:
    """``pdf.add_font(family, style, path, collection_font_number=index)``, parsed once."""
    face = copy.copy(_parsed(path, style, index))
    face.i = len(pdf.fonts) + 1
    face.fontkey = f"{family.lower()}{style}"
    face.biggest_size_pt = 0
    face.missing_glyphs = []
    face.ttfont = ttLib.TTFont(BytesIO(_slim_file(path, index)), recalcTimestamp=False, lazy=True)
    face.subset = SubsetMap(face)
    pdf.fonts[face.fontkey] = face
