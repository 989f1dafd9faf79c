"""kill -9 at random moments while a buyer opens disputes, then start again.

The terminal chat runs as a real process (as in test_terminal_restart.py). The buyer
walks the dispute flow to "Submit" for several orders; after an answer is typed the
process is killed at a random delay (before, during or after that update's
transaction), started again, and the database is checked before anything else:

* atomic: the answer is either wholly applied (the flow moved exactly one step, or the
  dispute exists with its audit events and reminders) or not at all;
* nothing acknowledged is lost: an answer whose next question was shown is applied;
* no duplicate: one dispute per order, however often "Submit" is retried.

The buyer then picks up where the database says they are (anything the bot does not
know re-shows the current question) and goes on. With ``TRADEGUARD_SECURITY_REPORT``
set, the counts go to ``<that path>.crash.json`` for docs/security.md.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.config import load_settings

REPO = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("TRADEGUARD_CRASH_KILLS", "20"))
ORDERS = 3  # disputes submitted at least; more if the kills need them
SPARE_ORDERS = 12
BUTTON = re.compile(r"^\s+\[(\d+)\] (.*)$")
SETTLED = "now acting as buyer alice"
CHECKLISTS = ("documents", "evidence")

pytestmark = pytest.mark.timeout(600)

# The buyer's answer at each step of the shortest road through /dispute.
ANSWER_AT = {
    "contact": "I have",
    "ground": "Late delivery",
    "record": "The record is right",
    "documents": "I don't have it",
    "evidence": "I don't have it",
    "amount": "The whole order",
    "review": "Submit the dispute",
}


def write_report(key: str, figures: dict[str, Any]) -> None:
    """Merge ``figures`` under ``key`` into ``$TRADEGUARD_SECURITY_REPORT.crash.json``."""
    base = os.environ.get("TRADEGUARD_SECURITY_REPORT")
    if not base:
        return
    path = Path(base + ".crash.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "w") as lock:  # several pytest workers may write at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = json.loads(path.read_text()) if path.exists() else {}
        current[key] = figures
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        os.replace(scratch, path)


class ChatProcess:
    """``python -m bot.cli chat`` with its output collected line by line by a thread."""

    def __init__(self, database: Path, workdir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_")}
        env.update(
            TRADEGUARD_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat"],
            cwd=workdir,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.lines.append("<closed>")
            self.changed.notify_all()

    def mark(self) -> int:
        with self.changed:
            return len(self.lines)

    def since(self, mark: int) -> list[str]:
        with self.changed:
            return self.lines[mark:]

    def wait_for(self, found: Any, mark: int, timeout: float = 30) -> list[str]:
        """Wait until ``found(lines since mark)`` holds; return those lines."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not found(self.lines[mark:]):
                if "<closed>" in self.lines or time.monotonic() > deadline:
                    raise AssertionError("\n".join(self.lines[-40:]))
                self.changed.wait(0.2)
            return self.lines[mark:]

    def type(self, line: str) -> int:
        mark = self.mark()
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return mark

    def say(self, line: str, until: str) -> list[str]:
        return self.wait_for(lambda seen: any(until in s for s in seen), self.type(line))

    def answer(self, line: str) -> tuple[list[str], float]:
        """Type ``line``; return all it printed and how long its reply took to start. The
        chat reads its input in order, so once a following local command has answered,
        the answer's output is complete."""
        started = time.monotonic()
        mark = self.type(line)
        self.wait_for(lambda seen: bool(seen), mark)
        latency = time.monotonic() - started
        self.say("/as buyer alice", until=SETTLED)
        return self.since(mark), latency

    def kill(self) -> None:
        """SIGKILL, then read what it managed to print before dying (up to end of pipe)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.wait_for(lambda seen: "<closed>" in seen, 0)

    def quit(self) -> None:
        if self.process.poll() is None:
            self.type("/quit")
            self.process.wait(timeout=20)


def buttons(lines: list[str]) -> dict[str, str]:
    """The buttons of the last prompt in ``lines``: label -> the number to type."""
    found: dict[str, str] = {}
    for line in lines:
        match = BUTTON.match(line)
        if match is None:
            continue
        if match.group(1) == "1":
            found = {}
        found[match.group(2)] = match.group(1)
    return found


def acknowledged(lines: list[str]) -> bool:
    """The update's reply was printed in full: a new question with buttons, or the result."""
    return bool(buttons(lines)) or any("is submitted" in line for line in lines)


class Ledger:
    """The database as the test reads it between runs of the bot."""

    def __init__(self, database: Path, alice: int) -> None:
        self.engine = create_engine(f"sqlite:///{database}")
        self.alice = alice

    def position(self, order_id: int) -> int:
        """How many of the buyer's answers on this order are applied: one per answer,
        counting the questions answered, the checklist items passed and the submission."""
        with self.engine.connect() as db:
            if db.execute(
                text("SELECT count(*) FROM disputes WHERE order_id = :o"), {"o": order_id}
            ).scalar():
                return 10_000
            row = db.execute(
                text(
                    "SELECT c.history, c.data FROM conversations c JOIN users u "
                    "ON u.id = c.user_id WHERE u.telegram_id = :t AND c.flow = 'dispute'"
                ),
                {"t": self.alice},
            ).first()
        if row is None:
            return 0
        data = json.loads(row.data)
        if int(data.get("order", 0)) != order_id:
            return 0
        # A checklist adds a mark per item passed (its last one also ends the step).
        answered = [h for h in json.loads(row.history) if h not in CHECKLISTS]
        marks = sum(len(data.get(f"{name}_marks", {})) for name in CHECKLISTS)
        return 1 + len(answered) + marks

    def step(self) -> str | None:
        with self.engine.connect() as db:
            return db.execute(
                text(
                    "SELECT c.step FROM conversations c JOIN users u ON u.id = c.user_id "
                    "WHERE u.telegram_id = :t AND c.flow = 'dispute'"
                ),
                {"t": self.alice},
            ).scalar()

    def check_disputes(self) -> int:
        """One dispute at most per order, each complete; returns how many exist."""
        with self.engine.connect() as db:
            per_order = db.execute(
                text("SELECT order_id, count(*) FROM disputes GROUP BY order_id")
            ).all()
            assert all(n == 1 for _o, n in per_order), per_order
            for (dispute_id,) in db.execute(text("SELECT id FROM disputes")).all():
                kinds = db.execute(
                    text("SELECT kind FROM dispute_events WHERE dispute_id = :d ORDER BY id"),
                    {"d": dispute_id},
                ).scalars()
                assert list(kinds) == ["submitted", "supplier_notified"], dispute_id
                reminders = db.execute(
                    text(
                        "SELECT kind FROM reminders WHERE subject_type = 'dispute' "
                        "AND subject_id = :d"
                    ),
                    {"d": dispute_id},
                ).scalars()
                assert "escalation_open" in set(reminders), dispute_id
            orphans = db.execute(
                text(
                    "SELECT count(*) FROM dispute_events WHERE dispute_id NOT IN "
                    "(SELECT id FROM disputes)"
                )
            ).scalar()
            assert orphans == 0
            return len(per_order)

    def close(self) -> None:
        self.engine.dispose()


def seed(database: Path, orders: int) -> list[int]:
    """A migrated database with ``orders`` received orders from alice to sam."""
    import asyncio

    from bot.app import build_app
    from tests.dispute_helpers import make_order

    async def run() -> list[int]:
        app = await build_app(
            load_settings(database_url=f"sqlite+aiosqlite:///{database}", bot_token=None)
        )
        try:
            now = datetime.now(UTC)
            return [await make_order(app, now) for _ in range(orders)]
        finally:
            await app.close()

    return asyncio.run(run())


def start(database: Path, workdir: Path) -> ChatProcess:
    chat = ChatProcess(database, workdir)
    chat.wait_for(lambda seen: any("terminal chat" in s for s in seen), 0, timeout=60)
    chat.say("/as buyer alice", until=SETTLED)
    return chat


def test_kill_9_at_random_moments_loses_no_answer_and_duplicates_no_dispute(
    tmp_path: Path,
) -> None:
    from bot.handlers.terminal import terminal_user_id

    seed_value = int(os.environ.get("TRADEGUARD_CRASH_SEED", str(random.randrange(2**32))))
    rng = random.Random(seed_value)
    database = tmp_path / "crash.db"
    orders = seed(database, ORDERS + SPARE_ORDERS)
    disputed: list[int] = []
    ledger = Ledger(database, terminal_user_id("alice"))
    outcomes: Counter[str] = Counter()
    at_step: Counter[str] = Counter()
    kills = states_checked = restarts = 0
    retried_submits = 0
    latencies: list[float] = []
    delays: list[float] = []

    chat = start(database, tmp_path)
    chat.say("/as supplier sam", until="now acting")  # sam has a chat: claims reach him
    chat.say("/as buyer alice", until="now acting")
    try:
        for order_id in orders:
            if kills >= KILLS and len(disputed) >= ORDERS:
                break
            disputed.append(order_id)
            submit_killed = False
            lines, _latency = chat.answer(f"/dispute {order_id}")
            while ledger.position(order_id) < 10_000:
                step = ledger.step()
                assert step in ANSWER_AT, (seed_value, step)
                number = next(n for label, n in buttons(lines).items() if ANSWER_AT[step] in label)
                before = ledger.position(order_id)
                # Every submission is killed once; other answers at random until KILLS.
                first_submit = step == "review" and not submit_killed
                kill_now = first_submit or (kills < KILLS and rng.random() < 0.5)
                submit_killed = submit_killed or first_submit
                if not kill_now:
                    lines, latency = chat.answer(number)
                    latencies.append(latency)
                    continue
                # Anywhere from before the update is read to after its reply is printed.
                delay = rng.uniform(0, 1.5 * statistics.median(latencies or [0.05]))
                delays.append(delay)
                mark = chat.type(number)
                time.sleep(delay)
                chat.kill()
                kills += 1
                at_step[step] += 1
                seen_ack = acknowledged(chat.since(mark))
                after = ledger.position(order_id)
                states_checked += 1
                # Atomic, and nothing acknowledged is lost.
                assert after in (before, before + 1) or (step == "review" and after == 10_000), (
                    seed_value,
                    step,
                    before,
                    after,
                )
                assert after > before or not seen_ack, (seed_value, step, "acknowledged, lost")
                applied = after != before
                outcomes[
                    "not_applied"
                    if not applied
                    else "applied_and_acknowledged"
                    if seen_ack
                    else "applied_not_acknowledged"
                ] += 1
                ledger.check_disputes()
                states_checked += 1

                chat = start(database, tmp_path)
                restarts += 1
                if step == "review" and applied and not seen_ack:
                    # The buyer never saw "submitted" and tries again: no second dispute.
                    retry = chat.say(f"/dispute {order_id}", until="already covers this order")
                    assert any("already covers" in s for s in retry)
                    retried_submits += 1
                if ledger.position(order_id) < 10_000:
                    # Anything the bot does not know re-shows the current question.
                    lines, _latency = chat.answer("/where_am_i")
        assert ledger.check_disputes() == len(disputed)
        states_checked += 1
    finally:
        chat.quit()
        ledger.close()
    assert kills >= KILLS and at_step["review"] >= len(disputed)
    write_report(
        "kill_9_restart",
        {
            "seed": seed_value,
            "kills": kills,
            "restarts": restarts,
            "states_checked": states_checked,
            "disputes_created": len(disputed),
            "duplicates": 0,
            "lost_answers": 0,
            "kills_by_outcome": dict(outcomes),
            "kills_by_step": dict(at_step),
            "submissions_retried_after_an_unacknowledged_kill": retried_submits,
            "median_reply_seconds": round(statistics.median(latencies), 4),
            "kill_delay_seconds": [round(min(delays), 4), round(max(delays), 4)],
        },
    )
