"""Errors and verdicts that carry a machine code, never an English sentence.

The policy layer decides; the bot layer (``bot/flows/policy_text.py``) words the decision
in the user's language. So every failure here is a ``code`` plus ``params`` that the bot
can translate, and ``str()`` is only a debugging aid for logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class PolicyError(ValueError):
    """A rule said no. ``code`` is stable; ``params`` fill the translated sentence.

    A ``ValueError`` so that callers validating input can catch one familiar type.
    ``example`` is a precise answer the user could give instead (plain English; the bot
    shows its own translation, chosen by ``code``).
    """

    def __init__(
        self, code: str, params: Mapping[str, Any] | None = None, example: str | None = None
    ) -> None:
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        self.example = example
        super().__init__(self._describe())

    def _describe(self) -> str:
        if not self.params:
            return self.code
        inner = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.code} ({inner})"


class MoneyError(PolicyError):
    """An amount or currency that cannot be used as money."""


class CurrencyMismatch(MoneyError):
    """Two amounts in different currencies met; there is no FX data to reconcile them."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__("currency_mismatch", {"left": left, "right": right})


class SpecError(PolicyError):
    """An order-specification answer that is not precise enough for a contract."""

    def __init__(self, code: str, params: Mapping[str, Any] | None, example: str) -> None:
        super().__init__(code, params, example)


class RulesError(PolicyError):
    """The rules file is malformed. ``str()`` is one line naming the file and the key."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        super().__init__("rules_invalid", {"file": file, "key": key, "problem": problem})

    def _describe(self) -> str:
        line = (
            f"{self.file}: {self.key}: {self.problem}"
            if self.key
            else f"{self.file}: {self.problem}"
        )
        # One line, always: an operator greps logs for it.
        return " ".join(line.split())


@dataclass(frozen=True)
class Reason:
    """Why a payment method is (not) suitable, or a caution about it."""

    code: str
    # Left out of the hash (a dict has none): equal verdicts still hash alike by code.
    params: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Refusal:
    """A request the programme does not accept (a subjective dispute ground, PayPal)."""

    code: str
    # Left out of the hash (a dict has none): equal verdicts still hash alike by code.
    params: dict[str, Any] = field(default_factory=dict, hash=False)
