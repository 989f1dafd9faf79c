"""Run the emulator by hand: ``python -m emulator --port 8081``.

Point the bot at the printed base URL (``TRADEGUARD_API_BASE``), then type as the user:

* ``some text`` / ``/start abc``  -> a text message from the user
* ``!press <message_id> <callback_data>`` -> press an inline button
* ``!doc <path>`` -> send a file as a document
* ``!block`` / ``!unblock`` -> the user blocks / unblocks the bot
* ``!stats`` -> counters; ``!quit`` -> stop
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path

from .server import BotAPIEmulator
from .state import BotEvent


def _print_event(event: BotEvent) -> None:
    msg = event.message
    body = msg.get("text") or msg.get("caption") or ""
    if "document" in msg:
        body = f"[document {msg['document'].get('file_name')}] {body}"
    if "photo" in msg:
        body = f"[photo] {body}"
    buttons = [
        f"{b.get('text')}={b.get('callback_data') or b.get('url')}"
        for row in (msg.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]
    extra = f"  buttons: {', '.join(buttons)}" if buttons else ""
    print(f"<bot {event.kind} #{event.message_id} in {event.chat_id}> {body}{extra}", flush=True)


async def _handle_line(emu: BotAPIEmulator, user_id: int, line: str) -> bool:
    if not line.startswith("!"):
        await emu.send_text(user_id, line)
        return True
    command, _, rest = line[1:].partition(" ")
    if command == "quit":
        return False
    if command == "press":
        message_id, _, data = rest.partition(" ")
        await emu.press(user_id, int(message_id), data, strict=False)
    elif command == "doc":
        path = Path(rest.strip())
        data = await asyncio.to_thread(path.read_bytes)
        await emu.send_document(user_id, data, file_name=path.name)
    elif command == "block":
        emu.block(user_id, notify=True)
    elif command == "unblock":
        emu.unblock(user_id, notify=True)
    elif command == "stats":
        print(json.dumps(emu.summary(), indent=2), flush=True)
    else:
        print(f"unknown command {command!r}", flush=True)
    return True


async def _main(args: argparse.Namespace) -> None:
    emu = BotAPIEmulator(
        token=args.token,
        bot_username=args.username,
        host=args.host,
        port=args.port,
        auto_create_chats=True,
    )
    await emu.start()
    emu.user(args.user_id, first_name="Tester", language_code=args.language)
    emu.on_event(_print_event)
    print(f"Bot API emulator at {emu.base_url}", flush=True)
    print(f"token: {emu.token}   user id: {args.user_id}", flush=True)
    print(f"aiogram: TelegramAPIServer.from_base({emu.base_url!r})", flush=True)
    print(
        f"PTB:     base_url={emu.base_url}/bot  base_file_url={emu.base_url}/file/bot", flush=True
    )
    loop = asyncio.get_running_loop()
    try:
        if not sys.stdin or not sys.stdin.isatty():
            await asyncio.Event().wait()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                await asyncio.Event().wait()
            line = line.strip()
            if line and not await _handle_line(emu, args.user_id, line):
                break
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="tradeguard_test_bot")
    parser.add_argument("--user-id", type=int, default=1001)
    parser.add_argument("--language", default="en")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
