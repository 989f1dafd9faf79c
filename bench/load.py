"""Simulated buyers talking to the real bot through the Bot API emulator.

The bot runs in its own process (``bench.bot_process``: the real runtime, pinned to
one core); this process runs the emulator on 127.0.0.1 and the buyers. A buyer sends
an update (a message or a button press) and waits for the bot's answer, then sends the
next one: by default a closed loop with no think time, so N buyers keep at most N
updates in flight (a stress test: the throughput is the bot's ceiling). With ``think``
each buyer pauses before every update for a random time (exponential, that mean,
seeded per buyer), as a person reads and types: the latency then is what people would
feel at that offered load. A step's latency is from the update entering the emulator's
queue to the bot's first answer arriving at the emulator: what the user feels (the long
poll's hand-over, the bot's work, and the HTTP call that delivers the answer).

One journey, repeated by every buyer, is the mix of steps users make most:

* search: ``/find scarf 20000 USD`` and the supplier results;
* spec answers: the 17 questions of a new order, typed and pressed, then the review;
* confirm: the confirmation at once, then the contract PDF, generated and uploaded (its
  delivery, from the press, is measured apart as "contract PDF delivered": a second
  message of the same update, not an update of its own);
* payment choice: ``/pay`` and the method (fees computed per method), on an order whose
  contract buyer and supplier both accepted earlier (seeded: the order just confirmed
  waits for its supplier, and only an agreed contract can be paid);
* dispute steps: ``/dispute`` on a delivered order, ground, the delivery record (its
  lateness from the contract and the receipt), six documents skipped, refund, and submit
  (which pushes a claim to the supplier via the outbox).

34 updates a journey.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import seed
from bench.common import ROOT, TEAM_MEMBER, TOKEN, latency_summary
from bot.app import build_app
from bot.config import load_settings
from emulator import BotAPIEmulator
from storage.db import create_engine
from storage.models import OrderStatus

BOT_CPU = 0  # the bot's core; this process (emulator and buyers) takes the other one
DRIVER_CPU = 1
STEP_TIMEOUT = 30.0
BUYER_TELEGRAM_IDS = 10_000_000
SUPPLIER_TELEGRAM_IDS = 20_000_000


# -- the bot process ---------------------------------------------------------------------


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    stats_path: Path
    ps: psutil.Process
    stats: dict[str, Any] = field(default_factory=dict)

    def cpu_seconds(self) -> tuple[float, float]:
        """The bot's CPU with its worker processes' (contract PDFs: ``bot.workers``), and
        the workers' alone."""
        workers = sum(_cpu(process) for process in self._children())
        return _cpu(self.ps) + workers, workers

    def _children(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            return list(self.ps.children(recursive=True))
        return []

    def rss_mb(self) -> float:
        return float(self.ps.memory_info().rss) / 2**20

    def workers_rss_mb(self) -> float:
        total = 0.0
        for process in self._children():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += float(process.memory_info().rss) / 2**20
        return total


def bot_environment(
    database_url: str, emu: BotAPIEmulator, runtime: str, **extra: str
) -> dict[str, str]:
    """The child's environment: nothing of the operator's TRADEGUARD_* settings leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEGUARD_")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "TRADEGUARD_DATABASE_URL": database_url,
            "TRADEGUARD_BOT_TOKEN": TOKEN,
            "TRADEGUARD_API_BASE": emu.base_url,
            "TRADEGUARD_RUNTIME": runtime,
            "TRADEGUARD_DISPUTE_TEAM": str(TEAM_MEMBER),
        }
    )
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def bot_process(
    env: dict[str, str],
    *,
    plan: str = "polling",
    profile: Path | None = None,
    worker_cpu: int | None = None,
) -> AsyncIterator[BotProcess]:
    """Start ``bench.bot_process``; stop it with SIGTERM and read its own figures."""
    workdir = Path(tempfile.mkdtemp(prefix="tradeguard-bot-"))  # no stray .env is read
    stats_path = workdir / "stats.json"
    command = [sys.executable, "-m", "bench.bot_process", "--stats", str(stats_path)]
    command += ["--cpu", str(BOT_CPU), "--plan", plan]
    if profile is not None:
        command += ["--profile", str(profile)]
    if worker_cpu is not None:
        command += ["--worker-cpu", str(worker_cpu)]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=workdir, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 120)
    except TimeoutError:
        process.kill()
        raise RuntimeError("the bot process did not start within 120 s") from None
    if line.strip() != b"READY":
        await process.wait()
        raise RuntimeError(f"the bot process failed to start (exit {process.returncode})")
    bot = BotProcess(process, stats_path, psutil.Process(process.pid))
    try:
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 120)
        except TimeoutError:
            process.kill()
            await process.wait()
        bot.stats = _collect(stats_path, workdir)


def _collect(stats_path: Path, workdir: Path) -> dict[str, Any]:
    """The figures the bot wrote about itself on the way out; its work directory removed."""
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    shutil.rmtree(workdir, ignore_errors=True)
    return stats


# -- waiting for the bot's answers ------------------------------------------------------------


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


class Inbox:
    """Resolves a waiting buyer's futures, in order, as bot messages containing each
    needle arrive in their chat.

    Called synchronously by the emulator for every sent or edited message, so waiting
    costs nothing per message beyond a dictionary look-up.
    """

    def __init__(self, emu: BotAPIEmulator) -> None:
        self.waiting: dict[int, deque[tuple[str, asyncio.Future[Arrival]]]] = {}
        emu.on_event(self._on_event)

    def expect(self, chat_id: int, *needles: str) -> list[asyncio.Future[Arrival]]:
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Arrival]] = [loop.create_future() for _ in needles]
        self.waiting[chat_id] = deque(zip(needles, futures, strict=True))
        return futures

    def _on_event(self, event: Any) -> None:
        if event.kind == "deleted":
            return
        queue = self.waiting.get(event.chat_id)
        if not queue:
            return
        needle, future = queue[0]
        if needle in text_of(event.message) and not future.done():
            queue.popleft()
            if not queue:
                del self.waiting[event.chat_id]
            future.set_result((time.perf_counter(), event.message))


Arrival = tuple[float, dict[str, Any]]  # when a message arrived, and the message


# -- the journey ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    category: str
    needle: str  # a text the bot's answer to this update contains
    text: str | None = None  # typed (may hold {order} / {claim_order})
    press: str | None = None  # a button whose label contains this
    # A later message the same update brings (the contract PDF), measured from the
    # update as a category of its own; the buyer waits for it before going on.
    then: tuple[str, str] | None = None  # (category, needle)


SPEC_ANSWERS: tuple[tuple[str, str], ...] = (
    ("text", "Model SC-2041 long silk scarf"),
    ("text", "PANTONE 18-1663 TCX"),
    ("text", "100% silk"),
    ("text", "180 x 70 cm"),
    ("text", "120 g"),
    ("press", "No"),
    ("text", "500 pcs"),
    ("text", "60 x 40 x 40 cm"),
    ("text", "5-ply corrugated, BC flute, 44 ECT"),
    ("press", "No plastic"),
    ("press", "Skip"),
    ("press", "Sea freight"),
    ("text", "2027-03-01"),
    ("press", "None"),
    ("press", "before loading"),
    ("press", "SGS"),
    ("press", "Post-delivery"),
)


def journey(with_claim: bool = True, with_payment: bool = True) -> list[Action]:
    actions = [
        Action("search", "best cover first", text="/find scarf 20000 USD"),
        Action("pick supplier", "Step 1 of", press="Hangzhou"),
    ]
    for number, (kind, value) in enumerate(SPEC_ANSWERS, start=2):
        needle = f"Step {number} of" if number <= len(SPEC_ANSWERS) else "Review:"
        actions.append(
            Action(
                "spec answer",
                needle,
                text=value if kind == "text" else None,
                press=value if kind == "press" else None,
            )
        )
    actions.append(
        Action(
            "confirm spec",
            "is confirmed.",
            press="Confirm the",
            then=(PDF_DELIVERED, "Specification and contract draft"),
        )
    )
    if with_payment:
        # Not the order just confirmed: its supplier has yet to accept the contract. One
        # both parties agreed, seeded; the buyer's country is known, so methods at once.
        actions += [
            Action("payment choice", "Choose the method", text="/pay {payable_order}"),
            Action("payment choice", "recorded", press="Wire transfer"),
        ]
    if not with_claim:
        return actions
    actions += [
        Action("dispute step", "Before a dispute", text="/dispute {claim_order}"),
        Action("dispute step", "What went wrong", press="I have"),
        # Lateness comes from the order's records (contract, shipment, receipt).
        Action("dispute step", "From the order's records", press="Late delivery"),
        Action("dispute step", "1 of 6:", press="The record is right"),
    ]
    for document in range(2, 7):
        actions.append(Action("dispute step", f"{document} of 6:", press="I don't have it"))
    actions += [
        Action("dispute step", "How much refund", press="I don't have it"),
        Action("dispute step", "ready to submit", press="The whole order"),
        Action("dispute submit", "is submitted", press="Submit the dispute"),
    ]
    return actions


ORDER_IN_CAPTION = re.compile(r"order #(\d+)", re.IGNORECASE)
PDF_DELIVERED = "contract PDF delivered"


@dataclass
class Window:
    """The measured interval: samples count only if the update was sent inside it."""

    start: float = float("inf")
    end: float = float("inf")

    def contains(self, sent: float, answered: float) -> bool:
        return self.start <= sent and answered <= self.end


@dataclass
class Samples:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Later messages of an update (the contract PDF): reported, not counted as updates
    # nor in "all steps", which is the first answer to each update.
    follow_ups: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, category: str, seconds: float) -> None:
        self.latencies[category].append(seconds)

    def add_follow_up(self, category: str, seconds: float) -> None:
        self.follow_ups[category].append(seconds)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def summary(self) -> dict[str, dict[str, float]]:
        every = [s for values in self.latencies.values() for s in values]
        result = {name: latency_summary(values) for name, values in self.latencies.items()}
        result["all steps"] = latency_summary(every)
        result.update({name: latency_summary(v) for name, v in self.follow_ups.items()})
        return result


class Buyer:
    """One person working through journeys, one update at a time."""

    def __init__(
        self,
        emu: BotAPIEmulator,
        inbox: Inbox,
        telegram_id: int,
        claim_orders: list[int],
        payable_orders: list[int],
        samples: Samples,
        window: Window,
        think: float = 0.0,
    ) -> None:
        self.emu = emu
        self.inbox = inbox
        self.user = emu.user(telegram_id, first_name=f"Buyer{telegram_id}", language_code="en")
        self.id = telegram_id
        self.claim_orders = claim_orders
        self.payable_orders = payable_orders
        self.samples = samples
        self.window = window
        self.last: dict[str, Any] | None = None
        self.order: int | None = None
        self.journeys = 0
        self.think = think  # mean seconds before each update; 0: none
        self.random = random.Random(telegram_id)  # the same pauses in every run

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            claim = self.claim_orders.pop() if self.claim_orders else None
            payable = self.payable_orders.pop() if self.payable_orders else None
            try:
                for action in journey(claim is not None, payable is not None):
                    if self.think:
                        await asyncio.sleep(self.random.expovariate(1 / self.think))
                    if stop.is_set():
                        return
                    await self.act(action, claim, payable)
                self.journeys += 1
            except (TimeoutError, LookupError, ValueError) as error:
                self.samples.errors.append(f"{type(error).__name__}: {error}"[:300])
                await self.recover()

    async def act(self, action: Action, claim: int | None, payable: int | None = None) -> None:
        needles = [action.needle] if action.then is None else [action.needle, action.then[1]]
        waiting, *later = self.inbox.expect(self.id, *needles)
        sent = time.perf_counter()
        if action.text is not None:
            typed = action.text.format(order=self.order, claim_order=claim, payable_order=payable)
            await self.emu.send_text(self.user, typed)
        else:
            assert action.press is not None and self.last is not None
            await self.emu.press(self.user, self.last, self._button(action.press))
        try:
            answered, message = await asyncio.wait_for(waiting, STEP_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"no answer containing {action.needle!r}") from None
        if self.window.contains(sent, answered):
            self.samples.add(action.category, answered - sent)
        self.last = message
        if action.then is not None:
            category, needle = action.then
            try:
                answered, message = await asyncio.wait_for(later[0], STEP_TIMEOUT)
            except TimeoutError:
                raise TimeoutError(f"no message containing {needle!r}") from None
            if self.window.contains(sent, answered):
                self.samples.add_follow_up(category, answered - sent)
        if action.then is not None and action.then[0] == PDF_DELIVERED:
            found = ORDER_IN_CAPTION.search(text_of(message))
            if found is None:
                raise LookupError(f"no order number in {text_of(message)!r}")
            self.order = int(found.group(1))

    def _button(self, label: str) -> str:
        assert self.last is not None
        rows = (self.last.get("reply_markup") or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if label.lower() in str(button.get("text", "")).lower():
                    return str(button["callback_data"])
        shown = [b.get("text") for row in rows for b in row]
        raise LookupError(f"no button like {label!r} in {shown}")

    async def recover(self) -> None:
        """After a lost answer: cancel whatever flow is open and start a new journey."""
        self.inbox.waiting.pop(self.id, None)
        (waiting,) = self.inbox.expect(self.id, "")
        await self.emu.send_text(self.user, "/cancel")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiting, STEP_TIMEOUT)


# -- a population to talk to ------------------------------------------------------------------


@dataclass
class Population:
    """The buyers the load drives, with their suppliers, delivered orders to claim on and
    agreed orders to pay."""

    buyer_telegram_ids: list[int]
    claim_orders: dict[int, list[int]]
    payable_orders: dict[int, list[int]] = field(default_factory=dict)


async def prepare_population(
    database_url: str, buyers: int, claims_per_buyer: int, *, offset: int = 0
) -> Population:
    """Load the demo directory (as the first start does), then seed the buyers, one
    supplier each (with a Telegram account, so a claim is pushed to them), delivered
    orders inside the claim window, and as many agreed orders (a contract both accepted)
    to pay."""
    settings = load_settings(database_url=database_url, bot_token=None)
    app = await build_app(settings)
    await app.close()
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        first_buyer = BUYER_TELEGRAM_IDS + offset
        buyer_ids = await seed.users(engine, buyers, first_telegram_id=first_buyer, now=now)
        supplier_accounts = [SUPPLIER_TELEGRAM_IDS + offset + i for i in range(buyers)]
        await seed.users(
            engine,
            buyers,
            first_telegram_id=SUPPLIER_TELEGRAM_IDS + offset,
            now=now,
            role=seed.Role.SUPPLIER,
        )
        supplier_ids = await seed.suppliers(engine, buyers, now=now, telegram_ids=supplier_accounts)
        order_ids = await seed.orders(
            engine,
            buyers * claims_per_buyer,
            buyer_of=lambda i: buyer_ids[i % buyers],
            supplier_of=lambda i: supplier_ids[i % buyers],
            now=now,
        )
        payable_ids = await seed.orders(
            engine,
            buyers * claims_per_buyer,
            buyer_of=lambda i: buyer_ids[i % buyers],
            supplier_of=lambda i: supplier_ids[i % buyers],
            now=now,
            status=OrderStatus.AGREED,
        )
        await seed.agreed_contracts(
            engine,
            payable_ids,
            buyer_of=lambda i: buyer_ids[i % buyers],
            supplier_of=lambda i: supplier_ids[i % buyers],
            now=now,
        )
        if engine.dialect.name == "postgresql":
            await seed.analyze(engine)
    finally:
        await engine.dispose()
    claims: dict[int, list[int]] = defaultdict(list)
    for index, order_id in enumerate(order_ids):
        claims[first_buyer + index % buyers].append(order_id)
    payable: dict[int, list[int]] = defaultdict(list)
    for index, order_id in enumerate(payable_ids):
        payable[first_buyer + index % buyers].append(order_id)
    return Population([first_buyer + i for i in range(buyers)], dict(claims), dict(payable))


@dataclass
class LoadResult:
    updates: int
    seconds: float
    samples: Samples
    bot_cpu_seconds: float  # with its workers'
    workers_cpu_seconds: float
    driver_cpu_seconds: float
    journeys: int

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "updates": self.updates,
            "seconds": round(self.seconds, 2),
            "updates_per_s": round(self.updates_per_second, 1),
            "bot_cpu_percent_of_one_core": round(100 * self.bot_cpu_seconds / self.seconds, 1),
            "bot_cpu_ms_per_update": round(1000 * self.bot_cpu_seconds / max(1, self.updates), 2),
            "workers_cpu_ms_per_update": round(
                1000 * self.workers_cpu_seconds / max(1, self.updates), 2
            ),
            "driver_cpu_percent_of_one_core": round(
                100 * self.driver_cpu_seconds / self.seconds, 1
            ),
            "journeys_completed": self.journeys,
            "errors": len(self.samples.errors),
            "first_errors": self.samples.errors[:5],
            "latency": self.samples.summary(),
        }


async def drive(
    emu: BotAPIEmulator,
    bot: BotProcess,
    population: Population,
    *,
    warmup: float,
    duration: float,
    think: float = 0.0,
    on_progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Run every buyer for ``warmup + duration`` seconds; measure the last ``duration``."""
    inbox = Inbox(emu)
    samples = Samples()
    window = Window()
    stop = asyncio.Event()
    # The population's own lists: a delivered order claimed in one run is not claimed again.
    buyers = [
        Buyer(
            emu,
            inbox,
            tid,
            population.claim_orders.setdefault(tid, []),
            population.payable_orders.setdefault(tid, []),
            samples,
            window,
            think,
        )
        for tid in population.buyer_telegram_ids
    ]
    tasks = [asyncio.create_task(buyer.run(stop)) for buyer in buyers]
    me = psutil.Process()
    try:
        await asyncio.sleep(warmup)
        window.start = time.perf_counter()
        (bot_cpu, workers_cpu), driver_cpu = bot.cpu_seconds(), _cpu(me)
        journeys = sum(b.journeys for b in buyers)
        await asyncio.sleep(duration)
        window.end = time.perf_counter()
        (bot_now, workers_now), driver_cpu = bot.cpu_seconds(), _cpu(me) - driver_cpu
        bot_cpu, workers_cpu = bot_now - bot_cpu, workers_now - workers_cpu
        journeys = sum(b.journeys for b in buyers) - journeys
    finally:
        stop.set()
        await asyncio.wait(tasks, timeout=STEP_TIMEOUT)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    seconds = window.end - window.start
    if on_progress is not None:
        on_progress(f"{samples.count} updates in {seconds:.1f} s")
    return LoadResult(samples.count, seconds, samples, bot_cpu, workers_cpu, driver_cpu, journeys)


def _cpu(process: psutil.Process) -> float:
    """User and system CPU seconds; 0 for a process gone meanwhile (a replaced worker)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        times = process.cpu_times()
        return float(times.user + times.system)
    return 0.0
