"""Counts the SQL statements and transactions the bot sends, per update handled.

Statements are what an update costs beyond Python: each is a round trip through
SQLAlchemy, the driver's thread (aiosqlite) or the network (asyncpg). The counter listens
on the engine (``before_cursor_execute``, ``begin``) and on ``App.answer``; the bench
divides the two. Statements are grouped by their first words and table, so a repeated
load shows up as one line with a high count.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_SHAPE = re.compile(
    r"^\s*(?P<verb>\w+)(?:.*?\b(?:FROM|INTO|UPDATE)\s+(?P<table>[\w\"]+))?", re.S | re.I
)


def shape(statement: str) -> str:
    """``SELECT users``, ``INSERT processed_updates``, ``BEGIN``: a statement's kind."""
    found = _SHAPE.match(statement)
    if found is None:
        return statement[:40]
    verb = found["verb"].upper()
    table = statement.split()[1] if verb == "UPDATE" else found["table"] or ""
    return f"{verb} {table.strip(chr(34))}".strip()


class StatementCounter:
    """Statements and transactions on one engine, and the updates ``App`` handled."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.transactions = 0
        self.updates = 0
        self.shapes: Counter[str] = Counter()
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_statement)
        event.listen(engine.sync_engine, "begin", self._on_begin)

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        self.shapes[shape(statement)] += 1

    def _on_begin(self, _conn: Any) -> None:
        self.transactions += 1

    def wrap(self, app: Any) -> None:
        """Count ``app.answer`` calls: one per update that reaches the flows."""
        answer = app.answer

        async def counted(incoming: Any) -> Any:
            self.updates += 1
            return await answer(incoming)

        app.answer = counted

    def reset(self) -> None:
        self.statements = self.transactions = self.updates = 0
        self.shapes.clear()

    def summary(self) -> dict[str, Any]:
        per = max(1, self.updates)
        return {
            "updates": self.updates,
            "statements": self.statements,
            "transactions": self.transactions,
            "statements_per_update": round(self.statements / per, 2),
            "transactions_per_update": round(self.transactions / per, 2),
            "top": {name: round(count / per, 2) for name, count in self.shapes.most_common(15)},
        }
