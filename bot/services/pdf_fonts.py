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
asks for.

Writing a document's subset decompiles the face's glyph tables whole, so its cost grows
with the face: DejaVu has some 6,000 glyphs, most of them for scripts a contract rarely
holds. A document whose characters are all in ``COMMON`` (Latin, Greek, Cyrillic and the
usual signs: every contract in the bot's languages) gets the face cut down to those
ranges, a fourth of the glyphs, drawn exactly the same; any other document gets the
whole face. This leans on fpdf2's ``TTFFont`` attributes (pinned in requirements.lock);
``tests/test_pdf_fonts.py`` compares a cached render with an uncached one, so an fpdf2
upgrade that changes them fails there, not in a buyer's contract.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import cache
from io import BytesIO
from itertools import chain
from pathlib import Path

from fontTools import subset, ttLib
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


# The code points a cut face keeps: Latin with its extensions and spacing modifiers,
# combining accents, Greek, Cyrillic, general punctuation, super- and subscripts,
# currency signs, letterlike symbols, number forms, arrows, mathematical operators and
# geometric shapes. Vietnamese, Armenian, Georgian, Hebrew, Arabic... use the whole face.
COMMON: frozenset[int] = frozenset(
    chain(
        range(0x20, 0x7F), range(0xA0, 0x250), range(0x2B0, 0x530),
        range(0x2000, 0x20D0), range(0x2100, 0x2300), range(0x25A0, 0x2600),
    )
)  # fmt: skip


@cache
def _slim_file(path: Path, index: int, cut: bool = False) -> bytes:
    """The face as a standalone font file without the tables no PDF of ours embeds;
    ``cut``: with the glyphs of ``COMMON`` only."""
    font = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=index)
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    if cut:
        # Glyph names, outlines, hinting, metrics and every name record stay as they are.
        options = subset.Options(
            glyph_names=True, notdef_outline=True, recommended_glyphs=True, hinting=True
        )
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.drop_tables = []
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=COMMON)
        cutter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@cache
def _parsed(path: Path, style: str, index: int, cut: bool = False) -> TTFFont:
    # fpdf2 reads only ``len(fonts)`` and the colour-font switch from the FPDF it is given.
    if not cut:
        return TTFFont(FPDF(), path, "template", style, collection_font_number=index)
    # fpdf2 hands the file to fontTools, which reads a file object as well as a path.
    cut_file = BytesIO(_slim_file(path, index, cut=True))
    return TTFFont(FPDF(), cut_file, "template", style)  # type: ignore[arg-type]


def fits_cut_face(path: Path, characters: Iterable[str]) -> bool:
    """Whether every character of ``characters`` that the face at ``path`` can draw is
    in ``COMMON`` (what it cannot draw goes to a fallback face either way)."""
    drawn = _parsed(path, "", 0).cmap
    return all(ord(ch) in COMMON or ord(ch) not in drawn for ch in characters)


def add_font(
    pdf: FPDF, family: str, style: str, path: Path, index: int = 0, *, cut: bool = False
) -> None:
    """``pdf.add_font(family, style, path, collection_font_number=index)``, parsed once;
    ``cut``: the face cut down to ``COMMON`` (see ``fits_cut_face``)."""
    face = copy.copy(_parsed(path, style, index, cut))
    face.i = len(pdf.fonts) + 1
    face.fontkey = f"{family.lower()}{style}"
    face.biggest_size_pt = 0
    face.missing_glyphs = []
    content = _slim_file(path, index, cut)
    face.ttfont = ttLib.TTFont(BytesIO(content), recalcTimestamp=False, lazy=True)
    face.subset = SubsetMap(face)
    pdf.fonts[face.fontkey] = face
