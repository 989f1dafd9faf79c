"""Commands every user has: /start (with deep-link payloads), /help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.flows.base import Command, Ctx, FinishResult, Invalid
from bot.flows.refusals import log_refusal
from bot.flows.replies import Reply
from bot.i18n import _, lazy_gettext

# Deep-link payload prefix -> handler. Payloads are untrusted: each handler looks the
# token up on the server and refuses anything it does not find.
DeepLinkHandler = Callable[[Ctx, str], Awaitable[FinishResult]]
DEEP_LINKS: dict[str, DeepLinkHandler] = {}


def deep_link(prefix: str) -> Callable[[DeepLinkHandler], DeepLinkHandler]:
    def register(handler: DeepLinkHandler) -> DeepLinkHandler:
        DEEP_LINKS[prefix] = handler
        return handler

    return register


async def start(ctx: Ctx) -> FinishResult:
    payload = ctx.arg.strip()
    if payload:
        prefix, _sep, token = payload.partition("_")
        handler = DEEP_LINKS.get(prefix)
        if handler is None or not token:
            log_refusal(ctx, "deep link", payload, suspicious=True)
            raise Invalid(_("This link is not valid or has expired."))
        return await handler(ctx, token)
    return [Reply(text=welcome_text(ctx))]


def welcome_text(ctx: Ctx) -> str:
    return _(
        "<b>Welcome to tradeguard.</b>\n"
        "I help you buy from overseas suppliers under the Trade Assurance programme:\n"
        "1. /find a supplier whose assurance limit covers your order;\n"
        "2. /order: write a precise specification and get a contract draft;\n"
        "3. /pay with a method that fits your country, currency and amount;\n"
        "4. /dispute if goods arrive late or not as specified.\n"
        "Send /help for every command."
    )


async def show_help(ctx: Ctx) -> FinishResult:
    from bot.flows.registry import commands_for

    lines = [_("<b>What I can do</b>")]
    for command in commands_for(ctx):
        lines.append(f"/{command.name} — {command.description}")
    lines.append(_("On any step: /back to change the previous answer, /cancel to stop."))
    return [Reply(text="\n".join(lines))]


COMMANDS = [
    Command("start", lazy_gettext("Start and see what I can do"), run=start, menu=False),
    Command("help", lazy_gettext("List the commands"), run=show_help),
    Command("cancel", lazy_gettext("Stop the current step"), menu=True),
    Command("back", lazy_gettext("Go back one step"), menu=True),
]
