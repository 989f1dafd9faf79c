"""The emulator itself: an aiohttp Bot API server plus the test-side (user) API.

See the package docstring (``emulator/__init__.py``) for a usage example.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import logging
import mimetypes
import secrets
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from email import policy
from email.parser import BytesParser
from typing import Any

import aiohttp
from aiohttp import web

from .formatting import command_entities
from .methods import (
    METHODS,
    RATE_LIMITED_METHODS,
    normalize_params,
)
from .state import (
    ApiError,
    BotEvent,
    Chat,
    ErrorRecord,
    FloodControl,
    RecordedRequest,
    StoredFile,
    UpdateQueue,
    UploadedFile,
    User,
    WebhookDelivery,
    _Queued,
)

__all__ = ["BotAPIEmulator"]

log = logging.getLogger("emulator")

_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
_MAX_BODY = 52 * 1024 * 1024
_UPDATE_KINDS_WITH_CHAT = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# 1x1 transparent PNG, the default picture a test user sends
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


class _RawJSON(str):
    """A result that is already serialized (getUpdates splices stored update bodies)."""


class _Superseded(Exception):
    pass


# the HTTP request being handled, so a long poll can tell whether its client already left
_CURRENT_REQUEST: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar(
    "emulator_request", default=None
)


def _client_gone() -> bool:
    request = _CURRENT_REQUEST.get()
    if request is None:
        return False
    transport = request.transport
    return transport is None or transport.is_closing()


def _chat_key(update: dict) -> Any:
    for kind in _UPDATE_KINDS_WITH_CHAT:
        obj = update.get(kind)
        if isinstance(obj, dict):
            chat = obj.get("chat")
            if isinstance(chat, dict):
                return chat.get("id")
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return message["chat"].get("id")
        return (query.get("from") or {}).get("id")
    for obj in update.values():
        if isinstance(obj, dict) and isinstance(obj.get("from"), dict):
            return obj["from"].get("id")
    return None


def _parse_reply_body(content_type: str, raw_type: str, body: bytes) -> dict | None:
    """Parse a webhook response body that may carry a method call."""
    if not body.strip():
        return None
    try:
        if content_type == "application/json":
            data = json.loads(body)
            return data if isinstance(data, dict) else None
        if content_type == "multipart/form-data":
            msg = BytesParser(policy=policy.HTTP).parsebytes(
                b"Content-Type: " + raw_type.encode() + b"\r\n\r\n" + body
            )
            result: dict[str, Any] = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not name:
                    continue
                payload = part.get_payload(decode=True) or b""
                filename = part.get_filename()
                if filename is not None:
                    result[name] = UploadedFile(
                        name, filename, part.get_content_type(), bytes(payload)
                    )
                else:
                    result[name] = payload.decode("utf-8")
            return result
        if content_type == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qsl

            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _resolve_attachments(params: dict, files: dict[str, UploadedFile]) -> None:
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.pop(value[len("attach://") :], None)
            if part is not None:
                params[key] = part
    params.update(files)


# ---------------------------------------------------------------------------- webhook


class _Webhook:
    """Delivers updates to a webhook URL: up to ``max_connections`` at once, in order per chat
    (one of a chat's updates in flight at a time) unless the emulator's ``webhook_chat_order``
    is off: then each update goes as soon as a connection is free, so several updates of one
    chat can be in flight together (two quick answers reaching two bot workers)."""

    def __init__(
        self,
        emu: BotAPIEmulator,
        url: str,
        *,
        secret_token: str | None,
        max_connections: int,
        allowed_updates: list | None,
        ip_address: str | None,
    ) -> None:
        self.emu = emu
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.allowed_updates = allowed_updates
        self.ip_address = ip_address
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.pending = 0
        self._per_chat: dict[Any, deque[_Queued]] = {}
        self._scheduled: set[Any] = set()
        self._ready: asyncio.Queue[Any] = asyncio.Queue()
        self._in_flight: dict[int, _Queued] = {}
        self._chats_in_flight: Counter[Any] = Counter()
        self._stopped = False
        self._workers = [asyncio.create_task(self._worker()) for _ in range(max_connections)]

    def push(self, item: _Queued) -> None:
        # Unordered: a key of its own, so no earlier update of the chat holds this one back.
        key = item.chat_key if self.emu.webhook_chat_order else object()
        self._per_chat.setdefault(key, deque()).append(item)
        self.pending += 1
        if key not in self._scheduled:
            self._scheduled.add(key)
            self._ready.put_nowait(key)

    async def stop(self) -> list[_Queued]:
        self._stopped = True
        current = asyncio.current_task()
        others = [t for t in self._workers if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        left = [*self._in_flight.values()]
        for queue in self._per_chat.values():
            left.extend(queue)
        self._per_chat.clear()
        self._in_flight.clear()
        self.pending = 0
        return sorted(left, key=lambda q: q.update_id)

    async def _worker(self) -> None:
        while not self._stopped:
            key = await self._ready.get()
            queue = self._per_chat.get(key)
            if not queue:
                self._scheduled.discard(key)
                continue
            item = queue.popleft()
            self._in_flight[id(item)] = item
            if self._chats_in_flight[item.chat_key]:
                # Another update of this chat is still being delivered (unordered mode).
                self.emu.stats["webhook_chat_overlaps"] += 1
            self._chats_in_flight[item.chat_key] += 1
            try:
                await self._deliver(item)
            finally:
                self._in_flight.pop(id(item), None)
                self._chats_in_flight[item.chat_key] -= 1
                if not self._chats_in_flight[item.chat_key]:
                    del self._chats_in_flight[item.chat_key]
                self.pending = max(0, self.pending - 1)
            if self._stopped:
                return
            if queue:
                self._ready.put_nowait(key)
            else:
                self._per_chat.pop(key, None)
                self._scheduled.discard(key)

    async def _deliver(self, item: _Queued) -> None:
        emu = self.emu
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        session = await emu._http_session()
        attempts = emu.webhook_retries + 1
        for attempt in range(1, attempts + 1):
            status: int | None = None
            try:
                async with session.post(
                    self.url,
                    data=item.body.encode("utf-8"),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=emu.webhook_timeout),
                ) as resp:
                    status = resp.status
                    body = await resp.read()
                    if 200 <= status < 300:
                        emu.webhook_deliveries.append(
                            WebhookDelivery(item.update_id, attempt, status, None)
                        )
                        emu.stats["webhook_delivered"] += 1
                        reply = _parse_reply_body(
                            resp.content_type, resp.headers.get("Content-Type", ""), body
                        )
                        if reply and isinstance(reply.get("method"), str):
                            name = reply.pop("method")
                            await emu._call_unparsed(name, reply)
                        emu._delivery_finished(item.update_id, None)
                        return
                    error = f"Wrong response from the webhook: {status} {resp.reason}"
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            emu.webhook_deliveries.append(WebhookDelivery(item.update_id, attempt, status, error))
            emu.stats["webhook_failed_attempts"] += 1
            self.last_error_date = int(time.time())
            self.last_error_message = error
            if attempt < attempts:
                await asyncio.sleep(emu.webhook_retry_delay * 2 ** (attempt - 1))
        emu.stats["webhook_dropped"] += 1
        emu._delivery_finished(item.update_id, self.last_error_message or "gave up")
        log.warning("webhook gave up on update %s: %s", item.update_id, self.last_error_message)


# ---------------------------------------------------------------------------- emulator


class BotAPIEmulator:
    """A local stand-in for api.telegram.org.

    :param token: the only token accepted (others get 401); its numeric prefix is the bot id.
    :param strict_html: reject a bare ``&`` in HTML text (real Telegram shows it literally).
    :param auto_create_chats: sends to unknown positive chat ids create a private chat instead
        of failing with "Bad Request: chat not found".
    :param history_limit: how many requests / events are kept for inspection.
    :param webhook_chat_order: deliver one update per chat at a time over the webhook (the
        default); False lets several updates of one chat be in flight at once, to test a bot
        with several workers against the worst case.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "tradeguard_test_bot",
        *,
        bot_first_name: str = "TradeGuard Test",
        host: str = "127.0.0.1",
        port: int = 0,
        strict_html: bool = True,
        auto_create_chats: bool = False,
        history_limit: int = 100_000,
        webhook_retries: int = 3,
        webhook_retry_delay: float = 0.05,
        webhook_timeout: float = 10.0,
        webhook_chat_order: bool = True,
    ) -> None:
        prefix = token.split(":", 1)[0]
        self.token = token
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.bot_user_full: dict[str, Any] = {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.host = host
        self.port = port
        self.strict_html = strict_html
        self.auto_create_chats = auto_create_chats
        self.webhook_retries = webhook_retries
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.webhook_chat_order = webhook_chat_order

        # recorded traffic
        self.requests: deque[RecordedRequest] = deque(maxlen=history_limit)
        self.errors: deque[ErrorRecord] = deque(maxlen=history_limit)
        self.unknown_methods: list[tuple[str, dict]] = []
        self.stats: Counter[str] = Counter()
        self.callback_answers: list[dict] = []
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.default_menu_button: dict = {"type": "default"}
        self.webhook_deliveries: deque[WebhookDelivery] = deque(maxlen=history_limit)
        self.events: deque[BotEvent] = deque(maxlen=history_limit)
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[StoredFile] = []

        self._history_limit = history_limit
        self._calls: dict[str, deque[tuple[int, RecordedRequest]]] = {}
        self._chat_events: dict[int, deque[BotEvent]] = {}
        self._users: dict[int, User] = {}
        self._chats: dict[int, Chat] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._open_callbacks: dict[str, dict] = {}
        self._answered_callbacks: set[str] = set()
        self._updates = UpdateQueue()
        self._webhook: _Webhook | None = None
        self._flood: FloodControl | None = None
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._listeners: list[Callable[[BotEvent], None]] = []
        self._waiters: set[asyncio.Future] = set()
        self._seq = 0  # bot events
        self._req_seq = 0  # recorded requests
        self._action_seq = 0  # self._seq at the last user action
        self._action_req_seq = 0
        self._event_read: dict[Any, int] = {}
        self._request_read: dict[str, int] = {}
        self._last_update_id = 0
        # update id -> (body, chat key) of recent updates, so one can be delivered again
        self._update_bodies: dict[int, tuple[str, Any]] = {}
        # update id -> successful webhook deliveries; waiters for a delivery count
        self._delivered: Counter[int] = Counter()
        self._delivery_waiters: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}
        self._file_counter = 0
        self._callback_counter = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """``{base_url}/bot{token}``: append ``/methodName``."""
        return f"{self.base_url}/bot{self.token}"

    async def start(self) -> BotAPIEmulator:
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._closing = False
        log.info("Bot API emulator on %s (token %s)", self.base_url, self.token)
        return self

    async def stop(self) -> None:
        self._closing = True
        waiter = self._updates.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _http_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # ------------------------------------------------------------------ HTTP

    async def _read_params(self, request: web.Request) -> dict:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            ctype = request.content_type
            if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                files: dict[str, UploadedFile] = {}
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            key, value.filename, value.content_type, value.file.read()
                        )
                    else:
                        params[key] = value
                _resolve_attachments(params, files)
            else:
                body = await request.read()
                if body.strip():
                    try:
                        data = json.loads(body)
                    except ValueError:
                        raise ApiError.bad_request("can't parse JSON request body") from None
                    if not isinstance(data, dict):
                        raise ApiError.bad_request("JSON object expected")
                    params.update(data)
        return normalize_params(params)

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.stats["unauthorized"] += 1
            return self._json_error(ApiError(401, "Unauthorized"))
        try:
            params = await self._read_params(request)
        except web.HTTPRequestEntityTooLarge:
            err = ApiError(413, "Request Entity Too Large")
            self._record(name, {}, err.code, time.monotonic(), err)
            return self._json_error(err)
        except ApiError as err:
            self._record(name, {}, err.code, time.monotonic(), err)
            return self._json_error(err)
        _CURRENT_REQUEST.set(request)
        status, body = await self._call(name, params)
        return web.Response(text=body, status=status, content_type="application/json")

    @staticmethod
    def _json_error(err: ApiError) -> web.Response:
        return web.Response(
            text=_dumps(err.payload()), status=err.code, content_type="application/json"
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = None
        if request.match_info["token"] == self.token:
            stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return self._json_error(ApiError(404, "Not Found"))
        self.downloads.append(stored)
        self.stats["files_downloaded"] += 1
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _call_unparsed(self, name: str, raw: dict) -> tuple[int, str]:
        """Like _call for params that still need coercion (a webhook reply's method call)."""
        try:
            params = normalize_params(raw)
        except ApiError as err:
            self._record(name, raw, err.code, time.monotonic(), err)
            return err.code, _dumps(err.payload())
        return await self._call(name, params)

    async def _call(self, name: str, params: dict) -> tuple[int, str]:
        """Run one API method; return (HTTP status, JSON body). Also used for webhook replies."""
        now = time.monotonic()
        self.stats["requests"] += 1
        entry = METHODS.get(name.lower())
        if entry is None:
            self.unknown_methods.append((name, params))
            self.stats["unknown_methods"] += 1
            log.warning("emulator: unknown Bot API method %s", name)
            err = ApiError(404, "Not Found")
            self._record(name, params, 404, now, err)
            return 404, _dumps(err.payload())
        canonical, handler = entry
        limited = canonical in RATE_LIMITED_METHODS
        chat_key = params.get("chat_id") if limited else None
        try:
            failures = self._failures.get(canonical) or (
                self._failures.get("*") if limited else None
            )
            if failures:
                self.stats["injected_failures"] += 1
                raise failures.popleft()
            if limited and self._flood is not None:
                wait = self._flood.check(chat_key, now)
                if wait is not None:
                    self.stats["rejected_429"] += 1
                    raise ApiError(
                        429, f"Too Many Requests: retry after {wait}", {"retry_after": wait}
                    )
            result = await handler(self, params)
        except ApiError as err:
            self._record(canonical, params, err.code, now, err)
            return err.code, _dumps(err.payload())
        if limited:
            if self._flood is not None:
                self._flood.record(chat_key, now)
            self.stats["accepted"] += 1
        payload = result if isinstance(result, _RawJSON) else _dumps(result)
        self._record(canonical, params, 200, now, None)
        return 200, '{"ok":true,"result":' + payload + "}"

    def _record(
        self, method: str, params: dict, status: int, now: float, err: ApiError | None
    ) -> None:
        self._req_seq += 1
        record = RecordedRequest(method, params, now, status)
        self.requests.append(record)
        calls = self._calls.get(method)
        if calls is None:
            calls = self._calls[method] = deque(maxlen=self._history_limit)
        calls.append((self._req_seq, record))
        if status == 200:
            self.stats["ok"] += 1
        else:
            self.stats["errors"] += 1
            self.stats[f"http_{status}"] += 1
            if err is not None and err.abandoned:
                self.stats["abandoned_polls"] += 1
            elif err is not None:
                self.errors.append(ErrorRecord(method, params, status, err.description))
        if self._waiters:
            self._notify()

    # ------------------------------------------------------------------ updates

    async def _get_updates(self, p: dict) -> _RawJSON:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        queue = self._updates
        previous = queue.waiter
        if previous is not None and not previous.done():
            previous.set_exception(_Superseded())
        queue.confirm(offset)
        items = queue.take(offset, limit)
        if not items and timeout > 0 and not self._closing:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                waiter = loop.create_future()
                queue.set_waiter(waiter)
                try:
                    async with asyncio.timeout(deadline - loop.time()):
                        await waiter
                except TimeoutError:
                    pass
                except _Superseded:
                    err = ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                    # a poll its client already abandoned (the framework cancelled it when
                    # stopping or restarting polling) is not an error anyone sees
                    err.abandoned = _client_gone()
                    raise err from None
                finally:
                    if queue.waiter is waiter:
                        queue.set_waiter(None)
                if self._closing or self._webhook is not None:
                    break
                items = queue.take(offset, limit)
                if items or loop.time() >= deadline:
                    break
        self.stats["updates_returned"] += len(items)
        return _RawJSON("[" + ",".join(item.body for item in items) + "]")

    def inject_update(self, update: dict) -> int:
        """Queue a raw update (dict without or with ``update_id``); return its update_id.

        Re-injecting an update with an ``update_id`` that was already used delivers it again
        (a duplicate delivery), even if the bot's offset had already confirmed it.
        """
        update_id = update.get("update_id")
        replay = False
        if update_id is None:
            self._last_update_id += 1
            update_id = self._last_update_id
            update = {"update_id": update_id, **update}
        else:
            update_id = int(update_id)
            if update_id <= self._last_update_id:
                replay = True
            else:
                self._last_update_id = update_id
        query = update.get("callback_query")
        if isinstance(query, dict) and query.get("id") is not None:
            query_id = str(query["id"])
            if query_id not in self._answered_callbacks:
                self._open_callbacks.setdefault(query_id, query)
        item = _Queued(update_id, _dumps(update), _chat_key(update), replay)
        self._update_bodies[update_id] = (item.body, item.chat_key)
        while len(self._update_bodies) > self._history_limit:
            del self._update_bodies[next(iter(self._update_bodies))]
        self._queue(item)
        return update_id

    @property
    def last_update_id(self) -> int:
        """The id of the newest update queued (0 before the first)."""
        return self._last_update_id

    def redeliver(self, update_id: int) -> int:
        """Queue update ``update_id`` again, same id and body, as Telegram does when it got
        no answer in time (the first delivery may still be in progress). Returns the id."""
        stored = self._update_bodies.get(update_id)
        if stored is None:
            raise LookupError(f"update {update_id} is unknown (or older than the history)")
        body, chat_key = stored
        self._queue(_Queued(update_id, body, chat_key, True))
        return update_id

    def _queue(self, item: _Queued) -> None:
        self._action_seq = self._seq
        self._action_req_seq = self._req_seq
        self.stats["updates_queued"] += 1
        if self._webhook is not None:
            self._webhook.push(item)
        else:
            self._updates.push(item)

    def _delivery_finished(self, update_id: int, error: str | None) -> None:
        """One webhook delivery of ``update_id`` ended: answered 2xx (``error`` None) or
        given up after the retries."""
        if error is None:
            self._delivered[update_id] += 1
        waiters = self._delivery_waiters.pop(update_id, [])
        keep = []
        for times, waiter in waiters:
            if waiter.done():
                continue
            if error is not None:
                waiter.set_exception(
                    RuntimeError(f"the webhook gave up on update {update_id}: {error}")
                )
            elif self._delivered[update_id] >= times:
                waiter.set_result(None)
            else:
                keep.append((times, waiter))
        if keep:
            self._delivery_waiters[update_id] = keep

    def delivered(self, update_id: int) -> int:
        """How many times the webhook delivered update ``update_id`` (answered 2xx)."""
        return self._delivered[update_id]

    async def wait_delivered(
        self,
        update_id: int,
        times: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until the webhook delivered ``update_id`` ``times`` times (each answered 2xx,
        so the bot had handled it). Raises TimeoutError, or RuntimeError if the emulator gave
        up on a delivery. Cheap with many waiters: each waits on its own update id."""
        if self._delivered[update_id] >= times:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._delivery_waiters.setdefault(update_id, []).append((times, waiter))
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            raise TimeoutError(
                f"update {update_id} delivered {self._delivered[update_id]} of {times} times "
                f"within {timeout}s; {self._recent_errors()}"
            ) from None

    @property
    def pending_updates(self) -> int:
        if self._webhook is not None:
            return self._webhook.pending
        return len(self._updates)

    async def _set_webhook(
        self,
        url: str,
        *,
        secret_token: str | None,
        max_connections: int,
        drop_pending_updates: bool,
        allowed_updates: list | None,
        ip_address: str | None,
    ) -> None:
        if self._webhook is not None:
            carry = await self._webhook.stop()
        else:
            carry = self._updates.clear()
            waiter = self._updates.waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        webhook = _Webhook(
            self,
            url,
            secret_token=secret_token,
            max_connections=max_connections,
            allowed_updates=allowed_updates,
            ip_address=ip_address,
        )
        self._webhook = webhook
        if not drop_pending_updates:
            for item in carry:
                webhook.push(item)

    async def _delete_webhook(self, drop_pending_updates: bool) -> None:
        if self._webhook is not None:
            webhook, self._webhook = self._webhook, None
            left = await webhook.stop()
            if not drop_pending_updates:
                self._updates.extend_sorted(left)
        if drop_pending_updates:
            self._updates.clear()

    def webhook_info(self) -> dict:
        hook = self._webhook
        if hook is None:
            return {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        info: dict[str, Any] = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": hook.pending,
            "max_connections": hook.max_connections,
        }
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        return info

    # ------------------------------------------------------------------ chats & messages (bot side)

    def _chat_or_error(self, chat_id: Any) -> Chat:
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == name:
                    return chat
            raise ApiError.bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.auto_create_chats and isinstance(chat_id, int) and chat_id > 0:
                self.user(chat_id)
                return self._chats[chat_id]
            raise ApiError.bad_request("chat not found")
        return chat

    def _target_chat(self, p: dict, *, for_send: bool = True) -> Chat:
        chat_id = p.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError.bad_request("chat_id is empty")
        chat = self._chat_or_error(chat_id)
        if for_send and chat.blocked:
            self.stats["blocked_403"] += 1
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _store_bot_message(
        self,
        chat: Chat,
        content: dict,
        *,
        method: str,
        inline_markup: dict | None = None,
        reply_to: dict | None = None,
    ) -> dict:
        msg: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": self.bot_user,
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg.update(content)
        if inline_markup:
            msg["reply_markup"] = inline_markup
        chat.store(msg)
        self._emit("sent", chat, msg, method)
        return msg

    def _edit_bot_message(self, chat: Chat, msg: dict, changes: dict, *, method: str) -> dict:
        for key, value in changes.items():
            if value is None or value == []:
                msg.pop(key, None)
            else:
                msg[key] = value
        msg["edit_date"] = int(time.time())
        self._emit("edited", chat, msg, method)
        return msg

    def _delete_message(self, chat: Chat, message_id: int, *, method: str) -> None:
        msg = chat.remove(message_id)
        if msg is not None:
            self._emit("deleted", chat, msg, method)

    def _emit(self, kind: str, chat: Chat, msg: dict, method: str) -> None:
        self._seq += 1
        event = BotEvent(
            self._seq, kind, chat.id, msg["message_id"], dict(msg), method, chat.reply_keyboard
        )
        self.events.append(event)
        per_chat = self._chat_events.get(chat.id)
        if per_chat is None:
            per_chat = self._chat_events[chat.id] = deque(maxlen=self._history_limit)
        per_chat.append(event)
        self.stats[f"messages_{kind}"] += 1
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("emulator event listener failed")
        if self._waiters:
            self._notify()

    # ------------------------------------------------------------------ files

    def _new_file(
        self,
        data: bytes,
        *,
        kind: str,
        sender: str,
        chat_id: int | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        size: int | None = None,
    ) -> StoredFile:
        self._file_counter += 1
        n = self._file_counter
        prefix = {
            "document": "BQACAgIAAxkBAAI",
            "photo": "AgACAgIAAxkBAAI",
            "sticker": "CAACAgIAAxkBAAI",
        }
        file_id = f"{prefix.get(kind, 'BAACAgIAAxkBAAI')}{n:06d}{secrets.token_urlsafe(12)}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AgAD{n:06d}{secrets.token_hex(3)}",
            data=bytes(data),
            size=len(data) if size is None else int(size),
            kind=kind,
            sender=sender,
            chat_id=chat_id,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[file_id] = stored
        self.stats["files_stored"] += 1
        return stored

    def _photo_thumbnail(self, stored: StoredFile, width: int, height: int) -> dict:
        thumb = self._new_file(
            stored.data,
            kind="photo",
            sender=stored.sender,
            chat_id=stored.chat_id,
            mime_type=stored.mime_type,
            width=width,
            height=height,
            size=max(1, stored.size // 20),
        )
        thumb.is_thumbnail = True
        return {
            "file_id": thumb.file_id,
            "file_unique_id": thumb.file_unique_id,
            "file_size": thumb.size,
            "width": width,
            "height": height,
        }

    def _assign_file_path(self, stored: StoredFile) -> None:
        if stored.file_path:
            return
        folder = {"document": "documents", "photo": "photos", "sticker": "stickers"}.get(
            stored.kind, stored.kind + "s"
        )
        ext = ""
        if stored.file_name and "." in stored.file_name:
            ext = stored.file_name.rsplit(".", 1)[1]
        elif stored.kind == "photo":
            ext = "jpg"
        elif stored.kind == "sticker":
            ext = "webp"
        elif stored.mime_type:
            ext = (mimetypes.guess_extension(stored.mime_type) or "").lstrip(".")
        path = f"{folder}/file_{len(self._files_by_path)}" + (f".{ext}" if ext else "")
        stored.file_path = path
        self._files_by_path[path] = stored

    def file(self, file_id: str) -> StoredFile:
        return self.files[file_id]

    def file_bytes(self, file_id: str) -> bytes:
        return self.files[file_id].data

    def sent_files(self, chat_id: int | None = None, kind: str | None = None) -> list[StoredFile]:
        """Files the bot uploaded (optionally to one chat / of one kind), oldest first."""
        return [
            f
            for f in self.files.values()
            if f.sender == "bot"
            and not f.is_thumbnail
            and (chat_id is None or f.chat_id == chat_id)
            and (kind is None or f.kind == kind)
        ]

    def sent_documents(self, chat_id: int | None = None) -> list[bytes]:
        """Bytes of every document the bot uploaded (to ``chat_id`` if given), oldest first."""
        return [
            f.data
            for f in self.files.values()
            if f.sender == "bot"
            and f.kind == "document"
            and (chat_id is None or f.chat_id == chat_id)
        ]

    def downloaded_file(self, file_id: str | None = None) -> bytes:
        """Bytes of the last file the bot downloaded (or of ``file_id``, if it was downloaded)."""
        for stored in reversed(self.downloads):
            if file_id is None or stored.file_id == file_id:
                return stored.data
        raise LookupError(f"the bot has not downloaded {file_id or 'any file'}")

    # ------------------------------------------------------------------ test-side: users & chats

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool | None = None,
    ) -> User:
        """Create (or update and return) a user; their private chat exists from now on."""
        user = self._users.get(user_id)
        if user is None:
            user = User(id=user_id, first_name=first_name or "User", language_code=language_code)
            self._users[user_id] = user
        elif first_name is not None:
            user.first_name = first_name
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
            ("is_premium", is_premium),
        ):
            if value is not None:
                setattr(user, key, value)
        chat = self._chats.get(user_id)
        if chat is None:
            chat = self._chats[user_id] = Chat(user_id, "private")
        chat.first_name = user.first_name
        chat.last_name = user.last_name
        chat.username = user.username
        chat._dict = None
        return user

    def group(
        self,
        chat_id: int,
        title: str = "Test group",
        *,
        type: str = "supergroup",
        username: str | None = None,
    ) -> Chat:
        """Create a group/supergroup/channel chat (ids are negative in Telegram)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = Chat(chat_id, type, title=title, username=username)
        return chat

    def chat(self, chat_id: int) -> Chat:
        """The stored chat (``.messages``, ``.reply_keyboard``, ``.blocked``...)."""
        return self._chats[chat_id]

    @property
    def chats(self) -> dict[int, Chat]:
        return dict(self._chats)

    def block(self, chat_id: int, *, notify: bool = False) -> None:
        """The user blocks the bot: sends to the chat get 403. ``notify`` queues my_chat_member."""
        chat = self._chat_or_error(chat_id)
        chat.blocked = True
        if notify:
            self._member_update(chat, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = False) -> None:
        chat = self._chat_or_error(chat_id)
        chat.blocked = False
        if notify:
            self._member_update(chat, "kicked", "member")

    def _member_update(self, chat: Chat, old: str, new: str) -> None:
        user = self._users.get(chat.id) or User(chat.id)

        def member(status: str) -> dict:
            data: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.inject_update(
            {
                "my_chat_member": {
                    "chat": chat.to_dict(),
                    "from": user.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def _as_user(self, user: User | int) -> User:
        if isinstance(user, User):
            if user.id not in self._users:
                self._users[user.id] = user
                self.user(user.id)
            return user
        return self._users.get(user) or self.user(user)

    def _chat_for(self, user: User, chat: Chat | int | None) -> Chat:
        if chat is None:
            return self._chats[user.id]
        if isinstance(chat, Chat):
            return chat
        return self.chat(chat)

    def _user_message(
        self, user: User | int, content: dict, *, chat: Chat | int | None, reply_to: Any = None
    ) -> dict:
        user = self._as_user(user)
        target = self._chat_for(user, chat)
        msg: dict[str, Any] = {
            "message_id": target.next_message_id(),
            "from": user.to_dict(),
            "chat": target.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            reply_id = reply_to["message_id"] if isinstance(reply_to, dict) else int(reply_to)
            original = target.message(reply_id)
            if original is None:
                raise LookupError(f"message {reply_id} not found in chat {target.id}")
            msg["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        msg.update(content)
        target.store(msg)
        self.inject_update({"message": msg})
        return msg

    # ------------------------------------------------------------------ test-side: user actions

    async def send_text(
        self,
        user: User | int,
        text: str,
        *,
        chat: Chat | int | None = None,
        reply_to: dict | int | None = None,
        entities: list[dict] | None = None,
    ) -> dict:
        """The user sends ``text`` (commands get ``bot_command`` entities); returns the message."""
        content: dict[str, Any] = {"text": text}
        found = command_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self._user_message(user, content, chat=chat, reply_to=reply_to)

    async def send_message(
        self, user: User | int, content: dict, *, chat: Chat | int | None = None
    ) -> dict:
        """The user sends a message with arbitrary ``content`` fields (voice, contact...)."""
        return self._user_message(user, dict(content), chat=chat)

    async def press(
        self,
        user: User | int,
        message: dict | int,
        data: str,
        *,
        chat: Chat | int | None = None,
        strict: bool = True,
    ) -> dict:
        """The user presses the inline button with ``callback_data == data`` under ``message``.

        ``message`` is a stored message dict (e.g. from wait_for_message) or a message id in
        ``chat`` (default: the user's private chat). ``strict=False`` allows data no button
        carries (a forged callback). Returns the callback_query dict (its ``id`` is what
        answerCallbackQuery must use).
        """
        user = self._as_user(user)
        if isinstance(message, dict):
            target = self.chat(message["chat"]["id"])
            message_id = int(message["message_id"])
        else:
            target = self._chat_for(user, chat)
            message_id = int(message)
        stored = target.message(message_id)
        if stored is None:
            raise LookupError(f"message {message_id} not found in chat {target.id} (deleted?)")
        if strict:
            buttons = self.buttons(stored)
            datas = [b.get("callback_data") for row in buttons for b in row]
            if data not in datas:
                raise ValueError(
                    f"no button with callback_data {data!r} under message {message_id}; "
                    f"callback_data present: {datas}"
                )
        self._callback_counter += 1
        query_id = str(4_300_000_000_000_000_000 + self._callback_counter)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": dict(stored),
            "chat_instance": str(abs(hash((target.id, self.bot_id))) % 10**18),
            "data": data,
        }
        self._open_callbacks[query_id] = query
        self.inject_update({"callback_query": query})
        return query

    async def press_button(
        self, user: User | int, message: dict | int, text: str, *, chat: Chat | int | None = None
    ) -> dict:
        """Press the inline button whose label is ``text``."""
        user = self._as_user(user)
        if isinstance(message, dict):
            stored = self.chat(message["chat"]["id"]).message(int(message["message_id"]))
        else:
            stored = self._chat_for(user, chat).message(int(message))
        if stored is None:
            raise LookupError("message not found (deleted?)")
        for row in self.buttons(stored):
            for button in row:
                if button.get("text") == text and "callback_data" in button:
                    return await self.press(user, stored, button["callback_data"])
        labels = [b.get("text") for row in self.buttons(stored) for b in row]
        raise ValueError(f"no callback button labelled {text!r}; buttons: {labels}")

    @staticmethod
    def buttons(message: dict) -> list[list[dict]]:
        """The inline keyboard rows of a message (empty if none)."""
        markup = message.get("reply_markup") or {}
        return markup.get("inline_keyboard", [])

    async def send_document(
        self,
        user: User | int,
        data: bytes = b"%PDF-1.4\n%test\n",
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        file_size: int | None = None,
        *,
        caption: str | None = None,
        chat: Chat | int | None = None,
    ) -> dict:
        """The user sends a document; ``file_size`` overrides the reported size (e.g. > 20 MB)."""
        user = self._as_user(user)
        target = self._chat_for(user, chat)
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._new_file(
            data,
            kind="document",
            sender="user",
            chat_id=target.id,
            file_name=file_name,
            mime_type=mime,
            size=file_size,
        )
        content: dict[str, Any] = {"document": stored.document_dict()}
        if caption:
            content["caption"] = caption
        return self._user_message(user, content, chat=target)

    async def send_photo(
        self,
        user: User | int,
        data: bytes = TINY_PNG,
        *,
        width: int = 1280,
        height: int = 960,
        caption: str | None = None,
        file_size: int | None = None,
        chat: Chat | int | None = None,
    ) -> dict:
        """The user sends a photo (Telegram delivers several sizes; the last is the largest)."""
        user = self._as_user(user)
        target = self._chat_for(user, chat)
        stored = self._new_file(
            data,
            kind="photo",
            sender="user",
            chat_id=target.id,
            mime_type="image/jpeg",
            width=width,
            height=height,
            size=file_size,
        )
        sizes = []
        scale = 90 / max(width, height, 1)
        if scale < 1:
            sizes.append(
                self._photo_thumbnail(
                    stored, max(1, round(width * scale)), max(1, round(height * scale))
                )
            )
        sizes.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.size,
                "width": width,
                "height": height,
            }
        )
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._user_message(user, content, chat=target)

    async def send_sticker(
        self, user: User | int, emoji: str = "👍", *, chat: Chat | int | None = None
    ) -> dict:
        user = self._as_user(user)
        target = self._chat_for(user, chat)
        stored = self._new_file(
            b"RIFF\x00\x00\x00\x00WEBP", kind="sticker", sender="user", chat_id=target.id
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "TestStickers",
            "file_size": stored.size,
        }
        return self._user_message(user, {"sticker": sticker}, chat=target)

    async def send_location(
        self,
        user: User | int,
        latitude: float = 51.5,
        longitude: float = -0.12,
        *,
        chat: Chat | int | None = None,
    ) -> dict:
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return self._user_message(user, {"location": location}, chat=chat)

    async def send_contact(
        self,
        user: User | int,
        phone_number: str = "+10000000000",
        *,
        first_name: str | None = None,
        chat: Chat | int | None = None,
    ) -> dict:
        user = self._as_user(user)
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
            "user_id": user.id,
        }
        return self._user_message(user, {"contact": contact}, chat=chat)

    # ------------------------------------------------------------------ inspection & waiting

    def cursor(self) -> int:
        """Sequence number of the latest bot event; pass as ``after=`` to wait for newer ones."""
        return self._seq

    def request_cursor(self) -> int:
        return self._req_seq

    def calls(self, method: str, *, ok_only: bool = False) -> list[dict]:
        """Params of every recorded call of ``method`` (canonical name, e.g. "sendMessage")."""
        return [
            record.params
            for _, record in self._calls.get(method, ())
            if not ok_only or record.status == 200
        ]

    def bot_messages(self, chat_id: int) -> list[dict]:
        """Live messages the bot sent to ``chat_id`` (edits applied), oldest first."""
        return self.chat(chat_id).bot_messages(self.bot_id)

    def on_event(self, listener: Callable[[BotEvent], None]) -> None:
        """Call ``listener(event)`` synchronously on every bot event (sent/edited/deleted)."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(
        self,
        find: Callable[[], Any],
        timeout: float,  # noqa: ASYNC109
        what: Callable[[], str],
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(what())
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)

    def _recent_errors(self) -> str:
        errors = list(self.errors)[-5:]
        if not errors and not self.unknown_methods:
            return "no API errors"
        parts = [f"{e.method} -> {e.status} {e.description}" for e in errors]
        parts += [f"unknown method {name}" for name, _ in self.unknown_methods[-3:]]
        return "recent API errors: " + "; ".join(parts)

    async def wait_for_event(
        self,
        chat_id: int | None = None,
        predicate: Callable[[dict], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        after: int | None = None,
        kinds: Iterable[str] = ("sent", "edited"),
    ) -> BotEvent:
        """Like :meth:`wait_for_message` but returns the :class:`BotEvent` (kind, seq, ...)."""
        kinds = frozenset(kinds)

        def find() -> BotEvent | None:
            start = after
            if start is None:
                start = max(self._action_seq, self._event_read.get(chat_id, 0))
            source = self.events if chat_id is None else self._chat_events.get(chat_id, ())
            newer: list[BotEvent] = []
            for event in reversed(source):
                if event.seq <= start:
                    break
                newer.append(event)
            for event in reversed(newer):
                if event.kind in kinds and (predicate is None or predicate(event.message)):
                    if event.seq > self._event_read.get(chat_id, 0):
                        self._event_read[chat_id] = event.seq
                    return event
            return None

        def describe() -> str:
            target = "any chat" if chat_id is None else f"chat {chat_id}"
            recent = [
                (e.kind, e.message.get("text") or e.message.get("caption"))
                for e in list(self._chat_events.get(chat_id, self.events))[-3:]
            ]
            return (
                f"no bot message ({'/'.join(sorted(kinds))}) to {target} within {timeout}s; "
                f"last events there: {recent}; {self._recent_errors()}"
            )

        return await self._wait(find, timeout, describe)

    async def wait_for_message(
        self,
        chat_id: int | None = None,
        predicate: Callable[[dict], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        after: int | None = None,
        kinds: Iterable[str] = ("sent", "edited"),
    ) -> dict:
        """Wait for the next bot message sent to / edited in ``chat_id`` (None: any chat).

        "Next" means: newer than ``after`` if given, otherwise newer than both the last user
        action (send_text, press, inject_update...) and the last message this method already
        returned for the same ``chat_id``. So after one user action, successive calls return
        successive replies, and a reply that arrived before the call is not missed. Messages
        not matching ``predicate`` are skipped. Returns a snapshot of the message dict as it
        was at that moment (``edit_date`` is set for edits). Raises TimeoutError.
        """
        event = await self.wait_for_event(
            chat_id, predicate, timeout=timeout, after=after, kinds=kinds
        )
        return event.message

    async def wait_for_request(
        self,
        method: str,
        predicate: Callable[[dict], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        after: int | None = None,
        ok_only: bool = False,
    ) -> RecordedRequest:
        """Wait for the next recorded call of ``method`` (same "next" rule as wait_for_message)."""

        def find() -> RecordedRequest | None:
            start = after
            if start is None:
                start = max(self._action_req_seq, self._request_read.get(method, 0))
            newer: list[tuple[int, RecordedRequest]] = []
            for seq, record in reversed(self._calls.get(method, ())):
                if seq <= start:
                    break
                newer.append((seq, record))
            for seq, record in reversed(newer):
                if ok_only and record.status != 200:
                    continue
                if predicate is None or predicate(record.params):
                    if seq > self._request_read.get(method, 0):
                        self._request_read[method] = seq
                    return record
            return None

        return await self._wait(
            find,
            timeout,
            lambda: f"no {method} call within {timeout}s; {self._recent_errors()}",
        )

    # ------------------------------------------------------------------ failures & limits

    def rate_limit(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        *,
        per_group_per_minute: int | None = None,
        tolerance: float = 0.0,
        retry_after: int | None = None,
    ) -> None:
        """Enforce flood limits on send/edit methods with sliding windows (429 + retry_after).

        ``tolerance`` admits that fraction more (0.1: 33 instead of 30 per second);
        ``retry_after`` fixes the advertised wait instead of computing it from the window.
        """
        self._flood = FloodControl(
            global_per_second,
            per_chat_per_second,
            per_group_per_minute=per_group_per_minute,
            tolerance=tolerance,
            retry_after=retry_after,
        )

    def no_rate_limit(self) -> None:
        self._flood = None

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail ("*": any send/edit method).

        Typical: 429 (with retry_after), 500, 502, 403 "Forbidden: bot was blocked by the user".
        """
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Internal Server Error")
        parameters = {"retry_after": retry_after} if error_code == 429 else None
        key = method if method == "*" else METHODS.get(method.lower(), (method, None))[0]
        for _ in range(times):
            self._failures[key].append(ApiError(error_code, description, parameters))

    def clear_failures(self) -> None:
        self._failures.clear()

    def reset_records(self) -> None:
        """Forget recorded requests, errors, events and stats (state such as chats is kept)."""
        self.requests.clear()
        self.errors.clear()
        self.unknown_methods.clear()
        self.stats.clear()
        self.callback_answers.clear()
        self.webhook_deliveries.clear()
        self.events.clear()
        self._calls.clear()
        self._chat_events.clear()
        self._action_seq = self._seq
        self._action_req_seq = self._req_seq

    def summary(self) -> dict:
        """Stats plus derived numbers, handy for benchmark reports."""
        return {
            **self.stats,
            "pending_updates": self.pending_updates,
            "unknown_methods": sorted({name for name, _ in self.unknown_methods}),
        }

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was handed out (getUpdates) or delivered (webhook)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._webhook is not None:
                idle = self._webhook.pending == 0
            else:
                idle = self._updates.undelivered == 0
            if idle:
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"{self.pending_updates} updates still pending")
            await asyncio.sleep(0.01)
