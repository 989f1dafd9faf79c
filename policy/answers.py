"""Descriptive free-text answers, checked before they become contract terms (ch3, ch6).

The figures have their parsers (measures, materials, colours, dates); the answers that
describe (the design variant, a customisation, the carton board, an inspection company
typed by name, what a buyer received, a team decision's reason) have these checks.
Each returns the answer, whitespace collapsed, or raises ``SpecError(code, params,
example)``, the same as the parsers, so a flow refuses any of them with one call.

What makes an answer unusable, by kind:
- vague words that no supplier can be held to ("good quality", "premium"; see ``vague``);
- a placeholder instead of an answer ("x", "-", "any", "same as before");
- a colour word with no Pantone code ("thread red"): a dark red delivery would match;
- for an inspection company, the buyer or the supplier themselves ("me myself"): the
  guide wants an independent check, a party's own looks biased (ch3);
- for what was received, nothing the team could measure: no Pantone code, no figure;
- for a contract party, a name without an address.
"""

from __future__ import annotations

import re

from policy.colours import COLOUR_WORDS, find_pantone
from policy.errors import SpecError
from policy.vague import detect_vague, vague_terms

DESIGN_EXAMPLE = "model SC-180 silk scarf, paisley print, as listed"
CUSTOMISATION_EXAMPLE = "embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C"
BOARD_EXAMPLE = "5-ply corrugated, BC flute, 44 ECT"
INSPECTOR_EXAMPLE = "Bureau Veritas"
RECEIVED_EXAMPLE = "PANTONE 19-4052 TCX instead of 18-1663 TCX on 120 of 500 pieces"
PLACE_EXAMPLE = "Ningbo, China"
PARTY_EXAMPLE = "Hangzhou Silk Co., Ltd., 88 Wensan Road, Hangzhou 310012, China"
REASON_EXAMPLE = (
    "The SGS report of 3 May shows 120 of 500 scarves in PANTONE 19-4052 TCX instead of "
    "18-1663 TCX; 24% of the order is refunded."
)
QUESTION_EXAMPLE = (
    "Send the bill of lading and the port's release notice with the date the container left Ningbo."
)
INFO_ANSWER_EXAMPLE = (
    "The container left Ningbo on 3 Nov (bill of lading attached); the port held it 12 days."
)

_WORD = re.compile(r"[^\W_]+")  # letters or digits, any script
_FIGURE = re.compile(r"\d")
# Answers that stand for no answer at all. Compared with the whole answer, lower case,
# punctuation dropped.
_PLACEHOLDERS = frozenset({
    "x", "xx", "xxx", "n a", "na", "none", "nothing", "no", "yes", "ok", "okay", "any",
    "anything", "whatever", "idk", "dunno", "test", "asdf", "qwerty", "tbd", "tba", "todo",
    "same", "same as before", "as before", "as usual", "usual", "standard", "default",
    "normal", "regular", "the usual", "the same", "like the sample", "as the sample",
    "see chat", "see above", "see file", "as discussed", "as agreed", "you know",
    "your choice", "up to you", "supplier s choice", "nice one", "ok thanks", "nobody",
    "no one", "noone",
})  # fmt: skip
# Words by which a buyer names themself or the other party instead of an inspector.
_PARTIES = re.compile(
    r"\b(?:i|me|myself|mine|my|we|us|our|ours|ourselves|self|own|in-house|inhouse|buyer|"
    r"seller|supplier|supplier's|factory|manufacturer|vendor|friend|"
    r"cousin|brother|sister|wife|husband|colleague)\b",
    re.I,
)
# Grade words that name a board without a figure ("double wall", "BC flute", "kraft").
_BOARD_GRADES = re.compile(
    r"\b(?:single|double|triple)[\s-]wall\b|\b(?:[abcef]{1,2})[\s-]flute\b|\bkraft\b", re.I
)
# A board figure means something only with its unit: "5-ply", "44 ECT", "200 gsm",
# "32 lb", "200#" (the burst test). A bare "5" could be anything. The figure is tried
# from the first digit of a run only (``(?<!\d)``): from every digit, a long run of them
# made the search quadratic (20,000 digits: 27 s); a run's start matches whenever a
# later digit would.
_BOARD_FIGURE = re.compile(
    r"(?<!\d)\d+(?:[.,]\d+)?\s*(?:-?\s*(?:ply|plies|layers?|walls?)\b|ect\b|bct\b|gsm\b|"
    r"g\s*/\s*m(?:2|²)|lbs?\b|kgf\b|kpa\b|psi\b|#)",
    re.I,
)
# What a customisation adds to the product: a mark like these has a size, or the
# supplier may make it any size ("logo printed").
_ADDED_MARK = re.compile(
    r"\b(?:logos?|print(?:ed|ing)?|embroider(?:y|ed)?|engrav(?:e|ed|ing)|emboss(?:ed|ing)?|"
    r"stamp(?:ed)?|monogram(?:med)?|patch(?:es)?|stickers?|decals?)\b",
    re.I,
)


def _collapsed(text: str | None) -> str:
    return " ".join((text or "").split())


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _refuse_vague(text: str, example: str) -> None:
    if (error := detect_vague(text)) is not None:
        raise SpecError(error.code, error.params, example)


def _refuse_placeholder(text: str, code: str, example: str) -> None:
    key = _key(text)
    letters = sum(ch.isalnum() for ch in key)
    if key in _PLACEHOLDERS or letters < 2:
        raise SpecError(code, {"text": text}, example)


def _refuse_colour_word(text: str, example: str) -> None:
    """A colour named by a word and no Pantone code anywhere in the answer."""
    word = COLOUR_WORDS.search(text)
    if word and not find_pantone(text):
        raise SpecError("colour_without_code", {"text": text, "word": word.group(0)}, example)


# Shade words that, with colour words only, still name no design or company ("dark red").
_SHADES = frozenset({"dark", "light", "bright", "pale", "deep", "medium", "mid", "neon"})


def _refuse_colour_only(text: str, code: str, example: str) -> None:
    """An answer that is nothing but a colour ("red", "navy blue") names no variant and no
    company; the colour has its own step, as a Pantone code."""
    words = _WORD.findall(text.lower())
    if words and all(w in _SHADES or COLOUR_WORDS.fullmatch(w) for w in words):
        raise SpecError(code, {"text": text}, example)


def check_design(text: str | None) -> str:
    """The variant as the supplier lists it: a model number or name, not "x" or "any"."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "design_vague", DESIGN_EXAMPLE)
    _refuse_colour_only(answer, "design_vague", DESIGN_EXAMPLE)
    _refuse_vague(answer, DESIGN_EXAMPLE)
    return answer


def check_customisation(text: str | None) -> str:
    """Each change exactly: no vague words, a colour only as a Pantone code, and a mark
    that is added (a logo, a print, an embroidery) with its size."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "customisation_vague", CUSTOMISATION_EXAMPLE)
    _refuse_vague(answer, CUSTOMISATION_EXAMPLE)
    _refuse_colour_word(answer, CUSTOMISATION_EXAMPLE)
    if not re.search(r"[^\W\d_]", answer):  # "12345": a figure, but of which change?
        raise SpecError("customisation_vague", {"text": answer}, CUSTOMISATION_EXAMPLE)
    if _ADDED_MARK.search(answer) and not _FIGURE.search(answer):
        raise SpecError("customisation_vague", {"text": answer}, CUSTOMISATION_EXAMPLE)
    return answer


def check_board(text: str | None) -> str:
    """A carton board grade the supplier can be held to: a figure with its unit (plies,
    ECT, g/m²) or a named grade ("double wall", "BC flute")."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "board_vague", BOARD_EXAMPLE)
    _refuse_vague(answer, BOARD_EXAMPLE)
    if not _BOARD_FIGURE.search(answer) and not _BOARD_GRADES.search(answer):
        raise SpecError("board_vague", {"text": answer}, BOARD_EXAMPLE)
    return answer


def check_inspector(text: str | None) -> str:
    """An inspection company typed by name: a company, not the buyer or the supplier."""
    answer = _collapsed(text)
    if _PARTIES.search(answer):
        raise SpecError("inspector_party", {"text": answer}, INSPECTOR_EXAMPLE)
    _refuse_placeholder(answer, "inspector_vague", INSPECTOR_EXAMPLE)
    _refuse_colour_only(answer, "inspector_vague", INSPECTOR_EXAMPLE)
    _refuse_vague(answer, INSPECTOR_EXAMPLE)
    return answer


def check_place(text: str | None) -> str:
    """An Incoterms named place or the destination: somewhere a carrier can find, not "x"
    or "as usual"; the risk passes there, so a placeholder leaves it nowhere."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "place_vague", PLACE_EXAMPLE)
    _refuse_vague(answer, PLACE_EXAMPLE)
    return answer


def check_party(text: str | None) -> str:
    """A party's legal name with its address: a contract binds a registered company at a
    place, so a bare name ("ACME") is not enough. Two parts (a comma between name and
    address) or a street or postal number count as an address."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "party_incomplete", PARTY_EXAMPLE)
    _refuse_vague(answer, PARTY_EXAMPLE)
    parts = [p for p in re.split(r"[,;，、]", answer) if _WORD.search(p)]
    if len(parts) < 2 and not _FIGURE.search(answer):
        raise SpecError("party_incomplete", {"text": answer}, PARTY_EXAMPLE)
    return answer


def check_received(text: str | None) -> str:
    """What arrived, as the team can check it: a Pantone code, a percentage, a figure with
    its unit or a count; "wrong blue" or "too small" is not."""
    answer = _collapsed(text)
    _refuse_vague(answer, RECEIVED_EXAMPLE)
    _refuse_colour_word(answer, RECEIVED_EXAMPLE)
    if not find_pantone(answer) and not _FIGURE.search(answer):
        raise SpecError("received_unmeasurable", {"text": answer}, RECEIVED_EXAMPLE)
    return answer


def check_decision_reason(text: str | None) -> str:
    """A team decision's reason binds both parties (ch6): it names what was or was not met.
    Vague praise or blame without a figure ("good quality, nice supplier") is refused;
    the length rule (``MIN_DECISION_REASON``) is checked by the caller."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "reason_vague", REASON_EXAMPLE)
    words = _WORD.findall(answer.lower())
    if len(words) >= 4 and len(set(words)) < 4:  # "ok ok ok ok ...", padded to the length
        raise SpecError("reason_vague", {"text": answer, "terms": ()}, REASON_EXAMPLE)
    if vague_terms(answer) and not _FIGURE.search(answer):
        raise SpecError(
            "reason_vague", {"text": answer, "terms": vague_terms(answer)}, REASON_EXAMPLE
        )
    return answer


def _refuse_padding(answer: str, code: str, example: str) -> None:
    words = _WORD.findall(answer.lower())
    if len(words) >= 4 and len(set(words)) < 4:  # "ok ok ok ok ...", padded to the length
        raise SpecError(code, {"text": answer, "terms": ()}, example)


# Words any request could be made of: a question made only of them ("please send more
# information about the order as soon as possible") names nothing to send or explain.
_GENERIC_REQUEST = frozenset({
    "a", "about", "additional", "all", "an", "and", "any", "as", "asap", "can", "case",
    "clarify", "could", "detail", "details", "dispute", "document", "documents",
    "everything", "evidence", "explain", "explanation", "for", "further", "give", "happened",
    "info", "information", "is", "it", "kindly", "me", "more", "need", "of", "on", "order",
    "please", "pls", "possible", "problem", "proof", "provide", "quickly", "regarding",
    "send", "some", "soon", "thank", "thanks", "that", "the", "this", "to", "us", "we",
    "what", "why", "would", "you", "your",
})  # fmt: skip


def check_info_question(text: str | None) -> str:
    """The dispute team's question to a party: what to send or explain, not "more info
    please" or "is the quality good?", which nobody can answer usefully. The length rule
    (``MIN_INFO_QUESTION``) is checked by the caller."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "question_vague", QUESTION_EXAMPLE)
    _refuse_padding(answer, "question_vague", QUESTION_EXAMPLE)
    if set(_WORD.findall(answer.lower())) <= _GENERIC_REQUEST:
        raise SpecError("question_vague", {"text": answer, "terms": ()}, QUESTION_EXAMPLE)
    if vague_terms(answer) and not _FIGURE.search(answer):
        raise SpecError(
            "question_vague", {"text": answer, "terms": vague_terms(answer)}, QUESTION_EXAMPLE
        )
    return answer


def check_info_answer(text: str | None) -> str:
    """A party's answer to the team: facts that can be checked, as for the supplier's
    explanation ("it was fine, good quality" is refused); ``MIN_INFO_ANSWER`` by the caller."""
    answer = _collapsed(text)
    _refuse_placeholder(answer, "info_answer_vague", INFO_ANSWER_EXAMPLE)
    _refuse_padding(answer, "info_answer_vague", INFO_ANSWER_EXAMPLE)
    _refuse_vague(answer, INFO_ANSWER_EXAMPLE)
    return answer
