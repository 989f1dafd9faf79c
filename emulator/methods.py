"""Bot API methods: parameter coercion, validation and the handlers themselves.

Every handler is ``async def handler(emu, params) -> result`` and raises
:class:`~emulator.state.ApiError` for an error answer. ``METHODS`` maps the lower-cased
method name (the API is case-insensitive) to ``(canonical name, handler)``.
"""

from __future__ import annotations

import json
import mimetypes
import re
import struct
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .formatting import EntityParseError, parse_text
from .state import ApiError, Chat, StoredFile, UploadedFile

if TYPE_CHECKING:
    from .server import BotAPIEmulator

__all__ = ["METHODS", "RATE_LIMITED_METHODS", "normalize_params"]

Handler = Callable[["BotAPIEmulator", dict], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}

# Methods that send or change content in a chat: these count against flood control and
# are refused in a chat that blocked the bot.
RATE_LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO = 10 * 1024 * 1024


def method(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = (name, func)
        return func

    return register


# ---------------------------------------------------------------------------- params

_INT_PARAMS = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "cache_time",
        "width",
        "height",
        "duration",
        "from_chat_id",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "for_channels",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "message_ids",
        "media",
        "rights",
        "suggested_post_parameters",
    }
)
_TRUE = frozenset({"true", "1", "yes", "on"})


def normalize_params(raw: dict) -> dict:
    """Coerce string form/query values to the JSON types the API documents."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError:
                    if key == "reply_markup":
                        raise ApiError.bad_request(
                            "can't parse reply keyboard markup JSON object"
                        ) from None
                    raise ApiError.bad_request(f"can't parse {key} JSON object") from None
            elif key in _INT_PARAMS:
                try:
                    value = int(value)
                except ValueError:
                    raise ApiError.bad_request(f"invalid {key} specified") from None
            elif key in _BOOL_PARAMS:
                value = value.strip().lower() in _TRUE
            elif key == "chat_id":
                value = _coerce_chat_id(value)
        params[key] = value
    return params


def _coerce_chat_id(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("@"):
            return stripped
        try:
            return int(stripped)
        except ValueError:
            raise ApiError.bad_request("chat not found") from None
    return value


def _require(p: dict, key: str) -> Any:
    value = p.get(key)
    if value is None or value == "":
        raise ApiError.bad_request(f"{key} is empty" if key in p else f"{key} is required")
    return value


def _int(p: dict, key: str, default: int | None = None) -> int | None:
    value = p.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError.bad_request(f"invalid {key} specified") from None


def _formatted(
    emu: BotAPIEmulator, text: Any, parse_mode: Any, entities: Any, *, what: str
) -> tuple[str, list[dict]]:
    if not isinstance(text, str):
        text = str(text)
    if entities and not parse_mode:
        if not isinstance(entities, list):
            raise ApiError.bad_request(f"can't parse {what} entities JSON object")
        return text, entities
    try:
        return parse_text(text, parse_mode, strict_ampersand=emu.strict_html)
    except EntityParseError as err:
        if str(err).startswith("Unsupported parse_mode"):
            raise ApiError.bad_request("unsupported parse_mode") from None
        raise ApiError.bad_request(f"can't parse entities: {err}") from None


def _message_text(emu: BotAPIEmulator, p: dict) -> tuple[str, list[dict]]:
    raw = p.get("text")
    if raw is None or raw == "":
        raise ApiError.bad_request("message text is empty")
    text, entities = _formatted(emu, raw, p.get("parse_mode"), p.get("entities"), what="message")
    if not text:
        raise ApiError.bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise ApiError.bad_request("message is too long")
    return text, entities


def _caption(emu: BotAPIEmulator, p: dict) -> dict:
    raw = p.get("caption")
    if raw is None or raw == "":
        return {}
    text, entities = _formatted(
        emu, raw, p.get("parse_mode"), p.get("caption_entities"), what="caption"
    )
    if len(text) > MAX_CAPTION:
        raise ApiError.bad_request("message caption is too long")
    content: dict[str, Any] = {}
    if text:
        content["caption"] = text
        if entities:
            content["caption_entities"] = entities
    return content


# ---------------------------------------------------------------------------- reply markup

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)


def _check_markup(markup: Any) -> tuple[dict | None, tuple[str, dict | None] | None]:
    """Validate reply_markup; return (inline markup for the Message, reply-keyboard action)."""
    if markup is None or markup == "":
        return None, None
    if not isinstance(markup, dict):
        raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError.bad_request(
                'can\'t parse inline keyboard button: Field "inline_keyboard" must be an Array '
                "of Array"
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise ApiError.bad_request(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                actions = [a for a in _INLINE_ACTIONS if button.get(a) is not None]
                if not actions:
                    raise ApiError.bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                if "callback_data" in actions:
                    data = button["callback_data"]
                    if not isinstance(data, str):
                        data = str(data)
                    size = len(data.encode("utf-8"))
                    if size < 1 or size > MAX_CALLBACK_DATA:
                        raise ApiError.bad_request("BUTTON_DATA_INVALID")
                if "url" in actions and not _URL_RE.match(str(button["url"])):
                    raise ApiError.bad_request("BUTTON_URL_INVALID")
        if not any(rows):
            return None, None  # an empty inline keyboard means "no keyboard"
        return markup, None
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError.bad_request(
                'can\'t parse reply keyboard markup JSON object: Field "keyboard" must be an '
                "Array of Array"
            )
        normalized = []
        for row in rows:
            norm_row = []
            for button in row:
                if isinstance(button, str):
                    button = {"text": button}
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError.bad_request("can't parse keyboard button: text is empty")
                norm_row.append(button)
            normalized.append(norm_row)
        return None, ("set", {**markup, "keyboard": normalized})
    if markup.get("remove_keyboard"):
        return None, ("remove", None)
    if markup.get("force_reply"):
        return None, ("force_reply", markup)
    raise ApiError.bad_request("can't parse reply keyboard markup JSON object")


def _apply_keyboard(chat: Chat, action: tuple[str, dict | None] | None) -> None:
    if action is None:
        return
    kind, markup = action
    if kind == "set":
        chat.reply_keyboard = markup
    elif kind == "remove":
        chat.reply_keyboard = None


def _reply_to(chat: Chat, p: dict) -> dict | None:
    params = p.get("reply_parameters")
    message_id = None
    allow_missing = bool(p.get("allow_sending_without_reply"))
    if isinstance(params, dict):
        message_id = params.get("message_id")
        allow_missing = allow_missing or bool(params.get("allow_sending_without_reply"))
        if params.get("chat_id") not in (None, chat.id):
            return None  # a reply into another chat: not modelled
    elif p.get("reply_to_message_id") is not None:
        message_id = p.get("reply_to_message_id")
    if message_id is None:
        return None
    try:
        target = chat.message(int(message_id))
    except (TypeError, ValueError):
        target = None
    if target is None:
        if allow_missing:
            return None
        raise ApiError.bad_request("message to be replied not found")
    return {k: v for k, v in target.items() if k != "reply_to_message"}


def _common_content(p: dict) -> dict:
    content: dict[str, Any] = {}
    if p.get("message_thread_id") is not None:
        content["message_thread_id"] = p["message_thread_id"]
    if p.get("protect_content"):
        content["has_protected_content"] = True
    return content


# ---------------------------------------------------------------------------- bot & updates


@method("getMe")
async def get_me(emu: BotAPIEmulator, p: dict) -> Any:
    return emu.bot_user_full


@method("getUpdates")
async def get_updates(emu: BotAPIEmulator, p: dict) -> Any:
    return await emu._get_updates(p)


@method("setWebhook")
async def set_webhook(emu: BotAPIEmulator, p: dict) -> Any:
    url = p.get("url") or ""
    if not isinstance(url, str):
        raise ApiError.bad_request("invalid webhook URL specified")
    secret = p.get("secret_token")
    if secret not in (None, "") and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
        raise ApiError.bad_request("secret token contains unallowed characters")
    max_connections = _int(p, "max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise ApiError.bad_request("invalid max_connections specified")
    drop = bool(p.get("drop_pending_updates"))
    if not url:
        await emu._delete_webhook(drop)
        return True
    if not re.match(r"^https?://[^/\s]+", url):
        raise ApiError.bad_request("invalid webhook URL specified")
    allowed = p.get("allowed_updates")
    await emu._set_webhook(
        url,
        secret_token=secret or None,
        max_connections=max_connections,
        drop_pending_updates=drop,
        allowed_updates=allowed if isinstance(allowed, list) else None,
        ip_address=p.get("ip_address"),
    )
    return True


@method("deleteWebhook")
async def delete_webhook(emu: BotAPIEmulator, p: dict) -> Any:
    await emu._delete_webhook(bool(p.get("drop_pending_updates")))
    return True


@method("getWebhookInfo")
async def get_webhook_info(emu: BotAPIEmulator, p: dict) -> Any:
    return emu.webhook_info()


@method("close")
async def close(emu: BotAPIEmulator, p: dict) -> Any:
    return True


@method("logOut")
async def log_out(emu: BotAPIEmulator, p: dict) -> Any:
    return True


# ---------------------------------------------------------------------------- messages


@method("sendMessage")
async def send_message(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p)
    text, entities = _message_text(emu, p)
    inline, keyboard = _check_markup(p.get("reply_markup"))
    reply_to = _reply_to(chat, p)
    content: dict[str, Any] = _common_content(p)
    content["text"] = text
    if entities:
        content["entities"] = entities
    preview = p.get("link_preview_options")
    if isinstance(preview, dict) and preview:
        content["link_preview_options"] = preview
    elif p.get("disable_web_page_preview"):
        content["link_preview_options"] = {"is_disabled": True}
    _apply_keyboard(chat, keyboard)
    return emu._store_bot_message(
        chat, content, method="sendMessage", inline_markup=inline, reply_to=reply_to
    )


def _editable(emu: BotAPIEmulator, p: dict) -> tuple[Chat, dict]:
    if p.get("inline_message_id"):
        raise ApiError.bad_request("MESSAGE_ID_INVALID")
    if p.get("chat_id") is None:
        raise ApiError.bad_request("chat_id is required")
    chat = emu._target_chat(p)
    message_id = _int(p, "message_id")
    if message_id is None:
        raise ApiError.bad_request("message identifier is not specified")
    msg = chat.message(message_id)
    if msg is None:
        raise ApiError.bad_request("message to edit not found")
    if msg.get("from", {}).get("id") != emu.bot_id:
        raise ApiError.bad_request("message can't be edited")
    return chat, msg


_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _edit_markup(p: dict) -> dict | None:
    inline, keyboard = _check_markup(p.get("reply_markup"))
    if keyboard is not None:
        raise ApiError.bad_request("inline keyboard expected")
    return inline


@method("editMessageText")
async def edit_message_text(emu: BotAPIEmulator, p: dict) -> Any:
    chat, msg = _editable(emu, p)
    text, entities = _message_text(emu, p)
    inline = _edit_markup(p)
    if "text" not in msg:
        raise ApiError.bad_request("there is no text in the message to edit")
    if (
        msg.get("text") == text
        and msg.get("entities", []) == entities
        and msg.get("reply_markup") == inline
    ):
        raise ApiError.bad_request(_NOT_MODIFIED)
    changes: dict[str, Any] = {"text": text, "entities": entities or None, "reply_markup": inline}
    preview = p.get("link_preview_options")
    if isinstance(preview, dict) and preview:
        changes["link_preview_options"] = preview
    return emu._edit_bot_message(chat, msg, changes, method="editMessageText")


@method("editMessageCaption")
async def edit_message_caption(emu: BotAPIEmulator, p: dict) -> Any:
    chat, msg = _editable(emu, p)
    content = _caption(emu, p)
    inline = _edit_markup(p)
    if "text" in msg:
        raise ApiError.bad_request("there is no caption in the message to edit")
    if (
        msg.get("caption") == content.get("caption")
        and msg.get("caption_entities") == content.get("caption_entities")
        and msg.get("reply_markup") == inline
    ):
        raise ApiError.bad_request(_NOT_MODIFIED)
    changes = {
        "caption": content.get("caption"),
        "caption_entities": content.get("caption_entities"),
        "reply_markup": inline,
    }
    return emu._edit_bot_message(chat, msg, changes, method="editMessageCaption")


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: BotAPIEmulator, p: dict) -> Any:
    chat, msg = _editable(emu, p)
    inline = _edit_markup(p)
    if msg.get("reply_markup") == inline:
        raise ApiError.bad_request(_NOT_MODIFIED)
    return emu._edit_bot_message(
        chat, msg, {"reply_markup": inline}, method="editMessageReplyMarkup"
    )


@method("deleteMessage")
async def delete_message(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p, for_send=False)
    message_id = _int(p, "message_id")
    if message_id is None or chat.message(message_id) is None:
        raise ApiError.bad_request("message to delete not found")
    emu._delete_message(chat, message_id, method="deleteMessage")
    return True


@method("deleteMessages")
async def delete_messages(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p, for_send=False)
    ids = p.get("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise ApiError.bad_request("message_ids must be a non-empty list of at most 100 ids")
    for message_id in ids:
        if chat.message(int(message_id)) is not None:
            emu._delete_message(chat, int(message_id), method="deleteMessages")
    return True


_COPY_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "document",
    "photo",
    "sticker",
    "location",
    "contact",
    "voice",
    "audio",
    "video",
)


def _source_message(emu: BotAPIEmulator, p: dict) -> dict:
    from_chat = emu._chat_or_error(_coerce_chat_id(_require(p, "from_chat_id")))
    message_id = _int(p, "message_id")
    source = from_chat.message(message_id) if message_id is not None else None
    if source is None:
        raise ApiError.bad_request("message to copy not found")
    return source


@method("forwardMessage")
async def forward_message(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p)
    source = _source_message(emu, p)
    content = {k: source[k] for k in _COPY_KEYS if k in source}
    origin_user = source.get("from")
    if origin_user is not None:
        content["forward_origin"] = {
            "type": "user",
            "date": source["date"],
            "sender_user": origin_user,
        }
    content.update(_common_content(p))
    return emu._store_bot_message(chat, content, method="forwardMessage")


@method("copyMessage")
async def copy_message(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p)
    source = _source_message(emu, p)
    content = {k: source[k] for k in _COPY_KEYS if k in source}
    if p.get("caption") is not None:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(emu, p))
    content.update(_common_content(p))
    inline, keyboard = _check_markup(p.get("reply_markup"))
    _apply_keyboard(chat, keyboard)
    msg = emu._store_bot_message(chat, content, method="copyMessage", inline_markup=inline)
    return {"message_id": msg["message_id"]}


@method("sendChatAction")
async def send_chat_action(emu: BotAPIEmulator, p: dict) -> Any:
    emu._target_chat(p)
    action = p.get("action")
    if action not in _CHAT_ACTIONS:
        raise ApiError.bad_request("wrong parameter action in request")
    return True


_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@method("answerCallbackQuery")
async def answer_callback_query(emu: BotAPIEmulator, p: dict) -> Any:
    query_id = str(p.get("callback_query_id") or "")
    query = emu._open_callbacks.pop(query_id, None)
    if query is None:
        raise ApiError.bad_request(
            "query is too old and response timeout expired or query ID is invalid"
        )
    text = p.get("text")
    if text is not None and len(str(text)) > 200:
        emu._open_callbacks[query_id] = query
        raise ApiError.bad_request("MESSAGE_TOO_LONG")
    record = {
        "callback_query_id": query_id,
        "text": text,
        "show_alert": bool(p.get("show_alert")),
        "url": p.get("url"),
        "cache_time": p.get("cache_time"),
        "data": query.get("data"),
        "user_id": (query.get("from") or {}).get("id"),
        "chat_id": query.get("message", {}).get("chat", {}).get("id"),
        "message_id": query.get("message", {}).get("message_id"),
    }
    emu.callback_answers.append(record)
    emu._answered_callbacks.add(query_id)
    return True


@method("getChat")
async def get_chat(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._chat_or_error(_coerce_chat_id(_require(p, "chat_id")))
    return {
        **chat.to_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


# ---------------------------------------------------------------------------- files


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, WebP or JPEG image; None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            width = 1 + int.from_bytes(data[24:27], "little")
            height = 1 + int.from_bytes(data[27:30], "little")
            return width, height
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


def _resolve_input_file(
    emu: BotAPIEmulator, p: dict, key: str
) -> tuple[UploadedFile | None, StoredFile | None]:
    value = p.get(key)
    if value is None or value == "":
        raise ApiError.bad_request(f"there is no {key} in the request")
    if isinstance(value, UploadedFile):
        return value, None
    if isinstance(value, str) and value.startswith("attach://"):
        raise ApiError.bad_request(f"wrong file identifier/HTTP URL specified ({key})")
    if isinstance(value, str) and re.match(r"^https?://", value):
        raise ApiError.bad_request("failed to get HTTP URL content")
    stored = emu.files.get(str(value))
    if stored is None:
        raise ApiError.bad_request("wrong file identifier/HTTP URL specified")
    return None, stored


@method("sendDocument")
async def send_document(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p)
    upload, stored = _resolve_input_file(emu, p, "document")
    content = _common_content(p)
    content.update(_caption(emu, p))
    inline, keyboard = _check_markup(p.get("reply_markup"))
    reply_to = _reply_to(chat, p)
    if upload is not None:
        if not upload.data:
            raise ApiError.bad_request("file must be non-empty")
        if len(upload.data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        file_name = upload.filename or "document"
        mime = mimetypes.guess_type(file_name)[0]
        if mime is None and upload.content_type not in (None, "application/octet-stream"):
            mime = upload.content_type
        stored = emu._new_file(
            upload.data,
            kind="document",
            sender="bot",
            chat_id=chat.id,
            file_name=file_name,
            mime_type=mime or "application/octet-stream",
        )
    assert stored is not None
    content["document"] = stored.document_dict()
    _apply_keyboard(chat, keyboard)
    return emu._store_bot_message(
        chat, content, method="sendDocument", inline_markup=inline, reply_to=reply_to
    )


def _photo_sizes(emu: BotAPIEmulator, stored: StoredFile) -> list[dict]:
    width, height = stored.width or 0, stored.height or 0
    sizes = []
    scale = 90 / max(width, height, 1)
    if scale < 1:
        thumb = emu._photo_thumbnail(
            stored, max(1, round(width * scale)), max(1, round(height * scale))
        )
        sizes.append(thumb)
    sizes.append(
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": width,
            "height": height,
        }
    )
    return sizes


@method("sendPhoto")
async def send_photo(emu: BotAPIEmulator, p: dict) -> Any:
    chat = emu._target_chat(p)
    upload, stored = _resolve_input_file(emu, p, "photo")
    content = _common_content(p)
    content.update(_caption(emu, p))
    inline, keyboard = _check_markup(p.get("reply_markup"))
    reply_to = _reply_to(chat, p)
    if upload is not None:
        if not upload.data:
            raise ApiError.bad_request("file must be non-empty")
        if len(upload.data) > MAX_PHOTO:
            raise ApiError.bad_request("PHOTO_INVALID_DIMENSIONS")
        dims = _image_size(upload.data)
        if dims is None:
            raise ApiError.bad_request("IMAGE_PROCESS_FAILED")
        stored = emu._new_file(
            upload.data,
            kind="photo",
            sender="bot",
            chat_id=chat.id,
            mime_type="image/jpeg",
            width=dims[0],
            height=dims[1],
        )
    assert stored is not None
    if stored.kind != "photo":
        raise ApiError.bad_request("wrong file identifier/HTTP URL specified")
    content["photo"] = _photo_sizes(emu, stored)
    _apply_keyboard(chat, keyboard)
    return emu._store_bot_message(
        chat, content, method="sendPhoto", inline_markup=inline, reply_to=reply_to
    )


@method("getFile")
async def get_file(emu: BotAPIEmulator, p: dict) -> Any:
    file_id = str(p.get("file_id") or "")
    stored = emu.files.get(file_id)
    if stored is None:
        raise ApiError.bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise ApiError.bad_request("file is too big")
    emu._assign_file_path(stored)
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }


# ---------------------------------------------------------------------------- commands & menu

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def _scope_key(scope: Any) -> str:
    if scope is None or scope == "":
        return "default"
    if not isinstance(scope, dict) or "type" not in scope:
        raise ApiError.bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return kind
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{_coerce_chat_id(scope.get('chat_id'))}"
    if kind == "chat_member":
        return f"chat_member:{_coerce_chat_id(scope.get('chat_id'))}:{scope.get('user_id')}"
    raise ApiError.bad_request("wrong bot command scope type specified")


def _language(p: dict) -> str:
    code = p.get("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", str(code)):
        raise ApiError.bad_request("invalid language code specified")
    return str(code)


@method("setMyCommands")
async def set_my_commands(emu: BotAPIEmulator, p: dict) -> Any:
    commands = p.get("commands")
    if not isinstance(commands, list):
        raise ApiError.bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise ApiError.bad_request("too many commands specified")
    clean = []
    for item in commands:
        if not isinstance(item, dict):
            raise ApiError.bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).lstrip("/")
        description = str(item.get("description", ""))
        if not _COMMAND_RE.match(command):
            raise ApiError.bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise ApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": command, "description": description})
    key = (_scope_key(p.get("scope")), _language(p))
    if clean:
        emu.commands[key] = clean
    else:
        emu.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(emu: BotAPIEmulator, p: dict) -> Any:
    return emu.commands.get((_scope_key(p.get("scope")), _language(p)), [])


@method("deleteMyCommands")
async def delete_my_commands(emu: BotAPIEmulator, p: dict) -> Any:
    emu.commands.pop((_scope_key(p.get("scope")), _language(p)), None)
    return True


def _text_setting(kind: str, limit: int) -> tuple[Handler, Handler]:
    async def setter(emu: BotAPIEmulator, p: dict) -> Any:
        value = p.get(kind) or ""
        if len(str(value)) > limit:
            raise ApiError.bad_request(f"{kind} is too long")
        emu.bot_texts[(kind, _language(p))] = str(value)
        return True

    async def getter(emu: BotAPIEmulator, p: dict) -> Any:
        lang = _language(p)
        value = emu.bot_texts.get((kind, lang))
        if value is None:
            value = emu.bot_texts.get(
                (kind, ""), emu.bot_user["first_name"] if kind == "name" else ""
            )
        return {kind: value}

    return setter, getter


for _kind, _name, _limit in (
    ("description", "MyDescription", 512),
    ("short_description", "MyShortDescription", 120),
    ("name", "MyName", 64),
):
    _set, _get = _text_setting(_kind, _limit)
    method(f"set{_name}")(_set)
    method(f"get{_name}")(_get)


@method("setChatMenuButton")
async def set_chat_menu_button(emu: BotAPIEmulator, p: dict) -> Any:
    button = p.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
        raise ApiError.bad_request("can't parse menu button JSON object")
    if button["type"] == "web_app" and not (button.get("text") and button.get("web_app")):
        raise ApiError.bad_request("can't parse menu button JSON object")
    if p.get("chat_id") is None:
        emu.default_menu_button = button
    else:
        chat = emu._chat_or_error(p["chat_id"])
        chat.menu_button = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(emu: BotAPIEmulator, p: dict) -> Any:
    if p.get("chat_id") is None:
        return emu.default_menu_button
    chat = emu._chat_or_error(p["chat_id"])
    return chat.menu_button or emu.default_menu_button
