"""Neutral messages between the flows and the transports.

Flows never see Telegram objects: a transport turns an update into ``Incoming`` and
renders each ``Reply``. Reply text is the small HTML subset Telegram accepts; every
value a user typed must pass through ``esc`` before it is put into a reply.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace


def esc(value: object) -> str:
    """Escape user-provided text for Telegram HTML (and the terminal, which unescapes)."""
    return html.escape(str(value), quote=False)


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data: an opaque token, never an object id


@dataclass(frozen=True)
class Document:
    file_name: str
    content: bytes
    mime_type: str = "application/pdf"
    incomplete: bool = False  # some characters could not be drawn (a font is missing)


@dataclass(frozen=True)
class DocumentDraft:
    """A document still to be made, such as a contract PDF (90-150 ms of CPU).

    A flow hands this over instead of a ``Document``; ``App`` makes it after the update's
    transaction has committed and in a worker (``bot.workers``), so neither the database
    nor the other users' updates wait for it. ``make`` must be picklable (a module-level
    function, or a ``functools.partial`` of one over plain data) so it can run in another
    process; it returns the content and whether every character could be drawn.
    """

    file_name: str
    make: Callable[[], tuple[bytes, bool]]
    mime_type: str = "application/pdf"
    # Added to the reply's text when some character could not be drawn (a font missing),
    # or when the document could not be made at all: worded by the flow, in the reader's
    # language, like the rest of the reply.
    incomplete_note: str = ""
    failed_note: str = ""

    def finished(self, content: bytes, complete: bool) -> Document:
        return Document(self.file_name, content, self.mime_type, incomplete=not complete)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None
    # A document to make after the transaction; ``App`` turns it into ``document``, so a
    # transport never sees one.
    draft: DocumentDraft | None = None
    # A file already on Telegram's servers (evidence shown to the other party).
    file_id: str | None = None
    # The transport may edit the message that carried the pressed button instead of
    # sending a new one: a step re-rendered in place reads better than a flood.
    replace: bool = False
    progress: tuple[int, int] | None = None


@dataclass(frozen=True)
class Sender:
    telegram_id: int
    display_name: str = ""
    language_code: str | None = None


@dataclass(frozen=True)
class Attachment:
    file_id: str
    kind: str = "document"  # document | photo | video
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    # The file's first bytes, when the transport could read them: what the file *is*
    # (``policy.evidence_files``), whatever its name and declared type say.
    head: bytes | None = None


@dataclass(frozen=True)
class Incoming:
    sender: Sender
    text: str | None = None
    callback: str | None = None
    attachment: Attachment | None = None
    # Something we cannot use as an answer (sticker, location, poll...): say so politely.
    unsupported: str | None = None


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # Shown by answerCallbackQuery (e.g. "This button has expired"); None: a silent answer.
    callback_notice: str | None = None


# PostgreSQL text cannot hold NUL, and a JSON update can carry a lone surrogate that no
# client would send: neither is something a person typed.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(text: str | None) -> str | None:
    return None if text is None else _UNSTORABLE.sub("", text)


def storable(incoming: Incoming) -> Incoming:
    """The update without characters no database column can take."""
    sender = incoming.sender
    return replace(
        incoming,
        sender=replace(sender, display_name=_storable(sender.display_name) or ""),
        text=_storable(incoming.text),
        callback=_storable(incoming.callback),
    )
