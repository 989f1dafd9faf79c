"""A product's colours: one Pantone code, or one per part it applies to (ch3).

A two-colour scarf is checked part by part against the chart, so each code carries the
part it is for: "body PMS 186 C, trim PMS 2935 C", "PANTONE 186 C for the body", or one
per line. A single code needs no part (the whole product is that colour); several codes
without their parts are refused, because nobody could tell which is the body's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policy.colours import COLOUR_WORDS, PantoneColour, parse_pantone
from policy.errors import SpecError

EXAMPLE = "body PANTONE 186 C, trim PANTONE 2935 C"
MAX_COLOURS = 12
MAX_PART = 60
MAX_CODE_WORDS = 8  # "PANTONE ® 19 - 1664 TCX", "PMS ® Cool Gray 11 C": six at most

# Between colours: a line, ";", ",", "+", "&", " and ", " / " (and the CJK commas).
_SEPARATORS = re.compile(r"[\n;,+&，；、]|\s/\s|\band\b", re.IGNORECASE)
# Words that join a part and its code: "body: 186 C", "186 C for the body", "body in 186 C".
_FILLERS = re.compile(r"^(?:for|on|in|of|is|the|colou?r)\s+|\s+(?:in|is|colou?r)$", re.IGNORECASE)
_PUNCTUATION = " :=-–—·："


@dataclass(frozen=True)
class ColourPart:
    part: str | None  # as typed ("body", "trim"); None when the whole product is one colour
    colour: PantoneColour


def parse_colours(text: str) -> tuple[ColourPart, ...]:
    """Every colour of the answer, in order, or a ``SpecError`` saying what to fix."""
    pieces = [" ".join(p.split()) for p in _SEPARATORS.split(text or "")]
    pieces = [p for p in pieces if p.strip(" .")]
    if not pieces:
        raise SpecError("pantone_format", {"text": (text or "").strip()}, EXAMPLE)
    if len(pieces) > MAX_COLOURS:
        raise SpecError("colours_too_many", {"max": MAX_COLOURS}, EXAMPLE)
    parts = tuple(_one(piece.strip(" .")) for piece in pieces)
    if len(parts) > 1:
        unnamed = [p.colour.code for p in parts if p.part is None]
        if unnamed:
            raise SpecError("colour_part_missing", {"codes": tuple(unnamed)}, EXAMPLE)
        seen: set[str] = set()
        for p in parts:
            key = (p.part or "").casefold()
            if key in seen:
                raise SpecError("colour_part_twice", {"part": p.part}, EXAMPLE)
            seen.add(key)
    return parts


def _one(piece: str) -> ColourPart:
    """ "trim PMS 2935 C", "PMS 2935 C (trim)", "186 C": the code and the part around it."""
    bracketed = re.search(r"\((?P<inner>[^()]*)\)", piece)
    outside = re.sub(r"\([^()]*\)|[:：=]", " ", piece)  # "主体：186 C" is two words
    words = outside.split()
    reason: SpecError | None = None
    # The longest run of words at either end that reads as a code; the rest is the part.
    # The whole piece first (its refusal is the most telling), then runs of at most
    # MAX_CODE_WORDS: no code is longer, and trying every length was quadratic in the
    # words (500 characters: 50 ms on the event loop).
    splits = [(words, [])]
    for size in range(min(len(words) - 1, MAX_CODE_WORDS), 0, -1):
        splits += [(words[-size:], words[:-size]), (words[:size], words[size:])]
    for code_words, rest in splits:
        try:
            colour = parse_pantone(" ".join(code_words))
        except SpecError as exc:
            if reason is None and exc.code != "pantone_format":
                reason = exc  # "186" without C/U, "red": the most telling reason
            continue
        part = " ".join(rest)
        # "(body)" names the part; "(Classic Blue)" is the shade's own name, which the
        # code already fixes: a part of that name would mislabel the product.
        inner = bracketed["inner"].strip() if bracketed else ""
        if inner and not COLOUR_WORDS.search(inner):
            part = f"{part} {inner}"
        return ColourPart(_part(part), colour)
    raise reason or SpecError("pantone_format", {"text": piece}, EXAMPLE)


def _part(text: str) -> str | None:
    part = " ".join(text.split()).strip(_PUNCTUATION)
    while (stripped := _FILLERS.sub("", part).strip(_PUNCTUATION)) != part:
        part = stripped
    if not part:
        return None
    if (
        len(part) > MAX_PART
        or not re.search(r"[^\W\d_]", part)
        or re.fullmatch(r"[a-z]", part, re.I)
    ):
        raise SpecError("colour_part_format", {"part": part[:MAX_PART]}, EXAMPLE)
    words = part.split()
    for size in range(1, min(len(words), 4) + 1):
        for start in range(len(words) - size + 1):
            try:
                code = parse_pantone(" ".join(words[start : start + size]))
            except SpecError:
                continue
            # "186 C trim 2935 C": two codes with nothing between them.
            raise SpecError("colour_part_missing", {"codes": (code.code,)}, EXAMPLE)
    return part
