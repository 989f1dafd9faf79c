"""Vague quality words that no supplier can be held to (ch3).

"Subjective remarks like 'good' or 'well-made' will simply not do in a formal business
setting" (ch3), and "vague order specifications ... weaken your refund claim" (ch6).
Some words are vague whatever follows ("premium", "nice"); others only when no figure
backs them ("durable" alone is vague, "durable: 10,000 cycles" is not).
"""

from __future__ import annotations

import re

from policy.errors import SpecError

_ALWAYS = (
    "good quality", "high quality", "top quality", "best quality", "excellent quality",
    "premium quality", "superior quality", "standard quality", "normal quality",
    "fine quality", "great quality", "good", "nice", "premium", "best", "well-made",
    "well made", "excellent", "perfect", "beautiful", "superior", "first-class",
    "first class", "high-end", "high end", "top-notch", "top notch", "great", "luxury",
    "as usual", "as normal",
)  # fmt: skip
_WITHOUT_FIGURE = (
    "durable", "sturdy", "strong", "robust", "solid", "thick", "heavy-duty", "heavy duty",
    "long-lasting", "long lasting", "soft", "lightweight", "waterproof", "high-strength",
)  # fmt: skip
_EXEMPT = re.compile(r"\bbest\s+before\b|\bgoods\b", re.I)


def _phrases(words: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)  # "good quality" before "good"
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ordered) + r")\b", re.I)


_ALWAYS_RX = _phrases(_ALWAYS)
_FIGURE_RX = _phrases(_WITHOUT_FIGURE)

# A precise answer for the kind of word used; plain English, the bot translates by code.
_EXAMPLES = {
    "quality": "AQL 2.5 inspection (ISO 2859-1); 100% cotton, 180 g/m², PANTONE 18-1663 TCX",
    "durable": "withstands 10,000 open-close cycles without damage",
    "strong": "breaking load at least 500 N",
    "thick": "thickness 2.0 mm ± 0.1 mm",
    "soft": "hardness Shore A 40 ± 5",
    "waterproof": "IPX7: 30 minutes under 1 m of water",
    "lightweight": "weight at most 250 g",
}
_KIND = {
    "durable": "durable", "long-lasting": "durable", "long lasting": "durable",
    "sturdy": "strong", "strong": "strong", "robust": "strong", "solid": "strong",
    "heavy-duty": "strong", "heavy duty": "strong", "high-strength": "strong",
    "thick": "thick", "soft": "soft", "waterproof": "waterproof", "lightweight": "lightweight",
}  # fmt: skip


def vague_terms(text: str) -> tuple[str, ...]:
    """The vague words in a specification answer, in order, lower case."""
    cleaned = _EXEMPT.sub(" ", text or "")
    found = [(m.start(), m.group(0).lower()) for m in _ALWAYS_RX.finditer(cleaned)]
    if not re.search(r"\d", cleaned):
        found += [(m.start(), m.group(0).lower()) for m in _FIGURE_RX.finditer(cleaned)]
    return tuple(dict.fromkeys(term for _, term in sorted(found)))


def detect_vague(text: str) -> SpecError | None:
    """A ``SpecError`` (code ``vague``) describing the vague words, or None if precise.

    Returned rather than raised so a flow can warn about a free-text answer without
    stopping; use ``require_precise`` to refuse.
    """
    terms = vague_terms(text)
    if not terms:
        return None
    kind = _KIND.get(terms[0], "quality")
    return SpecError("vague", {"terms": terms, "text": text}, _EXAMPLES[kind])


def require_precise(text: str) -> str:
    """Return the text if it has no vague words; raise the ``vague`` SpecError if it has."""
    error = detect_vague(text)
    if error is not None:
        raise error
    return text
