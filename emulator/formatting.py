"""Entity parsing as the Bot API does it: HTML, MarkdownV2 and legacy Markdown.

The parsers follow tdlib's ``parse_html`` / ``parse_markdown_v2`` / ``parse_markdown``
closely enough that text which real Telegram rejects is rejected here with a similar
``can't parse entities: ...`` description, and accepted text yields the plain text plus
``MessageEntity`` dicts (offsets and lengths in UTF-16 code units, as in the API).

One deliberate difference: with ``strict_ampersand=True`` (the emulator's default) a bare
``&`` that does not start an HTML entity is an error. Real Telegram shows it literally, but
a bare ``&`` almost always means user text was interpolated without ``html.escape``, which
is the bug the emulator is there to catch.
"""

from __future__ import annotations

import re

__all__ = [
    "EntityParseError",
    "command_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]


class EntityParseError(ValueError):
    """The text cannot be parsed; ``str(err)`` is the part after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (the unit of entity offsets in the Bot API)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------- HTML

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z][a-zA-Z0-9]{0,31}));")
_HTML_SPECIAL = re.compile(r"[<&]")
_ATTR_TOKEN = re.compile(r"[A-Za-z0-9_.\-]*")
_SPACES = " \t\r\n\f\v"


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    m = _ENTITY_RE.match(text, i)
    if m is None:
        return None
    if m.group(3) is not None:
        ch = _NAMED_ENTITIES.get(m.group(3))
        if ch is None:
            return None
        return ch, m.end()
    code = int(m.group(1)) if m.group(1) is not None else int(m.group(2), 16)
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _skip_spaces(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _SPACES:
        i += 1
    return i


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram HTML; return ``(plain_text, entities)`` or raise EntityParseError."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 start, char index
    entities: list[dict] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                ch, i = decoded
                out.append(ch)
                u16 += utf16_len(ch)
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Unescaped '&' at byte offset {_byte_offset(text, i)}: escape it as &amp; "
                    "(emulator strict mode; real Telegram would show it literally)"
                )
            out.append("&")
            u16 += 1
            i += 1
            continue
        if c != "<":
            m = _HTML_SPECIAL.search(text, i + 1)
            j = m.start() if m else n
            chunk = text[i:j]
            out.append(chunk)
            u16 += utf16_len(chunk)
            i = j
            continue

        begin = i
        boff = _byte_offset(text, begin)
        i += 1
        if i < n and text[i] == "/":
            # end tag
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {boff}")
            i += 1
            name_start = i
            while i < n and text[i] not in _SPACES and text[i] != ">":
                i += 1
            end_name = text[name_start:i]
            i = _skip_spaces(text, i)
            if i >= n or text[i] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {boff}")
            i += 1
            tag, arg, start, _ = stack.pop()
            if end_name and end_name.lower() != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {boff}, expected "</{tag}>", '
                    f'found "</{end_name}>"'
                )
            length = u16 - start
            if length <= 0:
                continue
            if tag == "a":
                if arg:
                    entities.append(
                        {"type": "text_link", "offset": start, "length": length, "url": arg}
                    )
            elif tag == "tg-emoji":
                entities.append(
                    {
                        "type": "custom_emoji",
                        "offset": start,
                        "length": length,
                        "custom_emoji_id": arg,
                    }
                )
            elif tag == "blockquote":
                kind = "expandable_blockquote" if arg else "blockquote"
                entities.append({"type": kind, "offset": start, "length": length})
            elif tag == "pre":
                entity = {"type": "pre", "offset": start, "length": length}
                if (
                    entities
                    and entities[-1]["type"] == "code"
                    and entities[-1]["offset"] == start
                    and entities[-1]["length"] == length
                    and entities[-1].get("language")
                ):
                    entity["language"] = entities.pop()["language"]
                entities.append(entity)
            elif tag == "code":
                entity = {"type": "code", "offset": start, "length": length}
                if arg:
                    entity["language"] = arg
                entities.append(entity)
            else:
                entities.append(
                    {"type": _HTML_ENTITY_TYPES[tag], "offset": start, "length": length}
                )
            continue

        # start tag
        name_start = i
        while i < n and text[i] not in _SPACES and text[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {boff}")
        tag = text[name_start:i].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {boff}')
        arg = ""
        while True:
            i = _skip_spaces(text, i)
            if i >= n:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {boff}')
            if text[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and text[i] not in _SPACES and text[i] not in "=>":
                i += 1
            attr = text[attr_start:i]
            if not attr:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {boff}'
                )
            i = _skip_spaces(text, i)
            if i >= n or text[i] != "=":
                if tag == "blockquote" and attr.lower() == "expandable":
                    arg = "expandable"
                    continue
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {boff}'
                )
            i = _skip_spaces(text, i + 1)
            if i >= n:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {boff}')
            if text[i] in "'\"":
                quote = text[i]
                value_start = i
                i += 1
                buf: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded = _decode_entity(text, i)
                        if decoded is not None:
                            buf.append(decoded[0])
                            i = decoded[1]
                            continue
                    buf.append(text[i])
                    i += 1
                if i >= n:
                    raise EntityParseError(
                        "Unclosed end of attribute value at byte offset "
                        f"{_byte_offset(text, value_start)}"
                    )
                i += 1
                value = "".join(buf)
            else:
                m = _ATTR_TOKEN.match(text, i)
                value = m.group(0) if m else ""
                if not value:
                    raise EntityParseError(f"Expected quote at byte offset {_byte_offset(text, i)}")
                i += len(value)
            attr = attr.lower()
            if tag == "a" and attr == "href":
                arg = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                arg = value[len("language-") :]
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                arg = value[len("tg-") :]
            elif tag == "tg-emoji" and attr == "emoji-id":
                arg = value
        if tag == "span" and arg != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {boff}')
        if tag == "tg-emoji" and not arg.isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {boff}'
            )
        stack.append((tag, arg, u16, begin))

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return _finish("".join(out), entities)


# ---------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_SPECIAL = re.compile(r"[_*\[\]()~`>#+\-=|{}.!\\\n]")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_MDV2_MARKERS = {"bold": "*", "strikethrough": "~"}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Parse MarkdownV2; return ``(plain_text, entities)`` or raise EntityParseError."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, int, int]] = []  # type, utf16 start, char index
    entities: list[dict] = []
    quote_start: int | None = None
    line_start = True
    i, n = 0, len(text)

    def emit(chunk: str) -> None:
        nonlocal u16
        out.append(chunk)
        u16 += utf16_len(chunk)

    def close_quote(end: int) -> None:
        nonlocal quote_start
        if quote_start is not None and end > quote_start:
            entities.append(
                {"type": "blockquote", "offset": quote_start, "length": end - quote_start}
            )
        quote_start = None

    while i < n:
        c = text[i]
        if line_start:
            line_start = False
            if c == ">":
                if quote_start is None:
                    quote_start = u16
                i += 1
                continue
            if quote_start is not None:
                close_quote(u16 - 1 if out and out[-1].endswith("\n") else u16)
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            emit(text[i + 1])
            i += 2
            continue
        if c == "\n":
            emit("\n")
            line_start = True
            i += 1
            continue
        if c not in _MDV2_RESERVED:
            m = _MDV2_SPECIAL.search(text, i + 1)
            j = m.start() if m else n
            emit(text[i:j])
            i = j
            continue
        boff = _byte_offset(text, i)
        top = stack[-1][0] if stack else None
        if c == "`":
            is_pre = text.startswith("```", i)
            j = i + (3 if is_pre else 1)
            language = ""
            if is_pre:
                nl = text.find("\n", j)
                first_line_end = nl if nl != -1 else n
                candidate = text[j:first_line_end]
                if nl != -1 and candidate and "`" not in candidate and " " not in candidate:
                    language = candidate
                    j = nl + 1
            buf: list[str] = []
            closing = "```" if is_pre else "`"
            while j < n and not text.startswith(closing, j):
                if text[j] == "\\" and j + 1 < n and 0 < ord(text[j + 1]) < 127:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= n:
                kind = "PreCode" if is_pre else "Code"
                raise EntityParseError(f"Can't find end of {kind} entity at byte offset {boff}")
            content = "".join(buf)
            if is_pre and content.startswith("\n") and not language:
                content = content[1:]
            start = u16
            emit(content)
            if u16 > start:
                entity = {
                    "type": "pre" if is_pre else "code",
                    "offset": start,
                    "length": u16 - start,
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            i = j + len(closing)
            continue
        if c == "*":
            if top == "bold":
                _close(stack, entities, u16)
            else:
                stack.append(("bold", u16, i))
            i += 1
            continue
        if c == "~":
            if top == "strikethrough":
                _close(stack, entities, u16)
            else:
                stack.append(("strikethrough", u16, i))
            i += 1
            continue
        if c == "_":
            double = text.startswith("__", i)
            if top == "underline" and double:
                _close(stack, entities, u16)
                i += 2
            elif top == "italic":
                _close(stack, entities, u16)
                i += 1
            elif double:
                stack.append(("underline", u16, i))
                i += 2
            else:
                stack.append(("italic", u16, i))
                i += 1
            continue
        if c == "|" and text.startswith("||", i):
            if top == "spoiler":
                _close(stack, entities, u16)
            else:
                stack.append(("spoiler", u16, i))
            i += 2
            continue
        if c == "[":
            stack.append(("text_link", u16, i))
            i += 1
            continue
        if c == "!" and text.startswith("![", i):
            stack.append(("custom_emoji", u16, i))
            i += 2
            continue
        if c == "]" and top in ("text_link", "custom_emoji"):
            kind, start, _ = stack.pop()
            i += 1
            url = ""
            if i < n and text[i] == "(":
                j = i + 1
                buf = []
                while j < n and text[j] != ")":
                    if text[j] == "\\" and j + 1 < n and 0 < ord(text[j + 1]) < 127:
                        buf.append(text[j + 1])
                        j += 2
                        continue
                    buf.append(text[j])
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
                    )
                url = "".join(buf)
                i = j + 1
            if u16 > start and url:
                if kind == "custom_emoji":
                    emoji_id = url.partition("id=")[2]
                    entities.append(
                        {
                            "type": "custom_emoji",
                            "offset": start,
                            "length": u16 - start,
                            "custom_emoji_id": emoji_id,
                        }
                    )
                else:
                    entities.append(
                        {"type": "text_link", "offset": start, "length": u16 - start, "url": url}
                    )
            continue
        raise EntityParseError(
            f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
        )

    if stack:
        kind, _, index = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(text, index)}"
        )
    if quote_start is not None:
        close_quote(u16)
    return _finish("".join(out), entities)


def _close(stack: list[tuple[str, int, int]], entities: list[dict], u16: int) -> None:
    kind, start, _ = stack.pop()
    if u16 > start:
        entities.append({"type": kind, "offset": start, "length": u16 - start})


# ---------------------------------------------------------------------------- Markdown (legacy)

_MD_SPECIAL = re.compile(r"[_*`\[\\]")


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Parse legacy Markdown; return ``(plain_text, entities)`` or raise EntityParseError."""
    out: list[str] = []
    u16 = 0
    entities: list[dict] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            m = _MD_SPECIAL.search(text, i + 1)
            j = m.start() if m else n
            chunk = text[i:j]
            out.append(chunk)
            u16 += utf16_len(chunk)
            i = j
            continue
        boff = _byte_offset(text, i)
        error = f"Can't find end of the entity starting at byte offset {boff}"
        if c == "`" and text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise EntityParseError(error)
            body = text[i + 3 : end]
            language = ""
            first, sep, rest = body.partition("\n")
            if sep and first and " " not in first:
                language, body = first, rest
            entity = {"type": "pre", "offset": u16, "length": utf16_len(body)}
            if language:
                entity["language"] = language
            i = end + 3
        elif c == "[":
            end = text.find("]", i + 1)
            if end == -1:
                raise EntityParseError(error)
            body = text[i + 1 : end]
            url = ""
            i = end + 1
            if i < n and text[i] == "(":
                close = text.find(")", i + 1)
                if close == -1:
                    raise EntityParseError(error)
                url = text[i + 1 : close]
                i = close + 1
            entity = {"type": "text_link", "offset": u16, "length": utf16_len(body), "url": url}
            if not url:
                entity = None
        else:
            end = text.find(c, i + 1)
            if end == -1:
                raise EntityParseError(error)
            body = text[i + 1 : end]
            kind = {"_": "italic", "*": "bold", "`": "code"}[c]
            entity = {"type": kind, "offset": u16, "length": utf16_len(body)}
            i = end + 1
        if entity is not None and entity["length"] > 0:
            entities.append(entity)
        out.append(body)
        u16 += utf16_len(body)
    return _finish("".join(out), entities)


# ---------------------------------------------------------------------------- common


def _finish(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace like Telegram does and keep entities consistent."""
    stripped = text.strip()
    if stripped != text:
        lead = utf16_len(text[: len(text) - len(text.lstrip())])
        total = utf16_len(stripped)
        fixed = []
        for entity in entities:
            start = max(entity["offset"] - lead, 0)
            end = min(entity["offset"] + entity["length"] - lead, total)
            if end > start:
                fixed.append({**entity, "offset": start, "length": end - start})
        entities = fixed
        text = stripped
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


def parse_text(
    text: str, parse_mode: str | None, *, strict_ampersand: bool = True
) -> tuple[str, list[dict]]:
    """Dispatch on ``parse_mode`` (case-insensitive, as the API accepts it)."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return _finish(text, [])
    if mode == "html":
        return parse_html(text, strict_ampersand=strict_ampersand)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')


_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def command_entities(text: str) -> list[dict]:
    """``bot_command`` entities the Telegram client attaches to a user's text."""
    result = []
    for m in _COMMAND_RE.finditer(text):
        result.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
        )
    return result
