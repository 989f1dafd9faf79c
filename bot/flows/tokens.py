"""Callback data for buttons. Nothing in it names an object.

* Step buttons: ``t:<nonce>:<key>``. The nonce is redrawn each time a step is shown
  and stored on the user's conversation with the key -> value map; a press is valid
  only if it matches the presser's own current nonce. Old, forged or other users'
  buttons therefore fail the comparison and change nothing.
* Shortcut buttons (reminders, "open a dispute on this order"): ``g:<cmd>:<arg>:<sig>``,
  an HMAC over (presser's Telegram id, cmd, arg). A valid signature only proves the
  bot made this button for this user; the command still checks ownership itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data


def new_nonce() -> str:
    return secrets.token_urlsafe(6)  # 8 characters, 48 bits


def step_token(nonce: str, key: str) -> str:
    return f"t:{nonce}:{key}"


@dataclass(frozen=True)
class StepPress:
    nonce: str
    key: str


@dataclass(frozen=True)
class ShortcutPress:
    command: str
    arg: str
    signature: str


def parse(data: str) -> StepPress | ShortcutPress | None:
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":")
    if len(parts) == 3 and parts[0] == "t":
        return StepPress(nonce=parts[1], key=parts[2])
    if len(parts) == 4 and parts[0] == "g":
        return ShortcutPress(command=parts[1], arg=parts[2], signature=parts[3])
    return None


def _signature(secret: bytes, telegram_id: int, command: str, arg: str) -> str:
    mac = hmac.new(secret, f"{telegram_id}:{command}:{arg}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:12]).decode().rstrip("=")


def shortcut_token(secret: bytes, telegram_id: int, command: str, arg: str = "") -> str:
    token = f"g:{command}:{arg}:{_signature(secret, telegram_id, command, arg)}"
    if len(token.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"shortcut too long for callback data: {command}:{arg}")
    return token


def shortcut_is_valid(secret: bytes, telegram_id: int, press: ShortcutPress) -> bool:
    expected = _signature(secret, telegram_id, press.command, press.arg)
    return hmac.compare_digest(expected, press.signature)
