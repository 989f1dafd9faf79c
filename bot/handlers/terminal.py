"""The terminal chat: any flow, against the same database, without Telegram.

Buttons appear as numbered choices; typing the number presses the button (to send a
number as text while buttons are shown, start it with an apostrophe: '100). One
person can play every side of a dispute with ``/as buyer|supplier|team NAME``.
Documents the bot sends are saved to files; ``/file PATH`` uploads a local file.
Pushes to other users (a claim for the supplier, a reminder) are printed as they go out.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import mimetypes
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.flows.replies import Attachment, Button, Incoming, Outcome, Reply, Sender
from bot.scheduler.dispatch import Dispatcher
from policy.evidence_files import HEAD_BYTES
from storage.models import User

ROLES = ("buyer", "supplier", "team")
OUTPUT_DIR = Path("tradeguard-files")


def terminal_user_id(name: str) -> int:
    """A stable id per name, negative so it can never be a real Telegram user's."""
    return -(zlib.crc32(name.strip().lower().encode()) % 2_000_000_000) - 1


def to_plain(markup: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", markup)
    text = re.sub(r"</?(b|strong|i|em|u|s|code|pre|a[^>]*|tg-spoiler|blockquote)>", "", text)
    return html.unescape(text)


@dataclass
class Actor:
    name: str
    role: str
    buttons: list[Button] = field(default_factory=list)

    @property
    def telegram_id(self) -> int:
        return terminal_user_id(self.name)


class TerminalChat:
    def __init__(self, app: App, out: TextIO = sys.stdout, lang: str | None = None) -> None:
        self.app = app
        self.out = out
        self.lang = lang
        self.actors: dict[str, Actor] = {}
        self.actor = self._actor("you", "buyer")
        self.dispatcher = Dispatcher.for_app(app, self)
        self.files: dict[str, Path] = {}

    def _actor(self, name: str, role: str) -> Actor:
        key = name.lower()
        actor = self.actors.get(key) or Actor(name=name, role=role)
        actor.role = role
        self.actors[key] = actor
        if role == "team":
            self.app.team.add(actor.telegram_id)
        return actor

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- Deliverer: pushes to other users are printed with who they are for --------

    async def deliver(self, user: User, reply: Reply) -> None:
        recipient = next(
            (a for a in self.actors.values() if a.telegram_id == user.telegram_id), None
        )
        label = recipient.name if recipient else (user.display_name or str(user.telegram_id))
        self.say(f"\n── message for {label} ──")
        if recipient is not None and recipient is not self.actor:
            self._render(reply, recipient)
        else:
            self._render(reply, self.actor)

    # -- input -------------------------------------------------------------------

    async def handle_line(self, line: str) -> None:
        line = line.rstrip("\n")
        stripped = line.strip()
        # The whole first word: "/ask 1" is the team's command, not "/as" with "k 1".
        first = stripped.split(maxsplit=1)[0] if stripped else ""
        if first == "/as":
            self._switch(stripped)
            return
        if first == "/file":
            attachment = self._attachment(stripped[5:].strip())
            if attachment is not None:
                await self._send(Incoming(sender=self._sender(), attachment=attachment))
            return
        if (
            stripped.isdigit()
            and self.actor.buttons
            and 1 <= int(stripped) <= len(self.actor.buttons)
        ):
            button = self.actor.buttons[int(stripped) - 1]
            await self._send(Incoming(sender=self._sender(), callback=button.data))
            return
        text = line[1:] if line.startswith("'") else line
        await self._send(Incoming(sender=self._sender(), text=text))

    def _sender(self) -> Sender:
        return Sender(self.actor.telegram_id, self.actor.name, self.lang)

    def _switch(self, command: str) -> None:
        parts = command.split(maxsplit=2)
        if len(parts) != 3 or parts[1] not in ROLES:
            self.say("usage: /as buyer|supplier|team NAME")
            return
        self.actor = self._actor(parts[2], parts[1])
        self.say(f"(now acting as {self.actor.role} {self.actor.name})")

    def _attachment(self, raw_path: str) -> Attachment | None:
        path = Path(raw_path).expanduser()
        if not path.is_file():
            self.say(f"(no such file: {raw_path})")
            return None
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        file_id = f"local-{digest[:32]}"
        self.files[file_id] = path
        mime, _ = mimetypes.guess_type(path.name)
        return Attachment(
            file_id=file_id,
            file_unique_id=digest[:16],
            file_name=path.name,
            mime_type=mime or "application/octet-stream",
            size=len(content),
            head=content[:HEAD_BYTES],
        )

    async def _send(self, incoming: Incoming) -> None:
        outcome: Outcome = await self.app.handle(incoming)
        if outcome.callback_notice:
            self.say(f"(!) {outcome.callback_notice}")
        for reply in outcome.replies:
            self._render(reply, self.actor)
        await self.dispatcher.dispatch_due()

    # -- output ------------------------------------------------------------------

    def _render(self, reply: Reply, actor: Actor) -> None:
        self.say(to_plain(reply.text))
        buttons = [button for row in reply.buttons for button in row]
        for number, button in enumerate(buttons, start=1):
            self.say(f"  [{number}] {to_plain(button.label)}")
        if buttons or (actor.buttons and not reply.replace):
            actor.buttons = buttons
        if reply.document is not None:
            OUTPUT_DIR.mkdir(exist_ok=True)
            target = OUTPUT_DIR / reply.document.file_name
            target.write_bytes(reply.document.content)
            self.say(f"  (document saved: {target})")
        if reply.file_id is not None:
            self.say(f"  (file attached: {reply.file_id})")


async def run_terminal(
    app: App, stdin: TextIO = sys.stdin, lang: str | None = None, log_path: Path | None = None
) -> None:
    chat = TerminalChat(app, lang=lang)
    chat.say(
        "tradeguard terminal chat. /help for commands, /as ROLE NAME to switch user, "
        "Ctrl-D to quit."
    )
    if log_path is not None:
        chat.say(f"(the log goes to {log_path})")
    await chat.dispatcher.dispatch_due()
    while True:
        if stdin.isatty():
            print(f"{chat.actor.name}> ", end="", flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if line.strip() in ("/quit", "/exit"):
            break
        await chat.handle_line(line)
