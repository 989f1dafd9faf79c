"""Which files a dispute accepts as evidence (ch7: documents, photos, videos, reports):
images, PDF, video and office documents, judged by what the file *is*, not its name.

A document's declared content type (and its name's extension, when the type is the
generic ``application/octet-stream``) must be one of those families, and its first bytes
must carry a signature of the same kind: "receipt.pdf" made of a Windows executable
("MZ...") is refused whatever it is called. Photos and videos sent as such were decoded
by Telegram already. Pure functions: the transports read the first bytes.
"""

from __future__ import annotations

from typing import Literal

Family = Literal["image", "pdf", "video", "office"]
HEAD_BYTES = 64  # enough for every signature below

_MIME_FAMILIES: dict[str, Family] = {
    "application/pdf": "pdf",
    "application/msword": "office",
    "application/vnd.ms-excel": "office",
    "application/vnd.ms-powerpoint": "office",
    "application/rtf": "office",
    "text/rtf": "office",
    "text/csv": "office",
    "text/plain": "office",
}
_MIME_PREFIXES: dict[str, Family] = {
    "image/": "image",
    "video/": "video",
    "application/vnd.openxmlformats-officedocument.": "office",
    "application/vnd.oasis.opendocument.": "office",
}
_EXTENSIONS: dict[str, Family] = {
    **dict.fromkeys(
        ("jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff"), "image"
    ),
    "pdf": "pdf",
    **dict.fromkeys(("mp4", "mov", "m4v", "webm", "mkv", "avi", "3gp"), "video"),
    **dict.fromkeys(
        ("doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "csv", "txt"),
        "office",
    ),
}  # type: ignore[dict-item]


def declared_family(mime: str | None, name: str | None) -> Family | None:
    """The family the sender's client claims: the content type, else the extension."""
    if mime and mime != "application/octet-stream":
        mime = mime.lower()
        if mime in _MIME_FAMILIES:
            return _MIME_FAMILIES[mime]
        for prefix, family in _MIME_PREFIXES.items():
            if mime.startswith(prefix) and mime != "image/svg+xml":  # SVG can carry scripts
                return family
        return None
    extension = (name or "").rsplit(".", 1)[-1].lower() if name and "." in name else ""
    return _EXTENSIONS.get(extension)


def sniffed_family(head: bytes) -> Family | None:
    """The family the first bytes prove, or None (an executable, a script, unknown)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")):
        return "image"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "image" if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif") else "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return "video"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf")):
        return "office"  # OOXML / OpenDocument (zip), legacy Office (OLE2), RTF
    if _is_text(head):
        return "office"  # CSV and plain text: no signature, but no binary either
    return None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head or head.startswith((b"#!", b"MZ", b"\x7fELF")):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # The head may cut a multi-byte character: judge all but the last 3 bytes.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def acceptable(mime: str | None, name: str | None, head: bytes | None) -> bool:
    """Whether a document may be kept as evidence. Without its first bytes (a transport
    that could not read them) the declared type alone decides."""
    declared = declared_family(mime, name)
    if declared is None:
        return False
    if head is None:
        return True
    sniffed = sniffed_family(head)
    if sniffed is None:
        return False
    # Text passes for office files only when declared as text-like (CSV, TXT, RTF).
    return sniffed == declared
