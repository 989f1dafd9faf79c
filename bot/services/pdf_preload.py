"""Imported once by the render workers' fork server (``bot.workers.PRELOAD``).

It renders a throwaway sheet there, so fpdf2 is loaded and the font faces are parsed and
cut (``pdf_fonts``, ~0.6 s) in the fork server itself. Every worker forked from it, the
first one and any replacement, starts with all of that instead of paying it again.
"""

from __future__ import annotations

import logging

from bot.services import spec_sheet

log = logging.getLogger(__name__)

try:
    spec_sheet.warm_up()
except Exception:  # a broken font must not stop the fork server; the first PDF says why
    log.exception("warming up the PDF fonts failed")
