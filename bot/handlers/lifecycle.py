"""Start and stop a Telegram runtime, the same way for aiogram and python-telegram-bot.

A runtime starts in this order: open the framework's bot, ask Telegram who we are
(``getMe``: the username for deep links), publish the command menus, then receive
updates by long polling or by webhook, and push the outbox in the background. It stops
in reverse: stop receiving, let the updates in hand finish, stop the background work,
close the HTTP sessions. A framework subclass only opens/closes its objects, starts and
stops polling, and feeds a raw webhook update to its dispatcher.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.config import ENV_PREFIX, ConfigError
from bot.handlers.delivery import TelegramDeliverer
from bot.handlers.telegram_common import (
    ALLOWED_UPDATES,
    Bridge,
    DeliveryError,
    Port,
    Unauthorized,
    UpdateGate,
    command_menus,
    prune_processed_updates,
    publish_menus,
)
from bot.scheduler.clockwork import start_clockwork
from bot.scheduler.dispatch import Dispatcher
from bot.scheduler.sender import RateLimitedDeliverer

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SHUTDOWN_GRACE = 30.0  # seconds the updates in hand get to finish
PRUNE_EVERY = 3600.0
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Plan:
    """What one process does. ``tradeguard run`` is polling or webhook; with several
    webhook workers the parent only sets up and the workers only serve."""

    poll: bool = False
    register_webhook: bool = False
    serve_webhook: bool = False
    reuse_port: bool = False
    publish_menus: bool = False
    background: bool = False

    @classmethod
    def polling(cls) -> Plan:
        return cls(poll=True, publish_menus=True, background=True)

    @classmethod
    def webhook(cls) -> Plan:
        return cls(register_webhook=True, serve_webhook=True, publish_menus=True, background=True)

    @classmethod
    def webhook_setup(cls) -> Plan:
        return cls(register_webhook=True, publish_menus=True)

    @classmethod
    def webhook_worker(cls) -> Plan:
        return cls(serve_webhook=True, reuse_port=True, background=True)

    @classmethod
    def scheduler(cls) -> Plan:
        return cls(background=True)


def webhook_secret(settings: Any) -> str:
    """The secret Telegram must echo on every webhook request. Required: without one
    anyone who learns the URL could post forged updates."""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        raise ConfigError(
            f"{ENV_PREFIX}WEBHOOK_SECRET is not set: webhook mode needs a secret token "
            "(1-256 of A-Z a-z 0-9 _ -), e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    if not _SECRET_RE.fullmatch(secret):
        raise ConfigError(
            f"{ENV_PREFIX}WEBHOOK_SECRET: use 1-256 characters from A-Z a-z 0-9 _ - only"
        )
    return secret


def webhook_url(settings: Any) -> str:
    url = settings.webhook_url or ""
    if not url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{ENV_PREFIX}WEBHOOK_URL is not set: the public https URL Telegram posts "
            "updates to, e.g. https://bot.example.com/telegram/webhook"
        )
    return url


# -- background work ---------------------------------------------------------------------


class DispatchKicker:
    """Runs the outbox dispatcher now, without piling up rounds.

    Every handled update kicks it; a kick during a round asks for one more round after
    it, so a notice committed meanwhile is not left for the next periodic pass. Rounds
    run as tracked tasks so shutdown waits for a send in progress.
    """

    def __init__(self, dispatcher: Dispatcher, inflight: Any) -> None:
        self.dispatcher = dispatcher
        self.inflight = inflight
        self._task: asyncio.Task[Any] | None = None
        self._again = False

    def kick(self) -> asyncio.Task[Any]:
        if self._task is not None and not self._task.done():
            self._again = True
            return self._task
        self._task = self.inflight.spawn(self._rounds())
        return self._task

    async def _rounds(self) -> None:
        while True:
            self._again = False
            try:
                await self.dispatcher.dispatch_due()
            except Exception as error:
                log.warning("outbox dispatch failed: %s: %s", type(error).__name__, error)
            if not self._again:
                return

    async def dispatch_due(self) -> None:
        """The periodic entry point (what the clockwork calls): starts a round, or asks
        the running one for another, and returns at once. A round can take minutes under
        the flood limits; awaiting it would leave the clock's job "still running" at
        every tick. Shutdown waits for the round through ``inflight``."""
        self.kick()


def start_background_dispatch(kicker: DispatchKicker, every_seconds: float) -> Callable[[], None]:
    """Push due outbox rows every ``every_seconds``; returns the function that stops it.

    Small on purpose: the APScheduler clockwork from ``bot.scheduler`` is the clock, and
    replacing it touches only this function.
    """
    scheduler = start_clockwork(kicker, every_seconds)  # type: ignore[arg-type]

    def stop() -> None:
        if scheduler.running:
            scheduler.shutdown(wait=False)

    return stop


def start_pruning(app: Any, every_seconds: float = PRUNE_EVERY) -> asyncio.Task[None]:
    async def loop() -> None:
        while True:
            try:
                removed = await prune_processed_updates(app.sessions, app.clock.now())
                if removed:
                    log.debug("forgot %s old update ids", removed)
            except Exception as error:
                log.warning("pruning update ids failed: %s: %s", type(error).__name__, error)
            await asyncio.sleep(every_seconds)

    return asyncio.get_running_loop().create_task(loop())


# -- the webhook endpoint -----------------------------------------------------------------


class WebhookServer:
    """Receives updates over HTTPS (behind a proxy) and feeds them to a framework.

    The secret token is compared in constant time: missing -> 401, wrong -> 403, and the
    update is not looked at. The answer waits until the update was handled, so shutdown
    can finish the updates in hand and Telegram's ``max_connections`` bounds the load.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str,
        secret: str,
        feed: Callable[[dict[str, Any]], Awaitable[None]],
        reuse_port: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.path = path if path.startswith("/") else f"/{path}"
        self.secret = secret.encode()
        self.feed = feed
        self.reuse_port = reuse_port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        application = web.Application(client_max_size=1024 * 1024)
        application.router.add_post(self.path, self._handle)
        # No access log: it would record every request line for nothing.
        runner = web.AppRunner(
            application, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_port=self.reuse_port or None)
        await site.start()
        self._runner = runner
        log.info("webhook server listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return refuse(request, 401, "secret token missing")
        if not hmac.compare_digest(given.encode(), self.secret):
            return refuse(request, 403, "secret token wrong")
        try:
            update = json.loads(await request.read())
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            return refuse(request, 400, "not JSON")
        problem = update_problem(update)
        if problem is not None:
            return refuse(request, 400, problem)
        if not any(kind in update for kind in ALLOWED_UPDATES):
            # A kind we did not ask for: acknowledged, so Telegram does not retry it, and
            # not fed, so it takes no update id and reaches no handler.
            log.info("webhook update %s has nothing we handle; ignored", update["update_id"])
            return web.json_response({})
        try:
            await self.feed(update)
        except Exception as error:
            # Before the update id was recorded (the database was down): let Telegram retry.
            log.error(
                "webhook update %s failed: %s: %s", update["update_id"], type(error).__name__, error
            )
            return web.Response(status=500, text="try again")
        return web.json_response({})


MAX_UPDATE_ID = 2**63 - 1  # processed_updates.update_id is a BIGINT


def update_problem(update: object) -> str | None:
    """Why a parsed body is not a Telegram update we can take, or None. Checked before
    the framework sees it, so a malformed body is refused (400) rather than failing
    inside the framework (500, which Telegram would retry for nothing)."""
    if not isinstance(update, dict):
        return "not an update"
    update_id = update.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return "not an update id"
    # What every message and every button press carries, whatever else is in them.
    required = {"message": "chat", "callback_query": "from"}
    for kind in ALLOWED_UPDATES:
        if kind in update:
            content, field = update[kind], required.get(kind)
            if not isinstance(content, dict) or (
                field and not isinstance(content.get(field), dict)
            ):
                return f"not a {kind}"
    return None


def refuse(request: web.Request, status: int, reason: str) -> web.Response:
    # A wrong secret is someone who found the URL; a malformed body with the right one
    # is Telegram's change or our bug. Either way it is worth a line, never the body.
    level = logging.WARNING if status in (401, 403) else logging.INFO
    log.log(level, "webhook request refused (%s): %s from %s", status, reason, request.remote)
    return web.Response(status=status, text=reason)


# -- the runtime ---------------------------------------------------------------------------


def quiet_http_logs() -> None:
    """HTTP client loggers print request URLs, and a Bot API URL contains the token."""
    for name in ("httpx", "httpcore", "hpack"):
        logging.getLogger(name).setLevel(logging.WARNING)


class RedactToken(logging.Filter):
    """Replaces the bot token in a record (message, arguments, traceback) by ``<token>``."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not ours
            return True
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, "<token>")
        return True


def redact_token(token: str, targets: Any) -> None:
    """Attach ``RedactToken`` to loggers or handlers (by name: loggers) once each."""
    for target in targets:
        item = logging.getLogger(target) if isinstance(target, str) else target
        if not any(isinstance(f, RedactToken) and f.token == token for f in item.filters):
            item.addFilter(RedactToken(token))


class TelegramRuntime(ABC):
    """The lifecycle both frameworks share; subclasses fill in the framework calls."""

    framework = "?"

    def __init__(self, app: Any, plan: Plan) -> None:
        quiet_http_logs()
        self.app = app
        self.settings = app.settings
        self.plan = plan
        self.token = self.settings.require_token()
        self.bridge = Bridge(app)
        self.gate = UpdateGate(app)
        self.dispatcher: Dispatcher | None = None
        self.kicker: DispatchKicker | None = None
        self.server: WebhookServer | None = None
        self.username = ""
        self.stopped = asyncio.Event()  # set if receiving ends on its own (a fatal error)
        self._stop_background: Callable[[], None] | None = None
        self._pruning: asyncio.Task[None] | None = None
        self._opened = False
        self._polling = False

    # -- framework hooks ------------------------------------------------------------------

    @property
    @abstractmethod
    def port(self) -> Port: ...

    @abstractmethod
    async def _open(self) -> None:
        """Create the framework's bot and dispatcher/application (may call getMe)."""

    @abstractmethod
    async def _start_polling(self) -> None: ...

    @abstractmethod
    async def _stop_polling(self) -> None: ...

    @abstractmethod
    async def _feed(self, update: dict[str, Any]) -> None:
        """Handle one raw webhook update through the framework (and so the gate)."""

    @abstractmethod
    async def _close(self) -> None: ...

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self._opened = True  # _close copes with a half-opened framework
        try:
            await self._open()
            self.username = await self.port.get_username()
        except Unauthorized:
            raise ConfigError(
                f"{ENV_PREFIX}BOT_TOKEN: Telegram does not accept this token (401); "
                "copy it again from @BotFather"
            ) from None
        except DeliveryError as error:
            raise ConfigError(
                f"{ENV_PREFIX}API_BASE: cannot reach the Bot API at {self.settings.api_base} "
                f"({type(error).__name__}: {error})"
            ) from None
        # Flows build deep links (t.me/<username>?start=...) from this.
        self.app.bot_username = self.username
        deliverer = RateLimitedDeliverer(
            TelegramDeliverer(self.port),
            per_second=self.settings.send_rate_per_second,
            per_chat_per_second=self.settings.send_rate_per_chat_per_second,
        )
        self.dispatcher = Dispatcher.for_app(self.app, deliverer)
        self.kicker = DispatchKicker(self.dispatcher, self.gate.inflight)
        self.gate.after_update = self.kicker.kick
        plan = self.plan
        if plan.publish_menus:
            await publish_menus(
                self.port, command_menus(self.settings.default_locale, self.app.team)
            )
        if plan.register_webhook:
            await self.port.set_webhook(
                webhook_url(self.settings), webhook_secret(self.settings), ALLOWED_UPDATES
            )
        if plan.serve_webhook:
            self.server = WebhookServer(
                host=self.settings.webhook_host,
                port=self.settings.webhook_port,
                path=self.settings.webhook_path,
                secret=webhook_secret(self.settings),
                feed=self._feed,
                reuse_port=plan.reuse_port,
            )
            await self.server.start()
        if plan.poll:
            await self.port.delete_webhook()  # getUpdates is refused while a webhook is set
            await self._start_polling()
            self._polling = True
        if plan.background:
            self._stop_background = start_background_dispatch(
                self.kicker, self.settings.reminder_poll_seconds
            )
            self._pruning = start_pruning(self.app)
        log.info(
            "%s runtime started as @%s (%s)",
            self.framework,
            self.username,
            "polling" if plan.poll else "webhook" if plan.serve_webhook else "no updates",
        )

    async def stop(self) -> None:
        """Graceful: stop receiving, finish the updates in hand, close the sessions."""
        if self._polling:
            self._polling = False
            await self._stop_polling()
        if self.server is not None:
            await self.server.stop()  # waits for the requests in hand
            self.server = None
        if self._stop_background is not None:
            self._stop_background()
            self._stop_background = None
        if self._pruning is not None:
            self._pruning.cancel()
            await asyncio.gather(self._pruning, return_exceptions=True)
            self._pruning = None
        await self.gate.inflight.drain(SHUTDOWN_GRACE)
        if self._opened:
            self._opened = False
            await self._close()

    async def __aenter__(self) -> TelegramRuntime:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
