"""The application: settings, database, clock and flows, and the one way an update
is handled (``App.handle``), whatever transport it came from.

Each update is one unit of work: one transaction under the user's lock (an in-process
lock, plus on PostgreSQL an advisory lock so several workers never interleave one user's
answers: the Telegram gate holds it until the replies are sent, see ``storage.locks``),
through the one writer path (``storage.writes``: on SQLite, updates of different users
take turns at the write lock in arrival order instead of colliding).
Anything unexpected is rolled back and the user gets a polite message; their earlier
answers are untouched because they were committed by earlier updates. A document a flow
asked for (a contract PDF) is made after the commit, in a worker (``bot.workers``): the
transaction, and SQLite's write lock, last only as long as the database work.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.flows.base import Ctx
from bot.flows.engine import Engine
from bot.flows.replies import Incoming, Outcome, Reply, storable
from bot.i18n import _, default_zone, normalise_locale, supported_locale, use_locale
from bot.services import directory
from bot.workers import Workers
from storage import updates
from storage.db import create_engine, is_up_to_date, session_factory, upgrade_database_async
from storage.locks import held_lock, one_start_at_a_time
from storage.models import User
from storage.secrets import get_or_create_secret
from storage.users import arrive
from storage.writes import write_transaction

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    engine: Engine
    secret: bytes
    rules: Any
    # Dispute-team members: from configuration, plus those the terminal's /as adds.
    team: set[int] = field(default_factory=set)
    workers: Workers = field(default_factory=lambda: Workers("inline"))
    _locks: weakref.WeakValueDictionary[int, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    # The bot's Telegram username (from getMe once a runtime starts), for deep links;
    # empty in the terminal chat, where invites are shown as /start commands.
    bot_username: str = ""

    def is_team(self, user: User) -> bool:
        return user.telegram_id in self.team

    def _lock_for(self, telegram_id: int) -> asyncio.Lock:
        lock = self._locks.get(telegram_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[telegram_id] = lock
        return lock

    async def handle(self, incoming: Incoming) -> Outcome:
        """The update's outcome with its documents made (the terminal chat shows it whole)."""
        return await self.make_documents(await self.answer(incoming))

    async def answer(self, incoming: Incoming) -> Outcome:
        """The update's change, committed, and its replies; a document (the contract PDF)
        is still a ``draft`` to make with ``make_document``. A runtime sends the replies
        before it at once, so "the order is confirmed" does not wait for the rendering."""
        incoming = storable(incoming)
        sender = incoming.sender
        async with self._lock_for(sender.telegram_id):
            claim = updates.pending()
            try:
                return await self._handle_in_transaction(incoming)
            except Exception:
                if claim is not None:
                    claim.recorded = False  # rolled back with the rest
                # The traceback goes to the operator's log only; the user gets a sentence.
                log.exception("update from %s failed; rolled back", sender.telegram_id)
                return await self._after_failure(incoming)

    async def make_documents(self, outcome: Outcome) -> Outcome:
        if not any(reply.draft is not None for reply in outcome.replies):
            return outcome
        return replace(outcome, replies=[await self.make_document(r) for r in outcome.replies])

    async def make_document(self, reply: Reply) -> Reply:
        """The reply with its draft rendered in the worker, outside any transaction (the
        change it reports is committed: a failure says so instead of "sorry")."""
        draft = reply.draft
        if draft is None:
            return reply
        try:
            content, complete = await self.workers.run(draft.make)
        except Exception:
            log.exception("the document %s could not be made", draft.file_name)
            return replace(reply, text=f"{reply.text}\n{draft.failed_note}", draft=None)
        text = reply.text if complete else f"{reply.text}\n{draft.incomplete_note}"
        return replace(reply, text=text, document=draft.finished(content, complete), draft=None)

    async def _after_failure(self, incoming: Incoming) -> Outcome:
        """A generic apology in the user's language, then the step they are still on.

        The failed update was rolled back whole, so the conversation is where it was
        before; asking its question again (in a fresh transaction) lets the user go on
        at once instead of guessing what the bot expects."""
        sender = incoming.sender
        try:
            step = await self._handle_in_transaction(incoming, resume=True)
        except Exception:  # the step's own question fails too: the apology alone
            log.exception("re-showing the step for %s failed", sender.telegram_id)
            step = Outcome()
        with use_locale(sender.language_code or self.settings.default_locale):
            sorry = Reply(
                text=_(
                    "Sorry, something went wrong on our side. Your earlier "
                    "answers are safe: please send that again, or /cancel."
                )
            )
            return Outcome([sorry, *step.replies], callback_notice=_("Please try again."))

    async def _handle_in_transaction(self, incoming: Incoming, *, resume: bool = False) -> Outcome:
        sender = incoming.sender
        held = held_lock()
        async with write_transaction(self.sessions) as session:
            if self.db.dialect.name == "postgresql" and (
                held is None or held.key != sender.telegram_id
            ):
                # Not under the Telegram gate's lock (the terminal chat): serialise this
                # user's updates across processes for the transaction at least.
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": sender.telegram_id}
                )
            now = self.clock.now()
            claim = None if resume else updates.pending()
            if claim is not None:
                # The update id commits with what the update changes, or not at all.
                if not await updates.record(session, claim.update_id, now):
                    log.info("update %s was already handled; dropped", claim.update_id)
                    return Outcome()
                claim.recorded = True
            language = sender.language_code or self.settings.default_locale
            # ``_conversation`` is held for the engine, which looks it up in the session.
            user, _created, _conversation = await arrive(
                session,
                sender.telegram_id,
                display_name=sender.display_name,
                locale=supported_locale(language),
                timezone=default_zone(normalise_locale(language)),
                now=now,
            )
            with use_locale(user.locale, user.timezone):
                ctx = Ctx(
                    app=self,
                    session=session,
                    user=user,
                    data={},
                    now=now,
                    is_team=self.is_team(user),
                )
                if resume:
                    return Outcome(await self.engine.resume(ctx))
                return await self.engine.handle(ctx, incoming)

    async def close(self) -> None:
        self.workers.close()
        await self.db.dispose()


async def prepare_database(settings: Settings) -> AsyncEngine:
    """Migrate the embedded SQLite database on first start; insist on it for PostgreSQL."""
    db = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    if not await is_up_to_date(db):
        if settings.is_sqlite:
            await upgrade_database_async(settings.database_url)
        else:
            await db.dispose()
            raise ConfigError(
                "TRADEGUARD_DATABASE_URL: the database schema is not up to date; "
                "run `tradeguard db upgrade` first"
            )
    return db


async def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    from bot.flows.registry import build_engine
    from policy import load_rules

    db = await prepare_database(settings)
    sessions = session_factory(db)
    clock = clock or SystemClock()
    async with sessions() as session, session.begin():
        await one_start_at_a_time(session)  # the webhook and scheduler units start together
        secret = (
            settings.secret_key.get_secret_value()
            if settings.secret_key is not None
            else await get_or_create_secret(session, "button_signing")
        )
        if await directory.directory_is_empty(session):
            report = await directory.import_suppliers(
                session, directory.DEMO_DIRECTORY.read_text(encoding="utf-8"), clock.now()
            )
            log.info("loaded the demo supplier directory: %s suppliers", report.created)
    return App(
        settings=settings,
        db=db,
        sessions=sessions,
        clock=clock,
        engine=build_engine(),
        secret=secret.encode(),
        rules=load_rules(profile=settings.rules_profile),
        team=set(settings.dispute_team),
        workers=Workers(settings.render_workers),
    )
