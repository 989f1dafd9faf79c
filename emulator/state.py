"""Data kept by the emulator: users, chats with their messages, files, records, the update queue."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "ApiError",
    "BotEvent",
    "Chat",
    "ErrorRecord",
    "FloodControl",
    "RecordedRequest",
    "StoredFile",
    "UpdateQueue",
    "UploadedFile",
    "User",
    "WebhookDelivery",
]


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": code, ...}``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters
        self.abandoned = False  # the client had already gone; not listed in emu.errors

    @classmethod
    def bad_request(cls, detail: str) -> ApiError:
        return cls(400, f"Bad Request: {detail}")

    def payload(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class User:
    """A Telegram user the test plays. ``emu.user(...)`` creates one (and its private chat)."""

    id: int
    first_name: str = "User"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code", "is_premium"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class Chat:
    """A chat and every message in it (user's and bot's), keyed by message id."""

    def __init__(
        self,
        id: int,
        type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> None:
        self.id = id
        self.type = type
        self.title = title
        self.username = username
        self.first_name = first_name
        self.last_name = last_name
        self.blocked = False
        self.reply_keyboard: dict | None = None  # the last ReplyKeyboardMarkup the bot showed
        self.menu_button: dict | None = None
        self.deleted: list[int] = []
        self._messages: dict[int, dict] = {}
        self._last_id = 0
        self._dict: dict | None = None

    def to_dict(self) -> dict:
        if self._dict is None:
            data: dict[str, Any] = {"id": self.id, "type": self.type}
            for key in ("title", "username", "first_name", "last_name"):
                value = getattr(self, key)
                if value is not None:
                    data[key] = value
            self._dict = data
        return self._dict

    def next_message_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def store(self, message: dict) -> None:
        self._messages[message["message_id"]] = message

    def message(self, message_id: int) -> dict | None:
        return self._messages.get(message_id)

    def remove(self, message_id: int) -> dict | None:
        msg = self._messages.pop(message_id, None)
        if msg is not None:
            self.deleted.append(message_id)
        return msg

    @property
    def messages(self) -> list[dict]:
        """Every live (not deleted) message, oldest first."""
        return list(self._messages.values())

    def bot_messages(self, bot_id: int) -> list[dict]:
        return [m for m in self._messages.values() if m.get("from", {}).get("id") == bot_id]

    @property
    def reply_keyboard_texts(self) -> list[list[str]]:
        """Button texts of the reply keyboard currently shown, row by row."""
        if not self.reply_keyboard:
            return []
        return [[b["text"] for b in row] for row in self.reply_keyboard.get("keyboard", [])]

    def __repr__(self) -> str:
        return f"Chat(id={self.id}, type={self.type!r}, messages={len(self._messages)})"


@dataclass(eq=False)
class StoredFile:
    """A file known to the emulator (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    data: bytes
    size: int
    kind: str  # document, photo, sticker, ...
    sender: str  # "bot" or "user"
    chat_id: int | None = None
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    file_path: str | None = None
    is_thumbnail: bool = False

    def document_dict(self) -> dict:
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name is not None:
            data["file_name"] = self.file_name
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        data["file_size"] = self.size
        return data

    def __repr__(self) -> str:
        return (
            f"StoredFile(file_id={self.file_id!r}, kind={self.kind!r}, sender={self.sender!r}, "
            f"file_name={self.file_name!r}, size={self.size})"
        )


@dataclass(eq=False)
class UploadedFile:
    """A multipart file part as received (kept in recorded params instead of raw bytes)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"UploadedFile({self.field!r}, filename={self.filename!r}, size={len(self.data)})"


class RecordedRequest(NamedTuple):
    method: str
    params: dict
    time: float  # time.monotonic() when answered
    status: int


class ErrorRecord(NamedTuple):
    method: str
    params: dict
    status: int
    description: str


class WebhookDelivery(NamedTuple):
    update_id: int
    attempt: int
    status: int | None  # HTTP status, None when the connection failed
    error: str | None


@dataclass(frozen=True)
class BotEvent:
    """Something the bot did to a chat: ``kind`` is "sent", "edited" or "deleted"."""

    seq: int
    kind: str
    chat_id: int
    message_id: int
    message: dict
    method: str
    reply_keyboard: dict | None = None


# ---------------------------------------------------------------------------- updates


class _Queued:
    __slots__ = ("body", "chat_key", "delivered", "replay", "update_id")

    def __init__(self, update_id: int, body: str, chat_key: Any, replay: bool) -> None:
        self.update_id = update_id
        self.body = body
        self.chat_key = chat_key
        self.replay = replay
        self.delivered = False


class UpdateQueue:
    """Pending updates for getUpdates, with Telegram's offset confirmation semantics.

    An update re-injected with an already used ``update_id`` (a "replay") is handed out at
    least once even if the client's offset already confirmed that id, so tests can check
    how the bot copes with a duplicate delivery.
    """

    def __init__(self) -> None:
        self._items: deque[_Queued] = deque()
        self._pending_replays = 0
        self.undelivered = 0  # queued updates not yet handed out by getUpdates
        self._waiter: asyncio.Future | None = None

    def __len__(self) -> int:
        return len(self._items)

    def push(self, item: _Queued) -> None:
        self._items.append(item)
        self.undelivered += 1
        if item.replay:
            self._pending_replays += 1
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def extend_sorted(self, items: Iterable[_Queued]) -> None:
        merged = sorted([*self._items, *items], key=lambda q: q.update_id)
        self._items = deque(merged)
        self._pending_replays = sum(1 for q in merged if q.replay and not q.delivered)
        self.undelivered = sum(1 for q in merged if not q.delivered)
        if merged and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def clear(self) -> list[_Queued]:
        items = list(self._items)
        self._items.clear()
        self._pending_replays = 0
        self.undelivered = 0
        return items

    def _removable(self, item: _Queued, offset: int) -> bool:
        return item.update_id < offset and not (item.replay and not item.delivered)

    def confirm(self, offset: int) -> None:
        items = self._items
        if offset < 0:
            keep = -offset
            while len(items) > keep:
                dropped = items.popleft()
                if not dropped.delivered:
                    self.undelivered -= 1
                    if dropped.replay:
                        self._pending_replays -= 1
            return
        if offset == 0:
            return
        while items and self._removable(items[0], offset):
            if not items.popleft().delivered:
                self.undelivered -= 1
        if self._pending_replays and items and items[0].update_id < offset:
            # a pending replay blocks the head: filter the rest (rare path)
            self._items = deque(q for q in items if not self._removable(q, offset))
            self.undelivered = sum(1 for q in self._items if not q.delivered)

    def take(self, offset: int, limit: int) -> list[_Queued]:
        result: list[_Queued] = []
        for item in self._items:
            if item.update_id >= offset or (item.replay and not item.delivered) or offset <= 0:
                result.append(item)
                if len(result) >= limit:
                    break
        for item in result:
            if not item.delivered:
                item.delivered = True
                self.undelivered -= 1
                if item.replay:
                    self._pending_replays -= 1
        return result

    def set_waiter(self, waiter: asyncio.Future | None) -> None:
        self._waiter = waiter

    @property
    def waiter(self) -> asyncio.Future | None:
        return self._waiter


# ---------------------------------------------------------------------------- flood control


class _Window:
    __slots__ = ("count", "seconds")

    def __init__(self, count: int, seconds: float) -> None:
        self.count = max(1, count)
        self.seconds = seconds


def _window_for_rate(per_second: float, tolerance: float) -> _Window:
    if per_second >= 1:
        return _Window(math.floor(per_second * (1 + tolerance) + 1e-9), 1.0)
    return _Window(1, 1.0 / (per_second * (1 + tolerance)))


class FloodControl:
    """Sliding-window limits like Telegram's: global, per chat, and optionally per group/minute."""

    def __init__(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        *,
        per_group_per_minute: int | None = None,
        tolerance: float = 0.0,
        retry_after: int | None = None,
    ) -> None:
        self.global_window = (
            _window_for_rate(global_per_second, tolerance) if global_per_second else None
        )
        self.chat_window = (
            _window_for_rate(per_chat_per_second, tolerance) if per_chat_per_second else None
        )
        self.group_window = (
            _Window(math.floor(per_group_per_minute * (1 + tolerance) + 1e-9), 60.0)
            if per_group_per_minute
            else None
        )
        self.fixed_retry_after = retry_after
        self._global: deque[float] = deque()
        self._chat: dict[Any, deque[float]] = {}
        self._group: dict[Any, deque[float]] = {}
        self._checks = 0

    @staticmethod
    def _blocked(times: deque[float], window: _Window, now: float) -> float | None:
        horizon = now - window.seconds
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) >= window.count:
            return times[0] + window.seconds - now
        return None

    def check(self, chat_key: Any, now: float) -> int | None:
        """Seconds to wait if a send to ``chat_key`` now would exceed a limit, else None."""
        waits: list[float] = []
        if self.global_window is not None:
            wait = self._blocked(self._global, self.global_window, now)
            if wait is not None:
                waits.append(wait)
        if chat_key is not None:
            if self.chat_window is not None and chat_key in self._chat:
                wait = self._blocked(self._chat[chat_key], self.chat_window, now)
                if wait is not None:
                    waits.append(wait)
            if self.group_window is not None and chat_key in self._group:
                wait = self._blocked(self._group[chat_key], self.group_window, now)
                if wait is not None:
                    waits.append(wait)
        if not waits:
            return None
        if self.fixed_retry_after is not None:
            return self.fixed_retry_after
        return max(1, math.ceil(max(waits) - 1e-6))

    def record(self, chat_key: Any, now: float) -> None:
        self._global.append(now)
        if chat_key is None:
            return
        if self.chat_window is not None:
            self._chat.setdefault(chat_key, deque()).append(now)
        if self.group_window is not None and isinstance(chat_key, int) and chat_key < 0:
            self._group.setdefault(chat_key, deque()).append(now)
        self._checks += 1
        if self._checks >= 10_000:  # forget idle chats now and then
            self._checks = 0
            for table, window in ((self._chat, self.chat_window), (self._group, self.group_window)):
                if window is None:
                    continue
                horizon = now - window.seconds
                for key in [k for k, times in table.items() if not times or times[-1] <= horizon]:
                    del table[key]
