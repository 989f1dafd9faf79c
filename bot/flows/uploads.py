"""A file someone sent, made fit to keep: what the transport says about it is untrusted.

Telegram's own values are short, but a file name is whatever the sender's device
called it: control and bidi-override characters ("invoice\u202efdp.exe" shows as
"invoiceexe.pdf") are dropped so a name shown to the other party reads as it is, and
every value is cut to its column (``storage.models.Evidence``) so PostgreSQL never
refuses the row. An id no Telegram file could have is refused rather than stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.flows.base import Invalid
from bot.flows.replies import Attachment
from bot.i18n import _
from policy.evidence_files import acceptable

MAX_FILE_ID = 256
MAX_UNIQUE_ID = 128
MAX_NAME = 256
MAX_MIME = 128
_FILE_ID = re.compile(r"[A-Za-z0-9_\-:.]+")
_MIME = re.compile(r"[\w.+-]+/[\w.+-]+")


def clean_name(name: str | None) -> str | None:
    """The name without invisible or direction-changing characters, at most 256 long."""
    if not name:
        return None
    kept = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    return " ".join(kept.split())[:MAX_NAME] or None


def fit_to_keep(attachment: Attachment) -> Attachment:
    """The attachment with its values cleaned; ``Invalid`` if it cannot be a Telegram file."""
    file_id = attachment.file_id
    if not file_id or len(file_id) > MAX_FILE_ID or not _FILE_ID.fullmatch(file_id):
        raise Invalid(_("I can't use that file. Please send it again as a document or photo."))
    unique = attachment.file_unique_id
    mime = attachment.mime_type
    size = attachment.size
    return replace(
        attachment,
        file_unique_id=unique
        if unique and len(unique) <= MAX_UNIQUE_ID and _FILE_ID.fullmatch(unique)
        else None,
        file_name=clean_name(attachment.file_name),
        mime_type=mime if mime and len(mime) <= MAX_MIME and _MIME.fullmatch(mime) else None,
        size=size if size is not None and size >= 0 else None,
    )


def refuse_too_large(attachment: Attachment, limit: int) -> None:
    """``Invalid`` for a file over ``limit`` bytes (the size Telegram reports)."""
    if attachment.size is not None and attachment.size > limit:
        raise Invalid(
            _("That file is too large ({size} MB at most).").format(size=limit // (1024 * 1024))
        )


def acceptable_file(attachment: Attachment) -> bool:
    """Photos and videos always; a document only if its name, MIME type and first bytes
    make it one of the kinds evidence may be (``policy.evidence_files``)."""
    return attachment.kind != "document" or acceptable(
        attachment.mime_type, attachment.file_name, attachment.head
    )
