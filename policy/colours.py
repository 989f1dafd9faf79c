"""Colours as Pantone codes (ch3), never as words.

"If you ordered a red scarf but a dark red or crimson one was delivered, does it count
as a violation?" (ch3). A colour word cannot be checked against the goods; a Pantone
code can, against the chart. Accepted forms, normalised to ``PANTONE <code>``:
- Fashion, Home + Interiors: "18-1663 TCX", "PANTONE 18-1663 TPX", "11-0601 TCX";
- Pantone Matching System: "186 C", "Pantone 186 C", "PMS 186C", "7621 U";
- named PMS colours, with the Pantone/PMS prefix: "Pantone Warm Red C".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from policy.errors import SpecError

EXAMPLE = "PANTONE 18-1663 TCX"
SOLID_EXAMPLE = "PANTONE 186 C"

_PREFIX = r"(?:(?:PANTONE|PMS)\s*®?\s*)"
_FHI = re.compile(
    rf"{_PREFIX}?(?P<page>1[1-9])\s*-\s*(?P<number>\d{{4}})(?:\s*(?P<suffix>TCX|TPX|TPG|TSX|TN))?"
)
_SOLID = re.compile(rf"{_PREFIX}?(?P<number>\d{{3,5}})\s*-?\s*(?P<suffix>C|U|CP|UP|M|XGC)?")
_NAMES = (
    "WARM RED", "REFLEX BLUE", "PROCESS BLUE", "RUBINE RED", "RHODAMINE RED", "RED 032",
    "BLUE 072", "ORANGE 021", "YELLOW 012", "GREEN 0921", "BRIGHT RED", "DARK BLUE",
    "MEDIUM PURPLE", "MEDIUM YELLOW", "STRONG RED", "PINK", "PURPLE", "VIOLET", "GREEN",
    "YELLOW", "BLACK", "PROCESS CYAN", "PROCESS MAGENTA", "PROCESS YELLOW", "PROCESS BLACK",
)  # fmt: skip
_NAMED = re.compile(
    rf"{_PREFIX}(?P<name>{'|'.join(re.escape(n) for n in _NAMES)}|(?:WARM|COOL)\s+GRAY\s+\d{{1,2}}"
    r"|BLACK\s+\d)\s*(?P<suffix>C|U)?"
)

# Words that name a colour without fixing it. Enough to recognise the attempt and
# explain; anything else that is not a code gets the general "pantone_format".
COLOUR_WORDS = re.compile(
    r"\b(?:red|crimson|scarlet|maroon|burgundy|wine|pink|rose|magenta|orange|coral|peach|"
    r"yellow|gold(?:en)?|amber|beige|cream|ivory|khaki|tan|brown|chocolate|green|olive|lime|"
    r"mint|teal|turquoise|cyan|aqua|blue|navy|indigo|azure|sky|purple|violet|lilac|lavender|"
    r"plum|black|white|off-white|grey|gray|silver|charcoal|multicolou?r|colou?rful)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PantoneColour:
    code: str  # normalised, e.g. "PANTONE 18-1663 TCX", "PANTONE 186 C"
    system: Literal["fhi", "pms"]  # Fashion, Home + Interiors or Pantone Matching System

    def __str__(self) -> str:
        return self.code


def parse_pantone(text: str) -> PantoneColour:
    cleaned = " ".join(re.sub(r"\(.*?\)", " ", text or "").split()).upper()
    if match := _FHI.fullmatch(cleaned):
        suffix = f" {match['suffix']}" if match["suffix"] else ""
        return PantoneColour(f"PANTONE {match['page']}-{match['number']}{suffix}", "fhi")
    if match := _SOLID.fullmatch(cleaned):
        if not match["suffix"]:
            # "186" alone: coated and uncoated prints differ visibly; the letter matters.
            raise SpecError("pantone_suffix", {"code": match["number"]}, SOLID_EXAMPLE)
        return PantoneColour(f"PANTONE {match['number']} {match['suffix']}", "pms")
    if match := _NAMED.fullmatch(cleaned):
        name = " ".join(match["name"].split()).title()
        if not match["suffix"]:
            raise SpecError("pantone_suffix", {"code": name}, "PANTONE Warm Red C")
        return PantoneColour(f"PANTONE {name} {match['suffix']}", "pms")
    word = COLOUR_WORDS.search(text or "")
    if word:
        raise SpecError("colour_word", {"text": text.strip(), "word": word.group(0)}, EXAMPLE)
    raise SpecError("pantone_format", {"text": (text or "").strip()}, EXAMPLE)


# A code inside a sentence ("thread PANTONE 186 C", "18-1663 TCX instead of 19-4052 TCX"):
# with the Pantone/PMS prefix, or an FHI page-number, or a PMS number with its C/U letter.
_IN_TEXT = re.compile(
    rf"\b{_PREFIX}(?:\d{{3,5}}|1[1-9]-\d{{4}}|[A-Z][A-Z ]+?\s(?:C|U))\b"
    r"|\b1[1-9]\s?-\s?\d{4}\b(?:\s*(?:TCX|TPX|TPG|TSX|TN)\b)?"
    r"|\b\d{3,5}\s?(?:C|U|CP|UP)\b",
    re.IGNORECASE,
)


def find_pantone(text: str) -> tuple[str, ...]:
    """The Pantone codes written anywhere in a free-text answer, as typed."""
    return tuple(m.group(0).strip() for m in _IN_TEXT.finditer(text or ""))
