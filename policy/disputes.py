"""What a dispute may be about, what the buyer brings, and its clock (ch6, ch7, ch10).

Only two grounds exist: late delivery and goods not as specified. "I did not like it",
"not what I expected", "not satisfied" are subjective and the guide says plainly that
they are not grounds (ch6; ch10 question 7), so ``classify_ground`` refuses them with a
code the bot explains, instead of letting a buyer file a dispute that is bound to fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from policy.claims import require_aware
from policy.enums import Ground
from policy.errors import Refusal
from policy.rules import ChecklistItem, Rules

__all__ = [
    "MIN_DECISION_REASON",
    "MIN_INFO_ANSWER",
    "MIN_INFO_QUESTION",
    "MIN_RECORD_NOTE",
    "Ground",
    "auto_escalation_at",
    "classify_ground",
    "detect_grounds",
    "escalation_opens_at",
    "evidence_items",
    "long_enough",
    "may_escalate",
    "required_documents",
    "supplier_response_due",
]


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_NOT = r"(?:not|never|n['’]?t|no longer)"

# Phrases that deny a fault; removed before we look for grounds, so that "no defects,
# I just don't like it" is not read as a defect.
_DENIALS = _rx(
    rf"\b(?:was|were|is|are|it['’]?s|they['’]?re)?\s*{_NOT}\s+(?:been\s+)?(?:late|delayed)\b",
    r"\bon\s+time\b",
    r"\b(?:no|without|not\s+any|zero)\s+(?:visible\s+|real\s+|actual\s+)?"
    r"(?:defects?|damages?|flaws?|faults?|problems?|issues?)\b",
    r"\bnothing\s+(?:is\s+|was\s+)?wrong\b",
)
_NO_DEFECT = _rx(
    r"\b(?:no|without|not\s+any|zero)\s+(?:visible\s+|real\s+|actual\s+)?"
    r"(?:defects?|damages?|flaws?|faults?|problems?)\b",
    r"\bnothing\s+(?:is\s+|was\s+)?wrong\b",
)

_LATE = _rx(
    r"\blate\b",
    r"\bdelay(?:ed|s)?\b",
    r"\boverdue\b",
    r"\bmissed\s+(?:the\s+)?(?:agreed\s+)?(?:delivery\s+|shipping\s+)?(?:deadline|date|due\s+date)\b",
    r"\bafter\s+the\s+(?:agreed\s+)?(?:delivery\s+)?(?:deadline|due\s+date|date)\b",
    rf"\b(?:has|have|did|is|are|was|were|still)?\s*{_NOT}\s+(?:yet\s+)?"
    r"(?:arrived?|been\s+(?:delivered|shipped)|delivered|shipped|received)\b",
    r"\bstill\s+(?:waiting|not\s+here)\b",
    r"\bnever\s+(?:came|arrived)\b",
)
_NOT_AS_SPECIFIED = _rx(
    r"\bwrong\b",
    r"\bincorrect\b",
    r"\bdefect(?:s|ive)?\b",
    r"\bbroken\b",
    r"\bdamaged?\b",
    r"\bfaulty\b",
    r"\bcounterfeit\b|\bfake\b",
    r"\b(?:poor|low|bad)\s+quality\b",
    r"\bmissing\s+(?:items?|parts?|pieces?|units?)\b|\b(?:items?|parts?|pieces?)\s+(?:are\s+|were\s+)?missing\b",
    r"\b(?:fewer|less|short)\b.{0,20}\b(?:than\s+ordered|pieces|units|items)\b",
    rf"\b{_NOT}\s+(?:as|according\s+to|matching|per|to)\s+(?:the\s+)?"
    r"(?:spec(?:s|ified|ification|ifications)?|described|description|contract|agreed|agreement|order|"
    r"ordered|sample|drawings?)\b",
    r"\binstead\s+of\b",
    r"\bnot\s+what\s+(?:i|we)\s+(?:had\s+)?ordered\b",
    rf"\b(?:does|did|do){_NOT}\s+match\b|\bmismatch\b",
    r"\bdifferent\s+(?:colou?r|shade|material|size|weight|dimensions?|length|model|design|fabric|from)\b",
    r"\b(?:colou?r|shade|material|size|weight|dimensions?|length|width|height|thickness|fabric)"
    r"\b.{0,30}\b(?:differ(?:s|ent)?|off|deviat\w*)\b",
    r"\b(?:smaller|bigger|larger|shorter|longer|lighter|heavier|thinner|thicker)\s+than\b",
)
_SUBJECTIVE = _rx(
    rf"\b(?:i|we)?\s*(?:do|did|does)\s*{_NOT}\s+(?:really\s+)?(?:like|love|want|need)\b",
    r"\bdidnt\s+(?:like|want)\b|\bdont\s+(?:like|want)\b",
    r"\bnot\s+(?:what|as)\s+(?:i|we)\s+(?:had\s+)?(?:expected|hoped|imagined|wanted|thought)\b",
    rf"\b{_NOT}\s+meet\s+(?:my|our|your|the)\s+expectations?\b",
    r"\bbelow\s+(?:my|our)\s+expectations?\b|\bexpected\s+(?:better|more)\b",
    r"\b(?:not|un|dis)\s*satisf(?:ied|actory|ying)\b",
    r"\bchanged?\s+(?:my|our)\s+minds?\b",
    r"\bdisappoint(?:ed|ing)\b",
    r"\b(?:no\s+longer|don['’]?t)\s+need\b",
    r"\bfound\s+(?:it\s+|them\s+)?cheaper\b",
    r"\bugly\b|\bhate\b",
    r"\bnot\s+(?:to\s+)?(?:my|our)\s+(?:taste|liking|style)\b",
)


def detect_grounds(text: str) -> tuple[Ground, ...]:
    """Every ground the text names, in the order it names them."""
    cleaned = _DENIALS.sub(" ", text or "")
    found: list[tuple[int, Ground]] = []
    for ground, pattern in (
        (Ground.LATE_DELIVERY, _LATE),
        (Ground.NOT_AS_SPECIFIED, _NOT_AS_SPECIFIED),
    ):
        match = pattern.search(cleaned)
        if match:
            found.append((match.start(), ground))
    return tuple(g for _, g in sorted(found))


def classify_ground(text: str) -> Ground | Refusal:
    """The ground a buyer's complaint rests on, or why it is not a ground.

    An objective fault wins over subjective words ("not satisfied: the colour is wrong"
    is a spec dispute). Refusal codes: ``no_defect`` (goods without a fault, ch10 Q7),
    ``subjective`` (likes, expectations, satisfaction, a change of mind; ch6, ch10 Q7),
    ``no_ground`` (nothing recognisable; the bot asks which of the two grounds applies).
    """
    grounds = detect_grounds(text)
    if grounds:
        return grounds[0]
    valid = (Ground.LATE_DELIVERY.value, Ground.NOT_AS_SPECIFIED.value)
    no_defect = _NO_DEFECT.search(text or "")
    if no_defect:
        return Refusal("no_defect", {"phrase": no_defect.group(0).strip(), "grounds": valid})
    subjective = _SUBJECTIVE.search(text or "")
    if subjective:
        return Refusal("subjective", {"phrase": subjective.group(0).strip(), "grounds": valid})
    return Refusal("no_ground", {"grounds": valid})


# -- checklists (ch7) --------------------------------------------------------------------


def required_documents(
    rules: Rules, *, custom_design: bool = True, has_contract: bool = False
) -> tuple[ChecklistItem, ...]:
    """Documents the dispute team asks the buyer for. Design files only matter for a
    custom design; what the agreed contract version is needs no upload when there is one."""
    return tuple(
        item
        for item in rules.documents
        if (item.when is None or (item.when == "custom_design" and custom_design))
        and not (has_contract and item.from_contract)
    )


def contract_documents(rules: Rules) -> tuple[str, ...]:
    """The checklist ids the agreed contract version stands for."""
    return tuple(item.id for item in rules.documents if item.from_contract)


def evidence_items(rules: Rules, ground: Ground | None = None) -> tuple[ChecklistItem, ...]:
    """The most convincing evidence (ch7), optionally only what serves one ground."""
    return tuple(
        item
        for item in rules.evidence
        if ground is None or not item.grounds or ground in item.grounds
    )


def needs_proof_file(rules: Rules, ground: Ground) -> bool:
    """Whether a claim on ``ground`` needs at least one evidence file (ch7): the record
    proves a late delivery; only the buyer's files can prove goods are not as specified."""
    return ground in rules.grounds.proof_file


def has_proof(rules: Rules, ground: Ground, file_items: Iterable[str]) -> bool:
    """True when the claim's files (their checklist item ids) meet ``needs_proof_file``."""
    if not needs_proof_file(rules, ground):
        return True
    wanted = {item.id for item in evidence_items(rules, ground)}
    return not wanted.isdisjoint(file_items)


# -- the clock (ch6, or the current help pages: see the profiles in rules.toml) ----------


def supplier_response_due(rules: Rules, submitted_at: datetime) -> datetime:
    start = require_aware(submitted_at, "submitted_at")
    return start + timedelta(days=rules.deadlines.supplier_response_days)


def escalation_opens_at(rules: Rules, submitted_at: datetime) -> datetime:
    """From when the buyer may escalate a silent supplier to the dispute team."""
    start = require_aware(submitted_at, "submitted_at")
    return start + timedelta(days=rules.deadlines.escalation_opens_after_days)


def auto_escalation_at(rules: Rules, submitted_at: datetime) -> datetime | None:
    """When the platform escalates by itself; None when the profile has no such rule."""
    start = require_aware(submitted_at, "submitted_at")
    after = rules.deadlines.auto_escalation_after_days
    return None if after is None else start + timedelta(days=after)


def may_escalate(
    rules: Rules, submitted_at: datetime, now: datetime, *, unsatisfactory_answer: bool = False
) -> bool:
    """The buyer may escalate once the window opens, or earlier on an unsatisfactory answer."""
    if unsatisfactory_answer and rules.deadlines.escalate_on_unsatisfactory_answer:
        return True
    return require_aware(now, "now") >= escalation_opens_at(rules, submitted_at)


# A decision binds both parties (ch6), and a note that the record is wrong must say what
# is wrong: "ok", "wrong" or "see file" is not a reason. Counted in characters of text
# (not words: Chinese has no spaces), whitespace collapsed.
MIN_DECISION_REASON = 40
MIN_RECORD_NOTE = 15
# The team's question and a party's answer to it: a question both sides can act on, an
# answer that says something ("see attached" is 12 characters).
MIN_INFO_QUESTION = 30
MIN_INFO_ANSWER = 20


def long_enough(text: str, minimum: int) -> bool:
    """Whether ``text`` has at least ``minimum`` characters once whitespace is collapsed."""
    return len(" ".join(text.split())) >= minimum
