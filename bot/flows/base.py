"""How a conversation is declared.

A ``Flow`` is an ordered list of ``Step``s. Each step renders a ``Prompt`` and turns
one ``Answer`` into a value (or raises ``Invalid`` with a message for the user). The
engine stores the value under the step's name in the flow data, then moves to the
next step whose ``when`` holds. A step may instead ``Goto`` another step (a review's
"change this answer" button), ``Stay`` (paging through results), or finish the flow.
Nothing here knows about Telegram or the terminal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.replies import Attachment, Document, Reply
from storage.models import User

if TYPE_CHECKING:
    from bot.app import App


class Invalid(Exception):
    """The answer cannot be accepted; ``message`` is already in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Goto:
    """Continue at a named step (e.g. review -> edit one answer -> back to review)."""

    step: str
    then_return: bool = False


@dataclass(frozen=True)
class Stay:
    """Show the same step again, e.g. the next page of results. Nothing is stored."""


@dataclass(frozen=True)
class StartFlow:
    """Leave this flow and start another (a search result starts an order)."""

    flow: str
    arg: str = ""
    replies: tuple[Reply, ...] = ()


STAY = Stay()


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any  # JSON-serialisable; stays on the server


@dataclass
class Prompt:
    text: str
    choices: Sequence[Sequence[Choice]] = ()
    document: Document | None = None
    # Whether free text / a file is a possible answer; otherwise only buttons are.
    accepts_text: bool = True
    accepts_file: bool = False


@dataclass(frozen=True)
class Answer:
    text: str | None = None
    choice: Any = None
    attachment: Attachment | None = None
    pressed: bool = False  # a button was pressed (choice may legitimately be None)


@dataclass
class Ctx:
    """Everything a step may use while handling one update, in one DB transaction."""

    app: App
    session: AsyncSession
    user: User
    data: dict[str, Any]
    now: datetime
    is_team: bool = False
    arg: str = ""
    # Extra replies a step wants shown before the next prompt (e.g. "Saved.").
    notes: list[Reply] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(Reply(text=text))


PromptFn = Callable[[Ctx], Awaitable[Prompt]]
HandleFn = Callable[[Ctx, Answer], Awaitable[Any]]
WhenFn = Callable[[Ctx], bool]


@dataclass(frozen=True)
class Step:
    name: str
    prompt: PromptFn
    handle: HandleFn
    when: WhenFn | None = None
    # Counted in "step n of m"; review and result pages are not questions.
    counted: bool = True

    def applies(self, ctx: Ctx) -> bool:
        return self.when is None or self.when(ctx)


FinishResult = list[Reply] | StartFlow


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    # Prepare data from the command argument (e.g. which order); may raise Invalid.
    start: Callable[[Ctx], Awaitable[None]] | None = None
    finish: Callable[[Ctx], Awaitable[FinishResult]] | None = None
    # Show "step n of m" above each counted prompt.
    show_progress: bool = True

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"flow {self.name} has no step {name}")

    def first_step(self, ctx: Ctx) -> Step | None:
        return next((s for s in self.steps if s.applies(ctx)), None)

    def step_after(self, name: str, ctx: Ctx) -> Step | None:
        names = [s.name for s in self.steps]
        for step in self.steps[names.index(name) + 1 :]:
            if step.applies(ctx):
                return step
        return None

    def progress(self, name: str, ctx: Ctx) -> tuple[int, int] | None:
        counted = [s.name for s in self.steps if s.counted and s.applies(ctx)]
        if name not in counted:
            return None
        return counted.index(name) + 1, len(counted)


CommandFn = Callable[[Ctx], Awaitable[FinishResult]]


@dataclass(frozen=True)
class Command:
    """A command: either starts a flow or answers at once (``run``)."""

    name: str
    description: Any  # lazy-translated string for the command menu
    flow: str | None = None
    run: CommandFn | None = None
    roles: frozenset[str] = frozenset({"buyer", "supplier", "team"})
    menu: bool = True
