"""One log line for each refused attempt on something that is not the user's: another
buyer's order, a dispute they are not party to, a forged or replayed button, a guessed
invitation link, a dispute-team command from outside the team.

The user reads the same words whether the thing is missing or someone else's, so a
guessed number reveals nothing; the log (logger ``bot.security``) is where an operator
tells a typo from someone probing. What the user sent is logged with ``repr``, cut short:
a newline in it cannot forge a log line, and a long one cannot flood the log.
"""

from __future__ import annotations

import logging

from bot.flows.base import Ctx

log = logging.getLogger("bot.security")


def log_refusal(ctx: Ctx, what: str, value: object = None, *, suspicious: bool = False) -> None:
    """``suspicious``: cannot happen by mistake (a bad signature, a team command from a
    buyer), logged as a warning; the rest (a stale button, a number that is not theirs)
    may be a slip, logged as information."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:79] + "…"
    log.log(
        logging.WARNING if suspicious else logging.INFO,
        "refused %s to user %s: %s",
        what,
        ctx.user.id,
        shown,
    )
