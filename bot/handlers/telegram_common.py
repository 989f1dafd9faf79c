"""What both Telegram runtimes (aiogram and python-telegram-bot) share, so they cannot drift.

* **Updates in**: a Telegram message or button press becomes an ``Incoming``. The two
  frameworks' objects carry the same attribute names (``message.photo``,
  ``query.from_user.language_code``...), so one duck-typed conversion serves both.
* **Replies out**: an ``Outcome`` becomes Bot API calls through a ``Port``, the small
  surface each framework implements (send, edit, send a file, answer a press, set the
  menu). Splitting long messages, editing the pressed message, falling back to a new
  message, plain-text fallback for broken markup: all of it lives here, once.
* **Guards**: uploads over the Bot API download limit are refused before the flows see
  them; each update id is recorded in ``processed_updates`` with the change it makes,
  so a webhook retry or a second worker never handles it twice; one user's updates are
  handled in the order they arrived.
* **Menus**: the command menu per language and per role, from the flow registry.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.flows.replies import Attachment, Document, Incoming, Outcome, Reply, Sender
from bot.i18n import SUPPORTED_LOCALES, _, number, use_locale
from bot.scheduler.errors import Blocked, DeliveryError, RetryAfter, Transient
from bot.services import outbox
from policy.evidence_files import HEAD_BYTES
from storage import updates
from storage.locks import user_lock
from storage.writes import write_transaction

log = logging.getLogger(__name__)

__all__ = [
    "ALLOWED_UPDATES",
    "Blocked",
    "Bridge",
    "DeliveryError",
    "Keyboard",
    "Menu",
    "Port",
    "Press",
    "Rejected",
    "RetryAfter",
    "Transient",
    "Unauthorized",
    "UpdateGate",
]

# The only update kinds the bot asks for (edits of old messages must not re-answer a step).
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_TEXT = 4096  # Bot API: message text, after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_NOTICE = 200
RECENT_UPDATES = 4096  # update ids a gate remembers; Telegram retries within minutes
MAX_COMMAND_DESCRIPTION = 256
MAX_DISPLAY_NAME = 128  # users.display_name
PROCESSED_UPDATE_TTL = updates.RETENTION

# Message contents a step cannot take as an answer: the user gets a polite message.
UNSUPPORTED_KINDS = (
    "sticker",
    "venue",
    "location",
    "contact",
    "voice",
    "audio",
    "video_note",
    "poll",
    "dice",
    "game",
    "story",
    "invoice",
    "paid_media",
    "giveaway",
    "checklist",
)


# -- errors ------------------------------------------------------------------------
# Ports raise these (and RetryAfter / Blocked / Transient from bot.scheduler.errors), never
# a framework's own exception, so the dispatcher and the renderer stay framework-free.


class Rejected(DeliveryError):
    """400: Telegram refused this request (bad markup, message not modified, too old...)."""


class Unauthorized(DeliveryError):
    """401: Telegram does not know the bot token."""


def is_markup_error(error: DeliveryError) -> bool:
    return isinstance(error, Rejected) and "can't parse entities" in str(error).lower()


# -- the port each framework implements ----------------------------------------------

# Inline keyboard: rows of (label as plain text, callback data).
Keyboard = tuple[tuple[tuple[str, str], ...], ...]


class Port(Protocol):
    async def get_username(self) -> str: ...

    async def send_text(
        self, chat_id: int, text: str, keyboard: Keyboard | None, *, html: bool = True
    ) -> None: ...

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
    ) -> None: ...

    async def send_document(
        self, chat_id: int, document: Document, caption: str | None, keyboard: Keyboard | None
    ) -> None: ...

    async def send_file(
        self,
        chat_id: int,
        file_id: str,
        kind: str,
        caption: str | None,
        keyboard: Keyboard | None,
    ) -> None:
        """Send a file already on Telegram's servers; ``kind``: document, photo or video."""

    async def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None: ...

    async def read_head(self, file_id: str, limit: int) -> bytes:
        """The first ``limit`` bytes of a file the user sent (through getFile)."""

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], *, language: str | None, chat_id: int | None
    ) -> None: ...

    async def set_webhook(self, url: str, secret: str, allowed_updates: list[str]) -> None: ...

    async def delete_webhook(self) -> None: ...


# -- updates in ------------------------------------------------------------------------


def sender_of(user: Any) -> Sender:
    return Sender(
        telegram_id=int(user.id),
        display_name=(user.full_name or "")[:MAX_DISPLAY_NAME],
        language_code=user.language_code,
    )


def is_private(chat: Any) -> bool:
    # aiogram gives a str, PTB a StrEnum: both compare equal to "private".
    return chat is not None and chat.type == "private"


def attachment_of(message: Any) -> Attachment | None:
    """The file in a message: the largest photo size, a video (or GIF), or a document."""
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return Attachment(
            file_id=largest.file_id,
            kind="photo",
            file_unique_id=largest.file_unique_id,
            mime_type="image/jpeg",
            size=largest.file_size,
        )
    # A GIF arrives as both ``animation`` and ``document``; it is a video file.
    for field, kind in (("video", "video"), ("animation", "video"), ("document", "document")):
        media = getattr(message, field, None)
        if media is not None:
            return Attachment(
                file_id=media.file_id,
                kind=kind,
                file_unique_id=media.file_unique_id,
                file_name=media.file_name,
                mime_type=media.mime_type,
                size=media.file_size,
            )
    return None


def incoming_from_message(message: Any) -> Incoming | None:
    """A private message as the flows see it; None for service messages (nothing to say)."""
    sender = sender_of(message.from_user)
    attachment = attachment_of(message)
    if attachment is not None:
        # A caption is a note beside the file; one that looks like a command must not
        # make the engine run the command and drop the file.
        caption = message.caption
        text = caption if caption and not caption.lstrip().startswith("/") else None
        return Incoming(sender=sender, text=text, attachment=attachment)
    if message.text is not None:
        # Deep links arrive as "/start inv_..." and pass through unchanged.
        return Incoming(sender=sender, text=message.text)
    for kind in UNSUPPORTED_KINDS:
        if getattr(message, kind, None):
            return Incoming(sender=sender, unsupported=kind)
    return None


def megabytes(size: int) -> str:
    return number((Decimal(size) / Decimal(1024 * 1024)).quantize(Decimal("0.1")))


def upload_refusal(incoming: Incoming, settings: Settings) -> str | None:
    """The message for a file too large for the Bot API to hand to the bot, or None."""
    attachment = incoming.attachment
    if attachment is None or attachment.size is None:
        return None
    if attachment.size <= settings.max_upload_bytes:
        return None
    with use_locale(incoming.sender.language_code or settings.default_locale):
        return _(
            "This file is {size} MB, and I can only receive files up to {limit} MB. "
            "Please send a smaller or compressed copy, or split it into parts. "
            "Your answers so far are kept."
        ).format(size=megabytes(attachment.size), limit=megabytes(settings.max_upload_bytes))


async def with_head(port: Port, incoming: Incoming) -> Incoming:
    """A sent document with its first bytes, so the flows can tell what it really is.

    Photos and videos were decoded by Telegram and need no check. A document that
    cannot be read (a network error) goes on without them: its declared type is still
    checked, and the conversation is not lost over it."""
    attachment = incoming.attachment
    if attachment is None or attachment.kind != "document":
        return incoming
    try:
        head = await port.read_head(attachment.file_id, HEAD_BYTES)
    except Exception as error:
        log.warning("could not read the first bytes of an upload: %s", _describe(error))
        return incoming
    return replace(incoming, attachment=replace(attachment, head=bytes(head[:HEAD_BYTES])))


@dataclass(frozen=True)
class Press:
    """The button press being answered: its query, and the message that carried it."""

    query_id: str
    message_id: int | None  # None when Telegram no longer shows us the message


# -- HTML ------------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")
_ATOM = re.compile(r"<[^<>]*>|&#?\w+;|[\s\S]")


def plain_text(markup: str) -> str:
    """Telegram HTML as the text a user sees (button labels, fallback when markup fails)."""
    return html.unescape(_TAG.sub("", markup))


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


Stack = tuple[tuple[str, str], ...]  # open tags: (name, the opening tag as written)


def _after(stack: Stack, atom: str) -> Stack:
    match = _TAG.fullmatch(atom)
    if match is None:
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return (*stack, (name, atom))
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == name:
            return stack[:depth]
    return stack


def _closers(stack: Stack) -> str:
    return "".join(f"</{name}>" for name, _tag in reversed(stack))


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split Telegram HTML into messages of at most ``limit`` units, on line boundaries.

    Tags open at a cut are closed at the end of one part and reopened at the start of
    the next, so every part is valid markup on its own. A line longer than the limit is
    cut at a space, and only as a last resort inside a word (never inside a tag or an
    entity such as ``&amp;``). Lengths count the markup, so parts err on the short side.
    """
    if _units(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    stack: Stack = ()
    start = 0
    while start < len(atoms):
        opening = "".join(tag for _name, tag in stack)
        size = _units(opening)
        local = stack
        end = start
        line_break: tuple[int, Stack] | None = None
        space_break: tuple[int, Stack] | None = None
        while end < len(atoms):
            atom = atoms[end]
            after = _after(local, atom)
            grown = size + _units(atom)
            if grown + _units(_closers(after)) > limit:
                break
            size, local, end = grown, after, end + 1
            if atom == "\n":
                line_break = (end, local)
            elif atom.isspace():
                space_break = (end, local)
        if end < len(atoms):
            if end == start:
                raise ValueError("the limit is too small for this markup")
            cut, local = line_break or space_break or (end, local)
        else:
            cut = end
        part = opening + "".join(atoms[start:cut]) + _closers(local)
        if plain_text(part).strip():
            parts.append(part)
        stack, start = local, cut
    return parts


# -- replies out -----------------------------------------------------------------------


def keyboard_of(reply: Reply) -> Keyboard | None:
    if not reply.buttons:
        return None
    # Button labels are plain text on Telegram; flows may have escaped them for HTML.
    return tuple(
        tuple((plain_text(str(button.label)), button.data) for button in row)
        for row in reply.buttons
        if row
    )


async def send_text(port: Port, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
    """Send one reply's text, split if long; the keyboard goes under the last part."""
    parts = split_html(text)
    for index, part in enumerate(parts):
        markup = keyboard if index == len(parts) - 1 else None
        try:
            await port.send_text(chat_id, part, markup)
        except Rejected as error:
            if not is_markup_error(error):
                raise
            # A flow put unescaped text into a reply: a bug, but the user still gets it.
            log.error("reply markup refused (%s); sending it as plain text", error)
            await port.send_text(chat_id, plain_text(part), markup, html=False)


async def send_reply(port: Port, chat_id: int, reply: Reply) -> None:
    """Send one reply as new message(s); raises the port's errors.

    With a file, a short text becomes its caption; a long one goes first as messages.
    The keyboard always sits under the last message, where the user is looking.
    """
    keyboard = keyboard_of(reply)
    files: list[Document | str] = [f for f in (reply.document, reply.file_id) if f is not None]
    text = reply.text if plain_text(reply.text).strip() else ""
    caption: str | None = None
    if files and text and _units(text) <= MAX_CAPTION:
        caption, text = text, ""
    if text:
        await send_text(port, chat_id, text, None if files else keyboard)
    elif not files and keyboard:
        log.warning("a reply with buttons but no text cannot be sent; dropped")
    for index, item in enumerate(files):
        markup = keyboard if index == len(files) - 1 else None
        note = caption if index == 0 else None
        if isinstance(item, Document):
            await port.send_document(chat_id, item, note, markup)
        else:
            await _send_file(port, chat_id, item, note, markup)


_FILE_TYPE = re.compile(r"can't use file of type (\w+) as", re.IGNORECASE)


async def _send_file(
    port: Port, chat_id: int, file_id: str, caption: str | None, keyboard: Keyboard | None
) -> None:
    try:
        await port.send_file(chat_id, file_id, "document", caption, keyboard)
    except Rejected as error:
        # Evidence photos and videos cannot be re-sent as documents; Telegram says which.
        kind = _FILE_TYPE.search(str(error))
        if kind is None or kind.group(1).lower() not in ("photo", "video"):
            raise
        await port.send_file(chat_id, file_id, kind.group(1).lower(), caption, keyboard)


async def answer_press(port: Port, press: Press, outcome: Outcome) -> None:
    """Answer every press (the client shows a spinner until we do).

    A notice with nothing else to show (typically "this button has expired") is an alert
    the user must dismiss; a notice beside replies is a passing toast.
    """
    notice = plain_text(outcome.callback_notice or "").strip()  # shown as plain text
    text = notice[:MAX_CALLBACK_NOTICE] or None
    try:
        await port.answer_callback(press.query_id, text, bool(text) and not outcome.replies)
    except DeliveryError as error:  # a query older than Telegram's timeout: nothing to do
        log.info("could not answer a button press: %s", error)


async def render_outcome(
    port: Port,
    chat_id: int,
    outcome: Outcome,
    press: Press | None,
    make_document: Callable[[Reply], Awaitable[Reply]] | None = None,
) -> None:
    """Show an outcome: answer the press first, then each reply in order.

    A reply marked ``replace`` edits the message whose button was pressed (once per
    press); if Telegram refuses the edit (not modified, too old, a file message) the
    reply is sent as a new message instead. A reply whose document is still a draft is
    made by ``make_document`` when its turn comes, so the replies before it are already
    on the user's screen while it renders.
    """
    editable = press.message_id if press is not None else None
    if press is not None:
        await answer_press(port, press, outcome)
    for reply in outcome.replies:
        if reply.draft is not None and make_document is not None:
            reply = await make_document(reply)
        if editable is not None and reply.replace and _can_edit(reply):
            target, editable = editable, None
            try:
                await port.edit_text(chat_id, target, reply.text, keyboard_of(reply))
                continue
            except Rejected as error:
                log.debug("edit refused (%s); sending a new message", error)
        await send_reply(port, chat_id, reply)


def _can_edit(reply: Reply) -> bool:
    return (
        reply.document is None
        and reply.file_id is None
        and bool(plain_text(reply.text).strip())
        and len(split_html(reply.text)) == 1
    )


# -- the bridge every framework handler calls --------------------------------------------


class Bridge:
    """One update in, replies out: what the aiogram and PTB handlers both call."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.settings: Settings = app.settings

    async def on_message(self, port: Port, message: Any) -> None:
        if not is_private(message.chat) or message.from_user is None:
            return  # a private assistant: group chats and channels are ignored
        incoming = incoming_from_message(message)
        if incoming is None:
            return
        refusal = upload_refusal(incoming, self.settings)
        if refusal is not None:
            # Refused before the flows see it, so the conversation stays where it was.
            await self._render(port, message.chat.id, Outcome([Reply(text=refusal)]), None)
            return
        incoming = await with_head(port, incoming)
        outcome = await self.app.answer(incoming)
        await self._render(port, message.chat.id, outcome, None)

    async def on_callback(self, port: Port, query: Any) -> None:
        message = query.message
        press = Press(str(query.id), message.message_id if message is not None else None)
        chat_id = message.chat.id if message is not None else query.from_user.id
        if query.data is None or (message is not None and not is_private(message.chat)):
            await answer_press(port, press, Outcome())
            return
        outcome = await self.app.answer(
            Incoming(sender=sender_of(query.from_user), callback=query.data)
        )
        await self._render(port, chat_id, outcome, press)

    async def _render(
        self, port: Port, chat_id: int, outcome: Outcome, press: Press | None
    ) -> None:
        try:
            await render_outcome(port, chat_id, outcome, press, self.app.make_document)
        except DeliveryError as error:
            # The state change is committed; a reply that cannot be shown (the user blocked
            # the bot, Telegram still flooded after one wait) is logged, not retried.
            log.warning("reply to chat %s not delivered: %s", chat_id, _describe(error))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


# -- order, idempotency, in-flight work ---------------------------------------------------

T = TypeVar("T")


class InFlight:
    """Counts updates being handled and background sends, so shutdown can wait for them."""

    def __init__(self) -> None:
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        async def tracked() -> None:
            async with self.track():
                await work

        task = asyncio.get_running_loop().create_task(tracked())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def busy(self) -> int:
        return self._busy

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until nothing is in flight; after ``timeout``, cancel background tasks."""
        try:
            async with asyncio.timeout(timeout):
                while self._busy:
                    await self._idle.wait()
            return True
        except TimeoutError:
            log.warning("%s updates or sends still in flight at shutdown; abandoned", self._busy)
            for task in list(self._tasks):
                task.cancel()
            return False


async def claim_update(
    sessions: async_sessionmaker[AsyncSession], update_id: int, now: datetime
) -> bool:
    """Record ``update_id`` on its own; False if some worker already took it.

    For updates that ``App`` did not record with its changes (see ``storage.updates``).
    """
    async with write_transaction(sessions) as session:
        return await updates.record(session, update_id, now)


async def prune_processed_updates(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Forget update ids older than a day (Telegram stops retrying long before)."""
    async with write_transaction(sessions) as session:
        return await updates.forget_old(session, now)


def _discard(work: Awaitable[Any]) -> None:
    close = getattr(work, "close", None)
    if close is not None:  # an un-awaited coroutine would warn
        close()


class UpdateGate:
    """Every update passes here, whatever the framework and however it arrived.

    In arrival order per user (the lock is taken before the first await, and asyncio
    locks are fair), ``App`` records the update's id in the transaction of the change it
    makes (``storage.updates``), so a crash before that commit loses neither: Telegram
    delivers the update again. An id already recorded makes ``App`` change and answer
    nothing, and the gate drops the update; an update this process handled recently is
    dropped before its work starts. There is no separate look-up of the id before the
    work: it was a transaction of its own on every update (a tenth of the statements on
    the hot path), for the rare retry that ``App`` catches anyway. On
    PostgreSQL the user's advisory lock is held too, from the check until the replies are
    sent, so another worker's update of the same user waits and answers after this one.
    After an update that queued a push due now (a claim for the supplier...),
    ``after_update`` runs: the runtime kicks the outbox dispatcher; the clock sends the rest.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inflight = InFlight()
        self.after_update: Any = None  # a callable, set once the dispatcher exists
        self.duplicates = 0
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        # Ids this process recorded lately: a webhook retry of one is dropped without
        # running its work again (a refused upload would be refused twice).
        self._recent: deque[int] = deque(maxlen=RECENT_UPDATES)
        self._recent_ids: set[int] = set()

    def _lock(self, user_id: int) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock

    async def run(self, update_id: int, user_id: int | None, work: Awaitable[T]) -> T | None:
        async with self.inflight.track():
            lock = self._lock(user_id) if user_id is not None else None
            if lock is not None:
                await lock.acquire()
            try:
                async with AsyncExitStack() as held:
                    try:
                        if user_id is not None:
                            await held.enter_async_context(user_lock(self.app.db, user_id))
                    except BaseException:
                        _discard(work)
                        raise
                    if update_id in self._recent_ids:
                        _discard(work)
                        return self._dropped(update_id)
                    with updates.handling(update_id) as claim, outbox.watching() as pushes:
                        result = await work
                    # Not recorded: it never reached App, App failed, or App found the id
                    # recorded already (by this process before a restart, or another worker).
                    if not claim.recorded and not await claim_update(
                        self.app.sessions, update_id, self.app.clock.now()
                    ):
                        return self._dropped(update_id)
                    self._remember(update_id)
            finally:
                if lock is not None:
                    lock.release()
        if self.after_update is not None and pushes.due_now:
            self.after_update()
        return result

    def _dropped(self, update_id: int) -> None:
        self.duplicates += 1
        log.info("update %s was already handled; dropped", update_id)

    def _remember(self, update_id: int) -> None:
        if len(self._recent) == self._recent.maxlen:
            self._recent_ids.discard(self._recent[0])
        self._recent.append(update_id)
        self._recent_ids.add(update_id)


# -- command menus -------------------------------------------------------------------------


@dataclass(frozen=True)
class Menu:
    """One setMyCommands call: the menu for a language (None: any) and a chat (None: all)."""

    commands: tuple[tuple[str, str], ...]
    language: str | None = None
    chat_id: int | None = None


def telegram_language(locale: str) -> str:
    """Our locale id as the two-letter code Telegram uses ('zh_Hans' -> 'zh')."""
    return locale.split("_")[0].lower()


@dataclass(frozen=True)
class _Audience:
    """What ``registry.commands_for`` looks at, so the menu and /help list the same commands."""

    is_team: bool


_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def menu_commands(is_team: bool, locale: str) -> tuple[tuple[str, str], ...]:
    from bot.flows.registry import commands_for

    entries = []
    with use_locale(locale):
        for command in commands_for(_Audience(is_team)):  # type: ignore[arg-type]
            if not _COMMAND_NAME.fullmatch(command.name):
                log.warning("/%s cannot be in Telegram's command menu", command.name)
                continue
            description = str(command.description).strip()[:MAX_COMMAND_DESCRIPTION]
            entries.append((command.name, description or command.name))
    return tuple(entries[:100])


def command_menus(default_locale: str, team: Iterable[int]) -> list[Menu]:
    """Everyone's menu in each language, and the team's (with team commands) per member.

    Telegram picks, for a private chat, the chat's own menu before the default scope,
    and the user's language before the language-less one: so each scope gets a
    language-less menu in the default locale plus one per catalog.
    """
    menus: list[Menu] = []
    audiences: list[tuple[bool, int | None]] = [(False, None)]
    audiences += [(True, member) for member in sorted(team)]
    for is_team, chat_id in audiences:
        menus.append(Menu(menu_commands(is_team, default_locale), None, chat_id))
        for locale in SUPPORTED_LOCALES:
            menus.append(Menu(menu_commands(is_team, locale), telegram_language(locale), chat_id))
    return menus


async def publish_menus(port: Port, menus: Iterable[Menu]) -> None:
    for menu in menus:
        try:
            await port.set_commands(menu.commands, language=menu.language, chat_id=menu.chat_id)
        except DeliveryError as error:
            # A team member who never opened the bot has no chat yet ("chat not found"):
            # they get the everyone-menu until the next start.
            where = f"chat {menu.chat_id}" if menu.chat_id is not None else "everyone"
            log.warning("command menu for %s (%s) not set: %s", where, menu.language or "-", error)
