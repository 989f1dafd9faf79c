"""Where the bot's time goes, by library: a pyinstrument session's self time per package.

``python -m bench.flows --profile PATH`` saves ``PATH-<runtime>.pyisession``;
``python -m bench.profile_shares PATH-aiogram.pyisession`` sums the time each frame spent
in itself (not in what it called) by the package its file belongs to (aiogram, pydantic,
sqlalchemy, the product's own ``bot`` and ``policy``...). Idle time (the event loop
waiting in ``select``) is shown apart, so the shares are of the busy time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from pyinstrument.frame import Frame
from pyinstrument.session import Session

_SITE = re.compile(r"(?:site-packages|dist-packages)/([^/]+)")
_STDLIB = re.compile(r"/lib/python3\.\d+/([^/]+)")


def package_of(file_path: str | None) -> str:
    if not file_path:
        return "<native>"
    if match := _SITE.search(file_path):
        return match.group(1).removesuffix(".py")
    if match := _STDLIB.search(file_path):
        return f"stdlib:{match.group(1).removesuffix('.py')}"
    for own in ("bot", "policy", "storage", "emulator", "bench"):
        if f"/{own}/" in file_path:
            return own
    return file_path


def _name(frame: Frame) -> str:
    if frame.function in {"select", "poll", "epoll.poll"}:
        return "<idle: select>"
    return package_of(frame.file_path)


def self_times(frame: Frame, totals: Counter[str], caller: str = "<root>") -> None:
    """pyinstrument keeps a frame's own time in synthetic "[self]" leaves: charge it to
    the frame they hang from; a built-in (C) function's to the package calling it."""
    name = _name(frame)
    if name in {"<built-in>", "<native>"}:
        name = caller
    for child in frame.children:
        if child.is_synthetic_leaf:
            totals[name] += child.time
        else:
            self_times(child, totals, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session", type=Path)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    root = Session.load(str(args.session)).root_frame()
    if root is None:
        raise SystemExit("the session is empty")
    totals: Counter[str] = Counter()
    self_times(root, totals)
    idle = totals.pop("<idle: select>", 0.0)
    busy = sum(totals.values())
    print(f"busy {busy:.1f} s, idle {idle:.1f} s")
    for name, seconds in totals.most_common(args.top):
        print(f"{100 * seconds / busy:5.1f}%  {seconds:7.2f} s  {name}")


if __name__ == "__main__":
    main()
